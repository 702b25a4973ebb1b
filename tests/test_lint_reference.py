"""The lints that work a topic out in one pass (SS104 by a word index behind a test of all the topic's prompt words at
once, SS106 by one regex over the topic, SS108 by prefix filtering, SS109 by difflib's cheap bounds, SS103 and SS105
behind a quick test of every fact, with each topic's texts normalised together) find exactly what the straightforward
pair-by-pair reading finds."""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from datetime import date
from difflib import SequenceMatcher
from pathlib import Path

import pytest
import yaml

from serverless_study.answers import normalise
from serverless_study.lint import (
    _ANTONYMS,
    _NEGATIONS,
    _STOP,
    MAX_TYPED_WORDS,
    MIRRORED_CELLS,
    SIMILAR_CELLS,
    SIMILAR_DEFINITIONS,
    Finding,
    _q,
    lint_topics,
)
from serverless_study.loader import load_topics, parse_text
from serverless_study.model import Comparison, Concept, Fact, Item, Topic

from .conftest import FIXTURES

TODAY = date(2026, 11, 28)
CODES = ("SS103", "SS104", "SS105", "SS106", "SS108", "SS109")  # the lints compared here
CONTENT = Path(__file__).parent.parent / "content"

# Words with and without a plural s ("segments", "class", "buses", "apis"), stop words, numbers and quotes, non-ASCII
# letters, the words SS106 looks for in several cases, negations and opposites for SS109.
WORDS = (  # noqa: SIM905
    "segment segments segmentss class classes bus buses gas api apis task tasks pod pods cluster clusters image "
    "images copy copies blueprint template node nodes lambda fargate ec2 ecs eks ssm 2,000 1,024 it's don't café "
    "straße the a an of and to is not no never long short more less manual automatic above below notes note Notes "
    "comparison ABOVE Below runs running run 24/7 x-ray k8s"
).split()


def stems(text: str) -> tuple[str, ...]:
    return tuple(w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w for w in words(text))


def words(text: str) -> list[str]:
    return normalise(text).split()


def content(text: str) -> frozenset[str]:
    return frozenset(s for w, s in zip(words(text), stems(text), strict=True) if w not in _STOP and len(w) > 1)


def has_run(haystack: tuple[str, ...], run: tuple[str, ...]) -> bool:
    n = len(run)
    return n > 0 and any(haystack[i : i + n] == run for i in range(len(haystack) - n + 1))


def prompt_texts(item: Item) -> list[tuple[str, str]]:
    if isinstance(item, Concept):
        return [("the definition", item.definition)]
    if isinstance(item, Fact):
        return [("the prompt", item.prompt), ("the cloze", re.sub(r"\{\{.*?\}\}", " ", item.cloze))]
    if isinstance(item, Comparison):
        return [("the title", item.title), *(("a row label", r.label) for r in item.rows)]
    return [("the title", item.title)]


def found(topic: Topic, item: Item, code: str, message: str) -> Finding:
    assert item.location is not None
    return Finding(code, item.location.file, item.location.line, message, topic.id, item.id)


def giveaways(topic: Topic) -> Iterator[Finding]:
    vocabulary = [topic.title, topic.id.replace("-", " "), *(c.term for c in topic.concepts)]
    aliases = {normalise(a) for c in topic.concepts for a in c.aliases}
    vocabulary += [col for cmp in topic.comparisons for col in cmp.columns if normalise(col) not in aliases]
    asked = [(item, what, text) for item in (*topic.concepts, *topic.facts) for what, text in prompt_texts(item)]
    for fact in topic.facts:
        answer = stems(fact.answer)
        if not content(fact.answer) or any(has_run(stems(v), answer) for v in vocabulary):
            continue
        if has_run(stems(fact.prompt), answer):
            continue
        reported: set[str] = set()
        for item, what, text in asked:
            if item is not fact and item.id not in reported and has_run(stems(text), answer):
                reported.add(item.id)
                message = f"{what} gives away the answer of {_q(fact.id)} ({_q(fact.answer)})"
                yield found(topic, item, "SS104", message)


