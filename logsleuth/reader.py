"""The reader: one source through frame → scan → envelope → classify → filter, as
batches of kept entries. Shared by the batch pipeline, follow mode and parallel workers."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, tzinfo
from typing import BinaryIO, Iterator

from .catalog import Catalog, CatalogError, load_catalog
from .classify import Classifier
from .entry import Entry
from .envelope import SEED_BYTES, EnvelopeParser, first_dated, strip_controls
from .timeparse import Clock, first_zone
from .filter import EntryFilter
from .frame import Chunk, Limit, frames, looks_binary
from .options import Options
from .progress import Progress
from .scan import Engine, Rule, build_rules, candidates, compile_check, make_engine
from .sources import DECOMPRESSION_ERRORS, Source, compression

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
                 zone: tzinfo | None = None, head: bytes | None = None) -> None:
        self.name = name
        self.progress = progress
        self.filter = EntryFilter(options, progress)
        self.latest: datetime | None = None
        self._scanner = scanner
        self._clock = Clock(zone=zone)
        time_filtered = bool(options.since or options.until or options.skip_until)
        self._classifier = Classifier(scanner.catalog, scanner.rules, name, options.redact,
                                      self._clock, near_times=time_filtered)
        self._head = head           # the file's first bytes from where this source starts
        self._guessed: list[datetime] = []   # year-less edge times read against today: the
        # first and last, while the source has shown no time of its own
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
            head = data if self._head is None else self._head
            self._clock.dated = first_dated(head, self._clock.zone)
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
        if self.latest is None and self.filter.last_time is None and self._guessed:
            for moment in self._guessed:        # no time but year-less ones
                self._window(moment)
            self.latest = max(self._guessed)
        seen = [t for t in (self.latest, self.filter.last_time) if t is not None]
        if seen:
            progress.last_time[self.name] = max(seen)
        return entries

    def _kept_entries(self, entries: list[Entry]) -> list[Entry]:
        kept = self.filter.keep(entries)
        self._kept += len(kept)
        return kept

    def _see_edges(self, data: bytes) -> None:
        """Widen the window by the first and last line of a chunk whose time is its own
        (cheaply: the filter only sees candidates); the last one is the source's latest
        time so far. A year-less syslog time is not its own: its year comes from the dated
        lines before it, which the edges skip (they are read with a copy of the source's
        clock, which they do not teach: every time depends on the lines before it only,
        wherever chunks end); read against today, they are the window of a source that
        shows no other time (see :meth:`finish`)."""
        edges = EnvelopeParser(clock=replace(self._clock))
        head = data[:64 * 1024].split(b"\n", EDGE_LINES)[:EDGE_LINES]
        tail = data[-64 * 1024:].rsplit(b"\n", EDGE_LINES + 1)[1:]
        last = None
        for group in (reversed(tail), head):
            for raw in group:
                guesses = edges.clock.guesses
                envelope = edges.parse(raw[:4096].decode("utf-8", "replace"))
                if envelope.service:
                    self.progress.seen_services.add(envelope.service)
                if envelope.timestamp is None:
                    continue
                if edges.clock.guesses != guesses:
                    self._guess(raw)
                    continue
                self._window(envelope.timestamp)
                last = last or envelope.timestamp
                break
        self._clock.assumed_utc |= edges.clock.assumed_utc
        if last is not None:
            self.latest = max(self.latest or last, last)

    def _guess(self, raw: bytes) -> None:
        """Widen the first and last year-less edge times, read with no dated line before
        them, while the source has shown no time of its own."""
        if self.latest is not None or self.filter.last_time is not None:
            return
        today = EnvelopeParser(clock=Clock(zone=self._clock.zone))
        moment = today.parse(raw[:4096].decode("utf-8", "replace")).timestamp
        if moment is not None:
            guessed = [*self._guessed, moment]
            self._guessed = [min(guessed), max(guessed)]

    def _window(self, moment: datetime) -> None:
        """A chunk edge's time: what the input covers, and the analysis window when the
        filters keep that time (edges differ between one pass and parts: a time the filters
        drop must not widen the window in one of them only)."""
        self.progress.spans(moment)
        if self.filter.covers(self.name, moment):
            self.progress.saw(moment)


def read_source(scanner: Scanner, options: Options, source: Source, stream: BinaryIO,
                progress: Progress, limit: Limit | None = None) -> Iterator[list[Entry]]:
    """Batches of kept entries from one opened source; damage to a compressed input is an
    error in the progress, Ctrl-C passes after the held-back entry is given out."""
    reader = SourceReader(scanner, options, source.name, progress, source_zone(source),
                          source_head(source))
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


def source_head(source: Source) -> bytes | None:
    """A file's first bytes from the source's offset (None for a stream: its first chunk
    serves; a FIFO is no file: opening it would wait for a writer), so that a part of a file
    ending early finds the dated line that one pass does."""
    if source.path is None or not source.path.is_file():
        return None
    try:
        with open(source.path, "rb") as handle:
            handle.seek(source.offset)
            head = handle.read(SEED_BYTES)
    except OSError:
        return None
    return None if compression(head[:8]) else strip_controls(head)   # compressed: never split


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
