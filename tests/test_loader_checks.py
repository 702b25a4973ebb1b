"""The validator's cheap checks for well-formed items and its reporting path for the rest give the same answers.

Well-formed items take a short path (a plain fact is built without a check per field); anything unusual goes through
the checks that name each problem. The messages here are those of the loader before the short path existed.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from serverless_study.loader import parse_text
from serverless_study.model import Fact, Location

HEAD = "id: t\ntitle: T\nfacts:\n  - id: first\n    prompt: p\n    answer: a\n"  # the second item starts on line 7
VALID_ID = "(use lower-case letters, digits, '-' and '_')"


def problems(text: str) -> list[str]:
    return [str(p) for p in parse_text(text, "n.yaml", Path("."))[1]]


def second_fact(item: str) -> Fact:
    topic, found = parse_text(f"{HEAD}  - {item}\n", "n.yaml", Path("."))
    assert found == [] and topic is not None
    return topic.facts[1]


@pytest.mark.parametrize(
    "item, expected",
    [
        ("id: Bad\n    prompt: p\n    answer: a", [f"n.yaml:7: facts[1].id: 'Bad' is not a valid id {VALID_ID}"]),
        ("id: ''\n    prompt: p\n    answer: a", ["n.yaml:7: facts[1].id: must not be empty"]),
        ("id:\n    prompt: p\n    answer: a", ["n.yaml:7: facts[1].id: must not be empty"]),
        ("id: f\n    prompt: [p]\n    answer: a", ["n.yaml:8: facts[1].prompt: expected text, found a list"]),
        ("id: f\n    prompt: '  '\n    answer: a", ["n.yaml:8: facts[1].prompt: must not be empty"]),
        ("id: f\n    prompt: p", ["n.yaml:7: facts[1]: missing required key 'answer'"]),
        (
            "id: f\n    prompt: p\n    answer: a\n    explanation: {x: y}",
            ["n.yaml:10: facts[1].explanation: expected text, found a mapping"],
        ),
        (
            "id: f\n    prompt: p\n    answer: a\n    accept: x",
            ["n.yaml:10: facts[1].accept: expected a list of text, found text"],
        ),
        (
            "id: f\n    prompt: p\n    answer: a\n    accept: [x, '']",
            ["n.yaml:10: facts[1].accept[1]: expected non-empty text"],
        ),
        (
            "id: f\n    prompt: p\n    answer: a\n    accept: [x, [y]]",
            ["n.yaml:10: facts[1].accept[1]: expected non-empty text"],
        ),
        (
            "id: f\n    prompt: p\n    answer: a\n    accept: {x: y}",
            ["n.yaml:10: facts[1].accept: expected a list of text, found a mapping"],
        ),
        (
            "id: first\n    prompt: p\n    answer: a",
            ["n.yaml:7: facts[1].id: duplicate id 'first' (first used on line 4)"],
        ),
        (
            "id: f\n    prompt: p\n    answer: a\n    colour: red",
            [
                "n.yaml:10: facts[1].colour: unknown key (allowed: accept, answer, cloze, explanation, id, "
                "lint-ignore, note, ordered, prompt, sources)"
            ],
        ),
    ],
)
def test_a_fact_that_is_nearly_plain_is_reported_as_before(item: str, expected: list[str]) -> None:
    assert problems(f"{HEAD}  - {item}\n") == expected


@pytest.mark.parametrize(
    "item, accept, explanation",
    [
        ("id: f\n    prompt: p\n    answer: a\n    explanation:", (), ""),
        ("id: f\n    prompt: p\n    answer: a\n    accept:", (), ""),
        ("id: f\n    prompt: p\n    answer: a\n    accept: []", (), ""),
        ("id: '  f  '\n    prompt: ' p '\n    answer: ' a '\n    accept: [' b ']\n    explanation: ' e '", ("b",), "e"),
    ],
)
def test_a_plain_fact_loads_as_the_checked_path_builds_it(item: str, accept: tuple[str, ...], explanation: str) -> None:
    plain = second_fact(item)
    assert plain == Fact("f", "p", "a", accept, explanation)
    assert plain.location == Location("n.yaml", 7)
    checked = second_fact(item + "\n    note: ''")  # a note is not plain: every field is checked one by one
    assert checked == plain and checked.location == plain.location


@pytest.mark.parametrize(
    "item, expected",
    [
        ("id: c\n    term: T\n    definition: ''", ["n.yaml:10: concepts[0].definition: must not be empty"]),
        ("id: c\n    term: [T]\n    definition: D", ["n.yaml:9: concepts[0].term: expected text, found a list"]),
        (
            "id: c\n    term: T\n    definition: D\n    points: [a, '  ']",
            ["n.yaml:11: concepts[0].points[1]: expected non-empty text"],
        ),
        (
            "id: c\n    term: T\n    definition: D\n    aliases: a",
            ["n.yaml:11: concepts[0].aliases: expected a list of text, found text"],
        ),
        (
            "id: c\n    term: T\n    definition: D\n    note: [n]",
            ["n.yaml:11: concepts[0].note: expected text, found a list"],
        ),
        (
            "id: c\n    term: T\n    definition: D\n    sources: [{url: ftp://x, checked: 2026-13}]",
            [
                "n.yaml:11: concepts[0].sources[0].url: 'ftp://x' is not an http(s) address",
                "n.yaml:11: concepts[0].sources[0].checked: '2026-13' is not a YYYY-MM month",
            ],
        ),
        (
            "id: c\n    term: T\n    definition: D\n    lint-ignore: [{code: X1, reason: ''}]",
            [
                "n.yaml:11: concepts[0].lint-ignore[0].reason: must not be empty",
                "n.yaml:11: concepts[0].lint-ignore[0].code: 'X1' is not a lint code (SS and 3 digits)",
            ],
        ),
        (
            "id: c\n    term: T\n    definition: D\n    sources: x",
            ["n.yaml:11: concepts[0].sources: expected a list, found text"],
        ),
        (
            "id: C\n    definition: D",
            [
                "n.yaml:8: concepts[0]: missing required key 'term'",
                f"n.yaml:8: concepts[0].id: 'C' is not a valid id {VALID_ID}",
            ],
        ),
    ],
)
def test_concept_problems_keep_their_messages_and_order(item: str, expected: list[str]) -> None:
    assert problems(f"{HEAD}concepts:\n  - {item}\n") == expected


@pytest.mark.parametrize(
    "item, expected",
    [
        (
            "columns: [A]\n    rows: [{id: r, cells: [x]}]",
            ["n.yaml:10: comparisons[0].columns: a comparison needs at least 2 columns"],
        ),
        (
            "columns: [A, B]\n    rows: [{id: r, cells: [x]}, {id: r, cells: ['', '']}]",
            [
                "n.yaml:11: comparisons[0].rows[0].cells: has 1 cell but the table has 2 columns",
                "n.yaml:11: comparisons[0].rows[1].id: duplicate row id 'r'",
                "n.yaml:11: comparisons[0].rows[1].cells: every cell is empty",
            ],
        ),
        (
            "columns: [A, B]\n    rows: [{id: r, cells: x}]",
            [
                "n.yaml:11: comparisons[0].rows[0].cells: expected a list, found text",
                "n.yaml:11: comparisons[0].rows: a comparison needs at least one row",
            ],
        ),
        ("columns: [A, B]\n    rows: []", ["n.yaml:11: comparisons[0].rows: a comparison needs at least one row"]),
        (
            "columns: [A, B]\n    rows: x",
            [
                "n.yaml:11: rows: expected a list, found text",  # the key path lacks the table's: as it always did
                "n.yaml:11: comparisons[0].rows: a comparison needs at least one row",
            ],
        ),
        (
            "columns: [A, B]\n    rows: [{id: r, cells: [[x], y], label: [l]}]\n    title: ''",
            [
                "n.yaml:10: comparisons[0].rows[0].cells[0]: expected text, found a list",
                "n.yaml:10: comparisons[0].rows[0].label: expected text, found a list",
                "n.yaml:11: comparisons[0].title: must not be empty",
            ],
        ),
    ],
)
def test_table_problems_keep_their_messages_and_order(item: str, expected: list[str]) -> None:
    text = f"{HEAD}comparisons:\n  - id: t1\n    title: T\n    {item}\n"
    if "title: ''" in item:
        text = text.replace("    title: T\n", "")
    assert problems(text) == expected
