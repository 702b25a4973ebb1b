"""`learn` in a terminal: real questionary prompts driven through prompt_toolkit's pipe input."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

from serverless_study.cli.context import Env
from serverless_study.cli.learn import _browse
from serverless_study.content import Content
from serverless_study.prompts import QuestionaryPrompter

from .conftest import FIXTURES

DOWN, ENTER, CTRL_C = "\x1b[B", "\r", "\x03"


class Scripted(QuestionaryPrompter):
    """The real questionary prompter; before each prompt, the next keystrokes go into the pipe."""

    def __init__(self, pipe: Any, script: list[str]) -> None:
        super().__init__(input=pipe, output=DummyOutput())
        self.pipe, self.script, self.asked = pipe, list(script), []

    def choose(self, message: str, choices: Any, *, undo: bool = False) -> Any:
        self.asked.append((message, list(choices)))
        self.pipe.send_text(self.script.pop(0))
        return super().choose(message, choices, undo=undo)


@pytest.fixture
def pipe() -> Iterator[Any]:
    with create_pipe_input() as p:
        yield p


def browse(pipe: Any, script: list[str], tmp_path: Path) -> tuple[str, Scripted]:
    out = io.StringIO()
    env = Env(data_dir=tmp_path, stdout=out)
    prompter = Scripted(pipe, script)
    _browse(env, Content.whole([FIXTURES / "pack"]), prompter)
    return out.getvalue(), prompter


def test_pick_next_back_quit(pipe: Any, tmp_path: Path) -> None:
    # pick the first topic, go next, go back, quit
    out, p = browse(pipe, [ENTER, ENTER, ENTER, DOWN * 2 + ENTER], tmp_path)
    assert out.count("Alpha Topic (alpha)") == 2 and out.count("Beta Topic (beta)") == 1
    assert out.index("Alpha Topic (alpha)") < out.index("Beta Topic (beta)") < out.rindex("Alpha Topic (alpha)")
    assert p.asked[1] == ("Where now?", ["Next: Beta Topic", "Pick another topic", "Quit"])
    assert p.asked[2] == ("Where now?", ["Back: Alpha Topic", "Pick another topic", "Quit"])
    assert not p.script


def test_pick_another_topic_by_number(pipe: Any, tmp_path: Path) -> None:
    out, p = browse(pipe, ["2" + ENTER, "2" + ENTER, "1" + ENTER, "3" + ENTER], tmp_path)
    assert out.index("Beta Topic (beta)") < out.index("Alpha Topic (alpha)")
    assert [m for m, _ in p.asked] == ["Which topic?", "Where now?", "Which topic?", "Where now?"]


def test_ctrl_c_leaves_the_browser(pipe: Any, tmp_path: Path) -> None:
    with pytest.raises(KeyboardInterrupt):
        browse(pipe, [ENTER, CTRL_C], tmp_path)
