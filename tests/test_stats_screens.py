"""The stats screens: heatmap, forecast, true retention and calibration from small hand-made histories, and the
terminal (80 columns), plain and JSON goldens of a simulated learner's months with a fixed clock."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from typer.testing import CliRunner

from serverless_study.cards import generate_cards
from serverless_study.cli import app
from serverless_study.days import Calendar
from serverless_study.loader import load_topics
from serverless_study.model import CardKind, CardState, Grade, Phase, Review
from serverless_study.paths import shipped_content_dir
from serverless_study.render import _shade_legend, _shade_level, stats_view
from serverless_study.scheduler import Scheduler
from serverless_study.stats import Catalogue, Recall, calibration, compute, heatmap, true_retention
from serverless_study.store import DB_NAME, Store
from serverless_study.textview import KIND_NAMES, exams_text, stats_text

from . import stats_history
from .golden import assert_golden, render

QUIZ = stats_history.QUIZ
TOPICS = load_topics([QUIZ]).topics
TOPIC_MAP = {t.id: t for t in TOPICS}
CARDS = generate_cards(TOPICS)
CATALOGUE = Catalogue.of(CARDS, TOPIC_MAP)
NEW_YORK = Calendar(ZoneInfo("America/New_York"), day_starts=4)
WEDNESDAY = datetime(2025, 11, 5, 17, 0, tzinfo=UTC)  # noon in New York, three days after summer time ended


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store.open(tmp_path / DB_NAME) as s:
        yield s


def answer(
    store: Store,
    card_id: str,
    when: datetime,
    grade: Grade = Grade.GOOD,
    *,
    phase: Phase | None = Phase.REVIEW,
    predicted: float | None = None,
) -> None:
    """Save one answer to a card that was in `phase` (None: its first answer), as the session would."""
    before = None if phase is None else CardState(card_id, phase, None, 5.0, 5.0, when, when - timedelta(days=5))
    after = CardState(card_id, Phase.REVIEW, None, 6.0, 5.0, when + timedelta(days=6), when)
    review = Review(card_id, when, grade, "", grade is not Grade.AGAIN, 0, predicted)
    store.record(review, after, previous=before, topic_id=card_id.split("/")[0])


def cram(store: Store, card_id: str, when: datetime, grade: Grade, predicted: float) -> None:
    """A cram answer (`quiz --cram`) to a card in the review phase, saved with a prediction as a scheduled one is."""
    state = CardState(card_id, Phase.REVIEW, None, 5.0, 5.0, when, when - timedelta(days=5))
    store.record(
        Review(card_id, when - timedelta(days=60), Grade.GOOD, "", True, 0), state, previous=None, topic_id="t"
    )
    _rid, before = store.record_cram(Review(card_id, when, grade, "", grade is not Grade.AGAIN, 0, predicted))
    assert before is not None and before.phase is Phase.REVIEW  # so only its mode keeps it out


# --- figures -------------------------------------------------------------------------------------------------------


def test_heatmap_counts_answers_per_learner_day_over_26_weeks_from_a_monday(store: Store) -> None:
    local = ZoneInfo("America/New_York")
    today = NEW_YORK.day_of(WEDNESDAY)
    tuesday_night = datetime(2025, 11, 4, 23, 0, tzinfo=local)
    answer(store, "tracing/x-ray/choice", tuesday_night)
    answer(store, "tracing/segment/choice", tuesday_night + timedelta(hours=4, minutes=30))  # 03:30: still Tuesday
    answer(store, "tracing/subsegment/choice", datetime(2025, 11, 5, 4, 0, tzinfo=local))  # the rollover: Wednesday
    answer(store, "tracing/x-ray/recall", datetime(2025, 11, 2, 3, 30, tzinfo=local))  # after the clocks fell back
    first_monday = datetime(2025, 5, 12, 4, 0, tzinfo=local)
    answer(store, "functions/timeout/typed", first_monday)
    answer(store, "functions/handler/choice", first_monday - timedelta(minutes=1))  # the Sunday before: left out
    days = dict(heatmap(store, NEW_YORK, today))
    assert min(days) == "2025-05-12" and max(days) == "2025-11-05"  # a Monday 25 weeks back, to today
    assert len(days) == 25 * 7 + 3
    assert {d: n for d, n in days.items() if n} == {
        "2025-05-12": 1,
        "2025-11-01": 1,  # Saturday's day ran until 4 am Sunday, whichever offset the clock had
        "2025-11-04": 2,
        "2025-11-05": 1,
    }
    s = compute(store, CATALOGUE, Scheduler(), now=WEDNESDAY, calendar=NEW_YORK, new_per_day=20)
    assert s.to_dict()["heatmap"] == days and s.reviews_30d == 4


def test_heatmap_days_start_on_the_rollover_in_a_zone_a_quarter_hour_off_utc(store: Store) -> None:
    """Kathmandu is UTC+5:45: its 4 am is 22:15 UTC, so the answer tally's quarter hours still split days exactly."""
    zone = ZoneInfo("Asia/Kathmandu")
    calendar = Calendar(zone, day_starts=4)
    answer(store, "tracing/x-ray/choice", datetime(2025, 11, 5, 3, 59, 59, tzinfo=zone))  # still the 4th
    answer(store, "tracing/segment/choice", datetime(2025, 11, 5, 4, 0, tzinfo=zone))  # the 5th
    answer(store, "tracing/subsegment/choice", datetime(2025, 11, 5, 4, 14, tzinfo=zone))
    days = dict(heatmap(store, calendar, calendar.day_of(datetime(2025, 11, 5, 12, 0, tzinfo=zone))))
    assert (days["2025-11-04"], days["2025-11-05"]) == (1, 2)


