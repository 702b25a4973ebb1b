"""Notes, sources and lint-ignores: parsed with locations, refused when malformed, kept by the compiled cache."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from serverless_study.cards import generate_cards, make_question
from serverless_study.loader import code_fingerprint, load_topics, parse_text, topic_from_dict, topic_to_dict
from serverless_study.model import Concept, Fact, LintIgnore, Source
from serverless_study.textview import topic_text

from .conftest import FIXTURES

SOURCED = FIXTURES / "sourced"
LAMBDA_LIMITS = "https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html"


def test_notes_sources_and_ignores_load() -> None:
    (topic,) = load_topics([SOURCED]).topics
    assert topic.sources == (Source(LAMBDA_LIMITS, "2026-11"),)
    concept, table, seq, fact = topic.items
    assert isinstance(concept, Concept) and concept.note == "Older notes called it a gadget."
    assert concept.sources == (Source("https://example.com/widget", "2025-01"),)
    assert table.lint_ignore == (LintIgnore("SS109", "the sizes really are opposites"),)
    assert seq.sources[0].checked == "2026-02"
    assert isinstance(fact, Fact) and fact.note.startswith("The notes gave no number")
    assert fact.lint_ignore == (LintIgnore("SS105", "testing"),)


def test_cache_keeps_notes_sources_and_ignores() -> None:
    (topic,) = load_topics([SOURCED]).topics
    again = topic_from_dict(json.loads(json.dumps(topic_to_dict(topic))))
    assert again == topic
    assert [(i.sources, i.lint_ignore) for i in again.items] == [(i.sources, i.lint_ignore) for i in topic.items]
    assert again.sources == topic.sources


def test_cache_from_before_notes_is_not_trusted(tmp_path: Path) -> None:
    cache = tmp_path / "cache.json"
    load_topics([SOURCED], cache_file=cache)
    data = json.loads(cache.read_text())
    data["code"] = "1-0000000000000000"  # as written by the loader before notes existed
    for entry in data["files"].values():
        entry["topic"]["extras"] = {"sources": [], "items": {}}  # that loader had no notes to cache
    cache.write_text(json.dumps(data))
    (topic,) = load_topics([SOURCED], cache_file=cache).topics
    assert topic.facts[0].note  # reparsed, not read from the old-shaped cache
    assert json.loads(cache.read_text())["code"] == code_fingerprint()


def test_note_is_shown_in_learn_and_after_answering() -> None:
    import random

    (topic,) = load_topics([SOURCED]).topics
    text = topic_text(topic)
    assert "    Note: Older notes called it a gadget." in text
    assert "  Note: The notes gave no number" in text
    cards = {c.id: c for c in generate_cards([topic])}
    q = make_question(cards["noted/timeout/typed"], {topic.id: topic}, random.Random(1))
    assert q.explanation.endswith("Note: The notes gave no number; the limit has been 15 minutes since 2018.")
    q = make_question(cards["noted/widget/recall"], {topic.id: topic}, random.Random(1))
    assert q.explanation == "Note: Older notes called it a gadget."


def test_note_is_shown_by_the_rich_view() -> None:
    import io

    from serverless_study.render import make_console, topic_view

    (topic,) = load_topics([SOURCED]).topics
    out = io.StringIO()
    make_console(out, terminal=False, width=120).print(topic_view(topic))
    assert "Note: Older notes called it a gadget." in out.getvalue()
    assert "Note: The notes gave no number" in out.getvalue()


@pytest.mark.parametrize(
    "body, problem",
    [
        (
            "sources: [{url: ftp://x, checked: 2026-11}]",
            "n.yaml:4: facts[0].sources[0].url: 'ftp://x' is not an http(s) address",
        ),
        (
            "sources: [{url: https://x, checked: 2026-13}]",
            "n.yaml:4: facts[0].sources[0].checked: '2026-13' is not a YYYY-MM month",
        ),
        (
            "sources: [{url: https://x, checked: 26-11-01}]",
            "n.yaml:4: facts[0].sources[0].checked: '26-11-01' is not a YYYY-MM month",
        ),
        ("sources: [{url: https://x}]", "n.yaml:4: facts[0].sources[0]: missing required key 'checked'"),
        ("sources: https://x", "n.yaml:4: facts[0].sources: expected a list, found text"),
        ("lint-ignore: [{code: SS105}]", "n.yaml:4: facts[0].lint-ignore[0]: missing required key 'reason'"),
        (
            "lint-ignore: [{code: E501, reason: r}]",
            "n.yaml:4: facts[0].lint-ignore[0].code: 'E501' is not a lint code (SS and 3 digits)",
        ),
        ("lint-ignore: [SS105]", "n.yaml:4: facts[0].lint-ignore[0]: expected a mapping, found text"),
        ("note: [a]", "n.yaml:4: facts[0].note: expected text, found a list"),
    ],
)
def test_malformed_extras_name_file_line_and_key(body: str, problem: str) -> None:
    raw = f"id: n\ntitle: N\nfacts:\n  - {{id: f, prompt: p, answer: a, {body}}}\n"
    _, problems = parse_text(raw, "n.yaml", Path("."))
    assert [str(p) for p in problems] == [problem]


def test_topic_sources_are_checked_too() -> None:
    raw = "id: n\ntitle: N\nsources:\n  - {url: https://x, checked: soon}\nfacts: [{id: f, prompt: p, answer: a}]\n"
    _, problems = parse_text(raw, "n.yaml", Path("."))
    assert [str(p) for p in problems] == ["n.yaml:4: sources[0].checked: 'soon' is not a YYYY-MM month"]


def test_table_note_follows_the_row_after_answering() -> None:
    import random

    (topic,) = load_topics([SOURCED]).topics
    cards = {c.id: c for c in generate_cards([topic])}
    q = make_question(cards["noted/a-vs-b/column/size.widget"], {topic.id: topic}, random.Random(1))
    assert q.explanation == "Widget: Small; Gizmo: Large\nNote: Sizes as sold."


def test_anki_backs_carry_notes_and_the_package_links_sources() -> None:
    from serverless_study.anki import build_export
    from serverless_study.apkg import build_package

    (topic,) = load_topics([SOURCED]).topics
    backs = {n.key: n.fields[1] for n in build_export([topic]).notes}
    assert backs["noted/timeout/basic"].count("<i>Note: The notes gave no number;") == 1
    assert "<i>Note: Older notes called it a gadget.</i>" in backs["noted/widget/define"]
    sources = {n.key: n.fields[-1] for n in build_package([topic]).notes}
    assert sources["noted/widget/define"] == (
        '<a href="https://example.com/widget">https://example.com/widget</a> (checked 2025-01)'
    )
    # an item without sources of its own is linked to its topic's
    assert sources["noted/a-vs-b/table"].startswith('<a href="https://docs.aws.amazon.com/lambda/latest/dg/')
