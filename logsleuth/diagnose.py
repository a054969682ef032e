"""Findings to ranked likely causes, each with its evidence and fix.

A finding's cause comes from its pattern, made specific by hints on extracted fields
(``connection refused`` to port 5432 names PostgreSQL). Correlation rules combine
findings into one diagnosis; each rule is a small named function, its words live in
``patterns/correlations.toml``.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime
from typing import Callable, Mapping

from .aggregate import FIELD_VALUES, KeyStats
from .catalog import Catalog, Pattern
from .result import Cause, Finding, Unknown, iso
from .severity import Severity

TIMELINE_BINS = 24
HEADSCALE_PORTS = {"80", "443", "8080", "50443"}
_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")
UNKNOWN_TIME = {"en": "an unknown time", "zh": "未知时间"}     # an untimed log's first/last seen


def fill(text: str, values: Mapping[str, object]) -> str:
    """Replace ``{name}`` placeholders that have a value; leave other braces alone."""
    return _PLACEHOLDER.sub(lambda m: str(values.get(m[1], m[0])), text)


def _top_values(fields: dict[str, dict[str, int]]) -> dict[str, str]:
    return {name: next(iter(values)) for name, values in fields.items() if values}


def _as_flapped(pattern: Pattern, stats: KeyStats) -> KeyStats:
    """A flapping pattern's statistics narrowed to the values that flapped: how many timed
    entries they had, their first and last time, their first lines, and the rule's field
    holding only them (most entries first), so the finding says how often and since when
    the flapping nodes went, not every node's routine disconnects."""
    if pattern.flapping is None or not stats.flapped:
        return stats
    first, last = stats.flapped_seen or (stats.first_seen, stats.last_seen)
    name, samples = pattern.flapping.field, stats.flapped_samples or stats.samples
    return replace(stats, count=sum(stats.flapped.values()), first_seen=first, last_seen=last,
                   samples=samples, latest=samples[0],
                   fields={name: dict(list(stats.flapped.items())[:FIELD_VALUES]),
                           **{other: counts for other, counts in stats.fields.items()
                              if other != name}})


def _cause_and_fix(pattern: Pattern, fields: dict[str, dict[str, int]],
                   lang: str) -> tuple[str, list[str]]:
    _, cause, fix = pattern.localized(lang)
    for hint in pattern.hints:
        values = fields.get(hint.field, {})
        if values and hint.applies(values):
            hint_cause = hint.cause_zh if lang == "zh" and hint.cause_zh else hint.cause
            hint_fix = hint.fix_zh if lang == "zh" and hint.fix_zh else hint.fix
            cause, fix = hint_cause, (*hint_fix, *fix)
            break
    top = _top_values(fields)
    return fill(cause, top), [fill(line, top) for line in dict.fromkeys(fix)]


def timeline(buckets: dict[datetime, int], first: datetime | None, last: datetime | None,
             bins: int = TIMELINE_BINS) -> list[int]:
    """Counts in ``bins`` equal slices of the analysis window (for sparklines)."""
    if not buckets or first is None or last is None:
        return []
    span = max((last - first).total_seconds(), 1.0)
    counts = [0] * bins
    for moment, count in buckets.items():
        slot = int((moment - first).total_seconds() / span * bins)
        counts[min(max(slot, 0), bins - 1)] += count
    return counts


def rank_findings(findings: list[Finding]) -> list[Finding]:
    """Most important first: severity (a symptom counts as at most an error), causes
    before symptoms, crash loops, count, earliest."""
    return sorted(findings, key=_rank)


def rank_causes(causes: list[Cause]) -> list[Cause]:
    """Most severe first; within a severity the given order (correlations lead) stays."""
    return sorted(causes, key=lambda c: -Severity.rank(c.severity))


def _rank(finding: Finding) -> tuple:
    severity = Severity.rank(finding.severity)
    if finding.symptom:                        # an exit or restart ranks after what caused it
        severity = min(severity, Severity.rank("error"))
    return (-severity, finding.symptom, not finding.crash_loop, -finding.count,
            finding.first_seen.timestamp() if finding.first_seen else 0.0)


def build_findings(catalog: Catalog, stats: list[KeyStats], lang: str,
                   first: datetime | None, last: datetime | None) -> list[Finding]:
    findings = []
    for item in stats:
        if item.pattern_id is None or item.pattern_id not in catalog:
            continue
        pattern = catalog.get(item.pattern_id)
        if pattern.flapping and not item.flapped:     # routine unless one value flapped
            continue
        item = _as_flapped(pattern, item)
        title, _, _ = pattern.localized(lang)
        if item.template:                      # one finding per message: say which
            title = f"{title}: {item.template}"
        fields = item.fields
        cause, fix = _cause_and_fix(pattern, fields, lang)
        severity = item.severity or pattern.severity
        findings.append(Finding(
            pattern_id=pattern.id, category=pattern.category, severity=severity, title=title,
            count=item.count, first_seen=item.first_seen, last_seen=item.last_seen,
            services=item.services, samples=_samples(item), cause=cause, fix=fix,
            guide=pattern.guide, fields=fields,
            timeline=timeline(item.buckets, first, last),
            crash_loop=severity == "critical" and item.count >= 2, template=item.template,
            symptom=pattern.symptom,
        ))
    return rank_findings(findings)


