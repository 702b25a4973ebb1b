"""Content folders → topics. YAML is read with safe loading only; every problem names file and line."""

from __future__ import annotations

import json
import os
import re
from collections import ChainMap
from collections.abc import Callable, Iterable, MutableMapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol, TypeVar

from serverless_study.cache import ContentCache, content_hash, relocate
from serverless_study.errors import ContentError, UsageError
from serverless_study.fsutil import atomic_write
from serverless_study.images import vet_images
from serverless_study.model import (
    CLOZE_GAP,
    Comparison,
    Concept,
    Fact,
    Image,
    Layer,
    LintIgnore,
    Location,
    Row,
    Sequence,
    Source,
    Step,
    Topic,
)
from serverless_study.sanitize import FORBIDDEN, char_name, forbidden_in_file, may_hold_forbidden
from serverless_study.yamltree import MAX_NODES as _MAX_NODES
from serverless_study.yamltree import NULLS as _NULLS
from serverless_study.yamltree import LineDict as _LineDict
from serverless_study.yamltree import LineList as _LineList

if TYPE_CHECKING:
    from serverless_study.fastfacts import FactItem, FactList

MAX_FILE_BYTES = 5 * 1024 * 1024
SCHEMA_VERSION = 2  # the cache file's own layout; changes to the model and the rules are caught by code_fingerprint
# Modules whose source decides what a cached topic holds: the model, and the parsing and validation rules (this module
# and every package module it imports; a test keeps the list complete). Editing any of them invalidates the cache.
FINGERPRINTED = (
    "model",
    "errors",
    "fsutil",
    "cache",
    "loader",
    "images",
    "sanitize",
    "yamltree",
    "fastyaml",
    "fastfacts",
)
_SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_CHECKED = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
_LINT_CODE = re.compile(r"^SS\d{3}$")


@dataclass
class LoadResult:
    topics: list[Topic] = field(default_factory=list)
    problems: list[ContentError] = field(default_factory=list)
    hashes: dict[str, str] = field(default_factory=dict)  # file as named → hash of the bytes loaded (with a cache)


def content_files(dirs: list[Path]) -> list[Path]:
    """YAML files of each folder in name order; a path that is a file is taken as it is."""
    files: list[Path] = []
    for d in dirs:
        if d.is_file():
            files.append(d)
        elif d.is_dir():
            # names compared as text, one scandir: sorting a thousand Path objects costs more than reading them
            with os.scandir(d) as entries:
                names = [e.name for e in entries if os.path.splitext(e.name)[1] in (".yaml", ".yml") and e.is_file()]
            files.extend(d / name for name in sorted(names))
    return files


def missing_dirs(dirs: list[Path]) -> list[ContentError]:
    return [ContentError(str(d), "no such file or folder") for d in dirs if not d.exists()]


def load_topics(dirs: list[Path], cache_dir: Path | None = None, now: float | None = None) -> LoadResult:
    """Load every topic under `dirs`; files with problems are skipped and reported, the rest load.

    With `cache_dir`, a file whose content is unchanged is not parsed again: its topic comes from its entry in the
    content cache (see `serverless_study.cache`); an entry written by other code (see `code_fingerprint`), damaged
    or stale is ignored and rewritten. `now` (seconds since the epoch) lets unused entries expire. Images are checked
    on every load, cached topics included (see `vet_topic_images`): a refused image is a problem and is not shown.
    """
    result, code = load_unvetted(dirs, cache_dir, now)
    result.topics, image_problems = vet_topic_images(result.topics, cache_dir, code)
    result.problems.extend(image_problems)
    return result


def load_unvetted(dirs: list[Path], cache_dir: Path | None, now: float | None) -> tuple[LoadResult, str | None]:
    """`load_topics` before its images are checked, and the code fingerprint used (None: no cache)."""
    result = LoadResult(problems=missing_dirs(dirs))
    code = code_fingerprint() if cache_dir is not None else None
    cache = ContentCache(cache_dir, code, now) if cache_dir is not None and code else None
    files = content_files(dirs)
    parsed: dict[Path, Topic] = {}
    pending: dict[Path, tuple[Path, bytes]] = {}  # cache misses: absolute path, content as read before parsing
    todo: list[Path] = []
    for path in files:
        if cache is not None:
            topic, miss, digest = _from_cache(cache, path)
            if digest:
                result.hashes[str(path)] = digest
            if topic is not None:
                parsed[path] = topic
                continue
            if miss is not None:
                pending[path] = miss
        todo.append(path)
    # One process: a forked second parser was measured slower at 100k facts on a two-CPU machine (pickling the
    # topics back costs what the second core saves), and with per-file cache entries a full parse is rare.
    for path in todo:
        topic, problems = parse_file(path)
        result.problems.extend(problems)
        if topic is not None:
            parsed[path] = topic
            if cache is not None and path in pending:
                cache.put(*pending[path], topic_to_dict(topic))
    seen: dict[str, str] = {}
    for path in files:
        topic = parsed.get(path)
        if topic is None:
            continue
        if topic.id in seen:
            result.problems.append(
                ContentError(str(path), f"topic id {topic.id!r} is already used by {seen[topic.id]}", 1, "id")
            )
            continue
        seen[topic.id] = str(path)
        result.topics.append(topic)
    order = {str(path): i for i, path in enumerate(files)}
    result.problems.sort(key=lambda p: order.get(p.file, -1))
    known = set(seen)
    for topic in result.topics:
        for rel in topic.related:
            if rel not in known:
                result.problems.append(ContentError(topic.source, f"unknown topic id {rel!r}", 0, "related"))
    if cache is not None:
        cache.prune()
    return result, code


