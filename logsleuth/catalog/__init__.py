"""The knowledge base: load and validate the ``patterns/*.toml`` catalogs.

A catalog file holds ``[[pattern]]`` tables (a known problem: regex, category, cause, fix,
samples) and ``[[ignore]]`` tables (known-harmless warnings that must not be reported as
unknown errors), ``[[trace]]`` shapes and the words of the bundle rules. Every entry carries
sample lines that prove it (run by ``logsleuth patterns lint``); keys nobody reads are
rejected, so a misspelt one cannot silently change nothing.

The package: this loader; ``entries`` (the entry types); ``portable`` (the regex dialect:
subset rules, tokenizer, scan form, ERE); ``programs`` (the compiled regexes, kept between
runs); ``lint`` (``logsleuth patterns lint``);
``export`` (Prometheus/Loki rules, grep and rg pattern lists).
"""

from __future__ import annotations

import contextlib
import json
import tomllib
from collections.abc import Iterator
from importlib import resources
from pathlib import Path

from .entries import (
    CATEGORIES,
    DEFAULT_PRIORITY,
    Catalog,
    CatalogError,
    Check,
    ChecklistItem,
    Correlation,
    Flapping,
    Hint,
    Ignore,
    Pattern,
    Sample,
    Trace,
)
from .. import cache
from ..cache import cache_path
from ..severity import SEVERITIES
from . import programs
from .portable import is_factor, lint_regex
from .programs import compile_regex

__all__ = ["CATEGORIES", "SEVERITIES", "Catalog", "CatalogError", "Check", "ChecklistItem",
           "Correlation", "Flapping", "Hint", "Ignore", "Pattern", "Sample", "Trace",
           "builtin_dir", "load_catalog"]
"""The loader, and the entry types it loads (defined in ``entries``)."""


def builtin_dir() -> Path:
    """The catalog shipped inside the package."""
    return Path(str(resources.files("logsleuth") / "patterns"))


def load_catalog(extra_dirs: tuple[Path, ...] = (), strict: bool = True) -> Catalog:
    """Load the built-in catalog plus any extra directories; raise CatalogError on problems.
    ``strict=False`` (for ``patterns lint``) lets non-portable user regexes through so that
    every problem can be listed; they must still compile."""
    files: list[Path] = sorted(builtin_dir().glob("*.toml"))
    builtin = len(files)
    for directory in extra_dirs:
        if not directory.is_dir():
            raise CatalogError(f"{directory}: not a directory of pattern files")
        files.extend(sorted(directory.glob("*.toml")))
    raws = [_read(path) for path in files]
    programs_file = programs.cache_file(raws)
    recorded = programs.load(programs_file)
    loaded: dict[str, list] = {kind: [] for kind in _TABLES}
    seen: dict[str, str] = {}
    for index, (path, raw) in enumerate(zip(files, raws)):
        for kind, entries in _load_file(path, raw).items():
            for entry in entries:
                if index >= builtin and kind in ("pattern", "ignore"):
                    _check_user_regex(path, entry.id, entry.regex, strict)
                if entry.id in seen:
                    raise CatalogError(f"{path}: {entry.id}: duplicate id "
                                       f"(first defined in {seen[entry.id]})")
                seen[entry.id] = str(path)
            loaded[kind].extend(entries)
    catalog = Catalog(*(tuple(loaded[kind]) for kind in _TABLES))
    if not recorded:
        programs.record(programs_file, _regexes(catalog))
    return catalog


def _regexes(catalog: Catalog) -> Iterator[str]:
    """Every regex of the catalog that is compiled with :func:`compile_regex`."""
    for pattern in catalog.patterns:
        yield pattern.regex
        if pattern.scan:
            yield pattern.scan
    yield from (ignore.regex for ignore in catalog.ignores)
    for trace in catalog.traces:
        yield from (form for form in (trace.body, trace.start, trace.frame) if form)


def _check_user_regex(path: Path, entry_id: str, pattern: str, strict: bool) -> None:
    """User catalogs: a regex that does not compile, is not portable or can backtrack
    catastrophically is rejected at load, before it can fail or hang a run."""
    _compile(path, entry_id, pattern)
    reasons = lint_regex(pattern) if strict else []
    if reasons:
        raise CatalogError(f"{path}: {entry_id}: {reasons[0]}")


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise CatalogError(f"{path}: cannot read: {exc}") from None


