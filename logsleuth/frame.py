"""Bytes to chunks of whole lines, a few MiB each, in bounded memory.

A chunk ends at its last newline; the partial line is carried into the next one. A line
longer than ``max_line`` is cut for matching (the rest skipped and counted), so a 50 MB
line can never blow memory.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import BinaryIO, Iterator

from .sources import DECOMPRESSION_ERRORS

CHUNK_SIZE = 1 << 20
MAX_LINE = 1 << 20


@dataclass
class Limit:
    """How many bytes of a stream to read: lowered while it is read when another process
    takes over the rest of a file's part (never below what has been read)."""

    size: int


@dataclass(frozen=True)
class Chunk:
    data: bytes          # whole lines, the last one ending in b"\n"
    truncated: int       # lines cut to max_line in this chunk

    @property
    def lines(self) -> int:
        """Number of lines (the scan counts them anyway, so the pipeline does not ask)."""
        return self.data.count(b"\n")


READ_SIZE = 256 << 10
_READ_FAILURES: tuple[type[BaseException], ...] = (KeyboardInterrupt, *DECOMPRESSION_ERRORS)
_CONTROL_BYTES = bytes(b for b in range(32) if b not in b"\t\n\r\x0c\x1b") + b"\x7f"


def looks_binary(data: bytes, sample: int = 64 << 10) -> bool:
    """More than one in twenty of the first ``sample`` bytes are control bytes that text
    does not hold (NUL, ...): an executable, a database, UTF-16, random bytes."""
    head = data[:sample]
    controls = len(head) - len(head.translate(None, _CONTROL_BYTES))
    return controls * 20 > len(head) > 0


def frames(stream: BinaryIO, chunk_size: int = CHUNK_SIZE, max_line: int = MAX_LINE,
           limit: Limit | None = None) -> Iterator[Chunk]:
    """Yield chunks of whole lines from a binary stream (at most ``limit.size`` bytes of it,
    however it changes between chunks).

    When a damaged compressed stream fails, or the user presses Ctrl-C while a pipe is
    quiet, every line read before is still yielded; then the error is raised again.
    """
    cutter = LineCutter(max_line)
    blocks = _Blocks(stream, chunk_size, limit)
    for block in blocks:
        if (chunk := cutter.feed(block)) is not None:
            yield chunk
    if (last := cutter.end()) is not None:
        yield last
    if blocks.failure is not None:
        raise blocks.failure


class _Blocks:
    """A stream read in blocks of about ``chunk_size`` bytes. Plain files: whole chunks in
    one read. Decompressors and pipes: small ``read1`` calls joined, so a damaged stream or
    Ctrl-C loses nothing already decoded; the error is kept in ``failure``, not raised."""

    def __init__(self, stream: BinaryIO, chunk_size: int, limit: Limit | None) -> None:
        plain_file = isinstance(getattr(stream, "raw", None), io.FileIO) and stream.seekable()
        self._read = stream.read if plain_file else getattr(stream, "read1", stream.read)
        self._read_size = chunk_size if plain_file else min(READ_SIZE, chunk_size)
        self._chunk_size = chunk_size
        self._limit = limit
        self._done = 0                  # bytes read
        self.failure: BaseException | None = None

    def __iter__(self) -> Iterator[bytes]:
        pending: list[bytes] = []
        size = 0
        while self.failure is None:
            block = self._next()
            pending.append(block)
            size += len(block)
            if block and size < self._chunk_size:
                continue
            if size:
                yield b"".join(pending)
            if not block:
                return
            pending, size = [], 0

    def _next(self) -> bytes:
        """The next block read; b"" at the end, the limit, or a failure."""
        wanted = self._read_size
        if self._limit is not None:
            wanted = min(wanted, self._limit.size - self._done)
            if wanted <= 0:
                return b""
        try:
            block = self._read(wanted)
        except _READ_FAILURES as exc:
            self.failure = exc
            return b""
        self._done += len(block)
        return block


class LineCutter:
    r"""Blocks of bytes in, chunks of whole lines out (frames and follow mode share it): the
    partial last line is carried into the next block; a line longer than ``max_line`` is
    cut for matching, the rest skipped, and counted in the chunk's ``truncated``.

    >>> cutter = LineCutter(max_line=8)
    >>> cutter.feed(b"ok\nlonger than eight bytes")
    Chunk(data=b'ok\nlonger t\n', truncated=1)
    >>> cutter.feed(b" still\nnext") is None          # the long line's rest is skipped
    True
    >>> cutter.end()
    Chunk(data=b'next\n', truncated=0)
    """

    def __init__(self, max_line: int = MAX_LINE) -> None:
        self.max_line = max_line
        self._carry = b""
        self._skipping = False

    def feed(self, block: bytes) -> Chunk | None:
        """The whole lines ``block`` completes, or None when it completes none."""
        if self._skipping:
            newline = block.find(b"\n")
            if newline < 0:
                return None
            block, self._skipping = block[newline + 1:], False
        cut = block.rfind(b"\n")         # the carry holds no newline
        if cut < 0:
            body, self._carry = b"", self._carry + block
        else:                           # one copy of the block's whole lines, not two
            head = memoryview(block)[:cut + 1]
            body = b"".join((self._carry, head)) if self._carry else bytes(head)
            self._carry = block[cut + 1:]
        truncated = 0
        if len(self._carry) > self.max_line:
            body += self._carry[:self.max_line] + b"\n"
            self._carry, self._skipping, truncated = b"", True, 1
        if not body:
            return None
        body, cut_lines = cut_long_lines(body, self.max_line)
        return Chunk(body, truncated + cut_lines)

    def end(self) -> Chunk | None:
        """The carried partial line as a last line (the input, or one file of it, ended)."""
        carry, self._carry, self._skipping = self._carry, b"", False
        return Chunk(carry + b"\n", 0) if carry else None


def cut_long_lines(body: bytes, max_line: int) -> tuple[bytes, int]:
    """Cut every line of ``body`` longer than ``max_line`` to that length, wherever the
    chunk edges fall; also return how many were cut.

    Such a line holds a whole newline-free window of ``max_line // 2`` aligned bytes, so a
    few ``find`` calls per chunk rule long lines out.
    """
    half = max(max_line // 2, 1)
    spans: list[tuple[int, int]] = []
    for window in range(0, len(body), half):
        if body.find(b"\n", window, window + half) >= 0:
            continue
        start = body.rfind(b"\n", 0, window) + 1
        end = body.find(b"\n", window)
        end = len(body) if end < 0 else end
        if end - start > max_line and (not spans or spans[-1][0] != start):
            spans.append((start, end))
    if not spans:
        return body, 0
    pieces, done = [], 0
    for start, end in spans:
        pieces.append(body[done:start + max_line])
        done = end
    pieces.append(body[done:])
    return b"".join(pieces), len(spans)