def load_one(path: Path, cache_dir: Path, code: str, now: float | None) -> Topic | None:
    """The topic of one content file through the cache (parsed and cached on a miss), images not yet checked."""
    cache = ContentCache(cache_dir, code, now)
    topic, miss, _digest = _from_cache(cache, path)
    if topic is None:
        topic, _problems = parse_file(path)
        if topic is not None and miss is not None:
            cache.put(*miss, topic_to_dict(topic))
    return topic


def _from_cache(cache: ContentCache, path: Path) -> tuple[Topic | None, tuple[Path, bytes] | None, str]:
    """The cached topic of `path` as named now, else (None, what to store once it is parsed); (None, None): unreadable.
    The third value is the hash of the content read ("" if unreadable).

    The content is read and hashed every time (~3 ms at 10k facts): no edit is missed, whatever its size and mtime.
    """
    try:
        with open(path, "rb") as fh:
            if os.fstat(fh.fileno()).st_size > MAX_FILE_BYTES:
                return None, None, ""  # parse_file reports it
            data = fh.read()
        key = path.resolve()
    except OSError:
        return None, None, ""  # parse_file reports it
    digest = content_hash(data)
    value = cache.get(key, data, digest)
    if value is not None:
        try:
            return relocate(topic_from_dict(value), str(path)), None, digest
        except Exception:  # a payload of any other shape is a miss, never an error
            pass
    return None, (key, data), digest


def vet_topic_images(
    topics: list[Topic], cache_dir: Path | None, code: str | None
) -> tuple[list[Topic], list[ContentError]]:
    """Every topic's images checked by images.py; refused ones leave `Topic.images` and become problems.

    Paths are checked on each load (a symlink may have changed); a file's content verdict (magic bytes, SVG
    parse) is remembered in images.json beside the content cache, keyed by the file's size, times and inode.
    """
    if not any(t.images for t in topics):
        return topics, []
    memo_file = cache_dir / "images.json" if cache_dir is not None and code else None
    old = _read_cache(memo_file, code) if memo_file is not None and code else {}
    used: dict[str, Any] = {}
    memo: MutableMapping[str, Any] = ChainMap(used, old)  # lookups fall back to `old`; verdicts land in `used`
    vetted: list[Topic] = []
    problems: list[ContentError] = []
    for topic in topics:
        topic, found = vet_images(topic, memo)
        vetted.append(topic)
        problems.extend(found)
    if memo_file is not None and code and used != old:
        _write_cache(memo_file, used, code)
    return vetted, problems


