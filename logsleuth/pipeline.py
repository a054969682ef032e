"""The library entry point: run source → frame → scan → envelope → classify → aggregate →
diagnose over some inputs and return an :class:`~logsleuth.result.Analysis`.

>>> from logsleuth import analyze, Options
>>> result = analyze(["docker-compose.log"], Options())       # doctest: +SKIP
>>> [f.category for f in result.findings]                      # doctest: +SKIP
"""

from __future__ import annotations

import io
import sys
from dataclasses import asdict, dataclass, field, fields, replace
from datetime import datetime, timedelta, timezone, tzinfo
from pathlib import Path
from typing import BinaryIO, Iterator

from .aggregate import Aggregator
from .catalog import Catalog, CatalogError, load_catalog
from .classify import Classifier, Entry
from .diagnose import build_causes, build_findings, build_unknown, rank_causes, rank_findings
from .envelope import Clock, EnvelopeParser, first_zone, service_name, strip_controls
from .frame import Chunk, frames, looks_binary
from . import parallel
from .outbound import neutralise
from .redact import redact
from .result import Analysis, LineStats, iso
from .scan import build_rules, candidates, compile_check, make_engine
from .sources import DECOMPRESSION_ERRORS, InputError, Source, expand, open_source
from .templates import merge_templated


BUNDLE_MAX_BYTES = 64 << 20  # a diagnostic bundle is kilobytes; more is read no further
AGGREGATE_BATCH = 5_000   # entries per Polars merge (~15 ms each however small); bounds memory



@dataclass
class Options:
    """What to analyse and how. All fields have sensible defaults."""

    since: datetime | None = None
    until: datetime | None = None
    services: tuple[str, ...] = ()
    lang: str = "en"
    redact: bool = True
    engine: str = "auto"
    pattern_dirs: tuple[Path, ...] = ()
    catalog: Catalog | None = None
    jobs: int = 0
    """Processes for one big plain file; 0 means one per usable core."""
    skip_until: dict[str, datetime] = field(default_factory=dict)
    """Per source name: entries at or before this time were seen by an earlier run."""


@dataclass
class Progress:
    """Running totals of one analysis: lines, time window, services, unreadable inputs."""
    lines: LineStats = field(default_factory=LineStats)
    first: datetime | None = None
    last: datetime | None = None
    errors: list[str] = field(default_factory=list)
    services: set[str] = field(default_factory=set)
    dropped_templates: int = 0
    last_time: dict[str, datetime] = field(default_factory=dict)   # per source
    end_offset: dict[str, int] = field(default_factory=dict)       # per uncompressed file
    future: int = 0                  # entries dated more than a day after the analysis ran
    seen_services: set[str | None] = field(default_factory=set)   # for --service's check
    assumed_utc: bool = False        # zone-less times read as UTC: no line said its zone

    def merge(self, later: Progress) -> None:
        """Fold in the progress over the input that follows ours."""
        for name in (f.name for f in fields(LineStats)):
            setattr(self.lines, name, getattr(self.lines, name) + getattr(later.lines, name))
        self.saw(later.first)
        self.saw(later.last)
        self.future += later.future
        self.assumed_utc |= later.assumed_utc
        self.errors.extend(later.errors)
        self.services |= later.services
        self.seen_services |= later.seen_services
        for name, moment in later.last_time.items():
            self.last_time[name] = max(moment, self.last_time.get(name, moment))
        self.end_offset.update(later.end_offset)

    def saw(self, moment: datetime | None) -> None:
        if moment is None:
            return
        self.first = moment if self.first is None else min(self.first, moment)
        self.last = moment if self.last is None else max(self.last, moment)


