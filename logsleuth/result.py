"""The result of an analysis: plain data that every renderer reads (DESIGN.md JSON contract)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime

SCHEMA = "logsleuth/analysis@1"


def iso(moment: datetime | None) -> str | None:
    """ISO 8601 in UTC with a ``Z``, or None."""
    if moment is None:
        return None
    return moment.isoformat().replace("+00:00", "Z")


@dataclass
class Finding:
    pattern_id: str
    category: str
    severity: str
    title: str
    count: int
    first_seen: datetime | None
    last_seen: datetime | None
    services: list[str]
    samples: list[str]
    cause: str
    fix: list[str]
    guide: str
    fields: dict[str, dict[str, int]] = field(default_factory=dict)
    timeline: list[int] = field(default_factory=list)
    crash_loop: bool = False
    template: str | None = None      # the message template, for findings grouped by message
    symptom: bool = False            # a consequence of another finding (a container exit)


@dataclass
class Cause:
    id: str
    title: str
    category: str
    severity: str
    explanation: str
    evidence: list[str]
    fix: list[str]
    findings: list[str]


@dataclass
class Unknown:
    template: str
    count: int
    level: str | None
    example: str
    first_seen: datetime | None
    last_seen: datetime | None
    services: list[str]


@dataclass
class LineStats:
    total: int = 0
    matched: int = 0
    unknown: int = 0
    truncated: int = 0


@dataclass
class Analysis:
    sources: list[str]
    lines: LineStats
    window_first: datetime | None
    window_last: datetime | None
    services: list[str]
    findings: list[Finding]
    causes: list[Cause]
    unknown: list[Unknown]
    errors: list[str] = field(default_factory=list)
    engine: str = ""
    interrupted: bool = False
    dropped_templates: int = 0
    facts: dict | None = None          # diagnostic bundles: what each section says
    checks: list[dict] = field(default_factory=list)   # the guide's security checklist
    notes: list[str] = field(default_factory=list)     # what could not be read, and warnings

    def to_dict(self) -> dict:
        """The JSON document (schema ``logsleuth/analysis@1``)."""
        return {
            "schema": SCHEMA,
            "sources": self.sources,
            "lines": asdict(self.lines),
            "window": {"first": iso(self.window_first), "last": iso(self.window_last)},
            "services": self.services,
            "findings": [_finding_dict(f) for f in self.findings],
            "causes": [asdict(c) for c in self.causes],
            "unknown": [
                {**asdict(u), "first_seen": iso(u.first_seen), "last_seen": iso(u.last_seen)}
                for u in self.unknown
            ],
            "unknown_dropped": self.dropped_templates,
            **({"facts": self.facts, "checks": self.checks} if self.facts is not None else {}),
            **({"notes": self.notes} if self.facts is not None or self.notes else {}),
            "errors": self.errors,
            "interrupted": self.interrupted,
        }


def _finding_dict(finding: Finding) -> dict:
    data = asdict(finding)
    data["first_seen"] = iso(finding.first_seen)
    data["last_seen"] = iso(finding.last_seen)
    return data
