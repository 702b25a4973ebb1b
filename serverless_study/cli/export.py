"""`export anki` / `export apkg`: the content as a CSV Anki imports without any mapping, or as an Anki package."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from serverless_study.cli.context import errors_handled, examples, get_env
from serverless_study.defaults import DEFAULT_DECK

if TYPE_CHECKING:
    from serverless_study.apkg import Written

TopicsOption = Annotated[
    list[str] | None, typer.Option("--topic", help="Export only this topic id (repeatable; default: all).")
]
DeckOption = Annotated[str, typer.Option("--deck", help="Parent deck; each topic becomes a subdeck of it.")]

app = typer.Typer(
    help="Take the content elsewhere: export it for other study tools.", no_args_is_help=True, rich_markup_mode=None
)


@app.command(
    "anki",
    epilog=examples(
        "serverless-study export anki ~/serverless.csv",
        "serverless-study export anki lambda.csv --topic lambda --deck AWS",
    ),
)
def anki(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(metavar="PATH.csv", help="The file to write; its images go beside it.")],
    topic: TopicsOption = None,
    deck: DeckOption = DEFAULT_DECK,
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


@app.command(
    "apkg",
    epilog=examples(
        "serverless-study export apkg ~/serverless.apkg",
        "serverless-study export apkg lambda.apkg --topic lambda --deck AWS",
    ),
)
def apkg(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(metavar="PATH.apkg", help="The package to write; the images go inside.")],
    topic: TopicsOption = None,
    deck: DeckOption = DEFAULT_DECK,
) -> None:
    """Write an Anki package with its own note types and images; importing a newer one updates changed notes."""
    from serverless_study.apkg import build_package, write_package
    from serverless_study.loader import select_topics
    from serverless_study.sanitize import clean

    env = get_env(ctx)
    with errors_handled(env):
        package = build_package(select_topics(env.load().topics, topic or []), deck=deck)
        written = write_package(package, path, env.anki_ledger, env.clock())
        print(clean(package_summary(written, path)), file=env.stdout)


def package_summary(w: Written, path: Path) -> str:
    changed = "none" if w.changed == 0 else str(w.changed)
    return (
        f"Wrote {_plural(w.notes, 'note')} ({_plural(w.decks, 'deck')}, {_plural(w.images, 'image')}) to {path}; "
        f"new or changed since the last export: {changed}. Open it with Anki (double-click, or File > Import)."
    )


def summary(notes: int, decks: int, path: Path, images: list[str]) -> str:
    line = f"Wrote {_plural(notes, 'note')} ({_plural(decks, 'deck')}) to {path}."
    if images:
        line += f" Copy {', '.join(images)} (beside it) into Anki's collection.media folder, then use File > Import."
    else:
        line += " Import it in Anki with File > Import."
    return line


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"
