"""The session engine without a terminal: limits, learning steps, leeches, undo, and a simulated week."""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import fsrs
import pytest

from serverless_study.answers import answer_words, gives_away, shown_words
from serverless_study.cards import generate_cards, make_question
from serverless_study.days import Calendar
from serverless_study.loader import load_topics
from serverless_study.model import Card, CardKind, CardState, Grade, Phase, Question, Review, Topic
from serverless_study.paths import shipped_content_dir
from serverless_study.scheduler import Scheduler
from serverless_study.session import Limits, Session, new_shares, waiting
from serverless_study.stats import calibration
from serverless_study.store import Store

UTC_DAYS = Calendar(UTC, day_starts=0)  # study days from midnight to midnight UTC
FIXTURE = Path(__file__).parent / "fixtures" / "quiz"
MONDAY = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)
TOPICS = load_topics([FIXTURE]).topics
TOPIC_MAP = {t.id: t for t in TOPICS}
CARDS = generate_cards(TOPICS)


def start(
    store: Store, now: datetime = MONDAY, *, seed: int = 1, limits: Limits | None = None, **kw: object
) -> Session:
    return Session.start(
        store,
        CARDS,
        TOPIC_MAP,
        Scheduler(),
        random.Random(seed),
        now=now,
        day=UTC_DAYS.day_of(now),
        limits=limits or Limits(),
        **kw,
    )  # type: ignore[arg-type]


def right(q: Question) -> str:
    return q.answer


def wrong(q: Question) -> str:
    return next((c for c in q.choices if c != q.answer), "certainly not this")


def answer_all(
    session: Session, now: datetime, grade: Grade = Grade.GOOD, step: timedelta = timedelta(seconds=15)
) -> tuple[int, datetime]:
    """Answer everything the session asks, correctly, `step` apart; returns (answers, clock after)."""
    n = 0
    while (q := session.next_question(now)) is not None:
        session.answer(q, now, given=right(q), grade=grade)
        now += step
        n += 1
    return n, now


@pytest.fixture
def store() -> Iterator[Store]:
    with Store.open(":memory:") as s:
        yield s


def test_new_cards_per_day_are_limited_and_counted_from_todays_log(store: Store) -> None:
    s = start(store, limits=Limits(new_per_day=5))
    assert s.progress().new == 5
    for _ in range(3):
        q = s.next_question(MONDAY)
        assert q is not None
        s.answer(q, MONDAY, given=right(q))
    later = start(store, MONDAY + timedelta(hours=2), limits=Limits(new_per_day=5))
    assert later.progress().new == 2  # three were introduced earlier today
    tomorrow = start(store, MONDAY + timedelta(days=1), limits=Limits(new_per_day=5))
    assert tomorrow.progress().new == 5


def test_reviews_per_day_are_limited(store: Store) -> None:
    past = MONDAY - timedelta(days=10)
    for card in CARDS[:12]:
        state = CardState(card.id, Phase.REVIEW, None, 5.0, 5.0, MONDAY - timedelta(hours=1), past, 0, 3)
        store.record(Review(card.id, past, Grade.GOOD, "", True, 0), state, previous=state, topic_id=card.topic_id)
    s = start(store, limits=Limits(new_per_day=0, reviews_per_day=4))
    assert (s.progress().review, s.progress().new) == (4, 0)
    answer_all(s, MONDAY)
    again = start(store, MONDAY + timedelta(hours=1), limits=Limits(new_per_day=0, reviews_per_day=4))
    assert again.next_question(MONDAY + timedelta(hours=1)) is None


