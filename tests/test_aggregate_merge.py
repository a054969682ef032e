"""A long log is aggregated batch after batch; what a later batch adds (a worse line, another
service, the last line) must survive the merge."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from .conftest import analyze_text

BATCHES = 6_000     # more entries than one aggregation batch holds
START = datetime(2024, 5, 1, 10, 0, tzinfo=timezone.utc)
LOCKED = 'ERR failed to update last seen in database error="database is locked (5) (SQLITE_BUSY)"'


def _stamp(seconds: int) -> str:
    return (START + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.fixture(scope="module")
def long_log_result(pipeline):
    """Thousands of lock errors from one container, then the same error, fatal, from a second
    container writing to the same database."""
    lines = [f"headscale-1  | {_stamp(i)} {LOCKED} node.id={i % 7}\n" for i in range(BATCHES)]
    lines.append(f"headscale-old-1  | {_stamp(BATCHES)} {LOCKED.replace('ERR', 'FTL')} node.id=99\n")
    return analyze_text(pipeline, "".join(lines))


def test_a_fatal_line_in_a_later_batch_makes_the_finding_critical(long_log_result):
    locked = next(f for f in long_log_result.findings if f.pattern_id == "db.sqlite_locked")
    assert locked.count == BATCHES + 1
    assert locked.severity == "critical"


def test_a_service_seen_only_in_a_later_batch_is_listed(long_log_result):
    locked = next(f for f in long_log_result.findings if f.pattern_id == "db.sqlite_locked")
    assert locked.services == ["headscale", "headscale-old"]
    assert long_log_result.services == ["headscale", "headscale-old"]


def test_the_window_and_the_latest_sample_come_from_the_last_batch(long_log_result):
    locked = next(f for f in long_log_result.findings if f.pattern_id == "db.sqlite_locked")
    assert (locked.first_seen, locked.last_seen) == (START, START + timedelta(seconds=BATCHES))
    assert "node.id=99" in locked.samples[-1]


def test_a_key_keeps_its_samples_and_latest_line_cut_to_a_bounded_length():
    """Every kept text is cut (with a '…'): 20,000 unknown templates of 64 KiB lines would
    otherwise weigh gigabytes."""
    from datetime import datetime, timezone

    from logsleuth.aggregate import Aggregator
    from logsleuth.entry import Entry
    from logsleuth.envelope import Envelope
    from logsleuth.flapping import SAMPLE_CHARS

    moment = datetime(2026, 7, 1, tzinfo=timezone.utc)
    long_line = "ERR upstream said: " + "é" * 100_000
    entries = [Entry("x", n, n, "headscale", "headscale-1", moment, "error", None, None,
                     Envelope(long_line), long_line, [], "upstream said: <*>")
               for n in range(5)]
    aggregator = Aggregator()
    aggregator.add(entries)
    (stats,) = aggregator.results()
    assert stats.count == 5
    assert [len(s) for s in stats.samples] == [SAMPLE_CHARS + 1] * 3
    assert stats.latest == stats.samples[0] and stats.latest.endswith("é…")
