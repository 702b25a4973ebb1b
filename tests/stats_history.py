"""A learner's months of quizzing on tests/fixtures/quiz, simulated through the session with a fixed seed and clock.

The stats goldens render it: answers on most days (sometimes after midnight, before the 4 am rollover), misses
that name another term of the content (confusions), learning steps, lapses and predicted recall at answer time.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from serverless_study.cards import generate_cards
from serverless_study.days import Calendar
from serverless_study.loader import load_topics
from serverless_study.model import Grade, Question
from serverless_study.scheduler import Scheduler
from serverless_study.session import Limits, Session
from serverless_study.store import Store

from .conftest import FIXTURES

QUIZ = FIXTURES / "quiz"
ZONE = "Europe/Berlin"  # the history crosses the end of summer time (26 October 2025)
CALENDAR = Calendar(ZoneInfo(ZONE))  # days start at 4 am local time
NOW = datetime(2025, 12, 3, 18, 30, tzinfo=UTC)  # a Wednesday evening in Berlin
DAYS = 150


def simulate(store: Store, *, days: int = DAYS, seed: int = 7) -> None:
    """`days` study days up to NOW's: most evenings a session, some after midnight, a few days skipped."""
    topics = load_topics([QUIZ]).topics
    cards = generate_cards(topics)
    by_id = {t.id: t for t in topics}
    terms = [c.term for t in topics for c in t.concepts]
    rng = random.Random(seed)
    scheduler = Scheduler(fuzz_rng=random.Random(seed))
    for back in range(days, -1, -1):
        if back and rng.random() < 0.2:
            continue  # a day off
        evening = NOW - timedelta(days=back, minutes=rng.randrange(0, 240))
        now = evening + timedelta(hours=6) if rng.random() < 0.1 and back else evening  # after midnight, same day
        session = Session.start(
            store,
            cards,
            by_id,
            scheduler,
            random.Random(rng.random()),
            now=now,
            day=CALENDAR.day_of(now),
            limits=Limits(new_per_day=3),
        )
        for _ in range(40):
            question = session.next_question(now)
            if question is None:
                break
            right = rng.random() < 0.85
            given, grade = _answer(question, right, rng, terms)
            session.answer(question, now, given=given, grade=grade)
            now += timedelta(seconds=40)


def _answer(question: Question, right: bool, rng: random.Random, terms: list[str]) -> tuple[str, Grade | None]:
    """The answer, or a miss: a wrong choice, or another term of the content typed (a confusion)."""
    if question.self_rated:
        return question.answer, Grade.GOOD if right else Grade.AGAIN
    if right:
        return question.answer, None
    wrong = [c for c in question.choices if c != question.answer]
    return rng.choice(wrong or terms), None
