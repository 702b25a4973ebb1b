"""`check`: validate content files, one line per problem, then the content lints as warnings."""

from __future__ import annotations

import json
from datetime import date
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from serverless_study.cli.context import FAILURE, OK, errors_handled, get_env


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
    from serverless_study.checking import check_content
    from serverless_study.errors import UsageError
    from serverless_study.sanitize import clean

    env = get_env(ctx)
    day = _parse_day(today) if today is not None else env.clock().date()
    if day is None:
        with errors_handled(env):
            raise UsageError(f"--today: {today!r} is not a date (YYYY-MM-DD)")
    found = check_content(list(dirs) if dirs else env.content_dirs, day)
    failed = bool(found.problems) or (strict and bool(found.warnings))
    if output is Format.json:
        errors = [{"file": p.file, "line": p.line, "key": p.key, "message": p.message} for p in found.problems]
        report = {"topics": len(found.topics), "items": found.items, "errors": errors}
        print(json.dumps({**report, "warnings": [w.to_dict() for w in found.warnings]}, indent=2), file=env.stdout)
    else:
        for line in [*found.problems, *found.warnings]:
            print(clean(str(line)), file=env.stdout)
        summary = f"{len(found.topics)} topics, {found.items} items, {len(found.problems)} problems"
        print(f"{summary}, {len(found.warnings)} warnings", file=env.stderr if failed else env.stdout)
    env.end(FAILURE if failed else OK)


def _parse_day(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if len(text) == 10 else None
    except ValueError:
        return None
