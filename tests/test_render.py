"""Rendered topics against golden files at width 80 without colour (UPDATE_GOLDENS=1 rewrites them)."""

from __future__ import annotations

import dataclasses
import io
from pathlib import Path

import pytest

from serverless_study.loader import load_topics
from serverless_study.model import Topic
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


# The shipped topics' ids and titles when this golden was made: long titles and one long id are the point.
SHIPPED_TITLES = [
    ("history", "From data centres to serverless"),
    ("lambda", "Computing with AWS Lambda"),
    ("serverless-application-repository", "AWS Serverless Application Repository"),
    ("containers", "Containers"),
    ("ecs-eks", "Running containers in ECS and EKS"),
    ("fargate", "Removing servers with AWS Fargate"),
    ("eventbridge", "Amazon EventBridge (CloudWatch Events)"),
    ("ecr", "Storing custom Docker images in Amazon ECR"),
    ("eks-distro", "Open-source Kubernetes with Amazon EKS Distro"),
    ("eks-ecs-anywhere", "Orchestrating containers outside AWS - EKS Anywhere and ECS Anywhere"),
    ("aurora-serverless", "Auto-scaling databases on demand with Amazon Aurora Serverless"),
    ("x-ray", "AWS X-Ray for application insights"),
    ("appsync", "Deploying GraphQL interfaces with AWS AppSync"),
]


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


def test_topics_golden_at_80_columns_gives_titles_room(topics) -> None:  # type: ignore[no-untyped-def]
    one = topics["x-ray"].concepts[:1]
    text = render(topics_table([Topic(tid, title, concepts=one) for tid, title in SHIPPED_TITLES]), width=80)
    assert_golden("topics-shipped-80.txt", text)
    assert "Running containers in ECS and EKS " in text  # a title on one line, not four
    assert "serverless-application-repository" in text  # ids are never cut


def test_a_cut_panel_title_ends_with_an_ellipsis(topics) -> None:  # type: ignore[no-untyped-def]
    long = dataclasses.replace(topics["x-ray"], title=dict(SHIPPED_TITLES)["eks-ecs-anywhere"])
    top = render(topic_view(long), width=60).splitlines()[0]
    assert top.startswith("╭─ Orchestrating containers") and "…" in top and len(top) == 60


def test_wrapped_points_and_steps_stay_indented_under_their_text(topics) -> None:  # type: ignore[no-untyped-def]
    lines = render(topic_view(topics["containers"]), width=60).splitlines()
    checked = 0
    for n, line in enumerate(lines[:-1]):
        body = line.strip("│ ")
        if body.startswith("• ") and not lines[n + 1].strip("│ ").startswith(("• ", "Also")):
            following = lines[n + 1].strip("│")
            if following.strip():  # a wrapped line of the point starts where the point's text did
                assert len(following) - len(following.lstrip()) == line.index("•") - 1 + 2, (line, following)
                checked += 1
    assert checked >= 3


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


class TTY(io.StringIO):
    def isatty(self) -> bool:
        return True


class RecordingPager:
    """A rich Pager that keeps what it was asked to show instead of starting `less`."""

    def __init__(self) -> None:
        self.shown: list[str] = []

    def show(self, content: str) -> None:
        self.shown.append(content)


@pytest.mark.parametrize(("topic_id", "paged"), [("containers", True), ("alpha", False)])
def test_learn_pages_topics_longer_than_the_screen(topics, topic_id: str, paged: bool, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("LINES", "50")  # Rich reads the screen height from LINES when it cannot ask the terminal
    from serverless_study.cli.context import Env
    from serverless_study.cli.learn import show

    topics = {**topics, **{t.id: t for t in load_topics([FIXTURES / "pack"]).topics}}
    pager, out = RecordingPager(), TTY()
    env = Env(data_dir=Path("."), stdout=out, environ={}, pager=pager)
    show(env, [topics[topic_id]])
    assert len(pager.shown) == (1 if paged else 0)
    screen = pager.shown[0] if paged else out.getvalue()
    assert topics[topic_id].title in screen
    assert (out.getvalue() == "") is paged


def test_learn_never_pages_when_piped(topics) -> None:  # type: ignore[no-untyped-def]
    from serverless_study.cli.context import Env
    from serverless_study.cli.learn import show

    pager, out = RecordingPager(), io.StringIO()
    show(Env(data_dir=Path("."), stdout=out, pager=pager), [topics["containers"]])
    assert pager.shown == [] and out.getvalue().startswith("Containers (containers)\n")
