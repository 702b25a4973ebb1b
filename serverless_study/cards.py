"""Topics → cards with stable ids, and cards → concrete questions drawn with an injected RNG."""

from __future__ import annotations

import hashlib
import itertools
import random
import re
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping

from serverless_study.errors import UsageError
from serverless_study.model import (
    CLOZE_GAP,
    Card,
    CardKind,
    Comparison,
    Concept,
    Fact,
    Item,
    Question,
    Row,
    Sequence,
    Topic,
)

GAP = "_____"
MAX_CHOICES = 4
_NOT_SLUG = re.compile(r"[^a-z0-9]+")
_WORDS = re.compile(r"[^\W_]+")
_MAX_ORDER_ALTERNATIVES = 24
CONTENT_HASH_CHARS = 12  # a card's content hash: hex digits kept of the SHA-1 of what it shows (stored per review)
_ITEM_TYPE = {
    CardKind.TYPED: Fact,
    CardKind.CLOZE: Fact,
    CardKind.CHOICE: Concept,
    CardKind.RECALL: Concept,
    CardKind.COLUMN: Comparison,
    CardKind.TRUE_FALSE: Comparison,
    CardKind.ORDER: Sequence,
    CardKind.NEXT: Sequence,
}


def generate_cards(topics: list[Topic]) -> list[Card]:
    """Every card of every topic, in content order, with stable ids."""
    return [card for topic in topics for card in _topic_cards(topic)]


CardGroups = tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...], tuple[str, ...]]


def card_groups(topic: Topic) -> CardGroups:
    """A topic's card ids in content order, split by the item they come from: concepts, tables, sequences, facts."""
    return group_ids(_topic_cards(topic))


def group_ids(cards: Iterable[Card]) -> CardGroups:
    """The ids of one topic's cards (in content order) split by the item they come from, as `card_groups`."""
    groups: tuple[list[str], ...] = ([], [], [], [])
    for card in cards:
        groups[_ITEM_ORDER[_ITEM_TYPE[card.kind]]].append(card.id)
    return tuple(groups[0]), tuple(groups[1]), tuple(groups[2]), tuple(groups[3])


_ITEM_ORDER: dict[type, int] = {Concept: 0, Comparison: 1, Sequence: 2, Fact: 3}  # the order _topic_cards makes them


