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


@dataclass(frozen=True)
class Chunk:
    data: bytes          # whole lines, the last one ending in b"\n"
    truncated: int       # lines cut to max_line in this chunk

    @property
    def lines(self) -> int:
        """Number of lines (the scan counts them anyway, so the pipeline does not ask)."""
        return self.data.count(b"\n")


READ_SIZE = 256 << 10
_CONTROL_BYTES = bytes(b for b in range(32) if b not in b"\t\n\r\x0c\x1b") + b"\x7f"


def looks_binary(data: bytes, sample: int = 64 << 10) -> bool:
    """More than one in twenty of the first ``sample`` bytes are control bytes that text
    does not hold (NUL, ...): an executable, a database, UTF-16, random bytes."""
    head = data[:sample]
    controls = len(head) - len(head.translate(None, _CONTROL_BYTES))
    return controls * 20 > len(head) > 0


def frames(stream: BinaryIO, chunk_size: int = CHUNK_SIZE, max_line: int = MAX_LINE,
           limit: int | None = None) -> Iterator[Chunk]:
    """Yield chunks of whole lines from a binary stream (at most ``limit`` bytes of it).

    Reads in small blocks so that when a damaged compressed stream fails, or the user
    presses Ctrl-C while a pipe is quiet, every line read before is still yielded; then the
    error is raised again.
    """
    carry = b""
    skipping = False
    pending: list[bytes] = []
    pending_size = 0
    failure: BaseException | None = None
    # Plain files: whole chunks in one read. Decompressors and pipes: small read1 calls,
    # so a damaged stream or Ctrl-C loses nothing that was already decoded.
    plain_file = isinstance(getattr(stream, "raw", None), io.FileIO) and stream.seekable()
    read = stream.read if plain_file else getattr(stream, "read1", stream.read)
    read_size = chunk_size if plain_file else min(READ_SIZE, chunk_size)
    remaining = -1 if limit is None else limit
    while True:
        try:
            block = read(read_size if remaining < 0 else min(read_size, remaining))
            if remaining > 0:
                remaining -= len(block)
        except (KeyboardInterrupt, *DECOMPRESSION_ERRORS) as exc:
            # Damaged input or Ctrl-C: yield what was read, then raise again.
            block, failure = b"", exc
        if block:
            pending.append(block)
            pending_size += len(block)
            if pending_size < chunk_size:
                continue
        if not pending:
            break
        block = b"".join(pending)
        pending, pending_size = [], 0
        if skipping:
            newline = block.find(b"\n")
            if newline < 0:
                continue
            block, skipping = block[newline + 1:], False
        data = carry + block if carry else block
        cut = data.rfind(b"\n")
        body, carry = (data[:cut + 1], data[cut + 1:]) if cut >= 0 else (b"", data)
        truncated = 0
        if len(carry) > max_line:
            body += carry[:max_line] + b"\n"
            carry, skipping, truncated = b"", True, 1
        if body:
            body, cut = cut_long_lines(body, max_line)
            yield Chunk(body, truncated + cut)
        if failure is not None:
            break
    if carry:
        yield Chunk(carry + b"\n", 0)
    if failure is not None:
        raise failure


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