def test_an_empty_session_knows_which_daily_limit_stopped_it(store: Store) -> None:
    past = MONDAY - timedelta(days=10)
    for card in CARDS[:12]:
        state = CardState(card.id, Phase.REVIEW, None, 5.0, 5.0, MONDAY - timedelta(hours=1), past, 0, 3)
        store.record(Review(card.id, past, Grade.GOOD, "", True, 0), state, previous=state, topic_id=card.topic_id)
    limits = Limits(new_per_day=2, reviews_per_day=4)
    answer_all(start(store, limits=limits), MONDAY, grade=Grade.EASY)
    later = MONDAY + timedelta(hours=1)
    assert start(store, later, limits=limits).next_question(later) is None
    held = waiting(store, CARDS, now=later, day=UTC_DAYS.day_of(later), limits=limits)
    assert (held.new, held.reviews) == (len(CARDS) - 12 - 2, 12 - 4)
    assert not held.session_limit
    other_topic = waiting(store, CARDS, now=later, day=UTC_DAYS.day_of(later), limits=limits, topic_ids=["x"])
    assert (other_topic.new, other_topic.reviews) == (0, 0)
    tomorrow = waiting(store, CARDS, now=later + timedelta(days=1), day=UTC_DAYS.day_of(later + timedelta(days=1)))
    assert (tomorrow.new, tomorrow.reviews) == (0, 0)  # a new day: no limit is used up


def topic_of(s: Session) -> list[str]:
    return [s.cards[cid].topic_id for cid in s.main]


def test_topic_quizzes_spread_new_cards_across_the_chosen_topics(store: Store) -> None:
    s = start(store, limits=Limits(new_per_day=4), topic_ids=["functions", "tracing"])
    assert sorted(topic_of(s)) == ["functions", "functions", "tracing", "tracing"]
    assert s.share_used == {}
    everything = start(store, limits=Limits(new_per_day=4))  # all topics take turns too, in content order
    assert sorted(topic_of(everything)) == ["functions", "functions", "tracing", "tracing"]


def test_each_chosen_topic_gets_its_share_of_todays_new_cards(store: Store) -> None:
    # Two functions cards introduced this morning use that topic's share of four: the tracing cards get the rest.
    answer_all(start(store, limits=Limits(new_per_day=2), topic_ids=["functions"]), MONDAY)
    later = MONDAY + timedelta(hours=1)
    both = start(store, later, limits=Limits(new_per_day=4), topic_ids=["functions", "tracing"])
    assert [t for t in topic_of(both) if t != "functions"] == ["tracing", "tracing"]
    assert "functions" not in {both.cards[cid].topic_id for cid in both.main if cid not in both.states}
    assert both.share_used == {"functions": 2}
    alone = start(store, later, limits=Limits(new_per_day=4), topic_ids=["functions"])  # one topic: the whole limit
    assert [alone.cards[cid].topic_id for cid in alone.main if cid not in alone.states] == ["functions"] * 2


def test_a_topic_with_few_cards_leaves_its_share_to_the_others(store: Store) -> None:
    # Tracing has five items, so of twelve new cards functions gets the seven tracing cannot use.
    s = start(store, limits=Limits(new_per_day=12), topic_ids=["functions", "tracing"])
    assert sorted(topic_of(s)).count("tracing") == 5
    assert sorted(topic_of(s)).count("functions") == 7


def test_new_shares_are_equal_parts_with_leftovers_to_hungrier_topics() -> None:
    assert new_shares(20, {"a": 30, "b": 30, "c": 30}) == {"a": 7, "b": 7, "c": 6}
    assert new_shares(20, {"a": 30, "b": 30, "c": 2}) == {"a": 9, "b": 9, "c": 2}
    assert new_shares(20, {"a": 3, "b": 0}) == {"a": 3, "b": 0}
    assert new_shares(0, {"a": 3}) == {"a": 0}


def test_limit_caps_one_session(store: Store) -> None:
    s = start(store, limits=Limits(session=3))
    assert s.progress().total == 3
    answers, _ = answer_all(s, MONDAY)
    assert answers == 6  # three new cards, each seen again at its 10-minute learning step
    assert len(store.started_ids()) == 3


