"""Incremental aggregation of classified entries, in plain Python, batch by batch.

Memory stays flat however long the input: per key (pattern id, or unknown template) we
keep counts, first/last seen, services, a few samples, tables of extracted field values,
and per-time-bucket counts (buckets coarsen when the table grows too large); per value of
a flapping rule's field, a window of its first and last times (:mod:`logsleuth.flapping`).

The results depend only on the entries and their order, never on how they were batched or
split into parts merged in order: field values are counted exactly and cut to the
FIELD_VALUES shown only in ``results()``. Bounds keep memory flat on hostile input;
past them the members kept are those whose stable hash lies below a limit that halves
until they fit (:class:`~logsleuth.sampling.HashSample`), a choice that depends only on
the set of members seen: more than MAX_KEYS unknown templates, more than FIELD_VALUES_KEPT distinct
(key, field, value) triples, more than FLAP_VALUES_KEPT (key, value) flapping windows.
The one exception: a bucket size chosen while unknown templates later sampled out were
still counted may differ (buckets of 1 h instead of 1 min).
``tests/aggregate_polars.py`` is the reference this is held to, result for result.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Callable, Final
from zoneinfo import ZoneInfo

from .catalog import Flapping
from .flapping import (SAMPLE_CHARS, SAMPLE_REACH, Window, WindowColumns, keep_sample,
                       show_sample, window_columns, windows_from)
from .severity import SEVERITIES, Severity
from .entry import Entry
from .sampling import HashSample

SAMPLES: Final = 3
FIELD_VALUES: Final = 20                  # shown per field of a key, the most frequent
FIELD_VALUES_KEPT: Final = 50_000         # (key, field, value) triples counted, over all keys
MAX_KEYS: Final = 20_000                  # unknown templates counted (patterns always are)
FLAP_VALUES_KEPT: Final = 20_000          # (key, value) flapping windows tracked (~0.8 KB each)
MAX_CONTAINERS: Final = 50
MAX_BUCKET_ROWS: Final = 50_000
BUCKET_SECONDS: Final = {"1m": 60, "1h": 3600, "1d": 86400}   # finest first
UTC: Final = ZoneInfo("UTC")              # the zone of every time in the results
EPOCH: Final = datetime(1970, 1, 1, tzinfo=timezone.utc)
_SECOND: Final = timedelta(seconds=1)
_MINUTE: Final = timedelta(minutes=1)
_RANK: Final = {severity: Severity.rank(severity) for severity in SEVERITIES}


@dataclass
class KeyStats:
    """Everything known about one pattern (or unknown template) after aggregation."""

    key: str
    pattern_id: str | None
    template: str | None
    level: str | None
    count: int
    severity: str | None
    first_seen: datetime | None
    last_seen: datetime | None
    services: list[str]
    containers: list[str]
    samples: list[str]
    latest: str
    fields: dict[str, dict[str, int]] = field(default_factory=dict)
    buckets: dict[datetime, int] = field(default_factory=dict)
    flapped: dict[str, int] = field(default_factory=dict)   # value → timed entries
    flapped_seen: tuple[datetime, datetime] | None = None   # the flapped values' first, last
    flapped_samples: list[str] = field(default_factory=list)  # their first lines, top first


@dataclass(slots=True)
class Tally:
    """The running statistics of one key; severity as its rank in SEVERITIES (-1: none),
    containers as an ordered set of at most MAX_CONTAINERS, the first seen kept."""

    pattern_id: str | None
    template: str | None
    level: str | None
    count: int
    severity: int
    first_seen: datetime | None
    last_seen: datetime | None
    services: set[str]
    containers: dict[str, None]
    samples: list[str]
    latest: str
    flapping: Flapping | None = None

    def add(self, entry: Entry, moment: datetime | None) -> None:
        """Count one more entry of this key (``moment``: its time in UTC)."""
        self.count += 1
        if self.level is None:
            self.level = entry.level
        if entry.severity:
            rank = _RANK.get(entry.severity, -1)
            if rank > self.severity:
                self.severity = rank
        if moment is not None:
            if self.first_seen is None:
                self.first_seen = self.last_seen = moment
            elif moment < self.first_seen:
                self.first_seen = moment
            elif moment > self.last_seen:       # type: ignore[operator]  # set with first_seen
                self.last_seen = moment
        if entry.service is not None:
            self.services.add(entry.service)
        container, containers = entry.container, self.containers
        if container is not None and container not in containers \
                and len(containers) < MAX_CONTAINERS:
            containers[container] = None
        line = entry.line
        if len(line) > SAMPLE_CHARS + SAMPLE_REACH:
            line = keep_sample(line)
        if len(self.samples) < SAMPLES:
            self.samples.append(line)
        self.latest = line

    def row(self) -> tuple:
        """The fields in order (``Tally(*row)`` makes the tally again)."""
        return (self.pattern_id, self.template, self.level, self.count, self.severity,
                self.first_seen, self.last_seen, self.services, self.containers, self.samples,
                self.latest, self.flapping)

    def merge(self, later: Tally) -> None:
        """Fold in the tally of the same key over later input."""
        self.count += later.count
        self.level = self.level if self.level is not None else later.level
        self.severity = max(self.severity, later.severity)
        self.first_seen = _extreme(min, self.first_seen, later.first_seen)
        self.last_seen = _extreme(max, self.last_seen, later.last_seen)
        self.services |= later.services
        for container in later.containers:
            if len(self.containers) >= MAX_CONTAINERS:
                break
            self.containers[container] = None
        self.samples = (self.samples + later.samples)[:SAMPLES]
        self.latest = later.latest


def _extreme(pick: Callable, a: datetime | None, b: datetime | None) -> datetime | None:
    return b if a is None else a if b is None else pick(a, b)


def new_tally(entry: Entry) -> Tally:
    """An empty tally for the key of ``entry``."""
    rule = entry.pattern.flapping if entry.pattern is not None else None
    return Tally(entry.pattern_id, entry.template, None, 0, -1, None, None, set(), {}, [], "",
                 rule)


def in_utc(moment: datetime) -> datetime:
    """The moment in UTC (a naive one is taken to be UTC already)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def top_values(values: dict[str, int], limit: int = FIELD_VALUES) -> dict[str, int]:
    """The ``limit`` most frequent values, most frequent first, ties by value."""
    return dict(sorted(values.items(), key=lambda kv: (-kv[1], kv[0]))[:limit])


