"""Pattern samples state what they yield (fail2ban's failJSON habit): each sample line,
classified alone through the real scan, envelope and classify path, is taken by exactly
the pattern it belongs to (or the ``winner`` it names) and lifts exactly the fields it
states."""

from __future__ import annotations

from pathlib import Path

import pytest

from logsleuth.catalog import CatalogError, load_catalog
from logsleuth.classify import Classifier
from logsleuth.entry import Entry
from logsleuth.envelope import strip_controls
from logsleuth.catalog.lint import lint_catalog
from logsleuth.scan import candidates

from .conftest import analyze_text, run_cli


def classify_alone(pipeline, line: str) -> list[Entry]:
    """The entries one log line makes on its own, unredacted, as a run classifies it."""
    scanner = pipeline.scanner
    chunk = strip_controls((line + "\n").encode("utf-8"))
    classifier = Classifier(scanner.catalog, scanner.rules, "sample", redact_output=False)
    found, _ = candidates(chunk, scanner.engine)
    return classifier.classify(chunk, 1, found) + classifier.flush()


def _patterns(catalog):
    return [pytest.param(p, id=p.id) for p in catalog.patterns]


@pytest.mark.parametrize("pattern", _patterns(load_catalog()))
def test_every_sample_yields_its_pattern_and_stated_fields(pattern, pipeline):
    for sample in pattern.samples:
        entries = classify_alone(pipeline, sample.line)
        assert len(entries) == 1, (sample.line, entries)
        entry = entries[0]
        assert entry.pattern_id == (sample.winner or pattern.id), sample.line
        if sample.fields is not None:
            assert tuple(sorted(entry.fields)) == sample.fields, (sample.line, dict(entry.fields))


_WRAPPERS = ["headscale-1  | ", "2026-07-01T00:00:00.123456789Z ",
             "headscale-1  | 2026-07-01T00:00:00.123456789Z ", "May  1 10:00:00 vps headscale[12]: ",
             "2024-05-01T10:00:00.5+02:00 vps headscale[12]: "]


def _is_wrapped(line: str) -> bool:
    from logsleuth.envelope import _COMPOSE, _JOURNALD, _OUTER_TS, _journald_iso

    return bool(_COMPOSE.match(line) or _JOURNALD.match(line) or _journald_iso(line)
                or _OUTER_TS.match(line))


@pytest.mark.parametrize("pattern", _patterns(load_catalog()))
def test_every_bare_sample_yields_its_pattern_under_any_wrapping(pattern, pipeline):
    """The wrapping is part of a message's family: compose logs, docker -t stamps, both, and
    the system log (journald's short and ISO forms) print the same message."""
    bare = [s for s in pattern.samples if "\n" not in s.line and not _is_wrapped(s.line)]
    for sample, wrapper in ((s, w) for s in bare for w in _WRAPPERS):
        entries = classify_alone(pipeline, wrapper + sample.line)
        assert [e.pattern_id for e in entries] == [sample.winner or pattern.id], wrapper + sample.line
        if sample.fields is not None:
            assert tuple(sorted(entries[0].fields)) == sample.fields, wrapper + sample.line


def test_every_pattern_with_named_groups_states_fields(catalog):
    """At least one sample of each such pattern says what it lifts (lint enforces it too)."""
    missing = [p.id for p in catalog.patterns
               if p.field_names and not any(s.fields is not None for s in p.samples)]
    assert missing == []


def test_a_flapping_line_alone_is_no_finding(catalog, pipeline):
    """A flapping rule reports only repetition: one line makes an entry but no finding."""
    flapping = [p for p in catalog.patterns if p.flapping]
    assert flapping
    for pattern in flapping:
        line = strip_controls(pattern.samples_match[0].encode()).decode() + "\n"
        assert not analyze_text(pipeline, line).findings
        repeated = analyze_text(pipeline, line * pattern.flapping.count).findings
        assert [f.pattern_id for f in repeated] == [pattern.id]


GROUPED = '''
[[pattern]]
id = "site.bind"
category = "port_conflict"
severity = "error"
title = "t"
regex = 'bind (?P<port>[0-9]+) failed'
cause = "c"
fix = ["f"]
samples.match = [SAMPLE]
samples.no_match = ["bind x failed"]
'''


def _lint_user(tmp_path: Path, sample: str) -> list[str]:
    (tmp_path / "site.toml").write_text(GROUPED.replace("SAMPLE", sample), encoding="utf-8")
    catalog = load_catalog((tmp_path,))
    return [p.reason for p in lint_catalog(catalog) if p.entry_id == "site.bind"]


def test_lint_accepts_a_sample_that_states_what_it_lifts(tmp_path):
    assert _lint_user(tmp_path, "{ line = 'x bind 80 failed', fields = { port = '80' } }") == []


@pytest.mark.parametrize("sample, reason", [
    ("'x bind 80 failed'", "named groups (port) but no sample states the fields it lifts"),
    ("{ line = 'x bind 80 failed', fields = { port = '8080' } }",
     "sample states fields {'port': '8080'} but site.bind lifts {'port': '80'}"),
    ("{ line = 'x bind 80 failed', fields = { host = '80' } }", "but site.bind lifts"),
    ("{ line = 'x bind 80 failed', winner = 'site.nope', fields = { port = '80' } }",
     "unknown winner 'site.nope'"),
])
def test_lint_rejects_samples_that_do_not_state_what_they_lift(tmp_path, sample, reason):
    assert any(reason in problem for problem in _lint_user(tmp_path, sample))


@pytest.mark.parametrize("sample, message", [
    ("{ line = 'x bind 80 failed', feilds = { port = '80' } }", "unknown key(s) in sample: feilds"),
    ("{ fields = { port = '80' } }", "a sample table needs 'line'"),
    ("{ line = 'x bind 80 failed', fields = { port = 80 } }", "maps names to non-empty text"),
    ("42", "'sample' must be a table"),
])
def test_malformed_sample_tables_are_refused_at_load(tmp_path, sample, message):
    (tmp_path / "site.toml").write_text(GROUPED.replace("SAMPLE", sample), encoding="utf-8")
    with pytest.raises(CatalogError) as caught:
        load_catalog((tmp_path,))
    assert message in str(caught.value) and "site.toml: site.bind" in str(caught.value)


def test_patterns_show_lists_what_each_sample_states():
    shown = run_cli(["patterns", "show", "auth.user_not_found"]).stdout
    assert "desc = user not found  [taken by eco.grpc_user_not_found; fields kind=user]" in shown
    assert "desc = Namespace not found  [fields kind=Namespace]" in shown


def test_a_json_format_server_s_flapping_node_is_found_and_named(pipeline):
    """headscale's JSON lines hold the node before the message: the pattern's json_fields
    name it, so one node disconnecting again and again is a finding, another one is not."""
    line = ('{{"level":"info","component":"poll","node.id":{id},"node.name":"{name}",'
            '"time":"2026-07-14T11:{minute:02d}:00Z","message":"node has disconnected"}}\n')
    text = "".join(line.format(id=3, name="laptop-anna", minute=2 * i) for i in range(6))
    text += "".join(line.format(id=4 + i, name=f"phone-{i}", minute=i) for i in range(6))
    (finding,) = analyze_text(pipeline, text).findings
    assert finding.pattern_id == "conn.node_flapping"
    assert finding.fields["node"] == {"laptop-anna": 6}          # the phones are routine
    assert finding.count == 6 and finding.last_seen.minute == 10
    assert "laptop-anna lost its long-poll session" in analyze_text(pipeline, text).causes[0].explanation
