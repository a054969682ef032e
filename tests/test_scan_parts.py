"""A pattern's ``scan`` part is held by every line its regex matches; the scan form with
its optional tails left out matches the same lines as the regex."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import regex as regex_module
from hypothesis import HealthCheck, assume, given, settings, strategies as st

from logsleuth.catalog import CatalogError, load_catalog
from logsleuth.catalog.portable import is_factor, scan_form
from logsleuth.catalog.programs import compile_regex

# \x22 is how a TOML single-quoted regex spells a double quote
UNREACHABLE = r'upstream \x22(?P<host>[^\x22 ]+)\x22 unreachable'
USER_PATTERN = '''
[[pattern]]
id = "site.upstream"
category = "performance"
severity = "warning"
title = "t"
regex = '{regex}'
scan = '{scan}'
cause = "c"
fix = ["f"]
samples.match = ['2026-07-14T09:15:00Z ERR upstream "db-1" unreachable']
samples.no_match = ['2026-07-14T09:15:00Z INF upstream "db-1" reachable']
'''


def _load(tmp_path: Path, regex: str, scan: str):
    (tmp_path / "extra.toml").write_text(USER_PATTERN.format(regex=regex, scan=scan),
                                         encoding="utf-8")
    return load_catalog((tmp_path,))


def test_a_scan_part_never_takes_the_digits_of_a_hex_escape(tmp_path):
    """``22 unreachable`` is not in ``upstream "db-1" unreachable``: as a scan part it
    would make the pattern silently find nothing."""
    line = '2026-07-14T09:15:00Z ERR upstream "db-1" unreachable'
    assert compile_regex(UNREACHABLE).search(line)
    assert not is_factor("22 unreachable", UNREACHABLE)
    with pytest.raises(CatalogError, match="'scan' must be a run of whole top-level pieces"):
        _load(tmp_path, UNREACHABLE, "22 unreachable")
    assert is_factor(r"\x22 unreachable", UNREACHABLE)
    assert _load(tmp_path, UNREACHABLE, r"\x22 unreachable").get("site.upstream").scan


@pytest.mark.parametrize("regex, scan", [
    ("upstream (?P<host[^ ]+) unreachable", "unreachable"),     # the regex's group unnamed
    (UNREACHABLE, "(?P<host"),                                   # the scan part's
])
def test_a_broken_group_name_with_a_scan_part_is_a_catalog_error(tmp_path, regex, scan):
    with pytest.raises(CatalogError, match="extra.toml: site.upstream: "):
        _load(tmp_path, regex, scan)


_ATOMS = st.sampled_from(["a", "b", "=", " ", r"\.", r"\x61", r"\x3d", "[ab]", "[^a]",
                          "[0-9]", ".", "1", "6", r"[^\n]", r"\{", "[{]", "[$]"])
_QUANTIFIERS = st.sampled_from(["", "", "?", "*", "+", "{2}", "{1,2}", "??", "{2,}", "*?",
                                "+?", "{2,}?"])
_OPENERS = st.sampled_from(["(?:", "(?P<g>", "(?i:", "(", "(?:|"])


def _sequence(inner):
    """Quantified atoms and groups; a group never repeated without bound (a (a*)* would
    backtrack for minutes, and the catalog's lint forbids it)."""
    atom = st.tuples(_ATOMS, _QUANTIFIERS).map("".join)
    group = st.tuples(_OPENERS, inner, st.sampled_from(["", "?", "{2}", "??"])) \
        .map(lambda t: f"{t[0]}{t[1]}){t[2]}")
    return st.lists(atom | group, min_size=1, max_size=4).map("".join)


_REGEXES = st.recursive(_sequence(_ATOMS), _sequence, max_leaves=6) \
    | st.tuples(_sequence(_ATOMS), _sequence(_ATOMS)).map("|".join)


def _uncached(text: str):
    """The regex as the classifier compiles it, kept out of the regex module's cache (which
    makes room by the random module, which Hypothesis forbids around its draws)."""
    return regex_module.compile(text, regex_module.ASCII | regex_module.VERSION0,
                                cache_pattern=False)


@st.composite
def _regex_run_and_line(draw):
    """A regex (flags, anchors, groups, escapes, bounds, closing rests of the line), a run
    of its text, a line it matches, and a line its scan form matches, a short one of their
    characters, or the matching line with a character or two more (past a cut tail)."""
    body = draw(_REGEXES)
    if body.count("(?P<g>") > 1:
        body = body.replace("(?P<g>", "(?:")
    flags = draw(st.sampled_from(["", "(?i)"]))
    regex = flags + draw(st.sampled_from(["", "^"])) + body + \
        draw(st.sampled_from(["", "$", r"[^\n]*$", ".*$", r"(?P<rest>[^\n]*)$", ".+$", "[^a]*$"]))
    try:
        _uncached(regex)
        re.compile(regex, re.ASCII)
    except (re.error, regex_module.error):
        assume(False)
    start = draw(st.integers(len(flags), len(regex) - 1))      # any cut, even inside \x61
    run = regex[start:draw(st.integers(start + 1, len(regex)))]
    part = (flags if flags and not run.startswith(flags) else "") + run
    matching = draw(st.from_regex(re.compile(regex, re.ASCII)).filter(lambda s: "\n" not in s))
    other = draw(st.from_regex(re.compile(scan_form(regex).decode(), re.ASCII))
                 | st.text("ab= .16", max_size=8)
                 | st.text("ab= .16{$", min_size=1, max_size=2).map(matching.__add__))
    return regex, part, matching, other.replace("\n", "")


@settings(max_examples=300, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
@given(_regex_run_and_line())
def test_every_line_the_regex_matches_holds_an_accepted_scan_part(case):
    regex, part, line, _ = case
    if is_factor(part, regex):
        assert _uncached(part).search(line), (regex, part, line)


@settings(max_examples=300, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
@given(_regex_run_and_line())
def test_the_scan_form_matches_the_lines_the_regex_matches(case):
    regex, _, matching, other = case
    form = scan_form(regex).decode()
    for line in (matching, other):
        assert bool(_uncached(regex).search(line)) == bool(_uncached(form).search(line))
