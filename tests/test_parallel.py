"""A big plain file analysed in parts on several processes gives the one-pass result."""

from __future__ import annotations

import io
import json
import os
import pickle
import signal
import struct
import subprocess
import sys
import threading
import time

import pytest

from logsleuth import Options, Pipeline, cuts, parallel
from logsleuth.aggregate import Aggregator
from logsleuth.frame import Limit
from logsleuth.progress import Progress
from logsleuth.sources import Source

from .conftest import FIXTURES


@pytest.fixture(scope="module")
def big_log(tmp_path_factory):
    """Every envelope fixture, repeated: continuations, untimed lines, several formats."""
    text = b"".join(p.read_bytes() for p in sorted(FIXTURES.glob("*.log")))
    path = tmp_path_factory.mktemp("parallel") / "big.log"
    path.write_bytes(text * 40)
    return path


def test_parts_start_at_a_timed_entry_that_continues_nothing(big_log, monkeypatch):
    monkeypatch.setattr(cuts, "MIN_PART", 16 << 10)
    pipeline = Pipeline(Options())
    ranges = cuts.plan(pipeline.scanner, Source(str(big_log), big_log), 4, parallel.forks())
    assert len(ranges) == 4
    data = big_log.read_bytes()
    assert ranges[0][0] == 0 and ranges[-1][1] == len(data)
    for (_, end), (begin, _) in zip(ranges, ranges[1:]):
        assert end == begin and data[begin - 1:begin] == b"\n"
        line = data[begin:data.index(b"\n", begin)].decode()
        entries = [e for batch in pipeline.entries([Source("x", None)], io.BytesIO(line.encode()))
                   for e in batch]
        assert entries and entries[0].timestamp is not None


