"""A quiz session on the `tracing` topic of tests/fixtures/quiz, as the shell tests drive it."""

from __future__ import annotations

import random
from datetime import datetime

from serverless_study.cards import generate_cards
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
