"""The forked helper: its answer when it works, the parent's own answer when it does not, and `check` unchanged."""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from serverless_study import checking, parallel
from serverless_study.cli import app
from serverless_study.parallel import Forked

needs_fork = pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork on this platform")


@pytest.fixture
def two_cores(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fork whatever this machine's CPU count (a one-CPU CI runner would otherwise never fork), and whatever the
    size of the work (`check` forks only for a big pack)."""
    monkeypatch.setattr(parallel, "can_fork", lambda: True)
    monkeypatch.setattr(checking, "FORK_FROM", 0)


@needs_fork
def test_the_child_computes_the_answer(two_cores: None) -> None:
    parent = os.getpid()
    job = Forked(lambda: (os.getpid(), [n * n for n in range(1000)]))
    pid, squares = job.result()
    assert pid != parent  # computed in another process ...
    assert squares == [n * n for n in range(1000)]  # ... and sent back whole (larger than one pipe write)


@needs_fork
def test_a_large_answer_does_not_deadlock(two_cores: None) -> None:
    job = Forked(lambda: "x" * 5_000_000)  # far more than a pipe holds: the parent must read before it waits
    assert len(job.result()) == 5_000_000


def _fails_in_child(parent: int, how: str) -> int:
    if os.getpid() != parent:
        if how == "raise":
            raise RuntimeError("boom")
        if how == "kill":
            os.kill(os.getpid(), signal.SIGKILL)
        if how == "garbage":
            return _Unpicklable()  # type: ignore[return-value]
    return os.getpid()


class _Unpicklable:
    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (_explode, ())


def _explode() -> None:
    raise ValueError("cannot be rebuilt")


@needs_fork
@pytest.mark.parametrize("how", ["raise", "kill", "garbage"])
def test_a_failed_child_leaves_the_work_to_the_parent(two_cores: None, how: str) -> None:
    parent = os.getpid()
    assert Forked(lambda: _fails_in_child(parent, how)).result() == parent


@needs_fork
def test_work_too_small_for_a_child_is_done_here(two_cores: None) -> None:
    job = Forked(lambda: os.getpid(), fork=False)
    assert job.result() == os.getpid()


def test_serial_when_told(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(parallel.SERIAL_ENV, "1")
    assert not parallel.can_fork()
    calls: list[int] = []
    job = Forked(lambda: calls.append(os.getpid()) or len(calls))
    assert calls == []  # not started: it runs when its result is asked for, here
    assert job.result() == 1
    assert calls == [os.getpid()]


def _pack(folder: Path, topics: int, facts: int) -> Path:
    """A pack with problems in several files and warnings in every topic."""
    folder.mkdir()
    for t in range(topics):
        lines = [f"id: pack-{t:03d}", f"title: Pack topic {t}", "facts:"]
        for f in range(facts):
            answer = f"value {t}x{f}"
            lines += [
                f"  - id: f{f:03d}",
                f"    prompt: What is the value recorded for item {f} of pack topic {t}, and why does it matter?",
                f"    answer: {answer}",
                f'    accept: ["{answer}"]' if f == 7 else f'    accept: ["v{t}x{f}"]',  # SS103 in every topic
                f"    explanation: Item {f} of pack topic {t} records the value {t}x{f}.",
            ]
        if t % 5 == 3:
            lines += ["  - id: f000", "    prompt: A duplicate id?", "    answer: yes"]  # an error every 5th topic
        if t in (1, topics - 1):  # an accept entry in the first topic takes an answer in the last one
            answer, accept = ("Metrics", '["CloudWatch"]') if t == 1 else ("Cloud Watch", '["Logs"]')
            lines += ["  - id: rival", "    prompt: Which one keeps the logs?", f"    answer: {answer}"]
            lines += [f"    accept: {accept}"]
        (folder / f"{t:03d}.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


@needs_fork
@pytest.mark.slow
def test_check_says_the_same_forked_or_not(
    tmp_path: Path, runner: CliRunner, monkeypatch: pytest.MonkeyPatch, two_cores: None
) -> None:
    pack = _pack(tmp_path / "pack", topics=20, facts=20)
    forked = runner.invoke(app, ["check", "--format", "json", str(pack)])
    monkeypatch.setenv(parallel.SERIAL_ENV, "1")
    serial = runner.invoke(app, ["check", "--format", "json", str(pack)])
    assert forked.exit_code == serial.exit_code == 1
    report = json.loads(forked.stdout)
    assert len(report["errors"]) == 5 and len(report["warnings"]) >= 20  # the last topics are linted in the child
    assert {e["file"] for e in report["errors"]} >= {str(pack / "003.yaml"), str(pack / "008.yaml")}
    assert "accepts 'Cloud Watch', the answer of fact pack-019/rival" in forked.stdout  # the child read its letters
    assert forked.stdout == serial.stdout
