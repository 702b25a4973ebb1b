"""FSRS through the `fsrs` package: our CardState ⇄ fsrs.Card and Grade → Rating. The only fsrs import."""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from serverless_study.defaults import (
    DEFAULT_RETENTION,
    LEARNING_STEPS_MINUTES,
    LEECH_LAPSES,
    MAXIMUM_INTERVAL,
    RELEARNING_STEPS_MINUTES,
)
from serverless_study.errors import UsageError
from serverless_study.model import CardState, Grade, Phase, utc

if TYPE_CHECKING:
    import fsrs

    from serverless_study.settings import Settings

MIN_RETENTION, MAX_RETENTION = 0.7, 0.99
LEARNING_STEPS = tuple(timedelta(minutes=m) for m in LEARNING_STEPS_MINUTES)
RELEARNING_STEPS = tuple(timedelta(minutes=m) for m in RELEARNING_STEPS_MINUTES)

# fsrs 6.3.2's interval fuzz (fsrs.scheduler.FUZZ_RANGES): within [start, end) days, each day adds `factor` days of
# spread either way. We apply it ourselves with the injected generator instead of fsrs's module-global `random`.
FUZZ_RANGES = ((2.5, 7.0, 0.15), (7.0, 20.0, 0.1), (20.0, math.inf, 0.05))

_PHASE_OF = {1: Phase.LEARNING, 2: Phase.REVIEW, 3: Phase.RELEARNING}
_STATE_OF = {phase: value for value, phase in _PHASE_OF.items()}


