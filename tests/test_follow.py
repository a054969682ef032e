"""Follow mode: new problems reported while the input still flows; tail -F across rotation."""

from __future__ import annotations

import io
import json
import queue
import signal
import subprocess
import sys
import threading
import time

from hypothesis import given, settings
from hypothesis import strategies as st

from logsleuth import Options, Pipeline
from logsleuth.cli import cli
from logsleuth.environment import Environment
from logsleuth.follow import Follower

from .conftest import FIXTURES, run_cli

LOGSLEUTH = [sys.executable, "-m", "logsleuth"]
INFO = b"headscale  | 2024-05-01T10:00:00Z INF Setting up a DERPMap update worker frequency=86400000\n"
LOCKED = b"headscale  | 2024-05-01T10:00:01Z ERR failed to write: database is locked\n"
EXPIRED = (b"headscale  | 2024-05-01T10:00:02Z ERR Authentication failed error=\"AuthKey "
           b"expired\"\n")
PORT = (b"headscale  | 2024-05-01T10:00:03Z FTL failed to listen error=\"listen tcp "
        b"0.0.0.0:8080: bind: address already in use\"\n")


class Running:
    """A logsleuth process whose stdout lines arrive on a queue with their arrival time."""

    def __init__(self, args: list[str], stdin=subprocess.PIPE) -> None:
        self.proc = subprocess.Popen([*LOGSLEUTH, *args], stdin=stdin, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE)
        self.lines: queue.Queue = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.lines.put((time.monotonic(), line.decode()))

    def next_line(self, timeout: float = 10) -> tuple[float, str]:
        return self.lines.get(timeout=timeout)

    def send(self, data: bytes) -> float:
        self.proc.stdin.write(data)
        self.proc.stdin.flush()
        return time.monotonic()

    def rest(self) -> list[str]:
        self.proc.wait(timeout=20)
        time.sleep(0.2)
        return [line for _, line in list(self.lines.queue)]


def test_a_new_problem_is_reported_within_half_a_second_while_the_pipe_flows():
    run = Running(["--follow", "--format", "text"])
    run.send(INFO * 50)
    time.sleep(1.0)                                      # quiet: nothing to report yet
    assert run.lines.empty()
    sent = run.send(LOCKED)
    seen, line = run.next_line()
    assert line.startswith("NEW error database_locked: SQLite database is locked")
    assert seen - sent < 0.5, f"reported {seen - sent:.2f} s after the line arrived"
    time.sleep(0.5)
    run.send(LOCKED)                                     # same problem again: no new line
    sent = run.send(EXPIRED)
    seen, line = run.next_line()
    assert "preauth_key" in line and seen - sent < 0.5
    run.proc.stdin.close()                               # input ends: the full report follows
    report = "".join(run.rest())
    assert run.proc.returncode == 1
    assert "database_locked    x2" in report and "Likely causes" in report


def test_ndjson_follow_feeds_other_tools_and_ends_with_the_summary():
    run = Running(["--follow", "--format", "ndjson"])
    run.send(INFO + LOCKED)
    first = json.loads(run.next_line()[1])
    assert first["event"] == "new_finding" and first["pattern_id"] == "db.sqlite_locked"
    assert first["line_no"] == 2
    run.send(b"headscale  | 2024-05-01T10:00:05Z ERR something nobody explained 7\n")
    unknown = json.loads(run.next_line()[1])
    assert unknown["event"] == "new_unknown" and unknown["level"] == "error"
    run.proc.stdin.close()
    summary = json.loads(run.rest()[-1])
    assert summary["event"] == "summary" and summary["lines"]["total"] == 3


def test_a_followed_file_keeps_being_read_across_rotation_and_truncation(tmp_path):
    log = tmp_path / "headscale.log"
    log.write_bytes(INFO + LOCKED)
    run = Running([str(log), "--follow", "--format", "text"], stdin=subprocess.DEVNULL)
    assert "database_locked" in run.next_line()[1]
    with log.open("ab") as handle:                       # written just before the rename
        handle.write(LOCKED)
    log.rename(tmp_path / "headscale.log.1")
    log.write_bytes(INFO + EXPIRED)                      # the new file
    assert "preauth_key" in run.next_line()[1]
    time.sleep(0.5)
    with log.open("r+b") as handle:                      # copytruncate
        handle.truncate(0)
    time.sleep(0.5)
    log.write_bytes(PORT)
    assert "port_conflict" in run.next_line()[1]
    run.proc.send_signal(signal.SIGINT)                  # Ctrl-C: the normal end of follow
    report = "".join(run.rest())
    assert run.proc.returncode == 1, run.proc.stderr.read()
    assert "database_locked    x2" in report and "preauth_key" in report
    assert "port_conflict" in report and "Traceback" not in run.proc.stderr.read().decode()


