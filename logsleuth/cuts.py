"""Where a big plain file is cut into parts for several processes: line boundaries that
start a timed entry continuing nothing (nor could continue a trace) whose time is its own
(not a year-less syslog time, whose year comes from the dated lines before it). Every
entry, and every time, then depends only on the lines of its own part before it: the
parts merged in file order give exactly the one-pass analysis."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from .classify import Classifier
from .envelope import continuation_body, decode_line, own_time, strip_controls
from .scan import candidates
from .sources import Source, compression

if TYPE_CHECKING:
    from .reader import Scanner

MIN_PART = 64 << 20          # below this a worker's start-up (~0.5 s) costs more than it saves
SEARCH_WINDOW = 4 << 20      # how far past a split point to look for a clean entry start
HEAD_START = 24 << 20        # the first part is longer when workers start a new interpreter
SHORTFALL = 0.2              # the caller's part is this much shorter than a lending worker's
MIN_LENT = 8 << 20           # less than this is not worth taking over (~50 ms of work)


def plan(scanner: Scanner, source: Source, jobs: int,
         forking: bool) -> list[tuple[int, int]]:
    """Byte ranges ``[start, end)`` covering the unread rest of ``source``; a single range
    when the input is not a plain file or too small to be worth splitting (``forking``:
    workers are forks, see :func:`part_sizes`)."""
    path = source.path
    if path is None or jobs < 2 or not path.is_file():
        return [(source.offset, -1)]
    size = path.stat().st_size
    with open(path, "rb") as handle:
        if compression(handle.read(8)) is not None:
            return [(source.offset, -1)]
    rest = size - source.offset
    parts = min(jobs, rest // MIN_PART)
    if parts < 2:
        return [(source.offset, -1)]
    first, step = part_sizes(rest, parts, forking)
    starts = [source.offset]
    for index in range(parts - 1):
        start = clean_start(scanner, path, source.offset + first + index * step)
        if start is not None and start > starts[-1]:
            starts.append(start)
    return list(zip(starts, [*starts[1:], size]))


def part_sizes(rest: int, parts: int, forking: bool) -> tuple[int, int]:
    """The length of the caller's part and of each worker's, about. Forks start at once and
    lend, so the caller's part is the shorter; new interpreters start late, so it is the
    longer.

    >>> part_sizes(1000, 2, forking=True)
    (445, 555)
    >>> part_sizes(1000, 2, forking=False)
    (563, 437)
    """
    if forking:
        step = int(rest / (parts - SHORTFALL))
        first = rest - (parts - 1) * step
    else:
        head = min(HEAD_START, rest // (4 * parts))
        step = (rest - head) // parts
        first = rest - (parts - 1) * step
    return first, step


def clean_start(scanner: Scanner, path: Path, near: int) -> int | None:
    """Offset of the first line after ``near`` that begins a timed entry which does not
    continue the line before it; None when there is none close by."""
    with open(path, "rb") as handle:
        handle.seek(near)
        window = handle.read(SEARCH_WINDOW)
    classifier = Classifier(scanner.catalog, scanner.rules, "", redact_output=False)
    pos = window.find(b"\n") + 1
    while pos:
        end = window.find(b"\n", pos) + 1
        if not end:
            return None
        line = strip_controls(window[pos:end])
        found, _ = candidates(line, scanner.engine)
        entry = classifier.entry(line, 1, found[0]) if found else None
        if entry is not None and entry.timestamp is not None and not (
                entry.pattern is not None and entry.pattern.continuation) \
                and not _may_continue_a_trace(scanner, line, entry.container) \
                and own_time(decode_line(line.rstrip(b"\n"))) == entry.timestamp:
            return near + pos
        pos = end
    return None


def _may_continue_a_trace(scanner: Scanner, line: bytes, container: str | None) -> bool:
    """Whether a line could continue a trace begun above it: with docker -t every line of a
    stack or of a pasted JSON document is timed, and a known one is an entry by itself."""
    body = continuation_body(decode_line(line.rstrip(b"\n")), container)
    return body is not None and any(t.compiled_body.match(body) for t in scanner.catalog.traces)
