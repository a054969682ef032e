"""Group unmatched warning/error lines (and unexplained crashes) into templates: each
line's variable parts masked (its key while aggregating), then the statistics of keys the
template miner groups together merged; and how the nightly summary recognises a template
it has seen before."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Callable

from .catalog import SEVERITIES
from .miner import WILDCARD, TemplateMiner

if TYPE_CHECKING:
    from .aggregate import KeyStats

_MASKS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d| UTC)?"), "<time>"),
    (re.compile(r"\d{4}/\d\d/\d\d \d\d:\d\d:\d\d"), "<time>"),
    (re.compile(r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b"), "<uuid>"),
    (re.compile(r"\b(?:\d{1,3}\.){3}\d{1,3}(?::\d+)?\b"), "<ip>"),
    (re.compile(r"\[[0-9a-fA-F:]+\](?::\d+)?|\b(?:[0-9a-fA-F]{1,4}:){3,7}[0-9a-fA-F]{1,4}\b"), "<ip>"),
    (re.compile(r"\b(?:hskey|tskey|nodekey|mkey|discokey|privkey)[-:][\w-]+"), "<key>"),
    (re.compile(r"\[[A-Za-z0-9+/]{5}\]"), "<key>"),
    (re.compile(r"\b0x[0-9a-fA-F]+\b|\b[0-9a-fA-F]{8,}\b"), "<hex>"),
    (re.compile(r"\b\d+(?:\.\d+)?(?:ns|µs|us|ms|s|m|h)\b|\b(?:\d+h)?(?:\d+m)?\d+(?:\.\d+)?s\b"), "<dur>"),
    (re.compile(r"\d+(?:\.\d+)*"), "<n>"),
)
MAX_TEMPLATE = 240


def template_of(message: str) -> str:
    """The message with times, addresses, keys, ids, durations and numbers masked."""
    for pattern, mask in _MASKS:
        message = pattern.sub(mask, message)
    return message[:MAX_TEMPLATE]


_ASCII_DIGITS = str.maketrans("123456789", "000000000")


class TemplateMemo:
    """``template_of(clean(message))``, computed once for all messages of one shape: the
    same text up to its ASCII digits. Every mask and every redaction rule treats all ASCII
    digits alike (``\\d``, ``\\w``, ``[0-9a-f]``, ``isalnum``) and the last mask takes every
    digit left, so such messages share their template."""

    def __init__(self, clean: Callable[[str], str], size: int = 2048,
                 longest: int = 2048) -> None:
        self._clean = clean
        self._known: dict[tuple[str, str], str] = {}
        self._size = size
        self._longest = longest

    def template(self, kind: str, shape: str, message: Callable[[], str]) -> str:
        """The template of ``message()``, which ``shape`` determines up to its digits
        (``kind`` tells how: the same shape read two ways gives two messages)."""
        if len(shape) > self._longest:
            return template_of(self._clean(message()))
        key = (kind, shape.translate(_ASCII_DIGITS))
        known = self._known.get(key)
        if known is None:
            if len(self._known) >= self._size:
                self._known.clear()
            known = self._known[key] = template_of(self._clean(message()))
        return known


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
        key = group_of.get(id(item))
        if key is None:
            merged.append(item)
        elif groups[key][0] is item:
            merged.append(_merged(key[1], groups[key]))
    return merged


def _merged(template: str, group: list[KeyStats]) -> KeyStats:
    from .aggregate import SAMPLES          # aggregate imports classify, which imports us

    if len(group) == 1:
        return replace(group[0], template=template)
    group = sorted(group, key=lambda s: -s.count)
    top, latest = group[0], max(group, key=lambda s: _moment(s.last_seen))
    firsts = [s.first_seen for s in group if s.first_seen is not None]
    lasts = [s.last_seen for s in group if s.last_seen is not None]
    return replace(
        top, key=f"{top.pattern_id or 'unknown'}:{template}", template=template,
        count=sum(s.count for s in group),
        severity=max((s.severity for s in group if s.severity), key=SEVERITIES.index,
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
    return len(wide) == len(narrow) and all(w == WILDCARD or w == n for w, n in zip(wide, narrow))


def is_known(template: str, known: set[str]) -> bool:
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