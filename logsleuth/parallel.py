"""Several cores on one big file: split a plain file into line-aligned parts, analyse each
part in its own process, and fold the parts' aggregates together in file order.

A part starts just before a line that begins a timed entry continuing nothing (nor could
continue a trace) whose time is its own (not a year-less syslog time, which takes its year
from the lines before), so merged continuation lines and traces, and "an untimed entry
takes the last time seen", come out exactly as in one pass. On Linux, in a process with no other
thread, a worker is a fork of the caller: it starts at once with the compiled catalog.
Elsewhere it is a fresh interpreter fed through a pipe (a fork copies other threads' locks,
held or not, and macOS's system libraries do not survive one).
"""

from __future__ import annotations

import contextlib
import io
import os
import pickle
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, Callable, Iterable, Iterator, cast

from .classify import Classifier
from .entry import Entry
from .envelope import EnvelopeParser, continuation_body, decode_line, strip_controls
from .environment import made_old
from .progress import Progress
from .scan import candidates
from .sources import Source, compression
from .timeparse import Clock

if TYPE_CHECKING:
    from .aggregate import Aggregator
    from .pipeline import Pipeline
    from .reader import Scanner

MIN_PART = 64 << 20          # below this a worker's start-up (~0.5 s) costs more than it saves
SEARCH_WINDOW = 4 << 20      # how far past a split point to look for a clean entry start
HEAD_START = 24 << 20        # the first part is longer when workers start a new interpreter
_LONG_AGO = datetime(1990, 7, 1, tzinfo=timezone.utc)   # a latest time no log line is near


def forks() -> bool:
    """Whether workers are forks of this process: on Linux, with no other thread running,
    counted by the kernel (a library's native thread pool, such as Polars', counts too)."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        return len(os.listdir("/proc/self/task")) == 1
    except OSError:
        return threading.active_count() == 1


def usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def plan(scanner: Scanner, source: Source, jobs: int) -> list[tuple[int, int]]:
    """Byte ranges ``[start, end)`` covering the unread rest of ``source``; a single range
    when the input is not a plain file or too small to be worth splitting."""
    path = source.path
    if path is None or jobs < 2 or not path.is_file():
        return [(source.offset, -1)]
    size = path.stat().st_size
    with open(path, "rb") as handle:
        if compression(handle.read(8)) is not None:
            return [(source.offset, -1)]
    rest = size - source.offset
    parts = min(jobs, rest // MIN_PART)
    if parts < 2:
        return [(source.offset, -1)]
    head = 0 if forks() else min(HEAD_START, rest // (4 * parts))
    step = (rest - head) // parts
    starts = [source.offset]
    for index in range(1, parts):
        start = clean_start(scanner, path, source.offset + head + index * step)
        if start is not None and start > starts[-1]:
            starts.append(start)
    return list(zip(starts, [*starts[1:], size]))


def clean_start(scanner: Scanner, path: Path, near: int) -> int | None:
    """Offset of the first line after ``near`` that begins a timed entry which does not
    continue the line before it; None when there is none close by."""
    with open(path, "rb") as handle:
        handle.seek(near)
        window = handle.read(SEARCH_WINDOW)
    classifier = Classifier(scanner.catalog, scanner.rules, "", redact_output=False)
    pos = window.find(b"\n") + 1
    while pos:
        end = window.find(b"\n", pos) + 1
        if not end:
            return None
        line = strip_controls(window[pos:end])
        found, _ = candidates(line, scanner.engine)
        entry = classifier.entry(line, 1, found[0]) if found else None
        if entry is not None and entry.timestamp is not None and not (
                entry.pattern is not None and entry.pattern.continuation) \
                and not _may_continue_a_trace(scanner, line, entry.container) \
                and _time_is_its_own(line, entry):
            return near + pos
        pos = end
    return None


def _time_is_its_own(line: bytes, entry: Entry) -> bool:
    """Whether the line reads the same time after any lines: not a year-less syslog time,
    whose year is the one that keeps it at or before the latest dated line before it."""
    after = EnvelopeParser(clock=Clock(latest=_LONG_AGO)).parse(decode_line(line.rstrip(b"\n")))
    return after.timestamp == entry.timestamp


def _may_continue_a_trace(scanner: Scanner, line: bytes, container: str | None) -> bool:
    """Whether a line could continue a trace begun above it: with docker -t every line of a
    stack or of a pasted JSON document is timed, and a known one is an entry by itself."""
    body = continuation_body(decode_line(line.rstrip(b"\n")), container)
    return body is not None and any(t.compiled_body.match(body) for t in scanner.catalog.traces)


@dataclass
class PartResult:
    """What one part of the input gave: its progress, its aggregate, and whether Ctrl-C
    stopped it."""

    progress: Progress
    aggregator: Aggregator
    interrupted: bool


@dataclass
class Worker:
    """One part being analysed in a child process, which writes its pickled PartResult to
    ``output`` and exits."""

    pid: int
    output: io.BufferedReader
    reap: Callable[[], object]
    loaded: list[PartResult | None] = field(default_factory=list)   # once the part is read

    def interrupt(self) -> None:
        with contextlib.suppress(ProcessLookupError):     # it has ended already
            os.kill(self.pid, signal.SIGINT)

    def result(self) -> PartResult | None:
        """The part's result, or None if the worker died. It is read as it is written, so
        that the worker's pickling and this unpickling overlap. Ctrl-C may cut the wait
        for its first byte; once it comes, Ctrl-C waits for the whole part (tens of
        milliseconds) and then stops the run, the part kept for asking again."""
        if not self.loaded:
            self.output.peek(1)              # the worker is still analysing its part
            with interrupts_held() as held:
                try:
                    self.loaded.append(self._read())
                except KeyboardInterrupt:    # a stop not held (SIGTERM) cut the part: lost
                    self.loaded.append(None)
                    raise
            if held:
                raise KeyboardInterrupt
        return self.loaded[0]

    def _read(self) -> PartResult | None:
        try:
            with made_old():
                return pickle.load(self.output)
        except (pickle.UnpicklingError, EOFError):
            return None
        finally:
            self.output.close()
            self.reap()


def start(pipeline: Pipeline, source: Source, begin: int, end: int) -> Worker:
    """Start a worker on ``[begin, end)`` of ``source``: a fork where :func:`forks`, else a
    fresh interpreter (not multiprocessing's spawn, which would run the caller's own
    ``__main__`` again in the child)."""
    if forks():
        return _forked(pipeline, source, begin, end)
    process = subprocess.Popen([sys.executable, "-c", _WORKER_MAIN],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    assert process.stdin is not None and process.stdout is not None
    try:
        process.stdin.write(pickle.dumps((pipeline.options, source, begin, end)))
        process.stdin.close()
    except OSError:                     # it died before reading its job: the caller takes it
        process.kill()
        process.wait()
        process.stdout.close()
        with contextlib.suppress(OSError):      # a write that failed leaves its buffer unsent
            process.stdin.close()
        raise
    return Worker(process.pid, cast(io.BufferedReader, process.stdout), process.wait)


def start_all(pipeline: Pipeline, source: Source,
              ranges: list[tuple[int, int]]) -> tuple[list[Worker], list[tuple[int, int]]]:
    """Workers on ``ranges``, in order, and the ranges left when the system refused one more
    process (EAGAIN, ENOMEM...): the caller analyses those itself."""
    workers: list[Worker] = []
    for at, part in enumerate(ranges):
        try:
            workers.append(start(pipeline, source, *part))
        except OSError:
            return workers, ranges[at:]
    return workers, []


def _forked(pipeline: Pipeline, source: Source, begin: int, end: int) -> Worker:
    """Fork a worker. Ctrl-C is held back across the fork: the child takes it only once its
    own handlers are in place (not inside the interpreter's after-fork hooks)."""
    read_end, write_end = os.pipe()
    mask = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    try:
        try:
            pid = os.fork()
        except OSError:
            os.close(read_end)
            os.close(write_end)
            raise
        if pid == 0:                                     # the child: never returns
            os.close(read_end)
            status = 1
            try:
                with os.fdopen(write_end, "wb") as output:
                    status = send_part(output, lambda: pipeline.aggregate_part(source, begin, end),
                                       mask)
            finally:
                os._exit(status)
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)
    os.close(write_end)
    return Worker(pid, os.fdopen(read_end, "rb"), lambda: _reap(pid))