class _Named(Protocol):
    """A topic or its head: what finding one by name needs."""

    @property
    def id(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def aliases(self) -> tuple[str, ...]: ...


AnyTopic = TypeVar("AnyTopic", bound=_Named)


def select_topics(topics: list[AnyTopic], queries: Iterable[str]) -> list[AnyTopic]:
    """Topics named on the command line (an id, or part of one title), in content order; none named means all."""
    queries = list(queries)
    if not queries:
        return list(topics)
    chosen: set[str] = set()
    for query in queries:
        matches = find_topic(topics, query)
        if len(matches) != 1:
            problem = f"no topic matches {query!r}" if not matches else f"{query!r} matches several topics"
            raise UsageError(f"{problem}; topics: {', '.join(t.id for t in (matches or topics))}")
        chosen.add(matches[0].id)
    return [t for t in topics if t.id in chosen]


def find_topic(topics: list[AnyTopic], query: str) -> list[AnyTopic]:
    """Topics matching an exact id, title or alias, else the one id that starts with it, else a fragment of id or
    title; hyphens, spaces and case do not count ("xray" finds x-ray, "Aurora" its alias)."""
    q = _squash(query)
    if not q:
        return []
    exact = [t for t in topics if q in {_squash(t.id), _squash(t.title), *map(_squash, t.aliases)}]
    if exact:
        return exact
    prefixed = [t for t in topics if _squash(t.id).startswith(q)]
    if len(prefixed) == 1:  # "ecs" means ecs-eks, though eks-ecs-anywhere also contains it
        return prefixed
    return [t for t in topics if q in _squash(t.id) or q in _squash(t.title)]


def _squash(name: str) -> str:
    """A name as a learner might type it: lower case, without hyphens, spaces or underscores."""
    return re.sub(r"[\s_-]+", "", name.casefold())


# --- parsing ------------------------------------------------------------------


_STR, _MAP, _SEQ = "tag:yaml.org,2002:str", "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"
_PARSER: type | None = None


def _parser_class() -> type:
    """libyaml's C parser (pure Python if absent) with a resolver that keeps every plain scalar as text.

    Content is prose, so `answer: yes` means the word "yes" and `answer: 0x10` means "0x10"; only the YAML null
    forms become empty. Skipping PyYAML's regex-based type resolution and its generic constructor is what makes
    parsing fast enough for large packs; tags other than the three standard ones are refused (safe loading).
    """
    global _PARSER
    if _PARSER is None:
        import yaml  # only here: parsing is the one place YAML is needed
        from yaml.nodes import MappingNode, ScalarNode

        try:
            from yaml._yaml import CParser as base
        except ImportError:  # pragma: no cover - PyYAML built without libyaml
            from yaml.composer import Composer
            from yaml.parser import Parser
            from yaml.reader import Reader
            from yaml.scanner import Scanner

            class base(Reader, Scanner, Parser, Composer):  # type: ignore[no-redef]
                def __init__(self, stream: str) -> None:
                    Reader.__init__(self, stream)
                    Scanner.__init__(self)
                    Parser.__init__(self)
                    Composer.__init__(self)

                def dispose(self) -> None:
                    pass

        class Parser(base):  # type: ignore[no-redef]
            def resolve(self, kind: Any, value: Any, implicit: Any) -> str:
                if kind is ScalarNode:
                    return _STR
                return _MAP if kind is MappingNode else _SEQ

            def descend_resolver(self, *args: Any) -> None:
                pass

            def ascend_resolver(self, *args: Any) -> None:
                pass

        _PARSER = Parser
        _ = yaml
    return _PARSER


class _Builder:
    """YAML nodes → str / _LineDict / _LineList, remembering the line of every key and list item.

    Scalars are handled inline (most nodes are scalars): this loop is the hot path of a cold load.
    """

    def __init__(self) -> None:
        self.count = 0

    def build(self, node: Any) -> Any:
        tag = node.tag
        value = node.value
        if tag == _STR:
            if isinstance(value, str):
                return None if not node.style and value in _NULLS else value
        elif isinstance(value, list) and (tag in (_MAP, _SEQ)):
            self.count += len(value) + 1  # aliases can repeat a subtree: bound the total work
            if self.count > _MAX_NODES:
                raise _NodeProblem(node.start_mark.line + 1, "too many YAML nodes (aliases expanding without end?)")
            if tag == _SEQ:
                out = _LineList(
                    (
                        child.value
                        if child.tag == _STR
                        and isinstance(child.value, str)
                        and (child.style or child.value not in _NULLS)
                        else self.build(child)
                    )
                    for child in value
                )
                out.line = node.start_mark.line + 1
                out.item_lines = [child.start_mark.line + 1 for child in value]
                return out
            data = _LineDict()
            data.line = node.start_mark.line + 1
            lines: dict[Any, int] = {}
            data.key_lines = lines
            for key_node, value_node in value:
                line = key_node.start_mark.line + 1
                key = key_node.value
                if key_node.tag != _STR or not isinstance(key, str):
                    raise _NodeProblem(line, "keys must be plain text")
                if key in lines:
                    raise _NodeProblem(line, f"duplicate key {key!r}")
                lines[key] = line
                v = value_node.value
                if value_node.tag == _STR and isinstance(v, str) and (value_node.style or v not in _NULLS):
                    data[key] = v
                else:
                    data[key] = self.build(value_node)
            return data
        raise _NodeProblem(node.start_mark.line + 1, f"unsupported YAML tag {tag!r} (content is plain text)")


class _NodeProblem(Exception):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


def parse_file(path: Path) -> tuple[Topic | None, list[ContentError]]:
    """Parse and validate one topic file; returns the topic or the list of problems."""
    name = str(path)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            return None, [ContentError(name, f"file is too large ({size / 1048576:.1f} MB; the limit is 5 MB)")]
        raw = path.read_bytes()
    except OSError as exc:
        return None, [ContentError(name, f"cannot read: {exc.strerror}")]
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return None, [ContentError(name, "not valid UTF-8 text", line)]
    return parse_text(text, name, path.parent)


def parse_text(text: str, name: str, base_dir: Path) -> tuple[Topic | None, list[ContentError]]:
    from serverless_study import fastfacts  # only here: a warm cache needs no parser at all

    facts = fastfacts.read(text)  # the common fact list, a regex match a fact (a parsed tree costs several times more)
    done = _parse_with_facts(text, facts, name, base_dir) if facts is not None else None
    return done if done is not None else _parse_whole(text, name, base_dir)


def _parse_whole(text: str, name: str, base_dir: Path) -> tuple[Topic | None, list[ContentError]]:
    """`parse_text` with every key parsed into a tree and checked there."""
    if not text.strip():
        return None, [ContentError(name, "file is empty")]
    from serverless_study.fastyaml import parse

    data = parse(text)  # the subset content is written in, about twice as fast as libyaml
    if data is None or not text.isascii():  # ASCII it accepted has no control characters: no need to look
        raw_controls = _control_chars(text, name)
        if raw_controls:
            return None, raw_controls
    if data is None:
        data, problems = _parse_yaml(text, name)
        if problems:
            return None, problems
    if data is None:
        return None, [ContentError(name, "file holds no topic (only comments?)")]
    v = _Validator(name, base_dir)
    topic = v.topic(data)
    return (None, v.problems) if v.problems else (topic, [])


def _parse_with_facts(
    text: str, facts: FactList, name: str, base_dir: Path
) -> tuple[Topic | None, list[ContentError]] | None:
    """`parse_text` given the fact list `fastfacts` read: the same topic or problems, or None when `_parse_whole` must
    decide (the rest of the text is not in fastyaml's subset, a fact is not plain, a forbidden character)."""
    from serverless_study.fastyaml import parse

    data = parse(facts.rest, facts.nodes)
    if not isinstance(data, _LineDict) or data.key_lines.get("facts") != facts.line or data["facts"] is not None:
        return None
    if not text.isascii() and _control_chars(text, name):
        return None
    v = _Validator(name, base_dir)
    try:
        topic = v.topic(data, facts.items)
    except _NotPlain:
        return None
    return (None, v.problems) if v.problems else (topic, [])


def _parse_yaml(text: str, name: str) -> tuple[Any, list[ContentError]]:
    """The document built by libyaml (None if it holds none), or the problems that stop it."""
    import yaml

    parser = _parser_class()(text)
    try:
        node = parser.get_single_node()
        if node is not None and _CONTROL_ESCAPE.search(text):
            escaped = _escaped_control_chars(node, text, name)
            if escaped:
                return None, escaped
        return (_Builder().build(node) if node is not None else None), []
    except _NodeProblem as exc:
        return None, [ContentError(name, exc.message, exc.line)]
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 0
        message = f"YAML syntax error: {exc.problem or exc.context}"
        if exc.problem and exc.context and exc.context_mark and exc.context_mark.line + 1 != line:
            # e.g. an unclosed quote is only noticed at the end of the file: say where it began
            message += f" ({exc.context} on line {exc.context_mark.line + 1})"
        return None, [ContentError(name, message, line)]
    except yaml.YAMLError as exc:
        return None, [ContentError(name, f"YAML error: {exc}")]
    except RecursionError:
        return None, [ContentError(name, "YAML nesting is too deep")]
    finally:
        parser.dispose()


# --- terminal control characters --------------------------------------------------------------------------------
# Escape sequences in a pack could retitle the terminal, clear it, or write the clipboard (OSC 52); bidi overrides
# could make text read differently from what it says. They are refused wherever they appear, as the raw character
# or as a YAML escape in a double-quoted string ("\e", "\x1b", "\u202e", "\N" ...).

_CONTROL_ESCAPE = re.compile(r"\\[0abvfreNxuU]")  # escapes that can make a forbidden character; cheap pre-check
_ESCAPE = re.compile(r"\\(?:x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[0abvfreN\\])")
_MAX_CONTROL_PROBLEMS = 20  # a file full of them needs no million lines to say so
_SIMPLE_ESCAPES = {"0": "\0", "a": "\a", "b": "\b", "v": "\v", "f": "\f", "r": "\r", "e": "\x1b", "N": "\x85"}


def _control_problem(name: str, char: str, line: int) -> ContentError:
    return ContentError(
        name, f"forbidden character {char_name(char)} (terminal controls and bidi overrides are not allowed)", line
    )


def _control_chars(text: str, name: str) -> list[ContentError]:
    """A problem for each raw forbidden character in the file's text, at its line (one regex over the whole file)."""
    problems: list[ContentError] = []
    if not may_hold_forbidden(text):
        return problems
    line, counted = 1, 0
    pattern = forbidden_in_file()
    for m in pattern.finditer(text):
        if len(problems) == _MAX_CONTROL_PROBLEMS:
            rest = len(pattern.findall(text, m.start()))
            problems.append(ContentError(name, f"and {rest} more forbidden characters", line))
            break
        line += text.count("\n", counted, m.start())
        counted = m.start()
        problems.append(_control_problem(name, m.group(), line))
    return problems


def _escaped_control_chars(root: Any, text: str, name: str) -> list[ContentError]:
    """A problem for each double-quoted scalar whose escapes make a forbidden character, at the escape's line."""
    problems: list[ContentError] = []
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:  # aliases share nodes: visit each once
            continue
        seen.add(id(node))
        value = node.value
        if isinstance(value, str):
            m = FORBIDDEN.search(value) if node.style == '"' else None
            if m:
                problems.append(_control_problem(name, m.group(), _escape_line(node, text, m.group())))
        elif isinstance(value, list):
            for child in value:
                if isinstance(child, tuple):  # a mapping's (key, value) pair
                    stack.extend(child)
                else:
                    stack.append(child)
    return sorted(problems, key=lambda p: p.line)


def _escape_line(node: Any, text: str, char: str) -> int:
    """The line of the escape in `node`'s source that makes `char` (the scalar's first line if none is found)."""
    start = node.start_mark
    source = text[start.index : node.end_mark.index]
    for m in _ESCAPE.finditer(source):
        code = m.group()[1:]
        made = _SIMPLE_ESCAPES.get(code) or (chr(int(code[1:], 16)) if len(code) > 1 else "")
        if made == char:
            return int(start.line) + 1 + source.count("\n", 0, m.start())
    return int(start.line) + 1


class _Keys(NamedTuple):
    """The keys a mapping must have, and every key it may have."""

    required: frozenset[str]
    allowed: frozenset[str]


def _keys(required: str, optional: str = "") -> _Keys:
    must = frozenset(required.split())
    return _Keys(must, must | frozenset(optional.split()))


_EXTRAS = "note sources lint-ignore"  # optional on every item (see `_Validator.extras`)
_TOPIC_KEYS = _keys("id title", "summary aliases related images concepts comparisons sequences facts sources")
_CONCEPT_KEYS = _keys("id term definition", f"points aliases {_EXTRAS}")
_COMPARISON_KEYS = _keys("id title columns rows", _EXTRAS)
_ROW_KEYS = _keys("id cells", "label")
_SEQUENCE_KEYS = _keys("id title steps", _EXTRAS)
_STEP_KEYS = _keys("text", "detail")
_FACT_KEYS = _keys("id prompt answer", f"accept explanation cloze ordered {_EXTRAS}")
_IMAGE_KEYS = _keys("path", "caption layers")
_LAYER_KEYS = _keys("title stack")
_SOURCE_KEYS = _keys("url checked")
_LINT_IGNORE_KEYS = _keys("code reason")
_EXTRA_KEYS = frozenset(_EXTRAS.split())
_PLAIN_EXTRAS: dict[str, Any] = {"note": "", "sources": (), "lint_ignore": ()}  # read only: `extras` of a plain item
_Item = TypeVar("_Item")
_PLAIN_FACT_KEYS = frozenset(("id", "prompt", "answer", "accept", "explanation"))
_NO_ITEMS = _LineList()  # read only: an absent list


def _plain_texts(value: Any) -> tuple[str, ...] | None:
    """A list of non-empty text, each stripped; None for anything else (`_Validator.texts` says what is wrong)."""
    if not isinstance(value, _LineList):
        return None
    try:
        out = tuple(map(str.strip, value))
    except TypeError:  # an element that is not text
        return None
    return out if all(out) else None


class _NotPlain(Exception):
    """A fact `fastfacts` read is not a plain fact: the general path reads and reports it."""


class _Validator:
    """Turns parsed YAML into model objects, collecting every problem instead of stopping at the first.

    Most content is well formed, so the checks try the cheap test first (a key set, a string) and only take the
    slow path, which says what is wrong, when it fails.
    """

    def __init__(self, name: str, base_dir: Path) -> None:
        self.name = name
        self.base_dir = base_dir
        self.problems: list[ContentError] = []
        self.ids: dict[str, int] = {}  # item id → line of its first use: ids are unique within a topic

    def error(self, line: int, key: str, message: str) -> None:
        self.problems.append(ContentError(self.name, message, line, key))

    def mapping(self, value: Any, key: str, line: int, keys: _Keys) -> _LineDict | None:
        if not isinstance(value, _LineDict):
            self.error(line, key, f"expected a mapping, found {_kind(value)}")
            return None
        if value.keys() <= keys.allowed and value.keys() >= keys.required:
            return value
        for k in value:
            if k not in keys.allowed:
                allowed = ", ".join(sorted(keys.allowed))
                self.error(
                    value.key_lines.get(k, value.line),
                    f"{key}.{k}" if key else str(k),
                    f"unknown key (allowed: {allowed})",
                )
        for k in sorted(keys.required - set(value)):
            self.error(value.line, key, f"missing required key {k!r}")
        return value

    def text(self, m: _LineDict, key: str, path: str, required: bool = False, slug: bool = False) -> str:
        """`m[key]` stripped; "" when absent or null; a problem when not text, or empty if required, or not a slug."""
        value = m.get(key)
        if isinstance(value, str):
            out = value.strip()
            if out:
                if not slug or _SLUG.match(out):
                    return out
            elif not required:
                return out
        elif value is None and not required:
            return ""
        return self.checked_text(m, key, path, required, slug)

    def checked_text(self, m: _LineDict, key: str, path: str, required: bool, slug: bool) -> str:
        """`text` where something may be wrong: the same value, and every problem reported."""
        if key not in m:
            return ""
        value = m[key]
        line = m.key_lines.get(key, m.line)
        where = f"{path}.{key}" if path else key
        if value is None:
            value = ""
        if not isinstance(value, str):
            self.error(line, where, f"expected text, found {_kind(value)}")
            return ""
        out = value.strip()
        if required and not out:
            self.error(line, where, "must not be empty")
        if slug and out and not _SLUG.match(out):
            self.error(line, where, f"{out!r} is not a valid id (use lower-case letters, digits, '-' and '_')")
        return out

    def texts(self, m: _LineDict, key: str, path: str) -> tuple[str, ...]:
        """The list of text `m[key]`, each stripped; () when absent or null; a problem for any other value."""
        value = m.get(key)
        if value is None:
            return ()
        out = _plain_texts(value)
        return out if out is not None else self.checked_texts(m, key, path)

    def checked_texts(self, m: _LineDict, key: str, path: str) -> tuple[str, ...]:
        """`texts` where something is wrong: the elements that are text, and every problem reported."""
        value = m[key]
        line = m.key_lines.get(key, m.line)
        where = f"{path}.{key}" if path else key
        if not isinstance(value, _LineList):
            self.error(line, where, f"expected a list of text, found {_kind(value)}")
            return ()
        out = []
        for i, v in enumerate(value):
            if not isinstance(v, str) or not v.strip():
                self.error(value.item_lines[i], f"{where}[{i}]", "expected non-empty text")
                continue
            out.append(v.strip())
        return tuple(out)

    def flag(self, m: _LineDict, key: str, path: str) -> bool:
        value = self.text(m, key, path)
        if value not in ("", "true", "false"):
            self.error(m.key_lines.get(key, m.line), f"{path}.{key}", f"expected true or false, found {value!r}")
        return value == "true"

    def items(self, m: _LineDict, key: str) -> list[tuple[int, _LineDict | None, str]]:
        """(line, value, key path) of each element of the list `m[key]`; none when absent, null or not a list."""
        value = m.get(key)
        if value is None:
            return []
        if not isinstance(value, _LineList):
            self.error(m.key_lines.get(key, m.line), key, f"expected a list, found {_kind(value)}")
            return []
        return [(value.item_lines[i], v, f"{key}[{i}]") for i, v in enumerate(value)]

    def nested_items(self, m: _LineDict, key: str, path: str) -> list[tuple[int, _LineDict | None, str]]:
        """`items` for a list under an item, with the item's path in the key of every problem."""
        value = m.get(key)
        if value is None:
            return []
        if not isinstance(value, _LineList):
            where = f"{path}.{key}" if path else key
            self.error(m.key_lines.get(key, m.line), where, f"expected a list, found {_kind(value)}")
            return []
        return [(line, v, f"{path}.{p}" if path else p) for line, v, p in self.items(m, key)]

    def each(
        self, m: _LineDict, key: str, keys: _Keys, build: Callable[[_LineDict, int, str], _Item | None]
    ) -> tuple[_Item, ...]:
        """`build(mapping, line, path)` for each mapping in the list `m[key]` that has `keys`; what it returns."""
        out = []
        for line, v, path in self.items(m, key):
            value = self.mapping(v, path, line, keys)
            if value is not None:
                item = build(value, line, path)
                if item is not None:
                    out.append(item)
        return tuple(out)

    def claim(self, item: _LineDict, item_id: str, line: int, path: str) -> None:
        """Note the first use of an item id in the topic; a problem for a second use."""
        if not item_id:
            return
        id_line = item.key_lines.get("id", line)
        if item_id in self.ids:
            self.error(id_line, f"{path}.id", f"duplicate id {item_id!r} (first used on line {self.ids[item_id]})")
        else:
            self.ids[item_id] = id_line

    def topic(self, data: Any, plain_facts: list[FactItem] | None = None) -> Topic | None:
        """The topic in `data`; `plain_facts` are its facts as `fastfacts` read them (then `data` has none)."""
        if not isinstance(data, _LineDict):
            self.error(1, "", f"a topic file must be a mapping (id, title, ...), found {_kind(data)}")
            return None
        m = self.mapping(data, "", data.line, _TOPIC_KEYS)
        assert m is not None
        tid = self.text(m, "id", "", required=True, slug=True)
        title = self.text(m, "title", "", required=True)
        concepts = self.each(m, "concepts", _CONCEPT_KEYS, self.concept)
        comparisons = self.each(m, "comparisons", _COMPARISON_KEYS, self.comparison)
        sequences = self.each(m, "sequences", _SEQUENCE_KEYS, self.sequence)
        facts = self.each(m, "facts", _FACT_KEYS, self.fact) if plain_facts is None else self.plain_facts(plain_facts)
        images = self.each(m, "images", _IMAGE_KEYS, self.image)
        if not (concepts or comparisons or sequences or facts) and not self.problems:
            self.error(m.line, "", "a topic needs at least one concept, comparison, sequence or fact")
        related = self.texts(m, "related", "")
        return Topic(
            id=tid,
            title=title,
            summary=self.text(m, "summary", ""),
            concepts=concepts,
            comparisons=comparisons,
            sequences=sequences,
            facts=facts,
            images=images,
            related=related,
            aliases=self.texts(m, "aliases", ""),
            source=self.name,
            sources=self.sources(m, ""),
        )

    def concept(self, c: _LineDict, line: int, path: str) -> Concept:
        cid = self.text(c, "id", path, required=True, slug=True)
        self.claim(c, cid, line, path)
        return Concept(
            id=cid,
            term=self.text(c, "term", path, required=True),
            definition=self.text(c, "definition", path, required=True),
            points=self.texts(c, "points", path),
            aliases=self.texts(c, "aliases", path),
            location=Location(self.name, line),
            **self.extras(c, path),
        )

    def comparison(self, c: _LineDict, line: int, path: str) -> Comparison:
        cid = self.text(c, "id", path, required=True, slug=True)
        self.claim(c, cid, line, path)
        columns = self.texts(c, "columns", path)
        if "columns" in c and len(columns) < 2:
            self.error(c.key_lines.get("columns", line), f"{path}.columns", "a comparison needs at least 2 columns")
        rows = []
        row_ids: set[str] = set()
        for rline, rv, rpath in self.items(c, "rows"):
            rpath = f"{path}.{rpath}"
            r = self.mapping(rv, rpath, rline, _ROW_KEYS)
            row = self.row(r, rline, rpath, columns, row_ids) if r is not None else None
            if row is not None:
                rows.append(row)
        if "rows" in c and not rows:
            self.error(c.key_lines.get("rows", line), f"{path}.rows", "a comparison needs at least one row")
        return Comparison(
            id=cid,
            title=self.text(c, "title", path, required=True),
            columns=columns,
            rows=tuple(rows),
            location=Location(self.name, line),
            **self.extras(c, path),
        )

    def row(self, r: _LineDict, rline: int, rpath: str, columns: tuple[str, ...], row_ids: set[str]) -> Row | None:
        """A table row, its cells one per column; None when `cells` is not a list."""
        rid = self.text(r, "id", rpath, required=True, slug=True)
        if rid in row_ids:
            self.error(r.key_lines.get("id", rline), f"{rpath}.id", f"duplicate row id {rid!r}")
        row_ids.add(rid)
        cells = r.get("cells")
        cline = r.key_lines.get("cells", rline)
        if "cells" in r and not isinstance(cells, _LineList):
            self.error(cline, f"{rpath}.cells", f"expected a list, found {_kind(cells)}")
            return None
        cell_texts = []
        cells = cells if isinstance(cells, _LineList) else _LineList()
        for i, cell in enumerate(cells):
            if cell is None:
                cell = ""
            if not isinstance(cell, str):
                self.error(cells.item_lines[i], f"{rpath}.cells[{i}]", f"expected text, found {_kind(cell)}")
                cell = ""
            cell_texts.append(cell.strip())
        if "cells" in r and columns and len(cell_texts) != len(columns):
            self.error(
                cline,
                f"{rpath}.cells",
                f"has {_n(len(cell_texts), 'cell')} but the table has {_n(len(columns), 'column')}",
            )
        if "cells" in r and not any(cell_texts):
            self.error(cline, f"{rpath}.cells", "every cell is empty")
        return Row(id=rid, cells=tuple(cell_texts), label=self.text(r, "label", rpath))

    def sequence(self, s: _LineDict, line: int, path: str) -> Sequence:
        sid = self.text(s, "id", path, required=True, slug=True)
        self.claim(s, sid, line, path)
        steps = []
        for sline, sv, spath in self.items(s, "steps"):
            spath = f"{path}.{spath}"
            if isinstance(sv, str) and sv.strip():
                steps.append(Step(text=sv.strip()))
                continue
            st = self.mapping(sv, spath, sline, _STEP_KEYS)
            if st is not None:
                steps.append(
                    Step(text=self.text(st, "text", spath, required=True), detail=self.text(st, "detail", spath))
                )
        if "steps" in s and len(steps) < 2:
            self.error(s.key_lines.get("steps", line), f"{path}.steps", "a sequence needs at least 2 steps")
        return Sequence(
            id=sid,
            title=self.text(s, "title", path, required=True),
            steps=tuple(steps),
            location=Location(self.name, line),
            **self.extras(s, path),
        )

    def fact(self, f: _LineDict, line: int, path: str) -> Fact:
        plain = self.plain_fact(f, line)
        if plain is not None:
            return plain
        fid = self.text(f, "id", path, required=True, slug=True)
        self.claim(f, fid, line, path)
        cloze = self.text(f, "cloze", path)
        if cloze:
            gaps = CLOZE_GAP.findall(cloze)
            if len(gaps) != 1 or not gaps[0].strip():
                self.error(
                    f.key_lines.get("cloze", line), f"{path}.cloze", "must contain exactly one non-empty {{gap}}"
                )
        parts = self.answer_parts(f, path)
        return Fact(
            id=fid,
            prompt=self.text(f, "prompt", path, required=True),
            answer=", ".join(parts)
            if isinstance(f.get("answer"), _LineList)
            else self.text(f, "answer", path, required=True),
            accept=self.texts(f, "accept", path),
            explanation=self.text(f, "explanation", path),
            cloze=cloze,
            location=Location(self.name, line),
            parts=parts,
            ordered=self.flag(f, "ordered", path) if parts else False,
            **self.extras(f, path),
        )

    def plain_fact(self, f: _LineDict, line: int) -> Fact | None:
        """The common fact (id, prompt, answer, and optionally explanation and accept; all well formed) with no call
        per field; None for any other, which `fact` checks key by key and reports."""
        if not f.keys() <= _PLAIN_FACT_KEYS:
            return None
        try:
            fid, prompt, answer = f["id"], f["prompt"], f["answer"]
        except KeyError:
            return None
        accept = f.get("accept", _NO_ITEMS)
        if not isinstance(accept, _LineList):
            return None
        return self.new_plain_fact(line, f.key_lines["id"], fid, prompt, answer, accept, f.get("explanation", ""))

    def plain_facts(self, items: list[FactItem]) -> tuple[Fact, ...]:
        """The facts `fastfacts` read, each as `plain_fact` builds it; _NotPlain if one is not plain."""
        out = []
        for line, fid, prompt, answer, accept, explanation in items:
            fact = self.new_plain_fact(line, line, fid, prompt, answer, accept, explanation)
            if fact is None:
                raise _NotPlain
            out.append(fact)
        return tuple(out)

    def new_plain_fact(
        self, line: int, id_line: int, fid: Any, prompt: Any, answer: Any, accept: list[Any], explanation: Any
    ) -> Fact | None:
        """A plain fact from its values as read; None unless all are well formed (text, and not empty where that is
        required: every element of `accept`) and the id is new."""
        try:
            fid, prompt, answer, explanation = fid.strip(), prompt.strip(), answer.strip(), explanation.strip()
            stripped = tuple(map(str.strip, accept))
        except (AttributeError, TypeError):  # a value that is not text
            return None
        if not (prompt and answer and all(stripped) and _SLUG.match(fid)) or fid in self.ids:
            return None
        self.ids[fid] = id_line
        return Fact(fid, prompt, answer, stripped, explanation, "", Location(self.name, line))  # positional: cheaper

    def answer_parts(self, f: _LineDict, path: str) -> tuple[str, ...]:
        """A list answer's elements (`answer: [a, b]`), () for a text answer; `ordered` only goes with a list."""
        if not isinstance(f.get("answer"), _LineList):
            if "ordered" in f:
                self.error(f.key_lines["ordered"], f"{path}.ordered", "only a list answer can be ordered")
            return ()
        parts = self.texts(f, "answer", path)
        if len(parts) < 2 and len(parts) == len(f["answer"]):
            message = "a list answer needs at least 2 elements (write a single answer as text)"
            self.error(f.key_lines["answer"], f"{path}.answer", message)
        return parts

    def image(self, im: _LineDict, line: int, path: str) -> Image | None:
        """An image the topic names (None without a path); its file is checked later, by `vet_topic_images`."""
        src = self.text(im, "path", path, required=True)
        layers = self.layers(im, path)
        if not src:
            return None
        return Image(
            path=(self.base_dir / src).resolve(),
            caption=self.text(im, "caption", path),
            src=src,
            line=im.key_lines.get("path", line),
            layers=layers,
        )

    def layers(self, im: _LineDict, path: str) -> tuple[Layer, ...]:
        """An image's `layers:`: stacks with a title and their boxes from top to bottom, for drawing in a terminal."""
        out: list[Layer] = []
        for line, v, where in self.nested_items(im, "layers", path):
            m = self.mapping(v, where, line, _LAYER_KEYS)
            if m is None:
                continue
            title = self.text(m, "title", where, required=True)
            stack = self.texts(m, "stack", where)
            if "stack" in m and (m["stack"] is None or m["stack"] == []):
                self.error(m.key_lines.get("stack", m.line), f"{where}.stack", "must not be empty")
            if title and stack:
                out.append(Layer(title, stack))
        return tuple(out)

    def extras(self, m: _LineDict, path: str) -> dict[str, Any]:
        """The optional keys every item may carry: note, sources and lint-ignore."""
        if m.keys().isdisjoint(_EXTRA_KEYS):
            return _PLAIN_EXTRAS
        return {
            "note": self.text(m, "note", path),
            "sources": self.sources(m, path),
            "lint_ignore": self.lint_ignores(m, path),
        }

    def sources(self, m: _LineDict, path: str) -> tuple[Source, ...]:
        """`sources: [{url, checked: YYYY-MM}]`: where a statement was checked against documentation, and when."""
        out = []
        for line, v, ipath in self.nested_items(m, "sources", path):
            s = self.mapping(v, ipath, line, _SOURCE_KEYS)
            if s is None:
                continue
            url = self.text(s, "url", ipath, required=True)
            checked = self.text(s, "checked", ipath, required=True)
            if url and not url.startswith(("https://", "http://")):
                self.error(s.key_lines.get("url", line), f"{ipath}.url", f"{url!r} is not an http(s) address")
            if checked and not _CHECKED.match(checked):
                self.error(s.key_lines.get("checked", line), f"{ipath}.checked", f"{checked!r} is not a YYYY-MM month")
            out.append(Source(url, checked))
        return tuple(out)

    def lint_ignores(self, m: _LineDict, path: str) -> tuple[LintIgnore, ...]:
        """`lint-ignore: [{code: SS105, reason: ...}]`: a lint the item breaks on purpose, and why."""
        out = []
        for line, v, ipath in self.nested_items(m, "lint-ignore", path):
            li = self.mapping(v, ipath, line, _LINT_IGNORE_KEYS)
            if li is None:
                continue
            code = self.text(li, "code", ipath, required=True)
            reason = self.text(li, "reason", ipath, required=True)
            if code and not _LINT_CODE.match(code):
                self.error(
                    li.key_lines.get("code", line), f"{ipath}.code", f"{code!r} is not a lint code (SS and 3 digits)"
                )
            out.append(LintIgnore(code, reason))
        return tuple(out)


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _kind(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing"
    return "text"


# --- compiled cache -------------------------------------------------------------


def topic_to_dict(topic: Topic) -> dict[str, Any]:
    """A JSON-ready form of a topic; `topic_from_dict` reverses it exactly."""

    def loc(x: Location | None) -> int | list[Any] | None:
        # an item's location is in its topic's file: the line alone says it (and the path is not stored 10,000 times)
        return None if x is None else x.line if x.file == topic.source else [x.file, x.line]

    return {
        "id": topic.id,
        "title": topic.title,
        "summary": topic.summary,
        "related": list(topic.related),
        "aliases": list(topic.aliases),
        "source": topic.source,
        "images": [
            [str(i.path), i.caption, i.src, i.line, [[la.title, list(la.stack)] for la in i.layers]]
            for i in topic.images
        ],
        "concepts": [
            [c.id, c.term, c.definition, list(c.points), list(c.aliases), loc(c.location)] for c in topic.concepts
        ],
        "comparisons": [
            [c.id, c.title, list(c.columns), [[r.id, list(r.cells), r.label] for r in c.rows], c.note, loc(c.location)]
            for c in topic.comparisons
        ],
        "sequences": [
            [s.id, s.title, [[st.text, st.detail] for st in s.steps], s.note, loc(s.location)] for s in topic.sequences
        ],
        "facts": [
            [
                f.id,
                f.prompt,
                f.answer,
                list(f.accept),
                f.explanation,
                f.cloze,
                loc(f.location),
                list(f.parts),
                f.ordered,
            ]
            for f in topic.facts
        ],
        "extras": _extras_to_dict(topic),
    }


def topic_from_dict(d: dict[str, Any]) -> Topic:
    """The topic `topic_to_dict` stored: each item built once, with its note, sources and lint-ignores."""
    source: str = d["source"]
    extras: dict[str, Any] = d["extras"]["items"]  # item id → [note, sources, lint-ignores], for items with any

    def loc(x: int | list[Any] | None) -> Location | None:
        return None if x is None else Location(source, x) if isinstance(x, int) else Location(x[0], x[1])

    def extra(item_id: str) -> tuple[str, tuple[Source, ...], tuple[LintIgnore, ...]]:
        found = extras.get(item_id)
        if found is None:
            return _NO_EXTRAS
        note, srcs, ignores = found
        return note, _sources(srcs), tuple(LintIgnore(c, r) for c, r in ignores)

    # Positional arguments in the model's field order (the round-trip tests compare every field): a whole pack is
    # decoded on every `check` and export, and keywords cost more.
    return Topic(
        id=d["id"],
        title=d["title"],
        summary=d["summary"],
        related=tuple(d["related"]),
        aliases=tuple(d["aliases"]),
        source=source,
        sources=_sources(d["extras"]["sources"]),
        images=tuple(
            Image(Path(p), cap, src, line, layers=tuple(Layer(t, tuple(st)) for t, st in layers))
            for p, cap, src, line, layers in d["images"]
        ),
        concepts=tuple(
            Concept(i, t, df, tuple(p), tuple(a), loc(lc), *extra(i)) for i, t, df, p, a, lc in d["concepts"]
        ),
        comparisons=tuple(
            Comparison(
                i,
                t,
                tuple(cols),
                tuple(Row(ri, tuple(cells), lab) for ri, cells, lab in rows),
                note,
                loc(lc),
                *extra(i)[1:],
            )
            for i, t, cols, rows, note, lc in d["comparisons"]
        ),
        sequences=tuple(
            Sequence(i, t, tuple(Step(a, b) for a, b in steps), note, loc(lc), *extra(i)[1:])
            for i, t, steps, note, lc in d["sequences"]
        ),
        facts=tuple(
            Fact(i, p, a, tuple(acc), e, c, loc(lc), *extra(i), tuple(pa), o)
            for i, p, a, acc, e, c, lc, pa, o in d["facts"]
        ),
    )


_NO_EXTRAS: tuple[str, tuple[Source, ...], tuple[LintIgnore, ...]] = ("", (), ())


def _sources(xs: list[list[str]]) -> tuple[Source, ...]:
    return tuple(Source(url, checked) for url, checked in xs)


def _extras_to_dict(topic: Topic) -> dict[str, Any]:
    """Sources, notes and lint-ignores in the cache, by item id (ids are unique within a topic)."""

    def sources(xs: tuple[Source, ...]) -> list[list[str]]:
        return [[x.url, x.checked] for x in xs]

    items: dict[str, Any] = {}
    for item in topic.items:
        note = item.note if isinstance(item, Concept | Fact) else ""
        if note or item.sources or item.lint_ignore:
            items[item.id] = [note, sources(item.sources), [[x.code, x.reason] for x in item.lint_ignore]]
    return {"sources": sources(topic.sources), "items": items}


def code_fingerprint(package: Path = Path(__file__).parent, modules: tuple[str, ...] = FINGERPRINTED) -> str | None:
    """A hash of the source of the FINGERPRINTED modules, kept in the cache; None (cache unused) if one is unreadable.

    Read only when the cache is consulted; ~40 kB hashed with the interpreter's own source hash (no hashlib import).
    """
    from importlib.util import source_hash

    try:
        sources = [(package / f"{name}.py").read_bytes() for name in modules]
    except OSError:
        return None
    digest = source_hash(b"\0".join(sources)).hex()
    return f"{SCHEMA_VERSION}-{digest}"


def _read_cache(path: Path, code: str) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("code") != code or not isinstance(data.get("files"), dict):
        return {}
    files: dict[str, Any] = data["files"]
    return files


def _write_cache(path: Path, files: dict[str, Any], code: str) -> None:
    # The cache is an optimisation: failing to write it must never fail the command.
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, json.dumps({"code": code, "files": files}, separators=(",", ":")).encode())
    except OSError:
        pass
