"""Aggregation merges batch by batch; diagnosis ranks, explains and correlates."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from logsleuth.aggregate import SAMPLES, Aggregator
from logsleuth.diagnose import timeline

from .conftest import FIXTURES, analyze_text, run_json


def _entries(pipeline, text):
    from logsleuth.sources import Source
    import io
    return [e for batch in pipeline.entries([Source("t", None)], io.BytesIO(text.encode())) for e in batch]


def test_merging_many_batches_equals_one_batch(pipeline):
    text = (FIXTURES / "sample.log").read_text() * 7
    entries = _entries(pipeline, text)
    one, many = Aggregator(), Aggregator()
    one.add(entries)
    for i in range(0, len(entries), 3):
        many.add(entries[i:i + 3])
    def summary(agg):
        return sorted((s.key, s.count, s.first_seen, s.last_seen, s.fields, s.buckets)
                      for s in agg.results())
    assert summary(one) == summary(many)


def test_samples_and_field_values_stay_capped(pipeline):
    text = "".join(f'2026-07-14T10:{i // 60:02d}:{i % 60:02d}Z ERR failed to update last seen in database error="database is locked (5) (SQLITE_BUSY)" node.id={i}\n'
                   for i in range(3000))
    result = analyze_text(pipeline, text)
    finding = result.findings[0]
    assert finding.count == 3000
    assert len(finding.samples) <= SAMPLES + 1


def test_refused_connection_names_postgres_or_headscale_by_port(pipeline):
    pg = analyze_text(pipeline, '2026-07-14T10:56:20Z ERR x error="dial tcp 127.0.0.1:5432: connect: connection refused"\n')
    assert "PostgreSQL" in pg.findings[0].cause and "127.0.0.1:5432" in pg.findings[0].cause
    hs = analyze_text(pipeline, '2026/07/14 10:02:11 Received error: fetch control key: Get "http://10.0.0.5:8080/key": dial tcp 10.0.0.5:8080: connect: connection refused\n')
    assert "headscale itself" in hs.findings[0].cause


def test_repeated_startup_failure_is_a_crash_loop_ranked_first(pipeline):
    result = pipeline.analyze([str(FIXTURES / "compose-v1-port-crashloop.log")])
    assert result.findings[0].crash_loop and result.findings[0].count == 3
    assert result.causes[0].id == "crash_loop"
    assert "8080" in " ".join(result.causes[0].fix)          # the port hint's fix is carried


def test_two_instances_writing_sqlite_are_diagnosed(pipeline):
    result = pipeline.analyze([str(FIXTURES / "two-instances.log")])
    assert result.causes[0].id == "sqlite_shared_by_two_instances"
    assert "headscale-1" in result.causes[0].explanation and "headscale-2" in result.causes[0].explanation


def test_fatal_before_warnings_in_ranking(pipeline):
    text = ("".join(f"2026-07-14T11:20:0{i}Z WRN noise.go:107 > no upgrade header in TS2021 request. x\n" for i in range(9))
            + "Error: headscale ran into an error and had to shut down: binding to TCP address: listen tcp 0.0.0.0:8080: bind: address already in use\n")
    result = analyze_text(pipeline, text)
    assert result.findings[0].category == "port_conflict"
    assert result.findings[0].severity == "critical"


def test_timeline_spreads_buckets_over_the_window():
    start = datetime(2026, 1, 1, tzinfo=timezone.utc)
    buckets = {start: 2, start + timedelta(hours=12): 5, start + timedelta(hours=23): 1}
    counts = timeline(buckets, start, start + timedelta(hours=24), bins=24)
    assert counts[0] == 2 and counts[12] == 5 and counts[23] == 1 and sum(counts) == 8


def test_zh_output_uses_the_guides_words():
    code, data = run_json([str(FIXTURES / "compose-v2-sqlite-locked.log"), "--lang", "zh"])
    assert data["findings"][0]["title"] == "数据库锁定"
    assert any("重启服务" in line for line in data["findings"][0]["fix"])


def _log_correlations():
    from logsleuth.catalog import load_catalog

    return [pytest.param(c, id=c.id) for c in load_catalog().correlations
            if not c.id.startswith("bundle.")]


@pytest.mark.parametrize("correlation", _log_correlations())
def test_every_log_correlation_proves_itself(correlation, pipeline):
    """Each log correlation fires on its samples and stays quiet on its near misses."""
    assert correlation.samples_match and correlation.samples_no_match
    for text, fires in [(t, True) for t in correlation.samples_match] + \
                       [(t, False) for t in correlation.samples_no_match]:
        causes = analyze_text(pipeline, text + "\n").causes
        assert (correlation.id in [c.id for c in causes]) is fires, (text[:80], [c.id for c in causes])
