"""The plain-Python aggregator gives exactly what the Polars aggregator (its reference,
``tests/aggregate_polars.py``) gives: on every fixture log, on a generated stream that
hits every cap (keys, field values, containers, time buckets), and over parallel parts
merged in file order after a trip through pickle."""

from __future__ import annotations

import io
import pickle
import random
import subprocess
import sys
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest

from logsleuth import aggregate
from logsleuth.aggregate import FIELD_VALUES, MAX_CONTAINERS, Aggregator
from logsleuth.catalog import SEVERITIES
from logsleuth.entry import Entry
from logsleuth.envelope import Envelope
from logsleuth.sources import Source

from .aggregate_polars import PolarsAggregator
from .conftest import FIXTURES, ROOT

START = datetime(2026, 7, 10, 23, 50, tzinfo=timezone.utc)
VALUES = ["a", "B", "é", "z", "ü", "日本", "10.0.0.1", "password=hunter2", "node-1", "Z"]


def _snapshot(aggregator) -> tuple:
    """Everything the results say, in their order, times with their zone."""
    stats = [(s.key, s.pattern_id, s.template, s.level, s.count, s.severity,
              repr(s.first_seen), repr(s.last_seen), s.services, s.containers, s.samples,
              s.latest, [(name, list(values.items())) for name, values in s.fields.items()],
              [(repr(moment), count) for moment, count in s.buckets.items()],
              list(s.flapped.items()), repr(s.flapped_seen), s.flapped_samples)
             for s in aggregator.results()]
    return stats, aggregator.dropped_keys, aggregator.bucket_every


def _fed(aggregator, entries: list[Entry], batch: int):
    for begin in range(0, len(entries), batch):
        aggregator.add(entries[begin:begin + batch])
    return aggregator


def _entries_of(pipeline, text: bytes) -> list[Entry]:
    stream = io.BytesIO(text)
    return [entry for batch in pipeline.entries([Source("t", None)], stream) for entry in batch]


def _entry(rng: random.Random, patterns: list, number: int) -> Entry:
    """A synthetic entry: a known pattern or one of thousands of unknown templates, fields
    with many values, odd zones, untimed lines, ~100 containers."""
    pattern = rng.choice(patterns) if rng.random() < 0.4 else None
    if pattern is None:
        template = f"failed <*> step {rng.randrange(3000)}"
    else:
        template = None if rng.random() < 0.7 else f"exited with code {rng.randrange(3)}"
    moment = START + timedelta(seconds=rng.randrange(4 * 86400), microseconds=rng.randrange(10**6))
    roll = rng.random()
    if roll < 0.05:
        moment = None
    elif roll < 0.10:
        moment = moment.astimezone(timezone(timedelta(hours=5, minutes=30)))
    elif roll < 0.12:
        moment = moment.replace(tzinfo=None)
    fields = [(name, rng.choice(VALUES) + str(rng.randrange(spread)))
              for name, spread in (("node", 40), ("addr", 3), ("port", 1)) if rng.random() < 0.6]
    return Entry(
        source="gen", line_no=number, last_line=number,
        service=rng.choice(["headscale", "caddy", "postgres", None]),
        container=f"c{rng.randrange(100)}" if rng.random() < 0.9 else None,
        timestamp=moment, level=rng.choice(["warn", "error", None]), pattern=pattern,
        severity=rng.choice([*SEVERITIES, None]), envelope=Envelope(body=""),
        line=f"line {number} token=abc{number} {rng.choice(VALUES)}", fields=fields,
        template=template)


def _disconnect(rng: random.Random, entry: Entry, pattern) -> Entry:
    """The entry made a line of a flapping pattern: one of 300 nodes (or none); an odd
    node's line often falls within 25 minutes of that node's burst, else any time, so some
    nodes flap and some nearly do; in the entry's zone, or untimed."""
    node = rng.randrange(300)
    burst = node % 2 and rng.random() < 0.45
    minutes = rng.randrange(25) if burst else rng.randrange(4 * 1440)
    moment: datetime | None = START + timedelta(minutes=19 * node + minutes, seconds=node)
    if entry.timestamp is None or moment is None:
        moment = None
    elif entry.timestamp.tzinfo is None:
        moment = moment.replace(tzinfo=None)
    else:
        moment = moment.astimezone(entry.timestamp.tzinfo)
    fields = [pair for pair in entry.fields if pair[0] != "node"]
    if rng.random() < 0.95:
        fields.append(("node", f"n{node}"))
    return replace(entry, pattern=pattern, template=None, timestamp=moment, fields=fields)


