"""Plain data for study content, cards and reviews; no behaviour beyond small helpers."""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import NamedTuple


class Location(NamedTuple):
    """Where something came from, for error messages: file and 1-based line (a tuple: cheap to build in bulk)."""

    file: str
    line: int = 0

    def __str__(self) -> str:
        return f"{self.file}:{self.line}" if self.line else self.file


@dataclass(frozen=True)
class Layer:
    """One stack of a layered diagram (e.g. "Containers"): its boxes from top to bottom."""

    title: str
    stack: tuple[str, ...]


@dataclass(frozen=True)
class Image:
    path: Path  # resolved absolute path (may not exist; `check` reports it)
    caption: str
    src: str  # the path as written in the YAML, relative to the YAML file
    line: int = 0  # where the YAML names it
    problem: str = ""  # why it was refused (then it sits in Topic.refused_images, never in Topic.images)
    layers: tuple[Layer, ...] = ()  # the picture as stacks side by side, so a terminal can draw it


@dataclass(frozen=True)
class Source:
    """Where a statement was checked, and when (YYYY-MM): `check` warns when a topic's newest check is old."""

    url: str
    checked: str  # "YYYY-MM"


@dataclass(frozen=True)
class LintIgnore:
    """A lint an item breaks on purpose, with the reason written beside it."""

    code: str  # e.g. "SS105"
    reason: str


@dataclass(frozen=True)
class Concept:
    id: str
    term: str
    definition: str
    points: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()  # other accepted names for the term
    location: Location | None = field(default=None, compare=False)
    note: str = ""  # e.g. what older material said and what changed
    sources: tuple[Source, ...] = ()
    lint_ignore: tuple[LintIgnore, ...] = ()


CLOZE_GAP = re.compile(r"\{\{(.*?)\}\}")  # the gap of a cloze sentence: "listens on {{UDP port 2000}}"


@dataclass(frozen=True)
class Fact:
    id: str
    prompt: str
    answer: str  # the short answer a learner types (a list answer's elements joined with ", ")
    accept: tuple[str, ...] = ()  # alternative answers also marked correct
    explanation: str = ""  # one or two sentences shown after answering
    cloze: str = ""  # a sentence with the answer in {{double braces}}, or ""
    location: Location | None = field(default=None, compare=False)
    note: str = ""  # e.g. what older material said and what changed
    sources: tuple[Source, ...] = ()
    lint_ignore: tuple[LintIgnore, ...] = ()
    parts: tuple[str, ...] = ()  # the elements of a list answer (`answer: [a, b, c]`); () for a single answer
    ordered: bool = False  # a list answer whose elements must come in this order


@dataclass(frozen=True)
class Row:
    id: str
    cells: tuple[str, ...]  # one per column; "" means no statement in that column
    label: str = ""  # what the row compares (e.g. "Operating system"), optional


@dataclass(frozen=True)
class Comparison:
    id: str
    title: str
    columns: tuple[str, ...]
    rows: tuple[Row, ...]
    note: str = ""
    location: Location | None = field(default=None, compare=False)
    sources: tuple[Source, ...] = ()
    lint_ignore: tuple[LintIgnore, ...] = ()


@dataclass(frozen=True)
class Step:
    text: str  # short name of the step
    detail: str = ""


@dataclass(frozen=True)
class Sequence:
    id: str
    title: str
    steps: tuple[Step, ...]
    note: str = ""
    location: Location | None = field(default=None, compare=False)
    sources: tuple[Source, ...] = ()
    lint_ignore: tuple[LintIgnore, ...] = ()


Item = Concept | Fact | Comparison | Sequence


@dataclass(frozen=True)
class Topic:
    id: str
    title: str
    summary: str = ""
    concepts: tuple[Concept, ...] = ()
    comparisons: tuple[Comparison, ...] = ()
    sequences: tuple[Sequence, ...] = ()
    facts: tuple[Fact, ...] = ()
    images: tuple[Image, ...] = ()  # only images that passed the checks in images.py
    refused_images: tuple[Image, ...] = ()  # named but refused: never shown, and an export refuses the topic
    related: tuple[str, ...] = ()  # ids of topics whose terms make good distractors
    aliases: tuple[str, ...] = ()  # other names a learner may type for the topic ("xray", "sar")
    source: str = ""  # the YAML file this came from
    sources: tuple[Source, ...] = ()  # where the topic as a whole was checked

    @property
    def items(self) -> tuple[Item, ...]:
        return (*self.concepts, *self.comparisons, *self.sequences, *self.facts)

    def counts(self) -> dict[str, int]:
        return {
            "concepts": len(self.concepts),
            "comparisons": len(self.comparisons),
            "sequences": len(self.sequences),
            "facts": len(self.facts),
        }


