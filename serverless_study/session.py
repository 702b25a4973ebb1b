"""The quiz engine with no terminal: what to ask next, marking, scheduling and saving each answer."""

from __future__ import annotations

import collections
import dataclasses
import heapq
import itertools
import random
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from serverless_study.answers import (
    Reason,
    Verdict,
    Vocabulary,
    answer_words,
    check_answer,
    gives_away,
    shown_words,
)
from serverless_study.cards import CardGroups, Deck, item_for, make_question, reveals, sibling_key
from serverless_study.days import Day
from serverless_study.defaults import NEW_PER_DAY, REVIEWS_PER_DAY
from serverless_study.errors import UsageError
from serverless_study.holds import LeechAction, bury_until
from serverless_study.model import Card, CardKind, CardState, Grade, Item, Phase, Question, Review, Topic
from serverless_study.scheduler import Scheduler, is_leech_lapse
from serverless_study.store import NEW, Hold, HoldKind, Marking, Store

NO_CAP = 1 << 62  # no --limit: more cards than any content has (counting the deck would read every topic's ids)
LEARN_AHEAD = timedelta(minutes=20)  # as Anki: show a learning card early rather than make the learner wait


@dataclass(frozen=True)
class Limits:
    new_per_day: int = NEW_PER_DAY
    reviews_per_day: int = REVIEWS_PER_DAY
    session: int | None = None  # --limit: at most this many cards this session (learning repeats included free)

    def __post_init__(self) -> None:
        for name in ("new_per_day", "reviews_per_day", "session"):
            value = getattr(self, name)
            if value is not None and value < 0:
                raise UsageError(f"{name.replace('_', ' ')} must not be negative")


@dataclass(frozen=True)
class Outcome:
    """What happened to one answer, after it was saved."""

    card: Card
    question: Question
    given: str
    verdict: Verdict
    grade: Grade
    before: CardState | None
    after: CardState | None  # None only for a never-reviewed card answered in cram (its schedule is not started)
    leech: bool  # this miss made the card a leech (at 8 lapses, then every 4 more)
    item: Item | None  # the card's content, shown with a leech so the learner can relearn it
    review_id: int
    suspended: bool = False  # the card became a leech and `leech_action = "suspend"` suspended it

    @property
    def lapses(self) -> int:
        return self.after.lapses if self.after is not None else 0


@dataclass(frozen=True)
class Progress:
    position: int  # number of the question about to be shown, from 1
    total: int  # answers given plus cards still to come (a failed card adds its repeat when it fails)
    new: int
    learning: int
    review: int
    new_total: int = 0  # new cards this session set out to introduce: a fixed denominator for "12 of 20 new"


@dataclass
class TopicSummary:
    topic_id: str
    title: str
    answered: int = 0
    correct: int = 0
    next_due: datetime | None = None  # earliest due among this topic's cards answered in the session


@dataclass
class _Shown:
    question: Question
    source: str  # "main" or "learning": where the card goes back to if the question is put back
    outcome: Outcome | None = None


@dataclass(frozen=True)
class Held:
    """A suspend or bury made during the session (`s`, `b`), kept so that `u` can take it back."""

    card: Card
    kind: HoldKind
    previous: Hold | None  # the card's hold before (None: it was not held)
    unsaved: _Shown | None  # the question, when its right answer was left unrated (not saved): asked again on undo
    dropped: tuple[tuple[datetime, str], ...]  # the card's learning steps in this session, restored on undo


