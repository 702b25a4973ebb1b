"""Rendered topics against golden files at width 80 without colour (UPDATE_GOLDENS=1 rewrites them)."""

from __future__ import annotations

import dataclasses
import io
from pathlib import Path

import pytest

from serverless_study.loader import load_topics
from serverless_study.render import topic_view, topics_table
from serverless_study.textview import topic_text, topics_text

from .conftest import FIXTURES
from .golden import assert_golden, render

# Frozen copies of the shipped topics' shapes (wide tables, empty cells, notes, steps, clozes, an image), so that
# editing content/ never changes a golden.
RENDER = FIXTURES / "render"


@pytest.fixture(scope="module")
def topics():  # type: ignore[no-untyped-def]
    result = load_topics([RENDER])  # images are checked too
    assert result.problems == []
    return {t.id: t for t in result.topics}


@pytest.mark.parametrize("topic_id", ["fargate", "x-ray", "containers"])
@pytest.mark.parametrize("plain", [False, True], ids=["terminal", "plain"])
def test_learn_golden(topics, topic_id: str, plain: bool) -> None:  # type: ignore[no-untyped-def]
    # Image paths depend on where the repository is: goldens show them from <fixture>, set before rendering so that
    # line wrapping does not depend on the checkout's folder either.
    root = str(RENDER)
    topic = dataclasses.replace(
        topics[topic_id],
        images=tuple(
            dataclasses.replace(i, path=Path(str(i.path).replace(root, "<fixture>"))) for i in topics[topic_id].images
        ),
    )
    text = topic_text(topic) if plain else render(topic_view(topic))
    assert_golden(f"learn-{topic_id}-{'plain' if plain else 'terminal'}.txt", text)


def test_fixture_pack_golden() -> None:
    topics = load_topics([FIXTURES / "pack"]).topics
    assert_golden("learn-alpha-terminal.txt", render(topic_view(topics[0])))
    assert_golden("topics-pack.txt", render(topics_table(topics)))
    assert_golden("topics-pack-plain.txt", topics_text(topics))


def test_markup_in_content_is_literal() -> None:
    (topic,) = load_topics([FIXTURES / "evil"]).topics
    for out in (render(topic_view(topic), width=120), topic_text(topic)):
        assert "<script>alert(1)</script>" in out and "[bold]bold[/] [/]" in out


def test_plain_view_has_no_box_drawing(topics) -> None:  # type: ignore[no-untyped-def]
    out = topic_text(topics["fargate"])
    assert not set(out) & set("─━│┃╭╮╰╯┏┓┗┛═║")
    assert all(line == line.rstrip() for line in out.splitlines())


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("environ, coloured", [({}, True), ({"NO_COLOR": "1"}, False)])
def test_terminal_colour_respects_no_color(tmp_path, environ: dict, coloured: bool) -> None:  # type: ignore[no-untyped-def]
    from serverless_study.cli.context import Env

    out = FakeTerminal()
    env = Env(data_dir=tmp_path, stdout=out, environ=environ)
    (topic,) = load_topics([FIXTURES / "evil"]).topics
    env.console().print(topic_view(topic))
    text = out.getvalue()
    assert ("\x1b[" in text) is coloured
    assert "╭" in text  # still a terminal layout either way
    assert "[bold]bold[/] [/]" in text
