"""Plain text: for pipes, mail and log files. No colour codes, fits 100 columns."""

from __future__ import annotations

import textwrap

from ..result import Analysis
from .common import STATUS_MARK, facts_sections, fix_lines, sparkline, when, window_text, words

WIDTH = 100
EVIDENCE_CHARS = 300


def _wrap(text: str, indent: str) -> list[str]:
    return textwrap.wrap(text, WIDTH, initial_indent=indent, subsequent_indent=indent) or [indent]


def render_text(analysis: Analysis, lang: str = "en") -> str:
    w = words(lang)
    lines: list[str] = []
    window = window_text(analysis)
    if not analysis.findings and not analysis.unknown and analysis.facts is None:
        problems = _errors(analysis, w)[1:]          # input problems first, then the verdict
        lines += [*problems, ""] if problems else []
        suffix = f" ({w['window']} {window})" if window else ""
        lines.append(w["clean"].format(lines=analysis.lines.total, window=suffix))
        notes = [f"- {note}" for note in analysis.notes]
        return "\n".join(lines + notes) + "\n"
    header = w["header"].format(lines=analysis.lines.total, sources=", ".join(analysis.sources))
    lines.append(f"logsleuth: {header}")
    if analysis.facts is not None:
        lines += ["", f"== {w['bundle']} =="]
        for title, facts in facts_sections(analysis, lang):
            lines.append(f"{title}:")
            lines += [f"  {fact}" for fact in facts]
        lines += ["", f"== {w['checklist']} =="]
        lines += [f"[{STATUS_MARK[c['status']]}] {c['title']}: {c['evidence']}" for c in analysis.checks]
    if analysis.notes:
        lines += ["", f"== {w['notes']} =="] + [f"- {note}" for note in analysis.notes]
    if analysis.facts is not None or analysis.notes:
        lines.append("")
    if window:
        lines.append(f"{w['window']}: {window}")
    if analysis.services:
        lines.append(f"{w['services']}: {', '.join(analysis.services)}")
    lines.append(w["matched"].format(matched=analysis.lines.matched, unknown=analysis.lines.unknown))
    if analysis.findings:
        lines += ["", f"== {w['findings']} =="]
        for f in analysis.findings:
            lines.append(f"{f.severity.upper():<8} {f.category:<18} x{f.count:<6} {f.title}")
            if f.first_seen is not None:
                detail = f"{w['first']} {when(f.first_seen)}  {w['last']} {when(f.last_seen)}"
                spark = sparkline(f.timeline)
                lines.append(f"{'':9}{detail}" + (f"  {spark}" if spark else ""))
    if analysis.causes:
        lines += ["", f"== {w['causes']} =="]
        for number, cause in enumerate(analysis.causes, 1):
            lines.append(f"{number}. [{cause.severity}] {cause.title}")
            lines += _wrap(f"{w['why']}: {cause.explanation}", "   ")
            lines.append(f"   {w['evidence']}:")
            lines += [f"     | {_clip(e)}" for ev in cause.evidence for e in ev.split("\n")]
            lines.append(f"   {w['fix']}:")
            lines += [f"     {line}" for line in fix_lines(cause.fix)]
    if analysis.unknown:
        lines += ["", f"== {w['unknown']} =="]
        for u in analysis.unknown[:20]:
            lines.append(f"x{u.count:<6} {_clip(u.example)}")
        hidden = len(analysis.unknown) - 20 + analysis.dropped_templates
        if hidden > 0:
            lines.append(w["more"].format(n=hidden))
    return "\n".join(line.rstrip() for line in lines + _errors(analysis, w)) + "\n"


def _clip(text: str) -> str:
    return text if len(text) <= EVIDENCE_CHARS else text[:EVIDENCE_CHARS] + "…"


def _errors(analysis: Analysis, w: dict[str, str]) -> list[str]:
    out = []
    if analysis.errors:
        out += ["", f"== {w['errors']} =="] + [f"- {e}" for e in analysis.errors]
    if analysis.interrupted:
        out += ["", w["interrupted"]]
    return out
