"""`optimize`: a simulated learner whose memory follows FSRS with known parameters far from the defaults."""

from __future__ import annotations

import heapq
import random
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from serverless_study import optimize, settings
from serverless_study.cli import app
from serverless_study.model import Grade, Review
from serverless_study.scheduler import Scheduler
from serverless_study.store import DB_NAME, Store

pytest.importorskip("fsrs_rs_python", reason="the optimize extra (it is in the test extra)")
import fsrs_rs_python as rs

DEFAULTS = [float(p) for p in rs.DEFAULT_PARAMETERS]
TRUE = [3 * w for w in DEFAULTS[:4]] + DEFAULTS[4:]  # starting stabilities tripled: this learner forgets slowly
START = datetime(2025, 1, 6, 8, tzinfo=UTC)
FIRST_RATING = [(Grade.AGAIN, 0.2), (Grade.HARD, 0.15), (Grade.GOOD, 0.5), (Grade.EASY, 0.15)]
RECALLED_RATING = [(Grade.HARD, 0.15), (Grade.GOOD, 0.7), (Grade.EASY, 0.15)]


def utc_day(moment: datetime) -> date:
    return moment.date()


def draw(rng: random.Random, weighted: list[tuple[Grade, float]]) -> Grade:
    return rng.choices([g for g, _ in weighted], [w for _, w in weighted])[0]


def recall_probability(memory: rs.MemoryState, days: int) -> float:
    """FSRS-6's forgetting curve with the true parameters, over whole days as fsrs-rs counts them."""
    decay = -TRUE[20]
    factor = 0.9 ** (1 / decay) - 1
    return float((1 + factor * days / memory.stability) ** decay)


def simulate(store: Store, *, seed: int, reviews: int, new_per_day: int = 12) -> int:
    """A learner quizzed by the tool's default scheduler whose recall follows FSRS with TRUE; returns cards seen.

    Each answer is saved with Store.record as the quiz saves it; the learner's memory is updated by fsrs-rs with
    the true parameters, so the history is what FSRS with TRUE predicts, drawn with a fixed seed.
    """
    rng = random.Random(seed)
    app_scheduler = Scheduler()
    truth = rs.FSRS(TRUE)
    queue: list[tuple[datetime, str]] = []
    memory: dict[str, rs.MemoryState | None] = {}
    last: dict[str, datetime] = {}
    written, day, cards = 0, 0, 0
    while written < reviews:
        clock = START + timedelta(days=day)
        day_end = clock + timedelta(hours=14)
        for _ in range(new_per_day):
            card_id = f"sim/c{cards:04d}/typed"
            cards += 1
            memory[card_id] = None
            heapq.heappush(queue, (clock, card_id))
        while queue and queue[0][0] < day_end and written < reviews:
            due, card_id = heapq.heappop(queue)
            clock = max(clock, due) + timedelta(seconds=40)
            state = store.state(card_id)
            before = memory[card_id]
            days = (utc_day(clock) - utc_day(last[card_id])).days if card_id in last else 0
            if before is None:
                grade = draw(rng, FIRST_RATING)
            elif rng.random() < recall_probability(before, days):
                grade = draw(rng, RECALLED_RATING)
            else:
                grade = Grade.AGAIN
            nxt = truth.next_states(before, 0.9, days)
            memory[card_id] = getattr(nxt, grade.name.lower()).memory
            last[card_id] = clock
            after = app_scheduler.review(state, card_id, grade, clock)
            review = Review(card_id, clock, grade, "", grade is not Grade.AGAIN, 4000)
            store.record(review, after, previous=state, topic_id="sim", content_hash="")
            written += 1
            heapq.heappush(queue, (after.due, card_id))
        day += 1
    return cards


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """About 5,000 simulated reviews in a real review database (built once for this module)."""
    data_dir = tmp_path_factory.mktemp("simulated")
    with Store.in_dir(data_dir) as store:
        store._conn.execute("PRAGMA synchronous = OFF")  # durability is not under test: 5,000 fsyncs take a minute
        simulate(store, seed=20251128, reviews=5000)
    return data_dir