class Deck:
    """The cards of some content by topic, known by id; a topic's Card objects are built only when asked for.

    A quiz chooses what to ask from ids alone (card ids say topic, item, kind and part), so with a content index
    behind it only the topics of the cards it asks are ever loaded.
    """

    def __init__(
        self,
        topic_ids: Iterable[str],
        groups: Callable[[str], CardGroups],
        cards: Callable[[str], Iterable[Card]],
    ) -> None:
        self.topic_ids = tuple(topic_ids)
        self._known = frozenset(self.topic_ids)
        self._groups_of, self._cards_of = groups, cards
        self._groups: dict[str, CardGroups] = {}
        self._ids: dict[str, frozenset[str]] = {}
        self._built: dict[str, dict[str, Card]] = {}
        self._held: frozenset[str] = frozenset()

    @classmethod
    def of(cls, cards: Iterable[Card]) -> Deck:
        """A deck over cards already built (content order kept)."""
        by_topic: dict[str, list[Card]] = {}
        for card in cards:
            by_topic.setdefault(card.topic_id, []).append(card)
        return cls(list(by_topic), lambda topic_id: group_ids(by_topic[topic_id]), lambda topic_id: by_topic[topic_id])

    def only(self, topic_ids: Iterable[str] | None) -> Deck:
        """The same deck limited to `topic_ids` (None: all), sharing what is built."""
        if topic_ids is None:
            return self
        wanted = set(topic_ids)
        deck = Deck([t for t in self.topic_ids if t in wanted], self._groups_of, self._cards_of)
        deck._groups, deck._ids, deck._built, deck._held = self._groups, self._ids, self._built, self._held
        return deck

    def without(self, card_ids: Collection[str]) -> Deck:
        """The same deck without these cards (suspended or buried ones, say)."""
        if not card_ids:
            return self
        deck = self.only(self.topic_ids)
        deck._held = self._held | frozenset(card_ids)
        deck._groups, deck._ids = {}, {}
        return deck

    def groups(self, topic_id: str) -> CardGroups:
        """The topic's card ids in content order by item: concepts, tables, sequences, facts."""
        found = self._groups.get(topic_id)
        if found is None:
            a, b, c, d = self._groups_of(topic_id)
            if self._held:
                a, b, c, d = (tuple(x for x in g if x not in self._held) for g in (a, b, c, d))
            found = self._groups[topic_id] = (a, b, c, d)
        return found

    def ids(self, topic_id: str) -> frozenset[str]:
        found = self._ids.get(topic_id)
        if found is None:
            found = self._ids[topic_id] = frozenset(itertools.chain(*self.groups(topic_id)))
        return found

    def __contains__(self, card_id: object) -> bool:
        if not isinstance(card_id, str):
            return False
        topic_id = card_id.partition("/")[0]
        return topic_id in self._known and card_id in self.ids(topic_id)

    def __len__(self) -> int:
        return sum(len(self.ids(t)) for t in self.topic_ids)

    def __iter__(self) -> Iterator[str]:
        """Every card id, in content order."""
        return (cid for t in self.topic_ids for cid in itertools.chain(*self.groups(t)))

    def cards(self, card_ids: Iterable[str]) -> dict[str, Card]:
        """The cards with these ids (ids not in the deck are left out), building only their topics' cards."""
        out: dict[str, Card] = {}
        for cid in card_ids:
            if cid in self:
                topic_id = cid.partition("/")[0]
                built = self._built.get(topic_id)
                if built is None:
                    built = self._built[topic_id] = {c.id: c for c in self._cards_of(topic_id)}
                if cid in built:
                    out[cid] = built[cid]
        return out


def parse_card_id(card_id: str) -> tuple[str, str, CardKind, str]:
    """(topic id, item id, kind, part) of a card id "topic/item/kind[/part]"; ValueError if it is not one."""
    topic_id, item_id, kind, *rest = card_id.split("/", 3)
    return topic_id, item_id, CardKind(kind), rest[0] if rest else ""


def make_question(
    card: Card,
    topics: Mapping[str, Topic],
    rng: random.Random,
    *,
    confusions: Mapping[str, Iterable[str]] | None = None,
    avoid: Callable[[str], bool] = lambda _text: False,
) -> Question:
    """The card made concrete: choices/distractors/shuffles drawn from rng.

    `confusions` maps a case-folded name to the terms this learner has confused it with: a multiple-choice card
    offers those as distractors first. `avoid` tells which texts would give something away (another card's answer
    still to be asked): an option is not drawn when it, or what a wrong pick of it shows, says such a text, unless
    nothing else is left.

    Raises KeyError if the card's content no longer exists (check with `item_for` first).
    """
    item = item_for(card, topics)
    if item is None:
        raise KeyError(f"card {card.id!r} has no content any more")
    topic = topics[card.topic_id]
    part = card_part(card)
    if isinstance(item, Fact):
        return _fact_question(card, item)
    if isinstance(item, Concept):
        if card.kind is CardKind.RECALL:
            return _recall_question(card, item)
        return _choice_question(card, item, topic, topics, rng, confusions or {}, avoid)
    if isinstance(item, Comparison):
        row, column = _locate_cell(item, part)
        if card.kind is CardKind.COLUMN:
            return _column_question(card, item, row, column)
        return _true_false_question(card, item, row, rng)
    assert isinstance(item, Sequence)
    if card.kind is CardKind.ORDER:
        return _order_question(card, item, rng)
    return _next_question(card, item, int(part) - 1, rng, avoid)


