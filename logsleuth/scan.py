"""One multi-pattern pass over a whole chunk: which lines hit which rules.

The scan only proposes candidates; ``classify`` confirms every (line, pattern) pair with
the full regex on the decoded line. So both engines give identical final results as long
as neither misses a line — which holds because scan regexes cannot match across a newline.

Engines: Hyperscan (block mode over the chunk, every pattern reported) where it has a
wheel, otherwise the stdlib ``re`` engine run pattern by pattern over the whole chunk.
"""

from __future__ import annotations

import contextlib
import importlib.util
import platform
import re
from bisect import bisect_left
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, NamedTuple, Protocol, Sequence

from .cache import cache_path, load, store
from .catalog import Catalog, CatalogError, Ignore, Pattern
from .catalog.portable import scan_form
from .speedups import HitList, cut_long_lines, map_hits

# Lines that are warnings or errors by their envelope. Unmatched ones become "unknown".
LEVEL_MARKERS: tuple[bytes, ...] = (
    rb"[0-9](?:Z|[+-][0-9][0-9]:[0-9][0-9]) (?:WRN|ERR|FTL|PNC)(?: |$)",
    rb'"level":"(?:warn|warning|error|fatal|panic)"',
    rb"(?:^|\| |\]: |[0-9]Z )(?:Error: |panic: |fatal error: |FATAL: )",
    rb"[0-9]{4}/[0-9][0-9]/[0-9][0-9] [0-9][0-9]:[0-9][0-9]:[0-9][0-9] [^\n]*(?i:error|fail|fatal|panic)",
)

# The same markers for the backtracking fallback, where they would restart at every Go
# timestamp of a line (95 s on a hostile 256 KB line): from the line's first timestamp only,
# committed (an atomic group), which finds exactly the same lines in linear time.
_STDLIB_FORMS: dict[bytes, bytes] = {
    LEVEL_MARKERS[3]: rb"^(?>[^\n]*?[0-9]{4}/[0-9][0-9]/[0-9][0-9] [0-9][0-9]:[0-9][0-9]:[0-9][0-9] )"
                      rb"[^\n]*(?i:error|fail|fatal|panic)",
}


@dataclass(frozen=True)
class Rule:
    kind: str            # "pattern" | "ignore" | "trace" | "frame" | "level"
    index: int           # position in the catalog's patterns / ignores / traces / LEVEL_MARKERS
    expression: bytes


class Candidate(NamedTuple):
    """A line the scan picked: its index within the chunk, byte span, and rule ids."""

    index: int  # type: ignore[assignment]  # shadows tuple.index, which nothing calls
    start: int
    end: int
    rules: frozenset[int]


class Engine(Protocol):
    name: str

    def hits(self, chunk: bytes) -> Sequence[tuple[int, int]]:
        """(end offset, rule id) for matches in the chunk; at least one per matching line."""


def build_rules(catalog: Catalog) -> list[Rule]:
    """Every regex the scan runs: the catalog's patterns (the part named by ``scan``, when
    a pattern gives one), ignores, trace starts and frames in their scan form, and the
    level markers."""
    sources = [("pattern", i, p.scanned) for i, p in enumerate(catalog.patterns)]
    sources += [("ignore", i, g.scanned) for i, g in enumerate(catalog.ignores)]
    sources += [("trace", i, t.start) for i, t in enumerate(catalog.traces) if t.start]
    sources += [("frame", i, t.frame) for i, t in enumerate(catalog.traces) if t.frame]
    forms = _scan_forms([regex for _, _, regex in sources])
    rules = [Rule(kind, i, b"(?:^|\\| )(?:" + form + b")" if kind == "frame" else form)
             for (kind, i, _), form in zip(sources, forms)]
    return rules + [Rule("level", i, expr) for i, expr in enumerate(LEVEL_MARKERS)]


def _scan_forms(regexes: list[str]) -> list[bytes]:
    """``scan_form`` of each regex, cached by the regexes and the code that forms them
    (tokenizing the whole catalog is a fifth of a small run's start-up)."""
    import json

    from .catalog import portable

    code = Path(portable.__file__).read_bytes()
    path = cache_path("scan-forms", code, *(r.encode() for r in regexes)).with_suffix(".json")
    data = load(path)
    if data is not None:
        with contextlib.suppress(ValueError):
            return [form.encode("latin-1") for form in json.loads(data)]
    forms = [scan_form(regex) for regex in regexes]
    store(path, json.dumps([form.decode("latin-1") for form in forms]).encode())
    return forms


