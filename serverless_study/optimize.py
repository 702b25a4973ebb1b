"""Personal FSRS parameters fitted to the review log with fsrs-rs-python: the only fsrs_rs_python import."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from serverless_study.errors import StudyError

INSTALL = "pip install 'serverless-study[optimize]'"
MIN_ITEMS = 8  # fsrs-rs returns its defaults below this many items, and `evaluate([])` raises
FULL_FIT_ITEMS = 64  # below this fsrs-rs fits only w0-w3, the starting stabilities
MAX_PREFIXES_PER_CARD = 64  # a card with n later-day reviews would give n items of up to n reviews each

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
    cards: int
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


def items_from_log(
    ratings: Iterable[tuple[str, datetime, int]],
    day_of: Callable[[datetime], date],
    *,
    cap: int = MAX_PREFIXES_PER_CARD,
) -> tuple[list[Item], int]:
    """fsrs-rs items from (card id, time, rating) rows grouped by card in time order, and the number of cards.

    As fsrs-rs's examples: one item per review prefix that ends on a later day than the review before it, days
    counted between the learner's days (`day_of`). Only a card's first `cap` such prefixes are kept, so memory stays
    bounded by cap²/2 reviews a card however long the history.
    """
    items: list[Item] = []
    cards = 0
    card: str | None = None
    history: list[tuple[int, int]] = []
    last_day: date | None = None
    kept = 0
    for card_id, moment, rating in ratings:
        if card_id != card:
            card, history, last_day, kept = card_id, [], None, 0
            cards += 1
        day = day_of(moment)
        elapsed = (day - last_day).days if last_day is not None else 0
        last_day = day
        if kept >= cap:
            continue
        history.append((rating, max(0, elapsed)))
        if elapsed > 0:
            items.append(tuple(history))
            kept += 1
    return items, cards


def fit(
    items: Sequence[Item],
    cards: int,
    *,
    current: Sequence[float] | None = None,
    relearning_steps: int | None = None,
) -> Fit:
    """Fit parameters to `items` and evaluate the defaults, the fitted (and the `current`) ones on the same items."""
    rs = _library()
    if len(items) < MIN_ITEMS:
        raise TooLittleHistory(len(items))
    converted = [rs.FSRSItem([rs.FSRSReview(rating, days) for rating, days in item]) for item in items]
    fitted = tuple(
        float(p)
        for p in rs.FSRS(rs.DEFAULT_PARAMETERS).compute_parameters(converted, num_relearning_steps=relearning_steps)
    )
    return Fit(
        items=len(items),
        cards=cards,
        parameters=fitted,
        default=_evaluate(rs, rs.DEFAULT_PARAMETERS, converted),
        fitted=_evaluate(rs, fitted, converted),
        current=_evaluate(rs, current, converted) if current is not None else None,
    )


def evaluate(items: Sequence[Item], parameters: Sequence[float] | None = None) -> Evaluation:
    """Log loss and RMSE (bins) of `parameters` (default: fsrs-rs's) predicting `items`."""
    rs = _library()
    if not items:
        raise TooLittleHistory(0)
    converted = [rs.FSRSItem([rs.FSRSReview(rating, days) for rating, days in item]) for item in items]
    return _evaluate(rs, parameters if parameters is not None else rs.DEFAULT_PARAMETERS, converted)


def default_parameters() -> tuple[float, ...]:
    return tuple(float(p) for p in _library().DEFAULT_PARAMETERS)


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
