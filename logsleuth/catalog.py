"""The knowledge base: load, validate and lint the ``patterns/*.toml`` catalogs.

A catalog file holds ``[[pattern]]`` tables (a known problem: regex, category, cause, fix,
samples) and ``[[ignore]]`` tables (known-harmless warnings that must not be reported as
unknown errors). Every entry carries sample lines that prove it.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cached_property
from importlib import resources
from pathlib import Path

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import regex

CATEGORIES: dict[str, str] = {
    "port_conflict": "部署问题",
    "config_missing": "部署问题",
    "config_invalid": "部署问题 / 连接问题",
    "permission": "部署问题",
    "connection_refused": "连接问题",
    "tls": "常见错误消息",
    "oidc": "认证问题",
    "preauth_key": "认证问题",
    "user_not_found": "常见错误消息",
    "database_locked": "数据库问题",
    "database_corrupt": "数据库问题",
    "database_other": "数据库问题",
    "derp": "网络问题",
    "nat_traversal": "网络问题",
    "noise_handshake": "连接问题",
    "node_offline": "连接问题",
    "route": "网络问题",
    "oom": "性能问题",
    "performance": "性能问题",
    "crash": "部署问题 / Docker 容器无法启动",
}
"""Category ids (a contract, see DESIGN.md) and the guide section each belongs to."""

SEVERITIES: tuple[str, ...] = ("info", "warning", "error", "critical")
DEFAULT_PRIORITY = 50
def _regex():
    """The ``regex`` module, imported on first use (``--help`` and start-up do not need it)."""
    import regex

    return regex


def compile_regex(pattern: str) -> regex.Pattern:
    """A catalog regex as the classifier runs it: ASCII classes, Python-compatible syntax."""
    module = _regex()
    return module.compile(pattern, module.ASCII | module.VERSION0)


class CatalogError(Exception):
    """A catalog file or entry that cannot be used; the message names file, id and reason."""


class Localized:
    """Title, cause and fix in English with the guide's Chinese alongside."""

    title: str
    cause: str
    fix: tuple[str, ...]
    title_zh: str
    cause_zh: str
    fix_zh: tuple[str, ...]

    def localized(self, lang: str) -> tuple[str, str, tuple[str, ...]]:
        """Title, cause and fix in ``lang`` (``zh`` falls back to English where missing)."""
        if lang == "zh":
            return (self.title_zh or self.title, self.cause_zh or self.cause,
                    self.fix_zh or self.fix)
        return self.title, self.cause, self.fix


@dataclass(frozen=True)
class Hint:
    """A more specific cause, chosen when an extracted field has a given value."""

    field: str
    values: tuple[str, ...]
    contains: tuple[str, ...]
    cause: str
    cause_zh: str
    fix: tuple[str, ...]
    fix_zh: tuple[str, ...]
    samples_match: tuple[str, ...] = ()      # log lines whose finding takes this cause
    samples_no_match: tuple[str, ...] = ()   # lines of the same pattern that do not

    def applies(self, values: dict[str, int]) -> bool:
        """True when any observed value of the field satisfies the hint."""
        return any(
            v in self.values or any(part in v for part in self.contains) for v in values
        )


@dataclass(frozen=True)
class Flapping:
    """A pattern reported only when one value of ``field`` occurs ``count`` times and that
    many entries fall within ``minutes`` (a node reconnecting again and again)."""

    field: str
    count: int
    minutes: int


@dataclass(frozen=True)
class Pattern(Localized):
    """One known problem: how to recognise it and what to do about it."""

    id: str
    category: str
    severity: str
    title: str
    regex: str
    cause: str
    fix: tuple[str, ...]
    guide: str
    samples_match: tuple[str, ...]
    samples_no_match: tuple[str, ...]
    source: str
    title_zh: str = ""
    cause_zh: str = ""
    fix_zh: tuple[str, ...] = ()
    priority: int = DEFAULT_PRIORITY
    continuation: bool = False
    versions: str = ""
    hints: tuple[Hint, ...] = ()
    unexplained_fatal: bool = False    # also takes fatal entries no pattern explains
    symptom: bool = False              # a consequence: ranked after the findings that explain it
    flapping: Flapping | None = None


    @cached_property
    def compiled(self) -> regex.Pattern:
        return compile_regex(self.regex)

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(self.compiled.groupindex)


@dataclass(frozen=True)
class Ignore:
    """A warning or error line known to be harmless: never a finding, never unknown."""

    id: str
    regex: str
    reason: str
    samples_match: tuple[str, ...]
    samples_no_match: tuple[str, ...]
    source: str

    @cached_property
    def compiled(self) -> regex.Pattern:
        return compile_regex(self.regex)


