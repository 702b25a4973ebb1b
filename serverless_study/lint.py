"""Content lints: quiz cards that give their answer away, read ambiguously or cannot be typed, and stale sources.

Each finding is a warning with a stable code; `check` prints them and `check --strict` fails on them. An item that
breaks a lint on purpose says so with `lint-ignore: [{code, reason}]`.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from difflib import SequenceMatcher

from serverless_study.answers import normalise
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
_META = re.compile(r"\b(?:the notes?|the comparison|above|below)\b", re.IGNORECASE)
_GAP = re.compile(r"\{\{.*?\}\}")
_ACRONYM = re.compile(r"^[A-Z][A-Z0-9]{2,5}s?$")
_CAPITALISED_RUN = re.compile(r"\b[A-Z][a-z]+(?:\s+[A-Z][a-z]+)+")


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


def lint_topics(topics: list[Topic], today: date) -> list[Finding]:
    """Every lint finding for `topics`, in content order, minus those an item's lint-ignore silences."""
    by_id = {t.id: t for t in topics}
    out: list[Finding] = []
    for topic in topics:
        raw = [*_item_findings(topic), *_pair_findings(topic, by_id), *_freshness(topic, today)]
        out += sorted(_apply_ignores(topic, raw), key=lambda f: f.line)
    return out


# --- per item ---------------------------------------------------------------------------------------------------


def _item_findings(topic: Topic) -> Iterator[Finding]:
    names = {c.id: _name_words(c) for c in topic.concepts}
    concepts_with = Counter(w for words in names.values() for w in words)  # word -> how many terms have it
    for item in topic.items:
        found = _Reporter(topic, item)
        if isinstance(item, Concept):
            # A word is distinctive if no other term of the topic has it: it singles this term out among the choices.
            distinctive = {w for w in names[item.id] if concepts_with[w] == 1}
            yield from found.all(_definition_names_term(item, distinctive))
        elif isinstance(item, Fact):
            yield from found.all(_accept_repeats(item))
            yield from found.all(_long_answer(item))
        elif isinstance(item, Comparison):
            yield from found.all(_cell_names_column(item))
            yield from found.all(_true_false_twins(item))
        elif isinstance(item, Sequence):
            yield from found.all(_title_orders_steps(item))
        yield from found.all(("SS106", f"{what} mentions {m.group(0)!r}") for what, m in _meta_mentions(item))


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


def _name_words(c: Concept) -> set[str]:
    return set().union(*(_content_words(n) for n in (c.term, *c.aliases)))


def _definition_names_term(c: Concept, distinctive: set[str]) -> Iterator[tuple[str, str]]:
    for name in (c.term, *c.aliases):
        if _has_phrase(c.definition, name):
            yield "SS101", f"the definition of {_q(c.term)} names it ({_q(name)})"
            return
    spelled = next((a for a in _acronyms(c) if _spells_out(c.definition, a)), None)
    if spelled:
        yield "SS101", f"the definition of {_q(c.term)} spells out {_q(spelled)}"
        return
    shared = sorted(distinctive.intersection(_stems(c.definition)))
    if shared:
        yield "SS101", f"the definition of {_q(c.term)} contains {_q(shared[0])}, a word of its term"


def _acronyms(c: Concept) -> list[str]:
    return [w.rstrip("s") for n in (c.term, *c.aliases) for w in n.split() if _ACRONYM.match(w)]


def _spells_out(text: str, acronym: str) -> bool:
    """True if words of `text` start with the acronym's letters ("Elastic Container Service" for ECS), or capitalised
    words spell all but its first letter ("Systems Manager" for SSM, "Container Registry" for ECR)."""
    words = _words(text)
    n = len(acronym)
    target = acronym.lower()
    if any("".join(w[0] for w in words[i : i + n]) == target for i in range(len(words) - n + 1)):
        return True
    return any("".join(w[0] for w in run.split()).lower() == target[1:] for run in _CAPITALISED_RUN.findall(text))


def _accept_repeats(f: Fact) -> Iterator[tuple[str, str]]:
    seen = {_normal(f.answer): "the answer"}
    for entry in f.accept:
        key = _normal(entry)
        if key in seen:
            yield "SS103", f"accept entry {_q(entry)} repeats {seen[key]}"
        else:
            seen[key] = f"accept entry {_q(entry)}"


