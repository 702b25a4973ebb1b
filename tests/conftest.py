"""Shared fixtures: every test runs with its data directory and home under tmp_path."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings
from typer.testing import CliRunner

FIXTURES = Path(__file__).parent / "fixtures"
REPO = Path(__file__).resolve().parent.parent

# No per-example deadline: on a loaded machine a slow example is not a failure (timing is benchmarks/run.py's job).
# Random examples on a developer's machine (they find new bugs); the same examples in CI (CI=true), so a run
# there never fails on a draw nobody has seen.
settings.register_profile("serverless-study", deadline=None, derandomize=bool(os.environ.get("CI")), print_blob=True)
settings.load_profile("serverless-study")


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No test may read or write the learner's real data: point every location under tmp_path."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
    monkeypatch.setenv("SERVERLESS_STUDY_HOME", str(tmp_path / "data"))
    monkeypatch.delenv("NO_COLOR", raising=False)
    return home


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()
