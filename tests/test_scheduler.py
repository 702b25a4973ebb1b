"""The FSRS adapter: fixed clock, fuzz off unless a test lends it a seeded generator."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import fsrs
import pytest

from serverless_study.errors import UsageError
from serverless_study.model import CardState, Grade, Phase, utc
from serverless_study.scheduler import FUZZ_RANGES, LEECH_LAPSES, Scheduler, _from_fsrs, _to_fsrs, is_leech_lapse

NOW = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)


def reference(retention: float = 0.9) -> fsrs.Scheduler:
    return fsrs.Scheduler(desired_retention=retention, enable_fuzzing=False)


def test_a_new_card_follows_the_learning_steps() -> None:
    s = Scheduler()
    again = s.review(None, "t/i/typed", Grade.AGAIN, NOW)
    good = s.review(None, "t/i/typed", Grade.GOOD, NOW)
    assert (again.phase, again.step, again.due) == (Phase.LEARNING, 0, NOW + timedelta(minutes=1))
    assert (good.phase, good.step, good.due) == (Phase.LEARNING, 1, NOW + timedelta(minutes=10))
    graduated = s.review(good, "t/i/typed", Grade.GOOD, NOW + timedelta(minutes=10))
    assert graduated.phase is Phase.REVIEW and graduated.step is None
    assert graduated.reps == 2 and graduated.lapses == 0


def test_each_grade_matches_fsrs_itself() -> None:
    ours, theirs = Scheduler(), reference()
    for grade in Grade:
        mine = ours.review(None, "c", grade, NOW)
        card, _ = theirs.review_card(fsrs.Card(card_id=1, due=NOW), fsrs.Rating(int(grade)), NOW)
        assert (mine.due, mine.stability, mine.difficulty, mine.step) == (
            card.due,
            card.stability,
            card.difficulty,
            card.step,
        )


def test_a_review_schedule_over_weeks_matches_fsrs() -> None:
    ours, theirs = Scheduler(), reference()
    state, card, when = None, fsrs.Card(card_id=1, due=NOW), NOW
    for grade in (Grade.EASY, Grade.GOOD, Grade.HARD, Grade.AGAIN, Grade.GOOD, Grade.GOOD):
        state = ours.review(state, "c", grade, when)
        card, _ = theirs.review_card(card, fsrs.Rating(int(grade)), when)
        assert state.due == card.due and state.stability == pytest.approx(card.stability)
        when = state.due
    assert state.lapses == 1 and state.reps == 6


def test_state_round_trips_through_fsrs_card() -> None:
    state = CardState("t/i/recall", Phase.RELEARNING, 0, 4.5, 6.25, NOW + timedelta(minutes=10), NOW, 3, 12)
    back = _from_fsrs(state.card_id, _to_fsrs(state), lapses=state.lapses, reps=state.reps)
    assert back == state
    card = _to_fsrs(state)
    assert fsrs.Card.from_dict(card.to_dict()).to_dict() == card.to_dict()


def test_lapses_count_only_forgetting_a_card_in_review() -> None:
    s = Scheduler()
    learning = s.review(None, "c", Grade.AGAIN, NOW)
    assert learning.lapses == 0  # failing a new card is not a lapse
    review = s.review(None, "c", Grade.EASY, NOW)
    lapsed = s.review(review, "c", Grade.AGAIN, review.due)
    assert lapsed.lapses == 1 and lapsed.phase is Phase.RELEARNING
    again = s.review(lapsed, "c", Grade.AGAIN, lapsed.due)
    assert again.lapses == 1  # failing again while relearning is the same lapse


@pytest.mark.parametrize(("lapses", "flagged"), [(7, False), (8, True), (9, False), (12, True), (16, True)])
def test_leeches_are_flagged_at_eight_lapses_then_every_four(lapses: int, flagged: bool) -> None:
    before = CardState("c", Phase.REVIEW, None, 1.0, 9.0, NOW, NOW, lapses - 1, 30)
    after = CardState("c", Phase.RELEARNING, 0, 0.5, 9.5, NOW, NOW, lapses, 31)
    assert is_leech_lapse(before, after) is flagged
    assert not is_leech_lapse(after, after)  # no new lapse, no flag
    assert LEECH_LAPSES == 8


def test_retrievability_is_fsrs_prediction() -> None:
    s = Scheduler()
    state = s.review(None, "c", Grade.EASY, NOW)
    assert s.retrievability(state, NOW) == pytest.approx(1.0)
    at_due = s.retrievability(state, state.due)
    assert 0.85 < at_due < 0.95  # desired retention is 0.9 and intervals are rounded to whole days
    assert at_due == pytest.approx(reference().get_card_retrievability(_to_fsrs(state), state.due))


def test_desired_retention_changes_intervals_and_is_checked() -> None:
    easy = Scheduler(0.9).review(None, "c", Grade.EASY, NOW).due
    assert Scheduler(0.8).review(None, "c", Grade.EASY, NOW).due > easy
    for bad in (0.5, 1.0, 0.995):
        with pytest.raises(UsageError, match="retention"):
            Scheduler(bad)


def test_fuzz_comes_from_the_injected_rng_only() -> None:
    long = CardState("c", Phase.REVIEW, None, 60.0, 5.0, NOW, NOW - timedelta(days=60), 0, 5)
    plain = Scheduler().review(long, "c", Grade.GOOD, NOW).due
    global_state = random.getstate()
    fuzzed = [Scheduler(fuzz_rng=random.Random(seed)).review(long, "c", Grade.GOOD, NOW).due for seed in range(8)]
    assert random.getstate() == global_state  # fsrs's global generator is neither used nor disturbed
    assert fuzzed == [
        Scheduler(fuzz_rng=random.Random(seed)).review(long, "c", Grade.GOOD, NOW).due for seed in range(8)
    ]
    assert len(set(fuzzed)) > 1 and all(abs(d - plain) <= timedelta(days=10) for d in fuzzed)


def test_intervals_preview_each_grade() -> None:
    shown = Scheduler().intervals(None, "c", NOW)
    assert shown[Grade.AGAIN] == timedelta(minutes=1) and shown[Grade.GOOD] == timedelta(minutes=10)
    assert shown[Grade.EASY] >= timedelta(days=1)


def test_times_are_normalised_to_fsrs_utc() -> None:
    berlin = NOW.astimezone(ZoneInfo("Europe/Berlin"))
    assert utc(berlin).tzinfo is UTC and utc(berlin) == NOW
    assert Scheduler().review(None, "c", Grade.GOOD, berlin).due == NOW + timedelta(minutes=10)
    with pytest.raises(ValueError, match="aware"):
        utc(datetime(2025, 1, 6, 9))


# --- py-fsrs's own reference numbers -------------------------------------------------------------------------------
# Copied from py-fsrs v6.3.2, tests/test_basic.py (the fsrs-6.3.2 sdist on PyPI, which is that tag's source):
# test_review_card, test_memo_state, test_same_day_hard_review_does_not_decrease_stability and test_fuzz. Its main
# branch and 6.3.1 have other numbers; fsrs is pinned to >=6.3.2,<7 in pyproject.toml.
REFERENCE_START = datetime(2022, 11, 29, 12, 30, tzinfo=UTC)
G, A = Grade.GOOD, Grade.AGAIN
TEST_RATINGS_1 = (G, G, G, G, G, G, A, A, G, G, G, G, G)


def test_py_fsrs_reference_intervals() -> None:
    ours, state, when, intervals = Scheduler(), None, REFERENCE_START, []
    for grade in TEST_RATINGS_1:
        state = ours.review(state, "c", grade, when)
        assert state.last_review is not None
        intervals.append((state.due - state.last_review).days)
        when = state.due
    assert intervals == [0, 2, 11, 46, 163, 498, 0, 0, 2, 4, 7, 12, 21]


def test_py_fsrs_reference_memory_state() -> None:
    # py-fsrs runs this one with fuzz on: fuzz moves due dates, never stability or difficulty.
    ours, state, when = Scheduler(fuzz_rng=random.Random(0)), None, REFERENCE_START
    for grade, days in zip((A, G, G, G, G, G), (0, 0, 1, 3, 8, 21), strict=True):
        when += timedelta(days=days)
        state = ours.review(state, "c", grade, when)
    assert state is not None
    assert state.stability == pytest.approx(53.62691, abs=1e-4)
    assert state.difficulty == pytest.approx(6.3574867, abs=1e-4)


def test_py_fsrs_reference_same_day_hard_keeps_stability() -> None:
    ours = Scheduler(learning_steps=())
    when = datetime(2026, 1, 1, tzinfo=UTC)
    first = ours.review(None, "c", Grade.GOOD, when)
    assert ours.review(first, "c", Grade.HARD, when + timedelta(minutes=1)).stability == first.stability


@pytest.mark.parametrize(("seed", "days"), [(42, 12), (12345, 11)])
def test_py_fsrs_reference_fuzz_from_our_generator(seed: int, days: int) -> None:
    """py-fsrs seeds its module-global `random` with `seed`; the same seed in our generator gives the same fuzz."""
    global_state = random.getstate()
    ours = Scheduler(fuzz_rng=random.Random(seed))
    state = ours.review(None, "c", Grade.GOOD, NOW)
    state = ours.review(state, "c", Grade.GOOD, state.due)
    due = state.due
    state = ours.review(state, "c", Grade.GOOD, state.due)
    assert (state.due - due).days == days
    assert random.getstate() == global_state


def test_our_fuzz_ranges_are_fsrs_ones() -> None:
    import fsrs.scheduler

    assert tuple((r["start"], r["end"], r["factor"]) for r in fsrs.scheduler.FUZZ_RANGES) == FUZZ_RANGES


def test_previews_show_the_fuzzed_interval_without_drawing_or_touching_the_shared_scheduler() -> None:
    rng = random.Random(3)
    fuzzy = Scheduler(fuzz_rng=rng)
    long = CardState("c", Phase.REVIEW, None, 60.0, 5.0, NOW, NOW - timedelta(days=60), 0, 5)
    before = rng.getstate()
    shown = fuzzy.intervals(long, "c", NOW)
    assert rng.getstate() == before and fuzzy._fsrs.enable_fuzzing is False
    unfuzzed = Scheduler().review(long, "c", Grade.GOOD, NOW).due - NOW
    given = fuzzy.review(long, "c", Grade.GOOD, NOW).due - NOW
    # "Good (in 33 days)" on the prompt is what Good then gives, fuzz and all (seed 3 moves it off the unfuzzed day).
    assert shown[Grade.GOOD] == given != unfuzzed


def test_recall_counts_fractional_days() -> None:
    """fsrs rounds elapsed time down to whole days: a card failed this morning would read 100% tonight."""
    s = Scheduler()
    failed = s.review(s.review(None, "c", Grade.EASY, NOW), "c", Grade.AGAIN, NOW + timedelta(days=8))
    assert failed.last_review is not None and failed.stability is not None
    tonight = failed.last_review + timedelta(hours=12)
    assert s.retrievability(failed, tonight) < 0.96
    assert s.retrievability(failed, failed.last_review) == pytest.approx(1.0)
    assert reference().get_card_retrievability(_to_fsrs(failed), tonight) == 1.0  # what fsrs itself says
