"""Progress figures from the review database: per-topic counts and mastery, activity, forecast, true retention,
calibration, streak, leeches and confusions; aggregated in SQL, one function per figure."""

from __future__ import annotations

import bisect
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

from serverless_study.days import Calendar, Day
from serverless_study.defaults import DEFAULT_RETENTION
from serverless_study.holds import held
from serverless_study.model import Card, CardKind, Phase, Topic
from serverless_study.scheduler import Scheduler
from serverless_study.store import NEW, Store, iso

FORECAST_DAYS = 30
HEATMAP_WEEKS = 26
CALIBRATION_STEP = 10  # percent of predicted recall per calibration bucket
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
class Recall:
    """Review-phase answers and how many of them were recalled (anything but Again)."""

    answers: int = 0
    recalled: int = 0

    @property
    def share(self) -> float | None:
        return self.recalled / self.answers if self.answers else None

    def to_dict(self) -> dict[str, Any]:
        share = self.share
        return {"retention": None if share is None else round(share, 4), "recalled": self.recalled, "n": self.answers}


@dataclass(frozen=True)
class TrueRetention:
    """Share of scheduled review-phase answers recalled over the last `days` study days, beside the desired one."""

    overall: Recall
    by_topic: dict[str, Recall]  # topic id → its answers, in content order
    by_kind: dict[str, Recall]  # card kind ("typed", "choice"...) → its answers
    desired: float
    days: int = RECENT_DAYS

    def to_dict(self) -> dict[str, Any]:
        return {
            "overall": self.overall.to_dict(),
            "by_topic": {k: v.to_dict() for k, v in self.by_topic.items()},
            "by_kind": {k: v.to_dict() for k, v in self.by_kind.items()},
            "desired": self.desired,
            "days": self.days,
        }


@dataclass(frozen=True)
class Bucket:
    """Answers whose predicted recall was in [low, high) percent (100 included in the last bucket)."""

    low: int
    high: int
    predicted: float  # their mean predicted recall
    actual: float  # the share of them recalled
    n: int

    @property
    def key(self) -> str:
        return f"{self.low / 100:.1f}-{self.high / 100:.1f}"


@dataclass(frozen=True)
class Stats:
    topics: list[TopicStats]
    due_today: int
    new_available: int  # cards never studied
    new_today: int  # new cards a quiz would still introduce today under the daily limit
    reviews_total: int
    reviews_today: int
    reviews_30d: int
    retention_30d: float | None  # true retention over 30 days (the overall share of `true_retention`)
    streak_days: int
    forecast: list[tuple[str, int]] = field(default_factory=list)  # (local date, cards due that day)
    leeches: list[Leech] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)  # ids of cards whose content was edited since their last review
    confusions: list[Confusion] = field(default_factory=list)  # the learner's most confused pairs, most first
    overrides: dict[str, int] = field(default_factory=dict)  # card id → times a wrong verdict was overridden
    heatmap: list[tuple[str, int]] = field(default_factory=list)  # (study day, answers), 26 weeks from a Monday
    true_retention: TrueRetention = field(default_factory=lambda: TrueRetention(Recall(), {}, {}, DEFAULT_RETENTION))
    calibration: list[Bucket] = field(default_factory=list)  # predicted recall vs recalled, buckets with answers
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
        out["heatmap"] = dict(self.heatmap)
        out["true_retention"] = self.true_retention.to_dict()
        out["calibration"] = {
            b.key: {"predicted": round(b.predicted, 4), "actual": round(b.actual, 4), "n": b.n}
            for b in self.calibration
        }
        return out


@dataclass(frozen=True)
class Catalogue:
    """What stats needs of the content, in content order: each topic's title, and each card's id (which names its
    topic and kind) with the hash of what the card shows now. A content index has all of it: no topic is loaded."""

    titles: Mapping[str, str]  # topic id → title
    hashes: Mapping[str, str]  # card id → content hash

    @classmethod
    def of(cls, cards: Iterable[Card], topics: Mapping[str, Topic]) -> Catalogue:
        """The catalogue of cards and topics already built."""
        return cls({tid: t.title for tid, t in topics.items()}, {c.id: c.content_hash for c in cards})


def _topic_of(card_id: str) -> str:
    return card_id.partition("/")[0]


@dataclass
class _CardFigures:
    """What one pass over the started cards' states gives: per-topic tallies, the forecast, leeches, content hashes."""

    topics: list[TopicStats]
    forecast: list[tuple[str, int]]
    leeches: list[Leech]
    hashes: dict[str, str]  # card id → the content hash stored at its latest review (for `changed_cards`)