def fact_card_question(topics: list[Topic], fact_id: str, *, cloze: bool = False) -> Question:
    """The typed (or cloze) question of the fact named "topic/item", as the quiz asks it.

    Raises UsageError naming what exists when there is no such fact, or it has no cloze.
    """
    topic_id, _, item_id = fact_id.partition("/")
    topic = next((t for t in topics if t.id == topic_id), None)
    if topic is None:
        raise UsageError(f"no topic {topic_id!r}; topics: {', '.join(t.id for t in topics)}")
    fact = next((f for f in topic.facts if f.id == item_id), None)
    if fact is None:
        raise UsageError(f"no fact {item_id!r} in {topic_id}; facts: {', '.join(f.id for f in topic.facts) or 'none'}")
    if cloze and not _cloze_ok(fact):
        raise UsageError(f"{topic_id}/{item_id} has no cloze")
    kind = CardKind.CLOZE if cloze else CardKind.TYPED
    card = next(c for c in _topic_cards(topic) if c.item_id == item_id and c.kind is kind)
    return _fact_question(card, fact)


def item_for(card: Card, topics: Mapping[str, Topic]) -> Item | None:
    """The content item a card came from (None if it no longer exists)."""
    topic = topics.get(card.topic_id)
    if topic is None:
        return None
    item = next((i for i in topic.items if i.id == card.item_id), None)
    if not isinstance(item, _ITEM_TYPE[card.kind]):
        return None
    # The item may remain while the card's own part (cloze, cell, row, step) has gone: then the card has too.
    part = card_part(card)
    if isinstance(item, Fact):
        ok = card.kind is CardKind.TYPED or _cloze_ok(item)
    elif isinstance(item, Comparison):
        row, col = _locate_cell(item, part)
        keys = _keys(row.cells) if row is not None else []
        ok = row is not None and (
            _true_false_ok(keys) if card.kind is CardKind.TRUE_FALSE else col is not None and _column_ok(keys, col)
        )
    elif isinstance(item, Sequence):
        keys = _keys(s.text for s in item.steps)
        ok = (
            _order_ok(keys)
            if card.kind is CardKind.ORDER
            else (part.isdigit() and 1 <= int(part) < len(keys) and _next_ok(keys, int(part) - 1))
        )
    else:
        ok = True
    return item if ok else None


def describe(card_id: str, topics: Mapping[str, Topic]) -> str:
    """A card named for people: "Tracing: On which port does the X-Ray daemon listen?" (the id if its content went)."""
    topic_id, _, rest = card_id.partition("/")
    item_id = rest.partition("/")[0]
    topic = topics.get(topic_id)
    item = next((i for i in topic.items if i.id == item_id), None) if topic else None
    if topic is None or item is None:
        return card_id
    if isinstance(item, Fact):
        name = item.prompt
    elif isinstance(item, Concept):
        name = item.term
    else:
        name = item.title
    return f"{topic.title}: {name}"


def reveals(card: Card, topics: Mapping[str, Topic]) -> tuple[str, tuple[str, ...]]:
    """(answer, shown): what the learner must produce, and every text its question and feedback may show.

    A session asks a card only after no earlier card's shown text contained its answer. Answers too generic to be
    given away by a mention (column names, True/False, orders, whole definitions) are "". A choice card's
    distractors are drawn when it is asked (`make_question`'s `avoid`), so they are not here.
    """
    item = item_for(card, topics)
    if isinstance(item, Fact):
        answer = item.answer if card.kind is CardKind.TYPED else (_cloze_gap(item) or item.answer)
        return answer, (item.prompt, item.cloze, item.answer, *item.accept, item.explanation, item.note)
    if isinstance(item, Concept):
        shown = (item.term, item.definition, *item.points, *item.aliases, item.note)
        return (item.term if card.kind is CardKind.CHOICE else ""), shown
    if isinstance(item, Sequence):
        texts = [s.text for s in item.steps]
        part = card_part(card)
        answer = texts[int(part)] if card.kind is CardKind.NEXT and part.isdigit() and int(part) < len(texts) else ""
        return answer, (item.title, *texts, *(s.detail for s in item.steps), item.note)
    if isinstance(item, Comparison):
        row, _col = _locate_cell(item, card_part(card))
        return "", (item.title, *item.columns, *((row.label, *row.cells) if row else ()), item.note)
    return "", ()


