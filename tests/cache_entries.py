"""Reading and doctoring content-cache entries the way another writer would: header line, payload, checksum."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from serverless_study.cache import ENTRY_NAME, content_hash


def entry_files(cache_dir: Path) -> list[Path]:
    return sorted(p for p in cache_dir.glob("*.json") if ENTRY_NAME.fullmatch(p.name))


def entries(cache_dir: Path) -> dict[str, tuple[dict[str, Any], Any]]:
    """Every entry's (header, payload), by the absolute path of its content file."""
    out = {}
    for entry in entry_files(cache_dir):
        head, _, payload = entry.read_bytes().partition(b"\n")
        header = json.loads(head)
        out[header["path"]] = (header, json.loads(payload))
    return out


def entry_file(cache_dir: Path, content_file: Path) -> Path:
    """The entry file holding `content_file`'s topic."""
    for entry in entry_files(cache_dir):
        if json.loads(entry.read_bytes().partition(b"\n")[0])["path"] == str(content_file.resolve()):
            return entry
    raise AssertionError(f"no cache entry for {content_file}")


def rewrite(
    entry: Path,
    payload: Callable[[Any], Any] = lambda p: p,
    header: Callable[[dict[str, Any]], dict[str, Any]] = lambda h: h,
    *,
    fix_sum: bool = True,
) -> None:
    """Change an entry's payload and header; with `fix_sum`, as its writer would (a valid checksum), else as damage."""
    head, _, raw = entry.read_bytes().partition(b"\n")
    new_header = header(json.loads(head))
    data = json.dumps(payload(json.loads(raw))).encode()
    if fix_sum:
        new_header["sum"] = content_hash(data)
    entry.write_bytes(json.dumps(new_header).encode() + b"\n" + data)
