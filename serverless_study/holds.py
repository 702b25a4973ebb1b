"""Suspended and buried cards: which cards an id names, until when a bury lasts, what happens to a leech."""

from __future__ import annotations

import enum
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from serverless_study.days import Day
from serverless_study.errors import UsageError
from serverless_study.loader import find_topic
from serverless_study.model import Card, Topic
from serverless_study.store import Hold, HoldKind, Store


class LeechAction(enum.Enum):
    """The `leech_action` setting: a card that becomes a leech is listed by stats, or also suspended."""

    LIST = "list"
    SUSPEND = "suspend"


class Scope(str, enum.Enum):
    """What an id on the command line names."""

    CARD = "card"
    ITEM = "item"  # all the cards of a concept, fact, sequence or table
    TOPIC = "topic"  # all the cards of a topic


@dataclass(frozen=True)
class Named:
    """What one id on the command line named, and its cards."""

    id: str  # the card's, item's or topic's id (a topic may have been named by an alias)
    what: Scope
    card_ids: tuple[str, ...]

    @property
    def one_card(self) -> bool:
        return self.what is Scope.CARD


def resolve(
    names: Iterable[str], cards: Sequence[Card], topics: list[Topic], *, known: Collection[str] = ()
) -> list[Named]:
    """The cards each name means: a card id, an item id (`topic/item`: all its cards) or a topic (id or alias, as
    `quiz --topic` finds it). `known` are card ids accepted though no content has them (held cards of a removed
    topic, so that they can be unsuspended). UsageError names the first id that matches nothing: nothing is held."""
    by_id = {c.id: c for c in cards}
    by_item: dict[str, list[str]] = {}
    for card in cards:
        by_item.setdefault(f"{card.topic_id}/{card.item_id}", []).append(card.id)
    out = []
    for name in names:
        key = name.strip().strip("/")
        if key in by_id or key in known:
            out.append(Named(key, Scope.CARD, (key,)))
        elif key in by_item:
            out.append(Named(key, Scope.ITEM, tuple(by_item[key])))
        elif "/" not in key and len(matches := find_topic(topics, key)) == 1:
            topic_id = matches[0].id
            out.append(Named(topic_id, Scope.TOPIC, tuple(c.id for c in cards if c.topic_id == topic_id)))
        else:
            raise UsageError(f"{name!r}: no card, item (topic/item) or topic has this id")
    return out


def card_ids(named: Iterable[Named]) -> list[str]:
    """The cards of every name, each once, in the order named."""
    return list(dict.fromkeys(cid for n in named for cid in n.card_ids))


def bury_until(today: Day) -> datetime:
    """A bury lasts until the learner's next study day starts (the rollover hour, not midnight)."""
    return today.end


@dataclass(frozen=True)
class HeldCards:
    """The held cards of the loaded content, for stats: suspended ones, and those buried for the rest of today."""

    suspended: list[str]
    buried: list[str]


def held(store: Store, now: datetime, card_ids: Iterable[str]) -> HeldCards:
    """Held cards in content order (`card_ids`: the content's); holds of cards whose content is gone are listed
    too, after them."""
    holds: dict[str, Hold] = store.holds(now)
    order = [cid for cid in card_ids if cid in holds]
    order += sorted(set(holds) - set(order))
    return HeldCards(
        [cid for cid in order if holds[cid].kind is HoldKind.SUSPENDED],
        [cid for cid in order if holds[cid].kind is HoldKind.BURIED],
    )
