"""The nightly summary as mail-ready text (no colour, 80 columns) or Markdown."""

from __future__ import annotations

import textwrap

from ..nightly.state import Change
from ..nightly.summary import Summary
from ..result import Cause
from .common import when, window_text
from .markdown import code_span, plain, shell_block

WIDTH = 80
MARK = {"new": "NEW", "rising": "UP", "falling": "DOWN", "still present": "SAME", "resolved": "GONE"}


def fit(line: str, width: int = WIDTH) -> str:
    """``line`` cut to ``width`` columns, at a space where one is near, with an ellipsis."""
    if len(line) <= width:
        return line
    cut = line[:width - 1]
    space = cut.rfind(" ")
    return (cut[:space] if space > width * 2 // 3 else cut).rstrip() + "…"


def resolved_title(change: Change) -> str:
    """What a GONE row shows: the pattern's title, its id when the catalog lost it."""
    return change.title or change.pattern_id


def top_causes(summary: Summary) -> list[Cause]:
    """The causes a summary shows: up to three, critical or error."""
    return [c for c in summary.analysis.causes if c.severity in ("critical", "error")][:3]


def _header(summary: Summary) -> list[str]:
    a = summary.analysis
    window = window_text(a) or "no timestamps"
    lines = [f"logsleuth summary for {summary.host} ({when(summary.finished)})",
             f"window: {window}",
             f"read {a.lines.total} lines from {', '.join(a.sources)}"
             + (" (first run)" if summary.first_run else "")]
    if summary.coverage is not None:
        lines.append(f"coverage: the catalog explains {summary.coverage:.0%} of warning/error entries")
    return lines


def render_summary_text(summary: Summary) -> str:
    a = summary.analysis
    out = [wrapped for line in _header(summary)
           for wrapped in textwrap.wrap(line, WIDTH, subsequent_indent="  ")]
    out += [wrapped for w in summary.warnings + a.errors
            for wrapped in textwrap.wrap(f"warning: {w}", WIDTH, subsequent_indent="  ")]
    if a.findings or any(c.status == "resolved" for c in summary.changes):
        out += ["", "Findings (change since the last run):"]
        for f in a.findings:
            change = summary.change_of(f.pattern_id)
            mark = MARK[change.status] if change else "NEW"
            before = f" (was {change.previous})" if change and change.previous else ""
            out.append(fit(f"  {mark:<5}{f.severity:<9}x{f.count:<5} {f.title}{before}"))
        for change in summary.changes:
            if change.status == "resolved":
                out.append(fit(f"  {MARK['resolved']:<5}{'':16}{resolved_title(change)} "
                               f"(was {change.previous})"))
    else:
        out += ["", "No known problems."]
    if summary.new_unknown:
        out += ["", "Unknown warnings/errors seen for the first time:"]
        out += [fit(f"  x{u.count:<5} {u.template}") for u in summary.new_unknown[:10]]
    causes = top_causes(summary)
    if causes:
        out += ["", "Most likely causes:"]
        for number, cause in enumerate(causes, 1):
            out += textwrap.wrap(f"{number}. {cause.title}: {cause.explanation}", WIDTH,
                                 subsequent_indent="   ")
            out += [fit(f"   $ {line}") for line in cause.fix[:2] if not line.startswith("#")]
    return "\n".join(line.rstrip() for line in out) + "\n"


def render_summary_markdown(summary: Summary) -> str:
    """The text summary's content as Markdown: input problems, findings with their change,
    new unknown templates, the likely causes with their fix."""
    a = summary.analysis
    out = ["## logsleuth summary", "", *(f"- {plain(line)}" for line in _header(summary)), ""]
    out += [f"> warning: {plain(w)}\n" for w in summary.warnings + a.errors]
    if a.findings or any(c.status == "resolved" for c in summary.changes):
        out += ["| change | severity | problem | count | before |", "|---|---|---|---:|---:|"]
        for f in a.findings:
            change = summary.change_of(f.pattern_id)
            out.append(f"| {MARK[change.status] if change else 'NEW'} | {f.severity} | "
                       f"{plain(f.title)} | {f.count} | {change.previous if change else 0} |")
        out += [f"| {MARK['resolved']} | | {plain(resolved_title(c))} | 0 | {c.previous} |"
                for c in summary.changes if c.status == "resolved"]
    else:
        out.append("No known problems.")
    if summary.new_unknown:
        out += ["", "**Unknown warnings/errors seen for the first time**", ""]
        out += [f"- x{u.count} {code_span(u.example[:200])}" for u in summary.new_unknown[:10]]
    causes = top_causes(summary)
    if causes:
        out += ["", "### Most likely causes"]
        for number, cause in enumerate(causes, 1):
            out += ["", f"{number}. **{plain(cause.title)}**: {plain(cause.explanation)}", "",
                    *shell_block(cause.fix)]
    return "\n".join(out) + "\n"
