"""The filter stage: --since / --until / --service and what an earlier run already saw;
books what it keeps (time window, services, matched and unknown lines)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from .entry import Entry
from .options import Options
from .progress import Progress


class EntryFilter:
    """Keeps the entries of one source that pass the filters. An untimed entry takes the
    time of the last timed entry before it (``last_time``)."""

    def __init__(self, options: Options, progress: Progress) -> None:
        self.options = options
        self.progress = progress
        self.last_time: datetime | None = None
        self._tomorrow = datetime.now(timezone.utc) + timedelta(days=1)

    def keep(self, batch: list[Entry]) -> list[Entry]:
        """The entries of ``batch`` that pass, in order, booked in the progress."""
        options = self.options
        everything = not (options.skip_until or options.since or options.until
                          or options.services)
        kept = []
        for entry in batch:
            moment = entry.timestamp
            if moment is not None:
                self.last_time = moment
            if everything or self._passes(entry, moment or entry.near_time or self.last_time):
                kept.append(entry)
        self._book(kept)
        return kept

    def covers(self, source: str, moment: datetime) -> bool:
        """Whether a time falls inside the window and after what an earlier run saw."""
        options = self.options
        seen_until = options.skip_until.get(source)
        return not ((seen_until is not None and moment <= seen_until)
                    or (options.since and moment < options.since)
                    or (options.until and moment > options.until))

    def _passes(self, entry: Entry, moment: datetime | None) -> bool:
        options = self.options
        seen_until = options.skip_until.get(entry.source)
        if seen_until is not None and (moment is None or moment <= seen_until):
            return False
        if options.since and (moment is None or moment < options.since):
            return False
        if options.until and moment is not None and moment > options.until:
            return False
        if not options.services:
            return True
        self.progress.seen_services.update(n for n in (entry.service, entry.container) if n)
        return entry.service in options.services or entry.container in options.services

    def _book(self, kept: list[Entry]) -> None:
        """Book the kept entries: the window widened once by their earliest and latest
        time (what booking them one by one gives), services, matched and unknown lines."""
        progress, lines, tomorrow = self.progress, self.progress.lines, self._tomorrow
        earliest = latest = None
        for entry in kept:
            moment = entry.timestamp
            if moment is not None:
                if earliest is None or latest is None:
                    earliest = latest = moment
                elif moment < earliest:
                    earliest = moment
                elif moment > latest:
                    latest = moment
                if moment > tomorrow:
                    progress.future += 1
            if entry.service:
                progress.services.add(entry.service)
            if entry.pattern is not None:
                lines.matched += entry.last_line - entry.line_no + 1
            else:
                lines.unknown += 1
        if earliest is not None and latest is not None:
            for moment in (earliest, latest):
                progress.saw(moment)
                progress.spans(moment)