def _long_answer(f: Fact) -> Iterator[tuple[str, str]]:
    if getattr(f, "parts", ()):  # a list answer (answer: [a, b, c]) is marked part by part
        return
    n = len(_words(f.answer))
    if n > MAX_TYPED_WORDS:
        yield "SS105", f"the answer has {n} words: too long to type; shorten it or make it a list"


def _cell_names_column(cmp: Comparison) -> Iterator[tuple[str, str]]:
    column_words = [_content_words(c) for c in cmp.columns]
    # A column's own words: those no other column's name has.
    names = [w.difference(*(o for j, o in enumerate(column_words) if j != i)) for i, w in enumerate(column_words)]
    for row in cmp.rows:
        for i, cell in enumerate(row.cells):
            hit = sorted(names[i].intersection(_stems(cell)))
            if cell and hit:
                yield "SS102", f"row {_q(row.id)}: the {_q(cmp.columns[i])} cell names its column ({_q(hit[0])})"


def _true_false_twins(cmp: Comparison) -> Iterator[tuple[str, str]]:
    for row in cmp.rows:
        cells = [c for c in row.cells if c]
        if len({_normal(c) for c in cells}) < 2:
            continue  # no true/false card is made from this row
        for i, a in enumerate(cells):
            for b in cells[i + 1 :]:
                na, nb = _normal(a), _normal(b)
                if na == nb:
                    continue
                if SequenceMatcher(None, na, nb).ratio() >= SIMILAR_CELLS:
                    yield "SS109", f"row {_q(row.id)}: cells {_q(a)} and {_q(b)} are nearly the same"
                elif _mirrored(na.split(), nb.split()):
                    yield "SS109", f"row {_q(row.id)}: cells {_q(a)} and {_q(b)} mirror each other"


def _title_orders_steps(seq: Sequence) -> Iterator[tuple[str, str]]:
    title = list(_stems(seq.title))
    positions = []
    for step in seq.steps:
        words = [_stem(w) for w in _words(step.text) if w not in _STOP]
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
        return [("the prompt", item.prompt), ("the cloze", _GAP.sub(" ", item.cloze))]
    if isinstance(item, Comparison):
        return [("the title", item.title), *(("a row label", r.label) for r in item.rows)]
    return [("the title", item.title)]


# --- across items -------------------------------------------------------------------------------------------------


def _pair_findings(topic: Topic, by_id: dict[str, Topic]) -> Iterator[Finding]:
    yield from _giveaways(topic)
    yield from _alike_definitions(topic, by_id)


def _giveaways(topic: Topic) -> Iterator[Finding]:
    """SS104: prompts and definitions that contain another fact's answer."""
    # The topic's own name and the terms it defines are its vocabulary: they appear in prompts by necessity.
    vocabulary = [topic.title, topic.id.replace("-", " ")]
    # Not aliases: an alias ("EKS-D", "K8s") is what a short-name fact asks for, so it must not leak into prompts.
    vocabulary += [c.term for c in topic.concepts]
    aliases = {_normal(a) for c in topic.concepts for a in c.aliases}
    vocabulary += [col for cmp in topic.comparisons for col in cmp.columns if _normal(col) not in aliases]
    said = _phrases(vocabulary)
    # Table and sequence titles are headings and their cells are taught, not asked: only facts and concepts count.
    asked: tuple[Concept | Fact, ...] = (*topic.concepts, *topic.facts)
    prompts = [(item, what, _stems(text)) for item in asked for what, text in _prompt_texts(item)]
    targets = [(fact, _stems(fact.answer)) for fact in topic.facts if _gives_away(fact, said)]
    wanted = set().union(*(target for _, target in targets))
    index: dict[str, set[int]] = {}  # a word of some answer → the prompts that have it
    for i, (_, _, stems) in enumerate(prompts):
        for s in wanted.intersection(stems):
            index.setdefault(s, set()).add(i)
    for fact, target in targets:
        candidates = set.intersection(*(index.get(s, set()) for s in target))
        reported: set[str] = set()
        for i in sorted(candidates):
            other, what, stems = prompts[i]
            if other is fact or other.id in reported or not _has_stems(stems, target):
                continue
            reported.add(other.id)
            yield from _Reporter(topic, other).all(
                [("SS104", f"{what} gives away the answer of {_q(fact.id)} ({_q(fact.answer)})")]
            )