def accept_repeats(topic: Topic) -> Iterator[Finding]:
    for fact in topic.facts:
        for i, entry in enumerate(fact.accept):
            earlier = [("the answer", fact.answer), *((f"accept entry {_q(e)}", e) for e in fact.accept[:i])]
            repeated = next((what for what, e in earlier if normalise(e) == normalise(entry)), None)
            if repeated:
                yield found(topic, fact, "SS103", f"accept entry {_q(entry)} repeats {repeated}")


def long_answers(topic: Topic) -> Iterator[Finding]:
    for fact in topic.facts:
        n = len(words(fact.answer))
        if not fact.parts and n > MAX_TYPED_WORDS:
            yield found(
                topic, fact, "SS105", f"the answer has {n} words: too long to type; shorten it or make it a list"
            )


def meta_mentions(topic: Topic) -> Iterator[Finding]:
    for item in topic.items:
        for what, text in prompt_texts(item):
            m = re.search(r"\b(?:the notes?|the comparison|above|below)\b", text, re.IGNORECASE)
            if m:
                yield found(topic, item, "SS106", f"{what} mentions {m.group(0)!r}")


def alike_definitions(topic: Topic, by_id: dict[str, Topic]) -> Iterator[Finding]:
    peers = [c for r in topic.related if r in by_id and r != topic.id for c in by_id[r].concepts]
    for i, a in enumerate(topic.concepts):
        for b in [*topic.concepts[i + 1 :], *peers]:
            x, y = content(a.definition), content(b.definition)
            score = len(x & y) / len(x | y) if x and y else 0.0
            if score >= SIMILAR_DEFINITIONS:
                message = f"the definitions of {_q(a.term)} and {_q(b.term)} are {score:.0%} alike"
                yield found(topic, a, "SS108", message)


def twins(topic: Topic) -> Iterator[Finding]:
    def key(ws: list[str]) -> list[str]:
        return [_ANTONYMS.get(w, w) for w in ws if w not in _NEGATIONS]

    for cmp in topic.comparisons:
        for row in cmp.rows:
            cells = [c for c in row.cells if c]
            if len({normalise(c) for c in cells}) < 2:
                continue
            for i, a in enumerate(cells):
                for b in cells[i + 1 :]:
                    na, nb = normalise(a), normalise(b)
                    if na == nb:
                        continue
                    wa, wb = na.split(), nb.split()
                    folded = SequenceMatcher(None, key(wa), key(wb)).ratio()
                    if SequenceMatcher(None, na, nb).ratio() >= SIMILAR_CELLS:
                        yield found(
                            topic, cmp, "SS109", f"row {_q(row.id)}: cells {_q(a)} and {_q(b)} are nearly the same"
                        )
                    elif folded >= MIRRORED_CELLS and folded > SequenceMatcher(None, wa, wb).ratio():
                        yield found(
                            topic, cmp, "SS109", f"row {_q(row.id)}: cells {_q(a)} and {_q(b)} mirror each other"
                        )


def reference(topics: list[Topic]) -> dict[str, list[Finding]]:
    """The findings of each restructured lint, read pair by pair, in `lint_topics`' order (by line within a topic)."""
    by_id = {t.id: t for t in topics}
    out: dict[str, list[Finding]] = {code: [] for code in CODES}
    for topic in topics:
        every = [
            *accept_repeats(topic),
            *long_answers(topic),
            *meta_mentions(topic),
            *twins(topic),
            *giveaways(topic),
            *alike_definitions(topic, by_id),
        ]
        for f in sorted(every, key=lambda f: f.line):
            out[f.code].append(f)
    return out


def linted(topics: list[Topic]) -> dict[str, list[Finding]]:
    out: dict[str, list[Finding]] = {code: [] for code in CODES}
    for f in lint_topics(topics, TODAY):
        if f.code in out:
            out[f.code].append(f)
    return out