def test_a_failed_card_comes_back_in_the_same_session_when_its_step_is_due(store: Store) -> None:
    s = start(store, limits=Limits(new_per_day=3))
    now = MONDAY
    first = s.next_question(now)
    assert first is not None
    out = s.answer(first, now, given=wrong(first))
    assert out.grade is Grade.AGAIN and out.after.due == now + timedelta(minutes=1)
    shown = []
    for _ in range(2):  # the other two new cards come first: the failed one is not due yet
        q = s.next_question(now := now + timedelta(seconds=10))
        assert q is not None and q.card_id != first.card_id
        s.answer(q, now, given=right(q))
        shown.append(q.card_id)
    q = s.next_question(now + timedelta(seconds=5))  # nothing else left: learned ahead of its step
    assert q is not None and q.card_id == first.card_id


def test_a_due_learning_card_goes_before_the_rest(store: Store) -> None:
    s = start(store, limits=Limits(new_per_day=5))
    first = s.next_question(MONDAY)
    assert first is not None
    s.answer(first, MONDAY, given=wrong(first))
    q = s.next_question(MONDAY + timedelta(minutes=2))
    assert q is not None and q.card_id == first.card_id


def test_a_wrong_objective_answer_is_again_whatever_grade_is_asked(store: Store) -> None:
    s = start(store)
    q = s.next_question(MONDAY)
    assert q is not None and not q.self_rated
    out = s.answer(q, MONDAY, given=wrong(q), grade=Grade.EASY)
    assert out.grade is Grade.AGAIN and not out.verdict.correct
    [logged] = store.history()
    assert (logged.review.grade, logged.review.correct, logged.review.answer) == (Grade.AGAIN, False, wrong(q))


def test_self_rated_cards_take_the_learners_grade(store: Store) -> None:
    s = start(store, MONDAY + timedelta(days=1))
    recall = next(c for c in CARDS if c.kind is CardKind.RECALL)
    # Queue the recall card by making the choice sibling an old review that is not due.
    s = Session.start(
        store, [recall], TOPIC_MAP, Scheduler(), random.Random(1), now=MONDAY, day=UTC_DAYS.day_of(MONDAY)
    )
    q = s.next_question(MONDAY)
    assert q is not None and q.self_rated
    with pytest.raises(ValueError, match="grade"):
        s.answer(q, MONDAY, given="")
    out = s.answer(q, MONDAY, given="", grade=Grade.HARD)
    assert out.grade is Grade.HARD and store.history()[0].review.correct


def test_each_answer_is_saved_before_answer_returns(store: Store) -> None:
    s = start(store)
    for n in range(1, 4):
        q = s.next_question(MONDAY)
        assert q is not None
        out = s.answer(q, MONDAY, given=right(q), duration_ms=2500)
        assert store.reviews_total() == n and store.state(q.card_id) == out.after
        assert store.history()[-1].review.duration_ms == 2500


def test_undo_restores_the_card_and_asks_it_again(store: Store) -> None:
    s = start(store, limits=Limits(new_per_day=3))
    q1 = s.next_question(MONDAY)
    assert q1 is not None
    s.answer(q1, MONDAY, given=right(q1))
    q2 = s.next_question(MONDAY)  # on screen when the learner presses u
    assert q2 is not None
    undone = s.undo()
    assert undone is not None and undone.card.id == q1.card_id
    assert store.state(q1.card_id) is None and store.reviews_total() == 0
    assert s.next_question(MONDAY) == q1  # the same question again
    s.answer(q1, MONDAY, given=wrong(q1))
    assert s.next_question(MONDAY + timedelta(seconds=1)) == q2  # then the one that was put back
    assert s.undo() is not None and s.undo() is None  # only this session's answers
    assert s.summary() == []


