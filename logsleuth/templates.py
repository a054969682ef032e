"""Group unmatched warning/error lines (and unexplained crashes) into templates: the
statistics of keys (each line's message masked by ``masks``) that the template miner groups
together merged; and how the nightly summary recognises a template it has seen before."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Collection

from .aggregate import SAMPLES, KeyStats
from .severity import Severity
from .miner import WILDCARD, TemplateMiner


def merge_templated(stats: list[KeyStats]) -> list[KeyStats]:
    """Statistics of one pattern (or of unknown lines) whose templates the miner groups
    together, merged under the mined template (``<*>`` where they differ) where the first
    of them stood; statistics without a template are left as they are."""
    by_pattern: dict[str | None, list[KeyStats]] = {}
    for item in stats:
        if item.template is not None:
            by_pattern.setdefault(item.pattern_id, []).append(item)
    group_of: dict[int, tuple[str | None, str]] = {}
    groups: dict[tuple[str | None, str], list[KeyStats]] = {}
    for pattern_id, items in by_pattern.items():
        miner = TemplateMiner()
        for item, shape in zip(items, miner.add_all([i.template or "" for i in items])):
            key = group_of[id(item)] = (pattern_id, miner.template_of(shape).text)
            groups.setdefault(key, []).append(item)
    merged = []
    for item in stats:
        group = group_of.get(id(item))
        if group is None:
            merged.append(item)
        elif groups[group][0] is item:
            merged.append(_merged(group[1], groups[group]))
    return merged


def _merged(template: str, group: list[KeyStats]) -> KeyStats:
    if len(group) == 1:
        return replace(group[0], template=template)
    group = sorted(group, key=lambda s: -s.count)
    top, latest = group[0], max(group, key=lambda s: _moment(s.last_seen))
    firsts = [s.first_seen for s in group if s.first_seen is not None]
    lasts = [s.last_seen for s in group if s.last_seen is not None]
    return replace(
        top, key=f"{top.pattern_id or 'unknown'}:{template}", template=template,
        count=sum(s.count for s in group),
        severity=max((s.severity for s in group if s.severity), key=Severity.rank,
                     default=None),
        first_seen=min(firsts, default=None), last_seen=max(lasts, default=None),
        services=sorted({x for s in group for x in s.services}),
        containers=sorted({x for s in group for x in s.containers}),
        samples=[x for s in group for x in s.samples][:SAMPLES], latest=latest.latest,
        fields=_summed_fields(group), buckets=_summed([s.buckets for s in group]))


def _moment(moment: datetime | None) -> float:
    return moment.timestamp() if moment is not None else float("-inf")


def _summed(counts: list[dict]) -> dict:
    total: dict = {}
    for one in counts:
        for key, count in one.items():
            total[key] = total.get(key, 0) + count
    return dict(sorted(total.items()))


def _summed_fields(group: list[KeyStats]) -> dict[str, dict[str, int]]:
    names = dict.fromkeys(name for s in group for name in s.fields)
    return {name: dict(sorted(_summed([s.fields.get(name, {}) for s in group]).items(),
                              key=lambda kv: -kv[1]))
            for name in names}


def covers(general: str, specific: str) -> bool:
    """Whether ``general`` matches ``specific`` token by token, ``<*>`` matching any."""
    wide, narrow = general.split(), specific.split()
    return len(wide) == len(narrow) and all(w in (WILDCARD, n) for w, n in zip(wide, narrow))


def is_known(template: str, known: Collection[str]) -> bool:
    """Whether a mined template is one of the known ones, or generalises or is generalised
    by one (the same message seen with more or fewer variable values)."""
    return template in known or any(covers(k, template) or covers(template, k) for k in known)


def remember(known: dict[str, datetime], templates: list[str], seen: datetime) -> None:
    """Add tonight's templates to the known ones (template -> last seen): one that a known
    template covers refreshes that one, one that covers known templates replaces them (the
    state stays small and general)."""
    for template in templates:
        covering = [k for k in known if covers(k, template)]
        if covering:
            known.update(dict.fromkeys(covering, seen))
            continue
        for k in [k for k in known if covers(template, k)]:
            del known[k]
        known[template] = seen