@dataclass(frozen=True)
class TopicHead:
    """What the content index keeps of a topic so that listing and finding topics loads none of them."""

    id: str
    title: str
    aliases: tuple[str, ...] = ()
    related: tuple[str, ...] = ()
    item_counts: tuple[int, int, int, int] = (0, 0, 0, 0)  # concepts, comparisons, sequences, facts

    @classmethod
    def of(cls, topic: Topic) -> TopicHead:
        c = topic.counts()
        counts = (c["concepts"], c["comparisons"], c["sequences"], c["facts"])
        return cls(topic.id, topic.title, topic.aliases, topic.related, counts)

    def counts(self) -> dict[str, int]:
        return dict(zip(("concepts", "comparisons", "sequences", "facts"), self.item_counts, strict=True))


# --- quiz -----------------------------------------------------------------


def utc(moment: datetime) -> datetime:
    """`moment` with tzinfo exactly `timezone.utc` (fsrs refuses other UTC zones); naive times are a bug."""
    if moment.tzinfo is None:
        raise ValueError("times must be timezone-aware")
    return moment.astimezone(UTC)


class CardKind(str, enum.Enum):
    TYPED = "typed"  # fact: type the answer
    CLOZE = "cloze"  # fact: fill the gap
    CHOICE = "choice"  # concept: pick the term for a definition
    RECALL = "recall"  # concept: recall the definition, then self-rate
    COLUMN = "column"  # comparison: which column does this statement belong to
    TRUE_FALSE = "truefalse"  # comparison: is this statement true of that column
    ORDER = "order"  # sequence: put shuffled steps in order
    NEXT = "next"  # sequence: what comes after this step


class Grade(enum.IntEnum):
    """Self-rating; values match FSRS ratings."""

    AGAIN = 1
    HARD = 2
    GOOD = 3
    EASY = 4


@dataclass(frozen=True)
class Question:
    """A card made concrete for one showing: choices shuffled with a seeded RNG."""

    card_id: str
    kind: CardKind
    prompt: str
    choices: tuple[str, ...] = ()  # for choice/column/truefalse/next
    answer: str = ""  # canonical correct answer (a choice text, or the typed answer, or "3 1 4 2")
    accept: tuple[str, ...] = ()
    explanation: str = ""
    self_rated: bool = False  # recall cards: learner rates themselves
    parts: tuple[str, ...] = ()  # a list answer's elements: the learner may type them with any separators
    ordered: bool = False  # ...and, unless this is set, in any order
    glosses: tuple[str, ...] = ()  # what each choice means (parallel to choices; "" when nothing to add)


@dataclass(frozen=True)
class Card:
    id: str  # "topic/item/kind[/part]", stable across rewording
    topic_id: str
    item_id: str
    kind: CardKind
    content_hash: str  # hash of the text the card shows, to notice edits


@dataclass(frozen=True)
class Review:
    card_id: str
    reviewed_at: datetime  # UTC
    grade: Grade
    answer: str
    correct: bool
    duration_ms: int
    retrievability: float | None = None  # the scheduler's predicted recall when answered; None for a first review


class Phase(str, enum.Enum):
    """Where a started card is in its schedule (FSRS states); a card with no state yet is new."""

    LEARNING = "learning"
    REVIEW = "review"
    RELEARNING = "relearning"


@dataclass(frozen=True)
class CardState:
    """A card's schedule after its latest review; times are UTC."""

    card_id: str
    phase: Phase
    step: int | None
    stability: float | None
    difficulty: float | None
    due: datetime
    last_review: datetime | None
    lapses: int = 0  # times the card was forgotten after reaching review
    reps: int = 0  # reviews so far