def _reap(pid: int) -> None:
    """Wait for a forked worker to end (it may have been reaped already: Ctrl-C came after
    the wait)."""
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, 0)


def send_part(output: BinaryIO, analyse: Callable[[], PartResult],
              mask: Iterable[int] | None = None) -> int:
    """A worker's life: Ctrl-C stops the analysis (what was found is sent), the pickled
    result goes to ``output``; the exit status. ``mask``: the signal mask to restore once
    the handlers are in place."""
    if signal.getsignal(signal.SIGINT) is not signal.SIG_IGN:     # else a background job's
        signal.signal(signal.SIGINT, interrupt_once)
    signal.signal(signal.SIGTERM, interrupt_once)
    if mask is not None:
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)
    try:
        result = analyse()
    except KeyboardInterrupt:
        return 130
    pickle.dump(result, output)          # frame by frame: the caller unpickles as they come
    output.flush()
    return 0


def collect(workers: list[Worker], interrupted: bool) -> tuple[list[PartResult | None], bool]:
    """Every worker's result in order (None: it died), and whether Ctrl-C came; once it
    has, the workers still running are asked to stop and send what they found."""
    results = []
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
        interrupted = interrupted or (result is not None and result.interrupted)
        results.append(result)
    return results, interrupted


@contextlib.contextmanager
def interrupts_held() -> Iterator[list[int]]:
    """Ctrl-C inside the block waits until it ends (a merge cut halfway would count some
    entries twice); the yielded list is not empty when one came. Only the main thread
    receives signals, and a process that ignores Ctrl-C (started in the background) goes
    on ignoring it: elsewhere the block runs as is. A worker (:func:`interrupt_once`) that
    took one, held or not, ignores the next: its caller's, while it sends its part."""
    came: list[int] = []
    if threading.current_thread() is not threading.main_thread() \
            or signal.getsignal(signal.SIGINT) is signal.SIG_IGN:    # a background job's
        yield came
        return

    def hold(signum: int, _frame: object) -> None:
        came.append(signum)

    previous = signal.signal(signal.SIGINT, hold)
    try:
        yield came
    finally:
        if signal.getsignal(signal.SIGINT) is hold:     # else interrupt_once took a SIGTERM
            signal.signal(signal.SIGINT, previous)
            if came and previous is interrupt_once:
                _ignore_stops()


def interrupt_once(_signum: int, _frame: object) -> None:
    """Ctrl-C reaches a worker twice (from the terminal and from the parent): stop at the
    first, then finish sending what was found."""
    _ignore_stops()
    raise KeyboardInterrupt


def _ignore_stops() -> None:
    """A worker that was told to stop ignores being told again."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)


# Ctrl-C while the worker is still importing ends it quietly (no traceback on the terminal).
_WORKER_MAIN = """
try:
    from logsleuth.pipeline import run_part
except KeyboardInterrupt:
    raise SystemExit(130)
run_part()
"""