def test_undo_of_the_card_on_screen_asks_it_once(store: Store) -> None:
    """A missed card comes straight back (nothing else left); undo while it is on screen must not queue it twice."""
    s = start(store, limits=Limits(new_per_day=1))
    q = s.next_question(MONDAY)
    assert q is not None
    s.answer(q, MONDAY, given=wrong(q))
    assert s.next_question(MONDAY).card_id == q.card_id  # type: ignore[union-attr]  # re-asked at once, on screen
    assert s.progress().total == 2
    s.undo()
    p = s.progress()
    assert p.total == 1 and p.new + p.learning + p.review == 1
    asked = []
    now = MONDAY
    while (shown := s.next_question(now)) is not None:
        asked.append(shown.card_id)
        s.answer(shown, now, given=right(shown))
        now += timedelta(minutes=11)
    assert asked == [q.card_id, q.card_id]  # once as the undone question, then its 10-minute learning step
    assert [r.review.grade for r in store.history()] == [Grade.GOOD, Grade.GOOD]


def test_undo_of_a_review_restores_its_previous_state(store: Store) -> None:
    s = start(store, limits=Limits(new_per_day=1))
    n, _now = answer_all(s, MONDAY)
    card_id = store.history()[0].review.card_id
    graduated = store.state(card_id)
    assert graduated is not None and graduated.phase is Phase.REVIEW
    later = start(store, graduated.due, limits=Limits(new_per_day=0))
    q = later.next_question(graduated.due)
    assert q is not None and q.card_id == card_id
    later.answer(q, graduated.due, given=wrong(q))
    assert store.state(card_id).lapses == 1  # type: ignore[union-attr]
    later.undo()
    assert store.state(card_id) == graduated and store.reviews_total() == n


def test_a_leech_is_flagged_after_the_eighth_lapse_with_its_content(store: Store) -> None:
    typed = next(c for c in CARDS if c.kind is CardKind.TYPED)
    scheduler = Scheduler()
    now, flagged = MONDAY, []
    state = scheduler.review(None, typed.id, Grade.EASY, now)
    store.record(Review(typed.id, now, Grade.EASY, "", True, 0), state, previous=None, topic_id=typed.topic_id)
    while len(flagged) < 10:
        now = store.state(typed.id).due  # type: ignore[union-attr]
        s = Session.start(store, [typed], TOPIC_MAP, scheduler, random.Random(1), now=now, day=UTC_DAYS.day_of(now))
        q = s.next_question(now)
        assert q is not None
        before = store.state(typed.id)
        grade_wrong = before is not None and before.phase is Phase.REVIEW
        out = s.answer(q, now, given="no idea" if grade_wrong else right(q), grade=Grade.EASY)
        if grade_wrong:
            flagged.append((out.after.lapses, out.leech))
            if out.leech:
                assert out.item is not None and out.item.id == typed.item_id
    assert [lapses for lapses, leech in flagged if leech] == [8]
    assert flagged[-1] == (10, False)


def test_cards_whose_content_is_gone_are_skipped_but_keep_their_history(store: Store) -> None:
    gone = Card("functions/removed/typed", "functions", "removed", CardKind.TYPED, "")
    state = CardState(gone.id, Phase.REVIEW, None, 3.0, 5.0, MONDAY - timedelta(days=1), MONDAY - timedelta(days=4))
    store.record(
        Review(gone.id, MONDAY - timedelta(days=4), Grade.GOOD, "", True, 0), state, previous=None, topic_id="functions"
    )
    s = start(store, limits=Limits(new_per_day=0))
    assert s.next_question(MONDAY) is None
    assert store.state(gone.id) == state and len(store.history(gone.id)) == 1


def test_siblings_are_not_introduced_together(store: Store) -> None:
    s = start(store, limits=Limits(new_per_day=100))
    queued = s.main
    items = [(c.topic_id, c.item_id) for c in CARDS if c.id in queued and c.kind is not CardKind.COLUMN]
    assert len(items) == len(set(items))  # one card per concept, fact and sequence a day
    assert not any(c.kind is CardKind.RECALL and c.id in queued for c in CARDS)  # its choice sibling goes first


