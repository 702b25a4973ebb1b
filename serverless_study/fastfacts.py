"""A topic's list of facts read straight from its text, when every fact in it is written the common way.

Big packs are mostly facts of one shape: `- id:`, `prompt:`, `answer:`, perhaps `accept:` and `explanation:`, in that
order, one line each, plain. Parsing them into a tree and checking the tree key by key costs several times what one
regex match a fact does. `read` finds the top-level `facts:` list and, if every item in it has that shape, returns
each item's line and values, which are exactly those `fastyaml.parse` reads, and the rest of the document for it to
parse, with the `facts` key left without a value. Anything else, or any doubt, returns None.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from serverless_study.fastyaml import PLAIN_LIST, PLAIN_VALUE, QUOTED_LIST, in_subset, plain_items, quoted_items

_V = f"({PLAIN_VALUE})"
_ITEM = (
    r"((?:[ ]*+\n)*+)"  # blank lines before it
    rf"  - id: ++{_V}\n"
    rf"    prompt: ++{_V}\n"
    rf"    answer: ++{_V}\n"
    rf"(?:    accept: ++(?:({QUOTED_LIST})|({PLAIN_LIST}))\n)?"
    rf"(?:    explanation: ++{_V}\n)?"
)
_KEY_LINE = "\nfacts:\n"


# One fact as written: the line of its dash (and id), id, prompt, answer, accept ([] if absent), explanation ("" if
# absent). A tuple: a pack has 100,000 of them.
FactItem = tuple[int, str, str, str, list[str | None], str]


class FactList(NamedTuple):
    """A top-level fact list read by `read`."""

    items: list[FactItem]
    line: int  # the line of the `facts:` key
    rest: str  # the document without the list (blank lines in its place if anything follows), for fastyaml.parse
    nodes: int  # the collection sizes the parser would have counted for the list


_FACT_OR_REST = re.compile(f"{_ITEM}|((?s:.+))", re.M)  # a fact, or else all the rest: findall stops at the first
_LIST_END = re.compile(r"(?:[ ]*+\n)*+(?:[^ \n]|\Z)")  # blank lines, then a line at column 0 or the end of the text


def read(text: str) -> FactList | None:
    """The top-level `facts:` list when every item is written the common way; None otherwise, or if there is none."""
    if "\r" in text:
        text = text.replace("\r\n", "\n")  # as fastyaml reads it
    if text.startswith(_KEY_LINE[1:]):
        start = len(_KEY_LINE) - 1
    else:
        start = text.find(_KEY_LINE) + len(_KEY_LINE)
        if start < len(_KEY_LINE):
            return None
    padded = text if text.endswith("\n") else text + "\n"  # the last line ends like the others
    rows = _FACT_OR_REST.findall(padded, start)
    end = len(padded)
    if rows and rows[-1][-1]:  # what follows the common items: it must end the list, not be an item written otherwise
        after_items = rows.pop()[-1]
        if not _LIST_END.match(after_items):
            return None
        end -= len(after_items)
    if not rows:
        return None
    items: list[FactItem] = []
    key_line = text.count("\n", 0, start)
    line = key_line + 1
    blanks = nodes = 0
    for blank, fid, prompt, answer, quoted, plain, explanation, _ in rows:
        if blank:
            blanks += blank.count("\n")
            line += blank.count("\n")
        listed = bool(quoted or plain)
        accept = (quoted_items(quoted) if quoted else plain_items(plain)) if listed else []
        items.append((line, fid, prompt, answer, accept, explanation))
        line += 3 + listed + bool(explanation)
        nodes += 2 + listed + len(accept)  # the item and its mapping, the accept list and its items
    keys = line - 1 - key_line - blanks
    body = padded[start:end]
    if body.count(": ") != keys or " #" in body or not in_subset(body):
        return None  # ": " in a value (a key after all), a comment, or a character outside fastyaml's subset
    after = text[end:]  # `end` is past the end of `text` if the list ends it without a line break
    rest = text[:start] + "\n" * (line - 1 - key_line) + after if after.strip(" \n") else text[:start]
    return FactList(items, key_line, rest, nodes + keys + 1)
