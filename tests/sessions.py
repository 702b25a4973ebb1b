"""A quiz session on the `tracing` topic of tests/fixtures/quiz, as the shell tests drive it."""

from __future__ import annotations

import io
import random
from datetime import datetime
from pathlib import Path

from typer.testing import CliRunner

from serverless_study.cards import generate_cards
from serverless_study.cli import app
from serverless_study.cli.context import Env
from serverless_study.days import Calendar
from serverless_study.loader import load_topics
from serverless_study.scheduler import Scheduler
from serverless_study.session import Session
from serverless_study.store import Store

from .conftest import FIXTURES


def tracing_session(store: Store, now: datetime, calendar: Calendar) -> Session:
    """Today's queue of the fixture pack's tracing topic, seeded, with study days from `calendar`."""
    topics = load_topics([FIXTURES / "quiz"]).topics
    return Session.start(
        store,
        generate_cards(topics),
        {t.id: t for t in topics},
        Scheduler(),
        random.Random(1),
        now=now,
        day=calendar.day_of(now),
        topic_ids=["tracing"],
    )


def run_at(now: datetime, data_dir: Path, *args: str, text: str = "") -> tuple[int, str, str]:
    """The real command line over the fixture quiz pack in plain mode, the clock at `now`, study days in UTC from
    4 am: (exit code, stdout, stderr with anything Typer printed)."""
    out, err = io.StringIO(), io.StringIO()
    env = Env(
        data_dir=Path(), stdin=io.StringIO(text), stdout=out, stderr=err, clock=lambda: now, environ={"TZ": "UTC"}
    )
    argv = ["--data-dir", str(data_dir), "--content", str(FIXTURES / "quiz"), "--day-starts", "4", *args]
    result = CliRunner().invoke(app, argv, obj=env, catch_exceptions=False)
    return result.exit_code, out.getvalue(), err.getvalue() + result.output
