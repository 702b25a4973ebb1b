"""`stats`: progress per topic, what is due, retention, streak and leeches."""

from __future__ import annotations

from typing import Annotated

import typer

from serverless_study.cli.context import errors_handled, get_env
from serverless_study.defaults import NEW_PER_DAY


def stats(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object instead of a table.")] = False,
    new: Annotated[
        int | None,
        typer.Option(
            "--new",
            metavar="N",
            min=0,
            help=f"New cards per day, as given to quiz (setting new_per_day; {NEW_PER_DAY}).",
        ),
    ] = None,
) -> None:
    """Show progress per topic, a 26-week heatmap, a 30-day forecast, true retention, calibration, confusions.

    Due today: reviews due before your day ends (--day-starts, 4 am local time) and cards being learned, which the
    quiz asks when their step is due. Mastery: mean predicted recall now of the cards you have started. True
    retention: the share of review answers of the last 30 days you recalled. Calibration: predicted recall when
    answered against the share recalled.
    """
    import json

    from serverless_study.scheduler import Scheduler
    from serverless_study.scores import exam_history
    from serverless_study.stats import Catalogue, compute
    from serverless_study.store import Store

    env = get_env(ctx)
    with errors_handled(env):
        settings = env.settings(new_per_day=new)
        content = env.content()  # titles, card ids and their content hashes from the index: no topic is loaded
        catalogue = Catalogue(
            {h.id: h.title for h in content.heads},
            {cid: digest for h in content.heads for cid, digest in content.card_hashes(h.id).items()},
        )
        now = env.clock()
        calendar = env.calendar()
        with Store.in_dir(env.data_dir, warn=env.warn) as store:
            figures = compute(
                store,
                catalogue,
                Scheduler.configured(settings),
                now=now,
                calendar=calendar,
                new_per_day=settings.new_per_day,
            )
            exams = exam_history(store)
        if as_json:
            print(json.dumps(figures.to_dict() | {"exams": [e.to_dict() for e in exams]}, indent=2), file=env.stdout)
        elif env.stdout_isatty:
            from serverless_study.render import exams_view, stats_view

            env.console().print(stats_view(figures), exams_view(exams, calendar.zone))
        else:
            from serverless_study.textview import exams_text, stats_text

            env.stdout.write(stats_text(figures) + exams_text(exams, calendar.zone))
