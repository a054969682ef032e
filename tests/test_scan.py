"""Both scan engines propose the same lines and give identical final results."""

from __future__ import annotations

import io

import pytest

from logsleuth import Options, Pipeline
from logsleuth.envelope import strip_controls
from logsleuth.render.data import event
from logsleuth.scan import RegexEngine, build_rules, candidates

from .conftest import FIXTURES

hyperscan = pytest.importorskip("hyperscan")
from logsleuth.scan import HyperscanEngine  # noqa: E402

ALL_FIXTURES = sorted(FIXTURES.glob("*.log"))


@pytest.fixture(scope="module")
def engines(catalog):
    rules = build_rules(catalog)
    return HyperscanEngine(rules), RegexEngine(rules)


@pytest.mark.parametrize("path", ALL_FIXTURES, ids=lambda p: p.name)
def test_engines_pick_the_same_lines(engines, path):
    data = strip_controls(path.read_bytes())
    (fast, lines), (fallback, _) = (candidates(data, engine) for engine in engines)
    assert [(c.index, c.start, c.end) for c in fast] == [(c.index, c.start, c.end) for c in fallback]
    assert lines == data.count(b"\n")


@pytest.mark.parametrize("path", ALL_FIXTURES, ids=lambda p: p.name)
def test_engines_give_identical_findings_and_events(catalog, path):
    results = []
    for engine in ("hyperscan", "re"):
        pipeline = Pipeline(Options(catalog=catalog, engine=engine))
        analysis = pipeline.analyze([str(path)]).to_dict()
        from logsleuth.sources import expand
        events = [event(e) for batch in pipeline.entries(expand([str(path)]), None) for e in batch]
        results.append((analysis["findings"], analysis["unknown"], analysis["lines"], events))
    assert results[0] == results[1]


def test_candidate_lines_map_offsets_to_the_right_line(engines):
    data = b"ok\nnothing here\n2024-05-01T10:00:00Z ERR x error=\"database is locked\"\nok\n"
    found, lines = candidates(data, engines[0])
    assert [c.index for c in found] == [2] and lines == 4
    assert data[found[0].start:found[0].end].startswith(b"2024-05-01T10:00:00Z ERR")


def test_a_match_never_spans_two_lines(engines):
    data = b'error="first line\nsecond" database is locked\n'
    found, _ = candidates(data, engines[1])
    assert [c.index for c in found] == [1]


def test_a_damaged_hyperscan_cache_is_recompiled(catalog, tmp_path):
    rules = build_rules(catalog)
    HyperscanEngine(rules, cache_dir=tmp_path)                 # writes the cache
    (cached,) = tmp_path.glob("hyperscan-*.db")
    cached.write_bytes(b"not a database")
    engine = HyperscanEngine(rules, cache_dir=tmp_path)
    data = b'2024-05-01T10:00:00Z ERR x error="database is locked"\n'
    assert [c.index for c in candidates(data, engine)[0]] == [0]
    assert cached.read_bytes() != b"not a database"             # replaced by a good one


def test_a_pattern_is_scanned_by_its_scan_part_and_confirmed_whole(catalog, engines):
    """perf.slow_request is scanned by its rare part (``elapsed=`` with four digits): a line
    holding only that part is a candidate, but only the whole regex makes the finding."""
    slow = catalog.get("perf.slow_request")
    rule_id = next(i for i, rule in enumerate(build_rules(catalog))
                   if rule.kind == "pattern" and catalog.patterns[rule.index] is slow)
    request = ("2026-07-14T09:15:00Z INF http request bytes=17 elapsed=2412.5 method=POST "
               "path=/machine/map proto=HTTP/1.1 remote=172.21.0.1:41836 status=200")
    lookalike = "2026-07-14T09:15:01Z INF map sent elapsed=2412.5 path=/machine/map node=a "
    data = f"{request}\n{lookalike}\n".encode()
    for engine in engines:
        found, _ = candidates(data, engine)
        assert [c.index for c in found if rule_id in c.rules] == [0, 1]
    analysis = Pipeline(Options(catalog=catalog)).analyze(
        ["-"], stdin=io.BytesIO(data)).to_dict()
    (finding,) = [f for f in analysis["findings"] if f["pattern_id"] == "perf.slow_request"]
    assert finding["count"] == 1
