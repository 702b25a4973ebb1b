"""`export anki`: the content as a CSV that Anki imports without any mapping."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from serverless_study.cli.context import errors_handled, get_env

app = typer.Typer(
    help="Take the content elsewhere: export it for other study tools.", no_args_is_help=True, rich_markup_mode=None
)


@app.command(
    "anki",
    epilog="Examples: serverless-study export anki ~/serverless.csv | "
    "serverless-study export anki lambda.csv --topic lambda --deck AWS",
)
def anki(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(metavar="PATH.csv", help="The file to write; its images go beside it.")],
    topic: Annotated[
        list[str] | None, typer.Option("--topic", help="Export only this topic id (repeatable; default: all).")
    ] = None,
    deck: Annotated[str, typer.Option("--deck", help="Parent deck; each topic becomes a subdeck of it.")] = (
        "Serverless Study"
    ),
) -> None:
    """Write every note worth having as an Anki CSV (File > Import); re-importing a newer export updates notes."""
    from serverless_study.anki import build_export, write_export
    from serverless_study.loader import select_topics
    from serverless_study.sanitize import clean

    env = get_env(ctx)
    with errors_handled(env):
        export = build_export(select_topics(env.load().topics, topic or []), deck=deck)
        images = write_export(export, path)
        line = summary(len(export.notes), len(export.decks), path, [p.name for p in images])
        print(clean(line), file=env.stdout)


def summary(notes: int, decks: int, path: Path, images: list[str]) -> str:
    line = f"Wrote {_plural(notes, 'note')} ({_plural(decks, 'deck')}) to {path}."
    if images:
        line += f" Copy {', '.join(images)} (beside it) into Anki's collection.media folder, then use File > Import."
    else:
        line += " Import it in Anki with File > Import."
    return line


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"
