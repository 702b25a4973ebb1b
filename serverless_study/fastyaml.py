"""A fast, exact parser for the plain subset of YAML that content is written in; None sends a file to libyaml.

Content files are block mappings and sequences of short keys, plain or quoted one-line scalars, `[a, b]` lists and
`>-` paragraphs. Composing them with libyaml and converting its nodes costs more than everything else a cold load
does, so this module reads that subset line by line and builds the same tree the loader's libyaml path builds: the
same values (all text, the plain null forms as None), the same line of every mapping, key and list item. Whatever it
is not certain to read exactly as libyaml would (anchors, tags, flow mappings, multi-line plain or quoted scalars,
escapes, tabs, odd indentation, duplicate keys, ...) makes `parse` return None, and the caller falls back to libyaml,
which then also reports any error. It never reports an error itself.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from serverless_study.yamltree import MAX_NODES, NULLS, LineDict, LineList

_MAX_DEPTH = 64  # deeper nesting goes to libyaml, whose builder decides whether it is too deep

# A line: indentation, a dash, a key (at most 16 words of at most 60 characters: libyaml refuses a key longer than
# 1024) and the rest, which holds only characters YAML allows (not its other line breaks U+0085, U+2028 and U+2029,
# nor the byte-order mark, nor tabs or carriage returns: a line with one does not match). Possessive quantifiers: no
# backtracking, linear on any input.
_KEY = r"(-(?: ++|$)|)(?:([A-Za-z0-9_][A-Za-z0-9_./-]{0,59}+(?: [A-Za-z0-9_./-]{1,60}+){0,15}+):(?: ++|$)|)"
_CHARS = " -~\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff"  # a line may hold
_LINE_ASCII = re.compile(r"^( *+)" + _KEY + "([ -~]*+)$", re.M)
_ASCII_CHARS = bytes(range(0x20, 0x7F)) + b"\n"
_unicode: dict[str, re.Pattern[str]] = {}  # patterns with a class beyond Latin-1, compiled when first needed (~5 ms)
_END = ("end", "", "", "")  # after the last line: no indentation matches it
_INDICATORS = frozenset("-?:,[]{}#&*!|>'\"%@`")
_FIRST = frozenset(chr(c) for c in range(33, 127)).difference(_INDICATORS)  # may start a plain value (ASCII)
_LAST = frozenset(chr(c) for c in range(33, 127)).difference(":")  # may end one (no trailing space or colon)
# A one-line plain value after `key: ` or `- ` (with re.M) that reads as written if its line is `in_subset` and it holds
# neither ": " nor " #" (a key, a comment): not a null form, a first character that may start it, a last that is
# neither a space nor a colon. The caller checks the rest over many lines at once: a regex goes a character at a time.
PLAIN_VALUE = (
    f"(?!(?:{'|'.join(sorted(n for n in NULLS if n))})$)"
    f"[^{re.escape(''.join(sorted(_INDICATORS)))} \n](?:[^\n]*+(?<![ :]))?"
)
# The common flow sequences, whole: plain items (split at commas), or double-quoted items without escapes.
_FLOW_PLAIN = r"[^-?:,\[\]{}#&*!|>'\"%@` \n][^,\[\]{}#:?\n]*+"
PLAIN_LIST = rf"\[ *+{_FLOW_PLAIN}(?:, *+{_FLOW_PLAIN})*+\]"  # read by `plain_items`
QUOTED_LIST = r'\[ *+"[^"\\\n]*+" *+(?:, *+"[^"\\\n]*+" *+)*+\]'  # read by `quoted_items`
_PLAIN_LIST = re.compile(PLAIN_LIST)
_QUOTED_LIST = re.compile(QUOTED_LIST)
_QUOTED_ITEM = re.compile(r'"([^"\\\n]*+)"')
_FLOW_PLAIN_BAD = re.compile(r"[\[\]{}#:?]")  # flow-context plain characters whose reading differs by version
_FLOW_END = re.compile(r"[,\]]")


class _Out(Exception):
    """The text leaves the subset."""


def parse(text: str, nodes: int = 0) -> LineDict | LineList | None:
    """The document's mapping or sequence, exactly as the loader's libyaml path builds it; None if not in the subset.

    `nodes`: collection sizes read elsewhere from the same document (see `fastfacts`), counted towards MAX_NODES.
    """
    if "\r" in text:
        text = text.replace("\r\n", "\n")  # libyaml reads CRLF as one line break; a lone CR leaves the subset
    try:
        return _Parser(text, nodes).document()
    except _Out:
        return None


def in_subset(text: str) -> bool:
    """Whether every line of `text` holds only characters the subset allows (as the line regex checks each line)."""
    if text.isascii():
        return not text.encode("ascii").translate(None, _ASCII_CHARS)  # deleting the allowed bytes in C: fast
    return _unicode_pattern("outside", f"[^\n{_CHARS}]").search(text) is None


def _unicode_pattern(name: str, pattern: str) -> re.Pattern[str]:
    found = _unicode.get(name)
    if found is None:
        found = _unicode[name] = re.compile(pattern, re.M)
    return found


def _trailing(text: str, pos: int) -> bool:
    """Whether only spaces, or spaces and then a comment, follow `pos` (a comment needs a space before it)."""
    rest = text[pos:]
    stripped = rest.lstrip(" ")
    return not stripped or (stripped[0] == "#" and len(stripped) < len(rest))


def _plain(value: str) -> str | None:
    """A one-line plain scalar in block context (with any trailing comment) as text, or None for the null forms."""
    if value[0] in _INDICATORS:
        raise _Out
    cut = value.find(" #")
    if cut >= 0:
        value = value[:cut]
    value = value.rstrip(" ")
    if ": " in value or value[-1] == ":":
        raise _Out  # a key, or an error: libyaml decides
    return None if value in NULLS else value


def _double_quoted(value: str) -> str:
    end = value.find('"', 1)
    if end < 0:
        raise _Out  # continues on the next line
    body = value[1:end]
    if "\\" in body or not _trailing(value, end + 1):
        raise _Out  # escapes (and the control characters they can make) are libyaml's
    return body


def _single_quoted(value: str, start: int = 0) -> tuple[str, int]:
    """The text of the single-quoted scalar at `start` and the position after its closing quote."""
    pos = start + 1
    while True:
        end = value.find("'", pos)
        if end < 0:
            raise _Out
        if value.startswith("'", end + 1):
            pos = end + 2
            continue
        return value[start + 1 : end].replace("''", "'"), end + 1


def plain_items(value: str) -> list[str | None]:
    """The items of a whole `PLAIN_LIST`."""
    return [None if text in NULLS else text for text in [piece.strip(" ") for piece in value[1:-1].split(",")]]


quoted_items: Callable[[str], list[str | None]] = _QUOTED_ITEM.findall  # the items of a whole `QUOTED_LIST`


def _flow_sequence(value: str, line: int) -> LineList:
    """A one-line `[a, "b", 'c']` of scalars."""
    out = LineList()
    out.line = line
    if _PLAIN_LIST.fullmatch(value):
        out.extend(plain_items(value))
        out.item_lines = [line] * len(out)
        return out
    if _QUOTED_LIST.fullmatch(value):
        out.extend(quoted_items(value))
        out.item_lines = [line] * len(out)
        return out
    pos = 1
    size = len(value)
    while True:
        while pos < size and value[pos] == " ":
            pos += 1
        if pos == size:
            raise _Out
        first = value[pos]
        if first == "]" and not out:
            pos += 1
            break
        item: str | None
        if first == '"':
            end = value.find('"', pos + 1)
            if end < 0:
                raise _Out
            item = value[pos + 1 : end]
            if "\\" in item:
                raise _Out
            pos = end + 1
        elif first == "'":
            item, pos = _single_quoted(value, pos)
        else:
            m = _FLOW_END.search(value, pos)
            if m is None or first in _INDICATORS:
                raise _Out
            plain = value[pos : m.start()].rstrip(" ")
            if _FLOW_PLAIN_BAD.search(plain):
                raise _Out
            item = None if plain in NULLS else plain
            pos = m.start()
        out.append(item)
        while pos < size and value[pos] == " ":
            pos += 1
        if pos == size:
            raise _Out
        if value[pos] == "]":
            pos += 1
            break
        if value[pos] != ",":
            raise _Out
        pos += 1
    if not _trailing(value, pos):
        raise _Out
    out.item_lines = [line] * len(out)
    return out


class _Parser:
    """Block structure, line by line: `i` indexes `lines` and their `tokens`; every method returns the next unread line.

    One regex splits every line into indentation, dash, key and the rest, so that the common `key: words` and
    `- words` lines cost a tuple, a few substring tests and a dict entry; other values go through `scalar`.
    """

    def __init__(self, text: str, nodes: int = 0) -> None:
        self.lines = text.split("\n")
        line = _LINE_ASCII if text.isascii() else _unicode_pattern("line", r"^( *+)" + _KEY + f"([{_CHARS}]*+)$")
        self.tokens: list[tuple[str, str, str, str]] = line.findall(text)
        if len(self.tokens) != len(self.lines):
            raise _Out  # a line with a character outside the subset
        self.tokens.append(_END)
        self.count = nodes  # collection sizes, as the loader's builder counts them
        self.next = 0  # the line after the last scalar read by `scalar`

    def skip(self, i: int) -> tuple[int, int]:
        """The next line from `i` with content (not blank, not a comment) and its indentation; (end, -1) if none."""
        tokens = self.tokens
        for j in range(i, len(self.lines)):
            indent, dash, key, rest = tokens[j]
            if dash or key or (rest and rest[0] != "#"):
                return j, len(indent)
        return len(self.lines), -1

    def document(self) -> LineDict | LineList:
        i, indent = self.skip(0)
        if indent != 0:
            raise _Out  # no content (libyaml says so), or an indented document
        node, i = self.block(i, 0, 0)
        if self.skip(i)[1] >= 0 or self.count > MAX_NODES:
            raise _Out
        return node

    def block(self, i: int, col: int, depth: int) -> tuple[LineDict | LineList, int]:
        """The block sequence or mapping whose first entry is at column `col` of line `i`."""
        if depth > _MAX_DEPTH:
            raise _Out
        _, dash, key, _ = self.tokens[i]
        if dash:
            return self.sequence(i, col, depth)
        if key:
            return self.mapping(i, col, depth)
        raise _Out  # a scalar on a line of its own

    def mapping(self, i: int, col: int, depth: int) -> tuple[LineDict, int]:
        """The block mapping whose first key is at column `col` of line `i` (perhaps after a dash)."""
        tokens = self.tokens
        pad = " " * col
        out = LineDict()
        out.line = i + 1
        key_lines: dict[Any, int] = {}
        out.key_lines = key_lines
        _, _, key, rest = tokens[i]
        while True:
            if key in key_lines:
                raise _Out  # libyaml reports the duplicate
            key_lines[key] = i + 1
            if rest and rest[0] in _FIRST and rest[-1] in _LAST and ": " not in rest and " #" not in rest:
                out[key] = None if rest in NULLS else rest  # the common case, inline: a plain value
                i += 1
            elif not rest or rest[0] == "#":
                out[key], i = self.below(i, col, True, depth)
            else:
                out[key] = self.scalar(rest, i, col)
                i = self.next
            indent, dash, key, rest = tokens[i]
            if indent == pad and key and not dash:
                continue
            i, at = self.skip(i)
            if at != col:
                if at < col:
                    break
                raise _Out
            _, dash, key, rest = tokens[i]
            if dash or not key:
                raise _Out
        self.count += len(out) + 1
        return out, i

    def sequence(self, i: int, col: int, depth: int) -> tuple[LineList, int]:
        """The block sequence whose first dash is at column `col` of line `i`."""
        tokens = self.tokens
        pad = " " * col
        out = LineList()
        out.line = i + 1
        item_lines: list[int] = []
        out.item_lines = item_lines
        _, dash, key, rest = tokens[i]
        while True:
            if key:
                item_lines.append(i + 1)
                item, i = self.mapping(i, col + len(dash), depth + 1)
                out.append(item)
            elif not rest or rest[0] == "#":
                item, j = self.below(i, col, False, depth)
                item_lines.append(i + 1 if item is None else item.line)
                out.append(item)
                i = j
            elif rest[0] in _FIRST and rest[-1] in _LAST and ": " not in rest and " #" not in rest:
                item_lines.append(i + 1)
                out.append(None if rest in NULLS else rest)
                i += 1
            else:
                item_lines.append(i + 1)
                out.append(self.scalar(rest, i, col))
                i = self.next
            indent, dash, key, rest = tokens[i]
            if indent == pad and dash:
                continue
            i, at = self.skip(i)
            if at != col:
                if at < col:
                    break
                raise _Out
            _, dash, key, rest = tokens[i]
            if not dash:
                break  # the end of a sequence at its key's indentation; the caller checks the line
        self.count += len(out) + 1
        return out, i

    def below(self, i: int, col: int, in_mapping: bool, depth: int) -> tuple[Any, int]:
        """The value of a key or item with nothing after it on line `i`: a block below it, or null."""
        j, indent = self.skip(i + 1)
        if indent > col:
            return self.block(j, indent, depth + 1)
        if indent == col and in_mapping and self.tokens[j][1]:
            return self.sequence(j, col, depth + 1)  # a sequence as a key's value may sit at the key's indentation
        return None, j

    def scalar(self, value: str, i: int, col: int) -> str | LineList | None:
        """A value that starts on line `i` after a key or dash; sets `next` to the line after it."""
        self.next = i + 1
        first = value[0]
        if first == '"':
            return _double_quoted(value)
        if first == "'":
            text, end = _single_quoted(value)
            if not _trailing(value, end):
                raise _Out
            return text
        if first == "[":
            out = _flow_sequence(value, i + 1)
            self.count += len(out) + 1
            return out
        if first == "|" or first == ">":
            return self.block_scalar(value, i, col)
        return _plain(value)

    def block_scalar(self, header: str, i: int, col: int) -> str:
        """A `|` or `>` scalar with an optional chomping indicator, read as libyaml's scanner reads it."""
        literal = header[0] == "|"
        chomp = header[1:2]
        if chomp not in ("-", "+"):
            chomp = ""
        if not _trailing(header, 1 + len(chomp)):
            raise _Out  # an indentation indicator, or something libyaml must judge
        lines = self.lines
        last = len(lines) - 1
        k = i + 1
        if k > last:
            raise _Out
        first = lines[k]
        stripped = first.lstrip(" ")
        indent = len(first) - len(stripped)
        if not stripped or indent <= col:
            raise _Out  # leading blank lines or an empty scalar: libyaml's indentation rules, not ours
        chunks: list[str] = []
        leading_break = False
        leading_blank = False
        trailing = 0
        while True:
            content = lines[k][indent:]
            blank = content[:1] == " "
            if not literal and leading_break and not leading_blank and not blank:
                if not trailing:
                    chunks.append(" ")
            elif leading_break:
                chunks.append("\n")
            if trailing:
                chunks.append("\n" * trailing)
                trailing = 0
            leading_blank = blank
            chunks.append(content)
            if k == last:
                leading_break = False
                k += 1
                break
            leading_break = True
            k += 1
            more = False
            while k <= last:
                line = lines[k]
                if len(line) > indent and not line[:indent].strip(" "):
                    more = True  # a line at the scalar's indentation (perhaps only spaces)
                    break
                if line.strip(" ") or k == last:
                    break  # a less indented line ends the scalar; so does the end of the text
                trailing += 1
                k += 1
            if not more:
                break
        if chomp != "-" and leading_break:
            chunks.append("\n")
        if chomp == "+":
            chunks.append("\n" * trailing)
        self.next = k
        return "".join(chunks)
