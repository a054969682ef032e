"""Flapping windows: whether one value of a field (a node) repeats ``count`` times within
``minutes``, kept in memory flat in the number of its entries and mergeable part by part."""

from __future__ import annotations

from dataclasses import dataclass

from .catalog import Flapping


@dataclass(slots=True)
class Window:
    """The times (epoch minutes) of one value's timed entries under a flapping rule: the
    first and the last ``count - 1``, how many, and whether ``count`` consecutive ones fell
    within ``minutes``. Consecutive in input order: for a log in time order, any ``count``."""

    head: list[int]
    tail: list[int]
    entries: int = 0
    flapped: bool = False

    def add(self, minute: int, rule: Flapping) -> None:
        """One more entry, at ``minute``."""
        self.entries += 1
        kept, tail = rule.count - 1, self.tail
        if len(self.head) < kept:
            self.head.append(minute)
        if not self.flapped and len(tail) == kept \
                and max(minute, *tail) - min(minute, *tail) < rule.minutes:
            self.flapped = True
        tail.append(minute)
        if len(tail) > kept:
            del tail[0]

    def merge(self, later: Window, rule: Flapping) -> None:
        """Fold in the window of the same value over later input; ``count`` consecutive
        entries across the boundary are among our last and its first ``count - 1``."""
        kept, joined = rule.count - 1, self.tail + later.head
        self.flapped = self.flapped or later.flapped or any(
            max(joined[i:i + kept + 1]) - min(joined[i:i + kept + 1]) < rule.minutes
            for i in range(len(joined) - kept))
        self.head = (self.head + later.head)[:kept]
        self.tail = (self.tail + later.tail)[max(len(self.tail) + len(later.tail) - kept, 0):]
        self.entries += later.entries
