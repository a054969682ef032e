"""Markdown, ready to paste into a GitHub issue."""

from __future__ import annotations

import re

from ..result import Analysis
from .common import STATUS_MARK, facts_sections, sparkline, when, window_text, words

_SPECIAL = re.compile(r"([\\`*_\[\]<>|~#])")


def inline(text: str) -> str:
    """Text as it reads, on one line: characters Markdown would act on are escaped, so
    ``<issuer>`` is not swallowed as an HTML tag nor ``*`` taken for emphasis."""
    return _SPECIAL.sub(r"\\\1", text).replace("\n", " ")


def _cell(text: str) -> str:
    return inline(text)


def shell_block(commands: list[str]) -> list[str]:
    """A fenced ``sh`` block that pastes as it is: commands without a ``$ `` prompt."""
    return ["```sh", *commands, "```"]


def render_markdown(analysis: Analysis, lang: str = "en") -> str:
    w = words(lang)
    window = window_text(analysis)
    out = ["## logsleuth report", ""]
    if not analysis.findings and not analysis.unknown and analysis.facts is None:
        suffix = f" ({w['window']} {window})" if window else ""
        notes = [f"- {inline(note)}" for note in analysis.notes]
        return "\n".join(out + _errors(analysis, w)
                         + [w["clean"].format(lines=analysis.lines.total, window=suffix), *notes, ""])
    out.append(f"- {inline(w['header'].format(lines=analysis.lines.total, sources=', '.join(analysis.sources)))}")
    if window:
        out.append(f"- {w['window']}: {window}")
    if analysis.services:
        out.append(f"- {w['services']}: {inline(', '.join(analysis.services))}")
    out.append(f"- {w['matched'].format(matched=analysis.lines.matched, unknown=analysis.lines.unknown)}")
    if analysis.facts is not None:
        out += ["", f"### {w['bundle']}", ""]
        for title, facts in facts_sections(analysis, lang):
            out.append(f"- **{title}**: " + "; ".join(_cell(f) for f in facts))
        out += ["", f"### {w['checklist']}", "", "| | item | evidence |", "|---|---|---|"]
        out += [f"| {STATUS_MARK[c['status']].strip()} | {_cell(c['title'])} | {_cell(c['evidence'])} |"
                for c in analysis.checks]
    if analysis.notes:
        out += ["", f"**{w['notes']}**", ""] + [f"- {inline(note)}" for note in analysis.notes]
    if analysis.findings:
        out += ["", f"### {w['findings']}", "",
                f"| {w['severity']} | {w['category']} | {w['problem']} | {w['count']} | {w['first']} | {w['last']} | {w['timeline']} |",
                "|---|---|---|---:|---|---|---|"]
        for f in analysis.findings:
            out.append(f"| {f.severity} | `{f.category}` | {_cell(f.title)} | {f.count} | "
                       f"{when(f.first_seen)} | {when(f.last_seen)} | {sparkline(f.timeline)} |")
    if analysis.causes:
        out += ["", f"### {w['causes']}"]
        for number, cause in enumerate(analysis.causes, 1):
            out += ["", f"**{number}. {inline(cause.title)}** ({cause.severity}, `{cause.category}`)",
                    "", inline(cause.explanation), "", f"{w['evidence']}:", "", "```text",
                    *[line for ev in cause.evidence for line in ev.splitlines()], "```", "",
                    f"{w['fix']}:", "", *shell_block(cause.fix)]
    if analysis.unknown:
        out += ["", f"### {w['unknown']}", "", f"| {w['count']} | example |", "|---:|---|"]
        out += [f"| {u.count} | `{_cell(u.example)[:300]}` |" for u in analysis.unknown[:20]]
    return "\n".join(out + [""] + _errors(analysis, w)).rstrip("\n") + "\n"


def _errors(analysis: Analysis, w: dict[str, str]) -> list[str]:
    """The input problems as a section (ends with a blank line), or nothing."""
    if not analysis.errors:
        return []
    return [f"### {w['errors']}", "", *(f"- {inline(e)}" for e in analysis.errors), ""]
