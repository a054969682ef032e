"""The outside world the CLI talks to, injectable for tests (httpie's model)."""

from __future__ import annotations

import contextlib
import gc
import os
import stat
import sys
from dataclasses import dataclass, field
from typing import BinaryIO, Iterator, TextIO, cast


@dataclass
class Environment:
    stdin: BinaryIO = field(default_factory=lambda: sys.stdin.buffer)
    stdout: TextIO = field(default_factory=lambda: sys.stdout)
    stderr: TextIO = field(default_factory=lambda: sys.stderr)
    stdout_isatty: bool = field(default_factory=lambda: sys.stdout.isatty())
    no_color: bool = field(default_factory=lambda: "NO_COLOR" in os.environ)
    stdin_is_pipe: bool = False     # a pipe or socket that may keep flowing (not a file, not a TTY)
    stdin_isatty: bool = False      # someone at a keyboard: never wait there for logs unasked

    @classmethod
    def current(cls) -> "Environment":
        """The process's streams as they are now (click's test runner swaps them)."""
        stdin = cast(BinaryIO, getattr(sys.stdin, "buffer", sys.stdin))
        isatty = getattr(sys.stdout, "isatty", lambda: False)()
        return cls(stdin=stdin, stdout=sys.stdout, stderr=sys.stderr, stdout_isatty=isatty,
                   no_color="NO_COLOR" in os.environ, stdin_is_pipe=_is_pipe(stdin),
                   stdin_isatty=getattr(stdin, "isatty", lambda: False)())


def _is_pipe(stream: object) -> bool:
    try:
        mode = os.fstat(stream.fileno()).st_mode      # type: ignore[attr-defined]
    except (AttributeError, OSError, ValueError):
        return False
    return stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode)


def tune_process() -> None:
    """For a process that runs an analysis. A run makes millions of short-lived objects and
    few cycles, so the young generation is collected every 50,000 allocations instead of
    700 (about 5 % less CPU on busy logs). It also allocates and frees a few blocks of a
    MiB for each MiB read, which glibc maps anew and hands back to the system each time by
    default (page faults: ~0.2 s of system time per GB): such blocks stay in the heap."""
    gc.set_threshold(50_000, 20, 20)
    if sys.platform.startswith("linux"):
        _keep_big_blocks()


@contextlib.contextmanager
def made_old() -> Iterator[None]:
    """No cyclic garbage collection inside the block, and what it made is old when it
    ends: unpickling a worker's part makes some 100,000 objects at once, none of them
    garbage, that the next young collection would walk (~13 ms). Freezing and unfreezing
    moves every tracked object to the oldest generation without walking any; skipped in a
    process that froze objects of its own (unfreezing would thaw them)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if gc.get_freeze_count() == 0:
            gc.freeze()
            gc.unfreeze()
        if enabled:
            gc.enable()


_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3      # glibc's mallopt parameters


def _keep_big_blocks() -> None:
    import ctypes

    try:
        mallopt = ctypes.CDLL(None).mallopt           # a no-op stub in musl
    except (OSError, AttributeError):
        return
    mallopt(_M_MMAP_THRESHOLD, 32 << 20)
    mallopt(_M_TRIM_THRESHOLD, 64 << 20)