class Pipeline:
    """Holds the compiled catalog and scanner; runs inputs through every stage."""

    def __init__(self, options: Options) -> None:
        self.options = options
        self.catalog = options.catalog or load_catalog(options.pattern_dirs)
        self.rules = build_rules(self.catalog)
        try:
            self.engine = make_engine(self.rules, options.engine)
        except CatalogError:
            culprits = compile_check([*self.catalog.patterns, *self.catalog.ignores])
            if culprits:
                entry, reason = culprits[0]
                raise CatalogError(f"{entry.source}: {entry.id}: {reason}") from None
            raise
        self._tomorrow = datetime.now(timezone.utc) + timedelta(days=1)

    def entries(self, sources: list[Source], stdin: BinaryIO,
                progress: Progress | None = None) -> Iterator[list[Entry]]:
        """Batches of classified entries that pass the filters, source after source."""
        progress = progress or Progress()
        for source in sources:
            try:
                stream = open_source(source, stdin)
            except InputError as exc:
                progress.errors.append(str(exc))
                continue
            yield from self._source_entries(source, stream, progress)

    def _source_entries(self, source: Source, stream: BinaryIO, progress: Progress,
                        limit: int | None = None) -> Iterator[list[Entry]]:
        scan = SourceScan(self, source.name, progress, _source_zone(source))
        interrupted: KeyboardInterrupt | None = None
        try:
            for chunk in frames(stream, limit=limit):
                yield scan.chunk(chunk)
        except DECOMPRESSION_ERRORS as exc:
            progress.errors.append(f"{source.name}: input ends early or is damaged ({exc}); "
                                   "everything before the damage was analysed")
        except KeyboardInterrupt as exc:
            interrupted = exc
        yield scan.finish()
        if source.path is not None and hasattr(stream, "raw") and stream.seekable():
            progress.end_offset[source.name] = stream.tell()
        if interrupted is not None:
            raise interrupted

    @staticmethod
    def _window_edges(data: bytes, parser: EnvelopeParser, progress: Progress,
                      tries: int = 8) -> datetime | None:
        """Time of the first and last timed line of a chunk (the analysis window, cheaply);
        returns the last one. The end goes first: year-less lines at the start take their
        year from it."""
        lines = data[:64 * 1024].split(b"\n", tries)[:tries]
        tail = data[-64 * 1024:].rsplit(b"\n", tries + 1)[1:]
        found = None
        for group in (reversed(tail), lines):
            for raw in group:
                envelope = parser.parse(raw[:4096].decode("utf-8", "replace"))
                moment = envelope.timestamp
                if envelope.service:
                    progress.seen_services.add(envelope.service)
                if moment is not None:
                    progress.saw(moment)
                    found = found or moment
                    break
        return found

    def _keep(self, batch: list[Entry], last_time: list[datetime | None],
              progress: Progress) -> list[Entry]:
        """Apply --since/--until/--service; untimed entries take the last time seen."""
        kept = []
        since, until, services = self.options.since, self.options.until, self.options.services
        for entry in batch:
            if entry.timestamp is not None:
                last_time[0] = entry.timestamp
            moment = entry.timestamp or last_time[0]
            seen_until = self.options.skip_until.get(entry.source)
            if seen_until is not None and (moment is None or moment <= seen_until):
                continue
            if since and (moment is None or moment < since):
                continue
            if until and moment is not None and moment > until:
                continue
            if services:
                progress.seen_services.update((entry.service, entry.container))
                if entry.service not in services and entry.container not in services:
                    continue
            progress.saw(entry.timestamp)
            if entry.timestamp is not None and entry.timestamp > self._tomorrow:
                progress.future += 1
            if entry.service:
                progress.services.add(entry.service)
            if entry.pattern is not None:
                progress.lines.matched += entry.last_line - entry.line_no + 1
            else:
                progress.lines.unknown += 1
            kept.append(entry)
        return kept

    def analyze(self, inputs: list[str], stdin: BinaryIO | None = None) -> Analysis:
        """Analyse the inputs (paths, globs, ``-``); Ctrl-C returns what was found so far."""
        return self.analyze_sources(expand(inputs), stdin or sys.stdin.buffer)[0]

    def analyze_sources(self, sources: list[Source], stdin: BinaryIO) -> tuple[Analysis, Progress]:
        """Analyse prepared sources; also return the per-source progress (offsets, times)."""
        progress, aggregator, interrupted = self._aggregate(sources, stdin)
        if not interrupted:
            progress.errors.extend(self.nothing_to_analyse(sources, progress))
        return self.snapshot([s.name for s in sources], progress, aggregator, interrupted), progress

    def nothing_to_analyse(self, sources: list[Source], progress: Progress) -> list[str]:
        """Input problems that would otherwise pass for a clean result: no lines at all, or
        a --since/--until/--service that leaves none of them."""
        total, options = progress.lines.total, self.options
        if total == 0:
            resumed = any(source.offset for source in sources)   # a file that did not grow
            if resumed or progress.errors:
                return []
            return [f"no input: 0 lines read from {', '.join(s.name for s in sources)}"]
        problems = []
        first, last = progress.first, progress.last
        if ((options.since and last and last < options.since)
                or (options.until and first and first > options.until)):
            problems.append(f"0 of {total} lines in the window {_second(options.since) or 'start'}"
                            f" → {_second(options.until) or 'now'} (the input covers {iso(first)} → "
                            f"{iso(last)}): check --since/--until")
        seen = progress.seen_services - {None}
        if options.services and not any(name in seen or service_name(name) in seen
                                        for name in options.services):
            problems.append(f"0 of {total} lines from --service {', '.join(options.services)} "
                            f"(services in the input: {', '.join(sorted(seen)) or 'none named'})")
        return problems

    def snapshot(self, names: list[str], progress: Progress, aggregator: Aggregator,
                 interrupted: bool = False) -> Analysis:
        """The analysis of what has been aggregated so far."""
        stats = self._stats(progress, aggregator)
        findings = build_findings(self.catalog, stats, self.options.lang, progress.first,
                                  progress.last)
        return self._assemble(names, progress, stats, findings, [], interrupted)

    def _stats(self, progress: Progress, aggregator: Aggregator) -> list:
        """Per-key statistics, redacted unless asked not to; books dropped templates."""
        progress.dropped_templates = aggregator.dropped_keys
        return merge_templated(aggregator.results(redact if self.options.redact else str))

    def report(self, path: str) -> Analysis:
        """Analyse a diagnostic-report.txt: every section, then causes across sections.
        A file without the bundle's sections is analysed as a log, with a note saying so."""
        from .bundle import BUNDLE_HEAD, looks_like_bundle, note_text

        try:
            with open(path, "rb") as handle:
                raw = handle.read(BUNDLE_MAX_BYTES + 1)
        except OSError as exc:
            progress = Progress(errors=[f"{path}: {exc.strerror or exc}"])
            return self._assemble([path], progress, [], [], [], False)
        if not looks_like_bundle(raw[:BUNDLE_HEAD]):       # the bytes read, never re-read
            analysis = self.analyze_sources([Source(path, None)],
                                            io.BytesIO(raw[:BUNDLE_MAX_BYTES]))[0]
            analysis.notes[:0] = [note_text("not_a_bundle", self.options.lang, path=path),
                                  *_cap_note(raw)]
            return analysis
        return self.report_bytes(raw, path)

    def report_bytes(self, raw: bytes, path: str) -> Analysis:
        """Analyse the bytes of a diagnostic bundle (read from ``path`` or stdin)."""
        from .bundle import parse_bundle
        from .bundle_rules import (Context, checklist, facts, registry_problems, run_checks,
                                   run_correlations)
        from .deployment import fit_fix

        if problems := registry_problems(self.catalog):
            raise CatalogError(problems[0])
        bundle = parse_bundle(raw)
        logs = bundle.sections.get("logs", "").encode("utf-8")
        progress, aggregator, interrupted = self._aggregate(
            [Source(f"{path} (Recent Logs)", None)], io.BytesIO(logs))
        stats = self._stats(progress, aggregator)
        lang = self.options.lang
        log_findings = build_findings(self.catalog, stats, lang, progress.first, progress.last)
        context = Context(bundle, log_findings)
        for finding in log_findings:
            finding.fix = fit_fix(finding.fix, context.deployment, lang)
        findings = rank_findings([*log_findings, *run_checks(self.catalog, context, lang)])
        causes, superseded = run_correlations(self.catalog, context, findings, lang)
        analysis = self._assemble([path], progress, stats, findings, causes, interrupted)
        analysis.causes = [c for c in analysis.causes if c.id not in superseded]
        analysis.facts = facts(context, asdict(progress.lines), lang)
        analysis.checks = checklist(self.catalog, context, findings, lang)
        analysis.notes = bundle.note_texts(lang) + self._secret_note(raw, lang) + _cap_note(raw)
        # bundle text reaches every part (facts, checks, notes): all of it is masked here
        return neutralise(analysis, for_terminal=False) if self.options.redact else analysis

    @staticmethod
    def _secret_note(raw: bytes, lang: str) -> list[str]:
        from .bundle import note_text

        text = raw.decode("utf-8", "replace")
        return [] if redact(text) == text else [note_text("secrets", lang)]

    def _aggregate(self, sources: list[Source], stdin: BinaryIO):
        progress = Progress()
        aggregator = Aggregator()
        batched = Batched(aggregator)
        interrupted = False
        for source in sources:
            interrupted = self._aggregate_source(source, stdin, progress, batched)
            if interrupted:
                break
        batched.flush()
        return progress, aggregator, interrupted

    def _aggregate_source(self, source: Source, stdin: BinaryIO, progress: Progress,
                          aggregator: Aggregator | Batched) -> bool:
        """Aggregate one source, a big plain file in parts on several cores; True when
        interrupted."""
        ranges = parallel.plan(self, source, self.options.jobs or parallel.usable_cores())
        workers = [parallel.start(self.options, source, *part) for part in ranges[1:]]
        interrupted = self._aggregate_range(source, stdin, progress, aggregator, *ranges[0])
        for worker in workers:
            if interrupted:
                worker.interrupt()
            try:
                result = worker.result()
            except KeyboardInterrupt:
                interrupted = True
                for other in workers:
                    other.interrupt()
                result = worker.result()
            if result is None:
                if not interrupted:         # interrupted while starting: nothing to report
                    progress.errors.append(f"{source.name}: a worker process failed; part of "
                                           "the file was not analysed")
                continue
            progress.merge(result[0])
            aggregator.merge(result[1])
            interrupted = interrupted or result[2]
        return interrupted

    def aggregate_part(self, source: Source, begin: int,
                       end: int) -> tuple[Progress, Aggregator, bool]:
        """Aggregate the bytes ``[begin, end)`` of a plain file (a worker's share)."""
        progress, aggregator = Progress(), Aggregator()
        interrupted = self._aggregate_range(source, io.BytesIO(), progress, aggregator,
                                            begin, end)
        return progress, aggregator, interrupted

    def _aggregate_range(self, source: Source, stdin: BinaryIO, progress: Progress,
                         aggregator: Aggregator | Batched, begin: int, end: int) -> bool:
        """Aggregate a source from byte ``begin`` to ``end`` (-1: to its end)."""
        source = replace(source, offset=begin)
        try:
            stream = open_source(source, stdin)
        except InputError as exc:
            progress.errors.append(str(exc))
            return False
        except KeyboardInterrupt:               # Ctrl-C before the first byte arrived
            return True
        limit = None if end < 0 else end - begin
        pending: list[Entry] = []
        interrupted = False
        try:
            for batch in self._source_entries(source, stream, progress, limit):
                pending.extend(batch)
                if len(pending) >= AGGREGATE_BATCH:
                    ready, pending = pending, []
                    aggregator.add(ready)
        except KeyboardInterrupt:
            interrupted = True
        aggregator.add(pending)
        return interrupted

    def _assemble(self, names: list[str], progress: Progress, stats: list, findings: list,
                  extra_causes: list, interrupted: bool) -> Analysis:
        lang = self.options.lang
        return Analysis(
            sources=names, lines=progress.lines,
            window_first=progress.first, window_last=progress.last,
            services=sorted(progress.services), findings=findings,
            causes=rank_causes([*extra_causes, *build_causes(self.catalog, findings, stats, lang)]),
            unknown=build_unknown(stats), errors=progress.errors, engine=self.engine.name,
            interrupted=interrupted, dropped_templates=progress.dropped_templates,
            notes=self._time_notes(progress, lang),
        )

    @staticmethod
    def _time_notes(progress: Progress, lang: str) -> list[str]:
        notes = []
        if progress.assumed_utc:
            notes.append("部分行没有时区（Go 标准日志或 syslog 时间戳），且该来源没有带时区的行：已按 UTC 读取"
                         if lang == "zh" else
                         "some lines carry no time zone (Go std-log or syslog stamps) and no "
                         "line near them did: they were read as UTC")
        if progress.future:
            notes.append(f"{progress.future} 条记录的时间在未来（最晚 {iso(progress.last)}）：服务器时钟或"
                         "日志时区有误，--since 和显示的时间可能不准"
                         if lang == "zh" else
                         f"{progress.future} entries are dated in the future (up to "
                         f"{iso(progress.last)}): the server clock or the log's time zone is "
                         "off, so --since and the times shown may mislead")
        return notes


