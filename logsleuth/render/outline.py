"""The report outline: what a report says, section by section and in order, as plain data.

The text, Markdown and rich renderers each format this one outline (one small formatter per
section kind), so what one format shows the others show too. Nothing here is escaped or
styled; cutting long input text (with a ``…``) is the only shaping done here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar, get_args

from ..result import Analysis, Cause, Finding
from .common import facts_sections, window_text

EVIDENCE_CHARS = 300      # a longer line of input is cut, with a "…"
UNKNOWN_SHOWN = 20        # rows of unknown warnings and errors; the rest is counted


@dataclass(frozen=True)
class Clean:
    """The verdict when nothing was found, with the notes that qualify it."""
    lines: int
    window: str
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Header:
    """What was read: lines, sources, window, services, how much was recognised."""
    lines: int
    sources: list[str]
    window: str
    services: list[str]
    matched: int
    unknown: int


@dataclass(frozen=True)
class BundleFacts:
    """A diagnostic bundle's report card: (section title, one-line facts) in order."""
    sections: list[tuple[str, list[str]]]


@dataclass(frozen=True)
class Check:
    status: str               # pass, fail or unknown
    title: str
    evidence: str


@dataclass(frozen=True)
class Checklist:
    """The guide's security checklist, for a diagnostic bundle."""
    checks: list[Check]


@dataclass(frozen=True)
class Notes:
    """What could not be read, and warnings about the input."""
    notes: list[str]


@dataclass(frozen=True)
class Findings:
    findings: list[Finding]


@dataclass(frozen=True)
class CauseEntry:
    title: str
    severity: str
    category: str
    explanation: str
    evidence: list[str]       # one input line each, cut to EVIDENCE_CHARS
    fix: list[str]            # shell commands and ``#`` comments


@dataclass(frozen=True)
class Causes:
    """Likely causes, most likely first."""
    causes: list[CauseEntry]


@dataclass(frozen=True)
class Unknowns:
    """Warnings and errors no pattern knows: (count, example cut to EVIDENCE_CHARS)."""
    rows: list[tuple[int, str]]


@dataclass(frozen=True)
class More:
    """How many rows of the section before were left out."""
    count: int


@dataclass(frozen=True)
class InputErrors:
    """Inputs that could not be read or gave nothing to analyse."""
    errors: list[str]


@dataclass(frozen=True)
class Interrupted:
    """The run was interrupted: the report covers the input read so far."""


Section = (Clean | Header | BundleFacts | Checklist | Notes | Findings | Causes | Unknowns | More
           | InputErrors | Interrupted)
SECTION_KINDS: tuple[type, ...] = get_args(Section)

Piece = TypeVar("Piece")
Formatters = dict[type, Callable[[Any, dict[str, str]], list[Piece]]]


def clip(text: str) -> str:
    """``text`` cut to EVIDENCE_CHARS characters, with a ``…`` when it was cut."""
    return text if len(text) <= EVIDENCE_CHARS else text[:EVIDENCE_CHARS] + "…"


def outline(analysis: Analysis, lang: str = "en") -> list[Section]:
    """The report's sections in order. A clean result is its input problems, then the
    verdict; any other result is the header, the body, then the input problems."""
    problems = _problems(analysis)
    if not analysis.findings and not analysis.unknown and analysis.facts is None:
        return [*problems, Clean(analysis.lines.total, window_text(analysis), analysis.notes)]
    header = Header(analysis.lines.total, analysis.sources, window_text(analysis),
                    analysis.services, analysis.lines.matched, analysis.lines.unknown)
    return [header, *_bundle(analysis, lang), *([Notes(analysis.notes)] if analysis.notes else []),
            *([Findings(analysis.findings)] if analysis.findings else []),
            *([Causes([_cause_entry(c) for c in analysis.causes])] if analysis.causes else []),
            *_unknowns(analysis), *problems]


def format_outline(sections: list[Section], formatters: Formatters[Piece],
                   words: dict[str, str]) -> list[Piece]:
    """Each section through the formatter for its kind, in order."""
    return [piece for section in sections for piece in formatters[type(section)](section, words)]


def _problems(analysis: Analysis) -> list[Section]:
    errors: list[Section] = [InputErrors(analysis.errors)] if analysis.errors else []
    return errors + ([Interrupted()] if analysis.interrupted else [])


def _bundle(analysis: Analysis, lang: str) -> list[Section]:
    if analysis.facts is None:
        return []
    checks = [Check(c["status"], c["title"], c["evidence"]) for c in analysis.checks]
    return [BundleFacts(facts_sections(analysis, lang)), Checklist(checks)]


def _cause_entry(cause: Cause) -> CauseEntry:
    evidence = [clip(line) for text in cause.evidence for line in text.split("\n")]
    return CauseEntry(cause.title, cause.severity, cause.category, cause.explanation,
                      evidence, cause.fix)


def _unknowns(analysis: Analysis) -> list[Section]:
    if not analysis.unknown:
        return []
    rows = [(u.count, clip(u.example)) for u in analysis.unknown[:UNKNOWN_SHOWN]]
    hidden = len(analysis.unknown) - UNKNOWN_SHOWN + analysis.dropped_templates
    return [Unknowns(rows), *([More(hidden)] if hidden > 0 else [])]
