"""A non-editable install carries the shipped content and images and finds them from any folder."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from .conftest import REPO

pytestmark = pytest.mark.slow  # real interpreters in subprocesses


def test_wheel_carries_content_and_runs_from_elsewhere(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(dist), str(REPO)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (wheel,) = dist.glob("serverless_study-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    shipped = sorted(p.name for p in (REPO / "content").glob("*.yaml"))
    assert (
        shipped
        and sorted(n.rsplit("/", 1)[1] for n in names if n.startswith("serverless_study/_data/content/")) == shipped
    )
    assert "serverless_study/_data/images/vm-vs-containers.svg" in names

    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target), str(wheel)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    proc = subprocess.run(  # noqa: PLW1510 - the exit code is asserted below
        [
            sys.executable,
            "-c",
            "import sys; sys.path.insert(0, sys.argv[1]); "
            "from serverless_study.cli import main; sys.argv = ['serverless-study', 'learn', 'containers']; main()",
            str(target),
        ],
        cwd=elsewhere,
        capture_output=True,
        text=True,
        timeout=60,
        env={"SERVERLESS_STUDY_HOME": str(tmp_path / "data"), "PATH": "/usr/bin:/bin"},
    )
    assert proc.returncode == 0, proc.stderr
    assert str(target / "serverless_study" / "_data" / "images" / "vm-vs-containers.svg") in proc.stdout.replace(
        "\n", ""
    )