def is_leech_lapse(before: CardState | None, after: CardState, threshold: int = LEECH_LAPSES) -> bool:
    """True when this review made the card a leech, or made it one again (at 8, 12, 16… lapses by default)."""
    lapsed = before is not None and after.lapses > before.lapses
    over = after.lapses - threshold
    return lapsed and over >= 0 and over % max(1, threshold // 2) == 0


class Scheduler:
    """Schedules reviews with FSRS; interval fuzz comes from the injected rng, or is off without one."""

    def __init__(
        self,
        desired_retention: float = DEFAULT_RETENTION,
        *,
        fuzz_rng: random.Random | None = None,
        learning_steps: tuple[timedelta, ...] = LEARNING_STEPS,
        relearning_steps: tuple[timedelta, ...] = RELEARNING_STEPS,
        maximum_interval: int = MAXIMUM_INTERVAL,
        parameters: Sequence[float] | None = None,
        leech_threshold: int = LEECH_LAPSES,
    ) -> None:
        if not MIN_RETENTION <= desired_retention <= MAX_RETENTION:
            raise UsageError(
                f"desired retention must be between {MIN_RETENTION} and {MAX_RETENTION}, not {desired_retention:g}"
            )
        import fsrs

        self.desired_retention = desired_retention
        self.learning_steps = tuple(learning_steps)
        self.leech_threshold = leech_threshold
        extra = {"parameters": tuple(parameters)} if parameters is not None else {}
        try:  # never fuzzed by fsrs, and never changed after this: safe to share between threads and previews
            self._fsrs = fsrs.Scheduler(
                desired_retention=desired_retention,
                learning_steps=self.learning_steps,
                relearning_steps=tuple(relearning_steps),
                maximum_interval=maximum_interval,
                enable_fuzzing=False,
                **extra,
            )
        except ValueError as exc:  # fsrs checks each parameter against its bounds, one line per problem
            lines = str(exc).splitlines()
            first = lines[1] if len(lines) > 1 else lines[0]
            more = f" (and {len(lines) - 2} more)" if len(lines) > 2 else ""
            raise UsageError(
                f"fsrs_parameters: {first}{more}; `serverless-study optimize --reset` goes back to the defaults"
            ) from None
        self._rng = fuzz_rng
        # FSRS's forgetting curve: R(t) = (1 + factor * t / S) ** decay, with R(S) = 90%.
        self._decay = -float(self._fsrs.parameters[20])
        self._factor = 0.9 ** (1 / self._decay) - 1

    @classmethod
    def configured(cls, settings: Settings, *, fuzz_rng: random.Random | None = None) -> Scheduler:
        """A scheduler with the learner's settings: retention, steps, maximum interval, leech threshold, parameters."""
        return cls(
            settings.desired_retention,
            fuzz_rng=fuzz_rng,
            learning_steps=settings.learning_steps,
            relearning_steps=settings.relearning_steps,
            maximum_interval=settings.maximum_interval,
            parameters=settings.fsrs_parameters,
            leech_threshold=settings.leech_threshold,
        )

    def review(self, state: CardState | None, card_id: str, grade: Grade, now: datetime) -> CardState:
        """The card's state after being rated `grade` at `now`; `state` None means a new card."""
        return self._review(state, card_id, grade, now, fuzz=self._rng)

    def _review(
        self, state: CardState | None, card_id: str, grade: Grade, now: datetime, *, fuzz: random.Random | None
    ) -> CardState:
        import fsrs

        now = utc(now)
        card = _to_fsrs(state) if state is not None else fsrs.Card(card_id=0, due=now)
        after, _log = self._fsrs.review_card(card, fsrs.Rating(int(grade)), review_datetime=now)
        if fuzz is not None and after.state == fsrs.State.Review:  # fsrs fuzzes exactly these intervals
            after.due = now + fuzzed_interval(after.due - now, fuzz, self._fsrs.maximum_interval)
        lapses = state.lapses if state is not None else 0
        if state is not None and state.phase is Phase.REVIEW and grade is Grade.AGAIN:
            lapses += 1
        reps = (state.reps if state is not None else 0) + 1
        return _from_fsrs(card_id, after, lapses=lapses, reps=reps)

    def retrievability(self, state: CardState, now: datetime) -> float:
        """Predicted probability of recalling the card at `now` (0 for a card never reviewed)."""
        return self.recall(state.stability, state.last_review, utc(now))

    def recall(self, stability: float | None, last_review: datetime | None, now: datetime) -> float:
        """Predicted recall at `now` from stability and the time since the last review in fractional days.

        fsrs's own `get_card_retrievability` counts whole days, so a card failed an hour ago would read 100%.
        """
        if last_review is None:
            return 0.0
        return self.recall_after(stability, (now - last_review) / timedelta(days=1))

    def recall_after(self, stability: float | None, days: float | None) -> float:
        """Predicted recall `days` (fractional) after the last review; 0 when there is none (`days` None)."""
        if stability is None or days is None or stability <= 0:
            return 0.0
        return float((1 + self._factor * max(0.0, days) / stability) ** self._decay)

    def intervals(self, state: CardState | None, card_id: str, now: datetime) -> dict[Grade, timedelta]:
        """How long until the card is due again for each grade, as the next `review` will schedule it.

        Fuzz included: each preview draws from a copy of the generator, so the interval a rating shows is the one
        it gives (when this is the next review scheduled), and the generator itself is left untouched.
        """
        return {g: self._review(state, card_id, g, now, fuzz=self._peek()).due - utc(now) for g in Grade}

    def _peek(self) -> random.Random | None:
        if self._rng is None:
            return None
        copy = random.Random()
        copy.setstate(self._rng.getstate())
        return copy


def fuzzed_interval(interval: timedelta, rng: random.Random, maximum_days: int) -> timedelta:
    """fsrs's review-interval fuzz, drawn from `rng`: a whole number of days spread around `interval`.

    Same ranges and the same single draw per interval as fsrs 6.3.2, so a seeded generator gives fsrs's numbers.
    """
    days = interval.days
    if days < 2.5:  # fsrs leaves short intervals alone (and draws nothing)
        return interval
    delta = 1.0 + sum(factor * max(min(float(days), end) - start, 0.0) for start, end, factor in FUZZ_RANGES)
    low, high = round(days - delta), round(days + delta)
    low, high = max(2, low), min(high, maximum_days)
    low = min(low, high)
    return timedelta(days=min(round(rng.random() * (high - low + 1) + low), maximum_days))


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