def test_reviews_due_later_today_are_asked_this_morning_and_learning_cards_only_when_due(store: Store) -> None:
    past = MONDAY - timedelta(days=3)
    review, tomorrow, learning = CARDS[0], CARDS[5], CARDS[10]
    for card, phase, due in (
        (review, Phase.REVIEW, MONDAY + timedelta(hours=14)),  # 23:00 today
        (tomorrow, Phase.REVIEW, MONDAY + timedelta(hours=15)),  # 00:00 tomorrow: the next day's
        (learning, Phase.LEARNING, MONDAY + timedelta(hours=2)),  # a learning step due at 11:00
    ):
        state = CardState(card.id, phase, None if phase is Phase.REVIEW else 1, 5.0, 5.0, due, past, 0, 3)
        store.record(Review(card.id, past, Grade.GOOD, "", True, 0), state, previous=None, topic_id=card.topic_id)
    s = start(store, limits=Limits(new_per_day=0))
    assert s.main == [review.id] and s.learning == []
    assert start(store, MONDAY + timedelta(hours=2), limits=Limits(new_per_day=0)).learning[0][1] == learning.id


def test_siblings_wait_for_tomorrow_across_sessions_and_are_counted(store: Store) -> None:
    choice = next(c for c in CARDS if c.kind is CardKind.CHOICE)
    recall = next(c for c in CARDS if c.kind is CardKind.RECALL and c.item_id == choice.item_id)
    past = MONDAY - timedelta(days=5)
    for card in (choice, recall):
        state = CardState(card.id, Phase.REVIEW, None, 5.0, 5.0, MONDAY - timedelta(hours=1), past, 0, 3)
        store.record(Review(card.id, past, Grade.GOOD, "", True, 0), state, previous=None, topic_id=card.topic_id)
    first = start(store, limits=Limits(new_per_day=0))
    assert first.held_back == 1 and len(first.main) == 1  # one sibling asked, the other held back
    answer_all(first, MONDAY)
    later = start(store, MONDAY + timedelta(hours=3), limits=Limits(new_per_day=0))
    assert later.main == [] and later.held_back == 1  # the log says the item was practised today
    tomorrow = start(store, MONDAY + timedelta(days=1), limits=Limits(new_per_day=0))
    assert len(tomorrow.main) == 1 and tomorrow.held_back == 0


def test_topic_filter_and_summary(store: Store) -> None:
    s = start(store, topic_ids=["tracing"])
    assert {s.card(cid).topic_id for cid in s.main} == {"tracing"}
    q = s.next_question(MONDAY)
    assert q is not None
    s.answer(q, MONDAY, given=wrong(q))
    q = s.next_question(MONDAY)
    assert q is not None
    s.answer(q, MONDAY, given=right(q))
    [summary] = s.summary()
    assert (summary.topic_id, summary.title, summary.answered, summary.correct) == ("tracing", "Tracing", 2, 1)
    assert summary.next_due == MONDAY + timedelta(minutes=1)


def test_the_same_seed_asks_the_same_questions(store: Store) -> None:
    def run(seed: int) -> list[Question]:
        with Store.open(":memory:") as fresh:
            s = start(fresh, seed=seed, limits=Limits(new_per_day=8))
            out = []
            now = MONDAY
            while (q := s.next_question(now)) is not None:
                out.append(q)
                s.answer(q, now, given=right(q))
                now += timedelta(minutes=1)
            return out

    three, four = run(3), run(4)
    assert three == run(3)
    # New cards come in content order whatever the seed; the seed draws their choices and shuffles.
    assert [q.card_id for q in three] == [q.card_id for q in four]
    assert [q.choices for q in three] != [q.choices for q in four]