class HyperscanEngine:
    name = "hyperscan"

    def __init__(self, rules: list[Rule], cache_dir: Path | None = None) -> None:
        import hyperscan

        expressions = [r.expression for r in rules]
        cached = _cache_file(expressions, cache_dir)
        data = load(cached)
        if data is not None:
            try:
                self._db = hyperscan.loadb(data, mode=hyperscan.HS_MODE_BLOCK)
                self._db.scratch = hyperscan.Scratch(self._db)
                self._db.scan(b"probe\n", match_event_handler=lambda *_: None)
                return
            except (hyperscan.error, OSError, TypeError, ValueError):
                pass                                  # a stale or damaged cache: compile
        self._db = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
        try:
            self._db.compile(
                expressions=expressions,
                ids=list(range(len(rules))),
                elements=len(rules),
                flags=[hyperscan.HS_FLAG_MULTILINE] * len(rules),
            )
        except hyperscan.error as exc:
            raise CatalogError(f"the fast scanner cannot compile the catalog: {exc}") from None
        store(cached, hyperscan.dumpb(self._db))

    def hits(self, chunk: bytes) -> Sequence[tuple[int, int]]:
        found = HitList()
        if chunk:
            self._db.scan(chunk, match_event_handler=found)
        return found


MATCH_WINDOW = 64 * 1024
"""How much of a line either engine matches: the classifier confirms no further
(classify.MAX_MATCH_CHARS), so both engines find the same lines; and in the backtracking
fallback a catalog regex like the kernel OOM kill's restarts at every repetition of its
start on a hostile line (41 s for 1 MiB, quadratic)."""


def _within_window(chunk: bytes) -> tuple[bytes, list[int], list[int]]:
    """The chunk with every line cut at MATCH_WINDOW, and how to map an offset in it back:
    the positions of the cuts (in the cut chunk) and the bytes removed up to each. Cutting
    (rather than blanking the rest) keeps a hostile megabyte line from becoming a million
    empty lines that every ``^``-anchored rule of the fallback engine visits."""
    if not _may_hold_long_line(chunk):
        return chunk, [], []
    return cut_long_lines(chunk, MATCH_WINDOW)


def _may_hold_long_line(chunk: bytes) -> bool:
    """Whether some aligned half-window of the chunk holds no newline, which every line of
    MATCH_WINDOW bytes or more does: a few ``find`` calls rule long lines out."""
    half = MATCH_WINDOW // 2
    return any(chunk.find(b"\n", start, start + half) < 0 for start in range(0, len(chunk), half))


def _original_offsets(hits: Sequence[tuple[int, int]], cuts: list[int],
                      removed: list[int]) -> Sequence[tuple[int, int]]:
    """Match end offsets in the cut chunk, moved back to the chunk (a match cannot end
    inside a removed tail: it would have to run past the window's end)."""
    if not cuts:
        return hits
    moved = []
    for end, rule_id in hits:
        before = bisect_left(cuts, end)            # cuts strictly before this end
        moved.append((end + (removed[before - 1] if before else 0), rule_id))
    return moved


class RegexEngine:
    """Fallback: stdlib ``re`` per rule over the whole chunk (C speed, no per-line loop)."""

    name = "re"

    def __init__(self, rules: list[Rule]) -> None:
        self._compiled = [re.compile(_STDLIB_FORMS.get(r.expression, r.expression), re.MULTILINE)
                          for r in rules]

    def hits(self, chunk: bytes) -> list[tuple[int, int]]:
        found: list[tuple[int, int]] = []
        for rule_id, compiled in enumerate(self._compiled):
            found.extend((m.end(), rule_id) for m in compiled.finditer(chunk))
        return found


def _cache_file(expressions: list[bytes], cache_dir: Path | None) -> Path:
    """Where the compiled database for these expressions is cached (compiling costs ~0.15 s)."""
    import hyperscan

    version = getattr(hyperscan, "__version__", "?").encode()
    return cache_path("hyperscan", version, platform.machine().encode(), *expressions,
                      cache_dir=cache_dir).with_suffix(".db")


def make_engine(rules: list[Rule], engine: str = "auto") -> Engine:
    """``auto`` prefers Hyperscan and falls back to ``re`` where it cannot be imported."""
    if engine in ("auto", "hyperscan"):
        try:
            return HyperscanEngine(rules)
        except ImportError:
            if engine == "hyperscan":
                raise
    return RegexEngine(rules)


def candidates(chunk: bytes, engine: Engine) -> tuple[list[Candidate], int]:
    """Map match offsets back to lines: one Candidate per line with all its rule ids; also
    the chunk's number of lines (counted on the way, so the chunk is counted once)."""
    window, cuts, removed = _within_window(chunk)
    return map_hits(chunk, _original_offsets(engine.hits(window), cuts, removed), Candidate)


def compile_check(entries: Iterable[Pattern | Ignore]) -> list[tuple[Pattern | Ignore, str]]:
    """Entries the fast scanner cannot compile, or that report a match per character."""
    if importlib.util.find_spec("hyperscan") is None:
        return []
    problems: list[tuple[Pattern | Ignore, str]] = []
    for entry in entries:
        rule = [Rule("pattern", 0, scan_form(entry.scanned))]
        try:
            engine = HyperscanEngine(rule)
        except CatalogError as exc:
            problems.append((entry, str(exc).replace("the fast scanner cannot compile the "
                                                     "catalog", "Hyperscan cannot compile it")))
            continue
        for sample in entry.samples_match:
            reports = len(engine.hits(sample.encode("utf-8")))
            if reports > 8:
                problems.append((entry, f"reports {reports} matches on one sample line: end the "
                                        "regex with a literal or $ instead of a repetition"))
                break
    return problems
