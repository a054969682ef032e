"""Follow a growing input — a pipe that has not ended, or a file like ``tail -F`` — and
report each new problem the moment its first line arrives.

Blocks of bytes become whole lines as they arrive and go through the same stages as a batch
run (:class:`~logsleuth.pipeline.SourceScan`). An entry is not held back waiting for
continuation lines that may never come: continuations are merged only when they arrive in
the same block as their first line (Headscale writes them together).
"""

from __future__ import annotations

import io
import os
import select
import stat
import time
from pathlib import Path
from typing import BinaryIO, Callable, Iterator

from .aggregate import Aggregator
from .entry import Entry
from .frame import LineCutter
from .pipeline import Pipeline
from .progress import Progress
from .reader import SourceReader
from .result import Analysis
from .sources import STDIN_NAME, InputError, compression

IDLE = 0.2              # seconds between looks at a quiet input
READ_SIZE = 1 << 20
ROTATED = None          # marks the end of one file of a rotated series


def pipe_blocks(stream: BinaryIO, idle: float = IDLE) -> Iterator[bytes]:
    """Blocks of a pipe as they arrive, ``b""`` after each quiet ``idle``; ends with the input."""
    try:
        fd = stream.fileno()
    except (AttributeError, io.UnsupportedOperation):      # an in-memory stream
        yield from iter(lambda: stream.read(READ_SIZE), b"")
        return
    while True:
        ready, _, _ = select.select([fd], [], [], idle)
        if not ready:
            yield b""
            continue
        block = os.read(fd, READ_SIZE)
        if not block:
            return
        yield block


def file_blocks(path: Path, idle: float = IDLE) -> Iterator[bytes | None]:
    """A file from its start, then what is appended, across rotation and truncation like
    ``tail -F``; ``None`` marks where one file of the series ended. Never ends by itself.
    A file that does not exist yet is waited for; one that exists but cannot be opened
    raises InputError at once. A FIFO or ``<(command)`` is read like standard input: until
    its writer closes it."""
    if _is_pipe(path):
        return pipe_blocks(_open_input(path), idle)
    if not path.exists():
        return _appearing(path, idle)
    return _tail(path, _open_plain(path), idle)


def _appearing(path: Path, idle: float) -> Iterator[bytes | None]:
    """``b""`` every ``idle`` seconds until the file exists, then the file as it grows."""
    while not path.exists():
        yield b""
        time.sleep(idle)
    yield from _tail(path, _open_plain(path), idle)


def _is_pipe(path: Path) -> bool:
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return stat.S_ISFIFO(mode) or stat.S_ISCHR(mode) or stat.S_ISSOCK(mode)


def _tail(path: Path, handle: BinaryIO, idle: float) -> Iterator[bytes | None]:
    inode = os.fstat(handle.fileno()).st_ino
    while True:
        block = handle.read(READ_SIZE)
        if block:
            yield block
            continue
        try:
            now = os.stat(path)
        except FileNotFoundError:
            now = None                   # between the rename and the new file
        if now is not None and now.st_ino != inode:
            try:
                renewed = open(path, "rb")  # noqa: SIM115 - replaces the followed handle
            except OSError:              # gone again: look later
                yield b""
                time.sleep(idle)
                continue
            rest = handle.read()         # written to the old file before the rename
            if rest:
                yield rest
            handle.close()
            yield ROTATED
            handle, inode = renewed, os.fstat(renewed.fileno()).st_ino
            continue
        if now is not None and now.st_size < handle.tell():
            handle.seek(0)               # copytruncate
            yield ROTATED
            continue
        yield b""
        time.sleep(idle)


def follow_blocks(argument: str, stdin: BinaryIO) -> tuple[str, Iterator[bytes | None], str | None]:
    """The followed input's name, its blocks, and a message when a named file does not
    exist yet (it is waited for, like ``tail -F``); InputError when it cannot be read."""
    if argument == "-":
        return STDIN_NAME, pipe_blocks(stdin), None
    path = Path(argument)
    waiting = (None if path.exists() else
               f"{argument} does not exist yet: waiting for it to appear (like tail -F; "
               "Ctrl-C stops)")
    return argument, file_blocks(path), waiting


def run(follower: Follower, blocks: Iterator[bytes | None],
        on_new: Callable[[list[Entry]], None], on_tick: Callable[[], None] | None = None,
        every: float = 0.5) -> bool:
    """Feed blocks to the follower until the input ends (False) or Ctrl-C/SIGTERM (True);
    ``on_new`` gets each block's new problems at once, ``on_tick`` runs every ``every`` s
    (less often when it is slow: it never takes more than a fifth of the time)."""
    last, wait = time.monotonic(), every
    try:
        for block in blocks:
            new = follower.feed(block)
            if new:
                on_new(new)
            if on_tick is not None and time.monotonic() - last >= wait:
                started = time.monotonic()
                on_tick()
                last = time.monotonic()
                wait = max(every, 4 * (last - started))
    except KeyboardInterrupt:
        return True
    except InputError as exc:           # a waited-for file appeared but cannot be read
        follower.progress.errors.append(str(exc))
    return False


def _open_input(path: Path) -> BinaryIO:
    try:
        return open(path, "rb")
    except OSError as exc:
        raise InputError(f"{path}: {exc.strerror or exc}") from None


def _open_plain(path: Path) -> BinaryIO:
    handle = _open_input(path)
    if compression(handle.read(8)) is not None:
        raise InputError(f"{path}: --follow reads plain text files, not compressed ones")
    handle.seek(0)
    return handle


class Follower:
    """Running analysis of one followed input."""

    def __init__(self, pipeline: Pipeline, name: str) -> None:
        self.pipeline = pipeline
        self.name = name
        self.progress = Progress()
        self.aggregator = Aggregator()
        self._scan = SourceReader(pipeline.scanner, pipeline.options, name, self.progress)
        self._seen: set[str] = set()
        self._cutter = LineCutter()

    def feed(self, block: bytes | None) -> list[Entry]:
        """Take a block (``None``: the current file ended); return the first entry of each
        problem not seen before."""
        chunk = self._cutter.end() if block is None else self._cutter.feed(block)
        if chunk is None:
            return []
        entries = self._scan.chunk(chunk) + self._scan.release()
        self.aggregator.add(entries)
        new = []
        for entry in entries:
            key = entry.key
            if entry.category is None and entry.pattern is not None:
                continue                      # a problem only in numbers: the report decides
            if key not in self._seen:
                self._seen.add(key)
                new.append(entry)
        return new

    def analysis(self, interrupted: bool = False) -> Analysis:
        """The findings so far, as a batch run would report them."""
        return self.pipeline.snapshot([self.name], self.progress, self.aggregator, interrupted)

