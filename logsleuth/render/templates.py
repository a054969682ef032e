"""``logsleuth templates`` output: a table of templates (rich, text, Markdown), the JSON
document, or NDJSON with one object per input line."""

from __future__ import annotations

import json
from typing import Iterator

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from ..mining import TemplateReport
from .common import when
from .markdown import code_span


def _heading(report: TemplateReport) -> str:
    return (f"{len(report.templates)} templates in {report.lines} lines from "
            f"{', '.join(report.sources)}")


def render_templates_text(report: TemplateReport) -> str:
    out = [_heading(report), ""]
    for t in report.templates:
        out.append(f"{t.count:>8}  {t.id}  {when(t.first_seen)} .. {when(t.last_seen)}")
        out.append(f"          {t.template}")
        out.append(f"          e.g. {t.example}")
    return "\n".join(out) + "\n"


def render_templates_markdown(report: TemplateReport) -> str:
    out = [f"## {_heading(report)}", "", "| count | id | first | last | template | example |",
           "|---:|---|---|---|---|---|"]
    out += [f"| {t.count} | `{t.id}` | {when(t.first_seen)} | {when(t.last_seen)} | "
            f"{code_span(t.template)} | {code_span(t.example)} |" for t in report.templates]
    return "\n".join(out) + "\n"


def render_templates_rich(report: TemplateReport) -> RenderableType:
    table = Table(title=Text(_heading(report)), title_justify="left", expand=False)
    for name, justify in (("count", "right"), ("id", "left"), ("first", "left"),
                          ("last", "left"), ("template / example", "left")):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    for t in report.templates:
        cell = Text(t.template, style="bold")
        cell.append(f"\n{t.example}", style="dim")
        table.add_row(str(t.count), t.id, when(t.first_seen), when(t.last_seen), cell)
    return Group(table)


def render_templates_json(report: TemplateReport) -> str:
    return json.dumps(report.to_dict(), ensure_ascii=False, indent=2) + "\n"


def render_line_templates(report: TemplateReport) -> Iterator[str]:
    """One NDJSON object per input line: ``source``, ``line_no``, ``template_id``,
    ``template`` (each source and template encoded once: millions of lines are cheap)."""
    sources: dict[str, str] = {}
    templates: dict[str, str] = {}
    for line in report.line_templates():
        source = sources.get(line.source)
        if source is None:
            source = sources[line.source] = json.dumps(line.source, ensure_ascii=False)
        rest = templates.get(line.template_id)
        if rest is None:
            rest = templates[line.template_id] = (
                f'"template_id": "{line.template_id}", '
                f'"template": {json.dumps(line.template, ensure_ascii=False)}}}\n')
        yield f'{{"source": {source}, "line_no": {line.line_no}, {rest}'


#: the whole-report formats of ``logsleuth templates`` (rich and ndjson render otherwise)
TEMPLATE_RENDERERS = {"text": render_templates_text, "markdown": render_templates_markdown,
                      "json": render_templates_json}
