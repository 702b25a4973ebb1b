"""Loader: valid packs load, every kind of bad input is reported with file:line, the cache is never trusted blindly."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

from serverless_study.errors import UsageError
from serverless_study.loader import (
    code_fingerprint,
    find_topic,
    load_topics,
    parse_text,
    select_topics,
    topic_from_dict,
    topic_to_dict,
)
from serverless_study.model import Comparison, Fact, Location, Sequence, Topic
from serverless_study.paths import shipped_content_dir

from .cache_entries import entries, entry_file, entry_files, rewrite
from .conftest import FIXTURES

BROKEN = FIXTURES / "broken"


def problems_of(*paths: Path) -> list[str]:
    result = load_topics(list(paths))
    return [str(p).replace(str(FIXTURES) + "/", "") for p in result.problems]


def test_pack_loads_every_kind() -> None:
    result = load_topics([FIXTURES / "pack"])
    assert result.problems == []
    alpha, beta = result.topics
    assert (alpha.id, beta.id) == ("alpha", "beta")
    assert alpha.related == ("beta",)
    assert alpha.concepts[0].aliases == ("gadget",)
    table = alpha.comparisons[0]
    assert isinstance(table, Comparison)
    assert table.rows[1].cells == ("Cheap", "") and table.rows[1].label == ""
    seq = alpha.sequences[0]
    assert isinstance(seq, Sequence)
    assert [s.text for s in seq.steps] == ["Design", "Build", "Test"]
    assert seq.steps[0].detail == "Sketch it first."
    fact = alpha.facts[0]
    assert isinstance(fact, Fact)
    assert fact.accept == ("2000",) and fact.cloze == "It listens on {{UDP port 2000}}."
    assert fact.location is not None and fact.location.line == 30


def test_round_trip_through_dict_and_json() -> None:
    for topic in load_topics([FIXTURES / "pack", FIXTURES / "evil"]).topics:
        again = topic_from_dict(json.loads(json.dumps(topic_to_dict(topic))))
        assert again == topic
        assert [i.location for i in again.items] == [i.location for i in topic.items]
    # the cache stores a line alone for an item in its topic's own file; any other location is kept whole
    fact = Fact("f", "Q?", "A", location=Location("elsewhere.yaml", 3))
    built = Topic("t", "T", source="t.yaml", facts=(fact, replace(fact, id="g", location=None)))
    again = topic_from_dict(json.loads(json.dumps(topic_to_dict(built))))
    assert again == built and [f.location for f in again.facts] == [Location("elsewhere.yaml", 3), None]


def test_evil_pack_is_valid_and_kept_verbatim() -> None:
    result = load_topics([FIXTURES / "evil"])
    assert result.problems == []
    fact = result.topics[0].facts[0]
    assert fact.answer == "<img src=x onerror=alert(2)>"
    assert "<script>alert(1)</script>" in fact.prompt


@pytest.mark.parametrize(
    "name, expected",
    [
        (
            "bad.yaml",
            [
                "broken/bad.yaml:3: YAML syntax error: did not find expected ',' or ']' "
                "(while parsing a flow sequence on line 2)"
            ],
        ),
        (
            "unclosed.yaml",
            [
                "broken/unclosed.yaml:7: YAML syntax error: found unexpected end of stream "
                "(while scanning a quoted scalar on line 5)"
            ],
        ),
        ("empty.yaml", ["broken/empty.yaml: file is empty"]),
        ("list.yaml", ["broken/list.yaml:1: a topic file must be a mapping (id, title, ...), found a list"]),
        ("latin1.yaml", ["broken/latin1.yaml:2: not valid UTF-8 text"]),
        ("dupkey.yaml", ["broken/dupkey.yaml:3: duplicate key 'title'"]),
        (
            "broken.yaml",
            [
                "broken/broken.yaml:3: colour: unknown key (allowed: aliases, comparisons, concepts, facts, id, "
                "images, related, sequences, sources, summary, title)",
                "broken/broken.yaml:10: comparisons[0].rows[0].cells: has 1 cell but the table has 2 columns",
                "broken/broken.yaml:12: facts[0].id: duplicate id 't' (first used on line 5)",
                "broken/broken.yaml:14: facts[0].answer: must not be empty",
            ],
        ),
        (
            "shapes.yaml",
            [
                "broken/shapes.yaml:1: id: 'Shapes!' is not a valid id (use lower-case letters, digits, '-' and '_')",
                "broken/shapes.yaml:5: concepts[0]: missing required key 'definition'",
                "broken/shapes.yaml:7: concepts[1]: expected a mapping, found text",
                "broken/shapes.yaml:10: concepts[2].definition: expected text, found a list",
                "broken/shapes.yaml:11: concepts[2].points: expected a list of text, found text",
                "broken/shapes.yaml:15: sequences[0].steps: a sequence needs at least 2 steps",
                "broken/shapes.yaml:21: facts[0].cloze: must contain exactly one non-empty {{gap}}",
                "broken/shapes.yaml:22: facts[1].id: duplicate id 'f1' (first used on line 18)",
                "broken/shapes.yaml:25: facts[1].accept[1]: expected non-empty text",
            ],
        ),
    ],
)
def test_each_problem_names_file_and_line(name: str, expected: list[str]) -> None:
    assert problems_of(BROKEN / name) == expected


def test_bad_files_do_not_stop_good_ones() -> None:
    result = load_topics([BROKEN, FIXTURES / "pack"])
    assert [t.id for t in result.topics] == ["alpha", "beta"]
    assert len({p.file for p in result.problems}) == len(list(BROKEN.glob("*.yaml")))


def test_huge_file_is_refused_without_parsing(tmp_path: Path) -> None:
    huge = tmp_path / "huge.yaml"
    huge.write_text("id: huge\ntitle: Huge\nsummary: " + "x" * (5 * 1024 * 1024) + "\n")
    assert problems_of(huge) == [f"{huge}: file is too large (5.0 MB; the limit is 5 MB)"]


def test_duplicate_topic_ids_across_files(tmp_path: Path) -> None:
    for name in ("a.yaml", "b.yaml"):
        (tmp_path / name).write_text("id: same\ntitle: T\nfacts: [{id: f, prompt: p, answer: a}]\n")
    result = load_topics([tmp_path])
    assert len(result.topics) == 1
    assert [str(p) for p in result.problems] == [
        f"{tmp_path / 'b.yaml'}:1: id: topic id 'same' is already used by {tmp_path / 'a.yaml'}"
    ]


def test_unknown_related_topic_and_missing_dir(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("id: a\ntitle: A\nrelated: [ghost]\nfacts: [{id: f, prompt: p, answer: a}]\n")
    result = load_topics([tmp_path, tmp_path / "nope"])
    assert [str(p) for p in result.problems] == [
        f"{tmp_path / 'nope'}: no such file or folder",
        f"{tmp_path / 'a.yaml'}: related: unknown topic id 'ghost'",
    ]
    assert [t.id for t in result.topics] == ["a"]


def test_missing_image_is_a_problem_and_not_shown(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(
        "id: a\ntitle: A\nimages: [{path: pic.svg, caption: C}]\nfacts: [{id: f, prompt: p, answer: a}]\n"
    )
    result = load_topics([tmp_path])
    assert [str(p) for p in result.problems] == [f"{tmp_path / 'a.yaml'}:3: images[0].path: image not found: pic.svg"]
    assert result.topics[0].images == () and result.topics[0].refused_images[0].src == "pic.svg"
    (tmp_path / "pic.svg").write_text("<svg/>")
    result = load_topics([tmp_path])
    assert result.problems == [] and [i.src for i in result.topics[0].images] == ["pic.svg"]


@pytest.mark.parametrize(
    "raw, text",
    [
        ("2000", "2000"),
        ("yes", "yes"),
        ("0x10", "0x10"),
        ("1.50", "1.50"),
        ("'~'", "~"),
        ("off", "off"),
        ("2_000", "2_000"),
    ],
)
def test_plain_scalars_are_kept_as_written(raw: str, text: str) -> None:
    topic, problems = parse_text(
        f"id: n\ntitle: N\nfacts: [{{id: f, prompt: p, answer: {raw}}}]\n", "n.yaml", Path(".")
    )
    assert problems == [] and topic is not None and topic.facts[0].answer == text


@pytest.mark.parametrize(
    "raw, problem",
    [
        ("~", "n.yaml:4: facts[0].answer: must not be empty"),
        ("null", "n.yaml:4: facts[0].answer: must not be empty"),
        (
            "!!python/object:os.system x",
            "n.yaml:4: unsupported YAML tag 'tag:yaml.org,2002:python/object:os.system' (content is plain text)",
        ),
        ("!!int 5", "n.yaml:4: unsupported YAML tag 'tag:yaml.org,2002:int' (content is plain text)"),
        ("{a: 1}", "n.yaml:4: facts[0].answer: expected text, found a mapping"),
    ],
)
def test_nulls_tags_and_wrong_types(raw: str, problem: str) -> None:
    _, problems = parse_text(f"id: n\ntitle: N\nfacts:\n  - {{id: f, prompt: p, answer: {raw}}}\n", "n.yaml", Path("."))
    assert [str(p) for p in problems] == [problem]


@pytest.mark.slow
def test_alias_bomb_is_refused() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 9)]
    _, problems = parse_text("\n".join(lines) + "\n", "bomb.yaml", Path("."))
    assert len(problems) == 1 and "too many YAML nodes" in str(problems[0])


def test_find_topic_by_id_or_title_fragment() -> None:
    topics = load_topics([FIXTURES / "pack"]).topics
    assert [t.id for t in find_topic(topics, "ALPHA")] == ["alpha"]
    assert [t.id for t in find_topic(topics, "beta top")] == ["beta"]
    assert [t.id for t in find_topic(topics, "topic")] == ["alpha", "beta"]
    assert find_topic(topics, "gamma") == []


def test_find_topic_prefers_a_unique_id_prefix() -> None:
    shipped = load_topics([shipped_content_dir()]).topics
    assert [t.id for t in find_topic(shipped, "ecs")] == ["ecs-eks"]
    assert [t.id for t in find_topic(shipped, "eks")] == ["ecs-eks", "eks-distro", "eks-ecs-anywhere"]  # ambiguous
    assert [t.id for t in find_topic(shipped, "aurora")] == ["aurora-serverless"]


def test_find_topic_without_hyphens_or_by_an_alias() -> None:
    shipped = load_topics([shipped_content_dir()]).topics
    for query, topic_id in (
        ("xray", "x-ray"),
        ("X Ray", "x-ray"),
        ("sar", "serverless-application-repository"),
        ("eks-d", "eks-distro"),
        ("EKSD", "eks-distro"),
        ("aurora", "aurora-serverless"),
        ("eventbridge", "eventbridge"),
    ):
        assert [t.id for t in find_topic(shipped, query)] == [topic_id], query
    assert find_topic(shipped, " - ") == []


def test_topic_aliases_load_and_survive_the_cache(tmp_path: Path) -> None:
    (tmp_path / "t.yaml").write_text(
        "id: step-functions\ntitle: AWS Step Functions\naliases: [sfn, states]\n"
        "facts:\n  - id: f\n    prompt: Which service runs state machines?\n    answer: Step Functions\n",
        encoding="utf-8",
    )
    (topic,) = load_topics([tmp_path]).topics
    assert topic.aliases == ("sfn", "states")
    assert topic_from_dict(json.loads(json.dumps(topic_to_dict(topic)))) == topic
    assert [t.id for t in select_topics([topic], ["SFN"])] == ["step-functions"]
    (tmp_path / "t.yaml").write_text("id: x\ntitle: X\naliases: sfn\nfacts: []\n", encoding="utf-8")
    result = load_topics([tmp_path])
    assert any("aliases" in str(p) and "expected a list of text" in str(p) for p in result.problems)


def test_select_topics_keeps_content_order_and_explains_misses() -> None:
    topics = load_topics([FIXTURES / "pack"]).topics
    assert [t.id for t in select_topics(topics, ["beta", "alpha top"])] == ["alpha", "beta"]
    assert select_topics(topics, []) == topics
    with pytest.raises(UsageError, match=r"^no topic matches 'nope'; topics: alpha, beta$"):
        select_topics(topics, ["nope"])
    with pytest.raises(UsageError, match=r"^'topic' matches several topics; topics: alpha, beta$"):
        select_topics(topics, ["topic"])


# --- cache ----------------------------------------------------------------------


def copy_pack(tmp_path: Path) -> Path:
    pack = tmp_path / "pack"
    pack.mkdir()
    for f in (FIXTURES / "pack").iterdir():
        (pack / f.name).write_bytes(f.read_bytes())
    return pack


def test_cache_is_used_when_files_are_unchanged(tmp_path: Path) -> None:
    pack = copy_pack(tmp_path)
    cache = tmp_path / "cache"
    first = load_topics([pack], cache_dir=cache)
    assert len(entries(cache)) == 2
    # Prove the second load comes from the cache: doctor the cached title as the cache's writer would.
    rewrite(entry_file(cache, pack / "02-beta.yaml"), lambda topic: {**topic, "title": "From cache"})
    second = load_topics([pack], cache_dir=cache)
    assert [t.title for t in second.topics] == [first.topics[0].title, "From cache"]


def test_stale_cache_entry_is_reparsed(tmp_path: Path) -> None:
    pack = copy_pack(tmp_path)
    cache = tmp_path / "cache"
    load_topics([pack], cache_dir=cache)
    beta = pack / "02-beta.yaml"
    beta.write_text(beta.read_text().replace("Beta Topic", "Beta Edited"))
    os.utime(beta, ns=(1, 1))  # a different mtime even on coarse clocks
    assert [t.title for t in load_topics([pack], cache_dir=cache).topics] == ["Alpha Topic", "Beta Edited"]


@pytest.mark.parametrize(
    "damage",
    [
        lambda raw: b"not json",
        lambda raw: b"",
        lambda raw: raw[: len(raw) // 2],  # cut short
        lambda raw: raw.partition(b"\n")[0],  # header only
        lambda raw: raw.replace(b"Topic", b"T\xffpic"),  # a flipped byte in the payload
        lambda raw: b"[1, 2]\n{}",
        lambda raw: b'{"code": 1, "path": [], "size": "2", "hash": null, "sum": {}}\n{}',
    ],
)
def test_damaged_cache_is_rebuilt(tmp_path: Path, damage: Callable[[bytes], bytes]) -> None:
    pack = copy_pack(tmp_path)
    cache = tmp_path / "cache"
    load_topics([pack], cache_dir=cache)
    for entry in entry_files(cache):
        entry.write_bytes(damage(entry.read_bytes()))
    result = load_topics([pack], cache_dir=cache)
    assert [t.title for t in result.topics] == ["Alpha Topic", "Beta Topic"] and result.problems == []
    assert {h["code"] for h, _ in entries(cache).values()} == {code_fingerprint()}  # rewritten


def test_cache_entry_with_wrong_shape_is_reparsed(tmp_path: Path) -> None:
    pack = copy_pack(tmp_path)
    cache = tmp_path / "cache"
    load_topics([pack], cache_dir=cache)
    for entry in entry_files(cache):
        rewrite(entry, lambda topic: {"id": "broken"})  # a valid checksum: only topic_from_dict can refuse it
    assert [t.title for t in load_topics([pack], cache_dir=cache).topics] == ["Alpha Topic", "Beta Topic"]
    assert all(payload.get("title") for _, payload in entries(cache).values())  # rewritten


def test_unwritable_cache_does_not_fail(tmp_path: Path) -> None:
    pack = copy_pack(tmp_path)
    blocker = tmp_path / "file"
    blocker.write_text("")
    result = load_topics([pack], cache_dir=blocker / "sub")
    assert [t.id for t in result.topics] == ["alpha", "beta"]


LIST_FACT = "id: n\ntitle: N\nfacts:\n  - id: f\n    prompt: p\n    answer: {answer}\n{extra}"


def test_list_answer_keeps_its_elements_and_shows_them_joined() -> None:
    topic, problems = parse_text(
        LIST_FACT.format(answer="[SSM Agent, ECS agent, Docker]", extra="    ordered: true\n"), "n.yaml", Path(".")
    )
    assert problems == [] and topic is not None
    fact = topic.facts[0]
    assert fact.parts == ("SSM Agent", "ECS agent", "Docker") and fact.ordered
    assert fact.answer == "SSM Agent, ECS agent, Docker"
    assert topic_from_dict(json.loads(json.dumps(topic_to_dict(topic)))) == topic


def test_list_answers_are_order_free_by_default_and_text_answers_have_no_parts() -> None:
    topic, _ = parse_text(LIST_FACT.format(answer="[a, b]", extra=""), "n.yaml", Path("."))
    assert topic is not None and topic.facts[0].parts == ("a", "b") and not topic.facts[0].ordered
    topic, _ = parse_text(LIST_FACT.format(answer="a, b", extra=""), "n.yaml", Path("."))
    assert topic is not None and topic.facts[0].parts == () and topic.facts[0].answer == "a, b"


@pytest.mark.parametrize(
    "answer, extra, problem",
    [
        ("[Docker]", "", "n.yaml:6: facts[0].answer: a list answer needs at least 2 elements"),
        ("[a, '']", "", "n.yaml:6: facts[0].answer[1]: expected non-empty text"),
        ("[a, [b]]", "", "n.yaml:6: facts[0].answer[1]: expected non-empty text"),
        ("a", "    ordered: true\n", "n.yaml:7: facts[0].ordered: only a list answer can be ordered"),
        ("[a, b]", "    ordered: maybe\n", "n.yaml:7: facts[0].ordered: expected true or false, found 'maybe'"),
    ],
)
def test_bad_list_answers_name_file_line_and_key(answer: str, extra: str, problem: str) -> None:
    _, problems = parse_text(LIST_FACT.format(answer=answer, extra=extra), "n.yaml", Path("."))
    assert [str(p) for p in problems][:1] and str(problems[0]).startswith(problem)


def test_shipped_list_answers_load() -> None:
    facts = {f.id: f for t in load_topics([shipped_content_dir()]).topics for f in t.facts}
    assert facts["required-software"].parts == ("SSM Agent", "ECS agent", "Docker")
