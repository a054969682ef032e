"""The nightly summary as mail-ready text (no colour, 80 columns) or Markdown."""

from __future__ import annotations

import textwrap

from ..nightly import Summary
from .common import when, window_text
from .markdown import code_span, plain

WIDTH = 80
MARK = {"new": "NEW", "rising": "UP", "falling": "DOWN", "still present": "SAME", "resolved": "GONE"}


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
    if a.findings or any(c.status == "resolved" for c in summary.changes):
        out += ["", "Findings (change since the last run):"]
        for f in a.findings:
            change = summary.change_of(f.pattern_id)
            mark = MARK[change.status] if change else "NEW"
            before = f" (was {change.previous})" if change and change.previous else ""
            out.append(f"  {mark:<5}{f.severity:<9}x{f.count:<5} {f.title}{before}"[:WIDTH])
        for change in summary.changes:
            if change.status == "resolved":
                out.append(f"  {MARK['resolved']:<5}{'':9}x0     {change.pattern_id} (was {change.previous})"[:WIDTH])
    else:
        out += ["", "No known problems."]
    if summary.new_unknown:
        out += ["", "Unknown warnings/errors seen for the first time:"]
        out += [f"  x{u.count:<5} {u.template}"[:WIDTH] for u in summary.new_unknown[:10]]
    causes = [c for c in a.causes if c.severity in ("critical", "error")][:3]
    if causes:
        out += ["", "Most likely causes:"]
        for number, cause in enumerate(causes, 1):
            out += textwrap.wrap(f"{number}. {cause.title}: {cause.explanation}", WIDTH,
                                 subsequent_indent="   ")
            out += [f"   $ {line}"[:WIDTH] for line in cause.fix[:2] if not line.startswith("#")]
    out += [f"warning: {w}"[:WIDTH] for w in summary.warnings + a.errors]
    return "\n".join(line.rstrip() for line in out) + "\n"


def render_summary_markdown(summary: Summary) -> str:
    a = summary.analysis
    out = ["## logsleuth summary", "", *(f"- {line}" for line in _header(summary)), ""]
    if a.findings or summary.changes:
        out += ["| change | severity | problem | count | before |", "|---|---|---|---:|---:|"]
        for f in a.findings:
            change = summary.change_of(f.pattern_id)
            out.append(f"| {change.status if change else 'new'} | {f.severity} | {f.title} | "
                       f"{f.count} | {change.previous if change else 0} |")
        out += [f"| resolved | | `{c.pattern_id}` | 0 | {c.previous} |"
                for c in summary.changes if c.status == "resolved"]
    if summary.new_unknown:
        out += ["", "**Unknown warnings/errors seen for the first time**", ""]
        out += [f"- x{u.count} {code_span(u.example[:200])}" for u in summary.new_unknown[:10]]
    out += [f"\n> warning: {plain(w)}" for w in summary.warnings + a.errors]
    return "\n".join(out) + "\n"
