"""Layered diagrams: the `layers:` schema, drawing them in a terminal and as plain text, and `learn --open`."""

from __future__ import annotations

import dataclasses
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from serverless_study.cli import app
from serverless_study.cli.context import Env
from serverless_study.loader import load_topics, topic_from_dict, topic_to_dict
from serverless_study.model import Image, Layer, Topic
from serverless_study.paths import shipped_content_dir
from serverless_study.render import diagram_view, topic_view
from serverless_study.textview import diagram_lines, topic_text

from .conftest import FIXTURES
from .golden import assert_golden, render

RENDER = FIXTURES / "render"
FACT = "facts: [{id: f, prompt: p, answer: a}]\n"


@pytest.fixture(scope="module")
def containers() -> Topic:
    result = load_topics([RENDER])
    assert result.problems == []
    return next(t for t in result.topics if t.id == "containers")


def at_fixture(topic: Topic) -> Topic:
    """The topic with its image paths shown from <fixture>, so goldens do not depend on the checkout's folder."""
    images = tuple(
        dataclasses.replace(i, path=Path(str(i.path).replace(str(RENDER), "<fixture>"))) for i in topic.images
    )
    return dataclasses.replace(topic, images=images)


def test_layers_are_loaded_top_to_bottom(containers: Topic) -> None:
    (image,) = containers.images
    assert [la.title for la in image.layers] == ["Virtual machines", "Containers"]
    assert image.layers[0].stack[0] == "Apps A, B, C" and image.layers[0].stack[-1] == "Hardware"
    assert "Hypervisor" in image.layers[0].stack and "Hypervisor" not in image.layers[1].stack


def test_layers_survive_the_cache_round_trip(containers: Topic) -> None:
    again = topic_from_dict(json.loads(json.dumps(topic_to_dict(containers))))
    assert again.images == containers.images and again.images[0].layers


@pytest.mark.parametrize("width", [80, 60])
def test_terminal_diagram_golden(containers: Topic, width: int) -> None:
    # Drawn where it is read: in the topic's panel, after the summary (the rest of the topic left out).
    short = dataclasses.replace(at_fixture(containers), concepts=(), comparisons=(), sequences=(), facts=())
    text = render(topic_view(short), width=width)
    assert_golden(f"diagram-containers-{width}.txt", text)
    both = [line for line in text.splitlines() if "Virtual machines" in line and "Containers " in line]
    assert bool(both) is (width == 80)  # side by side at 80 columns, one under the other at 60
    assert max(len(line) for line in text.splitlines()) == width


def test_plain_diagram_golden(containers: Topic) -> None:
    assert_golden("diagram-containers-plain.txt", "\n".join(diagram_lines(containers.images[0].layers)) + "\n")
    narrow = diagram_lines(containers.images[0].layers, width=40)
    assert max(len(line) for line in narrow) <= 40 and not any("│ │" in line for line in narrow)


def test_the_diagram_comes_right_after_the_summary(containers: Topic) -> None:
    for text in (render(topic_view(at_fixture(containers))), topic_text(at_fixture(containers))):
        assert text.index("runtime.") < text.index("│ Hypervisor") < text.index("Concepts")


@pytest.mark.parametrize("lines", [1000, 20], ids=["printed", "paged"])
@pytest.mark.parametrize("width", [40, 60, 80])
def test_the_path_line_is_never_broken_or_cut(containers: Topic, monkeypatch, width: int, lines: int) -> None:  # type: ignore[no-untyped-def]
    from serverless_study.cli.learn import show

    monkeypatch.setenv("COLUMNS", str(width))  # Rich reads the screen size from these when it cannot ask
    monkeypatch.setenv("LINES", str(lines))
    long = Path("/a/very/long/folder/name/that/goes/on/and/on/past/the/edge/of/the/screen/vm-vs-containers.svg")
    topic = dataclasses.replace(containers, images=(dataclasses.replace(containers.images[0], path=long),))

    class TTY(io.StringIO):
        def isatty(self) -> bool:
            return True

    class Pager:
        def __init__(self) -> None:
            self.shown: list[str] = []

        def show(self, content: str) -> None:
            self.shown.append(content)

    out, pager = TTY(), Pager()
    show(Env(data_dir=Path("."), stdout=out, environ={"NO_COLOR": "1"}, pager=pager), [topic])
    screen = "".join(pager.shown) or out.getvalue()
    assert bool(pager.shown) is (lines == 20)
    assert str(long) in screen.splitlines()
    assert max(len(line) for line in screen.splitlines() if line != str(long)) == width  # the rest keeps to width
    assert str(long) in topic_text(topic).splitlines()


