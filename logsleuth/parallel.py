"""Several cores on one big file: split a plain file into line-aligned parts, analyse each
part in its own process, and fold the parts' aggregates together in file order.

A part starts just before a line that begins a timed entry continuing nothing, so merged
continuation lines and "an untimed entry takes the last time seen" come out exactly as in
one pass. Workers are fresh interpreters fed through a pipe: Polars' thread pool does not
survive a fork.
"""

from __future__ import annotations

import os
import pickle
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .classify import Classifier
from .envelope import strip_controls
from .progress import Progress
from .scan import candidates
from .sources import Source, compression

if TYPE_CHECKING:
    from .aggregate import Aggregator
    from .options import Options
    from .reader import Scanner

MIN_PART = 64 << 20          # below this a worker's start-up (~0.5 s) costs more than it saves
SEARCH_WINDOW = 4 << 20      # how far past a split point to look for a clean entry start
HEAD_START = 24 << 20        # the first part is longer: its process needs no start-up


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
    parts = min(jobs, (size - source.offset) // MIN_PART)
    if parts < 2:
        return [(source.offset, -1)]
    head = min(HEAD_START, (size - source.offset) // (4 * parts))
    step = (size - source.offset - head) // parts
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
                entry.pattern is not None and entry.pattern.continuation):
            return near + pos
        pos = end
    return None


@dataclass
class PartResult:
    """What one part of the input gave: its progress, its aggregate, and whether Ctrl-C
    stopped it."""

    progress: Progress
    aggregator: Aggregator
    interrupted: bool


@dataclass
class Worker:
    """One part being analysed in a child process."""

    process: subprocess.Popen

    def interrupt(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)

    def result(self) -> PartResult | None:
        """The part's result, or None if the worker died."""
        assert self.process.stdout is not None        # started with stdout=PIPE
        try:
            data = self.process.stdout.read()
            return pickle.loads(data) if data else None
        except (pickle.UnpicklingError, EOFError):
            return None
        finally:
            self.process.stdout.close()
            self.process.wait()


def start(options: Options, source: Source, begin: int, end: int) -> Worker:
    """Start a worker on ``[begin, end)`` of ``source``. A fresh interpreter, not a fork
    (Polars' threads do not survive one) and not multiprocessing's spawn (which would run the
    caller's own ``__main__`` again in the child)."""
    process = subprocess.Popen([sys.executable, "-c", _WORKER_MAIN],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    assert process.stdin is not None
    process.stdin.write(pickle.dumps((options, source, begin, end)))
    process.stdin.close()
    return Worker(process)


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


def interrupt_once(_signum: int, _frame: object) -> None:
    """Ctrl-C reaches a worker twice (from the terminal and from the parent): stop at the
    first, then finish sending what was found."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise KeyboardInterrupt


# Ctrl-C while the worker is still importing ends it quietly (no traceback on the terminal).
_WORKER_MAIN = """
try:
    from logsleuth.pipeline import run_part
except KeyboardInterrupt:
    raise SystemExit(130)
run_part()
"""