def _cloze_gap(fact: Fact) -> str:
    m = CLOZE_GAP.search(fact.cloze)
    return m.group(1).strip() if m else ""


# --- generation ---------------------------------------------------------------


def _topic_cards(topic: Topic) -> list[Card]:
    t = topic.id
    out: list[Card] = []
    add = out.append
    sha1 = hashlib.sha1

    def card(item_id: str, kind: CardKind, shown: tuple[str, ...], part: str = "") -> None:
        # content_hash covers what the card shows, so an edit is noticed while the id stays.
        digest = sha1("\x1f".join(shown).encode()).hexdigest()[:CONTENT_HASH_CHARS]
        add(
            Card(
                f"{t}/{item_id}/{kind.value}/{part}" if part else f"{t}/{item_id}/{kind.value}",
                t,
                item_id,
                kind,
                digest,
            )
        )

    for c in topic.concepts:
        card(c.id, CardKind.CHOICE, (c.term, c.definition))
        card(c.id, CardKind.RECALL, (c.term, c.definition, *c.points))
    for cmp in topic.comparisons:
        slugs = _column_slugs(cmp.columns)
        head = (cmp.title, *cmp.columns)
        for row in cmp.rows:
            keys = _keys(row.cells)
            for col, cell in enumerate(row.cells):
                if _column_ok(keys, col):
                    card(cmp.id, CardKind.COLUMN, (*head, row.label, cell), f"{row.id}.{slugs[col]}")
            if _true_false_ok(keys):
                card(cmp.id, CardKind.TRUE_FALSE, (*head, row.label, *row.cells), row.id)
    for seq in topic.sequences:
        texts = tuple(s.text for s in seq.steps)
        keys = _keys(texts)
        if _order_ok(keys):
            card(seq.id, CardKind.ORDER, (seq.title, *texts))
        for i in range(len(texts) - 1):
            if _next_ok(keys, i):
                card(seq.id, CardKind.NEXT, (seq.title, texts[i], texts[i + 1]), str(i + 1))
    typed, cloze = CardKind.TYPED, CardKind.CLOZE
    for f in topic.facts:
        card(f.id, typed, (f.prompt, f.answer, *f.accept))
        if _cloze_ok(f):
            card(f.id, cloze, (f.cloze, f.answer, *f.accept))
    return out


def _column_slugs(columns: tuple[str, ...]) -> list[str]:
    """A slug per column, unique within the table: "EC2 (classic)" → "ec2-classic"."""
    slugs: list[str] = []
    for i, col in enumerate(columns):
        slug = _NOT_SLUG.sub("-", col.lower()).strip("-") or f"col{i + 1}"
        base, n = slug, 2
        while slug in slugs:
            slug, n = f"{base}-{n}", n + 1
        slugs.append(slug)
    return slugs


def _cloze_ok(fact: Fact) -> bool:
    return CLOZE_GAP.search(fact.cloze) is not None


# The predicates below take the `_key`s of a row's cells or a sequence's steps, computed once per row or sequence.


def _keys(texts: Iterable[str]) -> list[str]:
    return [_key(t) for t in texts]


def _order_ok(keys: list[str]) -> bool:
    # Steps that all say the same thing cannot be shown out of order.
    return len(set(keys)) >= 2


def _column_ok(keys: list[str], col: int) -> bool:
    # An empty cell makes no card, and a statement found in two columns has no single right column.
    return col < len(keys) and bool(keys[col]) and keys.count(keys[col]) == 1


def _true_false_ok(keys: list[str]) -> bool:
    # Needs two different statements, so that a false variant can be made by swapping them.
    return len(set(keys) - {""}) >= 2


def _next_ok(keys: list[str], i: int) -> bool:
    # "What comes after X?" is ambiguous when X occurs twice, and needs a wrong option to offer.
    return keys.count(keys[i]) == 1 and _order_ok(keys)


