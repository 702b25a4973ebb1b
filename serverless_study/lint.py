"""Content lints: quiz cards that give their answer away, read ambiguously or cannot be typed, and stale sources.

Each finding is a warning with a stable code; `check` prints them and `check --strict` fails on them. An item that
breaks a lint on purpose says so with `lint-ignore: [{code, reason}]`.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from collections.abc import Sequence as Sequence_
from dataclasses import dataclass
from datetime import date
from difflib import SequenceMatcher
from itertools import chain

from serverless_study.answers import normalise, normalise_all
from serverless_study.model import Comparison, Concept, Fact, Item, Sequence, Topic

LINTS: dict[str, str] = {
    "SS100": "a lint-ignore that silences nothing",
    "SS101": "a definition containing its term, an alias, or a distinctive word of either",
    "SS102": "a table cell containing its own column's name",
    "SS103": "an accept entry equal to the answer, or to an earlier accept entry, after normalisation",
    "SS104": "a fact's answer appearing in another item's prompt or definition in the same topic",
    "SS105": "a typed answer of more than six words that is not a list",
    "SS106": 'a prompt mentioning "the notes", "the comparison", "above" or "below"',
    "SS107": "a sequence title that names its steps in order",
    "SS108": "two concept definitions so alike that one fits the other's term",
    "SS109": "a true/false row whose cells are near-identical or mirror each other",
    "SS110": "a topic whose newest source was checked more than 18 months ago",
    "SS111": "a topic with no sources at all",
}
MAX_TYPED_WORDS = 6
STALE_MONTHS = 18
SIMILAR_DEFINITIONS = 0.4  # share of content words two definitions have in common (Jaccard)
SIMILAR_CELLS = 0.85  # difflib ratio of two normalised cells
MIRRORED_CELLS = 0.75  # difflib ratio of two cells' words once negations and opposites are folded

# Words too common to give a term away or to make two texts alike.
_STOP = frozenset(
    """a an the and or of to in on for by with at from as is are be it its this that these those your you can do
    does not no into per than then when which who what how one each any all aws amazon service services""".split()  # noqa: SIM905
)
_NEGATIONS = frozenset("not no never without cannot cant dont doesnt isnt arent wont non do does is are can".split())  # noqa: SIM905
_ANTONYMS = {
    "short": "long",
    "less": "more",
    "fewer": "more",
    "low": "high",
    "lower": "higher",
    "small": "large",
    "smaller": "larger",
    "few": "many",
    "never": "always",
    "manual": "automatic",
    "manually": "automatically",
    "after": "before",
    "slow": "fast",
    "slower": "faster",
    "stateful": "stateless",
    "private": "public",
}
_META_WORDS = ("the notes", "the note", "the comparison", "above", "below")
_META = re.compile(rf"\b(?:{'|'.join(_META_WORDS)})\b", re.IGNORECASE)
_GAP = re.compile(r"\{\{.*?\}\}")
_ACRONYM = re.compile(r"^[A-Z][A-Z0-9]{2,5}s?$")
_CAPITALISED_RUN = re.compile(r"\b[A-Z][a-z]+(?:\s+[A-Z][a-z]+)+")
_LINE = "\n"  # joins texts for one regex pass over them all: `_META` and `_GAP` match within a line


@dataclass(frozen=True)
class Finding:
    code: str
    file: str
    line: int
    message: str
    topic_id: str = ""
    item_id: str = ""

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.code} {self.message}"

    def to_dict(self) -> dict[str, str | int]:
        return {
            "code": self.code,
            "file": self.file,
            "line": self.line,
            "topic": self.topic_id,
            "item": self.item_id,
            "message": self.message,
        }


def lint_topics(topics: list[Topic], today: date, *, start: int = 0, stop: int | None = None) -> list[Finding]:
    """Every lint finding for `topics[start:stop]`, in content order, minus those an item's lint-ignore silences.

    Lints that compare a topic with others (SS108's related topics) still see all of `topics`, so the findings of a
    range are those the whole run lists for it: two ranges can be linted apart (say, in two processes) and joined."""
    related = _RelatedWords({t.id: t for t in topics})  # what a topic's related topics say is worked out on demand
    out: list[Finding] = []
    for topic in topics[start:stop]:
        text = _Text(_texts_read(topic))
        asked = _topic_prompts(topic)
        raw = [
            *_item_findings(topic, text, asked),
            *_giveaways(topic, text, asked),
            *_alike_definitions(topic, text, related),
            *_freshness(topic, today),
        ]
        out += sorted(_apply_ignores(topic, raw), key=lambda f: f.line)
    return out


# --- per item ---------------------------------------------------------------------------------------------------


def _item_findings(topic: Topic, text: _Text, asked: str) -> Iterator[Finding]:
    """The findings of each item on its own, in item order; `asked` is `_topic_prompts(topic)`."""
    names = {c.id: _name_words(c, text) for c in topic.concepts}
    concepts_with = Counter(w for words in names.values() for w in words)  # word -> how many terms have it
    meta = _mentions_meta(asked)  # one pass: most topics have no SS106 finding at all
    others: tuple[Item, ...] = (*topic.concepts, *topic.comparisons, *topic.sequences)  # `topic.items` but facts
    for item in others:
        pairs: list[tuple[str, str]] = []
        if isinstance(item, Concept):
            # A word is distinctive if no other term of the topic has it: it singles this term out among the choices.
            distinctive = {w for w in names[item.id] if concepts_with[w] == 1}
            pairs += _definition_names_term(item, distinctive, text)
        elif isinstance(item, Comparison):
            pairs += _cell_names_column(item, text)
            pairs += _true_false_twins(item, text)
        elif isinstance(item, Sequence):
            pairs += _title_orders_steps(item, text)
        if meta:
            pairs += _meta_pairs(item)
        if pairs:
            yield from _Reporter(topic, item).all(pairs)
    for fact in topic.facts if meta else _suspect_facts(topic.facts, text):
        pairs = [*_accept_repeats(fact, text), *_long_answer(fact, text)]
        if meta:
            pairs += _meta_pairs(fact)
        if pairs:
            yield from _Reporter(topic, fact).all(pairs)


def _suspect_facts(facts: tuple[Fact, ...], text: _Text) -> list[Fact]:
    """The facts that may break SS103 or SS105, by a quick test that each finding needs: an accept entry normalised
    like the answer or another entry, or an answer with `MAX_TYPED_WORDS` spaces (`normalise` parts words by one)."""
    normal = text.normal
    out = []
    for f in facts:
        answer, accept = normal(f.answer), f.accept
        if len(accept) == 1:  # the usual list, and quicker to compare than to put in a set
            repeats = normal(accept[0]) == answer
        else:
            repeats = bool(accept) and len({answer, *map(normal, accept)}) <= len(accept)
        if repeats or (not f.parts and answer.count(" ") >= MAX_TYPED_WORDS):
            out.append(f)
    return out


def _meta_pairs(item: Item) -> Iterator[tuple[str, str]]:
    return (("SS106", f"{what} mentions {m.group(0)!r}") for what, m in _meta_mentions(item))


class _Reporter:
    """Turns (code, message) pairs into findings at the item's location."""

    def __init__(self, topic: Topic, item: Item) -> None:
        self.topic, self.item = topic, item

    def all(self, pairs: Iterable[tuple[str, str]]) -> Iterator[Finding]:
        loc = self.item.location
        for code, message in pairs:
            yield Finding(
                code,
                loc.file if loc else self.topic.source,
                loc.line if loc else 0,
                message,
                self.topic.id,
                self.item.id,
            )


def _name_words(c: Concept, text: _Text) -> set[str]:
    return set().union(*(text.content_words(n) for n in (c.term, *c.aliases)))


def _definition_names_term(c: Concept, distinctive: set[str], text: _Text) -> Iterator[tuple[str, str]]:
    for name in (c.term, *c.aliases):
        if text.has_phrase(c.definition, name):
            yield "SS101", f"the definition of {_q(c.term)} names it ({_q(name)})"
            return
    spelled = next((a for a in _acronyms(c) if _spells_out(c.definition, a, text)), None)
    if spelled:
        yield "SS101", f"the definition of {_q(c.term)} spells out {_q(spelled)}"
        return
    shared = sorted(distinctive.intersection(text.stems(c.definition)))
    if shared:
        yield "SS101", f"the definition of {_q(c.term)} contains {_q(shared[0])}, a word of its term"


def _acronyms(c: Concept) -> list[str]:
    return [w.rstrip("s") for n in (c.term, *c.aliases) for w in n.split() if _ACRONYM.match(w)]


def _spells_out(definition: str, acronym: str, text: _Text) -> bool:
    """True if words of `definition` start with the acronym's letters ("Elastic Container Service" for ECS), or
    capitalised words spell all but its first letter ("Systems Manager" for SSM, "Container Registry" for ECR)."""
    words = text.words(definition)
    n = len(acronym)
    target = acronym.lower()
    if any("".join(w[0] for w in words[i : i + n]) == target for i in range(len(words) - n + 1)):
        return True
    return any("".join(w[0] for w in run.split()).lower() == target[1:] for run in _CAPITALISED_RUN.findall(definition))


def _accept_repeats(f: Fact, text: _Text) -> Iterator[tuple[str, str]]:
    seen = {text.normal(f.answer): -1}  # normalised → where it was first: -1 the answer, else an accept entry's index
    for i, entry in enumerate(f.accept):
        first = seen.setdefault(text.normal(entry), i)
        if first != i:
            repeated = f"accept entry {_q(f.accept[first])}" if first >= 0 else "the answer"
            yield "SS103", f"accept entry {_q(entry)} repeats {repeated}"


def _long_answer(f: Fact, text: _Text) -> Iterator[tuple[str, str]]:
    if f.parts:  # a list answer (answer: [a, b, c]) is marked part by part
        return
    n = len(text.stems(f.answer))  # a stem a word
    if n > MAX_TYPED_WORDS:
        yield "SS105", f"the answer has {n} words: too long to type; shorten it or make it a list"


def _cell_names_column(cmp: Comparison, text: _Text) -> Iterator[tuple[str, str]]:
    column_words = [text.content_words(c) for c in cmp.columns]
    # A column's own words: those no other column's name has.
    names = [w.difference(*(o for j, o in enumerate(column_words) if j != i)) for i, w in enumerate(column_words)]
    for row in cmp.rows:
        for i, cell in enumerate(row.cells):
            hit = sorted(names[i].intersection(text.stems(cell)))
            if cell and hit:
                yield "SS102", f"row {_q(row.id)}: the {_q(cmp.columns[i])} cell names its column ({_q(hit[0])})"


def _true_false_twins(cmp: Comparison, text: _Text) -> Iterator[tuple[str, str]]:
    for row in cmp.rows:
        cells = [c for c in row.cells if c]
        if len({text.normal(c) for c in cells}) < 2:
            continue  # no true/false card is made from this row
        for i, a in enumerate(cells):
            for b in cells[i + 1 :]:
                na, nb = text.normal(a), text.normal(b)
                if na == nb:
                    continue
                if _ratio(na, nb, SIMILAR_CELLS) >= SIMILAR_CELLS:
                    yield "SS109", f"row {_q(row.id)}: cells {_q(a)} and {_q(b)} are nearly the same"
                elif _mirrored(na.split(), nb.split()):
                    yield "SS109", f"row {_q(row.id)}: cells {_q(a)} and {_q(b)} mirror each other"


def _title_orders_steps(seq: Sequence, text: _Text) -> Iterator[tuple[str, str]]:
    title = list(text.stems(seq.title))
    positions = []
    for step in seq.steps:
        words = [s for w, s in zip(text.words(step.text), text.stems(step.text), strict=True) if w not in _STOP]
        at = next((title.index(w) for w in words if w in title), None)
        if at is not None:
            positions.append(at)
    if len(positions) >= 2 and positions == sorted(positions) and len(set(positions)) == len(positions):
        yield "SS107", f"the title {_q(seq.title)} names {len(positions)} of its steps in order"


def _meta_mentions(item: Item) -> Iterator[tuple[str, re.Match[str]]]:
    for what, text in _prompt_texts(item):
        m = _META.search(text)
        if m:
            yield what, m


def _prompt_texts(item: Item) -> list[tuple[str, str]]:
    """The texts a learner reads on the question side of the item's cards."""
    if isinstance(item, Concept):
        return [("the definition", item.definition)]
    if isinstance(item, Fact):
        return [("the prompt", item.prompt), ("the cloze", _GAP.sub(" ", item.cloze) if item.cloze else "")]
    if isinstance(item, Comparison):
        return [("the title", item.title), *(("a row label", r.label) for r in item.rows)]
    return [("the title", item.title)]


def _topic_prompts(topic: Topic) -> str:
    """Every `_prompt_texts` text of the topic, a line each, with the gaps of all clozes taken out in one pass (a gap
    does not span lines): `_META` matches it exactly when it matches one of the texts."""
    others: tuple[Item, ...] = (*topic.concepts, *topic.comparisons, *topic.sequences)  # the items but facts
    texts = [text for item in others for _, text in _prompt_texts(item)]
    texts += [f.prompt for f in topic.facts]
    return _LINE.join([*texts, _GAP.sub(" ", _LINE.join([f.cloze for f in topic.facts]))])


def _mentions_meta(prompts: str) -> bool:
    """`_META.search(prompts)`, answered without the regex for ASCII text that has none of its words."""
    if prompts.isascii():  # where IGNORECASE matches exactly what lower() makes the same
        lower = prompts.lower()
        if not any(w in lower for w in _META_WORDS):
            return False
    return _META.search(prompts) is not None


# --- across items -------------------------------------------------------------------------------------------------


def _giveaways(topic: Topic, text: _Text, asked: str) -> Iterator[Finding]:
    """SS104: prompts and definitions that contain another fact's answer; `asked` is `_topic_prompts(topic)`."""
    answers = _answers_in_prompts(topic, text, asked)
    if not answers:
        return
    # Table and sequence titles are headings and their cells are taught, not asked: only facts and concepts count.
    items: tuple[Concept | Fact, ...] = (*topic.concepts, *topic.facts)
    prompts = [(item, what, t) for item in items for what, t in _prompt_texts(item) if t]
    text.read([t for _, _, t in prompts])
    said = _vocabulary(topic, text)
    index = _word_index([t for _, _, t in prompts], {s for f in answers for s in text.stems(f.answer)}, text)
    for fact in answers:
        answer = text.stems(fact.answer)
        if not _says_more(fact, said, text):
            continue
        # A stem may be in no prompt at all: `_answers_in_prompts` read more than the prompts.
        candidates = sorted(set.intersection(*(index.get(s, set()) for s in answer)))
        hits = [i for i in candidates if _has_stems(text.stems(prompts[i][2]), answer)]
        # "Fargate or Lambda?": the prompt itself offers the answer, so no other prompt gives it away
        if any(prompts[i][0] is fact and prompts[i][1] == "the prompt" for i in hits):
            continue
        reported: set[str] = set()
        for i in hits:
            other, what, _ = prompts[i]
            if other is fact or other.id in reported:
                continue
            reported.add(other.id)
            yield from _Reporter(topic, other).all(
                [("SS104", f"{what} gives away the answer of {_q(fact.id)} ({_q(fact.answer)})")]
            )


def _answers_in_prompts(topic: Topic, text: _Text, asked: str) -> list[Fact]:
    """The facts whose every answer word is, by its stem, a word of `asked` (`_topic_prompts(topic)`): the usual fact,
    with a word in no prompt, cannot be given away. `asked` holds more than SS104's prompts (table titles, row labels)
    and is normalised as one text, whose words are those of its lines normalised apart but for an article starting a
    line: more words, so no fact that may be given away is left out, and no prompt is normalised on its own here."""
    heard = set(_forms(set(_stemmed(set(normalise(asked).split())))))  # the words whose stem a word of `asked` has
    normal = text.normal
    return [f for f in topic.facts if heard.issuperset(normal(f.answer).split())]


def _vocabulary(topic: Topic, text: _Text) -> set[tuple[str, ...]]:
    """The `_phrases` of the topic's own name and the terms it defines: they appear in prompts by necessity."""
    vocabulary = [topic.title, topic.id.replace("-", " ")]
    # Not aliases: an alias ("EKS-D", "K8s") is what a short-name fact asks for, so it must not leak into prompts.
    vocabulary += [c.term for c in topic.concepts]
    aliases = {text.normal(a) for c in topic.concepts for a in c.aliases}
    vocabulary += [col for cmp in topic.comparisons for col in cmp.columns if text.normal(col) not in aliases]
    return _phrases(text.stems(v) for v in vocabulary)


def _says_more(fact: Fact, said: set[tuple[str, ...]], text: _Text) -> bool:
    """True if the fact's answer says something the topic's own vocabulary (`said`, see `_phrases`) does not."""
    # "yes" or "the" give nothing away; nor does "Lambda" in the Lambda topic
    return bool(text.content_words(fact.answer)) and text.stems(fact.answer) not in said


def _word_index(texts: list[str], stems: set[str], text: _Text) -> dict[str, set[int]]:
    """Each of `stems` → the positions of the `texts` with a word of that stem (the stem, or its plural)."""
    forms = _forms(stems)
    index: dict[str, set[int]] = {}
    for i, t in enumerate(texts):
        for word in forms.keys() & text.words(t):
            index.setdefault(forms[word], set()).add(i)
    return index


def _alike_definitions(topic: Topic, text: _Text, related: _RelatedWords) -> Iterator[Finding]:
    """SS108: concepts of the topic, or of a related topic, defined in nearly the same words."""
    if not topic.concepts:
        return
    peers, peer_words = related.of(topic)
    pool = [*topic.concepts, *peers]  # each concept of the topic is compared with those after it here
    words = [*(text.content_words(c.definition) for c in topic.concepts), *peer_words]
    for i, j in _similar_pairs(words, len(topic.concepts)):
        a, b = pool[i], pool[j]
        score = _jaccard(words[i], words[j])
        yield from _Reporter(topic, a).all(
            [("SS108", f"the definitions of {_q(a.term)} and {_q(b.term)} are {score:.0%} alike")]
        )


class _RelatedWords:
    """The content words of each related topic's definitions, worked out once however many topics relate to it."""

    def __init__(self, by_id: dict[str, Topic]) -> None:
        self.by_id = by_id
        self.words: dict[str, list[frozenset[str]]] = {}

    def of(self, topic: Topic) -> tuple[list[Concept], list[frozenset[str]]]:
        """The concepts of the topic's related topics, in order, and the content words of their definitions."""
        concepts: list[Concept] = []
        words: list[frozenset[str]] = []
        for r in topic.related:
            other = self.by_id.get(r)
            if other is None or r == topic.id:
                continue
            if r not in self.words:
                text = _Text(list(dict.fromkeys(c.definition for c in other.concepts)))
                self.words[r] = [text.content_words(c.definition) for c in other.concepts]
            concepts += other.concepts
            words += self.words[r]
        return concepts, words


def _similar_pairs(sets: list[frozenset[str]], first: int) -> Iterator[tuple[int, int]]:
    """The pairs (i, j), i < `first` and i < j, whose sets are `SIMILAR_DEFINITIONS` alike or more, in order.

    Prefix filtering: with the words of each set ranked rarest first, two sets that alike share a word among the
    first len - ceil(threshold * len) + 1 of each, so only such pairs are scored (not all of them)."""
    counts = Counter(chain.from_iterable(sets))
    rank = {w: i for i, w in enumerate(sorted(counts, key=counts.__getitem__))}  # one order for all sets
    prefixes = [sorted(s, key=rank.__getitem__)[: _prefix_length(len(s))] for s in sets]
    having: dict[str, list[int]] = {}  # a word → the sets with it in their prefix, in order
    for j, prefix in enumerate(prefixes):
        for w in prefix:
            having.setdefault(w, []).append(j)
    for i in range(first):
        for j in sorted({j for w in prefixes[i] for j in having[w] if j > i}):
            if _jaccard(sets[i], sets[j]) >= SIMILAR_DEFINITIONS:
                yield i, j


def _prefix_length(size: int) -> int:
    """How many of a set's rarest words a set at least `SIMILAR_DEFINITIONS` alike must share one of (one spare)."""
    return min(size, size - math.ceil(SIMILAR_DEFINITIONS * size) + 2)


def _freshness(topic: Topic, today: date) -> Iterator[Finding]:
    dates = [s.checked for s in chain(topic.sources, *[i.sources for i in topic.items if i.sources])]
    if not dates:
        yield Finding("SS111", topic.source, 1, "the topic has no sources: add sources: [{url, checked}]", topic.id)
        return
    newest = max(dates)
    year, month = (int(x) for x in newest.split("-"))
    age = (today.year * 12 + today.month) - (year * 12 + month)
    if age > STALE_MONTHS:
        yield Finding("SS110", topic.source, 1, f"newest source checked {newest}, {age} months ago: recheck", topic.id)


def _apply_ignores(topic: Topic, findings: list[Finding]) -> list[Finding]:
    ignoring = [i for i in topic.items if i.lint_ignore]
    if not ignoring:
        return findings
    ignored = {(i.id, x.code) for i in ignoring for x in i.lint_ignore}
    used = {(f.item_id, f.code) for f in findings}
    out = [f for f in findings if (f.item_id, f.code) not in ignored]
    for item in ignoring:
        for x in item.lint_ignore:
            if (item.id, x.code) not in used:
                what = "is not a lint code" if x.code not in LINTS else "silences nothing here"
                out += _Reporter(topic, item).all([("SS100", f"lint-ignore {x.code} {what}")])
    return out


# --- text helpers -------------------------------------------------------------------------------------------------


class _Text:
    """The words of the texts the lints read, each text worked out once; the texts given first are normalised
    together (`normalise_all`), any other on first use. Each view is a dict's own lookup, so a text seen before costs
    no Python call."""

    def __init__(self, texts: list[str]) -> None:
        self._normal = _Normal(zip(texts, normalise_all(texts), strict=True))
        self.normal: Callable[[str], str] = self._normal.__getitem__
        self.stems: Callable[[str], tuple[str, ...]] = _Stems(self.normal).__getitem__
        """The words with plurals made singular ("segments" and "segment" alike)."""
        self.content_words: Callable[[str], frozenset[str]] = _ContentWords(self).__getitem__
        """The stems of the words that can give a term away or make two texts alike: no stop word or letter."""

    def read(self, texts: list[str]) -> None:
        """Normalise those of `texts` not seen yet together, as the first ones were."""
        new = [t for t in dict.fromkeys(texts) if t not in self._normal]
        self._normal.update(zip(new, normalise_all(new), strict=True))

    def words(self, text: str) -> list[str]:
        return self.normal(text).split()

    def has_phrase(self, text: str, phrase: str) -> bool:
        return _has_stems(self.stems(text), self.stems(phrase))


class _Normal(dict[str, str]):
    """`normalise` of each text asked for, worked out on first use."""

    def __missing__(self, text: str) -> str:
        normal = self[text] = normalise(text)
        return normal


class _Stems(dict[str, tuple[str, ...]]):
    def __init__(self, normal: Callable[[str], str]) -> None:
        self.normal = normal

    def __missing__(self, text: str) -> tuple[str, ...]:
        stems = self[text] = tuple(_stemmed(self.normal(text).split()))
        return stems


class _ContentWords(dict[str, frozenset[str]]):
    def __init__(self, text: _Text) -> None:
        self.text = text

    def __missing__(self, text: str) -> frozenset[str]:
        pairs = zip(self.text.words(text), self.text.stems(text), strict=True)
        content = self[text] = frozenset([s for w, s in pairs if w not in _STOP and len(w) > 1])
        return content


def _texts_read(topic: Topic) -> list[str]:
    """The texts of the topic the lints read, but facts' prompts and clozes: SS104 alone reads those, and only in a
    topic where some answer may be given away (see `_answers_in_prompts`)."""
    texts = [topic.title, topic.id.replace("-", " ")]
    texts += [f.answer for f in topic.facts]
    texts += chain.from_iterable(f.accept for f in topic.facts)
    texts += [t for c in topic.concepts for t in (c.term, *c.aliases, c.definition)]
    texts += [t for cmp in topic.comparisons for t in (cmp.title, *cmp.columns) if t]
    texts += [t for cmp in topic.comparisons for r in cmp.rows for t in (r.label, *r.cells) if t]
    texts += [t for seq in topic.sequences for t in (seq.title, *(step.text for step in seq.steps))]
    return texts


def _stemmed(words: Iterable[str]) -> list[str]:
    """Each word with a plural's s taken off: ending a word of four letters or more, not after another s."""
    return [w[:-1] if w[-1] == "s" and len(w) > 3 and w[-2] != "s" else w for w in words]


def _forms(stems: Iterable[str]) -> dict[str, str]:
    """Each of `stems` and the words `_stemmed` makes it of → that stem: a word has a stem among `stems` exactly when
    it is a key, since a stem is its own stem."""
    forms = {s: s for s in stems}
    forms.update([(s + "s", s) for s in forms if len(s) >= 3 and s[-1] != "s"])  # the plural, the only other word
    return forms


def _has_stems(stems: tuple[str, ...], target: tuple[str, ...]) -> bool:
    """True if `target` is a run of `stems` (and not empty)."""
    n = len(target)
    return n > 0 and any(stems[i : i + n] == target for i, s in enumerate(stems) if s == target[0])


def _phrases(texts: Iterable[tuple[str, ...]]) -> set[tuple[str, ...]]:
    """Every run of words of each text (given as stems): `_has_stems(text, p)` for one of `texts` is `p in` it."""
    out: set[tuple[str, ...]] = set()
    for stems in texts:
        out.update(stems[i:j] for i in range(len(stems)) for j in range(i + 1, len(stems) + 1))
    return out


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def _ratio(a: Sequence_[str], b: Sequence_[str], floor: float) -> float:
    """difflib's ratio of `a` and `b` if it is `floor` or more, else 0: first its bound from the elements they share
    (`quick_ratio`, counted in C), which rules most pairs out."""
    length = len(a) + len(b)
    shared = (Counter(a) & Counter(b)).total()
    if length and 2.0 * shared / length < floor:  # difflib's own formula, so the bound compares as its ratio would
        return 0.0
    return SequenceMatcher(None, a, b).ratio()


def _mirrored(a: list[str], b: list[str]) -> bool:
    """Cells that say nearly the same once negations are dropped and opposites folded ("long-" / "short-running")."""
    folded = _ratio(_mirror_key(a), _mirror_key(b), MIRRORED_CELLS)
    return folded >= MIRRORED_CELLS and folded > SequenceMatcher(None, a, b).ratio()


def _mirror_key(words: list[str]) -> list[str]:
    return [_ANTONYMS.get(w, w) for w in words if w not in _NEGATIONS]


def _q(text: str, limit: int = 40) -> str:
    """Quoted content text on one line, shortened."""
    flat = " ".join(text.split())
    return repr(flat if len(flat) <= limit else flat[: limit - 1] + "…")
