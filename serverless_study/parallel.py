"""Using a second core: a forked child computes one part of a result while this process computes the rest.

`check` on a large pack is CPU-bound Python from end to end, and one Python process runs on one core. A plain fork
and a pipe start in about a millisecond (multiprocessing would re-import the package) and the child sees every
object the parent had built, so only its answer travels back, pickled. Whatever goes wrong in the child (an
exception, a crash, a kill, an answer that does not unpickle), the parent computes the child's part itself: the
result is always the one a single process would give, at worst later.
"""

from __future__ import annotations

import os
import pickle
import sys
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")

SERIAL_ENV = "SERVERLESS_STUDY_SERIAL"  # set (non-empty) to never fork: for debugging and for comparing timings


def can_fork() -> bool:
    """True where a forked helper can run beside this process: fork exists, two CPUs are ours, and not turned off."""
    if not hasattr(os, "fork") or os.environ.get(SERIAL_ENV):
        return False
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return cpus >= 2


class Forked(Generic[T]):
    """`compute()` started in a forked child (or, where that cannot be, run later by `result`).

    Start it after building what it reads and before the work that runs beside it; `result()` waits for it.
    """

    def __init__(self, compute: Callable[[], T], *, fork: bool = True) -> None:
        """`fork=False`: the work is too small to pay for a process (`result` computes it here)."""
        self._compute = compute
        self._pid = 0
        self._pipe = -1
        if fork and can_fork():
            self._start()

    def _start(self) -> None:
        for stream in (sys.stdout, sys.stderr):  # nothing buffered may be written twice
            stream.flush()
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: compute, send the answer, leave without running any of the parent's cleanup
            status = 1
            try:
                os.close(read_end)
                data = pickle.dumps(self._compute(), protocol=pickle.HIGHEST_PROTOCOL)
                with os.fdopen(write_end, "wb") as pipe:
                    pipe.write(data)
                status = 0
            finally:
                os._exit(status)
        os.close(write_end)
        self._pid, self._pipe = pid, read_end

    def result(self) -> T:
        """The child's answer, or `compute()` run here if there was no child or it did not answer."""
        if not self._pid:
            return self._compute()
        pid, self._pid = self._pid, 0
        with os.fdopen(self._pipe, "rb") as pipe:
            data = pipe.read()  # read to the end before waiting: the child blocks while the pipe is full
        _, status = os.waitpid(pid, 0)
        if status == 0:
            try:
                value: T = pickle.loads(data)
            except Exception:  # a truncated or damaged answer: compute it here instead
                pass
            else:
                return value
        return self._compute()
