"""Saved settings: the file round-trips, option > setting > default, and every bad value is one line and exit 2."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from serverless_study import settings as core
from serverless_study.cli import app
from serverless_study.errors import UsageError
from serverless_study.model import CardState, Grade, Phase
from serverless_study.scheduler import Scheduler, is_leech_lapse
from serverless_study.settings import SETTINGS_FILE, Settings, SettingsError, Source

from .conftest import FIXTURES

QUIZ = str(FIXTURES / "quiz")
NOW = datetime(2025, 1, 6, 9, tzinfo=UTC)
FITTED = [round(0.3 + i / 10, 2) for i in range(21)]  # not the defaults, inside fsrs's bounds
FITTED[4:21] = [7.0, 0.5, 1.0, 0.01, 1.5, 0.2, 0.9, 1.6, 0.08, 0.3, 1.5, 0.5, 2.0, 0.5, 0.1, 0.07, 0.2]

EVERY_KEY_CHANGED = {
    "desired_retention": 0.85,
    "new_per_day": 7,
    "reviews_per_day": 50,
    "day_starts": 5,
    "learning_steps": ["30s", "5m", "1h"],
    "relearning_steps": [],
    "maximum_interval": 365,
    "leech_threshold": 5,
    "leech_action": "suspend",
    "exam_pass_mark": 80,
    "fsrs_parameters": FITTED,
}


def run(runner: CliRunner, data_dir: Path, *args: str, input: str = ""):  # type: ignore[no-untyped-def]
    return runner.invoke(
        app, ["--data-dir", str(data_dir), "--content", QUIZ, *args], input=input, catch_exceptions=False
    )


def settings_file(data_dir: Path) -> Path:
    return data_dir / SETTINGS_FILE


def one_line_error(result) -> str:  # type: ignore[no-untyped-def]
    assert result.exit_code == 2, (result.stdout, result.stderr)
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert "Traceback" not in result.output
    return str(lines[0])


def test_every_key_has_a_default_equal_to_the_settings_default() -> None:
    resolved = core.resolve({})
    for key in core.SPECS:
        assert getattr(resolved, key) == getattr(Settings(), key), key
        assert resolved.source(key) is Source.DEFAULT
    assert set(core.SPECS) == set(EVERY_KEY_CHANGED)


def test_every_setting_round_trips_through_the_file(runner: CliRunner, data_dir: Path) -> None:
    path = settings_file(data_dir)
    for key, value in EVERY_KEY_CHANGED.items():
        core.save(path, key, core.checked(key, value))
    saved = core.read(path)
    assert {k: core.to_plain(k, v) for k, v in saved.items()} == EVERY_KEY_CHANGED
    resolved = core.resolve(saved)
    assert resolved.learning_steps == (timedelta(seconds=30), timedelta(minutes=5), timedelta(hours=1))
    assert resolved.relearning_steps == ()
    assert resolved.fsrs_parameters == tuple(FITTED)
    assert all(resolved.source(k) is Source.SETTING for k in core.SPECS)
    # and the listing shows each as saved
    listing = run(runner, data_dir, "config")
    assert listing.exit_code == 0
    rows = {line.split()[0]: line for line in listing.stdout.splitlines()}
    assert set(rows) == set(core.SPECS)
    assert all("  setting  " in row for row in rows.values())
    assert '["30s", "5m", "1h"]' in rows["learning_steps"]


def test_config_saves_shows_and_unsets_through_the_cli(runner: CliRunner, data_dir: Path) -> None:
    assert run(runner, data_dir, "config", "new_per_day").stdout == "20\n"
    saved = run(runner, data_dir, "config", "learning_steps", "1m, 10m 1h")
    assert saved.exit_code == 0 and 'learning_steps = ["1m", "10m", "1h"]' in saved.stdout
    assert run(runner, data_dir, "config", "learning_steps").stdout == '["1m", "10m", "1h"]\n'
    suspend = run(runner, data_dir, "config", "leech_action", "suspend")
    assert suspend.exit_code == 0
    assert "Note:" not in suspend.stdout  # in force: the quiz suspends a card that becomes a leech
    assert "Note:" not in run(runner, data_dir, "config", "new_per_day", "12").stdout
    listing = run(runner, data_dir, "config").stdout
    assert "not used yet" not in next(line for line in listing.splitlines() if line.startswith("leech_action"))
    assert 'leech_action = "suspend"' in settings_file(data_dir).read_text()
    assert run(runner, data_dir, "config", "--unset", "learning_steps").exit_code == 0
    assert run(runner, data_dir, "config", "learning_steps").stdout == '["1m", "10m"]\n'
    assert "learning_steps" not in settings_file(data_dir).read_text()
    assert "leech_action" in settings_file(data_dir).read_text()  # the other key stays
    again = run(runner, data_dir, "config", "--unset", "learning_steps")
    assert again.exit_code == 0 and "was not set" in again.stdout


def stats_new_today(runner: CliRunner, data_dir: Path, *args: str) -> int:
    result = run(runner, data_dir, "stats", "--json", *args)
    assert result.exit_code == 0, result.stderr
    return int(json.loads(result.stdout)["new_today"])


def test_precedence_option_over_setting_over_default(runner: CliRunner, data_dir: Path) -> None:
    first = run(runner, data_dir, "stats", "--json")
    default = min(20, json.loads(first.stdout)["new_available"])
    assert default > 2
    assert stats_new_today(runner, data_dir) == default
    assert run(runner, data_dir, "config", "new_per_day", "1").exit_code == 0
    assert stats_new_today(runner, data_dir) == 1  # setting over default
    assert stats_new_today(runner, data_dir, "--new", "2") == 2  # option over setting
    assert run(runner, data_dir, "config", "--unset", "new_per_day").exit_code == 0
    assert stats_new_today(runner, data_dir) == default


def test_resolve_precedence_and_sources() -> None:
    saved = {"new_per_day": 5, "desired_retention": 0.8}
    s = core.resolve(saved, {"new_per_day": 9, "reviews_per_day": None, "desired_retention": None})
    assert (s.new_per_day, s.source("new_per_day")) == (9, Source.OPTION)
    assert (s.desired_retention, s.source("desired_retention")) == (0.8, Source.SETTING)
    assert (s.reviews_per_day, s.source("reviews_per_day")) == (200, Source.DEFAULT)


def test_quiz_uses_saved_new_per_day_and_option_wins(runner: CliRunner, data_dir: Path) -> None:
    assert run(runner, data_dir, "config", "new_per_day", "1").exit_code == 0
    one = run(runner, data_dir, "quiz", "--seed", "1", "--plain")
    assert "Question 1 (" in one.stdout and "; 1 of 1 new · " in one.stdout
    two = run(runner, data_dir, "quiz", "--seed", "1", "--plain", "--new", "2")
    assert "Question 1 (" in two.stdout and "; 2 of 2 new · " in two.stdout


BAD_FILE_VALUES = [
    ("desired_retention = 1.5", "desired_retention: must be between 0.7 and 0.99, not 1.5"),
    ('desired_retention = "high"', 'desired_retention: must be a number, not "high"'),
    ("new_per_day = -1", "new_per_day: must be at least 0, not -1"),
    ("new_per_day = 2.5", "new_per_day: must be a whole number, not 2.5"),
    ("reviews_per_day = true", "reviews_per_day: must be a whole number, not true"),
    ("day_starts = 24", "day_starts: must be between 0 and 23, not 24"),
    ('learning_steps = "1m"', 'learning_steps: must be a list of durations such as ["1m", "10m"], not "1m"'),
    ('learning_steps = ["1m", "10 minutes"]', 'learning_steps: "10 minutes" is not a duration such as "1m"'),
    ('relearning_steps = ["0m"]', 'relearning_steps: "0m" is not a positive duration'),
    ("maximum_interval = 0", "maximum_interval: must be between 1 and 36500, not 0"),
    ("leech_threshold = 0", "leech_threshold: must be at least 1, not 0"),
    ('leech_action = "delete"', "leech_action: must be 'list' or 'suspend', not \"delete\""),
    ("exam_pass_mark = 101", "exam_pass_mark: must be between 0 and 100, not 101"),
    ("fsrs_parameters = [1.0, 2.0]", "fsrs_parameters: must be a list of 21 numbers"),
    ("retention = 0.9", "retention: unknown setting (known: desired_retention, "),
]


@pytest.mark.parametrize(("line", "message"), BAD_FILE_VALUES)
def test_each_bad_value_in_the_file_is_one_line_naming_file_line_and_key(
    runner: CliRunner, data_dir: Path, line: str, message: str
) -> None:
    path = settings_file(data_dir)
    path.parent.mkdir(parents=True)
    text = f"# mine\n\n{line}\n"
    path.write_text(text)
    for args in (["config"], ["quiz", "--plain"], ["stats"], ["config", "new_per_day", "4"]):
        error = one_line_error(run(runner, data_dir, *args))
        assert error.startswith(f"error: {path}:3: {message}"), error
    assert path.read_text() == text  # never rewritten while it is bad


BAD_COMMAND_LINE_VALUES = [
    ("desired_retention", "0.5", "desired_retention: must be between 0.7 and 0.99, not 0.5"),
    ("new_per_day", "many", 'new_per_day: must be a whole number, not "many"'),
    ("day_starts", "25", "day_starts: must be between 0 and 23, not 25"),
    ("learning_steps", "1m 2x", 'learning_steps: "2x" is not a duration such as "1m"'),
    ("leech_action", "ignore", "leech_action: must be 'list' or 'suspend', not \"ignore\""),
    ("fsrs_parameters", "1,2,3", "fsrs_parameters: must be a list of 21 numbers"),
    ("colour", "red", "colour: unknown setting"),
]


@pytest.mark.parametrize(("key", "value", "message"), BAD_COMMAND_LINE_VALUES)
def test_each_bad_value_given_to_config_is_refused(
    runner: CliRunner, data_dir: Path, key: str, value: str, message: str
) -> None:
    assert run(runner, data_dir, "config", "new_per_day", "3").exit_code == 0
    before = settings_file(data_dir).read_text()
    error = one_line_error(run(runner, data_dir, "config", key, value))
    assert error.startswith(f"error: {message}"), error
    assert settings_file(data_dir).read_text() == before


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["quiz", "--retention", "0.5"], "error: --retention: must be between 0.7 and 0.99, not 0.5"),
        (["config", "--unset"], "error: usage: config --unset KEY"),
        (["config", "--unset", "nope"], "error: nope: unknown setting"),
        (["config", "nope"], "error: nope: unknown setting"),
    ],
)
def test_bad_options_name_the_option(runner: CliRunner, data_dir: Path, args: list[str], message: str) -> None:
    assert one_line_error(run(runner, data_dir, *args)).startswith(message)


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("new_per_day = 3\nnew_per_day = = 4\n", 2),
        ("new_per_day = 3\n\n[learning\n", 3),
        ('new_per_day = 3\nlearning_steps = ["1m",\n\n', 2),  # at end of document: its last line with text
        ("new_per_day = 3\nnew_per_day = 4\n", 2),  # a key given twice
    ],
)
def test_a_hand_broken_file_names_file_and_line_and_is_not_rewritten(
    runner: CliRunner, data_dir: Path, text: str, line: int
) -> None:
    path = settings_file(data_dir)
    path.parent.mkdir(parents=True)
    path.write_text(text)
    for args in (["config"], ["config", "reviews_per_day", "100"], ["config", "--unset", "new_per_day"], ["stats"]):
        error = one_line_error(run(runner, data_dir, *args))
        assert error.startswith(f"error: {path}:{line}: "), error
    assert path.read_text() == text


def test_a_file_that_is_not_utf8_is_one_line(runner: CliRunner, data_dir: Path) -> None:
    path = settings_file(data_dir)
    path.parent.mkdir(parents=True)
    path.write_bytes(b"new_per_day = 3\n\xff\xfe\n")
    assert f"error: {path}: cannot read" in one_line_error(run(runner, data_dir, "config"))


def test_the_file_written_is_toml_that_tomllib_reads_back(data_dir: Path) -> None:
    import tomllib

    path = settings_file(data_dir)
    core.save(path, "leech_action", core.checked("leech_action", "list"))
    core.save(path, "fsrs_parameters", core.checked("fsrs_parameters", FITTED))
    assert tomllib.loads(path.read_text()) == {"leech_action": "list", "fsrs_parameters": FITTED}
    assert not list(data_dir.glob(".*.tmp"))  # the temporary file was renamed into place


def test_settings_reach_the_scheduler() -> None:
    s = core.resolve(
        {
            "learning_steps": core.checked("learning_steps", ["2m", "20m"]),
            "maximum_interval": 3,
            "fsrs_parameters": tuple(FITTED),
            "leech_threshold": 3,
        }
    )
    scheduler = Scheduler.configured(s)
    assert scheduler.intervals(None, "c", NOW)[Grade.AGAIN] == timedelta(minutes=2)
    long = CardState("c", Phase.REVIEW, None, 400.0, 5.0, NOW, NOW - timedelta(days=300), 0, 9)
    assert scheduler.review(long, "c", Grade.EASY, NOW).due - NOW == timedelta(days=3)  # maximum_interval
    default = Scheduler()
    assert scheduler.retrievability(long, NOW) != default.retrievability(long, NOW)  # its own parameters
    assert scheduler.leech_threshold == 3


def test_parameters_fsrs_refuses_are_one_line(runner: CliRunner, data_dir: Path) -> None:
    bad = [100.0] * 21
    with pytest.raises(UsageError) as caught:
        Scheduler(parameters=bad)
    assert str(caught.value).startswith(
        "fsrs_parameters: parameters[4] = 100.0 is out of bounds: (1.0, 10.0) (and 16 more); "
    )
    assert "\n" not in str(caught.value)
    refused = one_line_error(run(runner, data_dir, "config", "fsrs_parameters", ",".join(map(str, bad))))
    assert "fsrs_parameters: parameters[4]" in refused
    assert not settings_file(data_dir).exists()
    core.save(settings_file(data_dir), "fsrs_parameters", core.checked("fsrs_parameters", bad))  # as if hand-edited
    assert "fsrs_parameters: parameters[4]" in one_line_error(run(runner, data_dir, "quiz", "--plain"))


@pytest.mark.parametrize(("threshold", "lapses", "flagged"), [(3, 3, True), (3, 4, True), (4, 5, False), (4, 6, True)])
def test_the_leech_threshold_is_a_parameter(threshold: int, lapses: int, flagged: bool) -> None:
    before = CardState("c", Phase.REVIEW, None, 1.0, 5.0, NOW, NOW, lapses - 1, 9)
    after = CardState("c", Phase.RELEARNING, 0, 1.0, 5.0, NOW, NOW, lapses, 10)
    assert is_leech_lapse(before, after, threshold) is flagged
    assert not is_leech_lapse(before, after, threshold + 5)


def test_durations() -> None:
    assert core.parse_duration("90s") == timedelta(seconds=90)
    assert core.parse_duration("1.5h") == timedelta(minutes=90)
    assert core.duration_text(timedelta(minutes=90)) == "90m"
    assert core.duration_text(timedelta(days=2)) == "2d"
    with pytest.raises(ValueError, match="not a duration"):
        core.parse_duration("10")
    with pytest.raises(SettingsError, match="learning_steps"):
        core.from_text("learning_steps", "1m -5m")


@pytest.mark.slow
def test_help_never_reads_settings(tmp_path: Path) -> None:
    from .test_startup import imported_modules

    (tmp_path / SETTINGS_FILE).write_text("new_per_day = = broken\n")  # --help would fail if it read it
    names = imported_modules(["--help"], tmp_path)
    assert "tomllib" not in names and "serverless_study.settings" not in names
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    (fresh / SETTINGS_FILE).write_text("new_per_day = 3\n")
    assert "tomllib" in imported_modules(["config"], fresh)  # the measurement would see it


def test_day_starts_comes_from_the_option_then_the_setting(data_dir: Path) -> None:
    from serverless_study.cli.context import Env
    from serverless_study.days import DAY_STARTS

    utc_env = {"TZ": "UTC"}
    assert Env(data_dir=data_dir, environ=utc_env).calendar().day_starts == DAY_STARTS
    core.save(settings_file(data_dir), "day_starts", 0)
    calendar = Env(data_dir=data_dir, environ=utc_env).calendar()
    assert calendar.day_starts == 0
    assert calendar.day_of(datetime(2025, 1, 6, 1, tzinfo=UTC)).date.isoformat() == "2025-01-06"  # 1 am: today
    assert Env(data_dir=data_dir, environ=utc_env, day_starts=7).calendar().day_starts == 7


def test_a_saved_day_starts_is_shown_as_in_force(runner: CliRunner, data_dir: Path) -> None:
    assert run(runner, data_dir, "config", "day_starts", "6").stdout.count("Note:") == 0
    assert run(runner, data_dir, "config", "day_starts").stdout == "6\n"
    assert "not used yet" not in run(runner, data_dir, "config").stdout.split("day_starts", 1)[1].splitlines()[0]


def test_the_quiz_schedules_with_the_saved_steps_and_parameters(runner: CliRunner, data_dir: Path) -> None:
    import fsrs

    def good_interval() -> str:
        args = ("quiz", "--plain", "--seed", "1", "--topic", "tracing", "--new", "1")
        result = run(runner, data_dir, *args, input="AWS X-Ray\n\n")
        line = next(x for x in result.stdout.splitlines() if x.startswith("How hard was it"))
        return line.split("3 Good (")[1].split(")")[0]

    assert good_interval() == "again this session"  # the default learning steps, 1m and 10m: within the learn-ahead
    (data_dir / "reviews.sqlite3").unlink()
    assert run(runner, data_dir, "config", "learning_steps", '["1m", "1h"]').exit_code == 0
    assert good_interval() == "in 1 h"
    (data_dir / "reviews.sqlite3").unlink()
    assert run(runner, data_dir, "config", "learning_steps", "[]").exit_code == 0
    assert good_interval() == "in 2 days"  # no steps: straight to review, after w2 = 2.3 days
    (data_dir / "reviews.sqlite3").unlink()
    mine = list(fsrs.Scheduler().parameters)
    mine[2] = 20.0  # the starting stability after Good
    assert run(runner, data_dir, "config", "fsrs_parameters", ",".join(map(str, mine))).exit_code == 0
    # 20 days, moved by fsrs's interval fuzz (drawn from --seed; the preview shows what Good then gives): ±4 days.
    shown = good_interval()
    assert shown.startswith("in ") and shown.endswith(" days") and abs(int(shown.split()[1]) - 20) <= 4, shown
