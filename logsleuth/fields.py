"""Split zerolog console text into its message and trailing ``key=value`` fields, in
linear time.

A field is ``key=value`` where the value is a quoted string (``"..."`` with ``\\``
escapes), a ``[...]`` list, a ``{...}`` object or a bare word; fields are separated by
single spaces and run to the end of the text. The split is at the leftmost space (or the
start) after which the rest is such a run of fields. A backtracking regex over this
grammar doubles its work with every ambiguous field (a value that reads both as quoted
and as bare), so a hostile 300-byte line could hang a run; here each candidate start is
decided once, right to left, from the decisions after it. A text with no quote, bracket
or brace (most lines) has only bare values: its fields are the longest run of
space-separated ``key=value`` words at its end, found by a plain split.
"""

from __future__ import annotations

import json
import re
from bisect import bisect_right
from typing import Final

_KEY: Final = re.compile(r"[A-Za-z_][\w.\-]*=")
_SPACED_KEY: Final = re.compile(rf" ({_KEY.pattern})")
_CLOSERS: Final = {"[": "]", "{": "}"}
FIELDS_MAX: Final = 64 * 1024
"""Fields are looked for in the last FIELDS_MAX characters: a tail longer than this is
kept as part of the message."""


_CHARS: Final = {char: re.compile(re.escape(char)) for char in (" ", '"', *_CLOSERS.values())}


def _positions(text: str, char: str) -> list[int]:
    return [match.start() for match in _CHARS[char].finditer(text)]


class _Ends:
    """Sorted positions of the characters that can end a value, for O(log n) look-ups."""

    def __init__(self, text: str) -> None:
        self.spaces = _positions(text, " ")
        self.closers = {close: _positions(text, close) for close in _CLOSERS.values()}
        self.quotes = _closing_quotes(text)
        self.length = len(text)

    def bare(self, start: int) -> int:
        """End of a bare value: the next space, or the end of the text."""
        index = bisect_right(self.spaces, start - 1)
        return self.spaces[index] if index < len(self.spaces) else self.length

    def delimited(self, text: str, start: int) -> int | None:
        """End (one past the closer) of a quoted, list or object value at ``start``."""
        opener = text[start] if start < self.length else ""
        positions = self.quotes if opener == '"' else self.closers.get(_CLOSERS.get(opener, ""))
        if positions is None:
            return None
        index = bisect_right(positions, start)
        return positions[index] + 1 if index < len(positions) else None


def _closing_quotes(text: str) -> list[int]:
    """Positions of ``"`` not escaped by the backslash run just before them. A quoted value
    opened at ``p`` ends at the first such position after ``p``: the run before it starts
    after ``p``, so its parity is the same whatever opened the value."""
    closing = []
    for quote in _positions(text, '"'):
        run = quote
        while run and text[run - 1] == "\\":
            run -= 1
        if (quote - run) % 2 == 0:
            closing.append(quote)
    return closing


def _keys(text: str) -> list[tuple[int, int]]:
    """(start, end) of each key where a field can start: at the start or after a space."""
    first = _KEY.match(text)
    keys = [(0, first.end())] if first else []
    return keys + [(key.start(1), key.end(1)) for key in _SPACED_KEY.finditer(text)]


def _unquote(value: str) -> str:
    """A quoted value read as JSON; without a backslash, JSON reads its inside as it is
    (or fails on a quote or control character inside, and the inside is taken as it is)."""
    if len(value) >= 2 and value[0] == '"' and value[-1] == '"':
        if "\\" not in value:
            return value[1:-1]
        try:
            return json.loads(value)
        except ValueError:
            return value[1:-1]
    return value


def split_fields(text: str) -> tuple[str, dict[str, str]]:
    """Split zerolog console text into the message and its trailing ``key=value`` fields."""
    if len(text) > FIELDS_MAX:
        cut = text.find(" ", len(text) - FIELDS_MAX)
        if cut < 0:
            return text, {}
        message, fields = split_fields(text[cut + 1:])
        return (text[:cut] + (" " + message if message else "")).rstrip(), fields
    if '"' not in text and "[" not in text and "{" not in text:
        return _split_bare(text)
    return _split_any(text)


def _split_any(text: str) -> tuple[str, dict[str, str]]:
    """``split_fields`` for a text of at most FIELDS_MAX characters, values of any kind."""
    ends = _Ends(text)
    keys = _keys(text)
    # next_field[s]: where the field starting at s ends, for each s that begins a valid tail
    next_field: dict[int, tuple[int, int]] = {}
    for start, value in reversed(keys):
        for end in (ends.delimited(text, value), ends.bare(value)):
            if end is not None and (end == len(text) or (text[end] == " " and end + 1 in next_field)):
                next_field[start] = (value, end)
                break
    for start, _ in keys:
        if start in next_field:
            return text[:max(start - 1, 0)].rstrip(), _collect(text, start, next_field)
    return text, {}


def _split_bare(text: str) -> tuple[str, dict[str, str]]:
    """``split_fields`` for a text in which every value is bare (it holds no ``"``, ``[``
    or ``{``): a value runs to the next space, so a field is one space-separated word."""
    words = text.split(" ")
    first = len(words)
    while first and _KEY.match(words[first - 1]):
        first -= 1
    if first == len(words):
        return text, {}
    fields = {}
    for word in words[first:]:
        key, _, value = word.partition("=")
        fields[key] = value
    return " ".join(words[:first]).rstrip(), fields


def _collect(text: str, start: int, next_field: dict[int, tuple[int, int]]) -> dict[str, str]:
    fields = {}
    while start < len(text):
        value, end = next_field[start]
        fields[text[start:value - 1]] = _unquote(text[value:end])
        start = end + 1
    return fields
