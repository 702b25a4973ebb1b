"""`topics` and `learn`: read the content."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from serverless_study.cli.context import INTERRUPTED, USAGE, Env, errors_handled, get_env

if TYPE_CHECKING:
    from serverless_study.content import Content
    from serverless_study.model import Topic, TopicHead
    from serverless_study.prompts import Prompter


def topics(ctx: typer.Context) -> None:
    """List the topics in content order, with how many items of each kind they hold."""
    env = get_env(ctx)
    heads = env.content().heads  # the index has every topic's counts: no topic is loaded
    if env.stdout_isatty:
        from serverless_study.render import topics_table

        env.console().print(topics_table(heads))
    else:
        from serverless_study.textview import topics_text

        env.stdout.write(topics_text(heads))


def learn(
    ctx: typer.Context,
    topic: Annotated[
        str | None, typer.Argument(metavar="TOPIC", help="Topic id or part of its title, e.g. x-ray or fargate.")
    ] = None,
    all_: Annotated[bool, typer.Option("--all", help="Print every topic.")] = False,
    open_: Annotated[
        bool, typer.Option("--open", help="Also open the topic's diagrams in the system's image viewer.")
    ] = False,
) -> None:
    """Read a topic: concepts, comparison tables, ordered steps and key facts."""
    from serverless_study.loader import select_topics

    env = get_env(ctx)
    content = env.content()
    heads = content.heads
    if open_:
        if topic is None or all_:
            env.error("--open needs one TOPIC (and no --all), e.g. learn containers --open")
            raise typer.Exit(USAGE)
        with errors_handled(env):
            chosen = _loaded(content, select_topics(heads, [topic]))
        images = [image.path for t in chosen for image in t.images]  # only images that passed the loader's checks
        if not images:
            env.error(f"topic {', '.join(t.id for t in chosen)} has no diagram to open")
            raise typer.Exit(USAGE)
        for path in images:
            env.launch(str(path))
        show(env, chosen)
    elif all_:
        show(env, content.load_all())
    elif topic is not None:
        with errors_handled(env):
            show(env, _loaded(content, select_topics(heads, [topic])))
    elif env.interactive:
        try:
            _browse(env, content, env.prompter(plain=False))
        except KeyboardInterrupt:
            raise typer.Exit(INTERRUPTED) from None
    else:
        env.error(f"give a TOPIC or --all; topics: {', '.join(t.id for t in heads)}")
        raise typer.Exit(USAGE)


def _loaded(content: Content, heads: list[TopicHead]) -> list[Topic]:
    """The topics of these heads, each loaded now (only these are)."""
    return [t for t in (content.topic(h.id) for h in heads) if t is not None]


def show(env: Env, topics: list[Topic]) -> None:
    """Rich panels in a terminal; plain unwrapped text when piped (no Rich import at all)."""
    if env.stdout_isatty:
        from rich.console import Group

        from serverless_study.render import topic_view

        console = env.console()
        views = Group(*(topic_view(t) for t in topics))
        # crop=False: a diagram's file path is one line that must not be cut (panels keep to the width themselves).
        if len(console.render_lines(views, pad=False)) <= console.height:
            console.print(views, crop=False)
            return
        # Longer than the screen: page it, so the top does not scroll away (colour only if the pager shows it).
        pager_opts = f"{env.environ.get('PAGER', '')} {env.environ.get('LESS', '')}"
        with console.pager(pager=env.pager, styles=not env.no_color and ("R" in pager_opts or "-r" in pager_opts)):
            console.print(views, crop=False)
    else:
        from serverless_study.textview import topic_text

        env.stdout.write("\n".join(topic_text(t) for t in topics))


def _browse(env: Env, content: Content, prompter: Prompter) -> None:
    """Pick a topic, read it, then go next / back / pick another / quit until the learner quits."""
    topics = content.heads
    titles = [f"{t.title}  ({t.id})" for t in topics]
    index = prompter.choose("Which topic?", titles)
    while isinstance(index, int):
        show(env, _loaded(content, [topics[index]]))
        moves: list[tuple[str, int | None]] = []
        if index + 1 < len(topics):
            moves.append((f"Next: {topics[index + 1].title}", index + 1))
        if index > 0:
            moves.append((f"Back: {topics[index - 1].title}", index - 1))
        moves += [("Pick another topic", -1), ("Quit", None)]
        move = prompter.choose("Where now?", [label for label, _ in moves])
        target = moves[move][1] if isinstance(move, int) else None
        index = prompter.choose("Which topic?", titles) if target == -1 else target