def rows_of(data_dir: Path) -> list[tuple[str, datetime, int]]:
    with Store.in_dir(data_dir) as store:
        return list(store.ratings())


@pytest.mark.slow
def test_fitted_parameters_beat_the_defaults_on_held_out_history(history: Path) -> None:
    rows = rows_of(history)
    assert len(rows) == 5000
    # every fifth card is held out: fitted on the others, both parameter sets judged on these
    held_out = {card for card, _, _ in rows if int(card.split("/")[1][1:]) % 5 == 0}
    train = list(optimize.LogItems([r for r in rows if r[0] not in held_out], utc_day))
    test = list(optimize.LogItems([r for r in rows if r[0] in held_out], utc_day))
    fitted = optimize.fit(train).parameters
    default, mine = optimize.evaluate(test), optimize.evaluate(test, fitted)
    default_loss, fitted_loss = default.log_loss, mine.log_loss
    print(
        f"held-out ({len(test)} items, fitted on {len(train)}): log loss defaults {default_loss:.4f}, "
        f"fitted {fitted_loss:.4f}; RMSE(bins) defaults {default.rmse_bins:.4f}, fitted {mine.rmse_bins:.4f}"
    )
    print(f"w0-w3: true {TRUE[:4]}, fitted {[round(w, 3) for w in fitted[:4]]}, defaults {DEFAULTS[:4]}")
    assert len(test) > 300 and len(train) > 1000
    assert fitted_loss < default_loss
    # every starting stability moved from the default towards the tripled truth
    assert all(d < f for d, f in zip(DEFAULTS[:4], fitted[:4], strict=True))


