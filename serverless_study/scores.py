"""Scored exams as `stats` shows them, and the pass rule: apart from `exam`, so that `stats` does not import what
sitting an exam needs (cards, drawing, marking)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from serverless_study.defaults import EXAM_PASS_MARK

if TYPE_CHECKING:
    from serverless_study.store import Store, StoredExam

HISTORY = 10  # exams `stats` shows


def passes(correct: int, questions: int, pass_mark: int) -> bool:
    """At or above the pass mark, in whole numbers: 72% of 25 questions is 18 right, not 17.99…"""
    return correct * 100 >= pass_mark * questions


def share(correct: int, questions: int) -> float:
    return correct / questions if questions else 0.0


@dataclass(frozen=True)
class ExamSummary:
    """A scored exam as `stats` shows it."""

    started_at: datetime
    outcome: str
    questions: int
    correct: int
    pass_mark: int
    predicted: float | None
    topics: dict[str, dict[str, int]]  # topic id → {"questions": n, "correct": n}

    @property
    def score(self) -> float:
        return share(self.correct, self.questions)

    @property
    def passed(self) -> bool:
        return passes(self.correct, self.questions, self.pass_mark)

    def to_dict(self) -> dict[str, Any]:
        return {
            "started_at": self.started_at.isoformat(),
            "outcome": self.outcome,
            "questions": self.questions,
            "correct": self.correct,
            "score": round(self.score, 4),
            "pass_mark": self.pass_mark,
            "passed": self.passed,
            "predicted": None if self.predicted is None else round(self.predicted, 4),
            "topics": self.topics,
        }


def exam_history(store: Store, limit: int = HISTORY) -> list[ExamSummary]:
    """The latest scored exams, oldest first (so a trend reads left to right)."""
    return [_summary(e) for e in store.scored_exams(limit)]


def _summary(stored: StoredExam) -> ExamSummary:
    topics: dict[str, dict[str, int]] = {}
    for a in stored.answers:
        tally = topics.setdefault(a.topic_id, {"questions": 0, "correct": 0})
        tally["questions"] += 1
        tally["correct"] += bool(a.correct)
    return ExamSummary(
        stored.started_at,
        stored.outcome,
        len(stored.answers),
        sum(bool(a.correct) for a in stored.answers),
        int(stored.settings.get("pass_mark", EXAM_PASS_MARK)),
        stored.predicted,
        topics,
    )
