"""The byte-level loops, in C where the optional extension ``logsleuth._speedups`` was built
and in Python otherwise: one name each for every caller, identical results either way
(tests/test_speedups.py). ``LOGSLEUTH_NO_SPEEDUPS=1`` forces the Python twins.

- :func:`strip_controls`: ANSI colour/cursor codes and carriage returns out of a chunk;
- :func:`cut_long_lines`: a chunk's lines cut at a width, and how to map offsets back;
- :class:`HitList`: the scan's match callback, keeping each match's (end, rule id);
- :func:`map_hits`: the scan's (end offset, rule id) hits turned into one record per line
  (index, start, end, rule ids) and the chunk's newline count, in one pass;
- :func:`console_prefix`: the pieces of a Headscale console line's start (compose name,
  stamp, level, caller) and where its message begins;
- :func:`digit_run`: whether a text holds so many ASCII digits in a row.
"""

from __future__ import annotations

import os
import re
from functools import lru_cache
from typing import Callable, Sequence, TypeVar

_ANSI = re.compile(rb"\x1b(?:\[[0-9;?]*[A-Za-z]|\][^\x07\n]*\x07)")
RFC3339 = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)"
CONSOLE_START = re.compile(   # a console line up to its message: compose name, stamp, level, caller
    r"(?:(?P<name>[A-Za-z0-9][A-Za-z0-9_.-]{0,254}) +\| ?)?"
    rf"(?P<ts>{RFC3339}) (?P<lvl>TRC|DBG|INF|WRN|ERR|FTL|PNC|\?\?\?)(?: |$)"
    r"(?:(?P<caller>[^ ]+\.go:\d+) > ?)?")

Record = TypeVar("Record", bound=tuple)
ConsolePrefix = tuple[str | None, str, str, str | None, int]


def strip_controls_py(chunk: bytes) -> bytes:
    """Remove ANSI colour/cursor codes and carriage returns from a whole chunk at once.
    Every code starts with ESC: the regex is tried only where ``find`` (memchr) lands,
    which is what ``_ANSI.sub`` does, three times faster on a chunk with a few codes."""
    find, match = chunk.find, _ANSI.match
    pos = find(b"\x1b")
    if pos >= 0:
        pieces, done = [], 0
        while pos >= 0:
            code = match(chunk, pos)
            if code is None:
                pos = find(b"\x1b", pos + 1)
                continue
            pieces.append(chunk[done:pos])
            done = code.end()
            pos = find(b"\x1b", done)
        pieces.append(chunk[done:])
        chunk = b"".join(pieces)
    return chunk.replace(b"\r", b"") if b"\r" in chunk else chunk


@lru_cache(maxsize=4)
def _long_line(width: int) -> re.Pattern[bytes]:
    return re.compile(rb"^[^\n]{%d}" % width, re.MULTILINE)


def cut_long_lines_py(chunk: bytes, width: int) -> tuple[bytes, list[int], list[int]]:
    """The chunk with every line cut at ``width`` bytes, and how to map an offset in it back:
    the positions of the cuts (in the cut chunk) and the bytes removed up to each."""
    if max(map(len, chunk.split(b"\n"))) < width:
        return chunk, [], []
    parts, cuts, removed_total = [], [], []
    pos = removed = 0
    for match in _long_line(width).finditer(chunk):
        start = match.end()
        end = chunk.find(b"\n", start)
        end = len(chunk) if end < 0 else end
        parts.append(chunk[pos:start])
        cuts.append(start - removed)
        removed += end - start
        removed_total.append(removed)
        pos = end
    parts.append(chunk[pos:])
    return b"".join(parts), cuts, removed_total


class HitList_py(list):
    """The scan's match callback (Hyperscan calls it with rule id, start, end, flags and
    context): keeps each match's (end, rule id), a list of them."""

    def __call__(self, rule_id: int, _start: int, end: int, _flags: int, _context: object) -> None:
        self.append((end, rule_id))


def map_hits_py(chunk: bytes, hits: Sequence[tuple[int, int]],
                make: Callable[..., Record]) -> tuple[list[Record], int]:
    """One ``make(index, start, end, rule ids)`` per line the hits (match end offset, rule
    id) fall on, in line order, and the chunk's number of newlines (counted on the way, so
    the chunk is counted once)."""
    by_line: list[Record] = []
    line_start = line_end = -1
    line_index, counted_to = 0, 0
    rules: set[int] = set()
    for pos, rule_id in sorted((max(end - 1, 0), rule_id) for end, rule_id in hits):
        if pos >= line_end:
            if rules:
                by_line.append(make(line_index, line_start, line_end, frozenset(rules)))
            line_start = chunk.rfind(b"\n", 0, pos) + 1
            nl = chunk.find(b"\n", pos)
            line_end = nl if nl >= 0 else len(chunk)
            line_index += chunk.count(b"\n", counted_to, line_start)
            counted_to = line_start
            rules = set()
        rules.add(rule_id)
    if rules:
        by_line.append(make(line_index, line_start, line_end, frozenset(rules)))
    return by_line, line_index + chunk.count(b"\n", counted_to)


def console_prefix_py(line: str) -> ConsolePrefix | None:
    """(compose name, stamp, level, caller, where the message starts) of a Headscale console
    line, compose-wrapped or not; None for any other line."""
    match = CONSOLE_START.match(line)
    if match is None:
        return None
    return match["name"], match["ts"], match["lvl"], match["caller"], match.end()


@lru_cache(maxsize=4)
def _digits(count: int) -> re.Pattern[str]:
    return re.compile("[0-9]{%d}" % count)


def digit_run_py(text: str, count: int) -> bool:
    """Whether ``text`` holds ``count`` ASCII digits in a row."""
    return count <= 0 or _digits(count).search(text) is not None


strip_controls = strip_controls_py
cut_long_lines = cut_long_lines_py
HitList: type[HitList_py] = HitList_py
map_hits = map_hits_py
console_prefix = console_prefix_py
digit_run = digit_run_py
NAMES = ("strip_controls", "cut_long_lines", "HitList", "map_hits", "console_prefix", "digit_run")
"""The byte loops, each with a ``_py`` twin here and a C twin in the extension."""
ACTIVE = False
"""Whether the C versions are the ones in use."""

if os.environ.get("LOGSLEUTH_NO_SPEEDUPS", "") in ("", "0"):
    try:
        from . import _speedups
    except ImportError:
        pass
    else:
        strip_controls = _speedups.strip_controls
        cut_long_lines = _speedups.cut_long_lines
        HitList = _speedups.HitList
        map_hits = _speedups.map_hits
        console_prefix = _speedups.console_prefix
        digit_run = _speedups.digit_run
        ACTIVE = True
