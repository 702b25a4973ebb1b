"""The `serverless-study` command: global options here, one module per command group."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Annotated

import typer

from serverless_study import __version__
from serverless_study.cli import check, config, exam, export, holds, learn, optimize, quiz, stats, try_answer
from serverless_study.cli.context import Env, examples
from serverless_study.days import DAY_STARTS

app = typer.Typer(
    name="serverless-study",
    help="Study AWS serverless architecture: read topics, quiz yourself with spaced repetition, export to Anki.",
    no_args_is_help=True,
    rich_markup_mode=None,
    # Help fills the terminal's width (click stops at 80 columns unless told otherwise).
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 1000},
)


def _version(value: bool) -> None:
    if value:
        print(f"serverless-study {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    ctx: typer.Context,
    data_dir: Annotated[
        Path | None,
        typer.Option(
            "--data-dir",
            metavar="DIR",
            help="Where reviews are kept (default: $SERVERLESS_STUDY_HOME, then the per-user data folder).",
            file_okay=False,
        ),
    ] = None,
    content: Annotated[
        list[Path] | None,
        typer.Option(
            "--content",
            metavar="DIR",
            exists=True,
            help="Extra folder (or file) of YAML topics to load beside the shipped ones. Repeatable.",
        ),
    ] = None,
    day_starts: Annotated[
        int | None,
        typer.Option(
            "--day-starts",
            metavar="HOUR",
            min=0,
            max=23,
            help=f"Hour of local time (0-23) at which your study day begins (setting day_starts; {DAY_STARTS}); "
            "earlier answers count for the day before.",
        ),
    ] = None,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit.")
    ] = False,
) -> None:
    """Study AWS serverless architecture: read topics, quiz yourself with spaced repetition, export to Anki."""
    import os

    from serverless_study.paths import data_dir as resolve_data_dir

    # A test may hand in an Env (`obj=`) with its own streams, pager or launcher: the options still apply to it.
    given = ctx.obj if isinstance(ctx.obj, Env) else Env(data_dir=Path())
    ctx.obj = dataclasses.replace(
        given,
        data_dir=resolve_data_dir(data_dir, os.environ),
        extra_content=list(content or []),
        day_starts=day_starts,
    )


app.command("topics", epilog=examples("serverless-study topics"))(learn.topics)
app.command("learn", epilog=examples("serverless-study learn x-ray", "serverless-study learn --all > notes.txt"))(
    learn.learn
)
app.command("check", epilog=examples("serverless-study check ./my-pack"))(check.check)
app.add_typer(export.app, name="export")
app.command(
    "quiz",
    epilog=examples(
        "serverless-study quiz",
        "serverless-study quiz --topic x-ray --limit 10",
        "serverless-study quiz --plain < answers.txt",
        "serverless-study quiz --cram --topic x-ray --limit 20",
        "serverless-study quiz --from-exam",
    ),
)(quiz.quiz)
app.command("undo", epilog=examples("serverless-study undo"))(quiz.undo)
app.command(
    "suspend",
    epilog=examples(
        "serverless-study suspend x-ray/daemon-port/typed", "serverless-study suspend ecs-eks/eks-what fargate"
    ),
)(holds.suspend)
app.command("unsuspend", epilog=examples("serverless-study unsuspend x-ray/daemon-port/typed"))(holds.unsuspend)
app.command("bury", epilog=examples("serverless-study bury lambda/runtime"))(holds.bury)
app.command(
    "exam",
    epilog=examples(
        "serverless-study exam",
        "serverless-study exam --questions 10 --minutes 15 --topic lambda",
        "serverless-study exam --plain --seed 1 < answers.txt",
    ),
)(exam.exam)
app.command("stats", epilog=examples("serverless-study stats", "serverless-study stats --json"))(stats.stats)
app.command(
    "try",
    epilog=examples(
        "serverless-study try ecs-eks/eks-what 'Amazon ECS'",
        "serverless-study try x-ray/daemon-port '2000/udp' --cloze --json",
    ),
)(try_answer.try_answer)
app.command(
    "config",
    epilog=examples(
        "serverless-study config",
        "serverless-study config new_per_day 10",
        'serverless-study config learning_steps "1m 10m 1h"',
        "serverless-study config --unset new_per_day",
    ),
)(config.config)
app.command(
    "optimize",
    epilog=examples(
        "serverless-study optimize --dry-run", "serverless-study optimize", "serverless-study optimize --reset"
    ),
)(optimize.optimize)


def main() -> None:
    app(prog_name="serverless-study", obj=Env(data_dir=Path(), owns_process=True))