@pytest.mark.slow
def test_optimize_saves_reports_and_resets(runner: CliRunner, history: Path, tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    (data_dir / DB_NAME).write_bytes((history / DB_NAME).read_bytes())
    dry = runner.invoke(app, ["--data-dir", str(data_dir), "optimize", "--dry-run"], catch_exceptions=False)
    assert dry.exit_code == 0, dry.output
    lines = dry.stdout.splitlines()
    assert lines[0].startswith("Fitted to ") and "reviews made on a later day than the one before" in lines[0]
    default_row = next(line for line in lines if line.startswith("FSRS defaults"))
    fitted_row = next(line for line in lines if line.startswith("fitted"))
    default_loss, fitted_loss = float(default_row.split()[2]), float(fitted_row.split()[1])
    assert fitted_loss < default_loss
    assert "Dry run: nothing saved." in dry.stdout
    assert not (data_dir / settings.SETTINGS_FILE).exists()

    saved = runner.invoke(app, ["--data-dir", str(data_dir), "optimize"], catch_exceptions=False)
    assert saved.exit_code == 0, saved.output
    parameters = settings.read(data_dir / settings.SETTINGS_FILE)["fsrs_parameters"]
    assert len(parameters) == 21 and list(parameters) != DEFAULTS
    # the quiz's scheduler is built from the settings: it now predicts with the fitted parameters
    scheduler = Scheduler.configured(settings.resolve(settings.read(data_dir / settings.SETTINGS_FILE)))
    assert tuple(scheduler._fsrs.parameters) == tuple(parameters)
    again = runner.invoke(app, ["--data-dir", str(data_dir), "optimize", "--dry-run"], catch_exceptions=False)
    assert any(line.startswith("yours now") for line in again.stdout.splitlines())

    reset = runner.invoke(app, ["--data-dir", str(data_dir), "optimize", "--reset"], catch_exceptions=False)
    assert reset.exit_code == 0 and "Back to FSRS's default parameters." in reset.stdout
    assert "fsrs_parameters" not in settings.read(data_dir / settings.SETTINGS_FILE)


def test_items_are_review_prefixes_ending_on_a_later_day() -> None:
    t = datetime(2025, 1, 6, 9, tzinfo=UTC)
    rows = [
        ("a", t, 1),
        ("a", t + timedelta(minutes=10), 3),  # same day: part of the history, not an item of its own
        ("a", t + timedelta(days=1), 3),
        ("a", t + timedelta(days=4), 4),
        ("b", t + timedelta(hours=20), 3),  # a card reviewed once gives no item
    ]
    log = optimize.LogItems(rows, utc_day)
    assert list(log) == [((1, 0), (3, 0), (3, 1)), ((1, 0), (3, 0), (3, 1), (4, 3))]
    assert log.cards == 2


def test_the_prefixes_kept_per_card_are_capped() -> None:
    t = datetime(2025, 1, 6, 9, tzinfo=UTC)
    rows = [("a", t + timedelta(days=k), 3) for k in range(200)]
    log = optimize.LogItems(rows, utc_day, cap=5)
    items = list(log)
    assert len(items) == 5 and max(len(i) for i in items) == 6
    assert log.left_out == 200 - 6
    assert len(list(optimize.LogItems(rows, utc_day))) == optimize.MAX_PREFIXES_PER_CARD


def test_too_little_history_says_how_many_more_and_changes_nothing(runner: CliRunner, data_dir: Path) -> None:
    t = datetime(2025, 1, 6, 9, tzinfo=UTC)
    with Store.in_dir(data_dir) as store:
        scheduler = Scheduler()
        for n in range(3):  # three cards, each reviewed on two days: 3 usable reviews
            card = f"sim/c{n}/typed"
            state = None
            for day in range(2):
                after = scheduler.review(state, card, Grade.GOOD, t + timedelta(days=day))
                review = Review(card, t + timedelta(days=day), Grade.GOOD, "", True, 1000)
                store.record(review, after, previous=state, topic_id="sim", content_hash="")
                state = after
    result = runner.invoke(app, ["--data-dir", str(data_dir), "optimize"], catch_exceptions=False)
    assert result.exit_code == 1
    assert result.stderr == (
        "error: not enough history to fit: 3 usable reviews, and fitting needs 8; "
        "5 more reviews of cards seen on an earlier day will do (nothing changed)\n"
    )
    assert not (data_dir / settings.SETTINGS_FILE).exists()


def test_without_the_extra_optimize_prints_the_install_command(
    runner: CliRunner, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "fsrs_rs_python", None)  # makes `import fsrs_rs_python` raise ImportError
    result = runner.invoke(app, ["--data-dir", str(data_dir), "optimize"], catch_exceptions=False)
    assert result.exit_code == 1
    assert result.stderr == (
        "error: optimize needs fsrs-rs-python, an optional extra: pip install 'serverless-study[optimize]'\n"
    )
    assert runner.invoke(app, ["--data-dir", str(data_dir), "config"], catch_exceptions=False).exit_code == 0


def test_reset_needs_no_extra_and_keeps_other_settings(
    runner: CliRunner, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = data_dir / settings.SETTINGS_FILE
    settings.save(path, "new_per_day", 5)
    settings.save(path, "fsrs_parameters", settings.checked("fsrs_parameters", TRUE))
    monkeypatch.setitem(sys.modules, "fsrs_rs_python", None)
    dry = runner.invoke(app, ["--data-dir", str(data_dir), "optimize", "--reset", "--dry-run"])
    assert dry.exit_code == 0 and "fsrs_parameters" in settings.read(path)
    result = runner.invoke(app, ["--data-dir", str(data_dir), "optimize", "--reset"], catch_exceptions=False)
    assert result.exit_code == 0
    assert settings.read(path) == {"new_per_day": 5}


@pytest.mark.slow
def test_only_optimize_imports_the_extra(tmp_path: Path) -> None:
    from .test_startup import imported_modules

    assert "fsrs_rs_python" not in imported_modules(["stats"], tmp_path)
    assert "fsrs_rs_python" not in imported_modules(["optimize", "--help"], tmp_path)