def sibling_key(card: Card | str) -> str:
    """Cards that give each other away share a key: a concept's, fact's or sequence's cards; a table row's cards.

    A card id is enough (it names topic, item, kind and part), so a queue can be chosen without building cards.
    """
    topic_id, item_id, kind, part = parse_card_id(card if isinstance(card, str) else card.id)
    if kind not in (CardKind.COLUMN, CardKind.TRUE_FALSE):
        return f"{topic_id}/{item_id}"
    return f"{topic_id}/{item_id}/{part.split('.')[0]}"


def card_part(card: Card) -> str:
    """What follows "topic/item/kind/" in a card id: a table cell "row.column", a row, a step number, or ""."""
    prefix = f"{card.topic_id}/{card.item_id}/{card.kind.value}/"
    return card.id[len(prefix) :] if card.id.startswith(prefix) else ""


def _locate_cell(cmp: Comparison, part: str) -> tuple[Row | None, int | None]:
    row_id, _, slug = part.partition(".")
    row = next((r for r in cmp.rows if r.id == row_id), None)
    slugs = _column_slugs(cmp.columns)
    column = slugs.index(slug) if slug in slugs else None
    return row, column


# --- questions ----------------------------------------------------------------


def _fact_question(card: Card, fact: Fact) -> Question:
    if card.kind is CardKind.CLOZE:
        m = CLOZE_GAP.search(fact.cloze)
        assert m is not None  # item_for checked it
        gap = m.group(1).strip()
        prompt = CLOZE_GAP.sub(GAP, fact.cloze, count=1)
        accept = _unique((fact.answer, *fact.accept), exclude=(gap,))
        return Question(
            card.id,
            card.kind,
            prompt,
            answer=gap,
            accept=accept,
            explanation=_noted(fact),
            parts=fact.parts,
            ordered=fact.ordered,
        )
    return Question(
        card.id,
        card.kind,
        fact.prompt,
        answer=fact.answer,
        accept=fact.accept,
        explanation=_noted(fact),
        parts=fact.parts,
        ordered=fact.ordered,
    )


def _recall_question(card: Card, concept: Concept) -> Question:
    answer = concept.definition + "".join(f"\n- {p}" for p in concept.points)
    explanation = f"Also called: {', '.join(concept.aliases)}" if concept.aliases else ""
    explanation = "\n".join(x for x in (explanation, _note_line(concept.note)) if x)
    return Question(
        card.id, card.kind, f"What is {concept.term}?", answer=answer, explanation=explanation, self_rated=True
    )


def _choice_question(
    card: Card,
    concept: Concept,
    topic: Topic,
    topics: Mapping[str, Topic],
    rng: random.Random,
    confusions: Mapping[str, Iterable[str]],
    avoid: Callable[[str], bool],
) -> Question:
    taken = {_key(concept.term), *(_key(a) for a in concept.aliases)}
    related = [topics[r] for r in topic.related if r in topics and r != topic.id]

    def others() -> Iterator[Topic]:  # read only when nearer topics run short (`topics` may load them on demand)
        return (topics[t] for t in topics if t != topic.id and t not in topic.related)

    mixed_up = {x.casefold() for name in (concept.term, *concept.aliases) for x in confusions.get(name.casefold(), ())}
    tiers = (
        lambda: [
            c.term for t in (topics.values() if mixed_up else ()) for c in t.concepts if c.term.casefold() in mixed_up
        ],
        lambda: [c.term for c in topic.concepts if c.id != concept.id],
        lambda: [c.term for t in related for c in t.concepts],
        lambda: [c.term for t in others() for c in t.concepts],
    )
    meaning = _Definitions(itertools.chain([topic], related, others()))
    distractors = _draw(tiers, taken, rng, lambda term: not avoid(term) and not avoid(meaning.get(_key(term))))
    definition = _mask(concept.definition, (concept.term, *concept.aliases))
    prompt = f"Which term matches this definition?\n{definition}"
    explanation = "\n".join(x for x in (f"{concept.term}: {concept.definition}", _note_line(concept.note)) if x)
    if not distractors:  # no other term anywhere: the learner types the term instead (choices empty)
        return Question(
            card.id, card.kind, prompt, answer=concept.term, accept=concept.aliases, explanation=explanation
        )
    choices = _shuffled([concept.term, *distractors], rng)
    return Question(
        card.id,
        card.kind,
        prompt,
        choices=choices,
        answer=concept.term,
        explanation=explanation,
        glosses=tuple(meaning.get(_key(t)) for t in choices),
    )


