"""The fast YAML subset parser against libyaml: whatever it accepts, it builds exactly as libyaml does."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from serverless_study import fastyaml, loader
from serverless_study.yamltree import LineDict, LineList

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).parent / "fixtures"


def shape(value: Any) -> Any:
    """Everything the validator can see of a parsed value: types, text, and the line of every key and item."""
    if isinstance(value, LineDict):
        assert list(value.key_lines) == list(value)
        return ("map", value.line, [(k, value.key_lines[k], shape(v)) for k, v in value.items()])
    if isinstance(value, LineList):
        assert len(value.item_lines) == len(value)
        return ("seq", value.line, list(value.item_lines), [shape(v) for v in value])
    assert value is None or type(value) is str, repr(value)
    return value


def libyaml(text: str) -> Any:
    """The loader's libyaml path: the built document, or its first problem's message."""
    data, problems = loader._parse_yaml(text, "t.yaml")
    return ("problem", problems[0].message) if problems else shape(data)


def agrees(text: str) -> bool:
    """Whether the fast parser took `text`; if it did, its result must be libyaml's."""
    fast = fastyaml.parse(text)
    if fast is None:
        return False
    assert shape(fast) == libyaml(text), text
    return True


# --- every real file, and hand-picked cases -------------------------------------------------------------------


def _utf8(path: Path) -> bool:
    try:
        path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        return False
    return True


def yaml_files() -> list[Path]:
    """Every content and fixture file the loader would parse (a file that is not UTF-8 is refused before parsing)."""
    files = sorted((REPO / "content").glob("*.yaml")) + sorted(FIXTURES.rglob("*.yaml"))
    return [path for path in files if _utf8(path)]


@pytest.mark.parametrize("path", yaml_files(), ids=lambda p: str(p.relative_to(REPO)))
def test_content_and_fixture_files_agree(path: Path) -> None:
    taken = agrees(path.read_bytes().decode("utf-8-sig"))
    if path.parent.name == "content":
        assert taken, "shipped content should take the fast path"


IN_SUBSET = [
    "a: b\n",
    "a: b",  # no final newline
    'a: it\'s "quoted" inside\n',
    "a: x#y\nb: C#\n",
    "a: key:value\nb: http://example.com/a:b\n",
    "a: trailing spaces   \nb: c\n",
    "a:\nb:   \nc: ~\nd: null\ne: Null\nf: NULL\ng: '~'\nh: \"null\"\ni: 'null'\n",
    "on: yes\nyes: no\nNo: off\n",
    "a: 0x10\nb: 1:30\nc: 1e3\nd: 2026-11\ne: .inf\nf: 010\n",
    "a: b # a comment\n# a full-line comment\n   # indented comment\nc: d  #another\n",
    "list:\n  - a\n  - b\n  -\n  - ~\nnext: 1\n",
    "list:\n- a\n- b\nnext: 1\n",
    "- id: a\n  x: 1\n- id: b\n  y:\n    - 1\n    - 2\n",
    "- a:\n  - x\n  b: 1\n",
    "-\n  a: 1\n-\n  - b\n-\n- c\n",
    "a:\n  b:\n    c: d\n  e: f\ng: h\n",
    "a: ünïcödé ✓ 日本\nb: é\nc: [é, 日本]\n",
    "a: 'it''s'\nb: \"x # not a comment\"\nc: 'a: b'\nd: \"\" # empty\n",
    "a: [x, y z, 'q''s', \"d\", null, ~]\nb: []\nc: [ ]\nd: [a]  # c\n",
    "a: >-\n  folded\n  text\n\n  para\nb: |\n  lit\n   more\n\n  end\n\nc: >\n  clip\n",
    "a: |+\n  keep\n\n\nb: |-\n  strip\n\n\nc: >\n  x\n    indented\n  y\n",
    "a: >-\n    deep\n      deeper\n    back\n",
    "a: |\n  last line without newline",
    "a: b\r\nc: d\r\n",
    "key with spaces: v\na.b/c-d_e: v\n",
    "a: b\n\n\n",
    "- >-\n  item paragraph\n- |\n  literal\n",
]