def test_true_retention_counts_scheduled_review_answers_of_the_last_30_study_days(store: Store) -> None:
    today = NEW_YORK.day_of(WEDNESDAY)
    window = NEW_YORK.named(today.date - timedelta(days=29)).start
    answer(store, "tracing/x-ray/choice", WEDNESDAY)  # recalled
    answer(store, "tracing/daemon-port/typed", WEDNESDAY, Grade.AGAIN)  # forgotten
    answer(store, "tracing/segment/choice", window, Grade.HARD)  # Hard is recalled; first moment of the window
    answer(store, "functions/timeout/typed", window - timedelta(seconds=1), Grade.AGAIN)  # a day too old
    answer(store, "functions/timeout/typed", WEDNESDAY, Grade.AGAIN, phase=Phase.LEARNING)  # a learning step
    answer(store, "functions/handler/choice", WEDNESDAY, Grade.AGAIN, phase=Phase.RELEARNING)
    answer(store, "functions/handler/recall", WEDNESDAY, Grade.AGAIN, phase=None)  # a first answer
    answer(store, "gone/old/typed", WEDNESDAY)  # content removed since: counted overall only
    cram(store, "tracing/subsegment/choice", WEDNESDAY, Grade.AGAIN, 0.9)  # cram answers are practice
    tr = true_retention(store, CATALOGUE, since=window, desired=0.85)
    assert tr.overall == Recall(4, 3)
    assert tr.by_topic == {"tracing": Recall(3, 2)}
    assert tr.by_kind == {"typed": Recall(1, 0), "choice": Recall(2, 2)}
    s = compute(store, CATALOGUE, Scheduler(0.85), now=WEDNESDAY, calendar=NEW_YORK, new_per_day=20)
    assert s.true_retention == tr and s.retention_30d == 0.75
    assert s.to_dict()["true_retention"] == {
        "overall": {"retention": 0.75, "recalled": 3, "n": 4},
        "by_topic": {"tracing": {"retention": 0.6667, "recalled": 2, "n": 3}},
        "by_kind": {
            "typed": {"retention": 0.0, "recalled": 0, "n": 1},
            "choice": {"retention": 1.0, "recalled": 2, "n": 2},
        },
        "desired": 0.85,
        "days": 30,
    }


def test_calibration_buckets_predicted_recall_against_answers_recalled(store: Store) -> None:
    for predicted, grade in ((0.95, Grade.GOOD), (0.91, Grade.AGAIN), (1.0, Grade.EASY), (0.55, Grade.AGAIN)):
        answer(store, f"tracing/x-ray/choice{predicted}", WEDNESDAY, grade, predicted=predicted)
    answer(store, "tracing/segment/choice", WEDNESDAY, Grade.GOOD, predicted=0.625)
    answer(store, "tracing/segment/recall", WEDNESDAY, Grade.AGAIN, phase=Phase.LEARNING, predicted=0.8)
    answer(store, "tracing/subsegment/choice", WEDNESDAY, Grade.AGAIN)  # saved before predictions were kept
    cram(store, "tracing/daemon-port/typed", WEDNESDAY, Grade.AGAIN, 0.85)
    buckets = calibration(store)
    assert [(b.low, b.high, b.n) for b in buckets] == [(50, 60, 1), (60, 70, 1), (90, 100, 3)]
    assert [b.actual for b in buckets] == [0.0, 1.0, pytest.approx(2 / 3)]
    assert [b.predicted for b in buckets] == pytest.approx([0.55, 0.625, (0.95 + 0.91 + 1.0) / 3])
    s = compute(store, CATALOGUE, Scheduler(), now=WEDNESDAY, calendar=NEW_YORK, new_per_day=20)
    assert s.to_dict()["calibration"] == {
        "0.5-0.6": {"predicted": 0.55, "actual": 0.0, "n": 1},
        "0.6-0.7": {"predicted": 0.625, "actual": 1.0, "n": 1},
        "0.9-1.0": {"predicted": 0.9533, "actual": 0.6667, "n": 3},
    }
    store.undo()  # the cram answer: the tally never had it
    store.undo()  # that card's first answer
    store.undo()  # the answer with no prediction
    store.undo()  # the learning step
    store.undo()  # the 62.5% answer leaves the tally with its review
    assert [(b.low, b.n) for b in calibration(store)] == [(50, 1), (90, 3)]
    assert store.reviews_total() == 4  # the answer tally follows undo too