@dataclass
class Session:
    """One sitting: a queue of due reviews and new cards within the day's limits, plus cards being learned.

    Build it with `Session.start`; then `next_question`, `check`, `answer` (saves before returning), `undo`.
    """

    store: Store
    scheduler: Scheduler
    cards: dict[str, Card]
    topics: Mapping[str, Topic]
    rng: random.Random
    learn_ahead: timedelta = LEARN_AHEAD
    main: list[str] = field(default_factory=list)  # card ids still to ask, front first
    learning: list[tuple[datetime, str]] = field(default_factory=list)  # heap of (due, card id)
    states: dict[str, CardState] = field(default_factory=dict)  # states of queued / answered cards
    history: list[_Shown] = field(default_factory=list)  # answered questions, for undo and the summary
    pending: _Shown | None = None
    prepared: dict[str, Question] = field(default_factory=dict)  # questions put back by undo, asked as they were
    new_total: int = 0  # new cards queued when the session started
    day: Day | None = None  # the study day the session started in: a bury lasts until it ends
    leech_action: LeechAction = LeechAction.LIST
    actions: list[_Shown | Held] = field(default_factory=list)  # answers and holds, in order: what `u` takes back
    held_back: int = 0  # due reviews not asked today because a sibling card was practised today
    share_used: dict[str, int] = field(default_factory=dict)  # chosen topic → its share of today's new cards, used
    _vocabulary: Vocabulary | None = None  # the content's terms, built on first marking
    vocabulary_source: Callable[[], Vocabulary] | None = None  # where they come from (None: the loaded topics)
    confusions: dict[str, list[str]] = field(default_factory=dict)  # name → terms the learner confused it with
    answers: dict[str, str] = field(default_factory=dict)  # queued card id → its answer as `answer_words` reads it
    shown: set[str] = field(default_factory=set)  # cards whose question this session has shown

    @classmethod
    def start(
        cls,
        store: Store,
        cards: Iterable[Card] | Deck,
        topics: Mapping[str, Topic],
        scheduler: Scheduler,
        rng: random.Random,
        *,
        now: datetime,
        day: Day,
        limits: Limits = Limits(),
        topic_ids: Iterable[str] | None = None,
        learn_ahead: timedelta = LEARN_AHEAD,
        leech_action: LeechAction = LeechAction.LIST,
        vocabulary: Callable[[], Vocabulary] | None = None,
    ) -> Session:
        """Queue what is due on the study `day` at `now`: learning cards, reviews under today's limit, new cards.

        Suspended and buried cards are never asked. Only the cards queued are built (see `Deck`); `vocabulary`
        gives the content's terms when the first answer is marked (by default they are gathered from `topics`).
        """
        wanted = set(topic_ids) if topic_ids is not None else None
        deck = askable_deck(store, cards, now=now, topic_ids=wanted)
        queue = build_queue(
            store,
            deck,
            now=now,
            day=day,
            limits=limits,
            rng=rng,
            learn_ahead=learn_ahead,
            topic_ids=wanted,
            topics=topics,
        )
        chosen = deck.cards([*(s.card_id for s in queue.learning), *queue.main])
        session = cls(store, scheduler, chosen, topics, rng, learn_ahead, day=day, leech_action=leech_action)
        session.vocabulary_source = vocabulary
        for state in queue.learning:
            session._learn(state)
        session.states.update((s.card_id, s) for s in queue.reviews)
        session.main = interleave(queue.main, chosen, topics)
        session.new_total = sum(1 for cid in queue.main if cid not in session.states)
        session.held_back = queue.held_back
        session.share_used = queue.share_used
        queued = (*session.main, *(s.card_id for s in queue.learning))
        session.answers = {cid: answer_words(reveals(chosen[cid], topics)[0]) for cid in queued}
        session.confusions = store.confused_names()
        return session

    # --- asking ------------------------------------------------------------------

    def next_question(self, now: datetime) -> Question | None:
        """The question to ask now, or None when the session is over; the same one until it is answered."""
        if self.pending is None:
            source, card_id = self._pick(now)
            if card_id is None:
                return None
            question = self.prepared.pop(card_id, None) or make_question(
                self.cards[card_id], self.topics, self.rng, confusions=self.confusions, avoid=self._gives_away
            )
            self.pending = _Shown(question, source)
            self.shown.add(card_id)
        return self.pending.question

    def _to_come(self) -> list[str]:
        """The answers of the cards this session has still to show for the first time."""
        return [words for cid, words in self.answers.items() if words and cid not in self.shown]

    def _gives_away(self, text: str) -> bool:
        """Whether `text` says the answer of a card this session has still to show (so it should not be shown)."""
        said = shown_words(text)
        return any(gives_away(said, words) for words in self._to_come())

    def title(self, question: Question) -> str:
        """The topic title above a question; "Topic 2" (its place in the content) instead when the title says its
        answer or the answer of a card still to come ("Computing with AWS Lambda" above "which service runs code
        without servers?")."""
        card = self.cards[question.card_id]
        topic = self.topics.get(card.topic_id)
        if topic is None:
            return card.topic_id
        hide = [answer_words(reveals(card, self.topics)[0]), *self._to_come()]  # a column name may show
        return topic_title(topic, list(self.topics).index(topic.id) + 1, hide)

    def _pick(self, now: datetime) -> tuple[str, str | None]:
        if self.learning and self.learning[0][0] <= now:
            return "learning", heapq.heappop(self.learning)[1]
        if self.main:
            return "main", self.main.pop(0)
        if self.learning and self.learning[0][0] <= now + self.learn_ahead:
            return "learning", heapq.heappop(self.learning)[1]
        return "main", None

    def check(self, question: Question, given: str) -> Verdict:
        """Mark an answer without saving it (the shell shows this, then asks for a rating)."""
        return check_answer(question, given, self.vocabulary)

    @property
    def vocabulary(self) -> Vocabulary:
        """The terms of all loaded topics: a typo may never be one of them, and a mix-up with one is named."""
        if self._vocabulary is None:
            source = self.vocabulary_source
            self._vocabulary = source() if source is not None else Vocabulary.from_topics(self.topics.values())
        return self._vocabulary

    def answer(
        self, question: Question, now: datetime, *, given: str = "", grade: Grade | None = None, duration_ms: int = 0
    ) -> Outcome:
        """Mark, schedule and save the answer (committed before this returns).

        A wrong objective answer is always Again; a right one is Good unless `grade` says Hard or Easy.
        Self-rated cards need `grade`.
        """
        shown = self.pending
        if shown is None or shown.question.card_id != question.card_id:
            raise ValueError(f"{question.card_id} is not the question being asked")
        card = self.cards[question.card_id]
        verdict = check_answer(question, given, self.vocabulary)
        if question.self_rated:
            if grade is None:
                raise ValueError("a self-rated card needs a grade")
            correct = grade is not Grade.AGAIN
        else:
            correct = verdict.correct
            grade = Grade.AGAIN if not correct else (grade or Grade.GOOD)
        review = Review(card.id, now, grade, given, correct, max(0, int(duration_ms)))
        confused = verdict.confused_with if not correct else None
        marking = Marking(question.answer, confused.name) if confused else None
        review_id, before, after = self._save(card, review, marking)
        self._settle(card.id, after, correct, now)
        leech = after is not None and is_leech_lapse(before, after, self.scheduler.leech_threshold)
        suspended = leech and self.leech_action is LeechAction.SUSPEND
        if suspended:
            self.store.hold([card.id], HoldKind.SUSPENDED, now=now)
            self._drop(card.id)
        item = item_for(card, self.topics) if leech else None
        outcome = Outcome(card, question, given, verdict, grade, before, after, leech, item, review_id, suspended)
        shown.outcome = outcome
        self.history.append(shown)
        self.actions.append(shown)
        self.pending = None
        return outcome

    def _save(
        self, card: Card, review: Review, marking: Marking | None
    ) -> tuple[int, CardState | None, CardState | None]:
        """Save an answer: (review id, the card's state before, after)."""
        # Scheduled from the state stored at the moment of saving, not the one cached when the question was asked:
        # another terminal may have answered (or undone) this card meanwhile.
        saved = self.store.record_answer(
            review,
            lambda stored: self.scheduler.review(stored, card.id, review.grade, review.reviewed_at),
            topic_id=card.topic_id,
            content_hash=card.content_hash,
            marking=marking,
            predict=lambda stored: self.scheduler.retrievability(stored, review.reviewed_at),
        )
        return saved.id, saved.before, saved.after

    def _resave(self, old: Outcome, review: Review, marking: Marking) -> tuple[int, CardState | None]:
        """Replace the last answer (an override) in one transaction: (review id, the card's state after)."""
        after = self.scheduler.review(old.before, old.card.id, review.grade, review.reviewed_at)
        if old.before is not None:  # predicted from the same state as the answer it replaces
            review = dataclasses.replace(
                review, retrievability=self.scheduler.retrievability(old.before, review.reviewed_at)
            )
        review_id = self.store.record(
            review,
            after,
            previous=old.before,
            topic_id=old.card.topic_id,
            content_hash=old.card.content_hash,
            marking=marking,
            replaces=old.review_id,
        )
        return review_id, after

    def _settle(self, card_id: str, after: CardState | None, correct: bool, now: datetime) -> None:
        """Where an answered card goes: back to this session while it is being learned."""
        if after is None:
            return
        self.states[card_id] = after
        if after.phase is not Phase.REVIEW:
            self._learn(after)

    def can_override(self) -> bool:
        """Whether the last answer was typed (or a cloze) and judged wrong: the only kind one may override (an empty
        answer, "don't know", has nothing to stand by)."""
        if not self.history or self.history[-1].outcome is None:
            return False
        outcome = self.history[-1].outcome
        q = outcome.question
        return (
            not outcome.verdict.correct and q.kind in (CardKind.TYPED, CardKind.CLOZE) and bool(outcome.given.strip())
        )

    def override(self, now: datetime, grade: Grade = Grade.GOOD) -> Outcome:
        """Turn the last answer, judged wrong, into a right one rated `grade`; the wrong review is replaced (in one
        transaction) and the override recorded beside the new one. Undo afterwards takes the answer back as usual.
        """
        if not self.can_override() or grade is Grade.AGAIN:
            raise ValueError("only a typed answer judged wrong can be overridden, and not as Again")
        shown = self.history[-1]
        old = shown.outcome
        assert old is not None
        card, question = old.card, old.question
        review = Review(card.id, now, grade, old.given, True, 0)
        review_id, after = self._resave(old, review, Marking(question.answer, None, overridden=True))
        self._drop(card.id)
        self._settle(card.id, after, True, now)
        verdict = Verdict(True, question.answer, "you said you were right", Reason.OVERRIDDEN)
        outcome = Outcome(card, question, old.given, verdict, grade, old.before, after, False, None, review_id)
        shown.outcome = outcome
        return outcome

    def undo(self) -> Outcome | Held | None:
        """Take back the session's last action: an answer (its review is deleted and the card asked again), or a
        suspend or bury (the card's hold is as it was, and the card back where it was in the session)."""
        if not self.actions:
            return None
        last = self.actions[-1]
        if isinstance(last, Held):
            return self._unhold(last)
        return self._unanswer(last)

    def _unanswer(self, last: _Shown) -> Outcome:
        assert last.outcome is not None
        self.store.undo(last.outcome.review_id)
        if last.outcome.suspended:  # the leech's suspension goes with the answer that made it
            self.store.restore_hold(last.outcome.card.id, None)
        self.actions.pop()
        self.history.pop()
        card_id = last.question.card_id
        self._drop(card_id)
        if last.outcome.before is None:
            self.states.pop(card_id, None)
        else:
            self.states[card_id] = last.outcome.before
        # The question on screen goes back where it came from, unless it is the card being undone (a missed card
        # re-asked at once): that card is asked again as the undone question, and only once.
        if self.pending is not None and self.pending.question.card_id != card_id:
            self._put_back(self.pending)
        self.pending = _Shown(last.question, last.source)
        return last.outcome

    def hold(self, card_id: str, kind: HoldKind, now: datetime) -> Held:
        """Suspend or bury the card just answered (`s`, `b`), at once; it is not asked again in this session.

        After a right answer left unrated the answer is not saved (no rating is invented); undo asks it again.
        """
        card = self.cards[card_id]
        previous = self.store.holds(now, [card_id]).get(card_id)
        until = bury_until(self.day) if kind is HoldKind.BURIED and self.day is not None else None
        self.store.hold([card_id], kind, now=now, until=until)
        unsaved = self.pending if self.pending is not None and self.pending.question.card_id == card_id else None
        if unsaved is not None:
            self.pending = None
        held = Held(card, kind, previous, unsaved, self._drop(card_id))
        self.actions.append(held)
        return held

    def _unhold(self, held: Held) -> Held:
        self.store.restore_hold(held.card.id, held.previous)
        self.actions.pop()
        for step in held.dropped:
            heapq.heappush(self.learning, step)
        if held.unsaved is not None:
            if self.pending is not None:
                self._put_back(self.pending)
            self.pending = held.unsaved
        return held

    def _drop(self, card_id: str) -> tuple[tuple[datetime, str], ...]:
        """Take the card's learning steps out of this session; the steps taken out."""
        dropped = tuple(step for step in self.learning if step[1] == card_id)
        if dropped:
            self.learning = [step for step in self.learning if step[1] != card_id]
            heapq.heapify(self.learning)
        return dropped

    def _put_back(self, shown: _Shown) -> None:
        card_id = shown.question.card_id
        self.prepared[card_id] = shown.question
        state = self.states.get(card_id)
        if shown.source == "learning" and state is not None:
            self._learn(state)
        else:
            self.main.insert(0, card_id)

    def _learn(self, state: CardState) -> None:
        self.states[state.card_id] = state
        heapq.heappush(self.learning, (state.due, state.card_id))

    # --- reporting ---------------------------------------------------------------

    def comes_back(self, card_id: str, now: datetime) -> dict[Grade, timedelta | None]:
        """When each rating would bring the card back; None when it comes back in this session.

        A card due within the learn-ahead window is asked again before the session ends, often sooner than its
        step (as soon as nothing else is left), so showing "10 min" would not be what happens.
        """
        intervals = self.scheduler.intervals(self.states.get(card_id), card_id, now)
        return {g: (None if due <= self.learn_ahead else due) for g, due in intervals.items()}

    def override_intervals(self, outcome: Outcome, now: datetime) -> dict[Grade, timedelta]:
        """When each rating of an overridden answer would bring the card back (from its state before the miss)."""
        return self.scheduler.intervals(outcome.before, outcome.card.id, now)

    @property
    def can_undo(self) -> bool:
        return bool(self.actions)

    @property
    def answered(self) -> int:
        return len(self.history)

    def card(self, card_id: str) -> Card:
        return self.cards[card_id]

    def _queued(self) -> list[str]:
        """Cards still to ask, the one on screen first (learning steps apart)."""
        return ([self.pending.question.card_id] if self.pending else []) + self.main

    def progress(self) -> Progress:
        queued = self._queued()
        new = sum(1 for cid in queued if cid not in self.states)
        review = sum(1 for cid in queued if cid in self.states and self.states[cid].phase is Phase.REVIEW)
        learning = len(self.learning) + len(queued) - new - review
        position = self.answered + (1 if self.pending else 0)
        return Progress(position, self.answered + new + learning + review, new, learning, review, self.new_total)

    def summary(self) -> list[TopicSummary]:
        """Per topic, in content order: answers given, how many were right, and when its cards come back."""
        out: dict[str, TopicSummary] = {}
        latest: dict[str, CardState] = {}
        for shown in self.history:
            assert shown.outcome is not None
            card = shown.outcome.card
            topic = self.topics.get(card.topic_id)
            tally = out.setdefault(card.topic_id, TopicSummary(card.topic_id, topic.title if topic else card.topic_id))
            tally.answered += 1
            tally.correct += int(shown.outcome.grade is not Grade.AGAIN)
            if shown.outcome.after is not None:
                latest[card.id] = shown.outcome.after
        for card_id, state in latest.items():
            tally = out[self.cards[card_id].topic_id]
            if tally.next_due is None or state.due < tally.next_due:
                tally.next_due = state.due
        order = {tid: n for n, tid in enumerate(self.topics)}
        return sorted(out.values(), key=lambda t: order.get(t.topic_id, len(order)))


