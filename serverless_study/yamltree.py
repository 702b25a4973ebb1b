"""The tree a content file parses into: text, None, and mappings and sequences that remember their lines."""

from __future__ import annotations

from typing import Any


class LineDict(dict[Any, Any]):
    """A YAML mapping with the line of its first key and of every key (1-based)."""

    line = 0
    key_lines: dict[Any, int]


class LineList(list[Any]):
    """A YAML sequence with the line of its first item and of every item (1-based)."""

    line = 0
    item_lines: list[int]


NULLS = frozenset(("", "~", "null", "Null", "NULL"))  # the plain scalars YAML reads as null; quoted, they are text
MAX_NODES = 2_000_000  # the loader refuses more (aliases can multiply a small file): left to its own check
