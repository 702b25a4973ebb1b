"""FSRS through the `fsrs` package: our CardState ⇄ fsrs.Card and Grade → Rating. The only fsrs import."""

from __future__ import annotations

import contextlib
import random
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from serverless_study.defaults import DEFAULT_RETENTION
from serverless_study.errors import UsageError
from serverless_study.model import CardState, Grade, Phase, utc

if TYPE_CHECKING:
    import fsrs

MIN_RETENTION, MAX_RETENTION = 0.7, 0.99
LEARNING_STEPS = (timedelta(minutes=1), timedelta(minutes=10))
RELEARNING_STEPS = (timedelta(minutes=10),)
LEECH_LAPSES = 8  # Anki's default threshold; flagged again every half threshold after it

_PHASE_OF = {1: Phase.LEARNING, 2: Phase.REVIEW, 3: Phase.RELEARNING}
_STATE_OF = {phase: value for value, phase in _PHASE_OF.items()}


def is_leech_lapse(before: CardState | None, after: CardState) -> bool:
    """True when this review made the card a leech, or made it one again (at 8, 12, 16… lapses)."""
    lapsed = before is not None and after.lapses > before.lapses
    over = after.lapses - LEECH_LAPSES
    return lapsed and over >= 0 and over % (LEECH_LAPSES // 2) == 0


class Scheduler:
    """Schedules reviews with FSRS; interval fuzz comes from the injected rng, or is off without one."""

    def __init__(
        self,
        desired_retention: float = DEFAULT_RETENTION,
        *,
        fuzz_rng: random.Random | None = None,
        learning_steps: tuple[timedelta, ...] = LEARNING_STEPS,
        relearning_steps: tuple[timedelta, ...] = RELEARNING_STEPS,
    ) -> None:
        if not MIN_RETENTION <= desired_retention <= MAX_RETENTION:
            raise UsageError(
                f"desired retention must be between {MIN_RETENTION} and {MAX_RETENTION}, not {desired_retention:g}"
            )
        import fsrs

        self.desired_retention = desired_retention
        self.learning_steps = tuple(learning_steps)
        self._fsrs = fsrs.Scheduler(
            desired_retention=desired_retention,
            learning_steps=self.learning_steps,
            relearning_steps=tuple(relearning_steps),
            enable_fuzzing=fuzz_rng is not None,
        )
        self._rng = fuzz_rng

    def review(self, state: CardState | None, card_id: str, grade: Grade, now: datetime) -> CardState:
        """The card's state after being rated `grade` at `now`; `state` None means a new card."""
        import fsrs

        now = utc(now)
        card = _to_fsrs(state) if state is not None else fsrs.Card(card_id=0, due=now)
        with self._fuzz():
            after, _log = self._fsrs.review_card(card, fsrs.Rating(int(grade)), review_datetime=now)
        lapses = state.lapses if state is not None else 0
        if state is not None and state.phase is Phase.REVIEW and grade is Grade.AGAIN:
            lapses += 1
        reps = (state.reps if state is not None else 0) + 1
        return _from_fsrs(card_id, after, lapses=lapses, reps=reps)

    def retrievability(self, state: CardState, now: datetime) -> float:
        """Predicted probability of recalling the card at `now` (0 for a card never reviewed)."""
        return float(self._fsrs.get_card_retrievability(_to_fsrs(state), utc(now)))

    def recall(self, stability: float | None, last_review: datetime | None, now: datetime) -> float:
        """Predicted recall from the two values it depends on: cheaper than `retrievability` for every card at once."""
        import fsrs

        if stability is None or last_review is None:
            return 0.0
        card = fsrs.Card(card_id=0, state=fsrs.State.Review, stability=stability, last_review=last_review, due=now)
        return float(self._fsrs.get_card_retrievability(card, now))

    def intervals(self, state: CardState | None, card_id: str, now: datetime) -> dict[Grade, timedelta]:
        """How long until the card is due again for each grade, ignoring fuzz: for showing on rating buttons."""
        saved, self._fsrs.enable_fuzzing = self._fsrs.enable_fuzzing, False
        try:
            return {g: self.review(state, card_id, g, now).due - utc(now) for g in Grade}
        finally:
            self._fsrs.enable_fuzzing = saved

    @contextlib.contextmanager
    def _fuzz(self) -> Iterator[None]:
        # fsrs draws fuzz from the global `random()`; lend it our seeded generator for the call so that a
        # session replays exactly under a given --seed.
        import fsrs.scheduler as module

        if self._rng is None or not hasattr(module, "random"):
            yield
            return
        saved = module.random
        module.random = self._rng.random
        try:
            yield
        finally:
            module.random = saved


def _to_fsrs(state: CardState) -> fsrs.Card:
    import fsrs

    return fsrs.Card(
        card_id=0,  # fsrs ids are ints; ours are strings and fsrs only copies the id into its own log
        state=fsrs.State(_STATE_OF[state.phase]),
        step=state.step,
        stability=state.stability,
        difficulty=state.difficulty,
        due=utc(state.due),
        last_review=utc(state.last_review) if state.last_review else None,
    )


def _from_fsrs(card_id: str, card: Any, *, lapses: int, reps: int) -> CardState:
    return CardState(
        card_id=card_id,
        phase=_PHASE_OF[int(card.state)],
        step=card.step,
        stability=card.stability,
        difficulty=card.difficulty,
        due=utc(card.due),
        last_review=utc(card.last_review) if card.last_review else None,
        lapses=lapses,
        reps=reps,
    )