@dataclass
class CramSession(Session):
    """Cards asked whether due or not: answers are logged as cram and leave every card's schedule as it was.

    Nothing counts against the daily limits or holds a sibling back; a miss comes back before the session ends.
    Build it with `CramSession.cram`.
    """

    later: list[list[str]] = field(default_factory=list)  # the next runs of cards, put in order when reached

    @classmethod
    def cram(
        cls,
        store: Store,
        cards: Iterable[Card],
        topics: Mapping[str, Topic],
        scheduler: Scheduler,
        rng: random.Random,
        *,
        now: datetime,
        day: Day,
        topic_ids: Iterable[str] | None = None,
        new: int = 0,
        limit: int | None = None,
        only: Sequence[str] | None = None,
        learn_ahead: timedelta = LEARN_AHEAD,
    ) -> CramSession:
        """Cram the studied cards of the chosen topics, weakest first when `limit` cuts them, plus up to `new` new
        cards; or exactly the cards `only` names (an exam's misses, studied or not). Held cards are never asked."""
        wanted = set(topic_ids) if topic_ids is not None else None
        chosen = askable(store, cards, now=now, topic_ids=wanted)
        session = cls(store, scheduler, chosen, topics, rng, learn_ahead, day=day)
        if only is not None:
            picked = [cid for cid in dict.fromkeys(only) if cid in chosen][:limit]
        else:
            recalls = {  # predicted recall now of the studied cards, from the raw rows (no state is parsed)
                cid: scheduler.recall_after(stability, days)
                for cid, _topic, _phase, _due, stability, days, _lapses, _hash in store.schedule_rows(now)
                if cid in chosen
            }
            picked = cram_queue(recalls, chosen.values(), rng=rng, new=new, limit=limit)
        session.states.update(store.states(picked))
        session.later = [picked[i : i + CRAM_RUN] for i in range(0, len(picked), CRAM_RUN)]
        session.new_total = sum(1 for cid in picked if cid not in session.states)
        session.confusions = store.confused_names()
        return session

    def _pick(self, now: datetime) -> tuple[str, str | None]:
        if not self.main and self.later:  # ordered run by run: `interleave` costs the square of its length
            self.main = interleave(self.later.pop(0), self.cards, self.topics)
        return super()._pick(now)

    def _queued(self) -> list[str]:
        return super()._queued() + [cid for run in self.later for cid in run]

    def _save(
        self, card: Card, review: Review, marking: Marking | None
    ) -> tuple[int, CardState | None, CardState | None]:
        review_id, state = self.store.record_cram(review, marking=marking)
        return review_id, state, state

    def _resave(self, old: Outcome, review: Review, marking: Marking) -> tuple[int, CardState | None]:
        return self.store.record_cram(review, marking=marking, replaces=old.review_id)

    def _settle(self, card_id: str, after: CardState | None, correct: bool, now: datetime) -> None:
        """A miss is asked again once the rest is done (or after the learn-ahead, if that comes first)."""
        if not correct:
            heapq.heappush(self.learning, (now + self.learn_ahead, card_id))

    def _put_back(self, shown: _Shown) -> None:
        self.prepared[shown.question.card_id] = shown.question
        self.main.insert(0, shown.question.card_id)

    def comes_back(self, card_id: str, now: datetime) -> dict[Grade, timedelta | None]:
        """A miss comes back in this session; no rating changes when the card is next due."""
        return {Grade.AGAIN: None}

    def override_intervals(self, outcome: Outcome, now: datetime) -> dict[Grade, timedelta]:
        return {}  # an overridden cram answer changes no schedule either


