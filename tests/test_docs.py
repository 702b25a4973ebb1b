"""The README stays true: CI runs its test command, and every command is documented."""

from __future__ import annotations

import re

from .conftest import REPO
from .test_cli import all_command_paths

README = (REPO / "README.md").read_text(encoding="utf-8")


def quick_start_commands() -> list[str]:
    section = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sh\n(.+?)\n```", section)


def test_ci_runs_exactly_the_readme_test_command() -> None:
    run, test = quick_start_commands()
    assert "pip install ." in run and "serverless-study" in run
    assert "pytest" in test
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert test in ci


def test_every_command_is_in_the_readme() -> None:
    for path in all_command_paths():
        assert f"serverless-study {' '.join(path)}" in README, path
