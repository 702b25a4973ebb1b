"""Pure answer checking: by token, with typo tolerance only where a slip cannot be another term of the content."""

from __future__ import annotations

import enum
import functools
import re
import unicodedata
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, NamedTuple

from serverless_study.errors import ContentError
from serverless_study.model import CardKind, Fact, Question, Topic

_QUOTES = re.compile(r"['\"`‘’“”´]")
_THOUSANDS = re.compile(r"(?<=\d)[,_](?=\d{3}(?!\d))")
_PUNCT = re.compile(r"[^\w\s]|_")
_ASCII_PUNCT = {i: " " for i in range(128) if _PUNCT.match(chr(i))}
_ARTICLE_WORD = r"(?:the|an|a) (?=\S)"
_ARTICLE = re.compile("^" + _ARTICLE_WORD)
_LINE_ARTICLE = re.compile("\n" + _ARTICLE_WORD)  # at the start of a line but the first: see `normalise_all`
# A character every step of `_normal_chars` keeps and none reads across (for `normalise_all`): a control character
# (the loader refuses them in content), whitespace to the punctuation step, unchanged by NFKC and casefold.
_BATCH_SEPARATOR = "\x1e"
_DIGITS = re.compile(r"\d+")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_ORDER = re.compile(r"\d+(?:\s*[,\s]\s*\d+)*")
_TOKEN = re.compile(r"\d+(?:\.\d+)?|[^\W\d_][^\W_]*|%")
_LIST_SEPARATOR = re.compile(r"\s*(?:[,;/&+\n]|\band\b|\bor\b)\s*", re.IGNORECASE)

