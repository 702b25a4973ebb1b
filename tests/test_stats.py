"""Stats: figures computed from a store set up through the library, and the command's table and JSON."""

from __future__ import annotations

import dataclasses
import json
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from serverless_study.cards import generate_cards
from serverless_study.cli import app
from serverless_study.days import Calendar
from serverless_study.loader import load_topics
from serverless_study.model import CardState, Grade, Phase, Review
from serverless_study.scheduler import Scheduler
from serverless_study.session import Limits, Session
from serverless_study.stats import Catalogue, changed_cards, compute, streak
from serverless_study.store import DB_NAME, Store

from .conftest import FIXTURES

UTC_DAYS = Calendar(UTC, day_starts=0)  # study days from midnight to midnight UTC
QUIZ = FIXTURES / "quiz"
TOPICS = load_topics([QUIZ]).topics
TOPIC_MAP = {t.id: t for t in TOPICS}
CARDS = generate_cards(TOPICS)
MIDNIGHT = datetime(2025, 1, 6, tzinfo=UTC)
NOW = MIDNIGHT + timedelta(hours=9)


@pytest.fixture
def store() -> Iterator[Store]:
    with Store.open(":memory:") as s:
        yield s


def figures(store: Store, now: datetime = NOW):  # type: ignore[no-untyped-def]
    return compute(
        store,
        Catalogue.of(CARDS, TOPIC_MAP),
        Scheduler(),
        now=now,
        calendar=UTC_DAYS,
        new_per_day=20,
    )


def put(
    store: Store,
    card_id: str,
    due: datetime,
    *,
    phase: Phase = Phase.REVIEW,
    lapses: int = 0,
    reviewed: datetime = NOW - timedelta(days=2),
    grade: Grade = Grade.GOOD,
    previous_phase: Phase | None = None,
    content_hash: str = "",
) -> None:
    state = CardState(card_id, phase, None if phase is Phase.REVIEW else 0, 4.0, 5.0, due, reviewed, lapses, 3)
    previous = (
        None
        if previous_phase is None
        else CardState(card_id, previous_phase, None, 4.0, 5.0, reviewed, reviewed - timedelta(days=4))
    )
    store.record(
        Review(card_id, reviewed, grade, "", grade is not Grade.AGAIN, 0),
        state,
        previous=previous,
        topic_id=card_id.split("/")[0],
        content_hash=content_hash,
    )


def test_nothing_studied_yet(store: Store) -> None:
    s = figures(store)
    assert (s.reviews_total, s.due_today, s.new_available, s.new_today, s.streak_days) == (0, 0, len(CARDS), 20, 0)
    assert [(t.id, t.cards, t.new, t.mastery) for t in s.topics] == [
        (
            "functions",
            sum(c.topic_id == "functions" for c in CARDS),
            sum(c.topic_id == "functions" for c in CARDS),
            None,
        ),
        ("tracing", sum(c.topic_id == "tracing" for c in CARDS), sum(c.topic_id == "tracing" for c in CARDS), None),
    ]
    assert s.retention_30d is None and s.leeches == [] and [n for _, n in s.forecast] == [0] * 30


def test_counts_due_today_forecast_and_mastery(store: Store) -> None:
    put(store, "tracing/x-ray/choice", NOW - timedelta(days=1))  # overdue: due today
    put(store, "tracing/segment/choice", MIDNIGHT + timedelta(hours=23, minutes=59))  # later today
    put(store, "tracing/subsegment/choice", MIDNIGHT + timedelta(days=1))  # tomorrow, first thing
    put(store, "tracing/daemon-port/typed", MIDNIGHT + timedelta(days=6, hours=12))  # the seventh day
    put(store, "functions/timeout/typed", MIDNIGHT + timedelta(days=30))  # beyond the 30-day forecast
    put(store, "functions/handler/choice", NOW + timedelta(minutes=5), phase=Phase.LEARNING)
    s = figures(store)
    tracing = next(t for t in s.topics if t.id == "tracing")
    assert (tracing.new, tracing.review, tracing.learning, tracing.due) == (tracing.cards - 4, 4, 0, 2)
    assert s.due_today == 3
    assert s.forecast[:7] == [
        ("2025-01-06", 3),
        ("2025-01-07", 1),
        ("2025-01-08", 0),
        ("2025-01-09", 0),
        ("2025-01-10", 0),
        ("2025-01-11", 0),
        ("2025-01-12", 1),
    ]
    assert tracing.mastery is not None and 0.5 < tracing.mastery < 1.0