@pytest.fixture(scope="module")
def generated(catalog) -> list[Entry]:
    """70,000 synthetic entries, 5 % of them disconnects under a flapping rule."""
    rng = random.Random(16)
    patterns = [p for p in catalog.patterns if p.flapping is None][:30]
    flapping = next(p for p in catalog.patterns if p.flapping)
    entries = [_entry(rng, patterns, number) for number in range(70_000)]
    return [_disconnect(rng, e, flapping) if rng.random() < 0.05 else e for e in entries]


LOGS = sorted(FIXTURES.glob("*.log"))
FIELD_BLOCKS = sorted(FIXTURES.glob("field*/blocks/*"))


@pytest.mark.parametrize("path", [*LOGS, "field blocks"], ids=lambda p: getattr(p, "name", p))
def test_plain_and_polars_agree_on_every_fixture(pipeline, path):
    paths = FIELD_BLOCKS if path == "field blocks" else [path]
    entries = _entries_of(pipeline, b"\n".join(p.read_bytes() for p in paths))
    assert entries or path.name == "info-only.log"
    for batch in (3, 5000):
        assert (_snapshot(_fed(Aggregator(), entries, batch))
                == _snapshot(_fed(PolarsAggregator(), entries, batch)))


@pytest.fixture
def small_bounds(monkeypatch):
    """Bounds the generated stream goes past: 3,000 unknown templates, ~20,000 values,
    ~50,000 time buckets, 300 flapping nodes."""
    monkeypatch.setattr(aggregate, "FLAP_VALUES_KEPT", 200)
    monkeypatch.setattr(aggregate, "MAX_KEYS", 1000)
    monkeypatch.setattr(aggregate, "MAX_BUCKET_ROWS", 20_000)
    monkeypatch.setattr(aggregate, "FIELD_VALUES_KEPT", 5000)


def test_plain_and_polars_agree_on_a_stream_that_hits_every_cap(generated, small_bounds):
    plain = _fed(Aggregator(), generated, 5000)
    reference = _fed(PolarsAggregator(), generated, 5000)
    stats = plain.results()
    assert plain.dropped_keys > 0 and plain.value_sample.shift > 0
    assert plain.window_sample.shift > 0 and 100 < len(plain.windows) <= 200
    assert 500 < sum(s.pattern_id is None for s in stats) <= 1000
    assert plain.bucket_every == "1h"
    assert max(len(s.containers) for s in stats) == MAX_CONTAINERS
    assert max(len(values) for s in stats for values in s.fields.values()) == FIELD_VALUES
    assert _snapshot(plain) == _snapshot(reference)


def _merged_parts(entries: list[Entry], make, cuts: list[int]):
    """The entries cut into parts, each aggregated on its own and sent through pickle (as
    a worker's result is), then merged in order; also each part's bucket size."""
    bounds = [0, *cuts, len(entries)]
    parts = [pickle.loads(pickle.dumps(_fed(make(), entries[a:b], 5000)))
             for a, b in zip(bounds, bounds[1:])]
    sizes = [part.bucket_every for part in parts]
    for later in parts[1:]:
        parts[0].merge(later)
    return parts[0], sizes


def _state(aggregator: Aggregator) -> tuple:
    """Everything an aggregator holds, in its order."""
    return ([(key, tally.row()) for key, tally in aggregator.tallies.items()],
            aggregator.fields, list(aggregator.buckets.items()), aggregator.bucket_every,
            aggregator.unknown_keys, aggregator.field_values, list(aggregator.windows.items()),
            aggregator.key_sample, aggregator.value_sample, aggregator.window_sample)