class Aggregator:
    """Accumulates entries in batches; ``results()`` gives one KeyStats per key."""

    def __init__(self) -> None:
        self.tallies: dict[str, Tally] = {}
        self.fields: dict[str, dict[str, dict[str, int]]] = {}    # key → field → value → n
        self.buckets: dict[tuple[str, int], int] = {}    # (key, bucket start in epoch s) → n
        self.bucket_every = "1m"
        self.unknown_keys = 0                       # unknown templates among the tallies
        self.field_values = 0                       # (key, field, value) triples counted
        self.windows: dict[tuple[str, str], Window] = {}     # (key, value) → its times
        self.key_sample = HashSample(MAX_KEYS)
        self.value_sample = HashSample(FIELD_VALUES_KEPT)
        self.window_sample = HashSample(FLAP_VALUES_KEPT)

    def __reduce__(self) -> tuple[Callable[..., Aggregator], tuple[object, ...]]:
        """Pickled as columns, each key once (a worker's part: half the time of objects)."""
        one, buckets = {key: key for key in self.tallies}, self.buckets   # one copy of each key
        return _restored, (
            list(self.tallies), [t.row() for t in self.tallies.values()], self.fields,
            [one.get(key, key) for key, _ in buckets], [start for _, start in buckets],
            list(buckets.values()), self.bucket_every, self.unknown_keys, self.field_values,
            [(one.get(key, key), value) for key, value in self.windows],
            window_columns(list(self.windows.values())),
            (self.key_sample, self.value_sample, self.window_sample))

    @property
    def dropped_keys(self) -> int:
        """About how many unknown templates were sampled out (estimated from those kept
        and the sampling rate, so it too depends only on the entries)."""
        return self.unknown_keys * ((1 << self.key_sample.shift) - 1)

    def add(self, entries: list[Entry]) -> None:
        """Count a batch of entries; the bounds apply once the batch is in."""
        if not entries:
            return
        tallies, buckets = self.tallies, self.buckets
        step = BUCKET_SECONDS[self.bucket_every]
        step_delta, timed = step * _SECOND, False
        begins = ends = EPOCH             # the bucket of the last time seen, [begins, ends)
        start = 0
        for entry in entries:
            key, moment = entry.key, entry.timestamp
            tally = tallies.get(key)
            if tally is None:
                if entry.pattern_id is None:
                    if not self.key_sample.admits(key):
                        continue
                    self.unknown_keys += 1
                tally = tallies[key] = new_tally(entry)
            if moment is not None and moment.tzinfo is not timezone.utc:
                moment = in_utc(moment)
            tally.add(entry, moment)
            if moment is not None:
                timed = True
                if not begins <= moment < ends:         # logs are mostly in time order
                    steps = (moment - EPOCH) // step_delta
                    start, begins = steps * step, EPOCH + steps * step_delta
                    ends = begins + step_delta
                buckets[key, start] = buckets.get((key, start), 0) + 1
            if entry.fields:
                self._count_fields(key, entry.fields)
                if tally.flapping is not None and moment is not None:
                    self._track(key, tally.flapping, entry, moment)
        self._bound()
        if timed:
            self._cap_buckets()

    def _count_fields(self, key: str, pairs: list[tuple[str, str]]) -> None:
        named = self.fields.get(key) or self.fields.setdefault(key, {})
        for name, value in pairs:
            values = named.get(name) or named.setdefault(name, {})
            count = values.get(value)
            if count is not None:
                values[value] = count + 1
            elif self.value_sample.admits(key, name, value):
                values[value] = 1
                self.field_values += 1

    def _track(self, key: str, rule: Flapping, entry: Entry, moment: datetime) -> None:
        """Add the entry's time to the window of its value of the rule's field."""
        line, value = entry.line, next((v for name, v in entry.fields if name == rule.field), None)
        if value is None:
            return
        window = self.windows.get((key, value))
        if window is None:
            if not self.window_sample.admits(key, value):
                return
            window = self.windows[key, value] = Window()
        window.add((moment - EPOCH) // _MINUTE, rule, moment, line)

    def _bound(self, recheck: bool = False) -> None:
        """Sample out unknown templates and field values past their bounds (``recheck``:
        also those the current limits no longer admit, after a merge lowered them)."""
        if self.key_sample.over(self.unknown_keys, recheck):
            unknown = [(k,) for k, t in self.tallies.items() if t.pattern_id is None]
            dropped = self.key_sample.thinned(unknown, self.unknown_keys, recheck)
            for (key,) in dropped:
                del self.tallies[key]
                self.field_values -= sum(map(len, self.fields.pop(key, {}).values()))
                self.unknown_keys -= 1
            if dropped:
                self.buckets = {b: n for b, n in self.buckets.items() if b[0] in self.tallies}
        if self.value_sample.over(self.field_values, recheck):
            triples = [(k, n, v) for k, named in self.fields.items()
                       for n, values in named.items() for v in values]
            for key, name, value in self.value_sample.thinned(triples, self.field_values,
                                                              recheck):
                del self.fields[key][name][value]
                self.field_values -= 1
        for key, value in self.window_sample.thinned(self.windows, len(self.windows), recheck):
            del self.windows[key, value]

    def _cap_buckets(self) -> None:
        """Over MAX_BUCKET_ROWS (key, bucket) counts: coarser buckets, until they fit."""
        while len(self.buckets) > MAX_BUCKET_ROWS and self.bucket_every != "1d":
            self._coarsen("1h" if self.bucket_every == "1m" else "1d")

    def _coarsen(self, every: str) -> None:
        step = BUCKET_SECONDS[every]
        coarser: dict[tuple[str, int], int] = {}
        for (key, start), count in self.buckets.items():
            bucket = (key, start // step * step)
            coarser[bucket] = coarser.get(bucket, 0) + count
        self.buckets, self.bucket_every = coarser, every

    def merge(self, later: Aggregator) -> None:
        """Fold in the aggregate of the input that follows ours (another part of a file)."""
        coarsest = max(self.bucket_every, later.bucket_every, key=list(BUCKET_SECONDS).index)
        for aggregator in (self, later):
            if aggregator.bucket_every != coarsest:
                aggregator._coarsen(coarsest)
        self.key_sample.widest(later.key_sample)
        self.value_sample.widest(later.value_sample)
        self.window_sample.widest(later.window_sample)
        self._bound(recheck=True)
        for key, tally in later.tallies.items():
            if key in self.tallies:
                self.tallies[key].merge(tally)
            elif tally.pattern_id is not None or self.key_sample.admits(key):
                self.tallies[key] = tally
                self.unknown_keys += tally.pattern_id is None
        for key, named in later.fields.items():
            if key in self.tallies:
                for name, values in named.items():
                    self._merge_values(key, name, values)
        for bucket, count in later.buckets.items():
            if bucket[0] in self.tallies:
                self.buckets[bucket] = self.buckets.get(bucket, 0) + count
        self._merge_windows(later.windows)
        self._bound()
        self._cap_buckets()

    def _merge_values(self, key: str, name: str, values: dict[str, int]) -> None:
        mine = self.fields.setdefault(key, {}).setdefault(name, {})
        for value, count in values.items():
            if value in mine:
                mine[value] += count
            elif self.value_sample.admits(key, name, value):
                mine[value] = count
                self.field_values += 1

    def _merge_windows(self, windows: dict[tuple[str, str], Window]) -> None:
        """Fold in the flapping windows of the input that follows ours."""
        for pair, window in windows.items():
            mine, rule = self.windows.get(pair), self.tallies[pair[0]].flapping
            if mine is not None and rule is not None:
                mine.merge(window, rule)
            elif self.window_sample.admits(*pair):
                self.windows[pair] = window

    def results(self) -> list[KeyStats]:
        """One KeyStats per key, its fields cut to the FIELD_VALUES most frequent values;
        texts as read (redaction happens where a result leaves the library:
        :func:`logsleuth.outbound.release`)."""
        buckets: dict[str, dict[datetime, int]] = {}
        moments = {start: datetime.fromtimestamp(start, UTC) for _, start in self.buckets}
        for (key, start), count in sorted(self.buckets.items(), key=lambda kv: kv[0][1]):
            buckets.setdefault(key, {})[moments[start]] = count
        flapped: dict[str, dict[str, Window]] = {}
        for (key, value), window in self.windows.items():
            if window.flapped:
                flapped.setdefault(key, {})[value] = window
        return [
            _with_flapped(KeyStats(
                key=key, pattern_id=t.pattern_id, template=t.template, level=t.level,
                count=t.count, severity=SEVERITIES[t.severity] if t.severity >= 0 else None,
                first_seen=_zoned(t.first_seen), last_seen=_zoned(t.last_seen),
                services=sorted(t.services), containers=sorted(t.containers),
                samples=[show_sample(s) for s in t.samples], latest=show_sample(t.latest),
                fields=ordered_fields(self.fields.get(key, {})),
                buckets=buckets.get(key, {}),
            ), flapped.get(key, {}))
            for key, t in self.tallies.items()
        ]


def _restored(keys: list[str], rows: list[tuple], named: dict[str, dict[str, dict[str, int]]],
              bucket_keys: list[str], starts: list[int], counts: list[int], every: str,
              unknown: int, values: int, window_keys: list[tuple[str, str]],
              windows: WindowColumns,
              samples: tuple[HashSample, HashSample, HashSample]) -> Aggregator:
    """The Aggregator that ``Aggregator.__reduce__`` pickled."""
    aggregator = Aggregator()
    aggregator.tallies = {key: Tally(*row) for key, row in zip(keys, rows)}
    aggregator.buckets = dict(zip(zip(bucket_keys, starts), counts))
    aggregator.windows = dict(zip(window_keys, windows_from(windows)))
    aggregator.fields, aggregator.bucket_every = named, every
    aggregator.unknown_keys, aggregator.field_values = unknown, values
    aggregator.key_sample, aggregator.value_sample, aggregator.window_sample = samples
    return aggregator


def _with_flapped(stats: KeyStats, windows: dict[str, Window]) -> KeyStats:
    """``stats`` with what it says about the key's values that flapped: their entries (most
    first), the first and last time of any of them, the first line of the SAMPLES with the
    most entries."""
    stats.flapped = top_values({value: w.entries for value, w in windows.items()}, len(windows))
    firsts = [w.first for w in windows.values() if w.first is not None]
    lasts = [w.last for w in windows.values() if w.last is not None]
    if firsts and lasts:
        stats.flapped_seen = (min(firsts).astimezone(UTC), max(lasts).astimezone(UTC))
    stats.flapped_samples = [show_sample(windows[v].sample) for v in list(stats.flapped)[:SAMPLES]]
    return stats


def _zoned(moment: datetime | None) -> datetime | None:
    return None if moment is None else moment.astimezone(UTC)


def ordered_fields(named: dict[str, dict[str, int]]) -> dict[str, dict[str, int]]:
    """Each field's values, most frequent first (then by value); fields in the order of
    their top value (most frequent, then by value, name)."""
    ordered = sorted(((name, list(top_values(values).items()))
                      for name, values in named.items() if values),
                     key=lambda item: (-item[1][0][1], item[1][0][0], item[0]))
    return {name: dict(values) for name, values in ordered}
