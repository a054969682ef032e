"""Ranking of findings and causes on real logs: criticals first, symptoms after what caused
them, the more frequent first, correlations lead, info is never a cause."""

from __future__ import annotations

import functools
import glob

import pytest

from .conftest import FIXTURES, run_json

SEVERITY_ORDER = ("info", "warning", "error", "critical")
LOGS = sorted(glob.glob(str(FIXTURES / "*.log")))


@functools.cache          # read-only: every test reads the same report
def analysis(path: str) -> dict:
    _, data = run_json(["analyze", path])
    return data


def ids(items: list[dict], key: str = "pattern_id") -> list[str]:
    return [item[key] for item in items]


def test_a_service_exit_ranks_after_the_error_that_made_it_exit():
    """k3s died on a bad auth key; systemd's 'failed' lines are the consequence (a
    symptom counts as at most an error, and after causes of the same rank)."""
    data = analysis(str(FIXTURES / "field" / "blocks" / "k3s10729-1.log"))
    assert ids(data["findings"]) == ["client.invalid_auth_key", "crash.service_failed"]


def test_a_crash_loop_leads_with_the_error_and_the_container_exits_follow():
    data = analysis(str(FIXTURES / "compose-v1-port-crashloop.log"))
    assert ids(data["findings"]) == ["deploy.port_in_use", "crash.container_exited"]
    assert ids(data["causes"], "id") == ["crash_loop"]
    assert data["causes"][0]["category"] == "port_conflict"


def test_within_a_severity_the_more_frequent_finding_comes_first():
    data = analysis(str(FIXTURES / "compose-v2-sqlite-locked.log"))
    assert [(f["pattern_id"], f["count"]) for f in data["findings"]] == [
        ("db.sqlite_locked", 3), ("conn.database_unreachable", 1)]


def test_two_containers_locking_one_database_is_one_cause_before_the_rest():
    data = analysis(str(FIXTURES / "two-instances.log"))
    assert ids(data["causes"], "id") == ["sqlite_shared_by_two_instances", "net.route_persist_failed"]


@pytest.mark.parametrize("path", LOGS, ids=lambda p: p.rsplit("/", 1)[-1])
def test_causes_and_findings_are_ordered_most_severe_first(path):
    data = analysis(path)
    rank = SEVERITY_ORDER.index
    causes = [rank(c["severity"]) for c in data["causes"]]
    assert causes == sorted(causes, reverse=True), ids(data["causes"], "id")
    assert "info" not in {c["severity"] for c in data["causes"]}
    capped = [min(rank(f["severity"]), rank("error")) if f["symptom"] else rank(f["severity"])
              for f in data["findings"]]
    assert capped == sorted(capped, reverse=True), ids(data["findings"])


def test_one_disconnect_is_not_flapping():
    data = analysis(str(FIXTURES / "sample.log"))
    assert "conn.node_flapping" not in ids(data["findings"])
