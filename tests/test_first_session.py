"""The prompt after every verdict in a terminal: real questionary prompts (pipe input) and a real pseudo-terminal."""

from __future__ import annotations

import io
import os
import random
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

from serverless_study.cards import generate_cards
from serverless_study.cli.context import Env
from serverless_study.cli.quiz import QuizShell
from serverless_study.days import Calendar
from serverless_study.loader import load_topics
from serverless_study.model import Grade, Question
from serverless_study.prompts import QuestionaryPrompter
from serverless_study.scheduler import Scheduler
from serverless_study.session import Session
from serverless_study.store import DB_NAME, Store

from .conftest import FIXTURES

ENTER, CTRL_C = "\r", "\x03"


def start(store: Store) -> Session:
    topics = load_topics([FIXTURES / "quiz"]).topics
    now = datetime.now(UTC)
    return Session.start(
        store,
        generate_cards(topics),
        {t.id: t for t in topics},
        Scheduler(),
        random.Random(1),
        now=now,
        day=Calendar(UTC, day_starts=0).day_of(now),
        topic_ids=["tracing"],
    )


def wrong_key(q: Question) -> str:
    return str(next(i for i, c in enumerate(q.choices) if c != q.answer) + 1)


def run_shell(data_dir: Path, keys_for: Any) -> tuple[int, list[tuple[str, Grade]], str]:
    out = io.StringIO()
    with Store.open(data_dir / DB_NAME) as store, create_pipe_input() as keys:
        session = start(store)
        first = session.next_question(datetime.now(UTC))
        assert first is not None
        keys.send_text(keys_for(first))
        prompter = QuestionaryPrompter(input=keys, output=DummyOutput())
        code = QuizShell(Env(data_dir=data_dir, stdout=out), session, prompter, plain=False).run()
        saved = [(r.review.card_id, r.review.grade) for r in store.history()]
    return code, saved, out.getvalue()


def test_a_miss_waits_for_enter_before_the_next_question(data_dir: Path) -> None:
    # Wrong pick, Enter at the prompt after the verdict, then Ctrl-C at the second question: one miss saved.
    code, saved, shown = run_shell(data_dir, lambda q: wrong_key(q) + ENTER + ENTER + CTRL_C)
    assert code == 130
    assert saved == [("tracing/x-ray/choice", Grade.AGAIN)]
    assert "✘ Not quite." in shown and "This card comes back again this session." in shown
    assert shown.count("╭─ Tracing") == 2  # the second question was shown, not answered


def test_a_miss_then_q_saves_the_miss_and_quits(data_dir: Path) -> None:
    code, saved, shown = run_shell(data_dir, lambda q: wrong_key(q) + ENTER + "q")
    assert code == 0
    assert saved == [("tracing/x-ray/choice", Grade.AGAIN)]
    assert "not rated" not in shown


def test_ctrl_c_after_a_right_answer_saves_nothing(data_dir: Path) -> None:
    code, saved, shown = run_shell(data_dir, lambda q: str(q.choices.index(q.answer) + 1) + ENTER + CTRL_C)
    assert code == 130
    assert saved == []
    assert "1 answer not rated, not saved." in shown


def test_u_after_a_right_answer_asks_it_again_and_h_rates_hard(data_dir: Path) -> None:
    right = lambda q: str(q.choices.index(q.answer) + 1) + ENTER  # noqa: E731
    code, saved, shown = run_shell(data_dir, lambda q: right(q) + "u" + right(q) + "h" + CTRL_C)
    assert code == 130
    assert saved == [("tracing/x-ray/choice", Grade.HARD)]
    assert "Taken back: here is the question again." in shown


# --- a real terminal -----------------------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX")
def test_an_enter_typed_before_the_feedback_appears_is_discarded(data_dir: Path, tmp_path: Path) -> None:
    """In a pty the quiz is a terminal: "2⏎⏎" typed at once answers the question and must not pass the feedback."""
    import pty
    import re
    import subprocess

    main, child = pty.openpty()
    env = {**os.environ, "HOME": str(tmp_path), "TERM": "xterm", "COLUMNS": "100", "LINES": "40", "NO_COLOR": "1"}
    args = ["--data-dir", str(data_dir), "--content", str(FIXTURES / "quiz"), "quiz", "--topic", "tracing"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "serverless_study", *args, "--seed", "1"],
        stdin=child,
        stdout=child,
        stderr=child,
        env=env,
        close_fds=True,
    )
    os.close(child)
    screen = b""

    def read_until(pattern: bytes, timeout: float = 30) -> None:
        nonlocal screen
        deadline = time.monotonic() + timeout
        while pattern not in screen:
            assert time.monotonic() < deadline, screen.decode(errors="replace")[-2000:]
            try:
                screen += os.read(main, 65536)
            except OSError:
                break

    try:
        read_until(b"Ctrl-C quit)")
        text = re.sub(r"\x1b\[[0-9;?]*[a-zA-Z]", "", screen.decode(errors="replace"))
        numbered = dict(re.findall(r"(\d)\) ([^\r\n]+?)\s*(?:\r|\n)", text))
        wrong = next(n for n, term in numbered.items() if term.strip() != "AWS X-Ray")
        os.write(main, (wrong + ENTER + ENTER).encode())  # the second Enter is typed before any feedback
        read_until(b"Next")
        time.sleep(0)  # nothing to wait for: the prompt is up, and it must still be waiting
        os.write(main, b"q")
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(main)
    with Store.open(data_dir / DB_NAME) as store:
        saved = [(r.review.card_id, r.review.grade) for r in store.history()]
    assert saved == [("tracing/x-ray/choice", Grade.AGAIN)]  # the early Enter did not continue to question 2
    assert proc.returncode == 0
