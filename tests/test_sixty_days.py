"""A learner who runs `quiz` every morning for 60 days through the real CLI, with the clock moved between sessions."""

from __future__ import annotations

import json
import statistics
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from typer.testing import CliRunner

from serverless_study import session as session_module
from serverless_study.cards import generate_cards, sibling_key
from serverless_study.cli import app
from serverless_study.cli.context import Env
from serverless_study.days import Calendar
from serverless_study.loader import load_topics
from serverless_study.model import Grade, Question
from serverless_study.paths import shipped_content_dir
from serverless_study.prompts import LinePrompter
from serverless_study.store import DB_NAME, Store

BERLIN = ZoneInfo("Europe/Berlin")
FIRST_MORNING = datetime(2025, 3, 10, 9, 0, tzinfo=BERLIN)  # the clocks change on day 21 (2025-03-30)
DAYS = 60
THINK = timedelta(seconds=20)  # each answer takes the learner this long


class Learner(LinePrompter):
    """The real line prompter, with a learner at the keyboard who knows every answer and presses Enter (Good)."""

    def __init__(self, env: Env, asked: list[Question], clock: Any) -> None:
        super().__init__(env.stdin, env.stdout)
        self.asked, self.clock = asked, clock

    def _read(self, prompt: str) -> str | None:
        self.stdout.write(prompt)
        if prompt.startswith("Rating"):
            return ""  # Enter: Good
        self.clock.shift(THINK)
        return self.asked[-1].answer


@pytest.mark.slow
def test_sixty_days_of_mornings(runner: CliRunner, data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "Europe/Berlin")
    asked: list[Question] = []
    real_make_question = session_module.make_question

    def recorded(*args: Any, **kwargs: Any) -> Question:
        asked.append(real_make_question(*args, **kwargs))
        return asked[-1]

    monkeypatch.setattr(session_module, "make_question", recorded)

    def cli(*args: str) -> str:
        result = runner.invoke(app, ["--data-dir", str(data_dir), *args], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result.stdout

    held_back: dict[date, int] = {}
    expected_tomorrow: dict[date, int] = {}  # stats' forecast for the next day plus what it left due today
    with time_machine.travel(FIRST_MORNING, tick=False) as clock:
        monkeypatch.setattr(Env, "prompter", lambda env, plain: Learner(env, asked, clock))
        for n in range(DAYS):
            morning = (FIRST_MORNING.replace(tzinfo=None) + timedelta(days=n)).replace(tzinfo=BERLIN)
            clock.move_to(morning)
            out = cli("quiz", "--seed", str(n))
            today = morning.date()
            held = [line for line in out.splitlines() if "held back until tomorrow" in line]
            held_back[today] = int(held[0].split()[0]) if held else 0
            assert "Too many answers" not in out and "Wrong" not in out
            after = json.loads(cli("stats", "--json"))
            assert after["forecast"][0]["date"] == today.isoformat()
            expected_tomorrow[today + timedelta(days=1)] = after["forecast"][1]["due"] + after["due_today"]

    calendar = Calendar(BERLIN)
    topics = load_topics([shipped_content_dir()]).topics
    cards = {c.id: c for c in generate_cards(topics)}
    with Store.open(data_dir / DB_NAME) as store:
        log = store.history()
    lateness: list[float] = []  # hours from the start of a review's due day to when it was asked
    late_days: Counter[int] = Counter()  # study days between the due day and the day it was asked
    reviews_on: Counter[date] = Counter()
    cards_on: dict[tuple[date, str], set[str]] = defaultdict(set)
    for logged in log:
        r = logged.review
        day = calendar.day_of(r.reviewed_at)
        cards_on[(day.date, sibling_key(cards[r.card_id]))].add(r.card_id)
        if logged.phase == "review" and logged.previous is not None:
            due_day = calendar.day_of(logged.previous.due)
            late_days[(day.date - due_day.date).days] += 1
            lateness.append((r.reviewed_at - due_day.start) / timedelta(hours=1))
            reviews_on[day.date] += 1
    assert all(r.review.grade is Grade.GOOD and r.review.correct for r in log)  # never failed, always Good

    print_report(lateness, late_days, reviews_on, held_back)
    # Every review was asked on its due day, never early; the only ones asked later are those held back because a
    # sibling was practised that day, one day late for each day held back.
    assert min(late_days) == 0 and late_days[0] > 1000
    # (Cards held back on the last morning are asked after the simulation ends, so they are not in the log.)
    last = max(held_back)
    assert sum(days * n for days, n in late_days.items()) == sum(held_back.values()) - held_back[last]
    # No item had two of its cards asked on one day.
    assert all(len(ids) == 1 for ids in cards_on.values())
    # Each morning asked what stats forecast the day before (held-back siblings wait, and are counted).
    for day, expected in expected_tomorrow.items():
        if day in held_back:
            assert reviews_on[day] + held_back[day] == expected, day


def print_report(lateness: list[float], late_days: Counter[int], reviews_on: Counter[date], held: dict) -> None:  # type: ignore[type-arg]
    q = statistics.quantiles(lateness, n=20)
    print(
        f"\nreviews: {len(lateness)}; days late: {dict(late_days)}; hours after the due day began: "
        f"min {min(lateness):.2f}, p5 {q[0]:.2f}, median {statistics.median(lateness):.2f}, p95 {q[-1]:.2f}, "
        f"max {max(lateness):.2f}; reviews a day: max {max(reviews_on.values())}; held back in all: "
        f"{sum(held.values())}"
    )
