"""The real process: signals, closed pipes, python -m."""

from __future__ import annotations

import gc
import json
import pickle
import platform
import signal
import subprocess
import sys
import threading
import time

import pytest

from logsleuth.environment import made_old

from .conftest import FIXTURES

LOGSLEUTH = [sys.executable, "-m", "logsleuth"]


def test_python_dash_m_runs_the_cli():
    done = subprocess.run([*LOGSLEUTH, str(FIXTURES / "info-only.log")], capture_output=True, text=True)
    assert done.returncode == 0 and "No known problems" in done.stdout


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_interrupt_prints_findings_so_far_and_exits_130(signum):
    proc = subprocess.Popen([*LOGSLEUTH, "--format", "json"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdin.write((FIXTURES / "compose-v2-sqlite-locked.log").read_bytes())
    proc.stdin.flush()                      # the pipe stays open: no end of input
    time.sleep(1.5)
    proc.send_signal(signum)
    out, err = proc.communicate(timeout=20)
    assert proc.returncode == 130, err
    data = json.loads(out)
    assert data["interrupted"] is True
    assert data["findings"][0]["category"] == "database_locked"
    assert b"Traceback" not in err


def test_output_closed_early_ends_quietly():
    big = (FIXTURES / "sample.log").read_bytes() * 2000
    proc = subprocess.Popen([*LOGSLEUTH, "events"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    def feed() -> None:
        try:
            proc.stdin.write(big)
            proc.stdin.close()
        except BrokenPipeError:              # logsleuth may finish before all is written
            pass

    writer = threading.Thread(target=feed)
    writer.start()
    assert proc.stdout.readline().startswith(b"{")
    proc.stdout.close()                      # like `| head -1`
    writer.join(timeout=30)
    err = proc.stderr.read()
    assert proc.wait(timeout=30) == 0
    assert b"Traceback" not in err and b"BrokenPipe" not in err


def test_the_process_ends_with_its_output_flushed_and_its_status():
    done = subprocess.run([*LOGSLEUTH, "--format", "json", str(FIXTURES / "sample.log")],
                          capture_output=True)
    assert done.returncode == 1 and json.loads(done.stdout)["findings"]


_LEAVING = """
import os, sys
from logsleuth.cli.app import leave
read_end, write_end = os.pipe()
if sys.argv[1] == "gone":
    os.close(read_end)
sys.stdout = open(1 if sys.argv[1] == "there" else write_end, "w")   # buffered, not sent
sys.stdout.write("the last block")
leave(3)
"""


@pytest.mark.parametrize("reader", ["there", "gone"])
def test_leaving_flushes_what_is_buffered_or_ends_quietly_when_the_reader_is_gone(reader):
    done = subprocess.run([sys.executable, "-c", _LEAVING, reader], capture_output=True)
    assert done.returncode == 3 and done.stderr == b""
    assert done.stdout == (b"the last block" if reader == "there" else b"")


_CHUNK_CHURN = """
import os, sys
from logsleuth.environment import tune_process
if sys.argv[1] == "tuned":
    tune_process()
def minor_faults():
    return int(open("/proc/self/stat").read().rsplit(")", 1)[1].split()[7])
data = os.urandom(4 << 20)
before = minor_faults()
for i in range(100):                      # what reading makes per chunk: a slice, copies
    chunk = data[:(1 << 20) + i * 4096]
    joined = chunk + b"x"
    del chunk, joined
print(minor_faults() - before)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux") or platform.libc_ver()[0] != "glibc",
                    reason="glibc's allocator on Linux")
def test_an_analysis_process_keeps_its_chunk_sized_blocks_instead_of_faulting_them_in_anew():
    def faults(mode: str) -> int:
        done = subprocess.run([sys.executable, "-c", _CHUNK_CHURN, mode], capture_output=True,
                              text=True, check=True)
        return int(done.stdout)

    assert faults("tuned") < 5_000 < 50_000 < faults("default")      # 100 x 256 pages: ~100,000


def test_what_a_worker_part_unpickles_is_old_at_once_and_own_frozen_objects_stay_frozen():
    """No young collection walks a worker's unpickled part (~100,000 objects, none garbage);
    a process that froze objects of its own keeps them frozen; the collector's state is
    restored."""
    made = [[index] for index in range(1000)]
    with made_old():
        part = pickle.loads(pickle.dumps(made))
    assert gc.isenabled() and gc.get_count()[0] < 100
    assert any(item is part[0] for item in gc.get_objects(generation=2))
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        with made_old():
            pickle.loads(pickle.dumps(made))
        assert gc.get_freeze_count() == frozen
    finally:
        gc.unfreeze()
    gc.disable()
    try:
        with made_old():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_analysing_a_log_loads_neither_the_bundle_parsers_nor_dateutil():
    """Start-up is paid before the work starts (and before a worker forks): a log needs
    no bundle section parser, and only a time the user gives needs dateutil."""
    code = ("import sys; from logsleuth.cli import cli\n"
            f"sys.argv = ['logsleuth', {str(FIXTURES / 'sample.log')!r}, '--format', 'json']\n"
            "try: cli()\nexcept SystemExit: pass\n"
            "sys.stderr.write(repr(sorted(m for m in sys.modules if m.startswith("
            "('dateutil', 'logsleuth.bundle.sections')))))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert '"findings"' in done.stdout and done.stderr == "[]"
    since = subprocess.run([*LOGSLEUTH, "--since", "2024-10-02", "--format", "json",
                            str(FIXTURES / "sample.log")], capture_output=True, text=True)
    assert since.returncode == 1 and '"findings"' in since.stdout
