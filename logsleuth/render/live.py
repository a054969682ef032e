"""Follow-mode output: one line or NDJSON object per new problem, and the live rich view."""

from __future__ import annotations

import json

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from ..entry import Entry
from ..result import Analysis, iso
from .common import short_when, sparkline, words
from .terminal import SEVERITY_STYLE
from .data import event


def new_entry_line(entry: Entry, lang: str = "en") -> str:
    """``NEW error database_locked: SQLite database is locked (2024-05-01T10:00:01Z,
    headscale, line 3)`` — or ``NEW unknown ERR: <template>`` for an unexplained error."""
    where = ", ".join(filter(None, [iso(entry.timestamp), entry.service,
                                    f"line {entry.line_no}"]))
    if entry.pattern is None:
        return f"NEW unknown {entry.level or '?'}: {entry.template} ({where})"
    title = entry.pattern.localized(lang)[0]
    return f"NEW {entry.severity} {entry.category}: {title} ({where})"


def new_entry_json(entry: Entry, redact_output: bool = True) -> str:
    kind = "new_finding" if entry.pattern is not None else "new_unknown"
    return json.dumps({"event": kind, **event(entry, redact_output)}, ensure_ascii=False)


def summary_json(analysis: Analysis) -> str:
    return json.dumps({"event": "summary", **analysis.to_dict()}, ensure_ascii=False)


def render_live(analysis: Analysis, lang: str = "en") -> RenderableType:
    """The compact live view: lines read, then one row per finding with its sparkline."""
    w = words(lang)
    header = Text.assemble(
        ("logsleuth --follow ", "bold"), f"{analysis.lines.total} lines, ",
        w["matched"].format(matched=analysis.lines.matched, unknown=analysis.lines.unknown),
        "  (Ctrl-C ends with the full report)", style="")
    table = Table(expand=False, show_edge=False)
    table.add_column(w["severity"], no_wrap=True)
    table.add_column(w["count"], justify="right", no_wrap=True)
    table.add_column(w["problem"], ratio=1, min_width=20)
    table.add_column(w["last"], no_wrap=True)
    table.add_column(w["timeline"], no_wrap=True)
    for f in analysis.findings:
        table.add_row(Text(f.severity, style=SEVERITY_STYLE[f.severity]), str(f.count),
                      Text(f.title), short_when(f.last_seen), sparkline(f.timeline))
    return Group(header, table)
