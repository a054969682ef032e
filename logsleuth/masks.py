"""Mask the variable parts of a message (times, addresses, keys, ids, durations, numbers),
so that lines differing only in values share one template: the key under which unmatched
warnings and errors are counted while aggregating."""

from __future__ import annotations

import re

_MASKS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d| UTC)?"), "<time>"),
    (re.compile(r"\d{4}/\d\d/\d\d \d\d:\d\d:\d\d"), "<time>"),
    (re.compile(r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b"),
     "<uuid>"),
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
