"""`check`: validate content files, one line per problem."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from serverless_study.cli.context import FAILURE, get_env


def check(
    ctx: typer.Context,
    dirs: Annotated[
        list[Path] | None,
        typer.Argument(
            metavar="DIR...",
            help="Folders or files of YAML topics (default: the shipped content and any --content packs).",
        ),
    ] = None,
) -> None:
    """Validate content: YAML syntax, keys, types, ids, answers, accept lists and table shapes. Exit 1 if any."""
    from serverless_study.answers import accept_problems
    from serverless_study.loader import load_topics

    env = get_env(ctx)
    targets = list(dirs) if dirs else env.content_dirs
    result = load_topics(targets, check_images=True)  # no cache: check always parses for real
    result.problems += accept_problems(result.topics)
    for problem in result.problems:
        print(problem, file=env.stdout)
    items = sum(len(t.items) for t in result.topics)
    summary = f"{len(result.topics)} topics, {items} items, {len(result.problems)} problems"
    print(summary, file=env.stderr if result.problems else env.stdout)
    if result.problems:
        raise typer.Exit(FAILURE)
