"""Practice exams with no terminal: drawing the questions, predicting the score, marking, timing and results.

An exam reads the schedule (to predict) but never changes it: its answers go to the `exam` tables only.
"""

from __future__ import annotations

import enum
import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from serverless_study.cards import item_for, make_question, sibling_key
from serverless_study.defaults import EXAM_PASS_MARK
from serverless_study.errors import UsageError
from serverless_study.model import Card, CardKind, Question, Topic
from serverless_study.scheduler import Scheduler
from serverless_study.scores import passes, share
from serverless_study.store import ExamRow, Store

if TYPE_CHECKING:  # marking is imported when an exam is sat: `stats` reads only the history
    from serverless_study.answers import Verdict, Vocabulary

QUESTIONS = 30
MINUTES = 45
# Kinds the exam can mark by itself: recall cards are rated by the learner, so they are left out.
EXAM_KINDS = frozenset(k for k in CardKind if k is not CardKind.RECALL)


class Ending(str, enum.Enum):
    """How an exam ended (exam.outcome)."""

    SUBMITTED = "submitted"
    TIMED_OUT = "timed_out"
    INCOMPLETE = "incomplete"  # Ctrl-C: saved, never scored


@dataclass(frozen=True)
class ExamSettings:
    questions: int = QUESTIONS
    minutes: int = MINUTES  # 0: untimed
    pass_mark: int = EXAM_PASS_MARK  # percent
    topics: tuple[str, ...] = ()  # ids of the chosen topics; () for all
    seed: int | None = None

    def __post_init__(self) -> None:
        if self.questions < 1:
            raise UsageError(f"--questions must be at least 1, not {self.questions}")
        if self.minutes < 0:
            raise UsageError(f"--minutes must be 0 (untimed) or more, not {self.minutes}")
        if not 0 <= self.pass_mark <= 100:
            raise UsageError(f"--pass must be between 0 and 100, not {self.pass_mark}")

    def to_dict(self) -> dict[str, Any]:
        return {
            "questions": self.questions,
            "minutes": self.minutes,
            "pass_mark": self.pass_mark,
            "topics": list(self.topics),
            "seed": self.seed,
        }


# --- drawing -------------------------------------------------------------------------------------------------------


def spread(sizes: Mapping[str, int], total: int) -> dict[str, int]:
    """How many questions each topic gets: in proportion to its size (largest remainders, ties in the given order),
    never more than it has, and at least one each when there are enough questions to go round."""
    sizes = {t: n for t, n in sizes.items() if n > 0}
    whole = sum(sizes.values())
    total = min(total, whole)
    if not total:
        return dict.fromkeys(sizes, 0)
    quota = {t: total * n / whole for t, n in sizes.items()}
    out = {t: int(q) for t, q in quota.items()}
    rank = {t: i for i, t in enumerate(sizes)}
    by_remainder = sorted(sizes, key=lambda t: (-(quota[t] - out[t]), rank[t]))
    for t in by_remainder[: total - sum(out.values())]:
        out[t] += 1
    if total >= len(sizes):  # a small topic chosen beside big ones still gets a question
        for t in [t for t in sizes if out[t] == 0]:
            # from the topic furthest over its share that can spare one
            donor = max(sizes, key=lambda d: (out[d] - quota[d] if out[d] > 1 else -1.0, -rank[d]))
            out[donor] -= 1
            out[t] += 1
    return out


def draw(cards: Iterable[Card], topic_ids: Sequence[str], count: int, rng: random.Random) -> list[Card]:
    """`count` auto-marked cards from the topics (in proportion to their size), one per item, in random order.

    An item is what `sibling_key` groups: cards that give each other away never sit in the same exam.
    """
    items: dict[str, dict[str, list[Card]]] = {t: {} for t in topic_ids}
    for card in cards:
        if card.kind in EXAM_KINDS and card.topic_id in items:
            items[card.topic_id].setdefault(sibling_key(card), []).append(card)
    quotas = spread({t: len(by_item) for t, by_item in items.items()}, count)
    picked: list[Card] = []
    for topic_id, by_item in items.items():
        for key in rng.sample(sorted(by_item), quotas.get(topic_id, 0)):
            picked.append(rng.choice(by_item[key]))
    rng.shuffle(picked)
    return picked


def chance(question: Question) -> float:
    """The chance of a right answer by guessing: 1 in the number of choices; none for a typed answer."""
    return 1 / len(question.choices) if question.choices else 0.0


def predicted(question: Question, recall: float | None) -> float:
    """The chance of a right answer: recalled (the scheduler's retrievability), or else guessed.

    `recall` None means the card was never reviewed: the chance of a guess alone.
    """
    guess = chance(question)
    return guess if recall is None else recall + (1 - recall) * guess


# --- sitting ---------------------------------------------------------------------------------------------------------


@dataclass
class ExamQuestion:
    position: int  # from 1
    card: Card
    question: Question
    predicted: float
    answer: str | None = None  # None: not answered yet
    verdict: Verdict | None = None
    flagged: bool = False

    @property
    def answered(self) -> bool:
        return self.answer is not None

    @property
    def correct(self) -> bool:
        return self.verdict is not None and self.verdict.correct


@dataclass(frozen=True)
class TopicScore:
    topic_id: str
    title: str
    questions: int
    correct: int

    @property
    def score(self) -> float:
        return share(self.correct, self.questions)


@dataclass(frozen=True)
class Missed:
    """A question the learner got wrong or left unanswered, as the results show it."""

    position: int
    topic_title: str
    question: Question
    given: str | None  # None: not answered
    verdict: Verdict


