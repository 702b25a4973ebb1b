"""The compiled content cache: one small file per content file, so every content set in use stays warm.

An entry is found by a hash of (code fingerprint, absolute path), so two installed versions, or two content sets,
never overwrite each other's entries. It is served only when its header matches this code and the file's current
size and content hash, and its payload matches the checksum written with it: anything else (another version, a
damaged or hand-edited entry) is a miss, and the caller parses the file and writes the entry again. Entries are
written atomically, so concurrent writers each leave a whole entry; the last rename wins.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
from dataclasses import replace
from importlib.util import source_hash
from pathlib import Path
from typing import Any

from serverless_study.fsutil import atomic_write
from serverless_study.model import Location, Topic

KEEP_SECONDS = 30 * 86400  # an entry not used for this long is dropped
TOUCH_SECONDS = 86400  # a used entry's mtime is refreshed at most this often, and the folder pruned at most this often
PRUNED_MARK = ".pruned"  # its mtime: when the folder was last pruned
ENTRY_NAME = re.compile(r"[0-9a-f]{16}\.json")  # other files in the folder (images.json) are not entries
FORMER = "content.json"  # the single-file cache of earlier versions


def content_hash(data: bytes) -> str:
    """A 64-bit keyed hash of a file's bytes: ~3 ms of CPU for a 10k-fact pack (2 MB), cheaper than trusting mtimes.

    The interpreter's own source hash (SipHash) needs no hashlib import; this is a change detector, not a seal.
    """
    return source_hash(data).hex()


class ContentCache:
    """Per-file entries under `directory`; `now` (seconds since the epoch) drives expiry, None disables it."""

    def __init__(self, directory: Path, code: str, now: float | None = None) -> None:
        self.directory = directory
        self.code = code
        self.now = now

    def entry_path(self, path: Path) -> Path:
        key = source_hash(f"{self.code}\0{path}".encode("utf-8", "surrogateescape")).hex()
        return self.directory / f"{key}.json"

    def get(self, path: Path, data: bytes) -> dict[str, Any] | None:
        """The payload stored for `path` (absolute) whose content is now `data`, or None if there is no valid one."""
        entry = self.entry_path(path)
        try:
            with open(entry, "rb") as fh:
                written = os.fstat(fh.fileno()).st_mtime
                raw = fh.read()
        except OSError:
            return None
        head, _, payload = raw.partition(b"\n")
        try:
            header = json.loads(head)
            if not (
                isinstance(header, dict)
                and header.get("code") == self.code
                and header.get("path") == str(path)
                and header.get("size") == len(data)
                and header.get("hash") == content_hash(data)
                and header.get("sum") == content_hash(payload)
            ):
                return None
            value = json.loads(payload)
        except ValueError:  # includes UnicodeDecodeError
            return None
        if not isinstance(value, dict):
            return None
        if self.now is not None and self.now - written > TOUCH_SECONDS:
            with contextlib.suppress(OSError):  # in use: keep it from being pruned
                os.utime(entry, (self.now, self.now))
        return value

    def put(self, path: Path, data: bytes, value: dict[str, Any]) -> None:
        """Store `value` for `path` whose content was `data`; failing to write never fails the command."""
        payload = json.dumps(value, separators=(",", ":")).encode()
        header = {
            "code": self.code,
            "path": str(path),
            "size": len(data),
            "hash": content_hash(data),
            "sum": content_hash(payload),
        }
        entry = self.entry_path(path)
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            atomic_write(entry, json.dumps(header).encode() + b"\n" + payload)
            if self.now is not None:
                os.utime(entry, (self.now, self.now))
        except OSError:
            pass

    def prune(self) -> None:
        """Drop entries (and the former single-file cache) unused for KEEP_SECONDS; scans the folder once a day."""
        if self.now is None:
            return
        now = self.now
        mark = self.directory / PRUNED_MARK
        try:
            if now - mark.stat().st_mtime < TOUCH_SECONDS:
                return
        except FileNotFoundError:
            pass
        except OSError:
            return
        try:
            with os.scandir(self.directory) as it:
                for item in it:
                    name = item.name
                    if not (ENTRY_NAME.fullmatch(name) or name == FORMER or name.endswith(".tmp")):
                        continue
                    if not item.is_file(follow_symlinks=False):
                        continue
                    age = now - item.stat(follow_symlinks=False).st_mtime
                    # a temporary file older than a day was left by a writer that was killed
                    if age > (TOUCH_SECONDS if name.endswith(".tmp") else KEEP_SECONDS):
                        with contextlib.suppress(OSError):
                            os.unlink(item.path)
            mark.touch()
            os.utime(mark, (now, now))
        except OSError:
            pass


def relocate(topic: Topic, name: str) -> Topic:
    """`topic` as if parsed from `name`: messages name the path as given in this run, not as first given."""
    if topic.source == name:
        return topic

    def moved(item: Any) -> Any:
        loc = item.location
        return replace(item, location=Location(name, loc.line)) if isinstance(loc, Location) else item

    return replace(
        topic,
        source=name,
        concepts=tuple(moved(c) for c in topic.concepts),
        comparisons=tuple(moved(c) for c in topic.comparisons),
        sequences=tuple(moved(s) for s in topic.sequences),
        facts=tuple(moved(f) for f in topic.facts),
    )
