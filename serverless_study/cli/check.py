"""`check`: validate content files, one line per problem, then the content lints as warnings."""

from __future__ import annotations

import contextlib
import gc
import json
from collections.abc import Iterator
from datetime import date
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from serverless_study.cli.context import FAILURE, errors_handled, get_env


class Format(str, Enum):
    text = "text"
    json = "json"


def check(
    ctx: typer.Context,
    dirs: Annotated[
        list[Path] | None,
        typer.Argument(
            metavar="DIR...",
            help="Folders or files of YAML topics (default: the shipped content and any --content packs).",
        ),
    ] = None,
    strict: Annotated[bool, typer.Option("--strict", help="Fail (exit 1) on lint warnings too.")] = False,
    output: Annotated[
        Format, typer.Option("--format", help="text: file:line lines; json: one object for editors and CI.")
    ] = Format.text,
    today: Annotated[
        str | None,
        typer.Option("--today", metavar="YYYY-MM-DD", help="The date sources' age is measured from (default: today)."),
    ] = None,
) -> None:
    """Validate content (YAML, keys, types, ids, answers, accept lists, table shapes) and lint it. Exit 1 on errors."""
    from serverless_study.answers import accept_problems
    from serverless_study.errors import UsageError
    from serverless_study.lint import lint_topics
    from serverless_study.loader import load_topics
    from serverless_study.parallel import Forked
    from serverless_study.sanitize import clean

    env = get_env(ctx)
    day = _parse_day(today) if today is not None else env.clock().date()
    if day is None:
        with errors_handled(env):
            raise UsageError(f"--today: {today!r} is not a date (YYYY-MM-DD)")
    targets = list(dirs) if dirs else env.content_dirs
    with _no_cycle_collection():
        result = load_topics(targets)  # no cache: check always parses and checks every image for real
        lints = Forked(lambda: lint_topics(result.topics, day))  # on the second core, beside the accept guard
        result.problems += accept_problems(result.topics)
        warnings = lints.result()
    items = sum(len(t.items) for t in result.topics)
    failed = bool(result.problems) or (strict and bool(warnings))
    if output is Format.json:
        errors = [{"file": p.file, "line": p.line, "key": p.key, "message": p.message} for p in result.problems]
        report = {"topics": len(result.topics), "items": items, "errors": errors}
        print(json.dumps({**report, "warnings": [w.to_dict() for w in warnings]}, indent=2), file=env.stdout)
    else:
        for line in [*result.problems, *warnings]:
            print(clean(str(line)), file=env.stdout)
        summary = f"{len(result.topics)} topics, {items} items, {len(result.problems)} problems"
        print(f"{summary}, {len(warnings)} warnings", file=env.stderr if failed else env.stdout)
    if failed:
        raise typer.Exit(FAILURE)


@contextlib.contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """Pause Python's cycle collector: a pack is acyclic data built once, and at 100k facts the collector's passes
    over it (it grows by millions of objects) took a third of `check`."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _parse_day(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if len(text) == 10 else None
    except ValueError:
        return None