def compute(
    store: Store,
    content: Catalogue,
    scheduler: Scheduler,
    *,
    now: datetime,
    calendar: Calendar,
    new_per_day: int,
) -> Stats:
    """Figures for the cards of the loaded content; reviews of cards whose content is gone count in the totals.

    Days are the learner's study days (`calendar`): a card counts as due on the day its due time falls in, and
    "the last 30 days" are the 30 study days ending today.
    """
    today = calendar.day_of(now)
    holds = held(store, now, content.hashes)
    schedule = card_figures(
        store,
        content,
        scheduler,
        now=now,
        calendar=calendar,
        today=today,
        suspended=set(holds.suspended),
        buried=set(holds.buried),
    )
    done = store.counts_since(today.start)  # scheduled answers: what the daily limit of new cards has used
    new_available = sum(t.new for t in schedule.topics)
    days = heatmap(store, calendar, today)
    retention = true_retention(
        store,
        content,
        since=calendar.named(today.date - timedelta(days=RECENT_DAYS - 1)).start,
        desired=scheduler.desired_retention,
    )
    return Stats(
        topics=schedule.topics,
        due_today=sum(t.due for t in schedule.topics),
        new_available=new_available,
        new_today=min(new_available, max(0, new_per_day - done.get(NEW, 0))),
        reviews_total=store.reviews_total(),
        reviews_today=days[-1][1],  # every answer today, cram ones too: activity
        reviews_30d=sum(n for _, n in days[-RECENT_DAYS:]),
        retention_30d=retention.overall.share,
        streak_days=streak(store, calendar, today, known=[n for _, n in days]),
        forecast=schedule.forecast,
        leeches=schedule.leeches,
        changed=changed_cards(store, content.hashes, stored=schedule.hashes),
        confusions=[Confusion(*row) for row in store.confusions(limit=CONFUSIONS_SHOWN)],
        overrides=store.override_counts(),
        heatmap=days,
        true_retention=retention,
        calibration=calibration(store),
        suspended=holds.suspended,
        buried=holds.buried,
    )


def card_figures(
    store: Store,
    content: Catalogue,
    scheduler: Scheduler,
    *,
    now: datetime,
    calendar: Calendar,
    today: Day,
    suspended: AbstractSet[str] = frozenset(),
    buried: AbstractSet[str] = frozenset(),
) -> _CardFigures:
    """Per-topic counts and mastery, cards due on each of the next 30 study days, and the leeches: one pass.

    A suspended card is never due and not new; a buried one is not due today.
    """
    forecast_days = [calendar.named(today.date + timedelta(days=k)) for k in range(FORECAST_DAYS)]
    tallies = {tid: _Tally() for tid in content.titles}
    for card_id in content.hashes:
        tallies.setdefault(_topic_of(card_id), _Tally()).cards += 1
    # Day k of the forecast holds cards due before boundary k; day 0 (today) includes everything overdue.
    boundaries = [iso(day.end) for day in forecast_days]
    forecast = [0] * (FORECAST_DAYS + 1)  # the last slot: due later
    leeches: list[Leech] = []
    hashes: dict[str, str] = {}
    # This loop runs once per started card: constants and methods are looked up once, before it.
    review, recall_after, threshold, known = (
        Phase.REVIEW.value,
        scheduler.recall_after,
        scheduler.leech_threshold,
        content.hashes,
    )
    for card_id, _topic, phase, due, stability, days, lapses, content_hash in store.schedule_rows(now):
        if card_id not in known:
            continue
        hashes[card_id] = content_hash
        topic_id = _topic_of(card_id)
        t = tallies[topic_id]
        t.started += 1
        if phase == review:
            t.review += 1
        day = bisect.bisect_right(boundaries, due)
        if card_id in suspended or card_id in buried:
            day = _held_day(day, card_id in suspended, card_id in buried)
        forecast[day] += 1
        if day == 0:
            t.due += 1
        t.recall += recall_after(stability, days)
        if lapses >= threshold:
            leeches.append(Leech(card_id, topic_id, lapses))
    suspended_new = _suspended_new(store, suspended, known)
    topic_stats = [
        TopicStats(
            tid,
            content.titles.get(tid, tid),
            t.cards,
            t.cards - t.started - suspended_new[tid],
            t.started - t.review,
            t.review,
            t.due,
            t.recall / t.started if t.started else None,
        )
        for tid, t in tallies.items()
    ]
    return _CardFigures(
        topic_stats,
        [(day.date.isoformat(), n) for day, n in zip(forecast_days, forecast, strict=False)],
        sorted(leeches, key=lambda x: (-x.lapses, x.card_id)),
        hashes,
    )


@dataclass(slots=True)
class _Tally:
    cards: int = 0
    started: int = 0
    review: int = 0  # the rest of the started cards are learning or relearning
    due: int = 0
    recall: float = 0.0


