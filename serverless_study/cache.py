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
from typing import Any, NamedTuple

from serverless_study.fsutil import atomic_write, remove_quietly, write_temp
from serverless_study.fsutil import replace as move_over
from serverless_study.model import Location, Topic

KEEP_SECONDS = 30 * 86400  # an entry not used for this long is dropped
TOUCH_SECONDS = 86400  # a used entry's mtime is refreshed at most this often, and the folder pruned at most this often
PRUNED_MARK = ".pruned"  # its mtime: when the folder was last pruned
ENTRY_NAME = re.compile(r"[0-9a-f]{16}\.(json|index|vocab)")  # per-file entries, indexes, vocabularies
RACY_NS = 2_000_000_000  # a file changed this close to its index being written is checked by its content
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

    def entry_path(self, path: Path | str, suffix: str = ".json") -> Path:
        key = source_hash(f"{self.code}\0{path}".encode("utf-8", "surrogateescape")).hex()
        return self.directory / f"{key}{suffix}"

    def get(self, path: Path, data: bytes, digest: str = "") -> dict[str, Any] | None:
        """The payload stored for `path` (absolute) whose content is now `data` (`digest`: its `content_hash`, if
        known), or None if there is no valid one."""
        entry = self.entry_path(path)
        read = _read_entry(entry, self.code)
        if read is None:
            return None
        written, header, payload = read
        try:
            if not (
                header.get("path") == str(path)
                and header.get("size") == len(data)
                and header.get("hash") == (digest or content_hash(data))
            ):
                return None
            value = json.loads(payload)
        except ValueError:  # includes UnicodeDecodeError
            return None
        if not isinstance(value, dict):
            return None
        self._touch(entry, written)
        return value

    def _touch(self, entry: Path, written: float) -> None:
        """Keep an entry in use from being pruned (its mtime is refreshed at most once a day)."""
        if self.now is not None and self.now - written > TOUCH_SECONDS:
            with contextlib.suppress(OSError):
                os.utime(entry, (self.now, self.now))

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
        self._write(self.entry_path(path), json.dumps(header).encode() + b"\n" + payload)

    def get_index(self, name: str, stamps: list[Stamp]) -> tuple[dict[str, Any], bytes] | None:
        """The index stored under `name` for files that still match `stamps` (same files, order, size, times and
        inode), with what identifies its version (see `put_index`); None when there is no such index.

        A file changed within RACY_NS of the index being written may have changed again within the same timestamp
        tick, so its content is hashed and compared too (as git does for "racily clean" entries); once it matches,
        the index is written again, so that later runs can trust stat for it.
        """
        entry = self.entry_path(name, ".index")
        read = _read_entry(entry, self.code)
        if read is None:
            return None
        used, header, payload = read
        try:
            if not (header.get("name") == name and isinstance(header.get("written"), int)):
                return None
            racy = _racy(header.get("files"), stamps, header["written"])
            value = json.loads(payload)
        except ValueError:
            return None
        if racy is None or not isinstance(value, dict):
            return None
        if racy:
            self._write_index(name, header["files"], payload)
        else:
            self._touch(entry, used)
        return value, _version(self.code, name, header["files"], header["sum"])

    def put_index(self, name: str, stamps: list[Stamp], hashes: list[str], value: dict[str, Any]) -> bytes | None:
        """Store the index of the files `stamps` (stat taken before they were read; `hashes`: of the bytes read);
        returns what identifies this version of it (data stored for the index names it), None if not written."""
        payload = json.dumps(value, separators=(",", ":")).encode()
        # file names only: the folders are in `name`, and the files are compared in order
        files = [[os.path.basename(st.path), *st[1:], h] for st, h in zip(stamps, hashes, strict=True)]
        return self._write_index(name, files, payload)

    def _write_index(self, name: str, files: list[Any], payload: bytes) -> bytes | None:
        entry = self.entry_path(name, ".index")
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            tmp = write_temp(entry, b"")
        except OSError:
            return None
        try:
            # The file system's clock now, after every stamp was taken: files changed since may look unchanged.
            written = os.stat(tmp).st_mtime_ns
            total = content_hash(payload)
            head = {"code": self.code, "name": name, "written": written, "files": files, "sum": total}
            with open(tmp, "wb") as fh:
                fh.write(json.dumps(head).encode() + b"\n" + payload)
            move_over(tmp, entry)
        except OSError:
            remove_quietly(tmp)
            return None
        self._stamp_mtime(entry)
        return _version(self.code, name, files, total)

    def get_shards(self, name: str, owner: bytes) -> Shards | None:
        """The shards stored under `name` for the index version `owner`; None if absent or stale."""
        path = self.entry_path(name, ".vocab")
        try:
            with open(path, "rb") as fh:
                used = os.fstat(fh.fileno()).st_mtime
                header = json.loads(fh.readline())
                start = fh.tell()
        except (OSError, ValueError):
            return None
        if not (isinstance(header, dict) and header.get("owner") == content_hash(owner)):
            return None
        offsets, sums = header.get("offsets"), header.get("sums")
        if not (isinstance(offsets, list) and isinstance(sums, list) and len(offsets) == len(sums) + 1 and sums):
            return None
        self._touch(path, used)
        return Shards(path, start, offsets, sums)

    def put_shards(self, name: str, owner: bytes, shards: list[bytes]) -> None:
        """Store `shards` under `name` for the index version `owner`, each readable on its own."""
        offsets = [0]
        for shard in shards:
            offsets.append(offsets[-1] + len(shard))
        head = {"owner": content_hash(owner), "offsets": offsets, "sums": [content_hash(x) for x in shards]}
        self._write(self.entry_path(name, ".vocab"), json.dumps(head).encode() + b"\n" + b"".join(shards))

    def _write(self, entry: Path, data: bytes) -> None:
        """Write an entry atomically, dated by the clock given; failing to write never fails the command."""
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            atomic_write(entry, data)
        except OSError:
            return
        self._stamp_mtime(entry)

    def _stamp_mtime(self, entry: Path) -> None:
        if self.now is not None:
            with contextlib.suppress(OSError):
                os.utime(entry, (self.now, self.now))

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