@dataclass(frozen=True)
class Trace:
    """A multi-line shape (a stack trace, a schema diff) whose lines all belong to the entry
    that begins it. ``start`` lines begin one by themselves; a ``frame`` line continues the
    entry on the line before it, or makes that line the head of a new one (both scanned
    like patterns); ``body`` lines continue it."""

    id: str
    body: str
    source: str
    start: str = ""
    frame: str = ""
    level: str = ""          # the level of a trace whose first line has none (fatal: it crashed)
    samples_match: tuple[str, ...] = ()      # whole blocks that must merge into one entry
    samples_no_match: tuple[str, ...] = ()   # blocks whose last line must stay apart

    @cached_property
    def compiled_body(self) -> regex.Pattern:
        return compile_regex(self.body)


@dataclass(frozen=True)
class Correlation(Localized):
    """The words of a diagnosis rule that combines several findings (logic in diagnose)."""

    id: str
    title: str
    cause: str
    fix: tuple[str, ...]
    source: str
    title_zh: str = ""
    cause_zh: str = ""
    fix_zh: tuple[str, ...] = ()
    category: str = ""       # for rules whose cause has no lead finding (bundle rules)
    severity: str = ""
    supersedes: tuple[str, ...] = ()   # narrower causes this one makes redundant
    samples_match: tuple[str, ...] = ()      # bundle rules: bundle texts on which it fires
    samples_no_match: tuple[str, ...] = ()   # ... and near misses on which it stays quiet


@dataclass(frozen=True)
class Check(Localized):
    """The words of a bundle check (a finding made from facts, not log lines)."""

    id: str
    category: str
    severity: str
    title: str
    cause: str
    fix: tuple[str, ...]
    guide: str
    source: str
    title_zh: str = ""
    cause_zh: str = ""
    fix_zh: tuple[str, ...] = ()
    samples_match: tuple[str, ...] = ()      # bundle texts on which the check fires
    samples_no_match: tuple[str, ...] = ()   # near misses on which it stays quiet


@dataclass(frozen=True)
class ChecklistItem:
    """One item of the guide's security checklist (安全检查清单)."""

    id: str
    title: str
    title_zh: str
    source: str
    samples_match: tuple[str, ...] = ()      # bundle texts on which the item fails
    samples_no_match: tuple[str, ...] = ()   # bundle texts on which it does not fail


