"""Group unmatched warning/error lines into templates: each line's variable parts masked
(its key while aggregating), then similar keys merged by the template miner; and how the
nightly summary recognises a template it has seen before."""

from __future__ import annotations

import re
from dataclasses import replace

from .miner import WILDCARD, TemplateMiner
from .result import Unknown

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


def merge_unknown(unknown: list[Unknown]) -> list[Unknown]:
    """Unknown entries whose masked templates the miner groups together, merged into one
    with the mined template (``<*>`` where they differ), most frequent first."""
    miner = TemplateMiner()
    groups: dict[str, list[Unknown]] = {}
    shapes = miner.add_all([u.template for u in unknown])
    for item, shape in zip(unknown, shapes):
        groups.setdefault(miner.template_of(shape).text, []).append(item)
    merged = [_merged(text, items) for text, items in groups.items()]
    return sorted(merged, key=lambda u: -u.count)


def _merged(template: str, items: list[Unknown]) -> Unknown:
    if len(items) == 1:
        return replace(items[0], template=template)
    top = max(items, key=lambda u: u.count)
    firsts = [u.first_seen for u in items if u.first_seen is not None]
    lasts = [u.last_seen for u in items if u.last_seen is not None]
    return Unknown(template=template, count=sum(u.count for u in items), level=top.level,
                   example=top.example, first_seen=min(firsts, default=None),
                   last_seen=max(lasts, default=None),
                   services=sorted({s for u in items for s in u.services}))


def covers(general: str, specific: str) -> bool:
    """Whether ``general`` matches ``specific`` token by token, ``<*>`` matching any."""
    wide, narrow = general.split(), specific.split()
    return len(wide) == len(narrow) and all(w == WILDCARD or w == n for w, n in zip(wide, narrow))


def is_known(template: str, known: set[str]) -> bool:
    """Whether a mined template is one of the known ones, or generalises or is generalised
    by one (the same message seen with more or fewer variable values)."""
    return template in known or any(covers(k, template) or covers(template, k) for k in known)


def remember(known: set[str], templates: list[str]) -> None:
    """Add templates to the known ones; one that a known template covers adds nothing, one
    that covers known templates replaces them (the state stays small and general)."""
    for template in templates:
        if any(covers(k, template) for k in known):
            continue
        known.difference_update([k for k in known if covers(template, k)])
        known.add(template)
