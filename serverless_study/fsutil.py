"""Writing a file so that nobody ever sees half of it: a temporary file beside it, then one atomic rename."""

from __future__ import annotations

import contextlib
import errno
import os
from pathlib import Path


def write_temp(dest: Path, data: bytes) -> Path:
    """A new hidden temporary file beside `dest`, holding `data` (permissions follow the umask); OSError if not."""
    for attempt in range(100):
        tmp = dest.with_name(f".{dest.name}.{os.getpid()}-{attempt}.tmp")
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:
            continue
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
        except BaseException:
            remove_quietly(tmp)
            raise
        return tmp
    raise OSError(errno.EEXIST, f"cannot create a temporary file in {dest.parent}")


def replace(tmp: Path, dest: Path) -> None:
    """Move `tmp` over `dest` in one step; `tmp` is removed if that fails."""
    try:
        os.replace(tmp, dest)
    except BaseException:
        remove_quietly(tmp)
        raise


def atomic_write(dest: Path, data: bytes) -> None:
    """Replace `dest` with `data` in one step: readers see the old file or the new one, never a part."""
    replace(write_temp(dest, data), dest)


def remove_quietly(path: Path) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)
