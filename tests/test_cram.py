"""quiz --cram and --from-exam: cards asked whether due or not, schedules left byte for byte as they were."""

from __future__ import annotations

import contextlib
import json
import random
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from serverless_study import session as session_module
from serverless_study.cards import generate_cards
from serverless_study.days import Calendar
from serverless_study.loader import load_topics
from serverless_study.model import CardKind, CardState, Grade, Phase, Review
from serverless_study.scheduler import Scheduler
from serverless_study.session import CramSession, build_queue, cram_queue
from serverless_study.stats import Catalogue, compute
from serverless_study.store import DB_NAME, HoldKind, Mode, Store

from .conftest import FIXTURES
from .sessions import run_at

NOW = datetime(2025, 3, 10, 12, tzinfo=UTC)
DAYS = Calendar(UTC, day_starts=4)
TOPICS = load_topics([FIXTURES / "quiz"]).topics
CARDS = generate_cards(TOPICS)
BY_TOPIC = {t.id: t for t in TOPICS}


def run(data_dir: Path, *args: str, text: str = "", now: datetime = NOW) -> tuple[int, str, str]:
    return run_at(now, data_dir, *args, text=text)


def studied(store: Store, card_ids: list[str], *, now: datetime = NOW) -> None:
    """Give cards a history: a review each, some due long ago, some due next month, one in relearning."""
    for n, card_id in enumerate(card_ids):
        phase = Phase.RELEARNING if n % 5 == 4 else Phase.REVIEW
        due = now + timedelta(days=30 - 11 * (n % 4), hours=n)
        state = CardState(card_id, phase, 0 if phase is Phase.RELEARNING else None, 1.0 + n, 5.0, due,
                          now - timedelta(days=3 + n), lapses=n % 3, reps=2 + n)  # fmt: skip
        review = Review(card_id, now - timedelta(days=3 + n), Grade.GOOD, "", True, 0)
        store.record(review, state, previous=None, topic_id=card_id.split("/")[0])


def card_state_bytes(data_dir: Path) -> list[tuple[Any, ...]]:
    with contextlib.closing(sqlite3.connect(data_dir / DB_NAME)) as conn, conn:
        return conn.execute("SELECT * FROM card_state ORDER BY card_id").fetchall()


def cram(store: Store, **kwargs: Any) -> CramSession:
    return CramSession.cram(
        store, CARDS, BY_TOPIC, Scheduler(), random.Random(3), now=NOW, day=DAYS.day_of(NOW), **kwargs
    )


def answer_all(session: CramSession, *, now: datetime = NOW) -> tuple[set[str], int]:
    """Answer every question, alternately right and wrong; undo once and override the typed misses on the way.

    Returns the cards asked and how many answers stand (an undone one does not, an override replaces its miss).
    """
    asked, standing, n = set[str](), 0, 0
    while (q := session.next_question(now)) is not None and n < 200:
        asked.add(q.card_id)
        right = n % 2 == 0
        grade = (Grade.GOOD if right else Grade.AGAIN) if q.self_rated else None
        session.answer(q, now, given=q.answer if right else "no idea at all", grade=grade)
        standing += 1
        if n == 3:
            assert session.undo() is not None  # asked again next
            standing -= 1
        elif session.can_override():
            session.override(now, Grade.EASY)
        n += 1
        now += timedelta(seconds=30)
    return asked, standing


def test_cram_leaves_every_cards_schedule_byte_identical(data_dir: Path) -> None:
    ids = [c.id for c in CARDS[::2]]
    with Store.open(data_dir / DB_NAME) as store:
        studied(store, ids)
    before = card_state_bytes(data_dir)
    with Store.open(data_dir / DB_NAME) as store:
        session = cram(store, new=3)
        asked, standing = answer_all(session)
        crammed = [r for r in store.history() if r.mode is Mode.CRAM]
        overridden = store.override_counts()
    assert card_state_bytes(data_dir) == before
    assert asked >= set(ids)  # every studied card, due next month or not
    assert len(asked - set(ids)) == 3  # and three new ones, still new afterwards
    assert overridden and len(crammed) == standing  # an override replaced its miss: one row for the two
    assert all(r.previous is None for r in crammed)  # nothing to restore: undo only deletes the row


def test_a_cram_miss_comes_back_until_answered_right(data_dir: Path) -> None:
    with Store.open(data_dir / DB_NAME) as store:
        studied(store, ["tracing/daemon-port/typed", "tracing/trace-header/typed"])
        session = cram(store, topic_ids=["tracing"])
        first = session.next_question(NOW)
        assert first is not None
        session.answer(first, NOW, given="port 80")
        second = session.next_question(NOW)
        assert second is not None and second.card_id != first.card_id
        session.answer(second, NOW, given=second.answer)
        again = session.next_question(NOW)
        assert again is not None and again.card_id == first.card_id  # once the rest is done
        session.answer(again, NOW, given=again.answer)
        assert session.next_question(NOW) is None


