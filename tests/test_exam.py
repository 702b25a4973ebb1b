"""The practice exam's core: drawing, the spread over topics, the prediction, marking, timing, saving, history."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from serverless_study.cards import generate_cards, sibling_key
from serverless_study.errors import UsageError
from serverless_study.exam import (
    Ending,
    Exam,
    ExamSettings,
    chance,
    draw,
    predicted,
    spread,
)
from serverless_study.loader import load_topics
from serverless_study.model import CardKind, Grade, Question, Review
from serverless_study.scheduler import Scheduler
from serverless_study.scores import exam_history
from serverless_study.store import Store

from .conftest import FIXTURES

NOW = datetime(2025, 3, 3, 9, tzinfo=UTC)
TOPICS = load_topics([FIXTURES / "quiz"]).topics
BY_ID = {t.id: t for t in TOPICS}
CARDS = generate_cards(TOPICS)


def start(store: Store, seed: int = 1, **options: object) -> Exam:
    settings = ExamSettings(**{"questions": 6, "minutes": 30, **options})  # type: ignore[arg-type]
    return Exam.start(store, CARDS, BY_ID, Scheduler(), random.Random(seed), settings=settings, now=NOW)


@pytest.fixture
def store() -> Iterator[Store]:
    with Store.open(":memory:") as opened:
        yield opened


# --- spread and draw ---------------------------------------------------------------------------------------------


def test_questions_are_spread_in_proportion_to_topic_size() -> None:
    assert spread({"a": 10, "b": 5, "c": 5}, 8) == {"a": 4, "b": 2, "c": 2}
    assert spread({"a": 30, "b": 10}, 4) == {"a": 3, "b": 1}
    # A small topic chosen beside a big one still gets one question, taken from the topic most over its share.
    assert spread({"a": 10, "b": 5, "c": 1}, 8) == {"a": 5, "b": 2, "c": 1}
    assert spread({"a": 3, "b": 2}, 30) == {"a": 3, "b": 2}  # never more than a topic has


@given(st.dictionaries(st.sampled_from("abcdefg"), st.integers(0, 40), min_size=1), st.integers(0, 100))
def test_spread_sums_to_what_is_asked_or_available_and_respects_each_size(sizes: dict[str, int], total: int) -> None:
    out = spread(sizes, total)
    assert sum(out.values()) == min(total, sum(sizes.values()))
    assert all(0 <= out[t] <= sizes[t] for t in out)
    if sum(out.values()) >= len([n for n in sizes.values() if n]):
        assert all(out[t] >= 1 for t, n in sizes.items() if n)


def test_draw_takes_one_auto_marked_card_per_item_and_is_repeatable() -> None:
    picked = draw(CARDS, ["functions", "tracing"], 100, random.Random(3))
    assert CardKind.RECALL not in {c.kind for c in picked}
    keys = [sibling_key(c) for c in picked]
    assert len(keys) == len(set(keys))  # cards that give each other away never share an exam
    assert set(keys) == {sibling_key(c) for c in CARDS if c.kind is not CardKind.RECALL}  # every item, once
    assert [c.id for c in draw(CARDS, ["tracing"], 3, random.Random(9))] == [
        c.id for c in draw(CARDS, ["tracing"], 3, random.Random(9))
    ]


def test_draw_spreads_over_the_chosen_topics_only() -> None:
    picked = draw(CARDS, ["functions", "tracing"], 6, random.Random(1))
    items = Counter(key.split("/")[0] for key in {sibling_key(c) for c in CARDS if c.kind is not CardKind.RECALL})
    assert items == {"functions": 11, "tracing": 5}  # 3 concepts, 3 table rows, 1 sequence, 4 facts
    assert Counter(c.topic_id for c in picked) == {"functions": 4, "tracing": 2} == spread(items, 6)
    assert {c.topic_id for c in draw(CARDS, ["tracing"], 6, random.Random(1))} == {"tracing"}


# --- prediction ------------------------------------------------------------------------------------------------------


def test_a_never_reviewed_card_counts_at_the_chance_of_a_guess() -> None:
    choice = Question("t/c/choice", CardKind.CHOICE, "?", ("a", "b", "c", "d"), "a")
    typed = Question("t/f/typed", CardKind.TYPED, "?", answer="x")
    assert chance(choice) == 0.25 and chance(typed) == 0.0
    assert predicted(choice, None) == 0.25 and predicted(typed, None) == 0.0
    # A reviewed card: recalled, or else guessed.
    assert predicted(typed, 0.8) == pytest.approx(0.8)
    assert predicted(choice, 0.8) == pytest.approx(0.8 + 0.2 * 0.25)


def test_the_prediction_reads_the_schedule(store: Store) -> None:
    cold = start(store, seed=5)
    target = next(q for q in cold.questions if not q.question.choices)
    scheduler = Scheduler()
    before = NOW - timedelta(days=3)
    state = scheduler.review(None, target.card.id, Grade.GOOD, before)
    store.record(Review(target.card.id, before, Grade.GOOD, "x", True, 0), state, previous=None, topic_id="t")
    warm = start(store, seed=5)
    again = next(q for q in warm.questions if q.card.id == target.card.id)
    assert target.predicted == 0.0
    assert again.predicted == pytest.approx(scheduler.retrievability(state, NOW)) and 0 < again.predicted < 1
    assert warm.predicted == pytest.approx(sum(q.predicted for q in warm.questions) / len(warm.questions))


# --- sitting ---------------------------------------------------------------------------------------------------------


def test_answers_are_marked_and_saved_but_never_touch_the_schedule(store: Store) -> None:
    exam = start(store)
    before = (store.reviews_total(), store.schedule_rows())
    first = exam.questions[0]
    exam.answer(1, first.question.answer)
    exam.answer(2, "certainly not this")
    assert exam.flag(2) is True and exam.flag(2) is False and exam.flag(2) is True
    result = exam.finish(NOW + timedelta(minutes=5), Ending.SUBMITTED)
    assert (store.reviews_total(), store.schedule_rows()) == before  # no review_log row, no card_state row
    assert result.correct == 1 and result.answered == 2 and result.questions == 6
    assert [m.position for m in result.missed] == [2, 3, 4, 5, 6]
    assert result.missed[0].given == "certainly not this" and result.missed[1].given is None
    (saved,) = store.scored_exams(10)
    assert saved.outcome == "submitted" and saved.settings["pass_mark"] == 72
    assert [(a.answer, a.correct, a.flagged) for a in saved.answers[:3]] == [
        (first.question.answer, True, False),
        ("certainly not this", False, True),
        (None, None, False),
    ]
    assert saved.predicted == pytest.approx(exam.predicted)


def test_pass_or_fail_against_the_pass_mark_in_whole_numbers(store: Store) -> None:
    exam = start(store, questions=4, pass_mark=75)
    for q in exam.questions[:3]:
        exam.answer(q.position, q.question.answer)
    assert exam.result(Ending.SUBMITTED).passed  # 3 of 4 is 75%
    exam.answer(3, "no")
    assert not exam.result(Ending.SUBMITTED).passed


def test_per_topic_scores_follow_content_order(store: Store) -> None:
    exam = start(store, questions=6)
    for q in exam.questions:
        if q.card.topic_id == "tracing":
            exam.answer(q.position, q.question.answer)
    result = exam.result(Ending.SUBMITTED)
    assert [(t.topic_id, t.correct) for t in result.topics] == [("functions", 0), ("tracing", result.correct)]
    assert sum(t.questions for t in result.topics) == 6


def test_the_clock(store: Store) -> None:
    exam = start(store, minutes=30)
    assert exam.time_left(NOW + timedelta(minutes=10)) == timedelta(minutes=20)
    assert not exam.expired(NOW + timedelta(minutes=29, seconds=59))
    assert exam.expired(NOW + timedelta(minutes=30)) and exam.time_left(NOW + timedelta(hours=1)) == timedelta(0)
    untimed = start(store, minutes=0)
    assert untimed.time_left(NOW + timedelta(days=9)) is None and not untimed.expired(NOW + timedelta(days=9))


def test_review_lists_the_flagged_and_the_unanswered(store: Store) -> None:
    exam = start(store, questions=4)
    exam.answer(1, "x")
    exam.answer(2, "y")
    exam.flag(2)
    assert [q.position for q in exam.to_review()] == [2, 3, 4]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"questions": 0}, "--questions must be at least 1, not 0"),
        ({"minutes": -5}, "--minutes must be 0 (untimed) or more, not -5"),
        ({"pass_mark": 101}, "--pass must be between 0 and 100, not 101"),
    ],
)
def test_bad_settings_name_the_option(options: dict[str, int], message: str) -> None:
    with pytest.raises(UsageError, match=message.replace("(", r"\(").replace(")", r"\)")):
        ExamSettings(**options)  # type: ignore[arg-type]


def test_topics_with_nothing_to_mark_are_an_error(store: Store) -> None:
    recall_only = [c for c in CARDS if c.kind is CardKind.RECALL]
    with pytest.raises(UsageError, match="no questions to ask"):
        Exam.start(store, recall_only, BY_ID, Scheduler(), random.Random(1), settings=ExamSettings(), now=NOW)


# --- history and what --from-exam drills -----------------------------------------------------------------------------


def test_last_exam_misses_are_the_wrong_and_unanswered_cards_of_the_latest_scored_exam(store: Store) -> None:
    assert store.last_exam_misses() == []
    first = start(store, questions=3)
    for q in first.questions:
        first.answer(q.position, q.question.answer)
    first.finish(NOW, Ending.SUBMITTED)
    assert store.last_exam_misses() == []
    second = start(store, seed=2, questions=3)
    second.answer(1, "wrong")
    second.answer(2, second.questions[1].question.answer)
    second.finish(NOW + timedelta(hours=1), Ending.TIMED_OUT)
    assert store.last_exam_misses() == [second.questions[0].card.id, second.questions[2].card.id]
    interrupted = start(store, seed=3, questions=3)
    interrupted.finish(NOW + timedelta(hours=2), Ending.INCOMPLETE)  # never scored: not what --from-exam drills
    assert store.last_exam_misses() == [second.questions[0].card.id, second.questions[2].card.id]


def test_history_lists_scored_exams_oldest_first_with_per_topic_scores(store: Store) -> None:
    for n, ending in enumerate((Ending.SUBMITTED, Ending.INCOMPLETE, Ending.TIMED_OUT)):
        exam = Exam.start(
            store,
            CARDS,
            BY_ID,
            Scheduler(),
            random.Random(n),
            settings=ExamSettings(questions=4, pass_mark=50),
            now=NOW + timedelta(days=n),
        )
        for q in exam.questions[: n + 1]:
            exam.answer(q.position, q.question.answer)
        exam.finish(NOW + timedelta(days=n, minutes=20), ending)
    history = exam_history(store)
    assert [(e.outcome, e.correct, e.passed) for e in history] == [("submitted", 1, False), ("timed_out", 3, True)]
    data = history[1].to_dict()
    assert data.keys() == {
        "started_at",
        "outcome",
        "questions",
        "correct",
        "score",
        "pass_mark",
        "passed",
        "predicted",
        "topics",
    }
    assert data["score"] == 0.75 and data["started_at"] == (NOW + timedelta(days=2)).isoformat()
    assert sum(t["questions"] for t in data["topics"].values()) == 4
    assert sum(t["correct"] for t in data["topics"].values()) == 3
    assert len(exam_history(store, limit=1)) == 1 and exam_history(store, limit=1)[0].outcome == "timed_out"


def test_a_missed_typed_answer_that_names_another_term_says_what_that_term_is(store: Store) -> None:
    from serverless_study.textview import missed_text

    exam = start(store, questions=5, topics=("tracing",))
    header = next(q for q in exam.questions if q.card.id == "tracing/trace-header/typed")
    exam.answer(header.position, "UDP port 2000")
    (missed,) = [m for m in exam.result(Ending.SUBMITTED).missed if m.position == header.position]
    assert missed.verdict.confused_with is not None and missed.verdict.confused_with.name == "UDP port 2000"
    text = missed_text(missed)
    assert "Your answer: UDP port 2000\nWrong. The answer is: X-Amzn-Trace-Id" in text
    assert "UDP port 2000 is the answer to “On which port does the X-Ray daemon listen?” (Tracing)." in text
