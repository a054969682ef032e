"""The catalog's entries: what a pattern, an ignore, a trace and the words of the bundle
rules are once loaded from ``patterns/*.toml`` (``catalog`` loads them, ``lint`` checks them).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

from .. import jsonload
from .programs import compile_regex

if TYPE_CHECKING:
    from regex import Pattern as CompiledRegex  # Pattern.regex would shadow the module

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

DEFAULT_PRIORITY = 50


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
    """A pattern reported only when one value of ``field`` has ``count`` entries within
    ``minutes`` (a node reconnecting again and again; see :mod:`logsleuth.flapping`)."""

    field: str
    count: int
    minutes: int


@dataclass(frozen=True)
class Sample:
    """A log line a pattern must match, and what classifying it alone must yield: the
    pattern that wins it (``winner``; the pattern itself when empty) and, when ``fields``
    is stated, exactly those non-empty named groups (fail2ban's ``failJSON`` habit)."""

    line: str
    fields: tuple[tuple[str, str], ...] | None = None     # None: not stated
    winner: str = ""

    def __str__(self) -> str:
        """The line, then what it states (as ``logsleuth patterns show`` lists it)."""
        stated = [f"taken by {self.winner}"] if self.winner else []
        if self.fields is not None:
            stated.append("fields " + (", ".join(f"{k}={v}" for k, v in self.fields) or "none"))
        return f"{self.line}  [{'; '.join(stated)}]" if stated else self.line


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
    samples: tuple[Sample, ...]            # lines it must match, with what they must yield
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
    scan: str = ""                     # the rare part of ``regex`` the scanner looks for alone
    json_fields: tuple[tuple[str, tuple[str, ...]], ...] = ()   # field → JSON members giving it

    @property
    def scanned(self) -> str:
        """What the chunk scanner looks for: ``scan`` when given, else the whole regex."""
        return self.scan or self.regex

    def with_members(self, lifted: list[tuple[str, str]],
                     members: dict[str, object]) -> list[tuple[str, str]]:
        """``lifted`` and, for each ``json_fields`` field the regex left empty, the first
        of its JSON members the line holds (a JSON line's members precede its message,
        where a console line's fields follow it)."""
        have = {name for name, _ in lifted}
        found = []
        for name, keys in self.json_fields:
            value = next((members[k] for k in keys if members.get(k) not in (None, "")), None)
            if name not in have and value is not None:
                found.append((name, value if isinstance(value, str) else jsonload.dumps(value)))
        return [*lifted, *found]

    @property
    def samples_match(self) -> tuple[str, ...]:
        """The lines the pattern must match."""
        return tuple(sample.line for sample in self.samples)

    @cached_property
    def compiled(self) -> CompiledRegex:
        return compile_regex(self.regex)

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(self.compiled.groupindex)

    @cached_property
    def scan_proves(self) -> bool:
        """Whether the scan's hit on an ASCII line is all that confirming would tell: the
        scan looks for the whole regex (which matches the same lines there, bytes being
        characters), and the regex lifts no fields."""
        return not self.scan and not self.compiled.groupindex


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
    def compiled(self) -> CompiledRegex:
        return compile_regex(self.regex)

    @property
    def scanned(self) -> str:
        """What the chunk scanner looks for: the whole regex (an ignore is not confirmed)."""
        return self.regex


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
    def compiled_body(self) -> CompiledRegex:
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

