"""Flapping windows: whether one value of a field (a node) had ``count`` entries within
``minutes``, kept in memory flat in the number of its entries and mergeable part by part.

The entries are looked for among any REACH × ``count`` consecutive entries of the value
(in input order), not only ``count`` consecutive ones: a log whose lines of one node come
from two or three interleaved timelines (two files, a stamp in another zone) still shows a
burst of one of them. Texts kept as samples (a window's first line, a key's samples) are
bounded by :func:`keep_sample` and shown by :func:`show_sample`.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass, field
from datetime import datetime
from typing import Final, Sequence

from .catalog import Flapping
from .redact import redact

REACH: Final = 4
SAMPLE_CHARS: Final = 4096
"""A sample (a key's, a window's first line) shows at most this much of an entry's text."""
SAMPLE_REACH: Final = 4096
"""... and keeps this much more until it is shown: a secret the cut falls in is still
whole when redaction looks for it (a 48-hex key cut to 40, or a quoted password cut
between its words, no longer has a shape redaction knows)."""


def keep_sample(text: str) -> str:
    """An entry's text as kept for a sample (bounded: a key keeps a few, so 20,000 unknown
    templates of 64 KiB lines would otherwise weigh gigabytes); cheap, per entry."""
    if len(text) <= SAMPLE_CHARS + SAMPLE_REACH:
        return text
    return text[:SAMPLE_CHARS + SAMPLE_REACH] + "…"


def show_sample(text: str) -> str:
    """A kept sample as results show it: a text longer than SAMPLE_CHARS is redacted, then
    cut (with a ``…``), also when the output is not redacted: cut first, a secret could show
    its first part. Once per key and result.

    >>> key = "hskey-auth-" + "Zx9" * 12
    >>> shown = show_sample("x " * 2040 + f"token={key} and more")
    >>> len(shown), shown.endswith("token=[REDACTED]…"), key[:16] in shown
    (4097, True, False)
    >>> show_sample("short")
    'short'
    """
    if len(text) <= SAMPLE_CHARS:
        return text
    masked = redact(text)
    if len(masked) <= SAMPLE_CHARS:
        return masked
    return masked[:SAMPLE_CHARS] + "…"


def span(rule: Flapping) -> int:
    """How many consecutive entries of a value a burst of ``count`` may spread over."""
    return REACH * rule.count


def bunched(minutes: Sequence[int], rule: Flapping) -> bool:
    """Whether ``count`` of the times (epoch minutes) lie within ``minutes`` of each other."""
    if len(minutes) < rule.count:
        return False
    ordered, last = sorted(minutes), rule.count - 1
    return any(ordered[i + last] - ordered[i] < rule.minutes
               for i in range(len(ordered) - last))


@dataclass(slots=True)
class Window:
    """One value's timed entries under a flapping rule: the times (epoch minutes) of its
    first and last ``span - 1``, how many, whether ``count`` of any ``span`` consecutive
    ones fell within ``minutes``; and, for the report, its earliest and latest time and its
    first line (:func:`keep_sample`)."""

    head: array = field(default_factory=lambda: array("q"))
    tail: array = field(default_factory=lambda: array("q"))
    entries: int = 0
    flapped: bool = False
    first: datetime | None = None
    last: datetime | None = None
    sample: str = ""

    def add(self, minute: int, rule: Flapping, moment: datetime, line: str) -> None:
        """One more entry, at ``moment`` (``minute``: the same in epoch minutes)."""
        if self.first is None or self.last is None:
            self.first = self.last = moment
            self.sample = keep_sample(line)
        elif moment < self.first:
            self.first = moment
        elif moment > self.last:
            self.last = moment
        self.entries += 1
        kept, tail = span(rule) - 1, self.tail
        if len(self.head) < kept:
            self.head.append(minute)
        if not self.flapped and len(tail) + 1 >= rule.count:    # else too few to bunch
            low, high = minute - rule.minutes, minute + rule.minutes
            near = [t for t in tail if low < t < high]
            if len(near) + 1 >= rule.count:
                near.append(minute)
                self.flapped = bunched(near, rule)
        tail.append(minute)
        if len(tail) > kept:
            del tail[0]

    def merge(self, later: Window, rule: Flapping) -> None:
        """Fold in the window of the same value over later input: ``span`` consecutive
        entries across the boundary are among our last and its first ``span - 1``."""
        kept, joined = span(rule) - 1, self.tail + later.head
        self.flapped = self.flapped or later.flapped or any(
            bunched(joined[i:i + kept + 1], rule) for i in range(max(len(joined) - kept, 1)))
        self.head = (self.head + later.head)[:kept]
        self.tail = (self.tail + later.tail)[max(len(self.tail) + len(later.tail) - kept, 0):]
        self.entries += later.entries
        if self.first is None or self.last is None:
            self.first, self.last, self.sample = later.first, later.last, later.sample
        elif later.first is not None and later.last is not None:
            self.first, self.last = min(self.first, later.first), max(self.last, later.last)


WindowColumns = tuple[list[bytes], list[bytes], list[int], list[bool], list[datetime | None],
                      list[datetime | None], list[str]]


def window_columns(windows: Sequence[Window]) -> WindowColumns:
    """The windows as columns, pickled many at once (a worker sends thousands) in a
    quarter of the time each one as an object takes."""
    return ([w.head.tobytes() for w in windows], [w.tail.tobytes() for w in windows],
            [w.entries for w in windows], [w.flapped for w in windows],
            [w.first for w in windows], [w.last for w in windows], [w.sample for w in windows])


def windows_from(columns: WindowColumns) -> list[Window]:
    """The windows :func:`window_columns` gave."""
    heads, tails, entries, flapped, firsts, lasts, samples = columns
    return [Window(array("q", head), array("q", tail), count, flap, first, last, sample)
            for head, tail, count, flap, first, last, sample
            in zip(heads, tails, entries, flapped, firsts, lasts, samples)]