def phrase(rng: random.Random, low: int, high: int) -> str:
    text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(low, high)))
    return text.capitalize() if rng.random() < 0.5 else text


def generated_topics(seed: int) -> list[Topic]:
    """Topics of random phrases over a small vocabulary, so that every restructured lint fires often."""
    rng = random.Random(seed)
    more = random.Random(-1 - seed)  # the choices added later, drawn apart so the rest stays as it was
    ids = [f"t{seed}-{n}" for n in range(4)]
    topics = []
    for n, topic_id in enumerate(ids):
        concepts = [
            {"id": f"c{i}", "term": phrase(rng, 1, 2), "definition": phrase(rng, 4, 9) + "."}
            | ({"aliases": [phrase(rng, 1, 1)]} if rng.random() < 0.3 else {})
            for i in range(rng.randint(3, 12))
        ]
        facts = []
        for i in range(rng.randint(5, 25)):
            answer = phrase(rng, 1, 3)
            if more.random() < 0.2:  # six words, or seven, or more
                answer = phrase(more, 5, 9)
            fact: dict[str, object] = {"id": f"f{i}", "prompt": phrase(rng, 3, 9) + "?", "answer": answer}
            if rng.random() < 0.5:  # entries that repeat the answer or each other once normalised
                entries = rng.sample([answer.upper(), f"'{answer}'", phrase(rng, 1, 2), "x-ray", "X Ray"], 3)
                fact["accept"] = entries[: more.randint(1, 3)]
            elif more.random() < 0.2:  # a list answer, however long, is typed part by part
                fact["answer"] = [answer, phrase(more, 1, 3)]
            if rng.random() < 0.3:
                fact["cloze"] = f"{phrase(rng, 1, 4)} {{{{{answer}}}}} {phrase(rng, 0, 3)}".strip()
            facts.append(fact)
        rows = []
        for i in range(rng.randint(1, 6)):
            base = phrase(rng, 2, 5)
            cells = [base, rng.choice([f"not {base}", base.replace("long", "short"), phrase(rng, 2, 5), base + " s"])]
            rows.append({"id": f"r{i}", "cells": cells} | ({"label": phrase(rng, 1, 3)} if rng.random() < 0.5 else {}))
        body = {
            "id": topic_id,
            "title": phrase(rng, 1, 3),
            "related": rng.sample(ids, 2),
            "sources": [{"url": "https://docs.aws.amazon.com/x", "checked": "2026-11"}],
            "concepts": concepts,
            "facts": facts,
            "comparisons": [{"id": "cmp", "title": phrase(rng, 1, 4), "columns": ["EC2", "Fargate"], "rows": rows}],
        }
        source = yaml.safe_dump(body, allow_unicode=True)
        if more.random() < 0.5:  # a topic whose prompts mention no notes: its facts are tested first, then linted
            source = re.sub(r"(?i)\b(?:above|below|notes?|comparison)\b", "over", source)
        topic, problems = parse_text(source, f"{n}.yaml", Path("."))
        assert topic is not None and problems == [], problems
        topics.append(topic)
    return topics


@pytest.mark.parametrize("seed", range(12))
def test_generated_topics_lint_as_the_pair_by_pair_reading(seed: int) -> None:
    topics = generated_topics(seed)
    assert linted(topics) == reference(topics)


def test_generated_topics_have_findings_of_every_kind() -> None:
    """The comparison above means something: the generated content breaks each of these lints many times."""
    counts = {code: 0 for code in CODES}
    for seed in range(12):
        for code, findings in reference(generated_topics(seed)).items():
            counts[code] += len(findings)
    assert min(counts.values()) >= 20, counts


@pytest.mark.parametrize("where", [CONTENT, FIXTURES / "lint"])
def test_shipped_content_and_the_lint_fixture_lint_as_the_pair_by_pair_reading(where: Path) -> None:
    topics = load_topics([where]).topics
    assert linted(topics) == reference(topics)
