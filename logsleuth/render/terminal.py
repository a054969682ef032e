"""Rich renderables for a terminal: header, findings table with sparklines, causes with
evidence and fix commands, unknown errors. Printing is the caller's job."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from ..result import Analysis
from .common import (STATUS_MARK, facts_sections, fix_lines, halve, short_when, sparkline,
                     window_text, words)

SEVERITY_STYLE = {"critical": "bold white on red", "error": "bold red",
                  "warning": "yellow", "info": "cyan"}
EVIDENCE_CHARS = 300


def render_terminal(analysis: Analysis, lang: str = "en") -> RenderableType:
    w = words(lang)
    window = window_text(analysis)
    if not analysis.findings and not analysis.unknown and analysis.facts is None:
        suffix = f" ({w['window']} {window})" if window else ""
        parts: list[RenderableType] = [
            Text("✔ " + w["clean"].format(lines=analysis.lines.total, window=suffix), style="green")]
        parts += [Text(f"• {note}", style="yellow") for note in analysis.notes]
        return Group(*_errors(analysis, w), *parts)         # input problems before the verdict
    header = Text.assemble(
        ("logsleuth ", "bold"),
        w["header"].format(lines=analysis.lines.total, sources=", ".join(analysis.sources)),
        "\n",
        (f"{w['window']}: {window}\n" if window else ""),
        (f"{w['services']}: {', '.join(analysis.services)}\n" if analysis.services else ""),
        w["matched"].format(matched=analysis.lines.matched, unknown=analysis.lines.unknown),
    )
    parts = [Panel(header, expand=False)]
    for title, facts in facts_sections(analysis, lang):
        parts.append(Panel(Text("\n".join(facts)), title=title, title_align="left"))
    if analysis.facts is not None:
        table = Table(title=w["checklist"], title_justify="left", expand=False)
        table.add_column("", no_wrap=True)
        table.add_column("item")
        table.add_column("evidence")
        style = {"pass": "green", "fail": "bold red", "unknown": "dim"}
        for check in analysis.checks:
            table.add_row(Text(STATUS_MARK[check["status"]], style=style[check["status"]]),
                          Text(check["title"]), Text(check["evidence"]))
        parts.append(table)
    parts += [Text(f"• {note}", style="yellow") for note in analysis.notes]
    if analysis.findings:
        table = Table(title=w["findings"], title_justify="left", expand=False)
        table.add_column(w["severity"], no_wrap=True)
        table.add_column(w["count"], justify="right", no_wrap=True)
        table.add_column(w["problem"], ratio=1, min_width=20)
        table.add_column(f"{w['first']} / {w['last']}", no_wrap=True)
        table.add_column(w["timeline"], no_wrap=True)
        for f in analysis.findings:
            problem = Text(f.title)
            problem.append(f"\n{f.category}", style="dim")
            seen = f"{short_when(f.first_seen)}\n{short_when(f.last_seen)}"
            table.add_row(Text(f.severity, style=SEVERITY_STYLE[f.severity]), str(f.count),
                          problem, seen, sparkline(halve(f.timeline)))
        parts.append(table)
    for number, cause in enumerate(analysis.causes, 1):
        body = Text()
        body.append(f"{w['why']}: ", style="bold")
        body.append(cause.explanation + "\n\n")
        body.append(f"{w['evidence']}:\n", style="bold")
        for evidence in cause.evidence:
            for line in evidence.split("\n"):
                body.append(f"  {_clip(line)}\n", style="dim")
        body.append(f"\n{w['fix']}:\n", style="bold")
        for line in fix_lines(cause.fix):
            body.append(f"  {line}\n", style="green" if line.startswith("$") else "dim")
        title = Text.assemble((f"{number}. ", "bold"), (cause.severity, SEVERITY_STYLE[cause.severity]),
                              " ", cause.title)
        parts.append(Panel(body, title=title, title_align="left"))
    if analysis.unknown:
        table = Table(title=w["unknown"], title_justify="left", expand=False)
        table.add_column(w["count"], justify="right")
        table.add_column("example")
        for u in analysis.unknown[:20]:
            table.add_row(str(u.count), Text(_clip(u.example)))
        parts.append(table)
    return Group(*parts, *_errors(analysis, w))


def _clip(text: str) -> str:
    return text if len(text) <= EVIDENCE_CHARS else text[:EVIDENCE_CHARS] + "…"


def _errors(analysis: Analysis, w: dict[str, str]) -> list[RenderableType]:
    out: list[RenderableType] = [Text(f"⚠ {e}", style="yellow") for e in analysis.errors]
    if analysis.interrupted:
        out.append(Text(w["interrupted"], style="yellow"))
    return out
