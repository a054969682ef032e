"""Mask the variable parts of a message (times, addresses, keys, ids, durations, numbers),
so that lines differing only in values share one template: the key under which unmatched
warnings and errors are counted while aggregating."""

from __future__ import annotations

import re
from hashlib import blake2b
from typing import Callable, Final, NamedTuple


class _Mask(NamedTuple):
    """One mask, and what a message needs for the mask to find anything in it: a decimal
    digit (``digit``; no mask puts one back), one of the substrings ``needs`` (empty: no
    such need)."""

    pattern: re.Pattern[str]
    text: str
    digit: bool = False
    needs: tuple[str, ...] = ()


_MASKS: Final[tuple[_Mask, ...]] = (
    _Mask(re.compile(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d| UTC)?"),
          "<time>", True, (":",)),
    _Mask(re.compile(r"\d{4}/\d\d/\d\d \d\d:\d\d:\d\d"), "<time>", True, (":",)),
    _Mask(re.compile(r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b"),
          "<uuid>", False, ("-",)),
    _Mask(re.compile(r"\b(?:\d{1,3}\.){3}\d{1,3}(?::\d+)?\b"), "<ip>", True, (".",)),
    _Mask(re.compile(r"\[[0-9a-fA-F:]+\](?::\d+)?|\b(?:[0-9a-fA-F]{1,4}:){3,7}[0-9a-fA-F]{1,4}\b"),
          "<ip>", False, ("[", ":")),
    _Mask(re.compile(r"\b(?:hskey|tskey|nodekey|mkey|discokey|privkey)[-:][\w-]+"), "<key>",
          False, ("key",)),
    _Mask(re.compile(r"\[[A-Za-z0-9+/]{5}\]"), "<key>", False, ("[",)),
    _Mask(re.compile(r"\b0x[0-9a-fA-F]+\b|\b[0-9a-fA-F]{8,}\b"), "<hex>"),
    _Mask(re.compile(r"\b\d+(?:\.\d+)?(?:ns|µs|us|ms|s|m|h)\b|\b(?:\d+h)?(?:\d+m)?\d+(?:\.\d+)?s\b"),
          "<dur>", True),
    _Mask(re.compile(r"\d+(?:\.\d+)*"), "<n>", True),
)
_DIGIT: Final = re.compile(r"\d")
MAX_TEMPLATE: Final = 240


def template_of(message: str) -> str:
    """The message with times, addresses, keys, ids, durations and numbers masked (a mask
    that cannot find anything in it is not tried)."""
    digit = _DIGIT.search(message) is not None
    for pattern, mask, needs_digit, needs in _MASKS:
        if (digit or not needs_digit) and (not needs or any(n in message for n in needs)):
            message = pattern.sub(mask, message)
    return message[:MAX_TEMPLATE]


_ASCII_DIGITS: Final = bytes.maketrans(b"123456789", b"000000000")
_SHORT_SHAPE: Final = 2048     # longer shapes are kept as a digest (a memo of 4,096 keys stays light)


def _shape_key(text: str) -> bytes | tuple[bytes]:
    """The text with its ASCII digits made ``0``, as UTF-8 (lone surrogates, which a JSON
    escape can give, passed through): ten times faster than ``str.translate``, and the
    same up to the encoding, which is one-to-one and puts ASCII digits only where they are.
    A long shape is its 128-bit BLAKE2b digest, in a 1-tuple that no short shape equals."""
    shape = text.encode("utf-8", "surrogatepass").translate(_ASCII_DIGITS)
    if len(shape) <= _SHORT_SHAPE:
        return shape
    return (blake2b(shape, digest_size=16).digest(),)


class TemplateMemo:
    """``template_of(clean(message))``, computed once for all messages of one shape: the
    same text up to its ASCII digits. Every mask and every redaction rule treats all ASCII
    digits alike (``\\d``, ``\\w``, ``[0-9a-f]``, ``isalnum``) and the last mask takes every
    digit left, so such messages share their template. Shapes of two kinds are kept: the
    text a message is read from (a console line's body) and the message itself, which
    many texts can give (lines that differ only in fields other than their error). Long
    texts are memoised too (by digest): a crash loop's 6 KB error line costs its masks and
    field split (~2 ms) once, not on every line."""

    def __init__(self, clean: Callable[[str], str], size: int = 4096) -> None:
        self._clean = clean
        self._known: dict[tuple[str, bytes | tuple[bytes]], str] = {}
        self._size = size

    def template(self, kind: str, shape: str, message: Callable[[], str]) -> str:
        """The template of ``message()``, which ``shape`` determines up to its digits
        (``kind`` tells how: the same shape read two ways gives two messages)."""
        key = (kind, _shape_key(shape))
        known = self._known.get(key)
        if known is None:
            known = self._remember(key, self._of_message(message()))
        return known

    def _of_message(self, message: str) -> str:
        key = ("message", _shape_key(message))
        known = self._known.get(key)
        if known is None:
            known = self._remember(key, template_of(self._clean(message)))
        return known

    def _remember(self, key: tuple[str, bytes | tuple[bytes]], template: str) -> str:
        if len(self._known) >= self._size:
            self._known.clear()
        self._known[key] = template
        return template