def test_retention_counts_only_cards_in_review(store: Store) -> None:
    put(store, "tracing/x-ray/choice", NOW, grade=Grade.AGAIN, previous_phase=Phase.REVIEW)
    put(store, "tracing/segment/choice", NOW, grade=Grade.GOOD, previous_phase=Phase.REVIEW)
    put(store, "tracing/subsegment/choice", NOW, grade=Grade.GOOD, previous_phase=Phase.REVIEW)
    put(store, "tracing/daemon-port/typed", NOW, grade=Grade.AGAIN)  # a new card failed: not a lapse of memory
    put(
        store,
        "tracing/trace-header/typed",
        NOW,
        grade=Grade.GOOD,
        reviewed=NOW - timedelta(days=40),
        previous_phase=Phase.REVIEW,
    )  # too old
    s = figures(store)
    assert (s.reviews_total, s.reviews_30d) == (5, 4)
    assert s.retention_30d == pytest.approx(2 / 3)


def test_streak_counts_days_back_from_today_or_yesterday(store: Store) -> None:
    assert streak(store, UTC_DAYS, UTC_DAYS.day_of(MIDNIGHT)) == 0
    for days_ago in (1, 2, 3, 5):
        put(store, f"tracing/x-ray/choice{days_ago}", NOW, reviewed=NOW - timedelta(days=days_ago))
    assert streak(store, UTC_DAYS, UTC_DAYS.day_of(MIDNIGHT)) == 3  # yesterday and the two days before; today not yet
    put(store, "tracing/segment/choice", NOW, reviewed=NOW)
    assert streak(store, UTC_DAYS, UTC_DAYS.day_of(MIDNIGHT)) == 4
    assert streak(store, UTC_DAYS, UTC_DAYS.day_of(MIDNIGHT + timedelta(days=2))) == 0  # a day missed


def test_leeches_are_listed_worst_first(store: Store) -> None:
    put(store, "tracing/x-ray/choice", NOW, lapses=9)
    put(store, "tracing/segment/choice", NOW, lapses=7)
    put(store, "functions/timeout/typed", NOW, lapses=12)
    assert [(x.card_id, x.lapses) for x in figures(store).leeches] == [
        ("functions/timeout/typed", 12),
        ("tracing/x-ray/choice", 9),
    ]


def test_cards_edited_since_their_last_review_are_listed(store: Store) -> None:
    by_id = {c.id: c for c in CARDS}
    for card_id in ("tracing/x-ray/choice", "tracing/daemon-port/typed", "functions/timeout/typed"):
        put(store, card_id, NOW, content_hash=by_id[card_id].content_hash)
    put(store, "tracing/segment/choice", NOW)  # reviewed before hashes were kept: nothing to compare
    assert figures(store).changed == []
    # Reword one fact's prompt and one concept's definition: exactly their cards changed, in content order.
    [tracing] = [t for t in TOPICS if t.id == "tracing"]
    fact = next(f for f in tracing.facts if f.id == "daemon-port")
    concept = next(c for c in tracing.concepts if c.id == "x-ray")
    edited = dataclasses.replace(
        tracing,
        facts=tuple(dataclasses.replace(f, prompt=f.prompt + " (reworded)") if f is fact else f for f in tracing.facts),
        concepts=tuple(dataclasses.replace(c, definition="Reworded.") if c is concept else c for c in tracing.concepts),
    )
    topics = [edited if t is tracing else t for t in TOPICS]
    s = compute(
        store,
        Catalogue.of(generate_cards(topics), {t.id: t for t in topics}),
        Scheduler(),
        now=NOW,
        calendar=UTC_DAYS,
        new_per_day=20,
    )
    assert s.changed == ["tracing/x-ray/choice", "tracing/daemon-port/typed"]
    assert s.to_dict()["changed"] == s.changed
    # Reviewing the edited card again records what it shows now.
    put(
        store,
        "tracing/x-ray/choice",
        NOW,
        content_hash=next(c for c in generate_cards([edited]) if c.id == "tracing/x-ray/choice").content_hash,
    )
    assert changed_cards(store, {c.id: c.content_hash for c in generate_cards(topics)}) == ["tracing/daemon-port/typed"]