def test_cram_under_a_limit_takes_the_weakest_cards_and_new_ones_only_when_asked() -> None:
    recalls = {c.id: 0.5 + n / 20 for n, c in enumerate(CARDS[:6])}  # the first card is the weakest
    picked = cram_queue(recalls, CARDS, rng=random.Random(1), limit=3)
    assert set(picked) == {c.id for c in CARDS[:3]}
    with_new = cram_queue(recalls, CARDS, rng=random.Random(1), new=2, limit=4)
    assert len(with_new) == 4 and len(set(with_new) - set(recalls)) == 2
    assert set(cram_queue(recalls, CARDS, rng=random.Random(1))) == set(recalls)


def test_a_long_cram_is_put_in_order_run_by_run_and_counted_whole(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(session_module, "CRAM_RUN", 10)
    with Store.open(data_dir / DB_NAME) as store:
        studied(store, [c.id for c in CARDS])
        session = cram(store)
        assert session.main == [] and [len(run) for run in session.later] == [10, 10, 10, 3]
        assert session.progress().total == len(CARDS)  # before any run is ordered
        asked, standing = answer_all(session)
    assert asked == {c.id for c in CARDS} and standing >= len(CARDS)


def test_cram_counts_as_activity_but_not_against_limits_siblings_or_retention(data_dir: Path) -> None:
    day = DAYS.day_of(NOW)
    with Store.open(data_dir / DB_NAME) as store:
        studied(store, ["tracing/x-ray/choice"], now=NOW - timedelta(days=40))
        session = cram(store, topic_ids=["tracing"], new=2)
        _asked, standing = answer_all(session)
        assert store.counts_since(day.start) == {}  # daily limits see nothing
        assert store.reviewed_since(day.start) == set()  # so no sibling is held back
        queue = build_queue(
            store, [c for c in CARDS if c.topic_id == "tracing"], now=NOW, day=day, rng=random.Random(1)
        )
        assert "tracing/x-ray/choice" in queue.main  # due, and not held back by its crammed sibling
        assert list(store.ratings()) == [("tracing/x-ray/choice", NOW - timedelta(days=43), 3)]  # fitting ignores cram
        figures = compute(store, Catalogue.of(CARDS, BY_TOPIC), Scheduler(), now=NOW, calendar=DAYS, new_per_day=20)
    assert figures.reviews_today == figures.reviews_30d == standing > 0  # activity: the heatmap and the streak see cram
    assert figures.streak_days == 1
    assert figures.retention_30d is None  # no scheduled review in 30 days: cram is not retention


def test_undo_of_a_cram_answer_deletes_only_its_row(data_dir: Path) -> None:
    with Store.open(data_dir / DB_NAME) as store:
        studied(store, ["tracing/trace-header/typed"])
    before = card_state_bytes(data_dir)
    code, out, _ = run(data_dir, "quiz", "--cram", "--topic", "tracing", text="nope\nq\n")
    assert code == 0 and "Cram: 1 card (cards you have studied)" in out
    assert card_state_bytes(data_dir) == before
    code, out, _ = run(data_dir, "undo")
    assert code == 0 and "a cram answer: the schedule was never changed" in out
    with Store.open(data_dir / DB_NAME) as store:
        assert [r.mode for r in store.history()] == [Mode.SCHEDULED]
    assert card_state_bytes(data_dir) == before


def test_a_plain_cram_session_through_the_command_line(data_dir: Path) -> None:
    with Store.open(data_dir / DB_NAME) as store:
        studied(store, ["tracing/daemon-port/typed"])
        store.hold(["functions/timeout/typed"], HoldKind.SUSPENDED, now=NOW)
    before = card_state_bytes(data_dir)
    code, out, _ = run(data_dir, "quiz", "--cram", "--topic", "tracing", text="port 80\n\nudp 2000\n\n")
    assert code == 0, out
    assert "Wrong. The answer is: UDP port 2000" in out and "This card comes back again this session." in out
    assert "Rating (Enter = Good, h/g/e or 2/3/4, s suspend, b bury, u undo, q quit): " in out
    assert "Session over. 2 answered, 1 correct." in out
    assert card_state_bytes(data_dir) == before
    nothing = run(data_dir, "quiz", "--cram", "--topic", "functions")
    assert nothing[0] == 0 and "Nothing to cram: no cards you have studied can be asked" in nothing[1]
    assert "`--new N` adds new cards" in nothing[1]
    new = run(data_dir, "quiz", "--cram", "--topic", "functions", "--new", "3", "--limit", "2", text="q\n")
    assert "Cram: 2 cards (cards you have studied)" in new[1]


# --- quiz --from-exam -------------------------------------------------------------------------------------------------


def exam(data_dir: Path, started: datetime, answers: list[tuple[str, int | None]], outcome: str = "submitted") -> None:
    """An exam as the exam command saves it (schema v4), written directly."""
    with Store.open(data_dir / DB_NAME):
        pass  # creates the schema
    with contextlib.closing(sqlite3.connect(data_dir / DB_NAME)) as conn, conn:
        exam_id = conn.execute(
            "INSERT INTO exam (started_at, finished_at, outcome, settings) VALUES (?, ?, ?, ?)",
            (started.isoformat(timespec="microseconds"), (started + timedelta(minutes=30)).isoformat(), outcome,
             json.dumps({"questions": len(answers)})),
        ).lastrowid  # fmt: skip
        rows = [
            (exam_id, n, cid, cid.split("/")[0], None if ok is None else "x", ok)
            for n, (cid, ok) in enumerate(answers, 1)
        ]
        conn.executemany(
            "INSERT INTO exam_answer (exam_id, position, card_id, topic_id, answer, correct) VALUES (?, ?, ?, ?, ?, ?)",
            rows,
        )


def test_from_exam_drills_exactly_the_last_scored_exams_misses(data_dir: Path) -> None:
    exam(data_dir, NOW - timedelta(days=9), [("functions/timeout/typed", 0)])  # an older exam
    exam(
        data_dir,
        NOW - timedelta(days=2),
        [("tracing/x-ray/choice", 1), ("tracing/daemon-port/typed", 0), ("functions/memory/typed", None),
         ("tracing/trace-header/typed", 1)],
    )  # fmt: skip
    exam(data_dir, NOW - timedelta(days=1), [("functions/layer/choice", 0)], outcome="incomplete")  # not scored
    with Store.open(data_dir / DB_NAME) as store:
        assert store.last_exam_misses() == ["tracing/daemon-port/typed", "functions/memory/typed"]
        session = cram(store, only=store.last_exam_misses())
        asked, _standing = answer_all(session)
    assert set(asked) == {"tracing/daemon-port/typed", "functions/memory/typed"}
    code, out, _ = run(data_dir, "quiz", "--from-exam", text="q\n")
    assert code == 0 and "Cram: 2 cards (your last exam's misses)" in out
    assert card_state_bytes(data_dir) == []  # never-studied misses stay never studied


def test_from_exam_without_an_exam_says_so_in_one_line_and_exits_1(data_dir: Path) -> None:
    code, out, err = run(data_dir, "quiz", "--from-exam")
    assert code == 1 and out == ""
    assert err == "error: no practice exam has been scored yet: take one with `serverless-study exam`\n"
    exam(data_dir, NOW - timedelta(days=1), [("tracing/x-ray/choice", 1)])
    code, out, _ = run(data_dir, "quiz", "--from-exam")
    assert code == 0 and out == "Your last exam had no misses: nothing to drill.\n"
    exam(data_dir, NOW - timedelta(hours=1), [("tracing/x-ray/choice", 0)])
    run(data_dir, "suspend", "tracing/x-ray/choice")
    code, out, _ = run(data_dir, "quiz", "--from-exam")
    assert code == 0 and out.startswith("Nothing to cram: none of your last exam's misses can be asked (suspended")


def test_cram_never_asks_held_cards(data_dir: Path) -> None:
    tracing = [c for c in CARDS if c.topic_id == "tracing" and c.kind is CardKind.TYPED]
    with Store.open(data_dir / DB_NAME) as store:
        studied(store, [c.id for c in tracing])
        store.hold([tracing[0].id], HoldKind.SUSPENDED, now=NOW)
        store.hold([tracing[1].id], HoldKind.BURIED, now=NOW, until=DAYS.day_of(NOW).end)
        asked, _standing = answer_all(cram(store, topic_ids=["tracing"]))
        named = cram(store, only=[c.id for c in tracing])  # as --from-exam names them
    assert len(tracing) == 2 and asked == set() and named.main == []


def test_an_override_in_cram_shows_no_schedule_and_changes_none(data_dir: Path) -> None:
    with Store.open(data_dir / DB_NAME) as store:
        studied(store, ["tracing/daemon-port/typed"])
    before = card_state_bytes(data_dir)
    code, out, _ = run(data_dir, "quiz", "--cram", "--topic", "tracing", text="the UDP one\no\n4\n")
    assert code == 0, out
    assert "How hard was it: 2 Hard, 3 Good, 4 Easy." in out  # no "(in 3 days)": nothing is rescheduled
    assert card_state_bytes(data_dir) == before
    with Store.open(data_dir / DB_NAME) as store:
        assert [(r.mode, r.review.grade, r.review.correct) for r in store.history()][1:] == [
            (Mode.CRAM, Grade.EASY, True)
        ]
        assert store.override_counts() == {"tracing/daemon-port/typed": 1}


def test_options_that_change_nothing_in_a_cram_are_refused(data_dir: Path) -> None:
    code, out, err = run(data_dir, "quiz", "--cram", "--reviews", "50")
    assert (code, out) == (2, "")
    assert err == "error: --reviews has no effect with --cram: a cram has no daily limit\n"
    assert run(data_dir, "quiz", "--from-exam", "--new", "5")[2] == (
        "error: --new has no effect with --from-exam: it drills the exam's misses, studied or not\n"
    )
    assert run(data_dir, "quiz", "--cram", "--retention", "0.8")[0] == 2