def _gives_away(fact: Fact, said: set[tuple[str, ...]]) -> bool:
    """True if the fact's answer could give it away in another prompt: it says something the topic's own vocabulary
    (`said`, see `_phrases`) does not, and the fact's own prompt does not offer it."""
    if not _content_words(fact.answer) or _stems(fact.answer) in said:
        return False  # "yes" or "the" give nothing away; nor does "Lambda" in the Lambda topic
    # "Fargate or Lambda?": the prompt itself offers the answer, so no other prompt gives it away
    return not _has_phrase(fact.prompt, fact.answer)


def _alike_definitions(topic: Topic, by_id: dict[str, Topic]) -> Iterator[Finding]:
    """SS108: concepts of the topic, or of a related topic, defined in nearly the same words."""
    peers = [c for r in topic.related if r in by_id and r != topic.id for c in by_id[r].concepts]
    for i, a in enumerate(topic.concepts):
        for b in [*topic.concepts[i + 1 :], *peers]:
            score = _jaccard(_content_words(a.definition), _content_words(b.definition))
            if score >= SIMILAR_DEFINITIONS:
                yield from _Reporter(topic, a).all(
                    [("SS108", f"the definitions of {_q(a.term)} and {_q(b.term)} are {score:.0%} alike")]
                )


def _freshness(topic: Topic, today: date) -> Iterator[Finding]:
    dates = [s.checked for s in topic.sources] + [s.checked for i in topic.items for s in i.sources]
    if not dates:
        yield Finding("SS111", topic.source, 1, "the topic has no sources: add sources: [{url, checked}]", topic.id)
        return
    newest = max(dates)
    year, month = (int(x) for x in newest.split("-"))
    age = (today.year * 12 + today.month) - (year * 12 + month)
    if age > STALE_MONTHS:
        yield Finding("SS110", topic.source, 1, f"newest source checked {newest}, {age} months ago: recheck", topic.id)


def _apply_ignores(topic: Topic, findings: list[Finding]) -> list[Finding]:
    ignored = {(i.id, x.code) for i in topic.items for x in i.lint_ignore}
    used = {(f.item_id, f.code) for f in findings}
    out = [f for f in findings if (f.item_id, f.code) not in ignored]
    for item in topic.items:
        for x in item.lint_ignore:
            if (item.id, x.code) not in used:
                what = "is not a lint code" if x.code not in LINTS else "silences nothing here"
                out += _Reporter(topic, item).all([("SS100", f"lint-ignore {x.code} {what}")])
    return out


# --- text helpers -------------------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=8192)
def _normal(text: str) -> str:
    """`normalise`, memoised: several lints read each text."""
    return normalise(text)


def _words(text: str) -> list[str]:
    return _normal(text).split()


def _stem(word: str) -> str:
    """Plural and singular alike: "segments" and "segment"."""
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


@functools.lru_cache(maxsize=8192)
def _stems(text: str) -> tuple[str, ...]:
    return tuple(map(_stem, _words(text)))


@functools.lru_cache(maxsize=8192)
def _content_words(text: str) -> frozenset[str]:
    return frozenset(_stem(w) for w in _words(text) if w not in _STOP and len(w) > 1)


def _has_phrase(text: str, phrase: str) -> bool:
    return _has_stems(_stems(text), _stems(phrase))


def _has_stems(stems: tuple[str, ...], target: tuple[str, ...]) -> bool:
    """True if `target` is a run of `stems` (and not empty)."""
    n = len(target)
    return n > 0 and any(stems[i : i + n] == target for i, s in enumerate(stems) if s == target[0])


def _phrases(texts: Iterable[str]) -> set[tuple[str, ...]]:
    """Every run of words of each text, as stems: `_has_phrase(text, p)` for one of `texts` is `_stems(p) in` it."""
    out: set[tuple[str, ...]] = set()
    for text in texts:
        stems = _stems(text)
        out.update(stems[i:j] for i in range(len(stems)) for j in range(i + 1, len(stems) + 1))
    return out


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def _mirrored(a: list[str], b: list[str]) -> bool:
    """Cells that say nearly the same once negations are dropped and opposites folded ("long-" / "short-running")."""
    folded = SequenceMatcher(None, _mirror_key(a), _mirror_key(b)).ratio()
    return folded >= MIRRORED_CELLS and folded > SequenceMatcher(None, a, b).ratio()


def _mirror_key(words: list[str]) -> list[str]:
    return [_ANTONYMS.get(w, w) for w in words if w not in _NEGATIONS]


def _q(text: str, limit: int = 40) -> str:
    """Quoted content text on one line, shortened."""
    flat = " ".join(text.split())
    return repr(flat if len(flat) <= limit else flat[: limit - 1] + "…")
