"""Several cores on one big file: analyse each part of it (:mod:`logsleuth.cuts` says where
they start) in its own process, and fold the parts' aggregates together in file order.

On Linux, in a process with no other thread, a worker is a fork of the caller: it starts
at once with the compiled catalog, and it lends: the caller's part is the shorter, and
once it is done the caller takes over the second half of what a worker has left
(:class:`Lending`), so that a core slowed by a neighbour does not keep the other waiting.
Elsewhere a worker is a fresh interpreter fed through a pipe (a fork copies other
threads' locks, held or not, and macOS's system libraries do not survive one).
"""

from __future__ import annotations

import contextlib
import io
import os
import pickle
import signal
import struct
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, Callable, Iterable, Iterator, cast

from . import cuts
from .environment import made_old
from .frame import Limit
from .progress import Progress
from .sources import Source

if TYPE_CHECKING:
    from .aggregate import Aggregator
    from .pipeline import Pipeline
    from .reader import Scanner

_SPAN = struct.Struct("<qq")  # a lent byte range, as the worker answers it


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


@dataclass
class PartResult:
    """What one part of the input gave: its progress, its aggregate, and whether Ctrl-C
    stopped it."""

    progress: Progress
    aggregator: Aggregator
    interrupted: bool


class Lending:
    """A forked worker's side of lending: between chunks it answers an ask of the caller,
    whose own part is done, by giving up the second half of what it has left to read (from
    a clean start: see :func:`~logsleuth.cuts.clean_start`), or nothing when too little is left. Once its
    reading ends it answers no more: it closes both ends, and the caller's wait ends."""

    def __init__(self, asks: int, answers: int) -> None:
        self._asks, self._answers = asks, answers
        os.set_blocking(asks, False)

    def answer(self, scanner: Scanner, path: Path, begin: int, at: int, limit: Limit) -> None:
        """Answer the caller if it asked; ``at``: the offset read up to in the part that
        began at ``begin`` and reads ``limit`` bytes, which the answer lowers."""
        if self._asks < 0:
            return
        try:
            if not os.read(self._asks, 64):     # the caller is gone
                return
        except BlockingIOError:                 # nothing asked
            return
        end = begin + limit.size
        cut = cuts.clean_start(scanner, path, at + (end - at) // 2) \
            if end - at >= 2 * cuts.MIN_LENT else None
        if cut is None or not at <= cut < end:
            cut = end
        limit.size = cut - begin
        os.write(self._answers, _SPAN.pack(cut, end))

    def close(self) -> None:
        if self._asks >= 0:
            os.close(self._asks)
            os.close(self._answers)
            self._asks = self._answers = -1


@dataclass
class Worker:
    """One part being analysed in a child process, which writes its pickled PartResult to
    ``output`` and exits. ``lends``: the ends (ask, answer) of a fork that lends, and
    ``taken`` the PartResults of what the caller took over from it, by their offset (each
    one taken lies before those taken earlier)."""

    pid: int
    output: io.BufferedReader
    reap: Callable[[], object]
    loaded: list[PartResult | None] = field(default_factory=list)   # once the part is read
    lends: tuple[int, int] | None = None
    taken: dict[int, PartResult] = field(default_factory=dict)

    def borrow(self) -> tuple[int, int] | None:
        """Ask the worker for the second half of what it has left: the byte range it gives
        up, or None (too little is left, it is done reading, or it died). The wait is for
        the chunk it is analysing; Ctrl-C waits for the answer, then stops the run."""
        if self.lends is None:
            return None
        ask, answers = self.lends
        with interrupts_held() as held:
            try:
                os.write(ask, b"?")
                answer = os.read(answers, _SPAN.size)
            except BrokenPipeError:                 # it is done reading
                answer = b""
        if len(answer) < _SPAN.size:
            self._stop_lending()
            answer = _SPAN.pack(0, 0)
        begin, end = _SPAN.unpack(answer)
        if held:
            raise KeyboardInterrupt
        if begin >= end:
            self._stop_lending()
            return None
        return begin, end

    def _stop_lending(self) -> None:
        if self.lends is not None:
            for fd in self.lends:
                os.close(fd)
            self.lends = None

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
            self._stop_lending()
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
    pipes = [os.pipe() for _ in range(3)]           # the part; asks; answers
    (read_end, write_end), (asks, ask), (answers, answer) = pipes
    mask = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    try:
        try:
            pid = os.fork()
        except OSError:
            for fd in sum(pipes, ()):
                os.close(fd)
            raise
        if pid == 0:                                     # the child: never returns
            for fd in (read_end, ask, answers):
                os.close(fd)
            status = 1
            try:
                lending = Lending(asks, answer)
                with os.fdopen(write_end, "wb") as output:
                    status = send_part(output, lambda: pipeline.aggregate_part(
                        source, begin, end, lending), mask)
            finally:
                os._exit(status)
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)
    for fd in (write_end, asks, answer):
        os.close(fd)
    return Worker(pid, os.fdopen(read_end, "rb"), lambda: _reap(pid), lends=(ask, answers))


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
