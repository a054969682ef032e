"""Plain text: for pipes, mail and log files. No colour codes, fits 100 columns.

Each formatter returns the lines of one outline section, starting with the blank line that
separates it from the section before."""

from __future__ import annotations

import textwrap

from ..result import Analysis
from .common import STATUS_MARK, fix_lines, sparkline, when, words
from .outline import (BundleFacts, Causes, Checklist, Clean, Findings, Formatters, Header,
                      InputErrors, Interrupted, More, Notes, Unknowns, format_outline, outline)

WIDTH = 100

Words = dict[str, str]


def render_text(analysis: Analysis, lang: str = "en") -> str:
    lines = format_outline(outline(analysis, lang), FORMATTERS, words(lang))
    return "\n".join(line.rstrip() for line in lines[1:]) + "\n"     # no blank line on top


def _wrap(text: str, indent: str) -> list[str]:
    return textwrap.wrap(text, WIDTH, initial_indent=indent, subsequent_indent=indent) or [indent]


def _titled(title: str, lines: list[str]) -> list[str]:
    return ["", f"== {title} ==", *lines]


def _clean(section: Clean, w: Words) -> list[str]:
    suffix = f" ({w['window']} {section.window})" if section.window else ""
    return ["", w["clean"].format(lines=section.lines, window=suffix),
            *(f"- {note}" for note in section.notes)]


def _header(section: Header, w: Words) -> list[str]:
    header = w["header"].format(lines=section.lines, sources=", ".join(section.sources))
    return ["", f"logsleuth: {header}",
            *([f"{w['window']}: {section.window}"] if section.window else []),
            *([f"{w['services']}: {', '.join(section.services)}"] if section.services else []),
            w["matched"].format(matched=section.matched, unknown=section.unknown)]


def _bundle_facts(section: BundleFacts, w: Words) -> list[str]:
    return _titled(w["bundle"], [line for title, facts in section.sections
                                 for line in (f"{title}:", *(f"  {fact}" for fact in facts))])


def _checklist(section: Checklist, w: Words) -> list[str]:
    return _titled(w["checklist"], [f"[{STATUS_MARK[c.status]}] {c.title}: {c.evidence}"
                                    for c in section.checks])


def _notes(section: Notes, w: Words) -> list[str]:
    return _titled(w["notes"], [f"- {note}" for note in section.notes])


def _findings(section: Findings, w: Words) -> list[str]:
    lines = []
    for f in section.findings:
        lines.append(f"{f.severity.upper():<8} {f.category:<18} x{f.count:<6} {f.title}")
        if f.first_seen is not None:
            detail = f"{w['first']} {when(f.first_seen)}  {w['last']} {when(f.last_seen)}"
            spark = sparkline(f.timeline)
            lines.append(f"{'':9}{detail}" + (f"  {spark}" if spark else ""))
    return _titled(w["findings"], lines)


def _causes(section: Causes, w: Words) -> list[str]:
    lines = []
    for number, cause in enumerate(section.causes, 1):
        lines.append(f"{number}. [{cause.severity}] {cause.title}")
        lines += _wrap(f"{w['why']}: {cause.explanation}", "   ")
        lines += [f"   {w['evidence']}:", *(f"     | {line}" for line in cause.evidence)]
        lines += [f"   {w['fix']}:", *(f"     {line}" for line in fix_lines(cause.fix))]
    return _titled(w["causes"], lines)


def _unknowns(section: Unknowns, w: Words) -> list[str]:
    return _titled(w["unknown"], [f"x{count:<6} {example}" for count, example in section.rows])


def _more(section: More, w: Words) -> list[str]:
    return [w["more"].format(n=section.count)]


def _input_errors(section: InputErrors, w: Words) -> list[str]:
    return _titled(w["errors"], [f"- {error}" for error in section.errors])


def _interrupted(section: Interrupted, w: Words) -> list[str]:
    return ["", w["interrupted"]]


FORMATTERS: Formatters[str] = {
    Clean: _clean, Header: _header, BundleFacts: _bundle_facts, Checklist: _checklist,
    Notes: _notes, Findings: _findings, Causes: _causes, Unknowns: _unknowns, More: _more,
    InputErrors: _input_errors, Interrupted: _interrupted,
}
