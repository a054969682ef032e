"""--since / --until on real crash logs: both ends are inclusive, an entry without a time
(a Go panic, ``exited with code``) takes the time of the entry before it, and one with no
dated entry before it is outside any --since window."""

from __future__ import annotations

import random

import pytest

from logsleuth.filter import EntryFilter
from logsleuth.options import Options
from logsleuth.progress import Progress

from .conftest import FIXTURES, run_json
from .test_aggregate_identity import _entry

OOM_PANIC = (FIXTURES / "oom-panic.log").read_text(encoding="utf-8")
LOCKED_AT_1305 = ('headscale-1  | 2026-07-14T13:05:00Z ERR failed to update last seen in database '
                  'error="database is locked (5) (SQLITE_BUSY)"\n')
# the second start-up of the fixture logs an error (a dated entry) before it panics
ERROR_THEN_PANIC = OOM_PANIC.replace(OOM_PANIC.splitlines(keepends=True)[10], LOCKED_AT_1305)


def found(text: str, *options: str) -> list[str]:
    _, data = run_json(["analyze", *options, "-"], text)
    return sorted(f["pattern_id"] for f in data["findings"])


def test_the_fixture_has_the_shape_the_tests_rely_on():
    assert ERROR_THEN_PANIC != OOM_PANIC and LOCKED_AT_1305 in ERROR_THEN_PANIC


def test_a_panic_takes_the_time_of_the_error_logged_before_it():
    late = found(ERROR_THEN_PANIC, "--since", "2026-07-14T13:01:00Z")
    assert late == ["crash.container_exited", "crash.unexplained_fatal", "db.sqlite_locked",
                    "perf.container_exit_137"]
    early = found(ERROR_THEN_PANIC, "--until", "2026-07-14T13:02:00Z")
    assert early == ["crash.container_exited", "perf.go_out_of_memory"]


def test_an_entry_before_any_dated_entry_is_outside_a_since_window():
    """The out-of-memory crash comes before any dated entry: its time is unknown, so
    --since cannot show it happened after WHEN."""
    assert "perf.go_out_of_memory" not in found(ERROR_THEN_PANIC, "--since", "2026-07-14T13:01:00Z")


@pytest.mark.parametrize("option", ["--since", "--until"])
def test_an_entry_exactly_at_the_edge_of_the_window_is_kept(option):
    _, data = run_json(["analyze", str(FIXTURES / "two-instances.log"), option, "2026-07-14T10:50:33Z"])
    locked = next(f for f in data["findings"] if f["pattern_id"] == "db.sqlite_locked")
    assert locked["first_seen" if option == "--since" else "last_seen"] == "2026-07-14T10:50:33Z"


def test_a_panic_after_a_dated_info_line_takes_that_line_s_time():
    """The 13:05 INF start-up line is not an entry, yet the panic after it happened then."""
    assert "crash.unexplained_fatal" not in found(OOM_PANIC, "--until", "2026-07-14T13:02:00Z")


def test_a_panic_keeps_the_time_of_the_line_before_it_for_since():
    """--since 13:04 keeps the 13:05 panic (its start-up line, not an entry, dates it) and
    drops the 13:00 start's out-of-memory crash."""
    code, data = run_json(["analyze", "--since", "2026-07-14T13:04:00Z", "-"], OOM_PANIC)
    kept = [f["pattern_id"] for f in data["findings"]]
    assert "crash.unexplained_fatal" in kept and "perf.go_out_of_memory" not in kept
    assert code == 1 and data["errors"] == []        # kept entries: not "0 lines in the window"


def test_a_line_outside_the_window_does_not_widen_the_reported_window():
    """The first and last lines of each chunk date the input cheaply; one the filters drop
    (an old INFO line here) must not stretch the analysis window — nor the "input covers"
    span the window warning quotes."""
    log = ("headscale-1  | 2021-03-01T10:00:00Z INF an old line pasted in\n"
           + LOCKED_AT_1305.replace("13:05", "13:06") + "\n"
           "headscale-1  | 2026-07-14T13:07:00Z INF still running\n")
    _, data = run_json(["analyze", "--since", "2026-07-14T13:00:00Z", "-"], log)
    assert data["window"]["first"] >= "2026-07-14T13:00:00Z"
    _, empty = run_json(["analyze", "--since", "2026-07-15T00:00:00Z", "-"], log)
    assert "the input covers 2021-03-01T10:00:00Z → 2026-07-14T13:07:00Z" in empty["errors"][0]


def _booked(entries: list, batch: int, tomorrow=None) -> tuple:
    """What the filter books for ``entries`` fed ``batch`` at a time."""
    progress = Progress()
    entry_filter = EntryFilter(Options(), progress)
    if tomorrow is not None:
        entry_filter._tomorrow = tomorrow
    kept = [e for b in range(0, len(entries), batch) for e in entry_filter.keep(entries[b:b + batch])]
    return (len(kept), progress.first, progress.last, progress.span, progress.future,
            progress.services, progress.lines, entry_filter.last_time)


def test_booking_a_batch_at_once_is_booking_entry_by_entry(catalog):
    rng = random.Random(7)
    patterns = catalog.patterns[:20]
    entries = [_entry(rng, patterns, n) for n in range(5000)]
    entries = [e for e in entries if e.timestamp is None or e.timestamp.tzinfo is not None]
    moments = [e.timestamp for e in entries if e.timestamp is not None]
    tomorrow = sorted(moments)[len(moments) * 3 // 4]        # a quarter of them "future"
    one_by_one = _booked(entries, 1, tomorrow)
    assert one_by_one[1:4] == (min(moments), max(moments), (min(moments), max(moments)))
    assert one_by_one[4] == sum(m > tomorrow for m in moments) > 0
    assert one_by_one[6].matched + one_by_one[6].unknown == len(entries) == one_by_one[0]
    for batch in (7, 1000, len(entries)):
        assert _booked(entries, batch, tomorrow) == one_by_one
