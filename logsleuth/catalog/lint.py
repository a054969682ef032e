"""Checks of a loaded catalog (``logsleuth patterns lint``): every regex in the portable
subset (``portable``), every entry proven by samples both ways, every sample that states
what it yields stating what its pattern lifts, and the words of the bundle rules paired.
"""

from __future__ import annotations

from dataclasses import dataclass

import regex

from .entries import Catalog, Ignore, Pattern, Trace
from .portable import lint_regex
from .programs import compile_regex


@dataclass(frozen=True)
class LintProblem:
    source: str
    entry_id: str
    reason: str

    def __str__(self) -> str:
        return f"{self.source}: {self.entry_id}: {self.reason}"


def _as_scanned(sample: str) -> str:
    """A sample as the pipeline sees it: colour codes and carriage returns removed."""
    from ..envelope import strip_controls

    return strip_controls(sample.encode("utf-8")).decode("utf-8")


_PLACEHOLDER = regex.compile(r"\{([a-z_]+)\}")


def lint_words(pattern: Pattern) -> list[str]:
    """Hints on fields the regex does not capture, and {placeholders} no field fills."""
    captured = set(pattern.field_names)
    reasons = [f"hint on field '{hint.field}', which the regex does not capture"
               for hint in pattern.hints if hint.field not in captured]
    texts = [pattern.cause, pattern.cause_zh, *pattern.fix, *pattern.fix_zh,
             *(text for hint in pattern.hints
               for text in (hint.cause, hint.cause_zh, *hint.fix, *hint.fix_zh))]
    unfilled = {name for text in texts for name in _PLACEHOLDER.findall(text)} - captured
    reasons += [f"placeholder {{{name}}} that no captured field fills" for name in sorted(unfilled)]
    return reasons


def lifted(pattern: Pattern, line: str) -> tuple[tuple[str, str], ...] | None:
    """What the pattern lifts from a sample line (see ``probe.fields_of``), sorted as a
    sample states it; None when it does not match."""
    from ..probe import fields_of

    fields = fields_of(pattern, _as_scanned(line))
    return None if fields is None else tuple(sorted(fields.items()))


def lint_samples(pattern: Pattern, catalog: Catalog | None = None) -> list[str]:
    """A pattern with named groups needs a sample that states the fields it lifts; each
    stated set must be what the winning pattern (itself unless the sample names another,
    which ``catalog`` must hold) lifts from the line."""
    reasons = []
    if pattern.field_names and not any(s.fields is not None for s in pattern.samples):
        reasons.append(f"named groups ({', '.join(pattern.field_names)}) but no sample states "
                       "the fields it lifts: write { line = '...', fields = { name = \"value\" } }")
    for sample in pattern.samples:
        winner = pattern
        if sample.winner and catalog is not None:
            if sample.winner not in catalog:
                reasons.append(f"sample names an unknown winner '{sample.winner}'")
                continue
            winner = catalog.get(sample.winner)
        elif sample.winner:
            continue
        found = lifted(winner, sample.line)
        if sample.fields is not None and found is not None and found != sample.fields:
            reasons.append(f"sample states fields {dict(sample.fields)} but {winner.id} lifts "
                           f"{dict(found)}: {sample.line!r}")
    return reasons


def lint_scan(pattern: Pattern) -> list[str]:
    """A ``scan`` part in the portable subset that every sample the pattern matches holds
    (the loader has checked that it is a piece of the regex)."""
    if not pattern.scan:
        return []
    scanned = compile_regex(pattern.scan)
    return [*(f"scan: {reason}" for reason in lint_regex(pattern.scan)),
            *(f"a sample does not hold the scan part: {line!r}"
              for line in pattern.samples_match if not scanned.search(_as_scanned(line)))]


def lint_entry(entry: Pattern | Ignore, catalog: Catalog | None = None) -> list[LintProblem]:
    """All problems of one pattern or ignore entry, including failing samples."""
    problems = [LintProblem(entry.source, entry.id, r) for r in lint_regex(entry.regex)]
    if not entry.samples_match:
        problems.append(LintProblem(entry.source, entry.id, "no sample that must match"))
    if not entry.samples_no_match:
        problems.append(LintProblem(entry.source, entry.id, "no near-miss sample that must not match"))
    if isinstance(entry, Pattern):
        problems += [LintProblem(entry.source, entry.id, r)
                     for r in (*lint_words(entry), *lint_samples(entry, catalog),
                               *lint_scan(entry))]
    for sample in entry.samples_match:
        if not entry.compiled.search(_as_scanned(sample)):
            problems.append(LintProblem(entry.source, entry.id, f"sample does not match: {sample!r}"))
    for sample in entry.samples_no_match:
        if entry.compiled.search(_as_scanned(sample)):
            problems.append(LintProblem(entry.source, entry.id, f"near-miss sample matches: {sample!r}"))
    return problems


def lint_trace(trace: Trace) -> list[LintProblem]:
    """The problems of a trace's regexes (start is scanned; frame and body are anchored)
    and missing samples; its sample blocks are proven by running them (the test suite)."""
    reasons = [*(lint_regex(trace.start) if trace.start else []),
               *(lint_regex(trace.frame, anchored=True) if trace.frame else []),
               *(r for r in lint_regex(trace.body, anchored=True)
                 if r != "the regex matches the empty string")]     # a blank line continues
    if not trace.samples_match:
        reasons.append("no sample block that must merge into one entry")
    if not trace.samples_no_match:
        reasons.append("no sample block whose last line must stay apart")
    return [LintProblem(trace.source, trace.id, r) for r in reasons]


def lint_bundle_rules(catalog: Catalog) -> list[LintProblem]:
    """Bundle checks, correlations and checklist items paired with their words and samples
    (their samples are proven by running them: the test suite)."""
    from ..bundle.registry import registry_problems

    return [LintProblem("patterns/bundle.toml", "bundle rules", problem)
            for problem in registry_problems(catalog)]


def lint_catalog(catalog: Catalog) -> list[LintProblem]:
    """Every problem in the catalog, plus a compile check in the fast scanner."""
    problems: list[LintProblem] = []
    entries: tuple[Pattern | Ignore, ...] = (*catalog.patterns, *catalog.ignores)
    for entry in entries:
        problems.extend(lint_entry(entry, catalog))
    for trace in catalog.traces:
        problems.extend(lint_trace(trace))
    problems.extend(lint_bundle_rules(catalog))
    if not problems:
        from ..scan import compile_check

        problems.extend(LintProblem(e.source, e.id, reason)
                        for e, reason in compile_check([*catalog.patterns, *catalog.ignores]))
    return problems
