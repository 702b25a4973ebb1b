"""`check`'s findings are the same however its work is shared between the two processes, and without a child."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from serverless_study import checking, parallel
from serverless_study.checking import check_content, split_point
from serverless_study.model import Fact, Topic

from .test_parallel import _pack, needs_fork

DAY = date(2026, 11, 28)


def _said(found: checking.Checked) -> tuple[list[str], list[str], int]:
    return [str(p) for p in found.problems], [str(w) for w in found.warnings], found.items


@pytest.fixture(scope="module")
def pack(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _pack(tmp_path_factory.mktemp("checking") / "pack", topics=12, facts=8)


@pytest.fixture(scope="module")
def serial(pack: Path) -> tuple[list[str], list[str], int]:
    with pytest.MonkeyPatch.context() as m:
        m.setenv(parallel.SERIAL_ENV, "1")
        m.setattr(checking, "PARENT_SHARE", 1.0)  # everything in this process, as one run
        return _said(check_content([pack], DAY))


@needs_fork
@pytest.mark.parametrize("share", [0.0, 0.2, 0.45, 0.7, 1.0])
def test_every_split_says_what_one_process_says(
    pack: Path, serial: tuple[list[str], list[str], int], share: float, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(parallel, "can_fork", lambda: True)
    monkeypatch.setattr(checking, "FORK_FROM", 0)
    monkeypatch.setattr(checking, "PARENT_SHARE", share)
    said = _said(check_content([pack], DAY))
    problems, warnings, items = said
    assert said == serial
    assert any("accepts 'Cloud Watch'" in p for p in problems)  # letters read in either process meet
    assert len(problems) == 3 and len(warnings) >= 12
    assert items == 10 * 8 + 2  # topics 3 and 8 have an error, so they are left out


def test_without_a_child_the_parent_does_the_rest(
    pack: Path, serial: tuple[list[str], list[str], int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(parallel.SERIAL_ENV, "1")
    assert _said(check_content([pack], DAY)) == serial


def _topic(n: int, facts: int) -> Topic:
    return Topic(f"t{n}", "T", facts=tuple(Fact(f"f{i}", "Q?", "A") for i in range(facts)))


def test_the_split_point_holds_about_the_share_of_the_items() -> None:
    topics = [_topic(n, size) for n, size in enumerate([10, 10, 10, 10, 60])]
    assert split_point(topics, 0.0) == 0
    assert split_point(topics, 0.2) == 2
    assert split_point(topics, 0.35) == 4  # the first topics holding at least 35%
    assert split_point(topics, 0.5) == 5
    assert split_point(topics, 1.0) == 5
    assert split_point([], 0.5) == 0


@needs_fork
def test_a_small_content_is_checked_without_a_child(pack: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    started: list[bool] = []
    monkeypatch.setattr(parallel, "can_fork", lambda: True)
    monkeypatch.setattr(parallel.Forked, "_start", lambda self: started.append(True))
    check_content([pack], DAY)  # 82 items
    assert started == []
    monkeypatch.setattr(checking, "FORK_FROM", 80)
    check_content([pack], DAY)  # the fake start leaves no child: the parent does the work, as when a fork fails
    assert started == [True]


@pytest.mark.parametrize("broken", [False, True])
def test_the_cli_ends_its_process_at_once_with_all_its_output(tmp_path: Path, broken: bool) -> None:
    """Run as a program, `check` ends the process itself once its output is flushed (freeing a big pack object by
    object is a tenth of its time): every line is out, the status is right, and no cleanup ran."""
    import subprocess
    import sys

    pack = _pack(tmp_path / "pack", topics=3 if broken else 1, facts=3)  # topic 3 would hold an error
    if broken:
        (pack / "002.yaml").write_text("id: [\n", encoding="utf-8")
    script = (
        "import atexit, sys; atexit.register(lambda: print('cleanup ran', file=sys.stderr));"
        "from serverless_study.cli import main; sys.argv[0] = 'serverless-study'; main()"
    )
    env = {"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"}  # the data folder defaults to one under HOME
    done = subprocess.run(
        [sys.executable, "-c", script, "check", str(pack)], capture_output=True, text=True, env=env, check=False
    )
    assert "cleanup ran" not in done.stderr
    assert done.returncode == (1 if broken else 0)
    summary = done.stderr if broken else done.stdout
    assert summary.splitlines()[-1].endswith(f"problems, {done.stdout.count('SS1')} warnings")
    assert "Traceback" not in done.stderr