def test_content_in_layers_is_sanitised() -> None:
    from serverless_study.textview import image_lines

    image = Image(Path("/p.svg"), "cap", "p.svg", layers=(Layer("T\x1b[31m", ("box\x1b]0;x\x07",)),))
    for text in (render(diagram_view(image)), "\n".join(image_lines(image))):
        assert "\x1b" not in text and "\x07" not in text and "␛" in text


BAD_LAYERS = [
    ("layers: oops", "images[0].layers: expected a list, found text"),
    ("layers: [oops]", "images[0].layers[0]: expected a mapping, found text"),
    ("layers: [{title: T}]", "images[0].layers[0]: missing required key 'stack'"),
    ("layers: [{stack: [a]}]", "images[0].layers[0]: missing required key 'title'"),
    ("layers: [{title: '', stack: [a]}]", "images[0].layers[0].title: must not be empty"),
    ("layers: [{title: T, stack: []}]", "images[0].layers[0].stack: must not be empty"),
    ("layers: [{title: T, stack: [a, '']}]", "images[0].layers[0].stack[1]: expected non-empty text"),
    ("layers: [{title: T, stack: a}]", "images[0].layers[0].stack: expected a list of text, found text"),
    (
        "layers: [{title: T, stack: [a], colour: red}]",
        "images[0].layers[0].colour: unknown key (allowed: stack, title)",
    ),
]


@pytest.mark.parametrize(("layers", "message"), BAD_LAYERS)
def test_bad_layers_are_errors_at_file_and_line(tmp_path: Path, layers: str, message: str) -> None:
    (tmp_path / "pic.svg").write_text("<svg/>")
    (tmp_path / "a.yaml").write_text(f"id: a\ntitle: A\nimages:\n- path: pic.svg\n  {layers}\n{FACT}")
    result = load_topics([tmp_path])
    assert [str(p) for p in result.problems] == [f"{tmp_path / 'a.yaml'}:5: {message}"]


def invoke_learn(tmp_path: Path, *args: str) -> tuple[int, str, str, list[str]]:
    launched: list[str] = []
    out, err = io.StringIO(), io.StringIO()
    env = Env(data_dir=tmp_path, stdout=out, stderr=err, launch=launched.append)
    result = CliRunner().invoke(app, ["learn", *args], obj=env, catch_exceptions=False)
    return result.exit_code, out.getvalue(), err.getvalue(), launched


def test_learn_open_launches_the_topics_image_and_shows_the_topic(tmp_path: Path) -> None:
    code, out, err, launched = invoke_learn(tmp_path, "containers", "--open")
    assert (code, err) == (0, "")
    assert launched == [str(shipped_content_dir().parent / "images" / "vm-vs-containers.svg")]
    assert out.startswith("Containers (containers)") and launched[0] in out.splitlines()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["fargate", "--open"], "error: topic fargate has no diagram to open\n"),
        (["--open"], "error: --open needs one TOPIC (and no --all), e.g. learn containers --open\n"),
        (["--all", "--open"], "error: --open needs one TOPIC (and no --all), e.g. learn containers --open\n"),
    ],
)
def test_learn_open_without_an_image_is_a_usage_error(tmp_path: Path, args: list[str], message: str) -> None:
    code, out, err, launched = invoke_learn(tmp_path, *args)
    assert (code, out, err, launched) == (2, "", message, [])
