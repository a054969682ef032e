"""Accuracy on real pastes: every labelled block of the field logs (../shared/data/field-logs,
and our own fixtures/field when present) runs through the pipeline and is scored the way
../shared/tools/score-field-logs scores it. Falling below the floors fails."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from logsleuth.sources import expand

from .conftest import ROOT

SHARED = ROOT.parent / "shared" / "data" / "field-logs"
FIXTURES = ROOT / "fixtures"                # collected by us from other threads (SOURCES.txt)
# (data, precision, recall, top finding right): what was reached, rounded down (the held-out
# sets field3, field4 and field5 were scored before any change they led to)
SETS = [pytest.param(SHARED, 0.99, 0.99, 1.00, id="shared"),
        pytest.param(FIXTURES / "field", 0.93, 0.92, 0.98, id="field"),
        pytest.param(FIXTURES / "field2", 0.87, 0.84, 0.93, id="field2"),
        pytest.param(FIXTURES / "field3", 0.75, 0.83, 0.93, id="field3"),
        pytest.param(FIXTURES / "field4", 0.95, 0.86, 0.88, id="field4"),
        pytest.param(FIXTURES / "field5", 0.91, 0.77, 0.77, id="field5")]


def _labels(data: Path) -> dict[str, dict[str, str]]:
    labels: dict[str, dict[str, str]] = {}
    for raw in (data / "lines.jsonl").read_text(encoding="utf-8").splitlines():
        record = json.loads(raw)
        labels.setdefault(record["block"], {})[record["line"]] = record["category"]
    return labels


def _predict(pipeline, path: Path) -> tuple[dict[int, str | None], str | None]:
    """Line number -> category of the entry covering it; the top finding's category."""
    covered: dict[int, str | None] = {}
    for batch in pipeline.entries(expand([str(path)]), None):
        for entry in batch:
            for line_no in range(entry.line_no, entry.last_line + 1):
                covered.setdefault(line_no, entry.category)
    findings = pipeline.analyze([str(path)]).findings
    return covered, findings[0].category if findings else None


def score(pipeline, data: Path) -> tuple[float, float, float, Counter]:
    tp, fp, fn = Counter(), Counter(), Counter()
    top_right = top_total = 0
    for block, wanted in sorted(_labels(data).items()):
        path = data / "blocks" / f"{block}.log"
        covered, top = _predict(pipeline, path)
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
        for number, line in enumerate(lines, 1):
            want = wanted.get(line)
            if want is None or want == "other_error":
                continue
            got = covered.get(number)
            if want == "benign":
                fp[got] += got is not None
            elif got == want:
                tp[want] += 1
            else:
                fn[want] += 1
                if got is not None:
                    fp[got] += 1
        problems = set(wanted.values()) - {"benign", "other_error"}
        if problems:
            top_total += 1
            top_right += top in problems
    found, wrong, missed = sum(tp.values()), sum(fp.values()), sum(fn.values())
    return found / (found + wrong), found / (found + missed), top_right / top_total, fn


@pytest.mark.parametrize("data, precision, recall, top", SETS)
def test_field_accuracy_stays_above_its_floor(pipeline, data, precision, recall, top):
    if not (data / "lines.jsonl").exists():
        pytest.skip(f"{data} not present")
    reached = score(pipeline, data)
    missed = dict(reached[3].most_common())
    assert reached[0] >= precision, (reached[:3], missed)
    assert reached[1] >= recall, (reached[:3], missed)
    assert reached[2] >= top, (reached[:3], missed)