OUT_OF_SUBSET = [
    "a: &x b\nc: *x\n",
    "a: !!str b\n",
    "%YAML 1.1\n---\na: b\n",
    "---\na: b\n",
    "a: b\n...\n",
    "a: {b: c}\n",
    "? a\n: b\n",
    'a: "\\e[31m"\n',
    'a: "tab\\there"\n',
    "a: b\n  continued plain\n",
    "a: 'two\n  lines'\n",
    "a:\tb\n",
    "a: b\rc: d\n",
    "a: b\nb: c\na: d\n",  # duplicate key: libyaml's path reports it
    "a: b: c\n",
    "a: |2\n   x\n",
    "a: |\n\n  leading blank\n",
    "  a: b\n",
    "# only a comment\n",
    "plain scalar\n",
    "a: [a, b,]\n",
    "a: [a:b]\n",
    "a: - b\n",
    "a: -x\n",  # a plain scalar may start with "-", but the subset stays clear of it
    "- - a\n",
    "a: b\n - c\n",
    '"a": b\n',
    "a: b\u2028c: d\n",
    "a: x\x85y\n",
]


@pytest.mark.parametrize("text", IN_SUBSET)
def test_tricky_cases_take_the_fast_path_and_agree(text: str) -> None:
    assert agrees(text)


@pytest.mark.parametrize("text", OUT_OF_SUBSET)
def test_out_of_subset_falls_back(text: str) -> None:
    assert fastyaml.parse(text) is None


def test_fallback_is_taken_by_the_loader(tmp_path: Path) -> None:
    """An anchor is outside the subset: the loader still reads the file, through libyaml, and agrees with itself."""
    body = "id: t\ntitle: &t Anchored\nfacts:\n  - id: f\n    prompt: Which?\n    answer: *t\n"
    assert fastyaml.parse(body) is None
    topic, problems = loader.parse_text(body, "t.yaml", tmp_path)
    assert not problems and topic is not None
    assert topic.title == "Anchored" and topic.facts[0].answer == "Anchored"


def test_duplicate_key_message_comes_from_libyaml(tmp_path: Path) -> None:
    topic, problems = loader.parse_text("id: t\ntitle: x\ntitle: y\n", "t.yaml", tmp_path)
    assert topic is None and [(p.line, p.message) for p in problems] == [(3, "duplicate key 'title'")]


def test_escapes_still_meet_the_control_character_check(tmp_path: Path) -> None:
    _, problems = loader.parse_text('id: t\ntitle: "\\e[2J"\n', "t.yaml", tmp_path)
    assert [p.line for p in problems] == [2] and "ESCAPE" in problems[0].message


@pytest.mark.parametrize("char", ["\x1b", "\u202e", "\x85"])
def test_raw_control_characters_are_still_refused(tmp_path: Path, char: str) -> None:
    """The fast parser takes a bidi override (YAML allows it); the loader's own check must still refuse it."""
    text = f"id: t\ntitle: ok\nsummary: a{char}b\n"
    topic, problems = loader.parse_text(text, "t.yaml", tmp_path)
    assert topic is None and [p.line for p in problems] == [3] and "forbidden character" in problems[0].message


def test_synthetic_pack_shape_takes_the_fast_path() -> None:
    lines = ["id: synth-0001", "title: Synthetic topic 1", "facts:"]
    for f in range(3):
        lines += [
            f"  - id: f{f:03d}",
            f"    prompt: What is the value recorded for item {f} of synthetic topic 1?",
            f"    answer: value 1x{f}",
            f'    accept: ["v1x{f}"]',
            f"    explanation: Item {f} of synthetic topic 1 records the value 1x{f}.",
        ]
    assert agrees("\n".join(lines) + "\n")


# --- generated documents in and around the subset --------------------------------------------------------------

EDGY = [*list("ab Z09-_:#'\"[]{},&*!|>%@`?~\\."), "null", "yes", "0x10", "1:30", "é", "日", " #", ": ", "  "]
TAME = [*list("ab Z09_.'\"é日"), "null", "Null", "yes", "0x10", "1:30", "~", "x#y", "a:b", "  ", "-", "?!"]
KEY_PIECES = [*list("abk_-. 0:#'\""), "on", "null", "~"]
TAME_KEY_PIECES = [*list("abk_"), "on", "null", "no", "-x", ".y", " z"]


@st.composite
def scalar_text(draw: st.DrawFn) -> str:
    return "".join(draw(st.lists(st.sampled_from(draw(PIECES)), max_size=8)))


PIECES = st.shared(st.sampled_from([EDGY, TAME]), key="pieces")  # one alphabet per document


@st.composite
def flow(draw: st.DrawFn) -> str:
    items = []
    for text in draw(st.lists(scalar_text(), max_size=4)):
        style = draw(st.sampled_from(["plain", "single", "double"]))
        items.append(_quote(text, style))
    sep = draw(st.sampled_from([", ", ",", " , ", ",  "]))
    return "[" + draw(st.sampled_from(["", " "])) + sep.join(items) + draw(st.sampled_from(["", " ", ","])) + "]"


