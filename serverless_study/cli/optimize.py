"""`optimize`: fit FSRS parameters to the learner's review log and save them as a setting."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from serverless_study.cli.context import FAILURE, Env, errors_handled, get_env

if TYPE_CHECKING:
    from serverless_study.optimize import Fit, LogItems


def optimize(
    ctx: typer.Context,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Only report how well the parameters predict.")] = False,
    reset: Annotated[
        bool, typer.Option("--reset", help="Forget fitted parameters: the quiz goes back to FSRS's defaults.")
    ] = False,
) -> None:
    """Fit FSRS parameters to your review log (needs the `optimize` extra) and use them from now on."""
    env = get_env(ctx)
    with errors_handled(env):
        raise typer.Exit(run_optimize(env, dry_run=dry_run, reset=reset))


def run_optimize(env: Env, *, dry_run: bool, reset: bool) -> int:
    from serverless_study import settings
    from serverless_study.optimize import LogItems, fit
    from serverless_study.scheduler import Scheduler
    from serverless_study.store import Store

    current = env.settings()  # a broken settings file stops here, before any work
    if reset:
        if current.fsrs_parameters is None:
            print("No fitted parameters to forget: the quiz uses FSRS's defaults.", file=env.stdout)
        elif dry_run:
            print("Dry run: --reset would go back to FSRS's default parameters.", file=env.stdout)
        else:
            settings.unset(env.settings_file, "fsrs_parameters")
            print("Back to FSRS's default parameters.", file=env.stdout)
        return 0
    with Store.in_dir(env.data_dir, warn=env.warn) as store:
        calendar = env.calendar()  # whole learner's days between reviews (rollover hour, local zone)
        log = LogItems(store.ratings(), lambda moment: calendar.day_of(moment).date)
        result = fit(log, current=current.fsrs_parameters, relearning_steps=len(current.relearning_steps))
    report(env, result, log)
    if dry_run:
        print("Dry run: nothing saved.", file=env.stdout)
        return 0
    if not result.better:
        print("Not saved: the fitted parameters predict your history no better than the defaults.", file=env.stdout)
        return FAILURE
    fitted = settings.checked("fsrs_parameters", list(result.parameters))
    Scheduler(parameters=fitted)  # the quiz's fsrs accepts them (its bounds are fsrs-rs's); else one line, exit 2
    settings.save(env.settings_file, "fsrs_parameters", fitted)
    print(f"Saved as fsrs_parameters in {env.settings_file}: the quiz uses them from now on.", file=env.stdout)
    return 0


def report(env: Env, result: Fit, log: LogItems) -> None:
    from serverless_study.optimize import FULL_FIT_ITEMS, MAX_PREFIXES_PER_CARD

    out = env.stdout
    print(f"Fitted to {result.items} reviews made on a later day than the one before, of {log.cards} cards.", file=out)
    if log.left_out:
        print(
            f"Left out to bound memory: {log.left_out} reviews after each card's first {MAX_PREFIXES_PER_CARD}.",
            file=out,
        )
    if result.partial:
        print(f"Under {FULL_FIT_ITEMS} such reviews only the starting stabilities (w0-w3) are fitted.", file=out)
    rows = [("FSRS defaults", result.default), ("fitted", result.fitted)]
    if result.current is not None:
        rows.insert(1, ("yours now", result.current))
    print(f"{'parameters':<14}  {'log loss':>8}  {'RMSE (bins)':>11}", file=out)
    for name, ev in rows:
        print(f"{name:<14}  {ev.log_loss:>8.4f}  {ev.rmse_bins:>11.4f}", file=out)
    print("(lower is better; both measured on the same history)", file=out)