def test_an_aggregator_sent_through_pickle_goes_on_as_if_it_had_not_been(generated,
                                                                          small_bounds):
    original = _fed(Aggregator(), generated * 2, 5000)     # windows with a head and a tail
    sent = pickle.loads(pickle.dumps(original))
    assert any(w.head != w.tail for w in original.windows.values())
    assert original.value_sample.shift > 0
    assert _state(sent) == _state(original)
    for aggregator in (original, sent):
        _fed(aggregator, generated[:20_000], 5000)
    assert _snapshot(sent) == _snapshot(original)


def test_merged_parts_agree_whatever_their_bucket_sizes(generated, small_bounds):
    entries = generated[:8000] + generated
    plain, sizes = _merged_parts(entries, Aggregator, [5000, 8000])
    reference, reference_sizes = _merged_parts(entries, PolarsAggregator, [5000, 8000])
    assert sizes == reference_sizes == ["1m", "1m", "1h"] and plain.dropped_keys > 0
    assert _snapshot(plain) == _snapshot(reference)


def test_a_small_log_is_analysed_without_importing_polars():
    code = ("import sys; from logsleuth.cli import cli; "
            "sys.argv = ['logsleuth', 'fixtures/sample.log', '--format', 'json']\n"
            "try: cli()\nexcept SystemExit: pass\n"
            "sys.stderr.write(str(sorted(m for m in sys.modules if m.split('.')[0] == 'polars')))")
    run = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                         timeout=60)
    assert '"findings"' in run.stdout and run.stderr == "[]"


def _parts_merged(entries: list[Entry], cuts: list[int], batch: int) -> Aggregator:
    bounds = [0, *cuts, len(entries)]
    parts = [pickle.loads(pickle.dumps(_fed(Aggregator(), entries[a:b], batch)))
             for a, b in zip(bounds, bounds[1:])]
    for later in parts[1:]:
        parts[0].merge(later)
    return parts[0]


@pytest.mark.parametrize("bounds", ["default", "small"])
def test_results_do_not_depend_on_batching_or_parts(generated, bounds, request):
    """3,000 unknown templates and hundreds of values per field, more than are shown: the
    same entries batched differently, or split into parts merged in order, give the same
    results; with the default bounds (every template kept, the 40,000-odd field values
    sampled) and past small ones (both sampled)."""
    if bounds == "small":
        request.getfixturevalue("small_bounds")
    one_pass = _snapshot(_fed(Aggregator(), generated, len(generated)))
    assert len({entry.key for entry in generated}) > 3000
    assert len(one_pass[0]) > 3000 if bounds == "default" else one_pass[1] > 0
    assert any(len(values) == FIELD_VALUES for s in one_pass[0] for _, values in s[12])
    for batch in (1_000, 7_919):                 # the pipeline's 5,000 lies between
        assert _snapshot(_fed(Aggregator(), generated, batch)) == one_pass, batch
    assert _snapshot(_parts_merged(generated, [9_001, 50_000], 5_000)) == one_pass


def _flapped(aggregator) -> set[str]:
    return {value for s in aggregator.results() for value in s.flapped}


@pytest.mark.parametrize("bounds", ["default", "small"])
def test_a_node_flapping_across_a_part_boundary_is_found_once_parts_merge(generated, bounds,
                                                                          request):
    """Some nodes' ``count`` disconnects within ``minutes`` lie in two parts: neither part
    finds them alone; merged, the parts' last and first times do, and the merged flapping
    nodes are those of one pass (with every node tracked, and past a small bound)."""
    if bounds == "small":
        request.getfixturevalue("small_bounds")
    cuts = [9_001, 20_000, 35_000, 50_000, 61_000]
    bounds_ = [0, *cuts, len(generated)]
    alone = set().union(*(_flapped(_fed(Aggregator(), generated[a:b], 5000))
                          for a, b in zip(bounds_, bounds_[1:])))
    one_pass = _flapped(_fed(Aggregator(), generated, 5000))
    nodes = {value for e in generated if e.pattern and e.pattern.flapping
             for name, value in e.fields if name == "node"}
    assert 20 < len(one_pass) < len(nodes) - 20
    assert all(int(node[1:]) % 2 for node in one_pass)     # only nodes with a burst flap
    assert _flapped(_parts_merged(generated, cuts, 5_000)) == one_pass
    assert len(one_pass - alone) >= 3