def _quote(text: str, style: str) -> str:
    if style == "single":
        return "'" + text.replace("'", "''") + "'"
    if style == "double":
        return '"' + text.replace('"', "") + '"'
    return text


@st.composite
def block_scalar(draw: st.DrawFn, indent: int) -> str:
    header = draw(st.sampled_from(["|", ">"])) + draw(st.sampled_from(["", "-", "+"]))
    header += draw(st.sampled_from(["", " ", "  # c", "#c", "2"]))
    inner = indent + draw(st.integers(1, 3))
    lines = []
    for _ in range(draw(st.integers(0, 5))):
        kind = draw(st.sampled_from(["text", "text", "blank", "spaces", "more", "less", "comment"]))
        if kind == "text":
            lines.append(" " * inner + draw(scalar_text()).strip() or " " * inner + "x")
        elif kind == "blank":
            lines.append("")
        elif kind == "spaces":
            lines.append(" " * draw(st.integers(1, inner + 2)))
        elif kind == "more":
            lines.append(" " * (inner + draw(st.integers(1, 2))) + "more")
        elif kind == "less":
            lines.append(" " * max(0, inner - 1) + "less")
        else:
            lines.append(" " * draw(st.integers(0, inner)) + "# c")
    return header + "".join("\n" + line for line in lines)


@st.composite
def value(draw: st.DrawFn, indent: int, depth: int) -> str:
    """What follows `key:` or `-`: an inline scalar, or a nested block on the next lines (with its leading newline)."""
    kinds = ["plain", "single", "double", "flow", "block", "empty"] + (["map", "seq"] if depth < 3 else [])
    kind = draw(st.sampled_from(kinds))
    trail = draw(st.sampled_from(["", "", " ", " # note", "#x"]))
    if kind in ("plain", "single", "double"):
        return " " + _quote(draw(scalar_text()), kind) + trail
    if kind == "flow":
        return " " + draw(flow()) + trail
    if kind == "block":
        return " " + draw(block_scalar(indent))
    if kind == "empty":
        return trail
    inner = indent + draw(st.integers(0 if kind == "seq" else 1, 3))
    return trail + "\n" + draw(node(inner, depth + 1, kind))


@st.composite
def node(draw: st.DrawFn, indent: int, depth: int, kind: str) -> str:
    pad = " " * indent
    pieces = KEY_PIECES if draw(PIECES) is EDGY else TAME_KEY_PIECES
    key = st.lists(st.sampled_from(pieces), min_size=1, max_size=4).map("".join)
    if pieces is TAME_KEY_PIECES:
        key = st.tuples(st.sampled_from("abk"), key).map("".join)
    keys = draw(st.lists(key, min_size=1, max_size=3, unique=draw(st.integers(0, 9)) > 0))
    lines = []
    for name in keys:
        lines.append(pad + ("-" if kind == "seq" else name + ":") + draw(value(indent, depth)))
        if draw(st.integers(0, 5)) == 0:
            lines.append(draw(st.sampled_from(["", "  ", "# comment", pad + "  # deeper comment"])))
    return "\n".join(lines)


@st.composite
def document(draw: st.DrawFn) -> str:
    text = draw(node(0, 0, draw(st.sampled_from(["map", "map", "seq"]))))
    text += draw(st.sampled_from(["\n", "", "\n\n", "\n  \n"]))
    if draw(st.integers(0, 3)) == 0:  # and now push it towards the edge of the subset
        pos = draw(st.integers(0, len(text)))
        cut = draw(st.integers(0, 2))
        noise = draw(st.sampled_from(["", " ", "\n", "\t", "-", ":", "#", "'", '"', "[", "\r\n"]))
        text = text[:pos] + noise + text[pos + cut :]
    return text


@settings(max_examples=1500, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(document())
@example("a: b\n")
def test_generated_documents_agree_with_libyaml(text: str) -> None:
    agrees(text)


@settings(max_examples=500)
@given(st.lists(st.sampled_from([*"ab -:#'\"[]|>\n\t\r~", "null", "  ", "\n  ", "\n- "]), max_size=30).map("".join))
def test_arbitrary_text_never_raises_and_agrees(text: str) -> None:
    agrees(text)


@settings(max_examples=300)
@given(st.text(max_size=80))
def test_any_unicode_never_raises_and_agrees(text: str) -> None:
    agrees(text)


def test_generated_documents_mostly_take_the_fast_path() -> None:
    """The property test above proves nothing if the fast parser refused everything: it must accept real shapes."""
    taken = sum(agrees(text) for text in IN_SUBSET)
    assert taken == len(IN_SUBSET)
