"""What `check` finds in a content: the loader's problems, the accept guard's and the lints' warnings.

On a big pack this is CPU-bound Python from end to end, so once the topics are loaded the work after it is shared
with a forked child (`parallel.Forked`): each process lints its share of the topics and reads the letters the accept
guard files for them, and this one files them all and judges. The findings are those of one process, in the same
order: whichever way the work is split, and whether or not a child could help.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from serverless_study.answers import accept_problems, rival_letters
from serverless_study.errors import ContentError
from serverless_study.lint import Finding, lint_topics
from serverless_study.loader import load_topics
from serverless_study.model import Topic
from serverless_study.parallel import Forked

PARENT_SHARE = 0.45  # of the items: this process also files every topic's letters and judges the suspects
# Items below which a child costs more than it saves: its start, and the pages both processes then copy.
FORK_FROM = 2_000


@dataclass
class Checked:
    """The topics that loaded, then every problem (the loader's, then the accept guard's) and lint warning."""

    topics: list[Topic]
    problems: list[ContentError] = field(default_factory=list)
    warnings: list[Finding] = field(default_factory=list)

    @property
    def items(self) -> int:
        return sum(len(t.items) for t in self.topics)


def check_content(targets: Sequence[Path], today: date) -> Checked:
    """Load `targets` (no cache: every file and image is read for real), then guard the accept lists and lint."""
    with _no_cycle_collection():
        loaded = load_topics(list(targets))
        topics = loaded.topics
        split = split_point(topics, PARENT_SHARE)
        big = sum(len(t.items) for t in topics) >= FORK_FROM
        theirs = Forked(lambda: (lint_topics(topics, today, start=split), rival_letters(topics[split:])), fork=big)
        warnings = lint_topics(topics, today, stop=split)
        letters = rival_letters(topics[:split])
        their_warnings, their_letters = theirs.result()
        problems = loaded.problems + accept_problems(topics, letters + their_letters)
    return Checked(topics, problems, warnings + their_warnings)


def split_point(topics: Sequence[Topic], share: float) -> int:
    """The number of leading topics that hold about `share` of the items."""
    total = sum(len(t.items) for t in topics)
    held = 0
    for n, t in enumerate(topics):
        if held >= share * total:
            return n
        held += len(t.items)
    return len(topics)


@contextlib.contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """Pause Python's cycle collector: a pack is acyclic data built once, and at 100k facts the collector's passes
    over it (it grows by millions of objects) took a third of `check`."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
