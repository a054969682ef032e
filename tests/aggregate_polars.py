"""Incremental Polars aggregation of classified entries, merged batch by batch: the
reference the plain-Python ``aggregate.Aggregator`` is held to.

Per key (pattern id, or unknown template) it keeps counts, first/last seen, services, a few
samples, exact tables of extracted field values (cut to the shown FIELD_VALUES in
``results()``), and per-time-bucket counts (buckets coarsen while the table is too large).
Past MAX_KEYS unknown templates or FIELD_VALUES_KEPT field values, the members kept are
those whose stable hash is below a limit halved until they fit.

Flapping: unlike the plain aggregator's windows (a value's first and last ``count - 1``
times), it keeps every timed entry's minute per (key, value) of a flapping rule's field, in
input order (sampled past FLAP_VALUES_KEPT values like the rest), and asks Polars, for each
entry, whether ``count`` of the ``span`` entries of its value from it on lie within
``minutes``. Not flat in memory: it is the reference.
"""

from __future__ import annotations

from datetime import datetime
from typing import Callable

import polars as pl

from logsleuth import aggregate
from logsleuth.aggregate import FIELD_VALUES, MAX_CONTAINERS, SAMPLES, KeyStats
from logsleuth.catalog import SEVERITIES, Flapping
from logsleuth.entry import Entry
from logsleuth.flapping import keep_sample, show_sample, span
from logsleuth.sampling import stable_hash

_BUCKET_ORDER = ("1m", "1h", "1d")
_TIMES_SCHEMA = {"key": pl.String, "value": pl.String, "ts": pl.Datetime("us", "UTC"),
                 "line": pl.String}

_STATS_SCHEMA = {
    "key": pl.String, "pattern_id": pl.String, "template": pl.String, "level": pl.String,
    "count": pl.UInt32, "severity": pl.Int8,
    "first_seen": pl.Datetime("us", "UTC"), "last_seen": pl.Datetime("us", "UTC"),
    "services": pl.List(pl.String), "containers": pl.List(pl.String),
    "samples": pl.List(pl.String), "latest": pl.String,
}


