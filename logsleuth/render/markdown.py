"""Markdown, ready to paste into a GitHub issue.

Text from the input is quoted so it stays text: evidence goes in fences longer than any
backtick run it holds, examples in code spans that no backtick can end, and free text has
its Markdown punctuation escaped (no headings, links, images or HTML from a log line)."""

from __future__ import annotations

import re

from ..result import Analysis
from .common import STATUS_MARK, facts_sections, sparkline, when, window_text, words

_BACKTICKS = re.compile(r"`+")
_PUNCTUATION = re.compile(r"([\\`*_{}\[\]()<>#+!|~&@])")


def shell_block(commands: list[str]) -> list[str]:
    """A fenced ``sh`` block that pastes as it is (no ``$ `` prompt) and that no backtick
    run in a command (a value filled in from a log) can close."""
    return fenced(commands, "sh")


def _longest_backticks(text: str) -> int:
    return max((len(run) for run in _BACKTICKS.findall(text)), default=0)


def fenced(lines: list[str], info: str = "text") -> list[str]:
    """A fenced code block no line inside can close."""
    fence = "`" * max(3, _longest_backticks("\n".join(lines)) + 1)
    return [f"{fence}{info}", *lines, fence]


def code_span(text: str) -> str:
    """Inline code no backtick inside can end; pipes escaped for table cells."""
    text = text.replace("\n", " ").replace("|", "\\|")
    ticks = "`" * (_longest_backticks(text) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{ticks}{pad}{text}{pad}{ticks}"


def plain(text: str) -> str:
    """Free text with Markdown punctuation escaped, on one line."""
    return _PUNCTUATION.sub(r"\\\1", text.replace("\n", " "))


def render_markdown(analysis: Analysis, lang: str = "en") -> str:
    w = words(lang)
    window = window_text(analysis)
    out = ["## logsleuth report", ""]
    if not analysis.findings and not analysis.unknown and analysis.facts is None:
        suffix = f" ({w['window']} {window})" if window else ""
        notes = [f"- {plain(note)}" for note in analysis.notes]
        return "\n".join(out + _errors(analysis, w)
                         + [w["clean"].format(lines=analysis.lines.total, window=suffix), *notes, ""])
    sources = ", ".join(plain(source) for source in analysis.sources)
    out.append(f"- {w['header'].format(lines=analysis.lines.total, sources=sources)}")
    if window:
        out.append(f"- {w['window']}: {window}")
    if analysis.services:
        out.append(f"- {w['services']}: {plain(', '.join(analysis.services))}")
    out.append(f"- {w['matched'].format(matched=analysis.lines.matched, unknown=analysis.lines.unknown)}")
    if analysis.facts is not None:
        out += ["", f"### {w['bundle']}", ""]
        for title, facts in facts_sections(analysis, lang):
            out.append(f"- **{title}**: " + "; ".join(plain(f) for f in facts))
        out += ["", f"### {w['checklist']}", "", "| | item | evidence |", "|---|---|---|"]
        out += [f"| {STATUS_MARK[c['status']].strip()} | {plain(c['title'])} | {plain(c['evidence'])} |"
                for c in analysis.checks]
    if analysis.notes:
        out += ["", f"**{w['notes']}**", ""] + [f"- {plain(note)}" for note in analysis.notes]
    if analysis.findings:
        out += ["", f"### {w['findings']}", "",
                f"| {w['severity']} | {w['category']} | {w['problem']} | {w['count']} | {w['first']} | {w['last']} | {w['timeline']} |",
                "|---|---|---|---:|---|---|---|"]
        for f in analysis.findings:
            out.append(f"| {f.severity} | `{f.category}` | {plain(f.title)} | {f.count} | "
                       f"{when(f.first_seen)} | {when(f.last_seen)} | {sparkline(f.timeline)} |")
    if analysis.causes:
        out += ["", f"### {w['causes']}"]
        for number, cause in enumerate(analysis.causes, 1):
            out += ["", f"**{number}. {plain(cause.title)}** ({cause.severity}, `{cause.category}`)",
                    "", plain(cause.explanation), "", f"{w['evidence']}:", "",
                    *fenced([line for ev in cause.evidence for line in ev.split("\n")]), "",
                    f"{w['fix']}:", "", *shell_block(cause.fix)]
    if analysis.unknown:
        out += ["", f"### {w['unknown']}", "", f"| {w['count']} | example |", "|---:|---|"]
        out += [f"| {u.count} | {code_span(u.example[:300])} |" for u in analysis.unknown[:20]]
    return "\n".join(out + [""] + _errors(analysis, w)).rstrip("\n") + "\n"


def _errors(analysis: Analysis, w: dict[str, str]) -> list[str]:
    """The input problems as a section (ends with a blank line), or nothing."""
    if not analysis.errors:
        return []
    return [f"### {w['errors']}", "", *(f"- {plain(e)}" for e in analysis.errors), ""]