def heatmap(store: Store, calendar: Calendar, today: Day) -> list[tuple[str, int]]:
    """Answers per study day, from the Monday 25 weeks before this week's through today (26 weekday columns)."""
    first = today.date - timedelta(days=today.date.weekday() + 7 * (HEATMAP_WEEKS - 1))
    days = [calendar.named(first + timedelta(days=k)) for k in range((today.date - first).days + 1)]
    counts = store.review_counts((day.start, day.end) for day in days)
    return [(day.date.isoformat(), n) for day, n in zip(days, counts, strict=True)]


def true_retention(store: Store, content: Catalogue, *, since: datetime, desired: float) -> TrueRetention:
    """Scheduled review-phase answers since `since` and the share recalled, overall, per topic and per card kind.

    Cram answers and the answers that introduce or relearn a card are left out: this is the retention the scheduler
    aims at (`desired`). Cards whose content is gone count in the overall figure only.
    """
    # One pass over the cards answered in the window, adding into one [answers, recalled] pair per (topic, kind):
    # the first three parts of a card id, "topic/item/kind", name both.
    answers_all = recalled_all = 0
    pairs: dict[tuple[str, str], list[int]] = {}
    known = content.hashes
    for card_id, answers, recalled in store.recall_by_card(since):
        answers_all += answers
        recalled_all += recalled
        if card_id in known:
            topic_id, _item, kind = card_id.split("/", 3)[:3]
            acc = pairs.get((topic_id, kind))
            if acc is None:
                pairs[topic_id, kind] = [answers, recalled]
            else:
                acc[0] += answers
                acc[1] += recalled
    by_topic: dict[str, list[int]] = {}
    by_kind: dict[CardKind, list[int]] = {}
    for (topic_id, kind), (answers, recalled) in pairs.items():
        for acc in (by_topic.setdefault(topic_id, [0, 0]), by_kind.setdefault(CardKind(kind), [0, 0])):
            acc[0] += answers
            acc[1] += recalled
    return TrueRetention(
        Recall(answers_all, recalled_all),
        {tid: Recall(*by_topic[tid]) for tid in content.titles if tid in by_topic},
        {kind.value: Recall(*by_kind[kind]) for kind in CardKind if kind in by_kind},
        desired,
    )


def calibration(store: Store) -> list[Bucket]:
    """Predicted recall at answer time, in buckets of 10 points, against the share of those answers recalled.

    Only answers saved with their prediction (schema v4 on) count; buckets with no answers are left out.
    """
    sums: dict[int, list[float]] = {}
    for percent, answers, predicted, recalled in store.recall_tally():
        acc = sums.setdefault(percent // CALIBRATION_STEP, [0, 0.0, 0])
        acc[0] += answers
        acc[1] += predicted
        acc[2] += recalled
    return [
        Bucket(b * CALIBRATION_STEP, (b + 1) * CALIBRATION_STEP, predicted / n, recalled / n, int(n))
        for b, (n, predicted, recalled) in sorted(sums.items())
    ]


def _held_day(day: int, suspended: bool, buried: bool) -> int:
    """The forecast day a card is asked on: never when suspended (past the forecast); when buried, not today."""
    if suspended:
        return FORECAST_DAYS
    return max(day, 1) if buried else day


def _suspended_new(store: Store, suspended: AbstractSet[str], known: Mapping[str, str]) -> Counter[str]:
    """Per topic, suspended cards never studied: not new cards a quiz could introduce."""
    unstarted = suspended - store.started_ids() if suspended else set()
    return Counter(_topic_of(cid) for cid in unstarted if cid in known)


def changed_cards(store: Store, current: Mapping[str, str], *, stored: Mapping[str, str] | None = None) -> list[str]:
    """Ids of started cards whose content was edited since their latest review, in content order (`current`: card
    id → the hash of what it shows now, in content order).

    A card last reviewed before hashes were kept (stored hash "") is not listed: there is nothing to compare with.
    `stored` (card id → stored hash) saves reading them again when the caller has.
    """
    if stored is None:
        stored = store.content_hashes()
    return [cid for cid, digest in current.items() if stored.get(cid, "") not in ("", digest)]


def streak(store: Store, calendar: Calendar, today: Day, known: Sequence[int] = ()) -> int:
    """Consecutive study days with a review, ending today (or yesterday, when today has none yet).

    `known` holds answers per day already counted (oldest first, ending today): those days need no query.
    """

    def studied(back: int) -> bool:
        if back < len(known):
            return known[-1 - back] > 0
        day = calendar.named(today.date - timedelta(days=back))
        return store.any_review_between(day.start, day.end)

    first = 0 if studied(0) else 1
    days = 0
    while days < MAX_STREAK_DAYS and studied(first + days):
        days += 1
    return days
