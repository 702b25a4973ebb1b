"""The shell: global options, topics, learn and check through the real Typer app."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from serverless_study.cli import app
from serverless_study.loader import load_topics
from serverless_study.paths import shipped_content_dir

from .cache_entries import entry_files
from .conftest import FIXTURES

PACK = str(FIXTURES / "pack")


def invoke(runner: CliRunner, *args: str, **kwargs):  # type: ignore[no-untyped-def]
    return runner.invoke(app, list(args), catch_exceptions=False, **kwargs)


def all_command_paths() -> list[list[str]]:
    """Every command and sub-command of the app, as argument lists."""
    import typer.main

    root = typer.main.get_command(app)
    paths: list[list[str]] = []

    def walk(cmd, prefix):  # type: ignore[no-untyped-def]
        commands = getattr(cmd, "commands", None)
        if commands:
            for name, sub in commands.items():
                walk(sub, [*prefix, name])
        else:
            paths.append(prefix)

    walk(root, [])
    return paths


def test_every_command_has_help_with_an_example(runner: CliRunner) -> None:
    paths = all_command_paths()
    assert ["learn"] in paths and ["topics"] in paths and ["check"] in paths
    for path in paths:
        result = invoke(runner, *path, "--help")
        assert result.exit_code == 0, path
        assert "Usage:" in result.output
        assert "Example" in result.output, f"{' '.join(path)} --help has no example"


@pytest.mark.slow
@pytest.mark.parametrize("columns", [60, 100, 140])
def test_help_uses_the_terminal_width_and_never_splits_an_example(columns: int) -> None:
    # A real process: CliRunner pins click's help width to 80 columns.
    import os
    import subprocess
    import sys

    env = {**os.environ, "COLUMNS": str(columns)}
    command = [sys.executable, "-m", "serverless_study", "quiz", "--help"]
    lines = subprocess.run(command, env=env, capture_output=True, text=True, check=True).stdout.splitlines()
    assert max(len(line) for line in lines) <= columns
    if columns > 100:  # a wide terminal gets wide help, not click's 80-column default
        assert any(len(line) > 80 for line in lines)
    for example in ("serverless-study quiz --topic x-ray --limit 10", "serverless-study quiz --plain < answers.txt"):
        assert f"    {example}" in lines  # whole, on its own line
    words = " ".join(" ".join(lines).split())
    assert "learning cards when due, reviews due before your day ends, then new cards" in words


def test_version(runner: CliRunner) -> None:
    result = invoke(runner, "--version")
    assert result.exit_code == 0 and result.output.startswith("serverless-study 0.")


def test_topics_lists_content_in_order(runner: CliRunner, tmp_path: Path) -> None:
    result = invoke(runner, "--content", PACK, "topics")
    assert result.exit_code == 0
    shipped = [t.id for t in load_topics([shipped_content_dir()]).topics]
    listed = [line.split()[0] for line in result.output.splitlines()[1:] if line.strip()]
    assert listed == [*shipped, "alpha", "beta"]
    assert "Alpha Topic" in result.output
    assert "\x1b[" not in result.output and "━" not in result.output


def test_learn_one_topic_by_title_fragment(runner: CliRunner) -> None:
    result = invoke(runner, "--content", PACK, "learn", "alpha top")
    assert result.exit_code == 0
    assert result.output.startswith("Alpha Topic (alpha)\n")
    # content is data, never markup
    assert "A small [bold]device[/] that does one job." in result.output
    assert "\x1b[" not in result.output


def test_learn_unknown_topic_exits_2_with_ids(runner: CliRunner) -> None:
    result = invoke(runner, "--content", PACK, "learn", "no-such-thing")
    assert result.exit_code == 2
    assert "no topic matches 'no-such-thing'" in result.stderr
    assert "alpha" in result.stderr and "x-ray" in result.stderr
    assert "Traceback" not in result.output + result.stderr


def test_learn_ambiguous_fragment_lists_matches(runner: CliRunner) -> None:
    result = invoke(runner, "--content", PACK, "learn", "topic")
    assert result.exit_code == 2
    assert result.stderr.strip().endswith("topics: alpha, beta")


def test_learn_without_topic_when_piped_is_a_usage_error(runner: CliRunner) -> None:
    result = invoke(runner, "learn")
    assert result.exit_code == 2 and "give a TOPIC or --all" in result.stderr


def test_learn_all_prints_every_topic(runner: CliRunner) -> None:
    result = invoke(runner, "--content", PACK, "learn", "--all")
    assert result.exit_code == 0
    for topic in load_topics([shipped_content_dir(), FIXTURES / "pack"]).topics:
        assert f"{topic.title} ({topic.id})" in result.output


def test_evil_pack_prints_literally(runner: CliRunner) -> None:
    result = invoke(runner, "--content", str(FIXTURES / "evil"), "learn", "evil")
    assert result.exit_code == 0
    assert "<script>alert(1)</script>" in result.output
    assert "[bold]bold[/] [/]" in result.output
    assert "<img src=x onerror=alert(2)>" in result.output


def test_broken_pack_is_reported_and_the_rest_still_loads(runner: CliRunner) -> None:
    result = invoke(runner, "--content", str(FIXTURES / "broken"), "--content", PACK, "learn", "alpha")
    assert result.exit_code == 0
    assert "Alpha Topic (alpha)" in result.output
    assert "broken/broken.yaml:3: colour: unknown key" in result.stderr
    assert "broken/empty.yaml: file is empty" in result.stderr


def test_check_shipped_content_is_clean(runner: CliRunner) -> None:
    result = invoke(runner, "check")
    assert result.exit_code == 0, result.output
    assert "0 problems" in result.output


def test_check_broken_fixture_lists_each_problem(runner: CliRunner) -> None:
    result = invoke(runner, "check", str(FIXTURES / "broken"))
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert f"{FIXTURES}/broken/shapes.yaml:21: facts[0].cloze: must contain exactly one non-empty {{{{gap}}}}" in lines
    assert all(line.startswith(str(FIXTURES / "broken")) for line in lines)
    assert "19 problems" in result.stderr
    assert "Traceback" not in result.output


@pytest.mark.parametrize("enabled", [True, False])
def test_check_leaves_the_cycle_collector_as_it_found_it(runner: CliRunner, enabled: bool) -> None:
    # check pauses it while it reads and lints a pack, also when the pack has problems (exit 1)
    (gc.enable if enabled else gc.disable)()
    try:
        assert invoke(runner, "check", str(FIXTURES / "broken")).exit_code == 1
        assert gc.isenabled() is enabled
    finally:
        gc.enable()


def test_check_missing_folder(runner: CliRunner, tmp_path: Path) -> None:
    result = invoke(runner, "check", str(tmp_path / "nope"))
    assert result.exit_code == 1
    assert f"{tmp_path / 'nope'}: no such file or folder" in result.stdout


def test_check_never_uses_the_cache(runner: CliRunner, tmp_path: Path, data_dir: Path) -> None:
    pack = tmp_path / "pack"
    pack.mkdir()
    good = "id: c\ntitle: C\nfacts: [{id: f, prompt: p, answer: a}]\n"
    (pack / "c.yaml").write_text(good)
    assert invoke(runner, "--content", str(pack), "topics").exit_code == 0  # fills the cache
    assert len(entry_files(data_dir / "cache")) == len(list(shipped_content_dir().glob("*.yaml"))) + 1
    bad = good.replace("answer: a", "answer: ''")
    (pack / "c.yaml").write_text(bad)  # same size is not guaranteed; check must not care either way
    result = invoke(runner, "check", str(pack))
    assert result.exit_code == 1 and "facts[0].answer: must not be empty" in result.stdout


@pytest.mark.parametrize("how", ["option", "env"])
def test_data_dir_precedence(runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, how: str) -> None:
    chosen = tmp_path / "chosen"
    args = ["topics"]
    if how == "option":
        monkeypatch.setenv("SERVERLESS_STUDY_HOME", str(tmp_path / "ignored"))
        args = ["--data-dir", str(chosen), *args]
    else:
        monkeypatch.setenv("SERVERLESS_STUDY_HOME", str(chosen))
    assert invoke(runner, *args).exit_code == 0
    assert entry_files(chosen / "cache")
    assert not (tmp_path / "ignored").exists()


def test_default_data_dir_is_per_user(monkeypatch: pytest.MonkeyPatch, _isolated_home: Path) -> None:
    from serverless_study.paths import data_dir

    monkeypatch.delenv("SERVERLESS_STUDY_HOME")
    import os

    assert data_dir(None, os.environ) == _isolated_home / ".local" / "share" / "serverless-study"


@pytest.mark.parametrize(
    "raised, code, said",
    [
        ("usage", 2, "error: --limit must not be negative"),
        ("store", 1, "error: reviews.sqlite3 is busy"),
        ("interrupt", 130, "interrupted"),
    ],
)
def test_each_kind_of_failure_exits_with_its_code_and_one_line(
    tmp_path: Path, raised: str, code: int, said: str
) -> None:
    """The shell sees 2 for a usage error, 1 for any other failure, 130 for Ctrl-C, and one line on stderr."""
    import io

    from serverless_study.cli.context import Env, errors_handled
    from serverless_study.errors import StoreError, UsageError

    error: BaseException = {
        "usage": UsageError("--limit must not be negative"),
        "store": StoreError("reviews.sqlite3 is busy"),
        "interrupt": KeyboardInterrupt(),
    }[raised]
    env = Env(data_dir=tmp_path, stdout=io.StringIO(), stderr=io.StringIO())
    with pytest.raises(typer.Exit) as info, errors_handled(env):
        raise error
    assert info.value.exit_code == code
    assert env.stderr.getvalue() == said + "\n"  # type: ignore[attr-defined]


def test_missing_content_pack_is_a_usage_error(runner: CliRunner, tmp_path: Path) -> None:
    result = invoke(runner, "--content", str(tmp_path / "nope"), "topics")
    assert result.exit_code == 2
    assert "--content" in result.output and "does not exist" in result.output