CRAM_RUN = 200  # cards put in order together (a daily session's size), so that a cram of thousands starts at once


def cram_queue(
    recalls: Mapping[str, float],
    cards: Iterable[Card],
    *,
    rng: random.Random,
    new: int = 0,
    limit: int | None = None,
) -> list[str]:
    """The cards a cram asks: up to `new` never-studied ones (taking turns by topic and kind, as a day's new cards
    do), then the studied ones (`recalls`: each one's predicted recall now), those least likely to be recalled first
    when `limit` leaves no room for all; studied cards in a shuffled order, new ones spread among them."""
    cards = list(cards)
    cap = len(cards) if limit is None else limit
    fresh = list(itertools.islice(_round_robin(Deck.of(cards), recalls), min(new, cap)))
    studied = [c.id for c in cards if c.id in recalls]
    if len(studied) > cap - len(fresh):
        studied = sorted(studied, key=lambda cid: (recalls[cid], cid))[: cap - len(fresh)]
    rng.shuffle(studied)
    return _spread(studied, fresh)


def askable_deck(
    store: Store, cards: Iterable[Card] | Deck, *, now: datetime, topic_ids: Collection[str] | None = None
) -> Deck:
    """`askable` by id: the deck of the chosen topics without the cards suspended or buried at `now`."""
    return as_deck(cards).only(topic_ids).without(store.held_ids(now))


