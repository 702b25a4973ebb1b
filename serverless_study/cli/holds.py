"""`suspend`, `unsuspend` and `bury`: keep cards out of the quiz, for good or for the rest of the day."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from serverless_study.cli.context import Env, errors_handled, get_env

if TYPE_CHECKING:
    from datetime import datetime

    from serverless_study.holds import Named
    from serverless_study.store import Store

IDS = typer.Argument(
    metavar="ID...",
    help="A card id (topic/item/kind, as stats lists them), an item id (topic/item: all its cards) or a topic "
    "(id or alias: all its cards).",
)


def suspend(ctx: typer.Context, ids: Annotated[list[str], IDS]) -> None:
    """Never ask these cards again until you unsuspend them (their schedule and history are kept)."""
    from serverless_study.store import HoldKind

    env = get_env(ctx)
    with errors_handled(env), _opened(env) as store:
        now = env.clock()
        named = _resolve(env, store, ids, now)
        store.hold(_ids(named), HoldKind.SUSPENDED, now=now)
        again = " ".join(n.id for n in named)
        print(f"Suspended {_what(named)}; `serverless-study unsuspend {again}` asks again.", file=env.stdout)


def unsuspend(ctx: typer.Context, ids: Annotated[list[str], IDS]) -> None:
    """Ask these cards again when due: lifts a suspension, or a bury before the day is over."""
    env = get_env(ctx)
    with errors_handled(env), _opened(env) as store:
        named = _resolve(env, store, ids, env.clock(), include_held=True)
        released = store.release(_ids(named))
        not_held = len(_ids(named)) - released
        rest = f" ({not_held} of them were not held)" if released and not_held else ""
        message = (
            f"Unsuspended {_what(named)}{rest}: asked again when due."
            if released
            else f"Nothing to do: {_what(named)} is not suspended or buried."
        )
        print(message, file=env.stdout)


def bury(ctx: typer.Context, ids: Annotated[list[str], IDS]) -> None:
    """Hide these cards until your next study day starts (see day_starts); a suspension stays as it is."""
    from serverless_study.cli.quiz import local_time_text
    from serverless_study.holds import bury_until
    from serverless_study.store import HoldKind

    env = get_env(ctx)
    with errors_handled(env), _opened(env) as store:
        now = env.clock()
        named = _resolve(env, store, ids, now)
        until = bury_until(env.today(now))
        suspended = sum(h.kind is HoldKind.SUSPENDED for h in store.holds(now, _ids(named)).values())
        store.hold(_ids(named), HoldKind.BURIED, now=now, until=until)
        kept = f"; {suspended} suspended stay{'s' if suspended == 1 else ''} suspended" if suspended else ""
        print(
            f"Buried {_what(named)} until your next study day ({local_time_text(until, now)}){kept}.", file=env.stdout
        )


def _opened(env: Env) -> Store:
    from serverless_study.store import Store

    return Store.in_dir(env.data_dir, warn=env.warn)


def _resolve(env: Env, store: Store, ids: list[str], now: datetime, *, include_held: bool = False) -> list[Named]:
    """The cards the ids name; an unknown id is a usage error (exit 2) and nothing changes."""
    from serverless_study.cards import generate_cards
    from serverless_study.holds import resolve

    topics = env.load().topics
    return resolve(ids, generate_cards(topics), topics, known=store.holds(now) if include_held else ())


def _ids(named: list[Named]) -> list[str]:
    from serverless_study.holds import card_ids

    return card_ids(named)


def _what(named: list[Named]) -> str:
    from serverless_study.textview import named_cards_text

    return named_cards_text(named)
