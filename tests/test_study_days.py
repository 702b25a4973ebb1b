"""The real CLI across simulated study days: reviews on their due day, one card per item a day, stats agreeing."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from typer.testing import CliRunner

from serverless_study.cli import app
from serverless_study.model import CardState, Grade, Phase, Review
from serverless_study.store import DB_NAME, Store

from .conftest import FIXTURES

QUIZ = str(FIXTURES / "quiz")
MONDAY = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _utc(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "UTC")  # study days run 04:00-04:00 UTC whatever the machine's zone


def run(runner: CliRunner, data_dir: Path, *args: str, text: str = "") -> str:
    result = runner.invoke(
        app, ["--data-dir", str(data_dir), "--content", QUIZ, *args], input=text, catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    return result.stdout


def stats(runner: CliRunner, data_dir: Path) -> dict:  # type: ignore[type-arg]
    return json.loads(run(runner, data_dir, "stats", "--json"))  # type: ignore[no-any-return]


def test_a_review_due_later_today_is_asked_this_morning(runner: CliRunner, data_dir: Path) -> None:
    """The issue's reproduction: Good at Mon 09:00 and 09:10 is due Wed 09:10, and Wed 09:00 asks it."""
    with time_machine.travel(MONDAY, tick=False) as clock:
        run(runner, data_dir, "quiz", "--topic", "tracing", "--new", "1", text="AWS X-Ray\n\nq\n")
        clock.move_to(MONDAY + timedelta(minutes=10))
        run(runner, data_dir, "quiz", "--topic", "tracing", "--new", "1", text="AWS X-Ray\n\n")
        with Store.open(data_dir / DB_NAME) as store:
            state = store.state("tracing/x-ray/choice")
        assert state is not None and state.phase is Phase.REVIEW
        assert state.due == MONDAY + timedelta(days=2, minutes=10)
        clock.move_to(MONDAY + timedelta(days=2))
        assert stats(runner, data_dir)["due_today"] == 1
        out = run(runner, data_dir, "quiz", "--topic", "tracing", "--new", "0", text="AWS X-Ray\n\n")
        assert "Question 1 (Tracing; 0 new · 0 learning · 1 review left)" in out
        assert stats(runner, data_dir)["due_today"] == 0


def test_a_card_due_before_the_rollover_hour_waits_for_the_next_session_day(runner: CliRunner, data_dir: Path) -> None:
    with Store.open(data_dir / DB_NAME) as store:
        due = MONDAY.replace(hour=5)  # Monday's day runs 04:00 Mon - 04:00 Tue
        state = CardState("tracing/x-ray/choice", Phase.REVIEW, None, 3.0, 5.0, due, due - timedelta(days=3))
        reviewed = Review(state.card_id, due - timedelta(days=3), Grade.GOOD, "", True, 0)
        store.record(reviewed, state, previous=None, topic_id="tracing")
    with time_machine.travel(MONDAY.replace(hour=3), tick=False):  # Sunday's day still
        assert "Nothing is due" in run(runner, data_dir, "quiz", "--topic", "tracing", "--new", "0")
        assert stats(runner, data_dir)["forecast"][:2] == [
            {"date": "2025-01-05", "due": 0},
            {"date": "2025-01-06", "due": 1},
        ]
    with time_machine.travel(MONDAY.replace(hour=3), tick=False):  # with the day starting at midnight, it is Monday
        out = run(runner, data_dir, "--day-starts", "0", "quiz", "--topic", "tracing", "--new", "0", text="q\n")
        assert "1 review left" in out


def test_siblings_wait_for_tomorrow_across_sessions(runner: CliRunner, data_dir: Path) -> None:
    """`quiz --limit 1` at 09:00 then `quiz` at 12:00 must not ask two cards of the same item on one day."""
    with Store.open(data_dir / DB_NAME) as store:
        for card_id, due in (("tracing/x-ray/choice", MONDAY), ("tracing/x-ray/recall", MONDAY + timedelta(hours=1))):
            state = CardState(card_id, Phase.REVIEW, None, 5.0, 5.0, due, MONDAY - timedelta(days=5))
            store.record(
                Review(card_id, MONDAY - timedelta(days=5), Grade.GOOD, "", True, 0),
                state,
                previous=None,
                topic_id="tracing",
            )
    with time_machine.travel(MONDAY, tick=False) as clock:
        out = run(runner, data_dir, "quiz", "--topic", "tracing", "--new", "0", "--limit", "1", text="AWS X-Ray\n\n")
        assert "held back" not in out and "1 answered" in out
        clock.move_to(MONDAY + timedelta(hours=3))
        out = run(runner, data_dir, "quiz", "--topic", "tracing", "--new", "0")
        assert "1 card held back until tomorrow: already practised today." in out
        assert "Nothing is due right now" in out
        clock.move_to(MONDAY + timedelta(days=1))
        out = run(runner, data_dir, "quiz", "--topic", "tracing", "--new", "0", text="q\n")
        assert "held back" not in out and "What is AWS X-Ray?" in out
    with Store.open(data_dir / DB_NAME) as store:
        asked = [(r.review.card_id, r.review.reviewed_at) for r in store.history() if r.review.reviewed_at >= MONDAY]
    assert asked == [("tracing/x-ray/choice", MONDAY)]


@pytest.mark.parametrize(
    ("zone", "evening", "due", "today"),
    [
        # New York falls back on 2025-11-02: the study day of Nov 1 lasts 25 hours, to 04:00 EST (09:00Z).
        ("America/New_York", "2025-11-01T20:00-04:00", "2025-11-02T03:30-05:00", 1),
        # Berlin springs forward on 2025-03-30: the study day of Mar 29 lasts 23 hours, to 04:00 CEST (02:00Z).
        ("Europe/Berlin", "2025-03-29T20:00+01:00", "2025-03-30T04:30+02:00", 0),
        ("Europe/Berlin", "2025-03-29T20:00+01:00", "2025-03-30T03:30+02:00", 1),
        # New York springs forward on 2025-03-09; Berlin falls back on 2025-10-26.
        ("America/New_York", "2025-03-08T20:00-05:00", "2025-03-09T04:30-04:00", 0),
        ("Europe/Berlin", "2025-10-25T20:00+02:00", "2025-10-26T03:30+01:00", 1),
    ],
)
def test_due_today_on_clock_change_days(
    runner: CliRunner, data_dir: Path, monkeypatch: pytest.MonkeyPatch, zone: str, evening: str, due: str, today: int
) -> None:
    monkeypatch.setenv("TZ", zone)
    now, when = datetime.fromisoformat(evening), datetime.fromisoformat(due)
    with Store.open(data_dir / DB_NAME) as store:
        state = CardState("tracing/x-ray/choice", Phase.REVIEW, None, 3.0, 5.0, when, when - timedelta(days=3))
        reviewed = Review(state.card_id, when - timedelta(days=3), Grade.GOOD, "", True, 0)
        store.record(reviewed, state, previous=None, topic_id="tracing")
    with time_machine.travel(now, tick=False):
        figures = stats(runner, data_dir)
        assert figures["due_today"] == today
        assert [d["due"] for d in figures["forecast"][:2]] == [today, 1 - today]
        assert figures["forecast"][0]["date"] == now.date().isoformat()
        out = run(runner, data_dir, "quiz", "--topic", "tracing", "--new", "0", text="q\n")
        assert ("1 review left" in out) is bool(today)