def test_shades_stand_for_quarters_of_the_busiest_day_and_the_legend_says_which() -> None:
    assert [_shade_level(n, 12) for n in (0, 1, 3, 4, 6, 7, 9, 10, 12)] == [0, 1, 1, 2, 2, 3, 3, 4, 4]
    assert _shade_legend(12).plain == "· 0  ░ 1-3  ▒ 4-6  ▓ 7-9  █ 10-12"
    assert _shade_legend(2).plain == "· 0  ▒ 1  █ 2"  # levels no whole count reaches are not offered
    assert _shade_legend(0).plain == "· 0"


def test_every_card_kind_has_a_name_on_the_stats_screen() -> None:
    assert set(KIND_NAMES) == {k.value for k in CardKind}


# --- the screens ---------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data directory holding the simulated learner's months (built once: a few hundred saved answers)."""
    data = tmp_path_factory.mktemp("history")
    with Store.open(data / DB_NAME) as store:
        stats_history.simulate(store)
    return data


def figures(data: Path, *, shipped: bool = False):  # type: ignore[no-untyped-def]
    """The figures of the history at its fixed clock: the fixture pack's cards (and the shipped ones, as the CLI)."""
    topics = load_topics([shipped_content_dir(), QUIZ]).topics if shipped else TOPICS
    with Store.open(data / DB_NAME) as store:
        return compute(
            store,
            Catalogue.of(generate_cards(topics), {t.id: t for t in topics}),
            Scheduler(),
            now=stats_history.NOW,
            calendar=stats_history.CALENDAR,
            new_per_day=3,
        )


def test_stats_terminal_at_80_columns_matches_its_golden(history: Path) -> None:
    screen = render(stats_view(figures(history)), width=80)
    assert_golden("stats-history-terminal-80.txt", screen)
    assert max(len(line) for line in screen.splitlines()) <= 80
    for part in ("Jul", "Aug", "Sep", "Oct", "Nov", "Dec", "Mon ", "Sun ", "answers a day", "Most confused"):
        assert part in screen


def test_stats_plain_matches_its_golden(history: Path) -> None:
    assert_golden("stats-history-plain.txt", stats_text(figures(history)))


def test_stats_json_matches_its_golden_and_keeps_its_shapes(history: Path) -> None:
    out = json.dumps(figures(history).to_dict(), indent=2) + "\n"
    assert_golden("stats-history.json", out)
    data = json.loads(out)
    assert [set(d) for d in data["forecast"]] == [{"date", "due"}] * 30
    assert len(data["heatmap"]) == 25 * 7 + 3 and sum(data["heatmap"].values()) <= data["reviews_total"]
    assert set(data["true_retention"]) == {"overall", "by_topic", "by_kind", "desired", "days"}
    assert all(set(b) == {"predicted", "actual", "n"} for b in data["calibration"].values())
    assert data["confusions"] and set(data["confusions"][0]) == {"expected", "confused_with", "times"}


def cli(runner: CliRunner, data: Path, *args: str) -> str:
    with time_machine.travel(stats_history.NOW, tick=False):
        result = runner.invoke(
            app,
            ["--data-dir", str(data), "--content", str(QUIZ), "stats", "--new", "3", *args],
            env={"TZ": stats_history.ZONE},
            catch_exceptions=False,
        )
    assert result.exit_code == 0, result.output
    return result.stdout


def test_stats_command_prints_these_figures_as_json_or_plain_text(runner: CliRunner, history: Path) -> None:
    """The command's clock, zone and rollover reach the figures: its output is the goldens' views of them."""
    s = figures(history, shipped=True)
    assert json.loads(cli(runner, history, "--json")) == s.to_dict() | {"exams": []}
    assert cli(runner, history) == stats_text(s) + exams_text([])


def test_long_topic_titles_wrap_beside_their_numbers_within_80_columns() -> None:
    from serverless_study.stats import Stats, TopicStats

    title = "Orchestrating containers outside AWS - EKS Anywhere and ECS Anywhere"
    s = Stats([TopicStats("far", title, 52, 50, 1, 1, 3, 0.5)], 3, 50, 20, 2, 0, 2, None, 0)
    lines = render(stats_view(s), width=80).splitlines()
    assert max(len(line) for line in lines) <= 80
    first = next(i for i, line in enumerate(lines) if line.startswith(" Orchestrating"))
    assert lines[first].split()[-7:] == ["52", "50", "1", "1", "3", "50%", "-"]
    words = lines[first].split()[:-7]
    for line in lines[first + 1 :]:
        if not line.strip():
            break
        words += line.split()  # the title's next lines carry no numbers
    assert " ".join(words) == title
