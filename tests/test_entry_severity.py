"""Severity of an entry, end to end: a fatal level makes any finding critical, and an entry
that gathers continuation lines is as severe as its worst line (issue 15: ``_max_severity``
was broken and the suite stayed green)."""

from __future__ import annotations

import json

from .conftest import FIXTURES, run_cli, run_json

FIELD = FIXTURES / "field"
FIELD2 = FIXTURES / "field2"

REMOVED_KEYS_BLOCK = (FIELD2 / "blocks" / "hop105-1.log").read_text(encoding="utf-8")
# the same start-up refusal pasted without its `FTL` header line: it begins at the warning
PARTIAL_PASTE = "".join(REMOVED_KEYS_BLOCK.splitlines(keepends=True)[2:])


def findings(text: str) -> list[tuple[str, str, int]]:
    _, data = run_json(["analyze", "-"], text)
    return [(f["pattern_id"], f["severity"], f["count"]) for f in data["findings"]]


def test_a_block_of_removed_keys_is_critical_as_its_fatal_line():
    assert findings(REMOVED_KEYS_BLOCK) == [("deploy.config_key_deprecated", "critical", 1)]


def test_a_warning_continued_by_a_fatal_line_is_critical():
    """The entry starts at a warning; its FATAL continuation line must raise it."""
    assert PARTIAL_PASTE.startswith("WARN: ")
    entries = [json.loads(line) for line in run_cli(["events", "-"], PARTIAL_PASTE).stdout.splitlines()]
    assert [(e["level"], e["severity"], e["lines"]) for e in entries] == [("warn", "critical", 3)]
    assert findings(PARTIAL_PASTE) == [("deploy.config_key_deprecated", "critical", 1)]


def test_a_fatal_level_makes_an_error_pattern_critical_and_an_error_level_does_not():
    fatal = (FIELD / "blocks" / "523-1.log").read_text(encoding="utf-8")
    assert " FTL " in fatal
    assert findings(fatal) == [("conn.cli_cannot_reach_server", "critical", 1)]
    assert findings(fatal.replace(" FTL ", " ERR ")) == [("conn.cli_cannot_reach_server", "error", 1)]


def test_a_fatal_json_line_makes_its_finding_critical():
    migration = (FIELD / "blocks" / "2868-1.log").read_text(encoding="utf-8")
    assert findings(migration) == [("db.constraint_violation", "critical", 1)]
    assert findings(migration.replace('"level":"fatal"', '"level":"error"')) == [
        ("db.constraint_violation", "error", 1)]
