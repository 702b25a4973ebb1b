"""Progress figures from the review database: per-topic counts, mastery, forecast, retention, streak, leeches."""

from __future__ import annotations

import bisect
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

from serverless_study.days import Calendar, Day
from serverless_study.holds import held
from serverless_study.model import Card, Phase, Topic
from serverless_study.scheduler import Scheduler
from serverless_study.store import NEW, Store, iso, parse_time

FORECAST_DAYS = 7
CONFUSIONS_SHOWN = 10
RECENT_DAYS = 30
MAX_STREAK_DAYS = 3660


@dataclass(frozen=True)
class TopicStats:
    id: str
    title: str
    cards: int
    new: int
    learning: int
    review: int
    due: int  # due before the end of today (overdue included)
    mastery: float | None  # mean predicted recall now of the started cards (new ones are `new`); None if none


@dataclass(frozen=True)
class Leech:
    card_id: str
    topic_id: str
    lapses: int


@dataclass(frozen=True)
class Confusion:
    expected: str  # the answer a card wanted
    confused_with: str  # the other term of the content the learner gave
    times: int


@dataclass(frozen=True)
class Stats:
    topics: list[TopicStats]
    due_today: int
    new_available: int  # cards never studied
    new_today: int  # new cards a quiz would still introduce today under the daily limit
    reviews_total: int
    reviews_today: int
    reviews_30d: int
    retention_30d: float | None  # share of review-phase cards recalled (Again counts as forgotten)
    streak_days: int
    forecast: list[tuple[str, int]] = field(default_factory=list)  # (local date, cards due that day)
    leeches: list[Leech] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)  # ids of cards whose content was edited since their last review
    confusions: list[Confusion] = field(default_factory=list)  # the learner's most confused pairs, most first
    overrides: dict[str, int] = field(default_factory=dict)  # card id → times a wrong verdict was overridden
    suspended: list[str] = field(default_factory=list)  # ids of suspended cards, in content order
    buried: list[str] = field(default_factory=list)  # ids of cards buried until the next study day

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        for hold in ("suspended", "buried"):  # counted, and listed under <hold>_cards
            out[f"{hold}_cards"] = out[hold]
            out[hold] = len(out[hold])
        out["forecast"] = [{"date": d, "due": n} for d, n in self.forecast]
        for t in out["topics"]:
            t["mastery"] = None if t["mastery"] is None else round(t["mastery"], 4)
        if self.retention_30d is not None:
            out["retention_30d"] = round(self.retention_30d, 4)
        return out


def compute(
    store: Store,
    cards: Iterable[Card],
    topics: Mapping[str, Topic],
    scheduler: Scheduler,
    *,
    now: datetime,
    calendar: Calendar,
    new_per_day: int,
) -> Stats:
    """Figures for the cards of the loaded content; reviews of cards whose content is gone count in the totals.

    Days are the learner's study days (`calendar`): a card counts as due on the day its due time falls in.
    """
    today = calendar.day_of(now)
    days = [calendar.named(today.date + timedelta(days=k)) for k in range(FORECAST_DAYS)]
    by_id = {c.id: c for c in cards}
    tallies: dict[str, dict[str, Any]] = {tid: _tally() for tid in topics}
    for each in by_id.values():
        tallies.setdefault(each.topic_id, _tally())["cards"] += 1
    # Day k of the forecast holds cards due before boundary k; day 0 (today) includes everything overdue.
    boundaries = [iso(day.end) for day in days]
    forecast = [0] * FORECAST_DAYS
    leeches: list[Leech] = []
    holds = held(store, now, by_id.values())
    suspended, buried = set(holds.suspended), set(holds.buried)
    for card_id, _topic, phase, due, stability, last_review, lapses in store.schedule_rows():
        card = by_id.get(card_id)
        if card is None:
            continue
        t = tallies[card.topic_id]
        t["started"] += 1
        t["review" if phase == Phase.REVIEW.value else "learning"] += 1
        day = _held_day(bisect.bisect_right(boundaries, due), card_id in suspended, card_id in buried)
        t["due"] += day == 0
        if day < FORECAST_DAYS:
            forecast[day] += 1
        t["recall"] += scheduler.recall(stability, parse_time(last_review) if last_review else None, now)
        if lapses >= scheduler.leech_threshold:
            leeches.append(Leech(card_id, card.topic_id, lapses))
    suspended_new = _suspended_new(store, suspended, by_id)
    topic_stats = [
        TopicStats(
            tid,
            topics[tid].title if tid in topics else tid,
            t["cards"],
            t["cards"] - t["started"] - suspended_new[tid],
            t["learning"],
            t["review"],
            t["due"],
            t["recall"] / t["started"] if t["started"] else None,
        )
        for tid, t in tallies.items()
    ]
    done = store.counts_since(today.start)  # scheduled answers: what the daily limit of new cards has used
    new_available = sum(t.new for t in topic_stats)
    recent, _correct, in_review, recalled = store.review_totals(now - timedelta(days=RECENT_DAYS))
    return Stats(
        topics=topic_stats,
        due_today=sum(t.due for t in topic_stats),
        new_available=new_available,
        new_today=min(new_available, max(0, new_per_day - done.get(NEW, 0))),
        reviews_total=store.reviews_total(),
        reviews_today=store.review_totals(today.start)[0],  # cram answers count as activity
        reviews_30d=recent,
        retention_30d=recalled / in_review if in_review else None,
        streak_days=streak(store, calendar, today),
        forecast=[(day.date.isoformat(), n) for day, n in zip(days, forecast, strict=True)],
        leeches=sorted(leeches, key=lambda x: (-x.lapses, x.card_id)),
        changed=changed_cards(store, by_id.values()),
        confusions=[Confusion(*row) for row in store.confusions(limit=CONFUSIONS_SHOWN)],
        overrides=store.override_counts(),
        suspended=holds.suspended,
        buried=holds.buried,
    )


def _held_day(day: int, suspended: bool, buried: bool) -> int:
    """The forecast day a card is asked on: never when suspended (past the forecast); when buried, not today."""
    if suspended:
        return FORECAST_DAYS
    return max(day, 1) if buried else day


def _suspended_new(store: Store, suspended: set[str], by_id: Mapping[str, Card]) -> Counter[str]:
    """Per topic, suspended cards never studied: not new cards a quiz could introduce."""
    unstarted = suspended - store.started_ids() if suspended else set()
    return Counter(by_id[cid].topic_id for cid in unstarted if cid in by_id)


def changed_cards(store: Store, cards: Iterable[Card]) -> list[str]:
    """Ids of started cards whose content was edited since their latest review, in content order.

    A card last reviewed before hashes were kept (stored hash "") is not listed: there is nothing to compare with.
    """
    stored = store.content_hashes()
    return [c.id for c in cards if stored.get(c.id, "") not in ("", c.content_hash)]


def _tally() -> dict[str, Any]:
    return {"cards": 0, "started": 0, "learning": 0, "review": 0, "due": 0, "recall": 0.0}


def streak(store: Store, calendar: Calendar, today: Day) -> int:
    """Consecutive study days with a review, ending today (or yesterday, when today has none yet)."""

    def studied(back: int) -> bool:
        day = calendar.named(today.date - timedelta(days=back))
        return store.any_review_between(day.start, day.end)

    first = 0 if studied(0) else 1
    days = 0
    while days < MAX_STREAK_DAYS and studied(first + days):
        days += 1
    return days
