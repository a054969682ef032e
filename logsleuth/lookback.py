"""The time of an untimed entry (a panic, ``exited with code``): that of the nearest dated
line before it, entry or not. Only the time filters need it, so only they pay for it."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Final, Iterator

from .envelope import EnvelopeParser, decode_line
from .timeparse import Clock

LOOKBACK_LINES: Final = 32     # how far an untimed entry looks back for a dated line
LOOKBACK_BYTES: Final = 64 * 1024


class LookBack:
    r"""Looks back from an entry, across the chunk edge: at most LOOKBACK_LINES lines and
    LOOKBACK_BYTES back in the byte stream, so a part of a file finds what one pass finds
    (a part begins with a dated entry).

    >>> from datetime import timezone
    >>> look = LookBack(Clock(zone=timezone.utc))
    >>> look.passed(b"hs-1  | 2026-07-14T13:05:00Z INF starting\n")
    >>> chunk = b"hs-1  | panic: nil map\nhs-1  | goroutine 1 [running]:\n"
    >>> look.near_time(chunk, chunk.index(b"hs-1  | goroutine")).isoformat()
    '2026-07-14T13:05:00+00:00'
    """

    def __init__(self, clock: Clock) -> None:
        self._clock = clock          # the source's; copied for each look, never taught
        self._tail = b""             # the end of the chunks passed

    def passed(self, chunk: bytes) -> None:
        """Keep the end of a chunk that was read, for looks from the next one."""
        self._tail = (self._tail + chunk[-LOOKBACK_BYTES:])[-LOOKBACK_BYTES:]

    def near_time(self, chunk: bytes, start: int) -> datetime | None:
        """The time of the nearest dated line before byte ``start`` of ``chunk``."""
        parser = EnvelopeParser(clock=replace(self._clock))
        for raw in self._lines_before(chunk, start):
            moment = parser.parse(decode_line(raw)).timestamp
            if moment is not None:
                return moment
        return None

    def _lines_before(self, chunk: bytes, start: int) -> Iterator[bytes]:
        """The lines before ``start``, nearest first, within the limits; the walk goes on
        into the end of the chunks passed (a chunk begins at a line start)."""
        budget, lines = LOOKBACK_BYTES, LOOKBACK_LINES
        for data, end in ((chunk, start), (self._tail, len(self._tail))):
            floor = max(0, end - budget)
            while lines and end > floor:
                begin = max(data.rfind(b"\n", floor, end - 1) + 1, floor)
                yield data[begin:end - 1] if data[end - 1:end] == b"\n" else data[begin:end]
                budget, lines, end = budget - (end - begin), lines - 1, begin
            if not lines or budget <= 0:
                return