def askable(
    store: Store, cards: Iterable[Card], *, now: datetime, topic_ids: Collection[str] | None = None
) -> dict[str, Card]:
    """The cards a session may ask, by id: those of the chosen topics that are not suspended or buried at `now`."""
    held = store.held_ids(now)
    return {c.id: c for c in cards if (topic_ids is None or c.topic_id in topic_ids) and c.id not in held}


@dataclass(frozen=True)
class Queue:
    main: list[str]  # review and new card ids in the order to ask them
    learning: list[CardState]  # cards between learning steps, due within the learn-ahead window
    reviews: list[CardState]  # states of the review cards in `main`
    held_back: int = 0  # due reviews left for tomorrow because a sibling card was already practised today
    share_used: dict[str, int] = field(default_factory=dict)  # chosen topic → its share of today's new cards, used up


def build_queue(
    store: Store,
    cards: Iterable[Card] | Deck,
    *,
    now: datetime,
    day: Day,
    rng: random.Random,
    limits: Limits = Limits(),
    learn_ahead: timedelta = LEARN_AHEAD,
    topic_ids: Collection[str] | None = None,
    topics: Mapping[str, Topic] | None = None,
) -> Queue:
    """What a session at `now` asks: learning cards, reviews left under today's limit, then new cards.

    Learning and relearning cards are asked when due (the learn-ahead lets the session show one early); reviews are
    due on their due day, so every review due before `day` ends is asked today. Reviews come from an ordered,
    limited query on the due index; new cards are unstarted ones taking turns by topic and kind. Only one card of a
    concept, fact, sequence or table row is asked a day, across sessions: siblings of a card answered today wait.
    With `topic_ids`, each chosen topic gets its share of the day's new cards (`new_shares`). A new card is left out
    when it and a card already queued would each give the other's answer away (given `topics`, the content).
    Cards are known by id (see `Deck`): only those of the topics a new card is drawn from are built.
    """
    deck = as_deck(cards)
    done_today = store.counts_since(day.start)
    cap = limits.session if limits.session is not None else NO_CAP
    # Sibling keys practised today (from the log, so every session of the day counts) or queued now.
    taken = {sibling_key(cid) for cid in store.reviewed_since(day.start) if cid in deck}
    held_back = 0

    learning = store.due(now + learn_ahead, review=False, topics=topic_ids, keep=deck.__contains__, limit=cap)
    taken.update(sibling_key(s.card_id) for s in learning)
    cap -= len(learning)

    def fresh(card_id: str) -> bool:
        if card_id not in deck or sibling_key(card_id) in taken:
            return False
        taken.add(sibling_key(card_id))
        return True

    def fresh_review(card_id: str) -> bool:
        nonlocal held_back
        if fresh(card_id):
            return True
        if card_id in deck:
            held_back += 1
        return False

    review_room = min(cap, max(0, limits.reviews_per_day - done_today.get("review", 0)))
    reviews = store.due(day.end, review=True, topics=topic_ids, keep=fresh_review, limit=review_room)
    cap -= len(reviews)

    new_room = min(cap, max(0, limits.new_per_day - done_today.get(NEW, 0)))
    new: list[str] = []
    share_used: dict[str, int] = {}
    if new_room:
        skip = store.started_ids() | {s.card_id for s in reviews}
        rooms = None
        if topic_ids is not None:  # the chosen topics share the day's new cards
            unstarted = [cid for t in deck.topic_ids for g in deck.groups(t) for cid in g if cid not in skip]
            rooms, share_used = _topic_rooms(unstarted, taken, store.introduced_since(day.start), limits.new_per_day)
        queued = deck.cards([s.card_id for s in (*learning, *reviews)])
        clash = _Clash(topics, [queued[s.card_id] for s in (*learning, *reviews)])
        # Topics take turns (in content order), and within a topic its kinds of item do.
        for card_id in _round_robin(deck, skip):
            if len(new) >= new_room:
                break
            topic_id = card_id.partition("/")[0]
            if rooms is not None and rooms.get(topic_id, 0) <= 0:
                continue
            if sibling_key(card_id) not in taken and not clash(deck.cards([card_id])[card_id]) and fresh(card_id):
                new.append(card_id)
                if rooms is not None:
                    rooms[topic_id] -= 1

    review_ids = [s.card_id for s in reviews]
    rng.shuffle(review_ids)
    return Queue(_spread(review_ids, new), learning, reviews, held_back, share_used)