@dataclass(frozen=True)
class ExamPlan:
    """What the learner is told before the first question."""

    asked_for: int
    questions: int
    minutes: int  # 0: untimed
    pass_mark: int
    topics: list[tuple[str, int]]  # (title, questions), in content order
    predicted: float


@dataclass(frozen=True)
class ExamResult:
    ending: Ending
    questions: int
    correct: int
    answered: int
    pass_mark: int
    predicted: float
    topics: list[TopicScore]
    missed: list[Missed]  # wrong or not answered, in question order

    @property
    def score(self) -> float:
        return share(self.correct, self.questions)

    @property
    def passed(self) -> bool:
        return passes(self.correct, self.questions, self.pass_mark)


@dataclass
class Exam:
    """One sitting: its questions, the answers so far, and the clock. Build it with `Exam.start`.

    Each answer and flag is saved before the call returns; nothing is shown to the learner until `finish`.
    """

    store: Store
    id: int
    settings: ExamSettings
    started_at: datetime
    questions: list[ExamQuestion]
    topics: Mapping[str, Topic]
    vocabulary: Vocabulary
    available: int = 0  # questions the chosen topics could give (fewer than asked for when they are small)

    @classmethod
    def start(
        cls,
        store: Store,
        cards: Iterable[Card],
        topics: Mapping[str, Topic],
        scheduler: Scheduler,
        rng: random.Random,
        *,
        settings: ExamSettings,
        now: datetime,
    ) -> Exam:
        """Draw the questions, predict each one's chance from the schedule at `now`, and save the exam."""
        from serverless_study.answers import Vocabulary

        topic_ids = list(settings.topics) or list(topics)
        usable = [c for c in cards if item_for(c, topics) is not None]
        drawn = draw(usable, topic_ids, settings.questions, rng)
        if not drawn:
            raise UsageError("no questions to ask: the chosen topics have no cards the exam can mark")
        confusions = store.confused_names()
        questions = []
        for position, card in enumerate(drawn, 1):
            question = make_question(card, topics, rng, confusions=confusions)
            state = store.state(card.id)
            recall = scheduler.retrievability(state, now) if state is not None and state.stability else None
            questions.append(ExamQuestion(position, card, question, predicted(question, recall)))
        rows = [ExamRow(q.position, q.card.id, q.card.topic_id, q.predicted) for q in questions]
        mean = sum(q.predicted for q in questions) / len(questions)
        exam_id = store.start_exam(now, settings.to_dict(), mean, rows)
        return cls(store, exam_id, settings, now, questions, topics, Vocabulary.from_topics(topics.values()))

    @property
    def predicted(self) -> float:
        """The expected score, 0 to 1: the mean chance of a right answer over the questions."""
        return sum(q.predicted for q in self.questions) / len(self.questions)

    @property
    def deadline(self) -> datetime | None:
        return self.started_at + timedelta(minutes=self.settings.minutes) if self.settings.minutes else None

    def time_left(self, now: datetime) -> timedelta | None:
        """Time until the exam submits itself (never negative); None when untimed."""
        deadline = self.deadline
        return None if deadline is None else max(timedelta(0), deadline - now)

    def expired(self, now: datetime) -> bool:
        deadline = self.deadline
        return deadline is not None and now >= deadline

    def answer(self, position: int, given: str) -> ExamQuestion:
        """Mark and save an answer (a later answer to the same question replaces it); no feedback until the end."""
        from serverless_study.answers import check_answer

        q = self.questions[position - 1]
        q.answer, q.verdict = given, check_answer(q.question, given, self.vocabulary)
        self.store.save_exam_answer(self.id, position, given, q.verdict.correct)
        return q

    def flag(self, position: int) -> bool:
        """Flag the question for review, or unflag it; the new state, saved."""
        q = self.questions[position - 1]
        q.flagged = not q.flagged
        self.store.flag_exam_question(self.id, position, q.flagged)
        return q.flagged

    def to_review(self) -> list[ExamQuestion]:
        """Flagged and unanswered questions, in order: what the learner may go back to before submitting."""
        return [q for q in self.questions if q.flagged or not q.answered]

    @property
    def answered(self) -> int:
        return sum(q.answered for q in self.questions)

    def finish(self, now: datetime, ending: Ending) -> ExamResult:
        self.store.finish_exam(self.id, now, ending.value)
        return self.result(ending)

    def plan(self) -> ExamPlan:
        topics = [(t.title, n) for t, n in ((t, self._count(t.id)) for t in self.topics.values()) if n]
        s = self.settings
        return ExamPlan(s.questions, len(self.questions), s.minutes, s.pass_mark, topics, self.predicted)

    def _count(self, topic_id: str) -> int:
        return sum(q.card.topic_id == topic_id for q in self.questions)

    def title_of(self, q: ExamQuestion) -> str:
        topic = self.topics.get(q.card.topic_id)
        return topic.title if topic else q.card.topic_id

    def result(self, ending: Ending) -> ExamResult:
        from serverless_study.answers import check_answer

        topics = [
            TopicScore(t.id, t.title, n, sum(q.correct for q in self.questions if q.card.topic_id == t.id))
            for t, n in ((t, self._count(t.id)) for t in self.topics.values())
            if n
        ]
        missed = [
            Missed(q.position, self.title_of(q), q.question, q.answer, q.verdict or check_answer(q.question, ""))
            for q in self.questions
            if not q.correct
        ]
        return ExamResult(
            ending,
            len(self.questions),
            sum(q.correct for q in self.questions),
            self.answered,
            self.settings.pass_mark,
            self.predicted,
            topics,
            missed,
        )
