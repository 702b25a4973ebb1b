"""Personal FSRS parameters fitted to the review log with fsrs-rs-python: the only fsrs_rs_python import."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from serverless_study.errors import StudyError

INSTALL = "pip install 'serverless-study[optimize]'"
MIN_ITEMS = 8  # fsrs-rs returns its defaults below this many items, and `evaluate([])` raises
FULL_FIT_ITEMS = 64  # below this fsrs-rs fits only w0-w3, the starting stabilities
MAX_PREFIXES_PER_CARD = 32  # a card with n later-day reviews would give n items of up to n reviews each

# One item: a card's reviews up to one made on a later day than the one before it, as (rating, days since the
# previous review) pairs, the first with 0 days. fsrs-rs learns to predict the last rating from the ones before.
Item = tuple[tuple[int, int], ...]


class MissingExtra(StudyError):
    """fsrs-rs-python is not installed."""

    def __init__(self) -> None:
        super().__init__(f"optimize needs fsrs-rs-python, an optional extra: {INSTALL}")


class TooLittleHistory(StudyError):
    """Fewer usable reviews than fsrs-rs needs to fit anything."""

    def __init__(self, items: int) -> None:
        self.items, self.needed = items, MIN_ITEMS - items
        super().__init__(
            f"not enough history to fit: {items} usable {_reviews(items)}, and fitting needs {MIN_ITEMS}; "
            f"{self.needed} more {_reviews(self.needed)} of cards seen on an earlier day will do (nothing changed)"
        )


def _reviews(n: int) -> str:
    return "review" if n == 1 else "reviews"


@dataclass(frozen=True)
class Evaluation:
    """How well parameters predict the history: both lower is better."""

    log_loss: float
    rmse_bins: float


@dataclass(frozen=True)
class Fit:
    items: int  # usable reviews: made on a later day than the card's previous one
    parameters: tuple[float, ...]
    default: Evaluation
    fitted: Evaluation
    current: Evaluation | None  # the learner's saved parameters, when there are any

    @property
    def partial(self) -> bool:
        """Too few items for fsrs-rs to fit more than the starting stabilities (w0-w3)."""
        return self.items < FULL_FIT_ITEMS

    @property
    def better(self) -> bool:
        return self.fitted.log_loss < self.default.log_loss


class LogItems:
    """The fsrs-rs items of a review log, made one at a time as it is read; counts the cards it saw.

    As fsrs-rs's examples: one item per review prefix that ends on a later day than the review before it, days
    counted between the learner's days (`day_of`). Only a card's first `cap` such prefixes are kept, so a card holds
    at most cap * (cap + 1) / 2 reviews in memory however long its history. Read it once.
    """

    def __init__(
        self,
        ratings: Iterable[tuple[str, datetime, int]],
        day_of: Callable[[datetime], date],
        *,
        cap: int = MAX_PREFIXES_PER_CARD,
    ) -> None:
        self._ratings, self._day_of, self._cap = ratings, day_of, cap
        self.cards = 0
        self.left_out = 0  # reviews after a card's first `cap` items

    def __iter__(self) -> Iterator[Item]:
        card: str | None = None
        history: list[tuple[int, int]] = []
        last_day: date | None = None
        kept = 0
        for card_id, moment, rating in self._ratings:
            if card_id != card:
                card, history, last_day, kept = card_id, [], None, 0
                self.cards += 1
            if kept >= self._cap:
                self.left_out += 1
                continue
            day = self._day_of(moment)
            elapsed = max(0, (day - last_day).days) if last_day is not None else 0
            last_day = day
            history.append((rating, elapsed))
            if elapsed > 0:
                kept += 1
                yield tuple(history)


def fit(
    items: Iterable[Item],
    *,
    current: Sequence[float] | None = None,
    relearning_steps: int | None = None,
) -> Fit:
    """Fit parameters to `items` and evaluate the defaults, the fitted (and the `current`) ones on the same items."""
    rs = _library()
    converted = [_convert(rs, item) for item in items]  # only fsrs-rs's compact copies are kept
    if len(converted) < MIN_ITEMS:
        raise TooLittleHistory(len(converted))
    fitted = tuple(
        float(p)
        for p in rs.FSRS(rs.DEFAULT_PARAMETERS).compute_parameters(converted, num_relearning_steps=relearning_steps)
    )
    return Fit(
        items=len(converted),
        parameters=fitted,
        default=_evaluate(rs, rs.DEFAULT_PARAMETERS, converted),
        fitted=_evaluate(rs, fitted, converted),
        current=_evaluate(rs, current, converted) if current is not None else None,
    )


def evaluate(items: Iterable[Item], parameters: Sequence[float] | None = None) -> Evaluation:
    """Log loss and RMSE (bins) of `parameters` (default: fsrs-rs's) predicting `items`."""
    rs = _library()
    converted = [_convert(rs, item) for item in items]
    if not converted:
        raise TooLittleHistory(0)
    return _evaluate(rs, parameters if parameters is not None else rs.DEFAULT_PARAMETERS, converted)


def default_parameters() -> tuple[float, ...]:
    return tuple(float(p) for p in _library().DEFAULT_PARAMETERS)


def _convert(rs: Any, item: Item) -> Any:
    return rs.FSRSItem([rs.FSRSReview(rating, days) for rating, days in item])


def _evaluate(rs: Any, parameters: Sequence[float], items: list[Any]) -> Evaluation:
    result = rs.FSRS(list(parameters)).evaluate(items)
    return Evaluation(float(result.log_loss), float(result.rmse_bins))


def _library() -> Any:
    try:
        import fsrs_rs_python
    except ImportError:
        raise MissingExtra() from None
    module: Any = fsrs_rs_python
    return module