def test_new_today_follows_the_daily_limit(store: Store) -> None:
    session = Session.start(
        store,
        CARDS,
        TOPIC_MAP,
        Scheduler(),
        random.Random(1),
        now=NOW,
        day=UTC_DAYS.day_of(MIDNIGHT),
        limits=Limits(new_per_day=20),
    )
    for _ in range(5):
        q = session.next_question(NOW)
        assert q is not None
        session.answer(q, NOW, given=q.answer)
    s = figures(store)
    assert (s.new_available, s.new_today, s.reviews_today, s.streak_days) == (len(CARDS) - 5, 15, 5, 1)


# --- the command ---------------------------------------------------------------------------------------------------


def stats_cli(runner: CliRunner, data_dir: Path, *args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(
        app, ["--data-dir", str(data_dir), "--content", str(QUIZ), "stats", *args], catch_exceptions=False
    )


def test_stats_json_has_the_documented_keys(runner: CliRunner, data_dir: Path) -> None:
    with Store.open(data_dir / DB_NAME) as store:
        put(
            store,
            "tracing/x-ray/choice",
            datetime.now(UTC) - timedelta(minutes=1),
            reviewed=datetime.now(UTC) - timedelta(days=1),
        )
    result = stats_cli(runner, data_dir, "--json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert {
        "reviews_total",
        "due_today",
        "new_available",
        "topics",
        "forecast",
        "streak_days",
        "leeches",
        "retention_30d",
        "reviews_30d",
        "changed",
    } <= data.keys()
    assert data["reviews_total"] == 1 and data["due_today"] == 1
    tracing = next(t for t in data["topics"] if t["id"] == "tracing")
    assert {"id", "cards", "due", "new", "mastery"} <= tracing.keys()
    assert tracing["due"] == 1 and tracing["new"] == tracing["cards"] - 1 and 0 < tracing["mastery"] <= 1
    assert len(data["forecast"]) == 30 and data["forecast"][0]["due"] >= 1
    assert data["new_available"] == sum(t["new"] for t in data["topics"])


def test_stats_text_when_piped(runner: CliRunner, data_dir: Path) -> None:
    result = stats_cli(runner, data_dir)
    assert result.exit_code == 0
    assert "Tracing (tracing): " in result.output and ", mastery -" in result.output
    assert "Due over the next 30 days:" in result.output
    assert "Streak: 0 days." in result.output and "Leeches: none." in result.output
    assert "\x1b" not in result.output


def test_stats_views_match_their_goldens(store: Store) -> None:
    from serverless_study.render import stats_view
    from serverless_study.textview import stats_text

    from .golden import assert_golden, render

    put(store, "tracing/x-ray/choice", NOW - timedelta(days=1), lapses=8, previous_phase=Phase.REVIEW)
    put(
        store,
        "tracing/segment/choice",
        MIDNIGHT + timedelta(days=2),
        reviewed=NOW - timedelta(hours=1),
        content_hash="hash-of-an-older-wording",
    )
    put(
        store,
        "functions/handler/choice",
        NOW + timedelta(minutes=5),
        phase=Phase.LEARNING,
        reviewed=NOW - timedelta(minutes=5),
    )
    s = figures(store)
    assert_golden("stats-terminal.txt", render(stats_view(s), width=80))
    assert_golden("stats-plain.txt", stats_text(s))


def test_mastery_is_recall_now_in_fractional_days_so_misses_today_show(store: Store) -> None:
    """4 of 8 answers wrong this morning: by evening mastery must not read 100% (fsrs's whole days would say so)."""
    session = Session.start(
        store, CARDS, TOPIC_MAP, Scheduler(), random.Random(1), now=NOW, day=UTC_DAYS.day_of(NOW), topic_ids=["tracing"]
    )
    for n in range(8):
        q = session.next_question(NOW)
        assert q is not None
        given = q.answer if n % 2 else "certainly not this"
        session.answer(q, NOW, given=given, grade=(Grade.GOOD if n % 2 else Grade.AGAIN) if q.self_rated else None)
    evening = NOW + timedelta(hours=12)
    tracing = next(t for t in figures(store, evening).topics if t.id == "tracing")
    assert tracing.mastery is not None and 0.7 < tracing.mastery < 0.95
    assert tracing.new == tracing.cards - (tracing.learning + tracing.review)  # new cards are counted apart
    morning = next(t for t in figures(store, NOW).topics if t.id == "tracing")
    assert morning.mastery == pytest.approx(1.0)  # just answered: nothing forgotten yet
