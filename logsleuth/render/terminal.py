"""Rich renderables for a terminal: header, findings table with sparklines, causes with
evidence and fix commands, unknown errors. Printing is the caller's job."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from ..result import Analysis
from .common import STATUS_MARK, fix_lines, halve, short_when, sparkline, words
from .outline import (BundleFacts, CauseEntry, Causes, Checklist, Clean, Findings, Formatters,
                      Header, InputErrors, Interrupted, More, Notes, Unknowns, format_outline,
                      outline)

SEVERITY_STYLE = {"critical": "bold white on red", "error": "bold red",
                  "warning": "yellow", "info": "cyan"}
CHECK_STYLE = {"pass": "green", "fail": "bold red", "unknown": "dim"}

Words = dict[str, str]
Parts = list[RenderableType]


def render_terminal(analysis: Analysis, lang: str = "en") -> RenderableType:
    return Group(*format_outline(outline(analysis, lang), FORMATTERS, words(lang)))


def _table(title: str) -> Table:
    return Table(title=title, title_justify="left", expand=False)


def _clean(section: Clean, w: Words) -> Parts:
    suffix = f" ({w['window']} {section.window})" if section.window else ""
    return [Text("✔ " + w["clean"].format(lines=section.lines, window=suffix), style="green"),
            *_notes(Notes(section.notes), w)]


def _header(section: Header, w: Words) -> Parts:
    return [Panel(Text.assemble(
        ("logsleuth ", "bold"),
        w["header"].format(lines=section.lines, sources=", ".join(section.sources)), "\n",
        (f"{w['window']}: {section.window}\n" if section.window else ""),
        (f"{w['services']}: {', '.join(section.services)}\n" if section.services else ""),
        w["matched"].format(matched=section.matched, unknown=section.unknown),
    ), expand=False)]


def _bundle_facts(section: BundleFacts, w: Words) -> Parts:
    return [Panel(Text("\n".join(facts)), title=title, title_align="left")
            for title, facts in section.sections]


def _checklist(section: Checklist, w: Words) -> Parts:
    table = _table(w["checklist"])
    table.add_column("", no_wrap=True)
    table.add_column("item")
    table.add_column("evidence")
    for check in section.checks:
        table.add_row(Text(STATUS_MARK[check.status], style=CHECK_STYLE[check.status]),
                      Text(check.title), Text(check.evidence))
    return [table]


def _notes(section: Notes, w: Words) -> Parts:
    return [Text(f"• {note}", style="yellow") for note in section.notes]


def _findings(section: Findings, w: Words) -> Parts:
    table = _table(w["findings"])
    table.add_column(w["severity"], no_wrap=True)
    table.add_column(w["count"], justify="right", no_wrap=True)
    table.add_column(w["problem"], ratio=1, min_width=20)
    table.add_column(f"{w['first']} / {w['last']}", no_wrap=True)
    table.add_column(w["timeline"], no_wrap=True)
    for f in section.findings:
        problem = Text(f.title)
        problem.append(f"\n{f.category}", style="dim")
        seen = f"{short_when(f.first_seen)}\n{short_when(f.last_seen)}"
        table.add_row(Text(f.severity, style=SEVERITY_STYLE[f.severity]), str(f.count),
                      problem, seen, sparkline(halve(f.timeline)))
    return [table]


def _causes(section: Causes, w: Words) -> Parts:
    return [_cause_panel(number, cause, w) for number, cause in enumerate(section.causes, 1)]


def _cause_panel(number: int, cause: CauseEntry, w: Words) -> Panel:
    body = Text()
    body.append(f"{w['why']}: ", style="bold")
    body.append(cause.explanation + "\n\n")
    body.append(f"{w['evidence']}:\n", style="bold")
    for line in cause.evidence:
        body.append(f"  {line}\n", style="dim")
    body.append(f"\n{w['fix']}:\n", style="bold")
    for line in fix_lines(cause.fix):
        body.append(f"  {line}\n", style="green" if line.startswith("$") else "dim")
    title = Text.assemble((f"{number}. ", "bold"), (cause.severity, SEVERITY_STYLE[cause.severity]),
                          " ", cause.title)
    return Panel(body, title=title, title_align="left")


def _unknowns(section: Unknowns, w: Words) -> Parts:
    table = _table(w["unknown"])
    table.add_column(w["count"], justify="right")
    table.add_column("example")
    for count, example in section.rows:
        table.add_row(str(count), Text(example))
    return [table]


def _more(section: More, w: Words) -> Parts:
    return [Text(w["more"].format(n=section.count), style="dim")]


def _input_errors(section: InputErrors, w: Words) -> Parts:
    return [Text(f"⚠ {error}", style="yellow") for error in section.errors]


def _interrupted(section: Interrupted, w: Words) -> Parts:
    return [Text(w["interrupted"], style="yellow")]


FORMATTERS: Formatters[RenderableType] = {
    Clean: _clean, Header: _header, BundleFacts: _bundle_facts, Checklist: _checklist,
    Notes: _notes, Findings: _findings, Causes: _causes, Unknowns: _unknowns, More: _more,
    InputErrors: _input_errors, Interrupted: _interrupted,
}