def test_continuations_in_the_same_block_merge_and_long_lines_are_cut(catalog):
    follower = Follower(Pipeline(Options(catalog=catalog)), "<stdin>")
    block = (b"2024-05-01T10:00:00Z FTL Error initializing error=\"could not load config\"\n"
             + b"x" * (2 << 20) + b"\n" + LOCKED)
    follower.feed(block[:1000])
    follower.feed(block[1000:])
    analysis = follower.analysis()
    assert analysis.lines.total == 3 and analysis.lines.truncated == 1
    assert [f.category for f in analysis.findings if f.category == "database_locked"]


def test_follow_starts_by_itself_for_a_pipe_into_a_terminal():
    out = io.StringIO()
    env = Environment(stdin=io.BytesIO(INFO + LOCKED), stdout=out, stderr=io.StringIO(),
                      stdout_isatty=True, stdin_is_pipe=True, no_color=True)
    from click.testing import CliRunner

    result = CliRunner().invoke(cli, [], obj=env)
    assert result.exit_code == 1
    assert "NEW error database_locked" in out.getvalue()      # printed above the live view


def test_follow_usage_errors_are_one_line(tmp_path):
    assert run_cli(["a.log", "b.log", "--follow"]).exit_code == 2
    result = run_cli(["-", "--format", "ndjson"], LOCKED)
    assert result.exit_code == 2 and "logsleuth events" in result.stderr
    unreadable = run_cli([str(tmp_path), "--follow"])
    assert unreadable.exit_code == 3 and "directory" in unreadable.stderr


def test_following_a_file_that_does_not_exist_yet_waits_for_it_like_tail_f(tmp_path):
    log = tmp_path / "headscale.log"
    run = Running([str(log), "--follow", "--format", "text"], stdin=subprocess.DEVNULL)
    time.sleep(1.5)
    assert run.proc.poll() is None                       # still waiting, not gone
    log.write_bytes(INFO + LOCKED)
    assert "NEW error database_locked" in run.next_line()[1]
    run.proc.send_signal(signal.SIGINT)
    assert "SQLite database is locked" in "".join(run.rest())
    assert run.proc.returncode == 1
    assert "does not exist yet: waiting for it" in run.proc.stderr.read().decode()


def test_each_pipe_read_is_counted_as_it_comes_and_no_entry_is_held(catalog, monkeypatch):
    """A merge costs microseconds now that aggregation is plain Python: entries are not
    held back for a bigger merge (a follower of long lines would hold their text)."""
    follower = Follower(Pipeline(Options(catalog=catalog)), "<stdin>")
    merges = []
    real_add = follower.aggregator.add
    monkeypatch.setattr(follower.aggregator, "add", lambda entries: (merges.append(len(entries)),
                                                                     real_add(entries)))
    for second in range(2000):                   # 2000 reads of one error line each
        follower.feed(LOCKED.replace(b"10:00:01", b"10:%02d:%02d" % divmod(second % 3600, 60)))
        assert sum(merges) == second + 1
    assert follower.analysis().findings[0].count == 2000


@settings(max_examples=60, deadline=None)
@given(cuts=st.lists(st.integers(min_value=0, max_value=4000), max_size=12),
       name=st.sampled_from(["compose-v2-sqlite-locked.log", "tailscaled.log",
                             "zerolog-json.log"]))
def test_follow_reads_any_split_of_the_input_like_a_batch_run(catalog, cuts, name):
    data = (FIXTURES / name).read_bytes()
    edges = sorted({min(c, len(data)) for c in cuts} | {0, len(data)})
    follower = Follower(Pipeline(Options(catalog=catalog)), "<stdin>")
    for start, end in zip(edges, edges[1:]):
        follower.feed(data[start:end])
    follower.feed(None)                                   # the input ended
    followed = follower.analysis()
    batch = Pipeline(Options(catalog=catalog)).analyze(["-"], stdin=io.BytesIO(data))
    assert followed.lines == batch.lines
    assert [(f.pattern_id, f.count) for f in followed.findings] == \
        [(f.pattern_id, f.count) for f in batch.findings]