def test_a_simulated_week_asks_what_fsrs_predicts(store: Store) -> None:
    """Seven mornings, everything answered Good: each day's reviews are the cards FSRS says are due that day."""
    reference = fsrs.Scheduler(enable_fuzzing=False)
    offered: list[int] = []
    expected: list[int] = []
    for day in range(7):
        morning = MONDAY + timedelta(days=day)
        # FSRS's own prediction, from replaying every logged review of each card through fsrs directly.
        predicted = 0
        for card_id in store.started_ids():
            card = fsrs.Card(card_id=1, due=MONDAY)
            for logged in store.history(card_id):
                card, _ = reference.review_card(card, fsrs.Rating(int(logged.review.grade)), logged.review.reviewed_at)
            predicted += card.due < UTC_DAYS.day_of(morning).end  # due today, later hours included
        s = start(store, morning, limits=Limits(new_per_day=10))
        offered.append(s.progress().review + s.held_back)
        expected.append(predicted)
        answer_all(s, morning)
    assert offered == expected
    assert sum(offered) > 0 and offered[0] == 0


def test_the_due_queries_use_indexes(store: Store) -> None:
    conn = store._conn
    plans = {
        "due": "SELECT card_id FROM card_state WHERE due <= ? AND phase = 'review' ORDER BY due, card_id",
        "today": "SELECT coalesce(phase, ''), count(*) FROM review_log WHERE reviewed_at >= ? GROUP BY phase",
        "practised today": "SELECT card_id FROM review_log WHERE reviewed_at >= ?",
    }
    for name, sql in plans.items():
        plan = " ".join(str(r[-1]) for r in conn.execute("EXPLAIN QUERY PLAN " + sql, ("x",)))
        assert "USING INDEX" in plan, (name, plan)


@pytest.mark.slow
def test_the_queue_for_ten_thousand_cards_respects_the_daily_limits(tmp_path: Path) -> None:
    """At scale the queue still holds exactly the day's limits (its speed is measured in benchmarks/run.py)."""
    with Store.open(tmp_path / "big.sqlite3") as store:
        cards = [Card(f"t{x % 50}/i{x}/typed", f"t{x % 50}", f"i{x}", CardKind.TYPED, "") for x in range(12000)]
        topics = {f"t{k}": Topic(f"t{k}", f"T{k}") for k in range(50)}
        conn = store._conn
        conn.execute("BEGIN")
        conn.executemany(
            "INSERT INTO card_state (card_id, topic_id, phase, stability, difficulty, due, last_review, reps)"
            " VALUES (?, ?, 'review', 10.0, 5.0, ?, '2025-01-01T09:00:00.000000+00:00', 3)",
            [
                (
                    c.id,
                    c.topic_id,
                    (MONDAY + timedelta(hours=(x * 7919) % 2000 - 1000)).isoformat(timespec="microseconds"),
                )
                for x, c in enumerate(cards[:10000])
            ],
        )
        conn.executemany(
            "INSERT INTO review_log (card_id, reviewed_at, rating, answer, correct, duration_ms, phase)"
            " VALUES (?, ?, 3, '', 1, 0, 'review')",
            [
                (cards[x % 10000].id, (MONDAY - timedelta(hours=10, minutes=x)).isoformat(timespec="microseconds"))
                for x in range(50000)
            ],
        )
        conn.execute("COMMIT")
        s = Session.start(store, cards, topics, Scheduler(), random.Random(1), now=MONDAY, day=UTC_DAYS.day_of(MONDAY))
        assert s.progress().review == 200 and s.progress().new == 20
        earliest = conn.execute("SELECT card_id FROM card_state ORDER BY due, card_id LIMIT 200").fetchall()
        started = {c.id for c in cards[:10000]}
        assert {cid for cid in s.main if cid in started} == {cid for (cid,) in earliest}
        assert [cid for cid in s.main if cid not in started] == [c.id for c in cards[10000:10020]]


SHIPPED = load_topics([shipped_content_dir()]).topics
SHIPPED_MAP = {t.id: t for t in SHIPPED}
GRADABLE = (CardKind.CHOICE, CardKind.TYPED, CardKind.CLOZE, CardKind.NEXT)  # orders, columns, recall: too generic


