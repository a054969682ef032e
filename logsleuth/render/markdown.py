"""Markdown, ready to paste into a GitHub issue.

Text from the input is quoted so it stays text: evidence goes in fences longer than any
backtick run it holds, examples in code spans that no backtick can end, and free text has
its Markdown punctuation escaped (no headings, links, images or HTML from a log line).
Each section formatter returns its lines, starting with the blank line before it."""

from __future__ import annotations

import re

from ..result import Analysis
from .common import STATUS_MARK, sparkline, when, words
from .outline import (BundleFacts, Causes, Checklist, Clean, Findings, Formatters, Header,
                      InputErrors, Interrupted, More, Notes, Unknowns, format_outline, outline)

Words = dict[str, str]

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
    lines = format_outline(outline(analysis, lang), FORMATTERS, words(lang))
    return "\n".join(["## logsleuth report", *lines]) + "\n"


def _heading(title: str, lines: list[str]) -> list[str]:
    return ["", f"### {title}", "", *lines]


def _list(items: list[str]) -> list[str]:
    return [f"- {plain(item)}" for item in items]


def _clean(section: Clean, w: Words) -> list[str]:
    suffix = f" ({w['window']} {section.window})" if section.window else ""
    return ["", w["clean"].format(lines=section.lines, window=suffix), *_list(section.notes)]


def _header(section: Header, w: Words) -> list[str]:
    sources = ", ".join(plain(source) for source in section.sources)
    return ["", f"- {w['header'].format(lines=section.lines, sources=sources)}",
            *([f"- {w['window']}: {section.window}"] if section.window else []),
            *([f"- {w['services']}: {plain(', '.join(section.services))}"] if section.services else []),
            f"- {w['matched'].format(matched=section.matched, unknown=section.unknown)}"]


def _bundle_facts(section: BundleFacts, w: Words) -> list[str]:
    return _heading(w["bundle"], [f"- **{title}**: " + "; ".join(plain(fact) for fact in facts)
                                  for title, facts in section.sections])


def _checklist(section: Checklist, w: Words) -> list[str]:
    return _heading(w["checklist"], [
        "| | item | evidence |", "|---|---|---|",
        *(f"| {STATUS_MARK[c.status].strip()} | {plain(c.title)} | {plain(c.evidence)} |"
          for c in section.checks)])


def _notes(section: Notes, w: Words) -> list[str]:
    return ["", f"**{w['notes']}**", "", *_list(section.notes)]


def _findings(section: Findings, w: Words) -> list[str]:
    columns = ("severity", "category", "problem", "count", "first", "last", "timeline")
    return _heading(w["findings"], [
        "| " + " | ".join(w[column] for column in columns) + " |",
        "|---|---|---|---:|---|---|---|",
        *(f"| {f.severity} | `{f.category}` | {plain(f.title)} | {f.count} | "
          f"{when(f.first_seen)} | {when(f.last_seen)} | {sparkline(f.timeline)} |"
          for f in section.findings)])


def _causes(section: Causes, w: Words) -> list[str]:
    lines = ["", f"### {w['causes']}"]
    for number, cause in enumerate(section.causes, 1):
        lines += ["", f"**{number}. {plain(cause.title)}** ({cause.severity}, `{cause.category}`)",
                  "", plain(cause.explanation), "", f"{w['evidence']}:", "", *fenced(cause.evidence),
                  "", f"{w['fix']}:", "", *shell_block(cause.fix)]
    return lines


def _unknowns(section: Unknowns, w: Words) -> list[str]:
    return _heading(w["unknown"], [f"| {w['count']} | example |", "|---:|---|",
                                   *(f"| {count} | {code_span(example)} |"
                                     for count, example in section.rows)])


def _more(section: More, w: Words) -> list[str]:
    return ["", plain(w["more"].format(n=section.count))]     # a blank line ends a table


def _input_errors(section: InputErrors, w: Words) -> list[str]:
    return _heading(w["errors"], _list(section.errors))


def _interrupted(section: Interrupted, w: Words) -> list[str]:
    return ["", f"**{w['interrupted']}**"]


FORMATTERS: Formatters[str] = {
    Clean: _clean, Header: _header, BundleFacts: _bundle_facts, Checklist: _checklist,
    Notes: _notes, Findings: _findings, Causes: _causes, Unknowns: _unknowns, More: _more,
    InputErrors: _input_errors, Interrupted: _interrupted,
}
