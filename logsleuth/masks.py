"""Mask the variable parts of a message (times, addresses, keys, ids, durations, numbers),
so that lines differing only in values share one template: the key under which unmatched
warnings and errors are counted while aggregating."""

from __future__ import annotations

import re
from typing import Callable

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