def shown_by(q: Question, title: str) -> str:
    """Everything a question can show: its panel title, prompt, every option, what a wrong pick of each would show
    (the option's definition or place), and the feedback's explanation."""
    return "".join(shown_words(t) for t in (title, q.prompt, *q.choices, *q.glosses, q.explanation, q.answer))


@pytest.mark.parametrize("seed", range(1, 9))
def test_a_first_session_on_the_shipped_content_is_varied_and_gives_nothing_away(store: Store, seed: int) -> None:
    s = Session.start(
        store,
        generate_cards(SHIPPED),
        SHIPPED_MAP,
        Scheduler(),
        random.Random(seed),
        now=MONDAY,
        day=UTC_DAYS.day_of(MONDAY),
    )
    new = [s.cards[cid] for cid in s.main]
    assert len(new) == 20
    assert len({c.topic_id for c in new}) >= 5
    assert new[0].topic_id == SHIPPED[0].id  # topic order breaks ties
    asked: list[Question] = []
    shown, seen, checked, now = "", set(), 0, MONDAY
    while (q := s.next_question(now)) is not None:
        asked.append(q)
        title = s.title(q)
        # Before a card is first asked, no text the session showed holds its answer, nor does the title above it.
        # (Its learning repeats come after its own feedback, so only first showings count.)
        words = answer_words(q.answer) if q.kind in GRADABLE else ""
        assert not gives_away(shown_words(title), words), (title, q.answer)
        if q.card_id not in seen and words:
            assert not gives_away(shown, words), (q.card_id, q.answer)
            checked += 1
        seen.add(q.card_id)
        shown += shown_by(q, title)
        # Every fifth answer is a wrong pick or a miss: its feedback is in `shown_by` already, and the card returns.
        given = q.answer if len(asked) % 5 else next((c for c in q.choices if c != q.answer), "")
        s.answer(q, now, given=given, grade=Grade.GOOD)
        now += timedelta(seconds=20)
    firsts = list(dict.fromkeys(q.card_id for q in asked))  # the new cards in the order they were first shown
    kinds = [s.cards[cid].kind for cid in firsts]
    assert max(len(list(g)) for _k, g in itertools.groupby(kinds)) <= 3, kinds
    assert len(set(kinds)) >= 4
    assert checked >= 10


def test_no_card_of_the_shipped_content_has_its_answer_in_the_title_above_it(store: Store) -> None:
    cards = generate_cards(SHIPPED)
    s = Session(store, Scheduler(), {c.id: c for c in cards}, SHIPPED_MAP, random.Random(1))
    masked = 0
    for card in (c for c in cards if c.kind in GRADABLE):  # a column's or true/false's answer is in its prompt
        q = make_question(card, SHIPPED_MAP, random.Random(1))
        title = s.title(q)
        assert not gives_away(shown_words(title), answer_words(q.answer)), (card.id, title)
        masked += title != SHIPPED_MAP[card.topic_id].title
    assert masked >= 10  # the rule was put to work: "Topic 2" above "which service runs code without servers?"


def test_a_title_that_says_the_answer_gives_way_to_the_topics_number(store: Store) -> None:
    cards = {c.id: c for c in generate_cards(SHIPPED)}
    s = Session(store, Scheduler(), cards, SHIPPED_MAP, random.Random(1))
    by_answer = {(c.topic_id, make_question(c, SHIPPED_MAP, random.Random(1)).answer): c for c in cards.values()}
    cases = {("eventbridge", "CloudWatch Events"): "Topic 7", ("lambda", "AWS Lambda"): "Topic 2"}
    for (topic_id, answer), title in cases.items():
        assert s.title(make_question(by_answer[topic_id, answer], SHIPPED_MAP, random.Random(1))) == title
    timeout = cards["lambda/max-timeout/typed"]
    assert s.title(make_question(timeout, SHIPPED_MAP, random.Random(1))) == "Computing with AWS Lambda"
    s.answers = {by_answer["lambda", "AWS Lambda"].id: "lambda"}  # a card still to come answers "Lambda"
    assert s.title(make_question(timeout, SHIPPED_MAP, random.Random(1))) == "Topic 2"


