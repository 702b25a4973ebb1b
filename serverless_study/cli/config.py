"""`config`: list, show, save and unset the saved settings (settings.toml in the data directory)."""

from __future__ import annotations

from typing import Annotated

import typer

from serverless_study.cli.context import USAGE, errors_handled, get_env


def config(
    ctx: typer.Context,
    key: Annotated[str | None, typer.Argument(metavar="[KEY]", help="The setting to show or change.")] = None,
    value: Annotated[
        str | None, typer.Argument(metavar="[VALUE]", help='New value; lists as "1m 10m" or "1m,10m".')
    ] = None,
    unset: Annotated[
        bool, typer.Option("--unset", help="Remove KEY from the settings file: its default applies again.")
    ] = False,
) -> None:
    """List every setting with its value and where it comes from; show one; save one (option > setting > default)."""
    from serverless_study import settings as core

    env = get_env(ctx)
    with errors_handled(env):
        path = env.settings_file
        if unset:
            if key is None or value is not None:
                env.error("usage: config --unset KEY")
                raise typer.Exit(USAGE)
            removed = core.unset(path, key)
            print(f"{key} {'unset' if removed else 'was not set'}: the default applies.", file=env.stdout)
            return
        if key is not None and value is not None:
            checked = core.from_text(key, value)
            if key == "fsrs_parameters":  # fsrs knows each parameter's bounds: check now, not at the next quiz
                from serverless_study.scheduler import Scheduler

                Scheduler(parameters=checked)
            core.save(path, key, checked)
            print(f"{key} = {core.value_text(key, checked)} (saved in {path})", file=env.stdout)
            note = core.not_in_effect(key, checked)
            if note:
                print(f"Note: saved for later; {note}.", file=env.stdout)
            return
        current = env.settings()
        if key is not None:
            core.spec_of(key)
            print(core.value_text(key, getattr(current, key)), file=env.stdout)
            return
        shown = {name: core.value_text(name, getattr(current, name)) for name in core.SPECS}
        width, value_width = max(map(len, shown)), min(16, max(map(len, shown.values())))
        for name, spec in core.SPECS.items():
            source = current.source(name).value
            note = core.not_in_effect(name, getattr(current, name))
            about = f"{spec.help} (not used yet: {note})" if note else spec.help
            print(f"{name:<{width}}  {shown[name]:<{value_width}}  {source:<7}  {about}", file=env.stdout)