def _load_file(path: Path, raw: bytes) -> dict[str, list]:
    try:
        data = _parsed(raw)
    except UnicodeDecodeError as exc:
        raise CatalogError(f"{path}: cannot read: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise CatalogError(f"{path}: invalid TOML: {exc}") from None
    unknown = set(data) - set(_TABLES)
    if unknown:
        raise CatalogError(f"{path}: unknown top-level tables {sorted(unknown)}")
    return {kind: [parse(path, _known_keys(path, raw, kind)) for raw in data.get(kind, [])]
            for kind, parse in _TABLES.items()}


def _parsed(raw: bytes) -> dict:
    """A pattern file's TOML parsed; the parse is cached as JSON keyed by the file's bytes
    (parsing all the catalog's TOML is most of a small run's start-up). A file whose values
    JSON cannot hold (TOML dates) is parsed every time."""
    cached = cache_path("toml", raw).with_suffix(".json")
    text = cache.load(cached)
    if text is not None:
        try:
            return json.loads(text)
        except ValueError:
            pass                                    # damaged: parse again
    data = tomllib.loads(raw.decode("utf-8"))
    with contextlib.suppress(TypeError):
        cache.store(cached, json.dumps(data, ensure_ascii=False).encode("utf-8"))
    return data


def _known_keys(path: Path, raw: object, kind: str, entry_id: str = "") -> dict:
    """``raw`` when it is a table of ``kind`` holding only keys the loader reads."""
    entry_id = entry_id or (raw.get("id", "?") if isinstance(raw, dict) else "?")
    if not isinstance(raw, dict):
        raise CatalogError(f"{path}: {entry_id}: '{kind}' must be a table")
    unknown = sorted(set(raw) - _KEYS[kind])
    if unknown:
        raise CatalogError(f"{path}: {entry_id}: unknown key(s) in {kind}: {', '.join(unknown)}")
    return raw


def _require(path: Path, raw: dict, key: str, kind: type = str):
    pid = raw.get("id", "?")
    if key not in raw:
        raise CatalogError(f"{path}: {pid}: missing required key '{key}'")
    value = raw[key]
    if not isinstance(value, kind):
        raise CatalogError(f"{path}: {pid}: '{key}' must be {kind.__name__}")
    return value


def _str_list(path: Path, raw: dict, key: str, entry_id: str = "") -> tuple[str, ...]:
    value = raw.get(key, [])
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise CatalogError(f"{path}: {entry_id or raw.get('id', '?')}: '{key}' must be a list of strings")
    return tuple(value)


def _samples(path: Path, raw: dict, entry_id: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Lines (or bundle texts) that must match, and near misses that must not."""
    samples = _known_keys(path, raw.get("samples", {}), "samples", entry_id)
    return (_str_list(path, samples, "match", entry_id),
            _str_list(path, samples, "no_match", entry_id))


def _pattern_samples(path: Path, raw: dict, pid: str) -> tuple[tuple[Sample, ...], tuple[str, ...]]:
    """A pattern's samples: ``match`` holds lines, or tables that also state what the line
    must yield: ``{ line = '...', fields = { name = "value" }, winner = "other.id" }``."""
    samples = _known_keys(path, raw.get("samples", {}), "samples", pid)
    match = samples.get("match", [])
    if not isinstance(match, list):
        match = [match]
    return (tuple(_sample(path, pid, value) for value in match),
            _str_list(path, samples, "no_match", pid))


def _sample(path: Path, pid: str, value: object) -> Sample:
    if isinstance(value, str):
        return Sample(value)
    table = _known_keys(path, value, "sample", pid)
    line, fields, winner = table.get("line"), table.get("fields"), table.get("winner", "")
    if not isinstance(line, str) or not isinstance(winner, str):
        raise CatalogError(f"{path}: {pid}: a sample table needs 'line' (and 'winner' is an id)")
    if fields is not None and not (isinstance(fields, dict)
                                   and all(isinstance(v, str) and v for v in fields.values())):
        raise CatalogError(f"{path}: {pid}: a sample's 'fields' maps names to non-empty text")
    stated = None if fields is None else tuple(sorted(fields.items()))
    return Sample(line, stated, winner)


def _compile(path: Path, pid: str, pattern: str) -> None:
    import regex

    try:
        compile_regex(pattern)
    except regex.error as exc:
        raise CatalogError(f"{path}: {pid}: regex does not compile: {exc}") from None


def _category_and_severity(path: Path, raw: dict, entry_id: str) -> tuple[str, str]:
    category = _require(path, raw, "category")
    if category not in CATEGORIES:
        raise CatalogError(f"{path}: {entry_id}: unknown category '{category}'")
    severity = _require(path, raw, "severity")
    if severity not in SEVERITIES:
        raise CatalogError(f"{path}: {entry_id}: unknown severity '{severity}'")
    return category, severity


def _parse_pattern(path: Path, raw: dict) -> Pattern:
    pid = _require(path, raw, "id")
    category, severity = _category_and_severity(path, raw, pid)
    pattern = _require(path, raw, "regex")
    match, no_match = _pattern_samples(path, raw, pid)
    priority = raw.get("priority", DEFAULT_PRIORITY)
    if not isinstance(priority, int):
        raise CatalogError(f"{path}: {pid}: 'priority' must be an integer")
    scan = _scan_part(path, pid, raw.get("scan", ""), pattern)
    json_fields = _json_fields(path, pid, raw.get("json_fields", {}), pattern)
    return Pattern(
        id=pid,
        category=category,
        severity=severity,
        title=_require(path, raw, "title"),
        title_zh=raw.get("title_zh", ""),
        regex=pattern,
        cause=_require(path, raw, "cause"),
        cause_zh=raw.get("cause_zh", ""),
        fix=_str_list(path, raw, "fix"),
        fix_zh=_str_list(path, raw, "fix_zh"),
        guide=raw.get("guide", CATEGORIES[category]),
        samples=match,
        samples_no_match=no_match,
        source=str(path),
        priority=priority,
        continuation=bool(raw.get("continuation", False)),
        unexplained_fatal=bool(raw.get("unexplained_fatal", False)),
        symptom=bool(raw.get("symptom", False)),
        flapping=_parse_flapping(path, pid, raw.get("flapping")),
        versions=raw.get("versions", ""),
        hints=tuple(_parse_hint(path, pid, h) for h in raw.get("hint", [])),
        scan=scan,
        json_fields=json_fields,
    )


def _json_fields(path: Path, pid: str, raw: object,
                 pattern: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """A pattern's ``json_fields``: named groups of its regex, each with the JSON members
    (in order of preference) that give it on a JSON line."""
    if raw == {}:
        return ()
    _compile(path, pid, pattern)
    groups = compile_regex(pattern).groupindex
    if not isinstance(raw, dict) or not all(
            name in groups and isinstance(keys, list) and keys
            and all(isinstance(k, str) and k for k in keys) for name, keys in raw.items()):
        raise CatalogError(f"{path}: {pid}: 'json_fields' maps named groups of 'regex' to lists "
                           "of JSON member names")
    return tuple((name, tuple(keys)) for name, keys in raw.items())


def _scan_part(path: Path, pid: str, scan: object, pattern: str) -> str:
    """A pattern's ``scan``: a run of whole pieces of its regex (so every line the regex
    matches holds a match of it), which the scanner looks for instead of the whole regex."""
    if not isinstance(scan, str) or (scan and not is_factor(scan, pattern)):
        raise CatalogError(f"{path}: {pid}: 'scan' must be a run of whole top-level pieces of "
                           "'regex' (its flags first; no alternatives)")
    if scan and compile_regex(scan).search("") is not None:
        raise CatalogError(f"{path}: {pid}: 'scan' matches an empty line: the scanner would "
                           "propose every line; name a part with a literal")
    return scan


def _parse_flapping(path: Path, pid: str, raw: object) -> Flapping | None:
    if raw is None:
        return None
    raw = _known_keys(path, raw, "flapping", pid)
    if (not isinstance(raw.get("field"), str)
            or not all(isinstance(raw.get(k), int) and raw[k] > 0 for k in ("count", "minutes"))):
        raise CatalogError(f"{path}: {pid}: 'flapping' needs field (text), count and minutes (> 0)")
    return Flapping(raw["field"], raw["count"], raw["minutes"])


def _parse_hint(path: Path, pid: str, raw: object) -> Hint:
    raw = _known_keys(path, raw, "hint", pid)
    if "field" not in raw or "cause" not in raw:
        raise CatalogError(f"{path}: {pid}: every hint needs 'field' and 'cause'")
    match, no_match = _samples(path, raw, pid)
    return Hint(
        field=raw["field"],
        values=_str_list(path, raw, "values"),
        contains=_str_list(path, raw, "contains"),
        cause=raw["cause"],
        cause_zh=raw.get("cause_zh", ""),
        fix=_str_list(path, raw, "fix"),
        fix_zh=_str_list(path, raw, "fix_zh"),
        samples_match=match,
        samples_no_match=no_match,
    )


def _parse_correlation(path: Path, raw: dict) -> Correlation:
    rid = _require(path, raw, "id")
    if raw.get("category", "") not in ("", *CATEGORIES):
        raise CatalogError(f"{path}: {rid}: unknown category '{raw['category']}'")
    if raw.get("severity", "") not in ("", *SEVERITIES):
        raise CatalogError(f"{path}: {rid}: unknown severity '{raw['severity']}'")
    return Correlation(
        id=rid, title=_require(path, raw, "title"),
        cause=_require(path, raw, "cause"), fix=_str_list(path, raw, "fix"), source=str(path),
        title_zh=raw.get("title_zh", ""), cause_zh=raw.get("cause_zh", ""),
        fix_zh=_str_list(path, raw, "fix_zh"), category=raw.get("category", ""),
        severity=raw.get("severity", ""), supersedes=_str_list(path, raw, "supersedes"),
        **_rule_samples(path, raw, rid),
    )


def _parse_check(path: Path, raw: dict) -> Check:
    cid = _require(path, raw, "id")
    category, severity = _category_and_severity(path, raw, cid)
    return Check(
        id=cid, category=category, severity=severity, title=_require(path, raw, "title"),
        cause=_require(path, raw, "cause"), fix=_str_list(path, raw, "fix"),
        guide=raw.get("guide", CATEGORIES[category]), source=str(path),
        title_zh=raw.get("title_zh", ""), cause_zh=raw.get("cause_zh", ""),
        fix_zh=_str_list(path, raw, "fix_zh"), **_rule_samples(path, raw, cid),
    )


def _parse_checklist(path: Path, raw: dict) -> ChecklistItem:
    item_id = _require(path, raw, "id")
    return ChecklistItem(item_id, _require(path, raw, "title"), raw.get("title_zh", ""),
                         str(path), **_rule_samples(path, raw, item_id))


def _rule_samples(path: Path, raw: dict, entry_id: str) -> dict[str, tuple[str, ...]]:
    match, no_match = _samples(path, raw, entry_id)
    return {"samples_match": match, "samples_no_match": no_match}


def _parse_ignore(path: Path, raw: dict) -> Ignore:
    iid = _require(path, raw, "id")
    pattern = _require(path, raw, "regex")
    match, no_match = _samples(path, raw, iid)
    return Ignore(iid, pattern, _require(path, raw, "reason"), match, no_match, str(path))


def _parse_trace(path: Path, raw: dict) -> Trace:
    tid = _require(path, raw, "id")
    level = raw.get("level", "")
    if level not in ("", "info", "error", "fatal", "panic"):
        raise CatalogError(f"{path}: {tid}: 'level' must be info, error, fatal or panic")
    if not raw.get("start") and not raw.get("frame"):
        raise CatalogError(f"{path}: {tid}: a trace needs 'start' or 'frame'")
    match, no_match = _samples(path, raw, tid)
    for key in ("start", "frame", "body"):
        if raw.get(key):
            _compile(path, tid, raw[key])
    return Trace(tid, _require(path, raw, "body"), str(path), raw.get("start", ""),
                 raw.get("frame", ""), level, match, no_match)


_TABLES = {"pattern": _parse_pattern, "ignore": _parse_ignore, "correlation": _parse_correlation,
           "check": _parse_check, "checklist": _parse_checklist, "trace": _parse_trace}
"""Top-level tables of a catalog file, in the order of the Catalog's fields."""

_LOCALIZED = {"title", "title_zh", "cause", "cause_zh", "fix", "fix_zh"}
_KEYS: dict[str, set[str]] = {
    "pattern": {"id", "category", "severity", "priority", "regex", "guide", "samples", "hint",
                "continuation", "unexplained_fatal", "symptom", "flapping", "versions",
                "scan", "json_fields", *_LOCALIZED},
    "hint": {"field", "values", "contains", "cause", "cause_zh", "fix", "fix_zh", "samples"},
    "flapping": {"field", "count", "minutes"},
    "ignore": {"id", "regex", "reason", "samples"},
    "correlation": {"id", "category", "severity", "supersedes", "samples", *_LOCALIZED},
    "check": {"id", "category", "severity", "guide", "samples", *_LOCALIZED},
    "checklist": {"id", "title", "title_zh", "samples"},
    "trace": {"id", "start", "frame", "body", "level", "samples"},
    "samples": {"match", "no_match"},
    "sample": {"line", "fields", "winner"},
}
"""The keys each kind of table may hold: any other is a mistake, reported at load."""