def test_distractors_never_give_away_a_card_still_to_come(store: Store) -> None:
    """The fixture's Tracing quiz queues Segment and Subsegment: the X-Ray card offers other terms instead."""
    s = start(store, topic_ids=["tracing"])
    q = s.next_question(MONDAY)
    assert q is not None and q.card_id == "tracing/x-ray/choice"
    assert not {"Segment", "Subsegment"} & set(q.choices)
    assert len(q.choices) == 4  # other terms took their places


def test_a_new_card_that_would_give_away_a_queued_one_and_be_given_away_by_it_waits(store: Store) -> None:
    """Lambda's "which service runs code without servers" fact and its AWS Lambda concept answer each other."""
    s = Session.start(
        store,
        generate_cards(SHIPPED),
        SHIPPED_MAP,
        Scheduler(),
        random.Random(1),
        now=MONDAY,
        day=UTC_DAYS.day_of(MONDAY),
        limits=Limits(new_per_day=40),
        topic_ids=["lambda"],
    )
    answers = [make_question(s.cards[cid], SHIPPED_MAP, random.Random(1)).answer for cid in s.main]
    assert answers.count("AWS Lambda") <= 1


def test_each_answer_but_a_cards_first_saves_its_predicted_recall(store: Store) -> None:
    """Calibration reads the card's retrievability when answered, from the state the answer was scheduled from."""
    session = start(store, topic_ids=["tracing"], limits=Limits(new_per_day=1))
    q = session.next_question(MONDAY)
    assert q is not None
    session.answer(q, MONDAY, given=right(q), grade=Grade.EASY)  # straight into the review phase
    card_id = q.card_id
    [first] = store.history(card_id)
    assert first.review.retrievability is None  # nothing was predicted for a card never seen
    before = store.state(card_id)
    assert before is not None
    later = before.due + timedelta(days=2, hours=2)  # overdue: predicted recall below the desired 90%
    session = start(store, later, topic_ids=["tracing"], limits=Limits(new_per_day=0))
    q = session.next_question(later)
    assert q is not None and q.card_id == card_id
    session.answer(q, later, given=wrong(q))
    second = store.history(card_id)[-1].review
    expected = Scheduler().retrievability(before, later)
    assert second.retrievability == pytest.approx(expected) and 0.5 < expected < 0.9
    assert [b.n for b in calibration(store)] == [1]  # a review-phase answer with a prediction: tallied


def test_an_override_keeps_the_predicted_recall_of_the_answer_it_replaces(store: Store) -> None:
    session = start(store, topic_ids=["tracing"])
    typed = next(c for c in CARDS if c.topic_id == "tracing" and c.kind is CardKind.TYPED)
    state = CardState(typed.id, Phase.REVIEW, None, 5.0, 5.0, MONDAY, MONDAY - timedelta(days=4))
    store.record(
        Review(typed.id, MONDAY - timedelta(days=4), Grade.GOOD, "", True, 0), state, previous=None, topic_id="tracing"
    )
    session = start(store, MONDAY, topic_ids=["tracing"], limits=Limits(new_per_day=0))
    q = session.next_question(MONDAY)
    assert q is not None and q.card_id == typed.id
    session.answer(q, MONDAY, given="certainly not this")
    session.override(MONDAY + timedelta(seconds=5))
    [_, replaced] = store.history(typed.id)
    assert replaced.review.correct
    assert replaced.review.retrievability == pytest.approx(
        Scheduler().retrievability(state, MONDAY + timedelta(seconds=5))
    )
    [bucket] = calibration(store)
    assert (bucket.n, bucket.actual) == (1, 1.0)  # the wrong answer it replaced left the tally with it