class Shards:
    """Pieces of one cache file, each read (and checked against its checksum) only when asked for."""

    def __init__(self, path: Path, start: int, offsets: list[Any], sums: list[Any]) -> None:
        self.path, self.start, self.offsets, self.sums = path, start, offsets, sums

    def __len__(self) -> int:
        return len(self.sums)

    def read(self, i: int) -> bytes | None:
        """Shard `i`, or None if the file changed or is damaged."""
        try:
            begin, end = int(self.offsets[i]), int(self.offsets[i + 1])
            with open(self.path, "rb") as fh:
                fh.seek(self.start + begin)
                data = fh.read(end - begin)
        except (OSError, ValueError, TypeError, IndexError):
            return None
        return data if content_hash(data) == self.sums[i] else None


class Stamp(NamedTuple):
    """What stat says of a content file: a change to its content changes one of these (ctime cannot be set back)."""

    path: str  # as named in this run (the index is found by the absolute paths of the content folders)
    size: int
    mtime_ns: int
    ctime_ns: int
    inode: int

    @classmethod
    def of(cls, path: Path) -> Stamp | None:
        try:
            st = os.stat(path)
            return cls(str(path), st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)
        except OSError:
            return None


def _racy(recorded: Any, stamps: list[Stamp], written_ns: int) -> int | None:
    """How many files of an index had to be checked by content (changed close to `written_ns`), all matching; None
    if the files recorded are not `stamps` exactly or a racy one's content changed."""
    if not isinstance(recorded, list) or len(recorded) != len(stamps):
        return None
    racy = 0
    for row, stamp in zip(recorded, stamps, strict=True):
        if (
            not isinstance(row, list)
            or len(row) != 6
            or row[0] != os.path.basename(stamp.path)
            or row[1:5] != [*stamp[1:]]
        ):
            return None
        if max(stamp.mtime_ns, stamp.ctime_ns) >= written_ns - RACY_NS:
            try:
                data = Path(stamp.path).read_bytes()
            except OSError:
                return None
            if content_hash(data) != row[5]:
                return None
            racy += 1
    return racy


def _version(code: str, name: str, files: list[Any], total: str) -> bytes:
    """What identifies one version of an index (not when it was written: settling it keeps its version)."""
    return json.dumps([code, name, files, total]).encode()


def _read_entry(entry: Path, code: str) -> tuple[float, dict[str, Any], bytes] | None:
    """(mtime, header, payload) of a cache file whose header is this code's and whose payload matches its checksum;
    None when it is missing, unreadable, damaged or another version's."""
    try:
        with open(entry, "rb") as fh:
            written = os.fstat(fh.fileno()).st_mtime
            raw = fh.read()
    except OSError:
        return None
    head, _, payload = raw.partition(b"\n")
    try:
        header = json.loads(head)
    except ValueError:  # includes UnicodeDecodeError
        return None
    if not (isinstance(header, dict) and header.get("code") == code and header.get("sum") == content_hash(payload)):
        return None
    return written, header, payload


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
