"""The fact list read straight from the text against the whole parse: same topic, same locations, same problems.

`loader.parse_text` takes a file's common fact list from `fastfacts` and parses only the rest; `loader._parse_whole`
parses and checks every key. Whatever the text, both must give the same answer, and the short way must be taken for
the shapes it is for (else these tests prove nothing).
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from serverless_study import fastfacts, fastyaml, loader

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).parent / "fixtures"
HEAD = "id: t\ntitle: T\n"


def outcome(result: tuple[Any, list[Any]]) -> tuple[Any, Any, list[str]]:
    """A topic, the location of each of its items (topics compare without them), and the problems as printed."""
    topic, problems = result
    locations = None if topic is None else [(type(item), item.id, item.location) for item in topic.items]
    return topic, locations, [str(p) for p in problems]


def short_way(text: str) -> bool:
    """Whether `parse_text` decides `text` with the fact list `fastfacts` read."""
    facts = fastfacts.read(text)
    return facts is not None and loader._parse_with_facts(text, facts, "t.yaml", Path(".")) is not None


def agrees(text: str) -> bool:
    """`parse_text` gives what the whole parse gives; True if it took the short way."""
    assert outcome(loader.parse_text(text, "t.yaml", Path("."))) == outcome(
        loader._parse_whole(text, "t.yaml", Path("."))
    ), text
    taken = short_way(text)
    if taken:
        assert_same_tree(text)
    return taken


def assert_same_tree(text: str) -> None:
    """What `fastfacts` read, with the rest as fastyaml parses it, is the tree fastyaml makes of the whole text."""
    facts = fastfacts.read(text)
    assert facts is not None
    whole = fastyaml._Parser(text.replace("\r\n", "\n"))
    tree = whole.document()
    rest = fastyaml._Parser(facts.rest, facts.nodes)
    rest_tree = rest.document()
    assert rest.count == whole.count  # the same total against MAX_NODES
    assert isinstance(tree, dict) and isinstance(rest_tree, dict)
    listed = tree["facts"]
    assert [(k, v) for k, v in rest_tree.items() if k != "facts"] == [(k, v) for k, v in tree.items() if k != "facts"]
    assert rest_tree.key_lines == tree.key_lines and rest_tree["facts"] is None
    read = []
    for m, line in zip(listed, listed.item_lines, strict=True):
        assert list(m)[:3] == ["id", "prompt", "answer"] and m.key_lines["id"] == line
        read.append((line, m["id"], m["prompt"], m["answer"], list(m.get("accept", [])), m.get("explanation", "")))
    assert facts.items == read


def fact(fid: str = "f1", prompt: str = "Which?", answer: str = "This", accept: str = "", explanation: str = "") -> str:
    lines = [f"  - id: {fid}", f"    prompt: {prompt}", f"    answer: {answer}"]
    lines += [f"    accept: {accept}"] * bool(accept) + [f"    explanation: {explanation}"] * bool(explanation)
    return "\n".join(lines) + "\n"


SYNTHETIC = (
    HEAD + "facts:\n" + "".join(fact(f"f{i:03d}", f"Item {i}?", f"value {i}", f'["v{i}"]', "E.") for i in range(5))
)
CONCEPTS = "concepts:\n  - id: c1\n    term: Term\n    definition: What it is.\n"

SHORT_WAY = [
    SYNTHETIC,
    SYNTHETIC.rstrip("\n"),  # no final line break
    SYNTHETIC.replace("\n", "\r\n"),
    "facts:\n" + fact() + HEAD,  # the list first, the rest after it
    HEAD + "facts:\n" + fact() + CONCEPTS,
    HEAD + CONCEPTS + "facts:\n" + fact("f1") + "\n  \n" + fact("f2") + "\n",  # blank lines around items
    HEAD + "facts:\n" + fact(accept="[a, b c, d]") + fact("f2", accept="[ x ]") + fact("f3", accept='[ "a" , "b"]'),
    HEAD + "facts:\n" + fact() + "summary: |\n  kept",  # a block scalar at the end, after the list
    HEAD + "facts:\n" + fact(accept="[a]", explanation="Why.") + fact("f2", accept='[" spaced "]'),
    HEAD + "facts:\n" + fact(prompt="x#y C# a:b 1:30 yes ~x", answer="é \xa0 日本", explanation="Ends\xa0"),
    HEAD + "facts:\n" + fact(prompt="\xa0starts with a no-break space", answer="a\u3000"),
    "id: t\nfacts:\n" + fact(),  # no title: reported as the whole parse reports it
    "id: Bad Id\ntitle: T\nsummary: >-\n  folded\n  text\nfacts:\n" + fact() + "related: [nope]\n",
]

WHOLE_WAY = [
    HEAD + "facts:\n" + fact("f1") + fact("f1"),  # a duplicate id
    HEAD + CONCEPTS.replace("c1", "f1") + "facts:\n" + fact("f1"),  # an id a concept has
    HEAD + "facts:\n" + fact("F1"),
    HEAD + "facts:\n" + fact(prompt="null"),
    HEAD + "facts:\n" + fact(prompt="~"),
    HEAD + "facts:\n" + fact(accept="[a, null]"),
    HEAD + "facts:\n" + fact(accept="[]"),
    HEAD + "facts:\n" + fact(accept='[""]'),
    HEAD + "facts:\n" + fact(accept="[a, ~]"),
    HEAD + "facts:\n" + fact(prompt="a: b"),
    HEAD + "facts:\n" + fact(prompt="Which? # a comment"),
    HEAD + "facts:\n" + fact(prompt="Which? "),
    HEAD + "facts:\n" + fact(prompt="Which:"),
    HEAD + "facts:\n" + fact(prompt="'quoted'"),
    HEAD + "facts:\n" + fact(prompt="-x"),
    HEAD + "facts:\n" + fact(prompt="a\tb"),
    HEAD + "facts:\n" + fact(prompt="a\x1bb"),
    HEAD + "facts:\n" + fact(prompt="a\x85b"),
    HEAD + "facts:\n" + fact(answer="a\u202eb"),  # a forbidden character: the whole parse reports it
    HEAD + "facts:\n" + fact(accept='["a: b"]'),
    HEAD + "facts:\n" + fact(accept="[a\tb]"),
    HEAD + "facts:\n" + fact(accept="[a] # c"),
    HEAD + "facts:\n" + fact(explanation="x") + "    cloze: The {{gap}}.\n",
    HEAD + "facts:\n" + fact() + fact("f2") + "    cloze: The {{gap}}.\n" + fact("f3") + fact("f4"),
    HEAD + "facts:\n" + fact() + "  # a comment\n" + fact("f2"),
    HEAD + "facts:\n" + fact() + "# a comment\n" + fact("f2"),  # the list goes on after a comment at column 0
    HEAD + "facts:\n" + fact() + "- x\n",
    HEAD + "facts:\n" + fact() + " - x\n",
    HEAD + "facts:\n" + fact() + "facts:\n" + fact("f2"),
    HEAD + "facts:\n" + fact() + "\u2028\n",
    HEAD + "facts: \n" + fact(),
    HEAD + "facts:\n" + fact().replace("  - id: f1\n    prompt", "  - prompt: p\n    id"),
    HEAD + "facts:\n" + "  -  id: f1\n    prompt: p\n    answer: a\n",
    HEAD + "title: again\nfacts:\n" + fact(),
    HEAD + "facts:\n",
    "facts:\n" + fact() + "- x\n",
]


@pytest.mark.parametrize("text", SHORT_WAY)
def test_common_fact_lists_take_the_short_way_and_agree(text: str) -> None:
    assert agrees(text)


@pytest.mark.parametrize("text", WHOLE_WAY)
def test_anything_else_is_parsed_whole(text: str) -> None:
    assert not agrees(text)


def yaml_texts() -> dict[Path, str]:
    """Every content and fixture file the loader parses (a file that is not UTF-8 is refused before parsing)."""
    texts = {}
    for path in sorted((REPO / "content").glob("*.yaml")) + sorted(FIXTURES.rglob("*.yaml")):
        with contextlib.suppress(UnicodeDecodeError):
            texts[path] = path.read_bytes().decode("utf-8-sig")
    return texts


@pytest.mark.parametrize(("path", "text"), yaml_texts().items(), ids=lambda p: str(p) if isinstance(p, Path) else "")
def test_content_and_fixture_files_agree(path: Path, text: str) -> None:
    agrees(text)


@pytest.mark.parametrize("spare", [0, -1])
def test_the_node_limit_counts_the_list(monkeypatch: pytest.MonkeyPatch, spare: int) -> None:
    """The list's collections count towards MAX_NODES as if the whole text were parsed: at the limit it is read, one
    over and the whole parse (which then goes to libyaml) decides."""
    whole = fastyaml._Parser(SYNTHETIC)
    whole.document()
    monkeypatch.setattr(fastyaml, "MAX_NODES", whole.count + spare)
    assert short_way(SYNTHETIC) == (spare == 0)


# --- generated files around the common shape --------------------------------------------------------------------

TAME = [*"abcxyz", "é", "日", "Which", "value", "x#y", "a:b", "\xa0", "C#"]
EDGY = [*"-?:,[]{}#&*!|>'\"%@`~. \t\\", "\xa0", "\u3000", "\u2028", "\x85", "\x1b", "null", "~", ": ", " #", "  "]


@st.composite
def text_value(draw: st.DrawFn) -> str:
    if draw(st.integers(0, 9)) == 0:
        return "".join(draw(st.lists(st.sampled_from(EDGY + TAME), min_size=1, max_size=5)))
    return " ".join(draw(st.lists(st.sampled_from(TAME), min_size=1, max_size=5)))


@st.composite
def accept_list(draw: st.DrawFn) -> str:
    items = draw(st.lists(text_value(), max_size=3))
    if draw(st.booleans()):
        return "[" + ", ".join(f'"{i}"' for i in items) + "]"
    return "[" + draw(st.sampled_from([", ", ",", " , "])).join(items) + draw(st.sampled_from(["]", " ]", "] # c"]))


@st.composite
def fact_item(draw: st.DrawFn, number: int) -> list[str]:
    tame = draw(st.integers(0, 9)) > 0
    fid = f"f{number}" if tame else draw(st.sampled_from(["f0", "c1", "F1", "f 1", "null"]) | text_value())
    keys = [("id", fid), ("prompt", "Which?" if tame else draw(text_value())), ("answer", draw(text_value()))]
    if draw(st.booleans()):
        keys.append(("accept", '["v"]' if tame else draw(accept_list())))
    if draw(st.booleans()):
        keys.append(("explanation", draw(text_value())))
    if draw(st.integers(0, 19)) == 0:
        keys.append(draw(st.sampled_from([("cloze", "{{x}}"), ("note", "n"), ("colour", "red")])))
    if draw(st.integers(0, 19)) == 0:
        keys = draw(st.permutations(keys))
    lines = [f"  - {keys[0][0]}: {keys[0][1]}"] + [f"    {k}: {v}" for k, v in keys[1:]]
    if draw(st.integers(0, 9)) == 0:
        lines.insert(0, draw(st.sampled_from(["", "  ", "  # c", "# c"])))
    return lines


@st.composite
def topic_file(draw: st.DrawFn) -> str:
    head = draw(st.permutations(["id: t", "title: T", "summary: >-\n  a\n  b", CONCEPTS.rstrip("\n")]))
    head = head[: draw(st.sampled_from([1, 2, 2, 3, 4]))]
    lines = [*head, "facts:"]
    for number in range(draw(st.integers(1, 4))):
        lines += draw(fact_item(number))
    tail = ["", "aliases: [x]", "- x", " - x", "# c\n" + fact().rstrip("\n"), "summary: |\n  s", CONCEPTS.rstrip("\n")]
    lines += [draw(st.sampled_from(tail))] * (draw(st.integers(0, 2)) == 0)
    text = "\n".join(lines) + draw(st.sampled_from(["\n", "", "\n\n", "\n  \n"]))
    if draw(st.integers(0, 4)) == 0:
        pos = draw(st.integers(0, len(text)))
        noise = draw(st.sampled_from(["", " ", "\n", "\t", "-", ":", "#", "'", '"', "[", ": ", " #", "\x1b", "é"]))
        text = text[:pos] + noise + text[pos + draw(st.integers(0, 2)) :]
    return text.replace("\n", "\r\n") if draw(st.integers(0, 19)) == 0 else text


@settings(max_examples=1500, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(topic_file())
@example(SYNTHETIC)
def test_generated_files_agree_with_the_whole_parse(text: str) -> None:
    agrees(text)