class _Clash:
    """Whether a new card and a card already queued would each give the other's answer away (so no order helps)."""

    def __init__(self, topics: Mapping[str, Topic] | None, queued: Iterable[Card]) -> None:
        self.topics = topics
        self.queued = [exposure(c, topics) for c in queued] if topics is not None else []

    def __call__(self, card: Card) -> bool:
        if self.topics is None:
            return False
        words, shown = exposure(card, self.topics)
        if any(gives_away(shown, w) and gives_away(s, words) for w, s in self.queued):
            return True
        self.queued.append((words, shown))
        return False


def new_shares(limit: int, wanted: Mapping[str, int]) -> dict[str, int]:
    """The day's `limit` of new cards shared among topics that could use `wanted[t]` each: equal parts, what one
    topic cannot use going to those that can, a remainder to the first topics (in the given order)."""
    shares = dict.fromkeys(wanted, 0)
    hungry, left = [t for t, n in wanted.items() if n > 0], limit
    while hungry and left > 0:
        part, extra = divmod(left, len(hungry))
        sated = [t for t in hungry if wanted[t] - shares[t] <= part]
        for t in sated:
            left -= wanted[t] - shares[t]
            shares[t] = wanted[t]
        if not sated:
            for n, t in enumerate(hungry):
                shares[t] += part + (1 if n < extra else 0)
            left = 0
        hungry = [t for t in hungry if t not in sated]
    return shares


