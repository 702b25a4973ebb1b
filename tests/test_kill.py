"""End to end in a real process: answers confirmed before a SIGKILL are all in the database; SIGINT exits 130."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Self

import pytest

from serverless_study.store import DB_NAME, Store

from .conftest import FIXTURES, REPO

pytestmark = [pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals"), pytest.mark.slow]


class Quiz:
    """A plain-mode quiz in a child process, read as it writes (plain mode flushes before every read)."""

    def __init__(self, data_dir: Path, home: Path) -> None:
        env = {**os.environ, "HOME": str(home), "PYTHONUNBUFFERED": "1"}
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "serverless_study",
                "--data-dir",
                str(data_dir),
                "--content",
                str(FIXTURES / "quiz"),
                "quiz",
                "--plain",
                "--seed",
                "1",
                "--topic",
                "functions",
                "--topic",
                "tracing",
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=REPO,
            env=env,
        )
        self.output = ""
        self._lock = threading.Lock()
        self._reader = threading.Thread(target=self._pump, daemon=True)
        self._reader.start()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(timeout=10)
        self._reader.join(timeout=10)
        for stream in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            if stream is not None:
                stream.close()

    def _pump(self) -> None:
        assert self.proc.stdout is not None
        while chunk := os.read(self.proc.stdout.fileno(), 4096):
            with self._lock:
                self.output += chunk.decode("utf-8", "replace")

    def wait_for_prompt(self, after: int, timeout: float = 30.0) -> str:
        """The text written since `after`, once it ends at a prompt waiting for input."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                new = self.output[after:]
            if new.endswith("): "):
                return new
            if self.proc.poll() is not None:
                raise AssertionError(f"quiz ended early ({self.proc.returncode}):\n{self.output}")
            time.sleep(0.01)
        raise AssertionError(f"no prompt within {timeout} s:\n{self.output}")

    def send(self, line: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write((line + "\n").encode())
        self.proc.stdin.flush()

    def answer_until_question(self, number: int) -> None:
        """Answer every prompt (first choice, a guess, or Enter for Good) until question `number` is asked."""
        seen = 0
        while True:
            new = self.wait_for_prompt(seen)
            seen += len(new)
            if f"\nQuestion {number} (" in self.output:
                return
            last = new.rsplit("\n", 1)[-1]
            self.send("" if last.startswith(("Rating", "Next")) else "1" if last.startswith("Choice") else "a guess")


def test_sigkill_loses_no_confirmed_answer(tmp_path: Path) -> None:
    with Quiz(tmp_path / "data", tmp_path / "home") as quiz:
        quiz.answer_until_question(13)  # twelve answers confirmed: the 13th question is on screen
        quiz.wait_for_prompt(quiz.output.index("\nQuestion 13 ("))
        os.kill(quiz.proc.pid, signal.SIGKILL)
        assert quiz.proc.wait(timeout=10) == -signal.SIGKILL
    with Store.open(tmp_path / "data" / DB_NAME) as store:
        logged = store.history()
        assert len(logged) == 12
        for r in logged:  # every answer's card state was saved with it
            assert store.state(r.review.card_id) is not None


def test_sigint_ends_with_the_summary_and_exit_130(tmp_path: Path) -> None:
    with Quiz(tmp_path / "data", tmp_path / "home") as quiz:
        quiz.answer_until_question(4)
        quiz.wait_for_prompt(quiz.output.index("\nQuestion 4 ("))
        quiz.proc.send_signal(signal.SIGINT)
        assert quiz.proc.wait(timeout=20) == 130
        assert quiz.proc.stderr is not None
        assert "Traceback" not in quiz.proc.stderr.read().decode()
        quiz._reader.join(timeout=10)
        assert "Session interrupted. 3 answered" in quiz.output
    with Store.open(tmp_path / "data" / DB_NAME) as store:
        assert store.reviews_total() == 3