class _Definitions:
    """Term key → its definition, the first found in `topics` in order (so a wrong pick can be explained); topics
    are read only as far as a lookup needs (`topics` may load them on demand)."""

    def __init__(self, topics: Iterator[Topic]) -> None:
        self._topics = topics
        self._found: dict[str, str] = {}

    def get(self, key: str) -> str:
        while key not in self._found:
            topic = next(self._topics, None)
            if topic is None:
                return ""
            for c in topic.concepts:
                self._found.setdefault(_key(c.term), c.definition)
        return self._found[key]


def _column_question(card: Card, cmp: Comparison, row: Row | None, col: int | None) -> Question:
    assert row is not None and col is not None
    statement = f"{row.label}: {row.cells[col]}" if row.label else row.cells[col]
    prompt = f"{cmp.title}: which column does this statement belong to?\n{statement}"
    return Question(
        card.id, card.kind, prompt, choices=cmp.columns, answer=cmp.columns[col], explanation=_row_summary(cmp, row)
    )


def _true_false_question(card: Card, cmp: Comparison, row: Row | None, rng: random.Random) -> Question:
    assert row is not None
    keys = _keys(row.cells)
    filled = [i for i, k in enumerate(keys) if k]
    col = rng.choice(filled)
    statement = row.cells[col]
    wrong = _unique([row.cells[i] for i in filled if keys[i] != keys[col]])
    truth = True
    if wrong and rng.random() < 0.5:
        statement, truth = rng.choice(wrong), False
    label = f" ({row.label})" if row.label else ""
    prompt = f"{cmp.title}{label}: true or false?\n{cmp.columns[col]}: {statement}"
    return Question(
        card.id,
        card.kind,
        prompt,
        choices=("True", "False"),
        answer="True" if truth else "False",
        explanation=_row_summary(cmp, row),
    )


def _order_question(card: Card, seq: Sequence, rng: random.Random) -> Question:
    texts = [s.text for s in seq.steps]
    keys = [_key(t) for t in texts]
    shown = list(range(len(texts)))  # shown[j] = original index of the step shown as number j + 1
    while [keys[i] for i in shown] == keys:  # never show the steps already in order
        rng.shuffle(shown)
    number = {orig: j + 1 for j, orig in enumerate(shown)}
    answer = " ".join(str(number[i]) for i in range(len(texts)))
    listing = "\n".join(f"{j + 1}. {texts[i]}" for j, i in enumerate(shown))
    prompt = f"{seq.title}: put these steps in order (type their numbers, e.g. 2 3 1):\n{listing}"
    return Question(
        card.id,
        card.kind,
        prompt,
        answer=answer,
        accept=_order_alternatives(keys, shown, answer),
        explanation="\n".join(x for x in (" → ".join(texts), _note_line(seq.note)) if x),
    )


def _order_alternatives(keys: list[str], shown: list[int], answer: str) -> tuple[str, ...]:
    """Other right answers when steps repeat: numbers of identical steps may swap places."""
    groups: dict[str, list[int]] = {}
    for j, i in enumerate(shown):
        groups.setdefault(keys[i], []).append(j + 1)
    if all(len(g) == 1 for g in groups.values()):
        return ()
    out: list[str] = []
    distinct = list(groups)
    pools = [itertools.permutations(groups[k]) for k in distinct]
    for combo in itertools.islice(itertools.product(*pools), _MAX_ORDER_ALTERNATIVES):
        choice = {k: list(p) for k, p in zip(distinct, combo, strict=False)}
        alt = " ".join(str(choice[k].pop(0)) for k in keys)
        if alt != answer:
            out.append(alt)
    return tuple(out)


