"""Start-up stays light: the commands' import graph must not pull heavy libraries before they are needed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # real interpreters in subprocesses

HEAVY = ("questionary", "prompt_toolkit", "fsrs", "yaml", "anki", "sqlite3")


def imported_modules(args: list[str], env_home: Path) -> set[str]:
    """Run the real CLI in a fresh interpreter with -X importtime and return every module it imported."""
    proc = subprocess.run(  # noqa: PLW1510 - the exit code is asserted below
        [sys.executable, "-X", "importtime", "-m", "serverless_study", *args],
        capture_output=True,
        text=True,
        env={"SERVERLESS_STUDY_HOME": str(env_home), "HOME": str(env_home), "PATH": "/usr/bin:/bin"},
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    names = set()
    for line in proc.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            names.add(line.rsplit("|", 1)[1].strip())
    return names


def heavy(names: set[str]) -> set[str]:
    return {n for n in names if n.split(".")[0] in HEAVY}


def test_help_imports_nothing_heavy(tmp_path: Path) -> None:
    names = imported_modules(["--help"], tmp_path)
    assert "typer" in names  # the measurement sees imports at all
    assert heavy(names) == set()


def test_learn_with_a_warm_cache_does_not_parse_yaml(tmp_path: Path) -> None:
    first = imported_modules(["learn", "x-ray"], tmp_path)
    assert "yaml" in first  # a cold cache parses the content
    second = imported_modules(["learn", "x-ray"], tmp_path)
    assert heavy(second) == set()
    assert not any(n.split(".")[0] == "rich" for n in second)  # piped output is plain text: no Rich at all


def test_plain_stats_import_no_rich_or_prompts(tmp_path: Path) -> None:
    names = imported_modules(["stats"], tmp_path)
    assert "fsrs" in names and "sqlite3" in names
    assert not {n.split(".")[0] for n in names} & {"rich", "questionary", "prompt_toolkit"}
