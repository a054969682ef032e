"""Incremental aggregation of classified entries, in plain Python, batch by batch.

Memory stays flat however long the input: per key (pattern id, or unknown template) we
keep counts, first/last seen, services, a few samples, capped tables of extracted field
values, and per-time-bucket counts (buckets coarsen when the table grows too large).
The caps apply after each batch, as the Polars aggregator this replaced applied them
(``tests/aggregate_polars.py``, which a test holds this one to, result for result): plain
Python costs half the CPU per entry and spares a small log the Polars import.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Callable
from zoneinfo import ZoneInfo

from .severity import SEVERITIES, Severity
from .classify import Entry

SAMPLES = 3
FIELD_VALUES = 20
MAX_KEYS = 2000
MAX_CONTAINERS = 50
MAX_BUCKET_ROWS = 50_000
BUCKET_SECONDS = {"1m": 60, "1h": 3600, "1d": 86400}   # finest first
UTC = ZoneInfo("UTC")              # the zone of every time in the results
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_SECOND = timedelta(seconds=1)
_RANK = {severity: Severity.rank(severity) for severity in SEVERITIES}


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

    def add(self, entry: Entry, moment: datetime | None) -> None:
        """Count one more entry of this key (``moment``: its time in UTC)."""
        self.count += 1
        if self.level is None:
            self.level = entry.level
        rank = _RANK.get(entry.severity, -1) if entry.severity else -1
        if rank > self.severity:
            self.severity = rank
        if moment is not None:
            if self.first_seen is None or moment < self.first_seen:
                self.first_seen = moment
            if self.last_seen is None or moment > self.last_seen:
                self.last_seen = moment
        if entry.service is not None:
            self.services.add(entry.service)
        container = entry.container
        if container is not None and len(self.containers) < MAX_CONTAINERS:
            self.containers[container] = None
        if len(self.samples) < SAMPLES:
            self.samples.append(entry.line)
        self.latest = entry.line

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
    return Tally(entry.pattern_id, entry.template, None, 0, -1, None, None, set(), {}, [], "")


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
        self.dropped_keys = 0

    def add(self, entries: list[Entry]) -> None:
        """Count a batch of entries; the caps apply once the batch is in."""
        if not entries:
            return
        tallies, fields, buckets = self.tallies, self.fields, self.buckets
        step = BUCKET_SECONDS[self.bucket_every]
        step_delta, grown, timed = step * _SECOND, set(), False
        begins = ends = EPOCH             # the bucket of the last time seen, [begins, ends)
        start = 0
        for entry in entries:
            key, moment = entry.key, entry.timestamp
            if moment is not None and moment.tzinfo is not timezone.utc:
                moment = in_utc(moment)
            tally = tallies.get(key)
            if tally is None:
                tally = tallies[key] = new_tally(entry)
            tally.add(entry, moment)
            if moment is not None:
                timed = True
                if not begins <= moment < ends:         # logs are mostly in time order
                    steps = (moment - EPOCH) // step_delta
                    start, begins = steps * step, EPOCH + steps * step_delta
                    ends = begins + step_delta
                buckets[key, start] = buckets.get((key, start), 0) + 1
            if entry.fields:
                named = fields.get(key) or fields.setdefault(key, {})
                for name, value in entry.fields:
                    values = named.get(name) or named.setdefault(name, {})
                    values[value] = values.get(value, 0) + 1
                    if len(values) > FIELD_VALUES:
                        grown.add((key, name))
        self._cap_keys()
        self._cap_field_values(grown)
        if timed:
            self._cap_buckets()

    def _cap_keys(self) -> None:
        """Over MAX_KEYS keys: keep every pattern, drop the rarest unknown templates."""
        if len(self.tallies) <= MAX_KEYS:
            return
        patterns = {k: t for k, t in self.tallies.items() if t.pattern_id is not None}
        unknown = sorted(((k, t) for k, t in self.tallies.items() if t.pattern_id is None),
                         key=lambda kv: -kv[1].count)
        keep = max(MAX_KEYS - len(patterns), 0)
        self.dropped_keys += max(len(unknown) - keep, 0)
        self.tallies = patterns | dict(unknown[:keep])

    def _cap_field_values(self, grown: set[tuple[str, str]]) -> None:
        for key, name in grown:
            self.fields[key][name] = top_values(self.fields[key][name])

    def _cap_buckets(self) -> None:
        """Over MAX_BUCKET_ROWS (key, bucket) counts: one step coarser buckets."""
        if len(self.buckets) > MAX_BUCKET_ROWS and self.bucket_every != "1d":
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
        for key, tally in later.tallies.items():
            if key in self.tallies:
                self.tallies[key].merge(tally)
            else:
                self.tallies[key] = tally
        self._cap_keys()
        for key, named in later.fields.items():
            ours = self.fields.setdefault(key, {})
            for name, values in named.items():
                mine = ours.setdefault(name, {})
                for value, count in values.items():
                    mine[value] = mine.get(value, 0) + count
                if len(mine) > FIELD_VALUES:
                    ours[name] = top_values(mine)
        for bucket, count in later.buckets.items():
            self.buckets[bucket] = self.buckets.get(bucket, 0) + count
        self._cap_buckets()
        self.dropped_keys += later.dropped_keys

    def results(self) -> list[KeyStats]:
        """One KeyStats per key, texts as read (redaction happens where a result leaves the
        library: :func:`logsleuth.outbound.release`)."""
        buckets: dict[str, dict[datetime, int]] = {}
        for (key, start), count in sorted(self.buckets.items(), key=lambda kv: kv[0][1]):
            buckets.setdefault(key, {})[datetime.fromtimestamp(start, UTC)] = count
        return [
            KeyStats(
                key=key, pattern_id=t.pattern_id, template=t.template, level=t.level,
                count=t.count, severity=SEVERITIES[t.severity] if t.severity >= 0 else None,
                first_seen=_zoned(t.first_seen), last_seen=_zoned(t.last_seen),
                services=sorted(t.services), containers=sorted(t.containers),
                samples=list(t.samples), latest=t.latest,
                fields=ordered_fields(self.fields.get(key, {})),
                buckets=buckets.get(key, {}),
            )
            for key, t in self.tallies.items()
        ]


def _zoned(moment: datetime | None) -> datetime | None:
    return None if moment is None else moment.astimezone(UTC)


def ordered_fields(named: dict[str, dict[str, int]]) -> dict[str, dict[str, int]]:
    """Each field's values, most frequent first (then by value); fields in the order of
    their top value (most frequent, then by value, name)."""
    ordered = sorted(((name, sorted(values.items(), key=lambda kv: (-kv[1], kv[0])))
                      for name, values in named.items() if values),
                     key=lambda item: (-item[1][0][1], item[1][0][0], item[0]))
    return {name: dict(values) for name, values in ordered}