# Words that carry no answer: articles and the "it is" of a full sentence.
FILLER = frozenset({"a", "an", "the", "it", "its", "is", "are", "was", "be", "of", "to"})
_VENDOR = frozenset({"aws", "amazon"})  # "Amazon ECS" and "ECS" name the same thing
_ALTERNATIVE_MARKERS = frozenset({"or", "vs", "versus"})  # "Fargate or Lambda?": both are offered, only one is right
_NEGATING = ("non", "dis", "un", "in", "im", "il", "ir", "de", "a")
_NUMBER_WORDS = {
    w: n
    for n, w in enumerate(
        re.findall(
            r"\w+",
            "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
            "seventeen eighteen nineteen twenty",
        )
    )
} | {"thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "hundred": 100, "thousand": 1000}
_SECONDS = {
    **dict.fromkeys(("ms", "msec", "msecs", "millisecond", "milliseconds"), Fraction(1, 1000)),
    **dict.fromkeys(("s", "sec", "secs", "second", "seconds"), Fraction(1)),
    **dict.fromkeys(("min", "mins", "minute", "minutes"), Fraction(60)),
    **dict.fromkeys(("h", "hr", "hrs", "hour", "hours"), Fraction(3600)),
    **dict.fromkeys(("day", "days"), Fraction(86400)),
}
_SIZES = {
    spelling: unit
    for unit, long in (
        ("kb", "kilobyte"),
        ("mb", "megabyte"),
        ("gb", "gigabyte"),
        ("tb", "terabyte"),
        ("kib", "kibibyte"),
        ("mib", "mebibyte"),
        ("gib", "gibibyte"),
        ("tib", "tebibyte"),
    )
    for spelling in (unit, long, long + "s")
}
_PERCENT = frozenset({"%", "percent", "pc"})


class Reason(str, enum.Enum):
    """Why a verdict came out as it did; `try` prints it and tests check it."""

    EXACT = "exact"
    ALTERNATIVE = "accepted alternative"
    ALIAS = "another name for the same thing"
    TYPO = "small typo"
    REWORDED = "same words"  # another order, words from the question, filler
    QUANTITY = "same quantity"
    LIST = "order-free list"
    CHOICE = "choice"
    ORDER = "order"
    SELF_RATED = "self-rated"
    EMPTY = "no answer"
    PARTIAL_LIST = "partly right list"
    CONFUSED = "another term of the content"
    OVERRIDDEN = "judged wrong, but the learner said it was right"
    ONLY_QUESTION = "only words from the question"
    WRONG = "wrong"


class TermKind(str, enum.Enum):
    CONCEPT = "concept"
    FACT = "fact"
    COLUMN = "column"


@dataclass(frozen=True)
class Term:
    """A named thing of the content that a learner may confuse with the answer."""

    name: str  # as written: "Amazon EKS"
    kind: TermKind
    topic_id: str
    topic_title: str
    about: str  # concept: first clause of its definition; fact: its prompt; column: the table's title
    concept_id: str = ""  # for concepts: names of one concept are the same thing

    def describe(self) -> str:
        """One sentence saying what the term is and where it lives."""
        if self.kind is TermKind.CONCEPT:
            if re.match(r"(?:the|an?) |\S+'s ", self.about):
                return f"{self.name} is {self.about} ({self.topic_title})."
            return f"{self.name}: {self.about} ({self.topic_title})."
        if self.kind is TermKind.FACT:
            return f"{self.name} is the answer to “{self.about}” ({self.topic_title})."
        return f"{self.name} is a column of the table “{self.about}” ({self.topic_title})."


@dataclass(frozen=True)
class Verdict:
    correct: bool
    expected: str  # the canonical answer, to show after answering
    note: str = ""  # one line for the learner: "accepted with a small typo: ...", "2 of 3: missing Docker", ...
    reason: Reason = Reason.EXACT
    confused_with: Term | None = None
    right: tuple[str, ...] = ()  # list answers: expected elements the learner gave
    missing: tuple[str, ...] = ()  # ...expected elements the learner left out
    extra: tuple[str, ...] = ()  # ...elements the learner gave that are not in the answer

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready form, for `try --json`."""
        term = self.confused_with
        return {
            "correct": self.correct,
            "reason": self.reason.value,
            "expected": self.expected,
            "note": self.note,
            "confused_with": term.name if term else None,
            "confused_with_topic": term.topic_id if term else None,
            "mix_up": self.mix_up() or None,
            "right": list(self.right),
            "missing": list(self.missing),
            "extra": list(self.extra),
        }

    def mix_up(self) -> str:
        """The feedback naming the confusion, or "" when there is none."""
        if self.confused_with is None:
            return ""
        return f"{self.confused_with.describe()} The answer here is {self.expected}."


class _Token(NamedTuple):
    word: str  # lower-case as typed (numbers as digits, quantities canonical)
    key: str  # what two tokens must share to be the same word: singular, quantity in base units
    strict: bool  # acronym, mixed case, digits or a quantity: never a typo


class _TopicTexts:
    """A topic's names and answers tokenised together (`_tokens_all`), each kind in content order: the phrase keys of
    its concepts' terms and aliases, its columns and its facts' answers, and the tokens of its facts' accept entries
    and parts."""

    def __init__(self, t: Topic) -> None:
        names = [n for c in t.concepts for n in (c.term, *c.aliases)]
        columns = [col for cmp in t.comparisons for col in cmp.columns]
        facts = t.facts
        accepts = [a for f in facts for a in f.accept]
        tokens = _tokens_all(
            [*names, *columns, *[f.answer for f in facts], *accepts, *[p for f in facts for p in f.parts]]
        )
        n, m = len(names), len(names) + len(columns)
        k = m + len(facts)
        keys = [_phrase_key(x) for x in tokens[:k]]
        self.name_keys, self.column_keys, self.answer_keys = keys[:n], keys[n:m], keys[m:]
        self.accepts, self.parts = tokens[k : k + len(accepts)], tokens[k + len(accepts) :]


@dataclass
class Vocabulary:
    """The terms of the loaded content, built once: what a "typo" must never be, and what a mix-up can be named."""

    terms: dict[str, list[Term]] = field(default_factory=dict)  # phrase key → terms with that name
    words: set[str] = field(default_factory=set)  # single-word keys that are terms, answers, ids or title words
    concept_names: dict[str, set[str]] = field(default_factory=dict)  # concept id → phrase keys of all its names
    # phrase key → `names_of_same_concept`: many facts may share one answer ("Yes"), each asking for its names
    _same_concept: dict[str, frozenset[str]] = field(default_factory=dict, init=False, repr=False, compare=False)

    @classmethod
    def from_topics(cls, topics: Iterable[Topic]) -> Vocabulary:
        v = cls()
        for t in topics:
            v.add_topic(t)
        return v

    def add_topic(self, t: Topic) -> None:
        self._same_concept.clear()
        self.words.update(_key_of(w) for w in re.split(r"[-_]", t.id) if w)
        self.words.update(_key_of(w) for w in _words(t.title) if len(w) > 3)
        texts = _TopicTexts(t)
        names = iter(texts.name_keys)
        for c in t.concepts:
            about = _first_clause(c.definition)
            keys = self.concept_names.setdefault(f"{t.id}/{c.id}", set())
            term = Term(c.term, TermKind.CONCEPT, t.id, t.title, about, f"{t.id}/{c.id}")
            for _ in range(1 + len(c.aliases)):
                keys.add(self._add(term, next(names)))
        columns = iter(texts.column_keys)
        for cmp in t.comparisons:
            for col in cmp.columns:
                self._add(Term(col, TermKind.COLUMN, t.id, t.title, cmp.title), next(columns))
        for f, key in zip(t.facts, texts.answer_keys, strict=True):
            self._add(Term(f.answer, TermKind.FACT, t.id, t.title, f.prompt), key)
        self.words.update(tokens[0].key for tokens in (*texts.accepts, *texts.parts) if len(tokens) == 1)

    def _add(self, term: Term, key: str) -> str:
        if key:
            self.terms.setdefault(key, []).append(term)
            if " " not in key:
                self.words.add(key)
        return key

    def term(self, key: str, topic_id: str = "") -> Term | None:
        """The term with this phrase key: concepts first, then fact answers, then columns; this topic first."""
        found = self.terms.get(key)
        if not found:
            return None
        order = (TermKind.CONCEPT, TermKind.FACT, TermKind.COLUMN)
        return min(found, key=lambda x: (order.index(x.kind), x.topic_id != topic_id))

    def is_word(self, key: str) -> bool:
        """Whether a single-word key is a term, an answer, an id or a title word of the content."""
        return key in self.words

    def _names(self, concept_id: str) -> list[str]:
        return sorted(self.concept_names.get(concept_id, ())) if concept_id else []

    def to_shards(self, count: int) -> list[bytes]:
        """The vocabulary split by key into `count` JSON documents, read back one at a time by `ShardedVocabulary`."""
        import json

        parts: list[dict[str, Any]] = [{"t": {}, "w": []} for _ in range(count)]
        for key, terms in self.terms.items():
            parts[shard_of(key, count)]["t"][key] = [
                [t.name, t.kind.value, t.topic_id, t.topic_title, t.about, t.concept_id, self._names(t.concept_id)]
                for t in terms
            ]
        for word in sorted(self.words):
            parts[shard_of(word, count)]["w"].append(word)
        return [json.dumps(p, separators=(",", ":")).encode() for p in parts]

    def names_of_same_concept_any(self, keys: Iterable[str]) -> set[str]:
        return set().union(*(self.names_of_same_concept(k) for k in keys))

    def names_of_same_concept(self, key: str) -> frozenset[str]:
        """Phrase keys of every name of the concept(s) that `key` names; memoised."""
        found = self._same_concept.get(key)
        if found is None:
            ids = {term.concept_id for term in self.terms.get(key, ()) if term.concept_id}
            found = self._same_concept[key] = frozenset().union(*(self.concept_names.get(i, ()) for i in ids))
        return found


def shard_of(key: str, count: int) -> int:
    """The shard a key lives in (a checksum every process computes alike, unlike `hash`)."""
    return zlib.crc32(key.encode("utf-8", "surrogatepass")) % count


class ShardedVocabulary(Vocabulary):
    """The terms of a large content read shard by shard as marking looks keys up (see `Vocabulary.to_shards`).

    `read(i)` gives shard i as written, None if it cannot be read; then `fallback()` builds the whole vocabulary.
    """

    def __init__(self, count: int, read: Callable[[int], bytes | None], fallback: Callable[[], Vocabulary]) -> None:
        super().__init__()
        self.count, self.read, self.fallback = count, read, fallback
        self._shards: dict[int, tuple[dict[str, list[Term]], set[str]]] = {}
        self._whole: Vocabulary | None = None

    def _shard(self, key: str) -> tuple[dict[str, list[Term]], set[str]] | None:
        if self._whole is not None:
            return None
        i = shard_of(key, self.count)
        found = self._shards.get(i)
        if found is None:
            found = self._load(i)
            if found is None:
                self._whole = self.fallback()
                return None
            self._shards[i] = found
        return found

    def _load(self, i: int) -> tuple[dict[str, list[Term]], set[str]] | None:
        import json

        raw = self.read(i)
        if raw is None:
            return None
        try:
            data = json.loads(raw)
            terms: dict[str, list[Term]] = {}
            for key, rows in data["t"].items():
                out = terms[key] = []
                for name, kind, topic_id, title, about, concept_id, names in rows:
                    out.append(Term(name, TermKind(kind), topic_id, title, about, concept_id))
                    if concept_id:
                        self.concept_names[concept_id] = set(names)
            return terms, set(data["w"])
        except Exception:  # damaged or of another shape: the whole vocabulary is built instead
            return None

    def term(self, key: str, topic_id: str = "") -> Term | None:
        shard = self._shard(key)
        if shard is None:
            return self._whole.term(key, topic_id) if self._whole is not None else None
        self.terms[key] = shard[0].get(key, [])
        return super().term(key, topic_id)

    def is_word(self, key: str) -> bool:
        shard = self._shard(key)
        if shard is None:
            return self._whole is not None and self._whole.is_word(key)
        return key in shard[1]

    def names_of_same_concept(self, key: str) -> frozenset[str]:
        if self.term(key) is None:
            return self._whole.names_of_same_concept(key) if self._whole is not None else frozenset()
        return super().names_of_same_concept(key)


def normalise(text: str) -> str:
    """Lower-case words separated by single spaces: quotes dropped, punctuation and a leading article ignored."""
    return _ARTICLE.sub("", " ".join(_normal_chars(text).split()))  # str.split's whitespace is the regex \s


def normalise_all(texts: list[str]) -> list[str]:
    """`normalise` of each text, its character steps run once on all of them joined by a separator they cannot hold:
    much faster than one call per text for many short texts (a topic's prompts)."""
    joined = _BATCH_SEPARATOR.join(texts)
    if joined.count(_BATCH_SEPARATOR) != len(texts) - 1:  # some text holds the separator (or there are none)
        return [normalise(t) for t in texts]
    lines = "\n".join([" ".join(s.split()) for s in _normal_chars(joined).split(_BATCH_SEPARATOR)])
    return _LINE_ARTICLE.sub("\n", "\n" + lines)[1:].split("\n")


def _normal_chars(text: str) -> str:
    """`normalise` before words are split: NFKC, case folded, quotes and thousands separators dropped, punctuation
    made spaces. Each step reads a character and its neighbours only, so texts joined by a separator come out joined."""
    s = _no_thousands(_no_quotes(unicodedata.normalize("NFKC", text).casefold()))
    return s.translate(_ASCII_PUNCT) if s.isascii() else _PUNCT.sub(" ", s)  # the table is the regex, only faster


def _no_quotes(text: str) -> str:
    """`text` without `_QUOTES`; ASCII text with none of its ASCII ones (the usual case) needs no regex pass."""
    if text.isascii() and "'" not in text and '"' not in text and "`" not in text:
        return text
    return _QUOTES.sub("", text)


def _no_thousands(text: str) -> str:
    """ "10,240" and "10240" are the same number."""
    return _THOUSANDS.sub("", text) if "," in text or "_" in text else text


def split_list(text: str) -> list[str]:
    """The elements of a typed list: separated by , ; / & + "and" "or" or new lines; empty pieces dropped."""
    text = _no_thousands(unicodedata.normalize("NFKC", text))
    return [p.strip() for p in _LIST_SEPARATOR.split(text) if p.strip() and normalise(p)]


# --- give-aways: an answer found in text shown earlier -------------------------------------------------------------


def answer_words(answer: str) -> str:
    """An answer as the judge reads it (word keys, filler and vendor names dropped), to look for in shown text;
    "" when too short to be given away by a mention ("2", "no")."""
    words = " ".join(_giveaway_keys(answer))
    return words if len(words) >= 3 else ""


def shown_words(text: str) -> str:
    """Shown text read the same way, padded so `gives_away` matches whole words only."""
    return f" {' '.join(_giveaway_keys(text))} "


def gives_away(shown: str, words: str) -> bool:
    """Whether `shown` (from `shown_words`) says the answer `words` (from `answer_words`)."""
    return bool(words) and f" {words} " in shown


def _giveaway_keys(text: str) -> list[str]:
    return [t.key for t in _tokens(text) if t.word not in FILLER and t.word not in _VENDOR]


def check_answer(question: Question, given: str, vocabulary: Vocabulary | None = None) -> Verdict:
    """Mark `given` against the question; choices compare exactly, typed answers by token (see `_Judge`).

    Without `vocabulary` (the loaded content's terms) no typo is refused for being another term, and no mix-up named.
    """
    expected = question.answer
    if question.self_rated:
        # The learner grades recall themselves; any attempt counts as an answer.
        return Verdict(bool(given.strip()), expected, reason=Reason.SELF_RATED)
    if question.kind is CardKind.ORDER:
        ok = _order_matches(question, given)
        return Verdict(ok, expected, reason=Reason.ORDER if ok else Reason.WRONG)
    if question.choices:
        if given in question.choices:  # the usual case: the shell passes the picked choice's text
            ok = given == expected
        else:
            g = normalise(given)
            ok = bool(g) and g == normalise(expected)
        return Verdict(ok, expected, reason=Reason.CHOICE if ok else Reason.WRONG)
    return _Judge(question, vocabulary or Vocabulary()).judge(given)


def fact_question(topic_id: str, fact: Fact) -> Question:
    """The typed question a fact makes (for `try` and `check`; quiz questions come from cards)."""
    return Question(
        f"{topic_id}/{fact.id}/typed",
        CardKind.TYPED,
        fact.prompt,
        answer=fact.answer,
        accept=fact.accept,
        explanation=fact.explanation,
        parts=fact.parts,
        ordered=fact.ordered,
    )


def accept_problems(topics: Sequence[Topic], letters: Sequence[RivalLetters] | None = None) -> list[ContentError]:
    """Facts whose answer or accept entries would also accept another item's answer or a concept's name.

    Names of the concept the answer itself names (or, failing that, its accept entries name) are allowed, and so
    is another fact's answer that is the same as this one. `letters`, if given, is `rival_letters(topics)`.
    """
    return _AcceptGuard(topics, letters).problems()


class RivalLetters(NamedTuple):
    """What the accept guard files of one topic: the `_letters` of each name of its concepts and of each fact's answer
    and accept entries, in content order."""

    names: list[str]  # each concept's term, then its aliases
    answers: list[str]
    accepts: list[str]  # fact by fact


def rival_letters(topics: Sequence[Topic]) -> list[RivalLetters]:
    """Per topic, what the accept guard files (most of its work): apart, so that another process can take a share."""
    return [_rival_letters(t) for t in topics]


def _rival_letters(t: Topic) -> RivalLetters:
    texts = _TopicTexts(t)
    accepts = [_letters(_phrase_key(tokens)) for tokens in texts.accepts]
    return RivalLetters(list(map(_letters, texts.name_keys)), list(map(_letters, texts.answer_keys)), accepts)


class _Rival(NamedTuple):
    """A name a fact's judge must not accept: a concept's term or alias, or another fact's answer."""

    name: str
    topic_id: str
    item_id: str  # the concept's or the fact's: a fact's own answer is no rival of it
    is_answer: bool

    def path(self) -> str:
        return f"{self.topic_id}/{self.item_id}"

    def where(self) -> str:
        """ "a name of concept t/c", "the answer of fact t/f" """
        return f"{'the answer of fact' if self.is_answer else 'a name of concept'} {self.path()}"


class _Namesakes(NamedTuple):
    """The rivals with one name, in content order: a judge that accepts the name accepts them all."""

    name: str
    concepts: list[int]  # names of concepts
    answers: list[int]  # answers of facts


class _AcceptGuard:
    """Tries each rival name on a fact only when the fact's judge could accept it: `check` stays linear.

    Every rival is a term of the vocabulary, and the judge refuses a term that is not the answer: it accepts a rival
    only when its words, or its letters with the spaces taken out, are an answer's or accept entry's, or when it names
    the same concept. So a single answer needs one dictionary look-up per answer and accept entry, and most facts,
    whose letters no other rival has, are passed over there. A list answer is judged element by element, with slips
    forgiven: it looks rivals up in a `_ListRivals` index. Rivals of one name are judged once per fact, so many facts
    with one answer ("Yes") cost each fact one verdict, not one per namesake.
    """

    def __init__(self, topics: Sequence[Topic], letters: Sequence[RivalLetters] | None = None) -> None:
        self.topics = topics
        self.rivals: list[tuple[str, str, str, bool]] = []  # `_Rival`s, made one when a fact meets it (`rival`)
        self.first: dict[str, int] = {}  # a rival's `_letters` → the first rival with them
        self.more: dict[str, list[int]] = {}  # letters that more than one rival has → those rivals
        self.answer_letters: list[str] = []  # per fact, in content order: the letters of its answer
        self.accept_letters: list[tuple[int, str]] = []  # (fact, letters) of accept entries unlike their answer
        for t, filed in zip(topics, rival_letters(topics) if letters is None else letters, strict=True):
            self._file(t, filed)
        self._namesakes: dict[str, list[_Namesakes]] = {}  # letters → the rivals filed under them, by name
        self._lists: tuple[_ListRivals, list[str]] | None = None

    def _file(self, t: Topic, filed: RivalLetters) -> None:
        """File a topic's rivals under their letters, and note its facts' letters."""
        rivals, first, more = self.rivals, self.first, self.more
        start = len(rivals)
        rivals += [(name, t.id, c.id, False) for c in t.concepts for name in (c.term, *c.aliases)]
        rivals += [(f.answer, t.id, f.id, True) for f in t.facts]
        for j, key in enumerate((*filed.names, *filed.answers), start):
            if first.setdefault(key, j) != j:
                more.setdefault(key, [first[key]]).append(j)
        accepts = iter(filed.accepts)
        for n, (f, answer) in enumerate(zip(t.facts, filed.answers, strict=True), len(self.answer_letters)):
            for _ in f.accept:
                entry = next(accepts)
                if entry != answer:
                    self.accept_letters.append((n, entry))
        self.answer_letters += filed.answers

    def rival(self, j: int) -> _Rival:
        """Rival `j`, as a `_Rival`."""
        return _Rival(*self.rivals[j])

    @functools.cached_property
    def vocabulary(self) -> Vocabulary:
        """Every rival name is a term of it (see the class docstring); built only once a fact has to be judged."""
        return Vocabulary.from_topics(self.topics)

    def problems(self, *, every_rival: bool = False) -> list[ContentError]:
        """With `every_rival`, each fact is tried against every rival (slow: the reference the tests compare with)."""
        crowded = self.more
        suspects = {n for n, letters in self.accept_letters if letters in self.first}
        out: list[ContentError] = []
        n = -1
        for t in self.topics:
            for i, f in enumerate(t.facts):
                n += 1
                # A single answer's judge may accept a rival (see `_named_like`) only when its answer's letters are
                # another rival's too, or an accept entry's are a rival's: a concept's name among them is a rival.
                if every_rival or f.parts or n in suspects or self.answer_letters[n] in crowded:
                    out += self._fact_problems(t, i, f, every_rival)
        return out

    def _fact_problems(self, t: Topic, i: int, f: Fact, every_rival: bool) -> list[ContentError]:
        path = f"{t.id}/{f.id}"
        keys = [_text_key(x) for x in (f.answer, *f.accept)]
        judge = _Judge(fact_question(t.id, f), self.vocabulary) if f.parts or every_rival else None
        if every_rival:
            found = [n for letters in self.first for n in self._filed_under(letters)]
        elif judge is not None:
            found = self._list_rivals(judge)
        else:
            found = self._named_like(keys)
        rival = self.rival
        # the fact's own answer, alone under its name, is no rival
        found = [
            n
            for n in found
            if len(n.concepts) + len(n.answers) > 1 or rival((n.concepts or n.answers)[0]).path() != path
        ]
        if not found:
            return []
        judge = judge or _Judge(fact_question(t.id, f), self.vocabulary)
        answer_keys = {keys[0], judge.core_key(f.answer)}
        vocab = self.vocabulary
        own = vocab.names_of_same_concept_any(answer_keys) or vocab.names_of_same_concept_any(
            {_text_key(a) for a in f.accept}
        )
        same_answer = {judge.meaning(a) for a in (f.answer, *f.accept)}  # another fact may share a right answer
        answer_meaning = judge.meaning(f.answer)
        accepted: list[int] = []
        for n in found:
            meant = _meaning_if_accepted(judge, n.name, own, answer_meaning)
            if meant is not _REFUSED:
                accepted += n.concepts if meant in same_answer else n.concepts + n.answers
        line = f.location.line if f.location else 0
        return [
            ContentError(
                t.source,
                f"accepts {rival(j).name!r}, {rival(j).where()}: make the answer or accept entries stricter",
                line,
                f"facts[{i}]",
            )
            for j in sorted(accepted)
            if rival(j).path() != path
        ]

    def _named_like(self, keys: list[str]) -> list[_Namesakes]:
        """Rivals a single answer's judge may accept: the same letters as its answer or an accept entry (`keys`), or a
        name of the concept one of them names."""
        names = self.vocabulary.names_of_same_concept_any(keys).union(keys)
        return [n for letters in {_letters(k) for k in names} for n in self._filed_under(letters)]

    def _filed_under(self, letters: str) -> list[_Namesakes]:
        """The rivals filed under these letters, by name; memoised."""
        found = self._namesakes.get(letters)
        if found is None:
            by_name: dict[str, _Namesakes] = {}
            first = self.first.get(letters)
            for j in self.more.get(letters) or ([] if first is None else [first]):
                rival = self.rival(j)
                n = by_name.get(rival.name) or by_name.setdefault(rival.name, _Namesakes(rival.name, [], []))
                (n.answers if rival.is_answer else n.concepts).append(j)
            found = self._namesakes[letters] = list(by_name.values())
        return found

    def _list_rivals(self, judge: _Judge) -> list[_Namesakes]:
        """The rivals a list answer's judge may accept (see `_ListRivals`), by name."""
        if self._lists is None:
            names = list(dict.fromkeys(r[0] for r in self.rivals))
            self._lists = _ListRivals(names, self.vocabulary), names
        index, names = self._lists
        wanted = {names[k] for k in index(judge)}
        return [
            n
            for letters in {_letters(_text_key(name)) for name in wanted}
            for n in self._filed_under(letters)
            if n.name in wanted
        ]


_REFUSED = object()


def _meaning_if_accepted(judge: _Judge, name: str, own: set[str], answer_meaning: object) -> object:
    """What a rival name means to the fact's judge if the judge accepts it, else _REFUSED.

    A name of the concept the answer names is no rival, nor a name that says what the answer says.
    """
    if _text_key(name) in own:
        return _REFUSED
    meant = judge.meaning(name)
    return meant if meant != answer_meaning and judge.judge(name).correct else _REFUSED


def _letters(key: str) -> str:
    """A phrase key without its spaces: texts with equal phrase keys or equal `_joined` keys have equal letters."""
    return key.replace(" ", "")


# --- tokens -----------------------------------------------------------------------------------------------------------


def _words(text: str) -> list[str]:
    return _TOKEN.findall(unicodedata.normalize("NFKC", text).casefold())


def _singular(word: str) -> str:
    if len(word) <= 3 or not word.isalpha():
        return word
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith(("ches", "shes", "xes", "sses")):
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def _key_of(word: str) -> str:
    return _singular(word.casefold())


@functools.lru_cache(maxsize=8192)
def _tokens(text: str) -> tuple[_Token, ...]:
    """Words of `text` with numbers spelled out or not, units joined to their number, and case noted."""
    return _read_all(_TOKEN.findall(_token_chars(text)))


def _tokens_all(texts: Sequence[str]) -> list[tuple[_Token, ...]]:
    """`_tokens` of each text, the character steps run once on them all joined by newlines (no token spans one):
    for many short texts (a topic's answers) cheaper than one call per text, and nothing is memoised per text."""
    joined = "\n".join(texts)
    if joined.count("\n") != len(texts) - 1:  # some text holds a newline (or there are none)
        return [_tokens(t) for t in texts]
    return [_read_all(_TOKEN.findall(line)) for line in _token_chars(joined).split("\n")]


def _token_chars(text: str) -> str:
    """`text` as `_TOKEN` reads it: NFKC, quotes and thousands separators dropped. Each step reads a character and
    its neighbours only, and a newline is none of theirs, so texts joined by newlines come out joined."""
    s = unicodedata.normalize("NFKC", text)
    if not s.isascii() or "'" in s or '"' in s or "`" in s:  # the regex costs more than these looks for its quotes
        s = _QUOTES.sub("", s)
    return _THOUSANDS.sub("", s) if "," in s or "_" in s else s  # `_no_thousands`, inlined: it is hot


def _read_all(raw: list[str]) -> tuple[_Token, ...]:
    """The tokens of a text's words as `_TOKEN` found them (see `_tokens`)."""
    tokens = tuple(map(_word_token, raw))
    if None in tokens:
        return _with_quantities(raw, tokens)
    return tokens  # type: ignore[return-value]  # no None in it


@functools.lru_cache(maxsize=65536)
def _word_token(raw: str) -> _Token | None:
    """One word as written, or None if it is a number (typed or spelled; see `_number`).

    Memoised: a pack has far fewer distinct words than words.
    """
    word = raw.casefold()
    if word in _NUMBER_WORDS or (word[:1].isdecimal() and _NUMBER.fullmatch(word)):
        return None
    strict = any(map(str.isupper, raw[1:])) or any(map(str.isdigit, word))
    return _Token(word, _singular(word) if len(word) > 3 and word.isalpha() else word, strict)


@functools.lru_cache(maxsize=4096)
def _number(raw: str) -> tuple[Fraction, _Token]:
    """The value of a word that is a number, and its token when no unit follows."""
    word = raw.casefold()
    value = Fraction(str(_NUMBER_WORDS.get(word, word)))
    return value, _quantity(str(value))


def _with_quantities(raw: list[str], tokens: tuple[_Token | None, ...]) -> tuple[_Token, ...]:
    """`_read_all` of words with numbers among them (None in `tokens`): a unit after a number is joined to it."""
    out: list[_Token] = []
    i = 0
    while None in tokens[i:]:
        n = tokens.index(None, i)
        out += tokens[i:n]  # type: ignore[arg-type]  # no None before n
        value, token = _number(raw[n])
        unit = _unit_spelling(raw[n + 1].casefold()) if n + 1 < len(raw) else ""
        i = n + 2
        if unit in _SECONDS:
            out.append(_quantity(f"{value * _SECONDS[unit]} s"))
        elif unit in _SIZES:
            out.append(_quantity(f"{value} {_SIZES[unit]}"))
        elif unit in _PERCENT:
            out.append(_quantity(f"{value} %"))
        elif unit == "per" and n + 2 < len(raw) and raw[n + 2].casefold() == "cent":
            out.append(_quantity(f"{value} %"))
            i = n + 3
        else:
            out.append(token)
            i = n + 1
    out += tokens[i:]  # type: ignore[arg-type]
    return tuple(out)


_SPELLED_UNITS = tuple(u for u in (*_SECONDS, *_SIZES) if len(u) >= 6)


@functools.lru_cache(maxsize=4096)
def _unit_spelling(word: str) -> str:
    """The unit a word after a number spells, forgiving one slip in a spelled-out unit ("secodns", "minuets")."""
    if word in _SECONDS or word in _SIZES or len(word) < 6:
        return word
    for unit in _SPELLED_UNITS:
        if unit[0] == word[0] and abs(len(unit) - len(word)) <= 1 and _osa_distance(word, unit, 1) <= 1:
            return unit
    return word


def _quantity(text: str) -> _Token:
    return _Token(text, text, True)


def _content(tokens: Sequence[_Token]) -> list[_Token]:
    """The tokens that carry the answer: filler dropped (unless nothing else is left)."""
    kept = [t for t in tokens if t.word not in FILLER]
    return kept or list(tokens)


def _phrase_key(tokens: Sequence[_Token]) -> str:
    """The keys of the `_content` tokens, space-separated (written out: it is hot)."""
    if len(tokens) == 1:
        return tokens[0].key  # filler or not, a lone word is kept
    return " ".join([t.key for t in tokens if t.word not in FILLER] or [t.key for t in tokens])


@functools.lru_cache(maxsize=8192)
def _text_key(text: str) -> str:
    """The phrase key of a text: its content words, singular, space-separated."""
    return _phrase_key(_tokens(text))


def _joined(tokens: Sequence[_Token]) -> str:
    return "".join(t.key for t in _content(tokens))


def _first_clause(definition: str) -> str:
    """ "The AWS-managed version of X, which ..." → "the AWS-managed version of X"."""
    clause = re.split(r";|: |\. |, (?:which|from|and|so|making|but|for|with|placing)\b", definition, maxsplit=1)[0]
    clause = clause.strip().rstrip(".")
    first, _, rest = clause.partition(" ")
    if first[1:].islower() or first in ("A", "An"):  # "The AWS service..." → "the AWS service..."; "AWS..." stays
        clause = f"{first.lower()} {rest}".rstrip()
    return clause


# --- the judge --------------------------------------------------------------------------------------------------------


class _Match(NamedTuple):
    typos: tuple[tuple[str, str], ...]  # (typed, expected) word pairs accepted as slips
    reworded: bool  # tokens in another order, left out because the question says them, or extra from the question


@dataclass
class _Judge:
    question: Question
    vocabulary: Vocabulary

    def __post_init__(self) -> None:
        prompt = _tokens(self.question.prompt)
        self.prompt_keys = {t.key for t in prompt}
        # Tokens the question offers as alternatives ("Fargate or Lambda?") may not be ignored as question words.
        self.alternatives = {
            t.key
            for i, t in enumerate(prompt)
            for j in (i - 1, i + 1)
            if 0 <= j < len(prompt) and prompt[j].word in _ALTERNATIVE_MARKERS
        }

    # --- entry --------------------------------------------------------------------------------------------------------

    def judge(self, given: str) -> Verdict:
        q = self.question
        tokens = _tokens(given)
        if not _content(tokens) or not normalise(given):
            return Verdict(False, q.answer, reason=Reason.EMPTY)
        if q.parts:
            return self._judge_list(given)
        candidates = _unique_texts((q.answer, *q.accept))
        for n, cand in enumerate(candidates):
            if _phrase_key(tokens) == _text_key(cand) or _joined(tokens) == _joined(_tokens(cand)):
                if _has_quantity(tokens) and normalise(given) != normalise(cand):
                    return self._right(Reason.QUANTITY, cand)
                return self._right(Reason.EXACT if n == 0 else Reason.ALTERNATIVE, cand)
        core_given = [t for t in _content(tokens) if t.key not in self.prompt_keys or t.key in self.alternatives]
        if not core_given and any(self._core(_content(_tokens(c))) for c in candidates):
            return self._wrong(tokens, Reason.ONLY_QUESTION)
        given_key = _phrase_key(tokens)
        same = self._same_concept(candidates)
        if given_key in same:
            return self._right(Reason.ALIAS, self._name_for(given_key))
        if self.vocabulary.term(given_key) is not None:
            return self._wrong(tokens, Reason.CONFUSED)
        best: tuple[int, str, _Match] | None = None
        for cand in candidates:
            m = self._match(tokens, _tokens(cand))
            if m is not None and (best is None or len(m.typos) < best[0]):
                best = (len(m.typos), cand, m)
        if best is not None:
            return self._right_match(best[1], best[2])
        return self._wrong(tokens, Reason.WRONG)

    # --- single answers -----------------------------------------------------------------------------------------------

    def meaning(self, text: str) -> object:
        """What a text says beyond the question's own words; a list answer's elements in any order."""
        if self.question.parts:
            return frozenset(self.core_key(e) for e in split_list(text))
        return self.core_key(text)

    def core_key(self, text: str) -> str:
        """The phrase key of `text` without the words the question already says."""
        return " ".join(t.key for t in self._core(_content(_tokens(text))))

    def _core(self, expected: Sequence[_Token]) -> list[_Token]:
        return [t for t in expected if t.key not in self.prompt_keys and t.word not in _VENDOR]

    def _match(self, given: Sequence[_Token], expected: Sequence[_Token], *, complete: bool = False) -> _Match | None:
        """Token by token: question words and vendor names optional, short answers in any order, slips per token.

        With `complete`, every expected token must be there (no word may be left out because the question says it).
        """
        g, e = _content(given), _content(expected)
        if _joined(g) == _joined(e):
            return _Match((), False)
        core = [] if complete else self._core(e)
        optional = [t not in core for t in e] if core else [False] * len(e)
        ignorable = [
            (t.key in self.prompt_keys and t.key not in self.alternatives) or t.word in _VENDOR or t.word in FILLER
            for t in g
        ]
        ordered = len(e) > 4
        found = self._assign(g, e, optional, ignorable, ordered)
        if found is None:
            return None
        pairs, used = found
        typos = tuple((g[j].word, e[i].word) for i, j in pairs if g[j].key != e[i].key)
        in_order = [j for _, j in sorted(pairs)] == sorted(j for _, j in pairs)
        reworded = not in_order or len(pairs) != len(e) or len(used) != len(g)
        return _Match(typos, reworded)

    def _assign(
        self, g: list[_Token], e: list[_Token], optional: list[bool], ignorable: list[bool], ordered: bool
    ) -> tuple[list[tuple[int, int]], set[int]] | None:
        """The fewest-typo pairing of expected to given tokens; every given token paired or ignorable."""
        best: list[tuple[int, list[tuple[int, int]]]] = []
        cost_of = {(i, j): self._token_cost(g[j], e[i]) for i in range(len(e)) for j in range(len(g))}
        budget = [0]

        def walk(i: int, used: set[int], pairs: list[tuple[int, int]], cost: int, last: int) -> None:
            budget[0] += 1
            if budget[0] > 20000 or (best and cost >= best[0][0]):
                return
            if i == len(e):
                if all(j in used or ignorable[j] for j in range(len(g))):
                    best[:] = [(cost, list(pairs))]
                return
            for j in range(len(g)):
                c = cost_of[i, j]
                if j in used or c is None or (ordered and j < last):
                    continue
                used.add(j)
                pairs.append((i, j))
                walk(i + 1, used, pairs, cost + c, j)
                pairs.pop()
                used.discard(j)
            if optional[i]:
                walk(i + 1, used, pairs, cost, last)

        walk(0, set(), [], 0, -1)
        if not best:
            return None
        pairs = best[0][1]
        return pairs, {j for _, j in pairs}

    def _token_cost(self, given: _Token, expected: _Token) -> int | None:
        """0 for the same word, 1 for an allowed slip, None when they differ."""
        if given.key == expected.key:
            return 0
        return 1 if self._is_typo(given, expected) else None

    def _is_typo(self, given: _Token, expected: _Token) -> bool:
        g, e = given.key, expected.key
        if expected.strict or given.strict or len(e) <= 3 or not g or g[0] != e[0]:
            return False
        if any(g == p + e or e == p + g for p in _NEGATING):
            return False
        if self.vocabulary.is_word(g) or self.vocabulary.is_word(given.word):
            return False  # "test" for "text", "cluster" for "custom": a real word of the content is no slip
        limit = 1 if len(e) <= 7 else 2
        # compared as typed and as singular: "premsies" is a slip of "premises" though their singulars differ more
        return any(
            abs(len(a) - len(b)) <= limit and _osa_distance(a, b, limit) <= limit
            for a, b in ((g, e), (given.word, expected.word))
        )

    # --- lists --------------------------------------------------------------------------------------------------------

    def _judge_list(self, given: str) -> Verdict:
        q = self.question
        elements = split_list(given)
        candidates = [list(q.parts)] + [split_list(t) for t in _unique_texts((q.answer, *q.accept))]
        best: tuple[int, list[str], list[int | None]] | None = None
        for cand in candidates:
            if not cand:
                continue
            pairing = self._pair_elements(elements, cand)
            matched = sum(p is not None for p in pairing)
            whole = _tokens(" ".join(elements))
            if matched == len(cand) == len(elements) or (
                len(elements) == 1 < len(cand) and self._match(whole, _tokens(" ".join(cand)), complete=True)
            ):
                if len(cand) == 1:
                    return self._right(Reason.ALTERNATIVE, cand[0])
                note = f"all {len(cand)}, in any order" if not q.ordered else f"all {len(cand)}, in order"
                return Verdict(True, q.answer, note, Reason.LIST, right=tuple(cand))
            if best is None or matched > best[0]:
                best = (matched, cand, pairing)
        assert best is not None
        matched, cand, pairing = best
        right = tuple(cand[i] for i, p in enumerate(pairing) if p is not None)
        missing = tuple(cand[i] for i, p in enumerate(pairing) if p is None)
        used = {p for p in pairing if p is not None}
        extra = tuple(el for j, el in enumerate(elements) if j not in used)
        bits = [f"{len(right)} of {len(cand)}"]
        if missing:
            bits.append(f"missing {', '.join(missing)}")
        if extra:
            bits.append(f"not {', '.join(extra)}")
        confusion = self._confusion(_tokens(" ".join(extra)) if extra else _tokens(given))
        note = f"{bits[0]}: {'; '.join(bits[1:])}" if len(bits) > 1 else bits[0]
        reason = Reason.PARTIAL_LIST if right else (Reason.CONFUSED if confusion else Reason.WRONG)
        return Verdict(False, q.answer, note, reason, confusion, right, missing, extra)

    def _pair_elements(self, given: list[str], expected: list[str]) -> list[int | None]:
        """For each expected element, the given element that matches it (a maximum matching), or None."""
        ok = [[self._element_ok(g, e) for g in given] for e in expected]
        owner: dict[int, int] = {}
        if self.question.ordered:
            pairing: list[int | None] = [i if i < len(given) and ok[i][i] else None for i in range(len(expected))]
            return pairing

        def augment(i: int, seen: set[int]) -> bool:
            for j in range(len(given)):
                if ok[i][j] and j not in seen:
                    seen.add(j)
                    if j not in owner or augment(owner[j], seen):
                        owner[j] = i
                        return True
            return False

        for i in range(len(expected)):
            augment(i, set())
        by_expected = {i: j for j, i in owner.items()}
        return [by_expected.get(i) for i in range(len(expected))]

    def _element_ok(self, given: str, expected: str) -> bool:
        g, e = _tokens(given), _tokens(expected)
        if _phrase_key(g) == _phrase_key(e):
            return True
        if self.vocabulary.term(_phrase_key(g)) is not None and _phrase_key(g) not in self._same_concept([expected]):
            return False
        return self._match(g, e) is not None

    # --- verdicts -----------------------------------------------------------------------------------------------------

    def _same_concept(self, candidates: Sequence[str]) -> set[str]:
        out: set[str] = set()
        for c in candidates:
            out |= self.vocabulary.names_of_same_concept(_text_key(c))
        return out

    def _name_for(self, key: str) -> str:
        term = self.vocabulary.term(key)
        return term.name if term else key

    def _right(self, reason: Reason, matched: str) -> Verdict:
        q = self.question
        notes = {
            Reason.ALTERNATIVE: f"accepted alternative: {matched}",
            Reason.ALIAS: f"{matched} is another name for it",
            Reason.QUANTITY: f"the same as {matched}",
        }
        return Verdict(True, q.answer, notes.get(reason, ""), reason)

    def _right_match(self, cand: str, m: _Match) -> Verdict:
        q = self.question
        if m.typos:
            slips = ", ".join(f"{typed!r} for {want!r}" for typed, want in m.typos)
            return Verdict(True, q.answer, f"accepted with a small typo ({slips}): expected {cand}", Reason.TYPO)
        if _has_quantity(_tokens(cand)):
            return Verdict(True, q.answer, f"the same as {cand}", Reason.QUANTITY)
        if not m.reworded:
            return self._right(Reason.EXACT if cand == q.answer else Reason.ALTERNATIVE, cand)
        return Verdict(True, q.answer, f"the same words as {cand}", Reason.REWORDED)

    def _wrong(self, tokens: Sequence[_Token], reason: Reason) -> Verdict:
        q = self.question
        confusion = self._confusion(tokens)
        if confusion is not None:
            return Verdict(False, q.answer, reason=Reason.CONFUSED, confused_with=confusion)
        return Verdict(False, q.answer, reason=reason)

    def _confusion(self, tokens: Sequence[_Token]) -> Term | None:
        """The longest term of the content in what was typed that the answer itself does not contain."""
        words = _content(tokens)
        own = self._same_concept(_unique_texts((self.question.answer, *self.question.accept, *self.question.parts)))
        expected_keys = {
            t.key for c in (self.question.answer, *self.question.accept, *self.question.parts) for t in _tokens(c)
        }
        topic_id = self.question.card_id.split("/", 1)[0]
        for size in range(len(words), 0, -1):
            for start in range(len(words) - size + 1):
                span = words[start : start + size]
                key = " ".join(t.key for t in span)
                if key in own or (size < len(words) and all(t.key in expected_keys for t in span)):
                    continue
                if size == len(words) or all(t.key not in self.prompt_keys for t in span):
                    term = self.vocabulary.term(key, topic_id)
                    if term is not None:
                        return term
        return None


class _ListRivals:
    """Which rival names a list answer's judge could accept, found without trying every rival on every fact.

    The judge splits a typed list into elements and pairs each with an expected element: by equal letters, or token
    by token, where a token may be an expected word or a slip of one, a word of the question, a vendor name or
    filler. So a rival is tried only when each word of each of its elements is one of those, or belongs to an element
    with an expected element's letters. Rivals are filed under their rarest word: a fact looks at the few filed
    under a word it allows.
    """

    def __init__(self, names: Sequence[str], vocabulary: Vocabulary) -> None:
        self.keys: list[frozenset[str]] = []
        self.words_by_letters: dict[str, set[str]] = {}  # an element's letters → the words of such elements
        sloppy: set[_Token] = set()  # tokens the judge may take for a slip: neither strict nor a word of the content
        elements = [split_list(name) for name in names]
        read = iter(_tokens_all([e for each in elements for e in each]))
        for each in elements:
            words: set[str] = set()
            for _ in each:
                tokens = _content(next(read))
                words.update(t.key for t in tokens)
                self.words_by_letters.setdefault(_joined(tokens), set()).update(t.key for t in tokens)
                sloppy.update(
                    t
                    for t in tokens
                    if not t.strict and t.key not in vocabulary.words and t.word not in vocabulary.words
                )
            self.keys.append(frozenset(words))
        counts = Counter(k for ks in self.keys for k in ks)
        self.by_anchor: dict[str, list[int]] = {}
        for j, ks in enumerate(self.keys):  # a rival without words files under "", which every fact allows
            self.by_anchor.setdefault(min(ks, key=lambda k: (counts[k], k), default=""), []).append(j)
        self.shapes: dict[tuple[str, int, bool], list[_Token]] = {}  # (initial, length, of the word) → tokens
        for t in sloppy:
            self.shapes.setdefault((t.key[:1], len(t.key), False), []).append(t)
            self.shapes.setdefault((t.key[:1], len(t.word), True), []).append(t)
        self._slips: dict[_Token, set[str]] = {}

    def __call__(self, judge: _Judge) -> list[int]:
        q = judge.question
        lists = [list(q.parts)] + [split_list(t) for t in _unique_texts((q.answer, *q.accept))]
        texts = {*(e for cand in lists for e in cand), *(" ".join(cand) for cand in lists)}
        expected = [_content(_tokens(x)) for x in texts]
        allowed = {t.key for tokens in expected for t in tokens} | judge.prompt_keys | _VENDOR | FILLER | {""}
        for tokens in expected:
            allowed |= self.words_by_letters.get(_joined(tokens), set())
            for t in tokens:
                allowed |= self.slips_of(t)
        return sorted(j for k in allowed for j in self.by_anchor.get(k, ()) if self.keys[j] <= allowed)

    def slips_of(self, expected: _Token) -> set[str]:
        """Words of rivals within two edits of `expected` (as typed or singular), with its initial; memoised."""
        found = self._slips.get(expected)
        if found is None:
            found = set()
            if not expected.strict and len(expected.key) > 3:
                for text, of_word in ((expected.key, False), (expected.word, True)):
                    for n in range(len(text) - 2, len(text) + 3):
                        for t in self.shapes.get((expected.key[:1], n, of_word), ()):
                            if _osa_distance(t.word if of_word else t.key, text, 2) <= 2:
                                found.add(t.key)
            self._slips[expected] = found
        return found


def _has_quantity(tokens: Sequence[_Token]) -> bool:
    return any(t.strict and " " in t.word for t in tokens)


def _unique_texts(texts: Iterable[str]) -> list[str]:
    seen: set[str] = set()
    out = []
    for t in texts:
        k = _text_key(t)
        if k not in seen:
            seen.add(k)
            out.append(t)
    return out


def _osa_distance(a: str, b: str, limit: int) -> int:
    """Damerau-Levenshtein distance (optimal string alignment), stopping early once above `limit`."""
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        if min(cur) > limit:
            return limit + 1
        prev2, prev = prev, cur
    return prev[-1]


def _order_matches(question: Question, given: str) -> bool:
    """True if `given` lists the shown step numbers in the right order: "3 1 4 2", "3,1,4,2" or "3142"."""
    text = given.strip()
    if not _ORDER.fullmatch(text):
        return False
    n = len(question.answer.split())
    numbers = _DIGITS.findall(text)
    if len(numbers) == 1 and n > 1 and n <= 9 and len(text) == n:
        numbers = list(text)  # "3142": one digit per step
    got = [int(x) for x in numbers]
    return any(got == [int(x) for x in a.split()] for a in (question.answer, *question.accept))