class SourceScan:
    """One source's running state through scan → envelope → classify → filters."""

    def __init__(self, pipeline: Pipeline, name: str, progress: Progress,
                 zone: tzinfo | None = None) -> None:
        self._pipeline = pipeline
        self._name = name
        self._progress = progress
        self._clock = Clock(zone=zone)
        self._classifier = Classifier(pipeline.catalog, pipeline.rules, name,
                                      pipeline.options.redact, self._clock)
        self._edges = EnvelopeParser(clock=self._clock)
        self._last_time: list[datetime | None] = [None]
        self._latest: datetime | None = None
        self._next_line = 1
        self._binary = False
        self._kept = 0

    def chunk(self, chunk: Chunk) -> list[Entry]:
        """The entries this chunk completes (the last one may wait for continuations)."""
        progress, pipeline = self._progress, self._pipeline
        data = strip_controls(chunk.data)
        progress.lines.truncated += chunk.truncated
        if self._next_line == 1 and self._clock.zone is None:
            self._clock.zone = first_zone(data)
        edge = pipeline._window_edges(data, self._edges, progress)
        if edge is not None:
            self._latest = max(self._latest, edge) if self._latest else edge
        found, lines = candidates(data, pipeline.engine)
        if self._next_line == 1:
            self._binary = looks_binary(data)
        first_line, self._next_line = self._next_line, self._next_line + lines
        progress.lines.total += lines
        return self._kept_entries(self._classifier.classify(data, first_line, found))

    def release(self) -> list[Entry]:
        """The entry held back for continuation lines, without waiting any longer."""
        return self._kept_entries(self._classifier.flush())

    def _kept_entries(self, entries: list[Entry]) -> list[Entry]:
        kept = self._pipeline._keep(entries, self._last_time, self._progress)
        self._kept += len(kept)
        return kept

    def finish(self) -> list[Entry]:
        """The held-back entry at the end of the source; books the source's last time."""
        progress = self._progress
        progress.lines.truncated += self._classifier.truncated
        self._classifier.truncated = 0
        entries = self.release()
        progress.assumed_utc |= self._clock.assumed_utc
        if self._binary and not self._kept:
            progress.errors.append(f"{self._name}: does not look like text (many NUL or other "
                                   "control bytes) and nothing in it read as a log line")
        seen = [t for t in (self._latest, self._last_time[0]) if t is not None]
        if seen:
            progress.last_time[self._name] = max(seen)
        return entries


