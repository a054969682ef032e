"""One report outline, three formats: every section the outline holds shows in text, Markdown
and rich alike, and a section kind without a formatter in some format fails here."""

from __future__ import annotations

import copy
import html
import io
import re
from datetime import datetime, timedelta, timezone

import pytest
from markdown_it import MarkdownIt
from rich.console import Console

from logsleuth.bundle.report import report
from logsleuth.render import markdown, terminal, text
from logsleuth.render.common import words
from logsleuth.render.markdown import render_markdown
from logsleuth.render.outline import (SECTION_KINDS, BundleFacts, Causes, Checklist, Clean,
                                      Findings, Header, InputErrors, Interrupted, More, Notes,
                                      Unknowns, outline)
from logsleuth.render.terminal import render_terminal
from logsleuth.render.text import render_text
from logsleuth.result import Analysis, LineStats, Unknown

from .conftest import FIXTURES, run_cli

START = datetime(2026, 7, 14, 10, 0, tzinfo=timezone.utc)
UNKNOWN_LINES = [f"{START + timedelta(minutes=n):%Y-%m-%dT%H:%M:%SZ} ERR {message}" for n, message in
                 enumerate(f"{verb} {thing}" for verb in ("failed to refresh", "could not persist",
                                                          "gave up on", "timed out waiting for")
                           for thing in ("the DERP map", "route 10.0.0.0/8", "pre-auth key 7",
                                         "node kodi", "policy v2", "the noise session"))]
ERROR = "/var/log/headscale/old.log: Permission denied"


def _rendered_markdown(page: str) -> str:
    """What a reader sees once GitHub renders the Markdown (tags dropped, entities read)."""
    return html.unescape(re.sub(r"<[^>]+>", "", MarkdownIt().enable("table").render(page)))


def _rendered_rich(analysis: Analysis, lang: str) -> str:
    console = Console(width=1000, file=io.StringIO(), color_system=None, highlight=False)
    console.print(render_terminal(analysis, lang))
    return console.file.getvalue()


FORMATS = {
    "text": render_text,
    "markdown": lambda analysis, lang: _rendered_markdown(render_markdown(analysis, lang)),
    "rich": _rendered_rich,
}


def _unknowns(count: int) -> list[Unknown]:
    return [Unknown(template=line[21:], count=100 - n, level="error", example=line,
                    first_seen=START, last_seen=START, services=["headscale"])
            for n, line in enumerate(UNKNOWN_LINES[:count])]


@pytest.fixture(scope="module")
def full(pipeline) -> Analysis:
    """A real bundle report (facts, checklist, notes, findings, causes) that also met more
    unknown errors than a report shows, an unreadable input, and an interrupt."""
    analysis = copy.deepcopy(report(pipeline, str(FIXTURES / "bundles" / "truncated-junk.txt")))
    analysis.unknown, analysis.dropped_templates = _unknowns(23), 2
    analysis.errors, analysis.interrupted = [ERROR], True
    return analysis


@pytest.fixture(scope="module")
def clean() -> Analysis:
    return Analysis(sources=["-"], lines=LineStats(total=12), window_first=START,
                    window_last=START, services=[], findings=[], causes=[], unknown=[],
                    errors=[ERROR], interrupted=True,
                    notes=["some lines carry no time zone: they were read as UTC"])


def _section_texts(section: object, w: dict[str, str]) -> list[str]:
    """The words each kind of section must put on the page, whatever the format."""
    says = {
        Clean: lambda s: [w["clean"].format(lines=s.lines, window=f" ({w['window']} {s.window})"),
                          *s.notes],
        Header: lambda s: [*s.sources, s.window, w["matched"].format(matched=s.matched,
                                                                     unknown=s.unknown)],
        BundleFacts: lambda s: [part for title, facts in s.sections for part in (title, *facts)],
        Checklist: lambda s: [w["checklist"], *(part for c in s.checks for part in (c.title, c.evidence))],
        Notes: lambda s: s.notes,
        Findings: lambda s: [w["findings"], *(f.title for f in s.findings)],
        Causes: lambda s: [part for c in s.causes for part in (c.title, *c.evidence, *c.fix)],
        Unknowns: lambda s: [w["unknown"], *(example for _, example in s.rows)],
        More: lambda s: [w["more"].format(n=s.count)],
        InputErrors: lambda s: s.errors,
        Interrupted: lambda s: [w["interrupted"]],
    }
    assert set(says) == set(SECTION_KINDS), "say here what a new section kind shows"
    return says[type(section)](section)


def test_the_two_reports_hold_every_section_kind(full, clean):
    assert [type(s) for s in outline(full)] == [Header, BundleFacts, Checklist, Notes, Findings,
                                                Causes, Unknowns, More, InputErrors, Interrupted]
    assert [type(s) for s in outline(clean)] == [InputErrors, Interrupted, Clean]   # before the verdict
    assert {type(s) for s in outline(full) + outline(clean)} == set(SECTION_KINDS)


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_every_section_shows_in_every_format(full, clean, fmt, lang):
    w = words(lang)
    for analysis in (full, clean):
        page = FORMATS[fmt](analysis, lang)
        for section in outline(analysis, lang):
            missing = [part for part in _section_texts(section, w) if part not in page]
            assert not missing, f"{fmt}/{lang}: {type(section).__name__} lost {missing}"


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_unknown_rows_past_the_limit_are_counted_not_shown(full, fmt):
    page = FORMATS[fmt](full, "en")
    assert all(line in page for line in UNKNOWN_LINES[:20])
    assert not [line for line in UNKNOWN_LINES[20:23] if line in page]
    assert "... 5 more" in page                     # 3 rows past 20, 2 templates dropped
    assert ERROR in page and "Interrupted: results cover the input read so far." in page


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_a_long_evidence_line_is_cut_the_same_way_in_every_format(full, fmt):
    long_line = "2026-07-14T10:00:00Z ERR " + "x" * 400
    analysis = copy.deepcopy(full)
    analysis.causes[0].evidence = [long_line]
    page = FORMATS[fmt](analysis, "en")
    assert long_line[:300] + "…" in page and long_line not in page


@pytest.mark.parametrize("module", [text, markdown, terminal])
def test_every_format_has_a_formatter_for_every_section_kind(module):
    assert set(module.FORMATTERS) == set(SECTION_KINDS)


def test_the_missing_file_case_in_markdown_names_the_file_before_the_verdict():
    page = run_cli(["/nonexistent.log", "--format", "markdown"]).stdout
    problems = page.index("### Input problems")
    assert page.index("/nonexistent.log: No such file or directory") > problems
    assert page.index("No known problems found in 0 lines.") > problems


def test_untrusted_text_in_every_section_stays_text_in_markdown(full):
    hostile = "<img src=x> [link](http://evil.example) **bold** `tick` | pipe"
    analysis = copy.deepcopy(full)
    analysis.sources = [hostile]
    analysis.notes, analysis.errors = [hostile], [hostile]
    analysis.checks[0]["evidence"] = hostile
    analysis.causes[0].evidence = [hostile]
    analysis.unknown[0].example = hostile
    analysis.findings[0].title = hostile
    rendered = MarkdownIt().enable("table").render(render_markdown(analysis))
    assert "<img" not in rendered and "<a " not in rendered and "<strong>bold" not in rendered
    assert _rendered_markdown(render_markdown(analysis)).count(hostile) >= 6