def _next_question(card: Card, seq: Sequence, i: int, rng: random.Random, avoid: Callable[[str], bool]) -> Question:
    texts = [s.text for s in seq.steps]
    current, answer = texts[i], texts[i + 1]
    taken = {_key(answer)}
    tiers = (
        lambda: [t for j, t in enumerate(texts) if j not in (i, i + 1)],
        lambda: [current],  # the step itself, only when the sequence has nothing else to offer
    )
    place = {t: _step_place(texts, j) for j, t in reversed(list(enumerate(texts)))}
    distractors = _draw(tiers, taken, rng, lambda step: not avoid(step) and not avoid(place[step]))
    detail = seq.steps[i + 1].detail
    choices = _shuffled([answer, *distractors], rng)
    return Question(
        card.id,
        card.kind,
        f"{seq.title}: what comes after “{current}”?",
        choices=choices,
        answer=answer,
        explanation=f"{current} → {answer}" + (f": {detail}" if detail else ""),
        glosses=tuple(place[c] for c in choices),
    )


def _step_place(texts: list[str], j: int) -> str:
    """Where a step sits in its sequence: "step 4 of 6, after “Pull the image”"."""
    where = f"step {j + 1} of {len(texts)}"
    return f"{where}, after “{texts[j - 1]}”" if j else f"{where}, the first"


# --- helpers ------------------------------------------------------------------


def _draw(
    tiers: tuple[Callable[[], list[str]], ...], taken: set[str], rng: random.Random, keep: Callable[[str], bool]
) -> list[str]:
    """Up to MAX_CHOICES - 1 distinct options, exhausting each tier (in random order) before the next.

    Options `keep` refuses are offered only when the tiers have too few others, in the order they were met.
    """
    out: list[str] = []
    spare: list[str] = []
    for tier in tiers:
        for option in _random_order(tier(), rng):
            key = _key(option)
            if key and key not in taken:
                taken.add(key)
                (out if keep(option) else spare).append(option)
                if len(out) == MAX_CHOICES - 1:
                    return out
    return out + spare[: MAX_CHOICES - 1 - len(out)]


def _random_order(pool: list[str], rng: random.Random) -> Iterator[str]:
    """The pool in random order, drawn lazily (a Fisher-Yates shuffle that stops when the caller does)."""
    for i in range(len(pool)):
        j = rng.randrange(i, len(pool))
        pool[i], pool[j] = pool[j], pool[i]
        yield pool[i]


def _shuffled(options: list[str], rng: random.Random) -> tuple[str, ...]:
    rng.shuffle(options)
    return tuple(options)


def _unique(texts: list[str] | tuple[str, ...], exclude: tuple[str, ...] = ()) -> tuple[str, ...]:
    seen = {_key(x) for x in exclude}
    out = []
    for t in texts:
        if _key(t) not in seen:
            seen.add(_key(t))
            out.append(t)
    return tuple(out)


def _mask(text: str, names: tuple[str, ...]) -> str:
    """Hide the term (and its aliases) where the definition names it, so the prompt does not give it away."""
    for name in sorted(names, key=len, reverse=True):
        if name:
            text = re.sub(re.escape(name), GAP, text, flags=re.IGNORECASE)
    return text


def _key(text: str) -> str:
    """Words only, case-folded: enough to tell whether two options or steps say the same thing."""
    return " ".join(_WORDS.findall(text.casefold()))


def _noted(fact: Fact) -> str:
    """The explanation shown after answering, then the item's note (what changed, a caveat) if it has one."""
    return "\n".join(x for x in (fact.explanation, _note_line(fact.note)) if x)


def _note_line(note: str) -> str:
    return f"Note: {note}" if note else ""


def _row_summary(cmp: Comparison, row: Row) -> str:
    cells = "; ".join(f"{col}: {cell}" for col, cell in zip(cmp.columns, row.cells, strict=False) if cell)
    return "\n".join(x for x in (f"{row.label} — {cells}" if row.label else cells, _note_line(cmp.note)) if x)