def _samples(item: KeyStats) -> list[str]:
    samples = list(item.samples)
    if item.count > len(samples) and item.latest not in samples:
        samples.append(item.latest)
    return samples


def build_unknown(stats: list[KeyStats]) -> list[Unknown]:
    unknown = [
        Unknown(template=s.template or "", count=s.count, level=s.level, example=s.samples[0],
                first_seen=s.first_seen, last_seen=s.last_seen, services=s.services)
        for s in stats if s.pattern_id is None
    ]
    return sorted(unknown, key=lambda u: -u.count)


# ------------------------------------------------------------------ correlation rules

Rule = Callable[[list[Finding], list[KeyStats]], list[tuple[dict, list[Finding]]]]


def crash_loop(findings: list[Finding], _stats: list[KeyStats]) -> list[tuple[dict, list[Finding]]]:
    """The same fatal start-up error, again and again (one diagnosis for all of them). Exits
    and restarts repeat with any error, so they join a loop but never lead one."""
    looping = [f for f in findings if f.crash_loop and not f.symptom]
    if not looping:
        return []
    lead = max(looping, key=lambda f: (f.count, -f.first_seen.timestamp() if f.first_seen else 0))
    symptoms = [f for f in findings if f.crash_loop and f.symptom]
    members = [lead, *(f for f in looping if f is not lead), *symptoms]
    return [({"title": lead.title, "count": lead.count,
              "first_seen": iso(lead.first_seen), "last_seen": iso(lead.last_seen)}, members)]


def sqlite_shared_by_two_instances(findings: list[Finding],
                                   stats: list[KeyStats]) -> list[tuple[dict, list[Finding]]]:
    """``database is locked`` while two headscale containers write."""
    locked = [f for f in findings if f.category == "database_locked"]
    if not locked:
        return []
    containers = sorted({c for s in stats for c in s.containers if c.startswith("headscale")})
    if len(containers) < 2:
        return []
    return [({"containers": ", ".join(containers)}, locked)]


def refused_because_headscale_down(findings: list[Finding],
                                   _stats: list[KeyStats]) -> list[tuple[dict, list[Finding]]]:
    """Clients refused by headscale's own port while headscale fails at start-up."""
    refused = [f for f in findings if f.category == "connection_refused"
               and (HEADSCALE_PORTS & set(f.fields.get("port", {})) or "detail" in f.fields)]
    startup = [f for f in findings if f.severity == "critical"
               and f.category not in ("connection_refused", "oom")]
    if not refused or not startup:
        return []
    return [({"title": startup[0].title}, [startup[0], *refused])]


CORRELATIONS: dict[str, Rule] = {
    "crash_loop": crash_loop,
    "sqlite_shared_by_two_instances": sqlite_shared_by_two_instances,
    "refused_because_headscale_down": refused_because_headscale_down,
}


def build_causes(catalog: Catalog, findings: list[Finding], stats: list[KeyStats],
                 lang: str) -> list[Cause]:
    """Ranked likely causes: correlations first, then one per finding (most severe first)."""
    causes: list[Cause] = []
    explained: set[str] = set()
    for rule_id, rule in CORRELATIONS.items():
        words = catalog.correlation(rule_id)
        if words is None:
            continue
        title, cause, fix = words.localized(lang)
        for values, members in rule(findings, stats):
            values = {k: UNKNOWN_TIME[lang] if v is None else v for k, v in values.items()}
            lead = members[0]
            causes.append(Cause(
                id=rule_id, title=fill(title, values), category=lead.category,
                severity=max((m.severity for m in members), key=Severity.rank),
                explanation=fill(cause, values),
                evidence=[line for m in members for line in m.samples[:2]],
                fix=list(dict.fromkeys([*(fill(x, values) for x in fix), *lead.fix])),
                findings=[m.pattern_id for m in members],
            ))
            explained.update(m.pattern_id for m in members)
    for finding in findings:
        if finding.pattern_id in explained or finding.severity == "info":
            continue
        causes.append(Cause(
            id=finding.pattern_id, title=finding.title, category=finding.category,
            severity=finding.severity, explanation=finding.cause, evidence=finding.samples,
            fix=finding.fix, findings=[finding.pattern_id],
        ))
    return rank_causes(causes)