def _source_zone(source: Source) -> tzinfo | None:
    """For a file read from an offset (a later part, a resumed nightly run): the zone of
    the file's first zoned line, as a read from its start would take it."""
    if not source.offset or source.path is None:
        return None
    try:
        with open(source.path, "rb") as handle:
            return first_zone(strip_controls(handle.read(1 << 20)))
    except OSError:
        return None


def _cap_note(raw: bytes) -> list[str]:
    """A note when a bundle was longer than what ``report`` reads."""
    if len(raw) <= BUNDLE_MAX_BYTES:
        return []
    return [f"only the first {BUNDLE_MAX_BYTES >> 20 or 1} MiB of the bundle were read"]


def _second(moment: datetime | None) -> str | None:
    """ISO 8601 to the second (a relative --since carries the microseconds of now)."""
    return iso(moment.replace(microsecond=0)) if moment else None


class Batched:
    """An aggregator that is fed AGGREGATE_BATCH entries at a time across sources: a Polars
    merge costs ~15 ms however small, so one per tiny file made 100,000 files take minutes."""

    def __init__(self, aggregator: Aggregator) -> None:
        self._aggregator = aggregator
        self._pending: list[Entry] = []

    def add(self, entries: list[Entry]) -> None:
        self._pending.extend(entries)
        if len(self._pending) >= AGGREGATE_BATCH:
            self.flush()

    def merge(self, later: Aggregator) -> None:
        """Fold in a later part's aggregate, after the entries that come before it."""
        self.flush()
        self._aggregator.merge(later)

    def flush(self) -> None:
        self._aggregator.add(self._pending)
        self._pending = []


def analyze(inputs: list[str], options: Options | None = None,
            stdin: BinaryIO | None = None) -> Analysis:
    """Analyse log inputs and return the ranked findings, causes and unknown errors."""
    return Pipeline(options or Options()).analyze(inputs, stdin)