def _topic_rooms(
    unstarted: list[str], taken: set[str], introduced: Mapping[str, int], limit: int
) -> tuple[dict[str, int], dict[str, int]]:
    """(new cards each topic may still introduce today, share of each topic whose share is used up), from the ids
    of the unstarted cards."""
    left: dict[str, set[str]] = {}
    for card_id in unstarted:
        if sibling_key(card_id) not in taken:
            left.setdefault(card_id.partition("/")[0], set()).add(sibling_key(card_id))
    wanted = {t: introduced.get(t, 0) + len(keys) for t, keys in left.items()}
    shares = new_shares(limit, wanted)
    rooms = {t: shares[t] - introduced.get(t, 0) for t in wanted}
    return rooms, {t: shares[t] for t, room in rooms.items() if room <= 0}


def as_deck(cards: Iterable[Card] | Deck) -> Deck:
    return cards if isinstance(cards, Deck) else Deck.of(cards)


MAX_RUN = 3  # at most this many questions of one kind in a row, when the session has others to offer


def _round_robin(deck: Deck, skip: Collection[str]) -> Iterator[str]:
    """Card ids not in `skip` taking turns by topic (topics in content order), and within a topic by item kind.

    Each topic starts its turns at a different kind (the n-th topic at kind n), so a day's first new cards are not
    all the first concept of every topic. Lazy: a topic's ids are read when its first turn comes.
    """

    def turns(n: int, groups: CardGroups) -> Iterator[str]:
        rotated = [(c for c in group if c not in skip) for group in groups[n % 4 :] + groups[: n % 4]]
        return (c for turn in itertools.zip_longest(*rotated) for c in turn if c is not None)

    def unstarted() -> Iterator[CardGroups]:
        for topic_id in deck.topic_ids:
            groups = deck.groups(topic_id)
            if any(c not in skip for group in groups for c in group):
                yield groups

    active: list[Iterator[str]] = []
    for n, groups in enumerate(unstarted()):  # the first turn: every topic in order
        active.append(turns(n, groups))
        yield next(active[-1])
    while active:  # then turn after turn, over the topics that still have cards
        for it in list(active):
            card_id = next(it, None)
            if card_id is None:
                active.remove(it)
            else:
                yield card_id


