"""The batch pipeline: sources through the reader (frame → scan → envelope → classify →
filter), then aggregate → diagnose, into an :class:`~logsleuth.result.Analysis`.

>>> from logsleuth import Pipeline, Options
>>> result = Pipeline(Options()).analyze(["docker-compose.log"])   # doctest: +SKIP
>>> [f.category for f in result.findings]                          # doctest: +SKIP
"""

from __future__ import annotations

import io
import pickle
import sys
from dataclasses import replace
from typing import BinaryIO, Iterator

from . import cuts, parallel
from .aggregate import Aggregator, KeyStats
from .entry import Entry
from .diagnose import build_causes, build_findings, build_unknown, rank_causes
from .environment import tune_process
from .frame import Limit
from .options import Options
from .outbound import release
from .parallel import Lending, PartResult, Worker
from .progress import Progress, nothing_to_analyse, time_notes
from .reader import Scanner, read_source
from .result import Analysis, Cause, Finding
from .sources import InputError, Source, expand, open_source
from .templates import merge_templated


class Pipeline:
    """Holds the compiled catalog; runs inputs through every stage."""

    def __init__(self, options: Options) -> None:
        self.options = options
        self.scanner = Scanner.build(options)
        self.catalog = self.scanner.catalog

    def entries(self, sources: list[Source], stdin: BinaryIO | None,
                progress: Progress | None = None) -> Iterator[list[Entry]]:
        """Batches of classified entries that pass the filters, source after source."""
        progress = progress or Progress()
        for source in sources:
            try:
                stream = open_source(source, stdin or sys.stdin.buffer)
            except InputError as exc:
                progress.errors.append(str(exc))
                continue
            yield from read_source(self.scanner, self.options, source, stream, progress)

    def events(self, inputs: list[str], stdin: BinaryIO | None,
               progress: Progress) -> Iterator[list[Entry]]:
        """Every kept entry of the inputs in batches; at the end the input problems (no
        lines, a window or service that leaves none) are booked in ``progress``."""
        sources = expand(inputs)
        yield from self.entries(sources, stdin, progress)
        progress.errors.extend(nothing_to_analyse(sources, progress, self.options))

    def analyze(self, inputs: list[str], stdin: BinaryIO | None = None) -> Analysis:
        """Analyse log inputs (paths, globs, ``-``); Ctrl-C returns what was found so far."""
        return self.analyze_sources(expand(inputs), stdin or sys.stdin.buffer)[0]

    def analyze_sources(self, sources: list[Source], stdin: BinaryIO) -> tuple[Analysis, Progress]:
        """Analyse prepared sources; also return the per-source progress (offsets, times)."""
        part = self.aggregate(sources, stdin)
        if not part.interrupted:
            part.progress.errors.extend(nothing_to_analyse(sources, part.progress, self.options))
        names = [s.name for s in sources]
        return self.snapshot(names, part.progress, part.aggregator, part.interrupted), part.progress

    def snapshot(self, names: list[str], progress: Progress, aggregator: Aggregator,
                 interrupted: bool = False) -> Analysis:
        """The analysis of what has been aggregated so far, as it leaves the library."""
        stats = self.statistics(progress, aggregator)
        findings = build_findings(self.catalog, stats, self.options.lang, progress.first,
                                  progress.last)
        analysis = self.assemble(names, progress, stats, findings, [], interrupted)
        return release(analysis, mask_secrets=self.options.redact)

    def statistics(self, progress: Progress, aggregator: Aggregator) -> list[KeyStats]:
        """Per-key statistics; books dropped templates."""
        progress.dropped_templates = aggregator.dropped_keys
        return merge_templated(aggregator.results())

    def assemble(self, names: list[str], progress: Progress, stats: list[KeyStats],
                 findings: list[Finding], extra_causes: list[Cause],
                 interrupted: bool) -> Analysis:
        """The Analysis of ranked findings, their causes and the unknown templates."""
        lang = self.options.lang
        causes = build_causes(self.catalog, findings, stats, lang)
        return Analysis(
            sources=names, lines=progress.lines,
            window_first=progress.first, window_last=progress.last,
            services=sorted(progress.services), findings=findings,
            causes=rank_causes([*extra_causes, *causes]), unknown=build_unknown(stats),
            errors=progress.errors, engine=self.scanner.engine.name, interrupted=interrupted,
            dropped_templates=progress.dropped_templates, notes=time_notes(progress, lang),
        )

    def aggregate(self, sources: list[Source], stdin: BinaryIO) -> PartResult:
        """Aggregate the sources one after another; Ctrl-C stops at the source it hit."""
        result = PartResult(Progress(), Aggregator(), False)
        for source in sources:
            try:
                result.interrupted = self._aggregate_source(source, stdin, result.progress,
                                                            result.aggregator)
            except KeyboardInterrupt:           # between reads: while planning the parts
                result.interrupted = True
            if result.interrupted:
                break
        return result

    def aggregate_part(self, source: Source, begin: int, end: int,
                       lending: Lending | None = None) -> PartResult:
        """Aggregate the bytes ``[begin, end)`` of a plain file (a worker's share), lending
        the rest of it to the caller when asked."""
        result = PartResult(Progress(), Aggregator(), False)
        try:
            result.interrupted = self._aggregate_range(source, io.BytesIO(), result.progress,
                                                       result.aggregator, begin, end, lending)
        finally:
            if lending is not None:
                lending.close()
        return result

    def _aggregate_source(self, source: Source, stdin: BinaryIO, progress: Progress,
                          aggregator: Aggregator) -> bool:
        """Aggregate one source, a big plain file in parts on several cores; True when
        interrupted."""
        ranges = cuts.plan(self.scanner, source, self.options.jobs or parallel.usable_cores(),
                           parallel.forks())
        with parallel.interrupts_held() as held:     # else a worker started would be lost
            workers, left = parallel.start_all(self, source, ranges[1:])
        interrupted = bool(held) or self._aggregate_range(source, stdin, progress, aggregator,
                                                          *ranges[0]) \
            or self._take_over(source, stdin, workers)
        parts, interrupted = parallel.collect(workers, interrupted)
        with parallel.interrupts_held() as held:
            for worker, part in zip(workers, parts):
                if part is None and not interrupted:    # (interrupted: nothing to report)
                    progress.errors.append(f"{source.name}: a worker process failed; part "
                                           "of the file was not analysed")
                for piece in [part, *(worker.taken[at] for at in sorted(worker.taken))]:
                    if piece is not None:
                        progress.merge(piece.progress)
                        aggregator.merge(piece.aggregator)
        interrupted |= bool(held)
        for begin, end in left:             # no process could be started for these: here
            if interrupted:
                break
            interrupted = self._aggregate_range(source, stdin, progress, aggregator, begin, end)
        return interrupted

    def _take_over(self, source: Source, stdin: BinaryIO, workers: list[Worker]) -> bool:
        """With its own part done, take over the second half of what a worker has left to
        read, again while that is worth it; True when interrupted."""
        for worker in workers:
            try:
                while (lent := worker.borrow()) is not None:
                    piece = worker.taken[lent[0]] = PartResult(Progress(), Aggregator(), False)
                    piece.interrupted = self._aggregate_range(source, stdin, piece.progress,
                                                              piece.aggregator, *lent)
                    if piece.interrupted:
                        return True
            except KeyboardInterrupt:
                return True
        return False

    def _aggregate_range(self, source: Source, stdin: BinaryIO, progress: Progress,
                         aggregator: Aggregator, begin: int, end: int,
                         lending: Lending | None = None) -> bool:
        """Aggregate a source from byte ``begin`` to ``end`` (-1: to its end), each chunk's
        entries as they come: an entry's text lives no longer than its chunk, so hostile
        input of long lines weighs a chunk's worth, not thousands of entries' worth.
        ``lending``: answer the caller's asks for the rest between chunks."""
        source = replace(source, offset=begin)
        try:
            stream = open_source(source, stdin)
        except InputError as exc:
            progress.errors.append(str(exc))
            return False
        except KeyboardInterrupt:               # Ctrl-C before the first byte arrived
            return True
        limit = None if end < 0 else Limit(end - begin)
        entries = read_source(self.scanner, self.options, source, stream, progress, limit)
        try:
            for batch in entries:
                with parallel.interrupts_held() as held:     # a batch counts whole or not at all
                    aggregator.add(batch)
                if held:
                    return True
                if lending is not None and limit is not None and source.path is not None:
                    lending.answer(self.scanner, source.path, begin, stream.tell(), limit)
        except KeyboardInterrupt:
            return True
        return False


def run_part() -> None:
    """A worker interpreter: read its job from stdin, write the pickled PartResult to stdout."""
    tune_process()

    def analyse() -> PartResult:
        options, source, begin, end = pickle.loads(sys.stdin.buffer.read())
        return Pipeline(options).aggregate_part(source, begin, end)

    parallel.send_part(sys.stdout.buffer, analyse)

