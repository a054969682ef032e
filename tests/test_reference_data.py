"""The 264 real-message lines from ../shared/data: each line alone lands in its category;
benign lines give nothing at all; other_error lines give no categorised finding."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from .conftest import SHARED_DATA, analyze_text

pytestmark = pytest.mark.skipif(not SHARED_DATA.exists(), reason="shared data not present")


def _records():
    return [json.loads(line) for line in SHARED_DATA.read_text(encoding="utf-8").splitlines()]


# Where the field logs (real pastes, labelled by what the line means to an operator) label a
# message differently from the source-message set, the field label wins: SQLite's CANTOPEN is
# a path problem; one node going offline at INF is routine (only flapping is a finding); a
# missing required key is an invalid config; a transaction left open after SQLITE_BUSY is
# the lock problem.
FIELD_LABELS = {"unable to open database file": "database_other",
                "node has disconnected": "benign", "INF node disconnected": "benign",
                "requires a new `noise.private_key_path`": "config_invalid",
                "cannot start a transaction within a transaction": "database_locked"}


def _expected(record: dict) -> str:
    return next((label for words, label in FIELD_LABELS.items() if words in record["line"]),
                record["category"])


def test_every_line_lands_in_its_category(pipeline):
    wrong, landed = [], Counter()
    for record in _records():
        result = analyze_text(pipeline, record["line"] + "\n")
        categories = [f.category for f in result.findings]
        expected = _expected(record)
        if expected == "benign":
            ok = not categories and not result.unknown
        elif expected == "other_error":      # an unknown fatal error is a crash, nothing else
            ok = set(categories) <= {"crash"}
        else:
            ok = bool(categories) and categories[0] == expected
        landed[expected] += ok
        if not ok:
            wrong.append((expected, categories, record["line"][:120]))
    assert wrong == []
    totals = Counter(_expected(r) for r in _records())
    assert landed == totals
    assert sum(totals.values()) == 264


def test_other_errors_are_reported_as_unknown_when_they_are_warnings_or_errors(pipeline):
    for record in _records():
        if record["category"] == "other_error" and record["level"] in ("WRN", "ERR", "none"):
            result = analyze_text(pipeline, record["line"] + "\n")
            assert result.unknown, record["line"]
