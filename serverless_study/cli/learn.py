"""`topics` and `learn`: read the content."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from serverless_study.cli.context import USAGE, Env, get_env


def topics(ctx: typer.Context) -> None:
    """List the topics in content order, with how many items of each kind they hold."""
    from serverless_study.render import topics_table

    env = get_env(ctx)
    result = env.load()
    env.console().print(topics_table(result.topics, plain=not env.stdout_isatty))


def learn(
    ctx: typer.Context,
    topic: Annotated[Optional[str], typer.Argument(metavar="TOPIC", help="Topic id or part of its title, e.g. x-ray or fargate.")] = None,
    all_: Annotated[bool, typer.Option("--all", help="Print every topic.")] = False,
) -> None:
    """Read a topic: concepts, comparison tables, ordered steps and key facts."""
    from serverless_study.loader import find_topic
    from serverless_study.render import topic_view

    env = get_env(ctx)
    result = env.load()
    console = env.console()
    plain = not env.stdout_isatty
    if all_:
        for t in result.topics:
            console.print(topic_view(t, plain=plain))
        return
    if topic is None:
        if not env.interactive:
            _usage(env, "give a TOPIC or --all", result.topics)
        _browse(env, result.topics)
        return
    matches = find_topic(result.topics, topic)
    if len(matches) != 1:
        problem = f"no topic matches {topic!r}" if not matches else f"{topic!r} matches several topics"
        _usage(env, problem, matches or result.topics)
    console.print(topic_view(matches[0], plain=plain))
    if matches[0].images and plain:
        pass  # the image path is part of the view already


def _usage(env: Env, problem: str, candidates: list) -> None:
    env.error(f"{problem}; topics: {', '.join(t.id for t in candidates)}")
    raise typer.Exit(USAGE)


def _browse(env: Env, topics: list) -> None:
    """Pick a topic, read it, then go next / back / pick / quit until the learner quits."""
    from serverless_study.prompts import choose
    from serverless_study.render import topic_view

    console = env.console()
    index = choose("Which topic?", [(f"{t.title}  ({t.id})", i) for i, t in enumerate(topics)])
    while index is not None:
        console.print(topic_view(topics[index]))
        options = []
        if index + 1 < len(topics):
            options.append((f"Next: {topics[index + 1].title}", index + 1))
        if index > 0:
            options.append((f"Back: {topics[index - 1].title}", index - 1))
        options += [("Pick another topic", "pick"), ("Quit", None)]
        answer = choose("Where now?", options)
        if answer == "pick":
            answer = choose("Which topic?", [(f"{t.title}  ({t.id})", i) for i, t in enumerate(topics)])
        index = answer