def interleave(card_ids: list[str], cards: Mapping[str, Card], topics: Mapping[str, Topic]) -> list[str]:
    """The session's order: as given, except that no card comes after one whose text gives its answer away, and
    no kind comes more than MAX_RUN times in a row when something else can come instead.

    Greedy: at each place, the first remaining card that gives nothing away that is still to come (preferring a
    change of kind once a run is MAX_RUN long); cycles and single-kind sessions fall back to the given order.
    """
    seen = {cid: exposure(cards[cid], topics) for cid in card_ids}
    gives: dict[str, set[str]] = {cid: set() for cid in card_ids}  # cid -> ids whose answer its text shows
    answers = [(cid, words) for cid, (words, _shown) in seen.items() if words]
    for cid, (_words, shown) in seen.items():
        for other, words in answers:
            if other != cid and gives_away(shown, words):
                gives[cid].add(other)
    remaining, left, out, run = list(card_ids), set(card_ids), list[str](), 0
    kinds_left = collections.Counter(cards[cid].kind for cid in card_ids)
    while remaining:
        last = cards[out[-1]].kind if out else None
        vary = run >= MAX_RUN and len(kinds_left) > (1 if last in kinds_left else 0)
        pick = next(
            (c for c in remaining if not gives[c] & left and not (vary and cards[c].kind is last)),
            next((c for c in remaining if not gives[c] & left), remaining[0]),
        )
        run = run + 1 if cards[pick].kind is last else 1
        out.append(pick)
        remaining.remove(pick)
        left.discard(pick)
        kinds_left[cards[pick].kind] -= 1
        if not kinds_left[cards[pick].kind]:
            del kinds_left[cards[pick].kind]
    return out


def exposure(card: Card, topics: Mapping[str, Topic]) -> tuple[str, str]:
    """(answer, shown) as `answer_words` and `shown_words` read them: what the card asks for, and what its question,
    its feedback and the topic title above it show when it is first asked."""
    answer, texts = reveals(card, topics)
    words = answer_words(answer)
    topic = topics.get(card.topic_id)
    title = topic_title(topic, 0, [words]) if topic else ""
    return words, "".join(shown_words(text) for text in (*texts, title))


def topic_title(topic: Topic, number: int, hide: Collection[str]) -> str:
    """A topic's title, or "Topic N" (its place in the content) when the title says one of the answers `hide`."""
    said = shown_words(topic.title)
    return f"Topic {number}" if any(gives_away(said, words) for words in hide) else topic.title


@dataclass(frozen=True)
class Waiting:
    """Why a session has nothing to ask: the cards a limit holds back (0 when that limit is not the reason)."""

    new: int  # unstarted cards held back because today's new cards are used
    new_per_day: int
    reviews: int  # due reviews held back because today's reviews are done
    reviews_per_day: int
    session_limit: bool  # --limit 0


def waiting(
    store: Store,
    cards: Iterable[Card] | Deck,
    *,
    now: datetime,
    day: Day,
    limits: Limits = Limits(),
    topic_ids: Collection[str] | None = None,
) -> Waiting:
    """What the daily limits hold back at `now`, so an empty session can say which limit stopped it."""
    deck = askable_deck(store, cards, now=now, topic_ids=topic_ids)
    done = store.counts_since(day.start)
    new = reviews = 0
    if done.get(NEW, 0) >= limits.new_per_day:
        new = len(deck) - sum(1 for cid in store.started_ids() if cid in deck)
    if done.get("review", 0) >= limits.reviews_per_day:
        reviews = len(store.due(day.end, review=True, topics=topic_ids, keep=deck.__contains__))
    return Waiting(new, limits.new_per_day, reviews, limits.reviews_per_day, limits.session == 0)


def _spread(reviews: list[str], new: list[str]) -> list[str]:
    """Reviews with new cards spread evenly among them, each list keeping its own order."""
    keyed = [((i + 1) / (len(reviews) + 1), 0, cid) for i, cid in enumerate(reviews)]
    keyed += [((j + 1) / (len(new) + 1), 1, cid) for j, cid in enumerate(new)]
    return [cid for _key, _kind, cid in sorted(keyed)]
