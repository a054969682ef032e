"""The reader: one source through frame → scan → envelope → classify → filter, as
batches of kept entries. Shared by the batch pipeline, follow mode and parallel workers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import BinaryIO, Iterator

from .catalog import Catalog, CatalogError, load_catalog
from .classify import Classifier
from .entry import Entry
from .envelope import EnvelopeParser, strip_controls
from .timeparse import Clock, first_zone
from .filter import EntryFilter
from .frame import Chunk, frames, looks_binary
from .options import Options
from .progress import Progress
from .scan import Engine, Rule, build_rules, candidates, compile_check, make_engine
from .sources import DECOMPRESSION_ERRORS, Source

EDGE_LINES = 8          # timed lines looked for at each end of a chunk for the window


@dataclass(frozen=True)
class Scanner:
    """The catalog compiled for scanning: its patterns, their scan rules and the engine."""

    catalog: Catalog
    rules: list[Rule]
    engine: Engine

    @classmethod
    def build(cls, options: Options) -> Scanner:
        """Load and compile the catalog; a pattern the engine rejects is named."""
        catalog = options.catalog or load_catalog(options.pattern_dirs)
        rules = build_rules(catalog)
        try:
            return cls(catalog, rules, make_engine(rules, options.engine))
        except CatalogError:
            culprits = compile_check([*catalog.patterns, *catalog.ignores])
            if culprits:
                entry, reason = culprits[0]
                raise CatalogError(f"{entry.source}: {entry.id}: {reason}") from None
            raise


class SourceReader:
    """One source's running state through scan → envelope → classify → filter. ``latest``
    is the newest time seen at a chunk's edges; the filter keeps the last entry time."""

    def __init__(self, scanner: Scanner, options: Options, name: str, progress: Progress,
                 zone: tzinfo | None = None) -> None:
        self.name = name
        self.progress = progress
        self.filter = EntryFilter(options, progress)
        self.latest: datetime | None = None
        self._scanner = scanner
        self._clock = Clock(zone=zone)
        time_filtered = bool(options.since or options.until or options.skip_until)
        self._classifier = Classifier(scanner.catalog, scanner.rules, name, options.redact,
                                      self._clock, near_times=time_filtered)
        self._edges = EnvelopeParser(clock=self._clock)
        self._next_line = 1
        self._binary = False
        self._kept = 0

    def chunk(self, chunk: Chunk) -> list[Entry]:
        """The entries this chunk completes (the last one may wait for continuations)."""
        data = strip_controls(chunk.data)
        self.progress.lines.truncated += chunk.truncated
        if self._next_line == 1:
            self._binary = looks_binary(data)
            if self._clock.zone is None:
                self._clock.zone = first_zone(data)
        self._see_edges(data)
        found, lines = candidates(data, self._scanner.engine)
        first_line, self._next_line = self._next_line, self._next_line + lines
        self.progress.lines.total += lines
        return self._kept_entries(self._classifier.classify(data, first_line, found))

    def release(self) -> list[Entry]:
        """The entry held back for continuation lines, without waiting any longer."""
        return self._kept_entries(self._classifier.flush())

    def finish(self) -> list[Entry]:
        """The held-back entry at the end of the source; books the source's last time."""
        progress = self.progress
        progress.lines.truncated += self._classifier.truncated
        self._classifier.truncated = 0
        entries = self.release()
        progress.assumed_utc |= self._clock.assumed_utc
        if self._binary and not self._kept:
            progress.errors.append(f"{self.name}: does not look like text (many NUL or other "
                                   "control bytes) and nothing in it read as a log line")
        seen = [t for t in (self.latest, self.filter.last_time) if t is not None]
        if seen:
            progress.last_time[self.name] = max(seen)
        return entries

    def _kept_entries(self, entries: list[Entry]) -> list[Entry]:
        kept = self.filter.keep(entries)
        self._kept += len(kept)
        return kept

    def _see_edges(self, data: bytes) -> None:
        """Widen the window by the first and last timed line of a chunk (cheaply: the
        filter only sees candidates); the last one is the source's latest time so far. Every
        edge line is read once before: a year-less line at either end takes the year of a
        dated one at the other (the end's, the latest, where both have one)."""
        head = data[:64 * 1024].split(b"\n", EDGE_LINES)[:EDGE_LINES]
        tail = data[-64 * 1024:].rsplit(b"\n", EDGE_LINES + 1)[1:]
        for raw in (*reversed(tail), *head):
            self._edges.parse(raw[:4096].decode("utf-8", "replace"))
        last = None
        for group in (reversed(tail), head):
            for raw in group:
                envelope = self._edges.parse(raw[:4096].decode("utf-8", "replace"))
                if envelope.service:
                    self.progress.seen_services.add(envelope.service)
                if envelope.timestamp is not None:
                    self._window(envelope.timestamp)
                    last = last or envelope.timestamp
                    break
        if last is not None:
            self.latest = max(self.latest or last, last)

    def _window(self, moment: datetime) -> None:
        """A chunk edge's time: what the input covers, and the analysis window when the
        filters keep that time (edges differ between one pass and parts: a time the filters
        drop must not widen the window in one of them only)."""
        self.progress.spans(moment)
        if self.filter.covers(self.name, moment):
            self.progress.saw(moment)


def read_source(scanner: Scanner, options: Options, source: Source, stream: BinaryIO,
                progress: Progress, limit: int | None = None) -> Iterator[list[Entry]]:
    """Batches of kept entries from one opened source; damage to a compressed input is an
    error in the progress, Ctrl-C passes after the held-back entry is given out."""
    reader = SourceReader(scanner, options, source.name, progress, source_zone(source))
    interrupted: KeyboardInterrupt | None = None
    try:
        for chunk in frames(stream, limit=limit):
            yield reader.chunk(chunk)
    except DECOMPRESSION_ERRORS as exc:
        progress.errors.append(f"{source.name}: input ends early or is damaged ({exc}); "
                               "everything before the damage was analysed")
    except KeyboardInterrupt as exc:
        interrupted = exc
    yield reader.finish()
    if source.path is not None and hasattr(stream, "raw") and stream.seekable():
        progress.end_offset[source.name] = stream.tell()
    if interrupted is not None:
        raise interrupted


def source_zone(source: Source) -> tzinfo | None:
    """For a file read from an offset (a later part, a resumed nightly run): the zone of
    the file's first zoned line, as a read from its start would take it."""
    if not source.offset or source.path is None:
        return None
    try:
        with open(source.path, "rb") as handle:
            return first_zone(strip_controls(handle.read(1 << 20)))
    except OSError:
        return None