class PolarsAggregator:
    """Accumulates entries in batches; ``results()`` gives one KeyStats per key."""

    def __init__(self) -> None:
        self._stats = pl.DataFrame(schema=_STATS_SCHEMA)
        self._fields = pl.DataFrame(schema={"key": pl.String, "field": pl.String,
                                            "value": pl.String, "count": pl.UInt32})
        self._buckets = pl.DataFrame(schema={"key": pl.String,
                                             "bucket": pl.Datetime("us", "UTC"),
                                             "count": pl.UInt32})
        self._times = pl.DataFrame(schema=_TIMES_SCHEMA)   # flapping fields' values, in order
        self._rules: dict[str, Flapping] = {}
        self.bucket_every = "1m"
        self.flap_shift = 0         # (key, value) times kept: likewise
        self.key_shift = 0          # unknown keys kept: hash < 2**64 >> key_shift
        self.value_shift = 0        # (key, field, value) triples kept: likewise

    @property
    def dropped_keys(self) -> int:
        unknown = self._stats.filter(pl.col("pattern_id").is_null()).height
        return unknown * ((1 << self.key_shift) - 1)

    def add(self, entries: list[Entry]) -> None:
        if not entries:
            return
        batch = pl.DataFrame(
            {
                "key": [e.key for e in entries],
                "pattern_id": [e.pattern_id for e in entries],
                "template": [e.template for e in entries],
                "level": [e.level for e in entries],
                "severity": [SEVERITIES.index(e.severity) if e.severity else -1 for e in entries],
                "ts": [e.timestamp for e in entries],
                "service": [e.service for e in entries],
                "container": [e.container for e in entries],
                "line": [keep_sample(e.line) for e in entries],
            },
            schema={"key": pl.String, "pattern_id": pl.String, "template": pl.String,
                    "level": pl.String, "severity": pl.Int8, "ts": pl.Datetime("us", "UTC"),
                    "service": pl.String, "container": pl.String, "line": pl.String},
        )
        self._merge_stats(batch)
        self._merge_fields(entries)
        self._merge_buckets(batch)
        self._merge_times(entries)

    def _merge_stats(self, batch: pl.DataFrame) -> None:
        stats = batch.group_by("key", maintain_order=True).agg(
            pl.col("pattern_id").first(), pl.col("template").first(),
            pl.col("level").drop_nulls().first(),
            pl.len().cast(pl.UInt32).alias("count"), pl.col("severity").max(),
            pl.col("ts").min().alias("first_seen"), pl.col("ts").max().alias("last_seen"),
            pl.col("service").drop_nulls().unique().alias("services"),
            pl.col("container").drop_nulls().unique(maintain_order=True).alias("containers"),
            pl.col("line").head(SAMPLES).alias("samples"), pl.col("line").last().alias("latest"),
        )
        self._combine_stats(stats)

    def _combine_stats(self, stats: pl.DataFrame) -> None:
        """Fold already aggregated rows (later in the input than ours) into the table."""
        merged = pl.concat([self._stats, stats], how="vertical_relaxed")
        self._stats = merged.group_by("key", maintain_order=True).agg(
            pl.col("pattern_id").first(), pl.col("template").first(),
            pl.col("level").drop_nulls().first(),
            pl.col("count").sum(), pl.col("severity").max(),
            pl.col("first_seen").min(), pl.col("last_seen").max(),
            pl.col("services").explode().drop_nulls().unique(),
            pl.col("containers").explode().drop_nulls().unique(maintain_order=True)
            .head(MAX_CONTAINERS),
            pl.col("samples").explode().head(SAMPLES), pl.col("latest").last(),
        )
        unknown = self._stats.filter(pl.col("pattern_id").is_null())
        hashes = pl.Series([stable_hash(key) for key in unknown["key"]], dtype=pl.UInt64)
        kept = _admitted(hashes, self.key_shift)
        while int(kept.sum()) > aggregate.MAX_KEYS:
            self.key_shift += 1
            kept = _admitted(hashes, self.key_shift)
        self._stats = self._stats.filter(
            pl.col("pattern_id").is_not_null() | pl.col("key").is_in(unknown["key"].filter(kept).implode()))

    def _merge_fields(self, entries: list[Entry]) -> None:
        rows = [(e.key, name, value) for e in entries for name, value in e.fields]
        if not rows:
            return
        batch = pl.DataFrame(rows, schema={"key": pl.String, "field": pl.String,
                                           "value": pl.String}, orient="row")
        counted = batch.group_by(["key", "field", "value"]).len("count").with_columns(
            pl.col("count").cast(pl.UInt32))
        self._combine_fields(counted)

    def _combine_fields(self, counted: pl.DataFrame) -> None:
        fields = (pl.concat([self._fields, counted])
                  .group_by(["key", "field", "value"]).agg(pl.col("count").sum())
                  .filter(pl.col("key").is_in(self._stats["key"].implode())))
        hashes = pl.Series([stable_hash(*row) for row in
                            fields.select("key", "field", "value").iter_rows()], dtype=pl.UInt64)
        kept = _admitted(hashes, self.value_shift)
        while int(kept.sum()) > aggregate.FIELD_VALUES_KEPT:
            self.value_shift += 1
            kept = _admitted(hashes, self.value_shift)
        self._fields = fields.filter(kept)

    def _merge_buckets(self, batch: pl.DataFrame) -> None:
        timed = batch.filter(pl.col("ts").is_not_null())
        if timed.is_empty():
            return
        counted = timed.group_by(
            ["key", pl.col("ts").dt.truncate(self.bucket_every).alias("bucket")]
        ).len("count").with_columns(pl.col("count").cast(pl.UInt32))
        self._combine_buckets(counted)

    def _combine_buckets(self, counted: pl.DataFrame) -> None:
        self._buckets = self._sum_buckets(pl.concat([self._buckets, counted]))
        self._buckets = self._buckets.filter(pl.col("key").is_in(self._stats["key"].implode()))
        while self._buckets.height > aggregate.MAX_BUCKET_ROWS and self.bucket_every != "1d":
            self.bucket_every = "1h" if self.bucket_every == "1m" else "1d"
            self._buckets = self._sum_buckets(self._buckets.with_columns(
                pl.col("bucket").dt.truncate(self.bucket_every)))

    def _merge_times(self, entries: list[Entry]) -> None:
        rows = []
        for entry in entries:
            rule = entry.pattern.flapping if entry.pattern is not None else None
            value = next((v for name, v in entry.fields if rule and name == rule.field), None)
            if rule is not None and value is not None and entry.timestamp is not None:
                self._rules[entry.key] = rule
                rows.append((entry.key, value, entry.timestamp, entry.line))
        if rows:
            self._combine_times(pl.DataFrame(rows, schema=_TIMES_SCHEMA, orient="row"))

    def _combine_times(self, later: pl.DataFrame) -> None:
        times = pl.concat([self._times, later])
        pairs = times.select("key", "value").unique()
        hashes = pl.Series([stable_hash(*pair) for pair in pairs.iter_rows()], dtype=pl.UInt64)
        kept = _admitted(hashes, self.flap_shift)
        while int(kept.sum()) > aggregate.FLAP_VALUES_KEPT:
            self.flap_shift += 1
            kept = _admitted(hashes, self.flap_shift)
        self._times = times.join(pairs.filter(kept), on=["key", "value"], how="semi",
                                 maintain_order="left")

    def _flapped(self) -> dict[str, dict[str, tuple[int, datetime, datetime, str]]]:
        """Per key, its values with ``count`` entries within ``minutes`` among ``span``
        consecutive ones: value → (timed entries, first and last time, first line), most
        entries first."""
        flapped: dict[str, dict[str, tuple[int, datetime, datetime, str]]] = {}
        for rule in set(self._rules.values()):
            keys = [key for key, of in self._rules.items() if of == rule]
            minute = pl.col("ts").dt.epoch("s") // 60
            following = pl.concat_list([minute.shift(-d).over("key", "value")
                                        for d in range(span(rule))]).list.drop_nulls().list.sort()
            gaps = [following.list.get(i + rule.count - 1, null_on_oob=True)
                    - following.list.get(i, null_on_oob=True) < rule.minutes
                    for i in range(span(rule) - rule.count + 1)]
            found = (self._times.filter(pl.col("key").is_in(keys))
                     .with_columns(pl.any_horizontal(gaps).fill_null(False).alias("bunched"))
                     .group_by("key", "value")
                     .agg(pl.len().alias("entries"), pl.col("bunched").any(),
                          pl.col("ts").min().alias("first"), pl.col("ts").max().alias("last"),
                          pl.col("line").first())
                     .filter(pl.col("bunched")).sort(["entries", "value"], descending=[True, False]))
            for key, value, entries, _, first, last, line in found.iter_rows():
                flapped.setdefault(key, {})[value] = (entries, first, last, line)
        return flapped

    def merge(self, later: PolarsAggregator) -> None:
        """Fold in the aggregate of the input that follows ours (another part of a file)."""
        coarsest = max(self.bucket_every, later.bucket_every, key=_BUCKET_ORDER.index)
        for aggregator in (self, later):
            if aggregator.bucket_every != coarsest:
                aggregator._buckets = aggregator._sum_buckets(aggregator._buckets.with_columns(
                    pl.col("bucket").dt.truncate(coarsest)))
                aggregator.bucket_every = coarsest
        self.key_shift = max(self.key_shift, later.key_shift)
        self.value_shift = max(self.value_shift, later.value_shift)
        self._combine_stats(later._stats)
        self._combine_fields(later._fields)
        self._combine_buckets(later._buckets)
        self.flap_shift = max(self.flap_shift, later.flap_shift)
        self._rules.update(later._rules)
        self._combine_times(later._times)

    @staticmethod
    def _sum_buckets(frame: pl.DataFrame) -> pl.DataFrame:
        return frame.group_by(["key", "bucket"]).agg(pl.col("count").sum())

    def results(self, clean: Callable[[str], str] = str) -> list[KeyStats]:
        """One KeyStats per key; ``clean`` (e.g. redaction) is applied to every text kept."""
        fields: dict[str, dict[str, dict[str, int]]] = {}
        shown = (self._fields
                 .sort(["count", "value", "key", "field"], descending=[True, False, False, False])
                 .group_by(["key", "field"], maintain_order=True).head(FIELD_VALUES))
        for key, name, value, count in shown.iter_rows():
            values = fields.setdefault(key, {}).setdefault(name, {})
            values[clean(value)] = values.get(clean(value), 0) + count
        buckets: dict[str, dict[datetime, int]] = {}
        for key, bucket, count in self._buckets.sort("bucket").iter_rows():
            buckets.setdefault(key, {})[bucket] = count
        flapped = self._flapped()
        return [
            KeyStats(
                key=row["key"], pattern_id=row["pattern_id"], template=row["template"],
                level=row["level"], count=row["count"],
                severity=SEVERITIES[row["severity"]] if row["severity"] >= 0 else None,
                first_seen=row["first_seen"], last_seen=row["last_seen"],
                services=sorted(row["services"]), containers=sorted(row["containers"]),
                samples=[clean(show_sample(s)) for s in row["samples"]],
                latest=clean(show_sample(row["latest"])),
                fields={name: dict(sorted(values.items(), key=lambda kv: -kv[1]))
                        for name, values in fields.get(row["key"], {}).items()},
                buckets=buckets.get(row["key"], {}),
                **_flapped_stats(flapped.get(row["key"], {}), clean),
            )
            for row in self._stats.iter_rows(named=True)
        ]



def _flapped_stats(values: dict[str, tuple[int, datetime, datetime, str]],
                   clean: Callable[[str], str]) -> dict:
    """KeyStats' flapped, flapped_seen and flapped_samples from each flapped value's
    (entries, first, last, first line)."""
    seen = (min(v[1] for v in values.values()), max(v[2] for v in values.values())) \
        if values else None
    return {"flapped": {value: v[0] for value, v in values.items()}, "flapped_seen": seen,
            "flapped_samples": [clean(show_sample(v[3])) for v in list(values.values())[:SAMPLES]]}


def _admitted(hashes: pl.Series, shift: int) -> pl.Series:
    """Which hashes are below ``2**64 >> shift``."""
    if shift == 0:
        return pl.Series([True] * len(hashes), dtype=pl.Boolean)
    return hashes < (1 << (64 - shift))