@pytest.mark.parametrize("forking", [True, False])
def test_the_callers_part_is_shorter_with_forks_and_longer_with_new_interpreters(
        big_log, monkeypatch, forking):
    """Forks start at once and lend, so the caller takes less and then takes over; new
    interpreters start late and cannot lend, so the caller takes more."""
    monkeypatch.setattr(cuts, "MIN_PART", 16 << 10)
    size = big_log.stat().st_size
    if forking:
        expected = size * (1 - cuts.SHORTFALL) / (2 - cuts.SHORTFALL)
    else:
        expected = (size + min(cuts.HEAD_START, size // 8)) / 2
    (begin, cut), (_, end) = cuts.plan(Pipeline(Options()).scanner,
                                       Source(str(big_log), big_log), 2, forking)
    assert begin == 0 and end == size and 0 <= cut - expected < 4096, (size, cut)


def test_parts_give_the_same_analysis_as_one_pass(big_log, monkeypatch):
    monkeypatch.setattr(cuts, "MIN_PART", 16 << 10)
    one = Pipeline(Options(jobs=1)).analyze([str(big_log)]).to_dict()
    split = Pipeline(Options(jobs=3)).analyze([str(big_log)]).to_dict()
    assert one["lines"]["total"] == big_log.read_bytes().count(b"\n")
    assert one["findings"] and one == split


def test_no_part_starts_inside_a_trace_whose_lines_are_all_timed(tmp_path, monkeypatch):
    """docker logs -t stamps every line of a pasted JSON error body: its known lines are
    timed entries of their own, but a part starting at one would cut the document in two
    (two findings where one pass finds one)."""
    monkeypatch.setattr(cuts, "MIN_PART", 1 << 10)
    stamp = "2025-01-04T10:00:00.123456789Z "
    document = ["{", '  "code": "OAUTH_RESPONSE_BODY_ERROR",', '  "error": {',
                '    "name": "invalid_client",', '    "description": "Client not found."', "  }", "}"]
    before = [f"{stamp}routine line {n}" for n in range(200)] + [stamp + document[0], stamp + document[1]]
    after = [stamp + line for line in document[2:]] + [
        f"{stamp}2025-01-04T10:00:{n % 60:02d}Z ERR failed to write to node node.id={n}"
        for n in range(200)]
    head, tail = "\n".join(before) + "\n", "\n".join(after) + "\n"
    path = tmp_path / "stamped.log"          # the middle of the file falls inside the document
    path.write_text(f"{stamp}lead\n" * ((len(tail) - len(head)) // 36) + head + tail)
    ranges = cuts.plan(Pipeline(Options()).scanner, Source(str(path), path), 2, parallel.forks())
    data = path.read_bytes()
    assert len(ranges) == 2 and data.index(b'"description"') < ranges[1][0]
    one = Pipeline(Options(jobs=1)).analyze([str(path)]).to_dict()
    assert [f["category"] for f in one["findings"]] == ["oidc"]
    assert Pipeline(Options(jobs=2)).analyze([str(path)]).to_dict() == one


@pytest.fixture(scope="module")
def long_log(tmp_path_factory):
    """Every envelope fixture eight times over 11 MB, between routine lines that no rule
    takes (a worker reads its part in several chunks), each time with a warning of its own
    (which one is the latest tells whether parts were merged in order)."""
    known = b"".join(p.read_bytes() for p in sorted(FIXTURES.glob("*.log")))
    routine = b"".join(b"2026-07-14T11:%02d:%02dZ INF routine poll of node %d done\n"
                       % (n // 60 % 60, n % 60, n) for n in range(24_000))
    path = tmp_path_factory.mktemp("parallel") / "long.log"
    path.write_bytes(b"".join(
        known + b"2026-07-14T12:%02d:00Z ERR user msg: state did not match round=%d\n" % (n, n)
        + routine for n in range(8)))
    return path


_TAKE_OVER = """
import json, os, sys, time
from logsleuth import Options, Pipeline, cuts, parallel
from logsleuth.aggregate import Aggregator

caller, add = os.getpid(), Aggregator.add

def slow_in_the_worker(self, entries):
    if os.getpid() != caller:
        time.sleep(0.25)
    add(self, entries)

log = sys.argv[1]
one = Pipeline(Options(jobs=1)).analyze([log]).to_dict()
cuts.MIN_PART, cuts.MIN_LENT, cuts.SHORTFALL = 1 << 20, 64 << 10, 0.9
Aggregator.add = slow_in_the_worker
lent, borrow = [], parallel.Worker.borrow
parallel.Worker.borrow = lambda self: lent.append(borrow(self)) or lent[-1]
split = Pipeline(Options(jobs=2)).analyze([log]).to_dict()
print(json.dumps({"forks": parallel.forks(), "lent": lent, "one": one, "same": split == one}))
"""


def test_the_caller_takes_over_what_a_slow_worker_has_left_and_the_result_is_one_passs(
        long_log):
    """The caller's part is a tenth of the worker's, and the worker is slow (a neighbour
    on its core): the caller takes over half of what it has left, and again half of what is
    left then (before the first), and the analysis is still the one-pass one (the latest
    sample too: the parts were merged in file order). In a fresh process: this suite runs
    Polars' threads, which rule forks out."""
    done = subprocess.run([sys.executable, "-c", _TAKE_OVER, str(long_log)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    run = json.loads(done.stdout)
    size = long_log.stat().st_size
    taken = [span for span in run["lent"] if span is not None]
    assert run["forks"] and len(taken) >= 2 and run["lent"][-1] is None, run["lent"]
    assert taken[1][1] == taken[0][0] and all(0 < begin < end <= size for begin, end in taken)
    assert run["one"]["findings"]
    assert run["one"]["lines"]["total"] == long_log.read_bytes().count(b"\n")
    assert run["same"]


def test_a_worker_lends_the_second_half_of_what_it_has_left_from_a_clean_start(long_log,
                                                                               monkeypatch):
    """Asked, a worker lowers its limit to a line that could start a part and answers with
    the range it gave up; not asked, or with too little left, it keeps its part."""
    monkeypatch.setattr(cuts, "MIN_LENT", 64 << 10)
    pipeline = Pipeline(Options())
    data = long_log.read_bytes()
    asks, ask = os.pipe()
    answers, answer = os.pipe()
    lending = parallel.Lending(asks, answer)
    try:
        limit = Limit(len(data) - 1000)
        lending.answer(pipeline.scanner, long_log, 1000, 2 << 20, limit)
        assert limit.size == len(data) - 1000                   # nothing was asked
        os.write(ask, b"?")
        lending.answer(pipeline.scanner, long_log, 1000, 2 << 20, limit)
        cut, end = struct.unpack("<qq", os.read(answers, 16))
        assert end == len(data) and limit.size == cut - 1000
        middle = (2 << 20) + (len(data) - (2 << 20)) // 2
        assert 0 < cut - middle < cuts.SEARCH_WINDOW and data[cut - 1:cut] == b"\n"
        assert cut == cuts.clean_start(pipeline.scanner, long_log, middle)
        os.write(ask, b"?")
        lending.answer(pipeline.scanner, long_log, 1000, cut - 1000, limit)   # 1 KB left
        assert struct.unpack("<qq", os.read(answers, 16)) == (cut, cut)
        assert limit.size == cut - 1000
    finally:
        lending.close()
        os.close(ask)
        os.close(answers)


def test_a_worker_done_reading_or_dead_lends_nothing_and_the_caller_does_not_wait():
    for worker_side in ("closed", "exited"):
        asks, ask = os.pipe()
        answers, answer = os.pipe()
        stand_in = subprocess.Popen(["true"])
        os.close(asks)
        os.close(answer)                   # what a worker's Lending.close (or its exit) does
        worker = parallel.Worker(stand_in.pid, io.BufferedReader(io.BytesIO()), stand_in.wait,
                                 lends=(ask, answers))
        assert worker.borrow() is None and worker.lends is None, worker_side
        assert worker.borrow() is None
        stand_in.wait()


def test_a_year_less_syslog_line_is_no_clean_start(tmp_path):
    """Its year is the one that keeps it at or before the latest dated line before it,
    which a part cannot see: the part starts at the next line whose time is its own."""
    syslog = b"Mar  2 23:18:12 host headscale[9]: node has disconnected node=laptop-%d\n"
    dated = b"2025-03-02T23:18:13Z ERR node has disconnected node=laptop-%d\n"
    path = tmp_path / "mixed.log"
    path.write_bytes(b"".join(syslog % n for n in range(50)) + b"".join(dated % n for n in range(5)))
    start = cuts.clean_start(Pipeline(Options()).scanner, path, 0)
    assert start == len(b"".join(syslog % n for n in range(50)))


BACKWARDS = """\
2026-07-14T10:00:00Z ERR failed to update last seen in database error="database is locked (5) (SQLITE_BUSY)"
Jul 14 10:02:11 nas tailscaled[812]: netcheck: UDP is blocked, trying HTTPS
2026-07-14T10:03:00Z ERR failed to update last seen in database error="database is locked (5) (SQLITE_BUSY)"
2026-07-01T00:00:01Z ERR failed to update last seen in database error="database is locked (5) (SQLITE_BUSY)"
Jul 14 10:02:12 nas tailscaled[812]: netcheck: UDP is blocked, trying HTTPS
2026-07-01T00:00:02Z ERR failed to update last seen in database error="database is locked (5) (SQLITE_BUSY)"
Dec 31 23:59:59 nas tailscaled[812]: netcheck: UDP is blocked, trying HTTPS
"""


def test_parts_from_any_clean_start_read_every_time_as_one_pass_where_dates_go_back(tmp_path):
    """A year-less line takes the year nearest the last dated line before it (not the
    latest of all before it, which a later part cannot see): wherever the file is cut,
    the parts give the one-pass analysis."""
    path = tmp_path / "backwards.log"
    path.write_text(BACKWARDS * 3)
    pipeline = Pipeline(Options(jobs=1))
    source = Source(str(path), path)
    one = pipeline.analyze([str(path)]).to_dict()
    udp = next(f for f in one["findings"] if f["pattern_id"] == "net.udp_blocked")
    assert (udp["first_seen"], udp["last_seen"]) == ("2025-12-31T23:59:59Z", "2026-07-14T10:02:12Z")
    data, size = path.read_bytes(), path.stat().st_size
    starts = sorted({cuts.clean_start(pipeline.scanner, path, at - 1)
                     for at in range(1, size) if data[at - 1:at] == b"\n"} - {None})
    assert len(starts) >= 9                   # every dated line but the first: all but 3 a copy
    for cut in starts:
        head, tail = pipeline.aggregate_part(source, 0, cut), pipeline.aggregate_part(source, cut, size)
        head.progress.merge(tail.progress)
        head.aggregator.merge(tail.aggregator)
        assert pipeline.snapshot([str(path)], head.progress, head.aggregator).to_dict() == one, cut


def test_parts_no_process_could_be_started_for_are_analysed_in_the_caller(big_log, monkeypatch):
    monkeypatch.setattr(cuts, "MIN_PART", 16 << 10)
    one = Pipeline(Options(jobs=1)).analyze([str(big_log)]).to_dict()
    real_start, started = parallel.start, []

    def start_one_then_refuse(*args):
        if started:
            raise BlockingIOError(11, "Resource temporarily unavailable")    # fork's EAGAIN
        started.append(real_start(*args))
        return started[-1]

    monkeypatch.setattr(parallel, "start", start_one_then_refuse)
    split = Pipeline(Options(jobs=4)).analyze([str(big_log)]).to_dict()
    assert len(started) == 1 and split == one


def test_a_fork_refused_leaves_no_pipe_open(monkeypatch):
    def refuse():
        raise BlockingIOError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(os, "fork", refuse)
    before = len(os.listdir("/proc/self/fd"))
    with pytest.raises(OSError):
        parallel._forked(Pipeline(Options()), Source("x", None), 0, 1)
    assert len(os.listdir("/proc/self/fd")) == before


def test_a_new_interpreter_that_dies_before_its_job_is_reaped_and_its_part_done_here(
        big_log, monkeypatch):
    monkeypatch.setattr(cuts, "MIN_PART", 16 << 10)
    one = Pipeline(Options(jobs=1)).analyze([str(big_log)]).to_dict()
    started: list[subprocess.Popen] = []
    real_popen = subprocess.Popen

    def dead_on_arrival(*_args, **kwargs):          # gone before its job is written
        started.append(real_popen([sys.executable, "-c", "pass"], **kwargs))
        os.waitid(os.P_PID, started[-1].pid, os.WEXITED | os.WNOWAIT)     # ended, not reaped
        return started[-1]

    monkeypatch.setattr(parallel, "forks", lambda: False)
    monkeypatch.setattr(subprocess, "Popen", dead_on_arrival)
    split = Pipeline(Options(jobs=3)).analyze([str(big_log)]).to_dict()
    assert split == one and len(started) == 1          # the rest: no more tries
    assert all(process.returncode is not None and process.stdout.closed for process in started)


def test_a_resumed_file_is_split_from_its_offset(big_log, monkeypatch):
    monkeypatch.setattr(cuts, "MIN_PART", 16 << 10)
    offset = big_log.stat().st_size // 3
    offset = big_log.read_bytes().index(b"\n", offset) + 1
    source = Source(str(big_log), big_log, offset)
    ranges = cuts.plan(Pipeline(Options()).scanner, source, 2, parallel.forks())
    assert ranges[0][0] == offset and len(ranges) == 2
    results = [Pipeline(Options(jobs=jobs)).analyze_sources([source], io.BytesIO())
               for jobs in (1, 2)]
    assert results[0][0].to_dict() == results[1][0].to_dict()
    assert results[0][1].end_offset == results[1][1].end_offset == {str(big_log): big_log.stat().st_size}


def test_small_compressed_or_piped_inputs_are_read_in_one_pass(big_log, tmp_path):
    pipeline = Pipeline(Options())
    for source in (Source(str(big_log), big_log), Source("<stdin>", None)):
        assert cuts.plan(pipeline.scanner, source, 2, parallel.forks()) == [(0, -1)]


def test_workers_do_not_rerun_the_callers_script(big_log):
    """A library caller without an ``if __name__ == "__main__"`` guard (here: python -c)."""
    code = ("from logsleuth import analyze, Options, cuts\n"
            "cuts.MIN_PART = 16 << 10\n"
            f"print(analyze([{str(big_log)!r}], Options(jobs=2)).lines.total)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == [str(big_log.read_bytes().count(b"\n"))]


class _FinishedWorker:
    """A worker whose part already ended: its result, and whether it was asked to stop."""

    def __init__(self, result):
        self._result = result
        self.asked_to_stop = False

    def interrupt(self):
        self.asked_to_stop = True

    def result(self):
        return self._result


def test_a_part_stopped_by_ctrl_c_makes_the_whole_run_interrupted():
    from logsleuth.aggregate import Aggregator
    from logsleuth.parallel import PartResult, collect
    from logsleuth.progress import Progress

    stopped = PartResult(Progress(), Aggregator(), interrupted=True)
    later = _FinishedWorker(PartResult(Progress(), Aggregator(), interrupted=False))
    results, interrupted = collect([_FinishedWorker(stopped), later, _FinishedWorker(None)], False)
    assert interrupted and results[0] is stopped and results[2] is None
    assert later.asked_to_stop                 # the parts after it are told to stop too


_FORKED_STUB = """
import os
from logsleuth import parallel
from logsleuth.aggregate import Aggregator
from logsleuth.progress import Progress
from logsleuth.sources import Source

class Stub:  # holds a lambda: it cannot be pickled to a new interpreter, only forked
    options = None
    unpicklable = staticmethod(lambda: None)

    def aggregate_part(self, source, begin, end, lending=None):
        progress = Progress()
        progress.errors.append(f"{os.getppid()} {source.name} {begin}-{end}")
        return parallel.PartResult(progress, Aggregator(), False)

print(parallel.forks())
result = parallel.start(Stub(), Source("big.log", None), 10, 20).result()
print(result.progress.errors == [f"{os.getpid()} big.log 10-20"])
"""


def test_a_worker_is_a_fork_that_starts_with_the_callers_catalog():
    """In a fresh process (this suite's own runs Polars' threads, which rule forks out)."""
    done = subprocess.run([sys.executable, "-c", _FORKED_STUB], capture_output=True,
                          text=True, timeout=60)
    assert done.stdout.split() == ["True", "True"], done.stderr


def test_with_another_thread_running_workers_are_new_interpreters(big_log, monkeypatch):
    monkeypatch.setattr(cuts, "MIN_PART", 16 << 10)
    release = threading.Event()
    waiting = threading.Thread(target=release.wait)
    waiting.start()
    try:
        assert not parallel.forks()
        split = Pipeline(Options(jobs=3)).analyze([str(big_log)]).to_dict()
    finally:
        release.set()
        waiting.join()
    assert split == Pipeline(Options(jobs=1)).analyze([str(big_log)]).to_dict()


def test_ctrl_c_during_a_run_in_parts_returns_what_was_found(big_log):
    """The terminal's Ctrl-C reaches the caller and its forked workers together."""
    code = ("import sys; from logsleuth import analyze, Options, cuts\n"
            "cuts.MIN_PART = 16 << 10\n"
            "print('started', flush=True)\n"
            f"result = analyze([{str(big_log)!r}] * 1000, Options(jobs=2))\n"
            "print(result.interrupted, result.lines.total > 0)\n")
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, start_new_session=True)
    assert child.stdout.readline() == "started\n"
    time.sleep(1.0)
    os.killpg(child.pid, signal.SIGINT)
    out, err = child.communicate(timeout=60)
    assert child.returncode == 0 and "Traceback" not in err, err
    assert out.split() == ["True", "True"]


class _InterruptedOnce(io.RawIOBase):
    """A worker's pipe on which the first wait is cut by Ctrl-C."""

    def __init__(self, data: bytes) -> None:
        self.data, self.interrupted = data, False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if not self.interrupted:
            self.interrupted = True
            raise KeyboardInterrupt
        size = min(len(buffer), len(self.data))
        buffer[:size], self.data = self.data[:size], self.data[size:]
        return size


def test_ctrl_c_while_waiting_for_a_worker_still_gets_its_result():
    from logsleuth.aggregate import Aggregator
    from logsleuth.progress import Progress

    sent = parallel.PartResult(Progress(), Aggregator(), interrupted=True)
    sent.progress.errors.append("part two")
    stand_in = subprocess.Popen(["sleep", "30"])         # the process the worker's pid names
    pipe = io.BufferedReader(_InterruptedOnce(pickle.dumps(sent)))
    worker = parallel.Worker(stand_in.pid, pipe, stand_in.wait)
    results, interrupted = parallel.collect([worker], False)
    assert interrupted and results[0] is not None and results[0].progress.errors == ["part two"]
    assert stand_in.returncode == -signal.SIGINT          # it was told to stop


class _CtrlCMidway(io.RawIOBase):
    """A worker's pipe that gives its part a few bytes at a time, and on which Ctrl-C
    comes once the part has begun to arrive."""

    def __init__(self, data: bytes) -> None:
        self.data, self.reads = data, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        self.reads += 1
        if self.reads == 3:
            os.kill(os.getpid(), signal.SIGINT)
        size = min(len(buffer), len(self.data), 512)
        buffer[:size], self.data = self.data[:size], self.data[size:]
        return size


def test_ctrl_c_while_a_part_arrives_waits_for_all_of_it_then_stops_the_run():
    from logsleuth.aggregate import Aggregator
    from logsleuth.progress import Progress

    sent = parallel.PartResult(Progress(), Aggregator(), interrupted=False)
    sent.progress.errors.extend(f"line {n}" for n in range(2000))      # many reads' worth
    stand_in = subprocess.Popen(["true"])                 # a worker ends once it has sent
    pipe = io.BufferedReader(_CtrlCMidway(pickle.dumps(sent)), buffer_size=512)
    later = _FinishedWorker(parallel.PartResult(Progress(), Aggregator(), interrupted=False))
    results, interrupted = parallel.collect(
        [parallel.Worker(stand_in.pid, pipe, stand_in.wait), later], False)
    assert pipe.raw.reads > 3 and pipe.closed and stand_in.returncode == 0
    assert interrupted and later.asked_to_stop
    assert results[0] is not None and results[0].progress.errors == sent.progress.errors


class _StoppedMidway(_CtrlCMidway):
    """A worker's pipe on which a stop that is not held (the CLI's SIGTERM, raised as
    KeyboardInterrupt) comes once the part has begun to arrive."""

    def readinto(self, buffer) -> int:
        if self.reads == 2:
            self.reads += 1
            raise KeyboardInterrupt
        return super().readinto(buffer)


def test_a_stop_while_a_part_arrives_loses_that_part_only():
    from logsleuth.aggregate import Aggregator
    from logsleuth.progress import Progress

    sent = parallel.PartResult(Progress(), Aggregator(), interrupted=False)
    sent.progress.errors.extend(f"line {n}" for n in range(2000))
    stand_in = subprocess.Popen(["true"])
    pipe = io.BufferedReader(_StoppedMidway(pickle.dumps(sent)), buffer_size=512)
    later = _FinishedWorker(parallel.PartResult(Progress(), Aggregator(), interrupted=False))
    results, interrupted = parallel.collect(
        [parallel.Worker(stand_in.pid, pipe, stand_in.wait), later], False)
    assert interrupted and later.asked_to_stop and pipe.closed
    assert results[0] is None and results[1] is not None


def test_ctrl_c_while_workers_start_stops_and_waits_for_those_started(big_log, monkeypatch):
    """Ctrl-C reaches the caller while it starts its second worker: the run is
    interrupted, and the worker already started is told to stop and waited for (not left
    running on its part, then a zombie, in a long-lived caller)."""
    monkeypatch.setattr(cuts, "MIN_PART", 16 << 10)
    real_start, started = parallel.start, []

    def start(*args):
        if started:
            os.kill(os.getpid(), signal.SIGINT)
        worker = real_start(*args)
        started.append(worker.pid)
        return worker

    monkeypatch.setattr(parallel, "start", start)
    analysis = Pipeline(Options(jobs=3)).analyze([str(big_log)])
    assert analysis.interrupted and started
    for pid in started:
        with pytest.raises(ChildProcessError):           # waited for already
            os.waitpid(pid, os.WNOHANG)


def test_a_native_thread_pool_in_the_caller_means_new_interpreters_not_forks():
    """Polars' Rust threads are invisible to ``threading``; the kernel counts them."""
    code = ("from logsleuth import parallel\n"
            "print(parallel.forks(), end=' ')\n"
            "import polars as pl\n"
            "pl.DataFrame({'a': [1, 2]}).select(pl.col('a').sum())\n"
            "import threading; print(threading.active_count(), parallel.forks())\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stdout.split() == ["True", "1", "False"], done.stderr


@pytest.mark.parametrize("ignored", [True, False])
def test_ctrl_c_in_a_merge_counts_only_where_the_process_takes_it(ignored):
    """A job started in the background ignores Ctrl-C: a merge must not start taking it."""
    before = signal.signal(signal.SIGINT, signal.SIG_IGN if ignored else signal.default_int_handler)
    try:
        with parallel.interrupts_held() as held:
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(0.05)
        assert held == ([] if ignored else [signal.SIGINT])
        assert signal.getsignal(signal.SIGINT) is (signal.SIG_IGN if ignored
                                                   else signal.default_int_handler)
    finally:
        signal.signal(signal.SIGINT, before)


def test_a_worker_of_a_background_job_goes_on_ignoring_ctrl_c():
    seen = []

    def analyse():
        seen.append(signal.getsignal(signal.SIGINT))
        return parallel.PartResult(Progress(), Aggregator(), False)

    before = signal.signal(signal.SIGINT, signal.SIG_IGN)
    term = signal.getsignal(signal.SIGTERM)
    try:
        assert parallel.send_part(io.BytesIO(), analyse) == 0
    finally:
        signal.signal(signal.SIGINT, before)
        signal.signal(signal.SIGTERM, term)
    assert seen == [signal.SIG_IGN]


@pytest.mark.parametrize("first", [signal.SIGINT, signal.SIGTERM])
def test_a_worker_stopped_while_counting_still_sends_its_part_when_the_caller_stops_it_too(
        first, monkeypatch):
    """The terminal's Ctrl-C (or a group's SIGTERM) reaches a worker as it counts a batch;
    the caller's own Ctrl-C follows while the worker is still busy: it must not cut the
    worker short, or the part it found is lost without a word."""
    source = Source("locked.log", FIXTURES / "compose-v2-sqlite-locked.log")
    pipeline, real_add = Pipeline(Options(jobs=1)), Aggregator.add

    def counted_as_stopped(self, entries):
        os.kill(os.getpid(), first)
        time.sleep(0.05)
        real_add(self, entries)

    def analyse():
        part = pipeline.aggregate_part(source, 0, -1)
        os.kill(os.getpid(), signal.SIGINT)         # the caller's stop (collect → interrupt)
        time.sleep(0.05)
        return part

    monkeypatch.setattr(Aggregator, "add", counted_as_stopped)
    handlers = {signum: signal.getsignal(signum) for signum in (signal.SIGINT, signal.SIGTERM)}
    output = io.BytesIO()
    try:
        status = parallel.send_part(output, analyse)
    finally:
        for signum, handler in handlers.items():
            signal.signal(signum, handler)
    assert status == 0
    part = pickle.loads(output.getvalue())
    assert part.interrupted and part.progress.lines.total > 0


def test_a_new_interpreter_that_dies_before_a_big_job_is_written_leaves_no_pipe_open(
        catalog, monkeypatch):
    """A job bigger than the pipe's buffer (options that carry their catalog) fails in the
    write itself, not in the close: the pipe to the dead child is closed all the same."""
    pipeline = Pipeline(Options(jobs=3, catalog=catalog))
    assert len(pickle.dumps(pipeline.options)) > 1 << 16
    started: list[subprocess.Popen] = []
    real_popen = subprocess.Popen

    def dead_on_arrival(*_args, **kwargs):
        started.append(real_popen([sys.executable, "-c", "pass"], **kwargs))
        os.waitid(os.P_PID, started[-1].pid, os.WEXITED | os.WNOWAIT)
        return started[-1]

    monkeypatch.setattr(parallel, "forks", lambda: False)
    monkeypatch.setattr(subprocess, "Popen", dead_on_arrival)
    with pytest.raises(OSError):
        parallel.start(pipeline, Source("big.log", None), 0, 1)
    (process,) = started
    assert process.returncode is not None and process.stdout.closed and process.stdin.closed