@dataclass(frozen=True)
class Catalog:
    patterns: tuple[Pattern, ...]
    ignores: tuple[Ignore, ...]
    correlations: tuple[Correlation, ...] = ()
    checks: tuple[Check, ...] = ()
    checklist: tuple[ChecklistItem, ...] = ()
    traces: tuple[Trace, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_id", {p.id: p for p in self.patterns})

    @cached_property
    def unexplained_fatal(self) -> Pattern | None:
        """The pattern of fatal entries that no other pattern explains (category crash)."""
        return next((p for p in self.patterns if p.unexplained_fatal), None)

    def get(self, pattern_id: str) -> Pattern:
        return self._by_id[pattern_id]  # type: ignore[attr-defined]

    def __contains__(self, pattern_id: str) -> bool:
        return pattern_id in self._by_id  # type: ignore[attr-defined]

    def correlation(self, rule_id: str) -> Correlation | None:
        return next((c for c in self.correlations if c.id == rule_id), None)

    def check(self, check_id: str) -> Check | None:
        return next((c for c in self.checks if c.id == check_id), None)


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
    loaded: dict[str, list] = {kind: [] for kind in _TABLES}
    seen: dict[str, str] = {}
    for index, path in enumerate(files):
        for kind, entries in _load_file(path).items():
            for entry in entries:
                if index >= builtin and kind in ("pattern", "ignore"):
                    _check_user_regex(path, entry.id, entry.regex, strict)
                if entry.id in seen:
                    raise CatalogError(f"{path}: {entry.id}: duplicate id (first defined in {seen[entry.id]})")
                seen[entry.id] = str(path)
            loaded[kind].extend(entries)
    return Catalog(*(tuple(loaded[kind]) for kind in _TABLES))


def _check_user_regex(path: Path, entry_id: str, pattern: str, strict: bool) -> None:
    """User catalogs: a regex that does not compile, is not portable or can backtrack
    catastrophically is rejected at load, before it can fail or hang a run."""
    from .lint import lint_regex

    _compile(path, entry_id, pattern)
    reasons = lint_regex(pattern) if strict else []
    if reasons:
        raise CatalogError(f"{path}: {entry_id}: {reasons[0]}")


def _load_file(path: Path) -> dict[str, list]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise CatalogError(f"{path}: cannot read: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise CatalogError(f"{path}: invalid TOML: {exc}") from None
    unknown = set(data) - set(_TABLES)
    if unknown:
        raise CatalogError(f"{path}: unknown top-level tables {sorted(unknown)}")
    return {kind: [parse(path, raw) for raw in data.get(kind, [])]
            for kind, parse in _TABLES.items()}


def _require(path: Path, raw: dict, key: str, kind: type = str):
    pid = raw.get("id", "?")
    if key not in raw:
        raise CatalogError(f"{path}: {pid}: missing required key '{key}'")
    value = raw[key]
    if not isinstance(value, kind):
        raise CatalogError(f"{path}: {pid}: '{key}' must be {kind.__name__}")
    return value


def _str_list(path: Path, raw: dict, key: str) -> tuple[str, ...]:
    value = raw.get(key, [])
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise CatalogError(f"{path}: {raw.get('id', '?')}: '{key}' must be a list of strings")
    return tuple(value)


def _samples(path: Path, raw: dict) -> tuple[tuple[str, ...], tuple[str, ...]]:
    samples = raw.get("samples", {})
    if not isinstance(samples, dict):
        raise CatalogError(f"{path}: {raw.get('id', '?')}: 'samples' must be a table")
    return _str_list(path, samples, "match"), _str_list(path, samples, "no_match")


def _compile(path: Path, pid: str, pattern: str) -> regex.Pattern:
    try:
        return compile_regex(pattern)
    except _regex().error as exc:
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
    match, no_match = _samples(path, raw)
    priority = raw.get("priority", DEFAULT_PRIORITY)
    if not isinstance(priority, int):
        raise CatalogError(f"{path}: {pid}: 'priority' must be an integer")
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
        samples_match=match,
        samples_no_match=no_match,
        source=str(path),
        priority=priority,
        continuation=bool(raw.get("continuation", False)),
        unexplained_fatal=bool(raw.get("unexplained_fatal", False)),
        symptom=bool(raw.get("symptom", False)),
        flapping=_parse_flapping(path, pid, raw.get("flapping")),
        versions=raw.get("versions", ""),
        hints=tuple(_parse_hint(path, pid, h) for h in raw.get("hint", [])),
    )


def _parse_flapping(path: Path, pid: str, raw: object) -> Flapping | None:
    if raw is None:
        return None
    if (not isinstance(raw, dict) or not isinstance(raw.get("field"), str)
            or not all(isinstance(raw.get(k), int) and raw[k] > 0 for k in ("count", "minutes"))):
        raise CatalogError(f"{path}: {pid}: 'flapping' needs field (text), count and minutes (> 0)")
    return Flapping(raw["field"], raw["count"], raw["minutes"])


def _parse_hint(path: Path, pid: str, raw: dict) -> Hint:
    if not isinstance(raw, dict) or "field" not in raw or "cause" not in raw:
        raise CatalogError(f"{path}: {pid}: every hint needs 'field' and 'cause'")
    return Hint(
        field=raw["field"],
        values=_str_list(path, raw, "values"),
        contains=_str_list(path, raw, "contains"),
        cause=raw["cause"],
        cause_zh=raw.get("cause_zh", ""),
        fix=_str_list(path, raw, "fix"),
        fix_zh=_str_list(path, raw, "fix_zh"),
        samples_match=_samples(path, raw)[0],
        samples_no_match=_samples(path, raw)[1],
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
        **_rule_samples(path, raw),
    )


def _parse_check(path: Path, raw: dict) -> Check:
    cid = _require(path, raw, "id")
    category, severity = _category_and_severity(path, raw, cid)
    return Check(
        id=cid, category=category, severity=severity, title=_require(path, raw, "title"),
        cause=_require(path, raw, "cause"), fix=_str_list(path, raw, "fix"),
        guide=raw.get("guide", CATEGORIES[category]), source=str(path),
        title_zh=raw.get("title_zh", ""), cause_zh=raw.get("cause_zh", ""),
        fix_zh=_str_list(path, raw, "fix_zh"), **_rule_samples(path, raw),
    )


def _parse_checklist(path: Path, raw: dict) -> ChecklistItem:
    return ChecklistItem(_require(path, raw, "id"), _require(path, raw, "title"),
                         raw.get("title_zh", ""), str(path), **_rule_samples(path, raw))


def _rule_samples(path: Path, raw: dict) -> dict[str, tuple[str, ...]]:
    match, no_match = _samples(path, raw)
    return {"samples_match": match, "samples_no_match": no_match}


def _parse_ignore(path: Path, raw: dict) -> Ignore:
    iid = _require(path, raw, "id")
    pattern = _require(path, raw, "regex")
    match, no_match = _samples(path, raw)
    return Ignore(iid, pattern, _require(path, raw, "reason"), match, no_match, str(path))


def _parse_trace(path: Path, raw: dict) -> Trace:
    tid = _require(path, raw, "id")
    level = raw.get("level", "")
    if level not in ("", "error", "fatal", "panic"):
        raise CatalogError(f"{path}: {tid}: 'level' must be error, fatal or panic")
    if not raw.get("start") and not raw.get("frame"):
        raise CatalogError(f"{path}: {tid}: a trace needs 'start' or 'frame'")
    match, no_match = _samples(path, raw)
    for key in ("start", "frame", "body"):
        if raw.get(key):
            _compile(path, tid, raw[key])
    return Trace(tid, _require(path, raw, "body"), str(path), raw.get("start", ""),
                 raw.get("frame", ""), level, match, no_match)


_TABLES = {"pattern": _parse_pattern, "ignore": _parse_ignore, "correlation": _parse_correlation,
           "check": _parse_check, "checklist": _parse_checklist, "trace": _parse_trace}
"""Top-level tables of a catalog file, in the order of the Catalog's fields."""
