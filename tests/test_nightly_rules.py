"""The nightly summary's state, through ``logsleuth summary``: --since bounds only the first
run, a future-dated pipe does not make later runs skip what really comes next, and coverage
counts what needs explaining (warnings and errors), not routine info findings."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

from .conftest import run_cli

LOCKED = ('{t} ERR failed to update last seen in database error="database is locked (5) '
          '(SQLITE_BUSY)" node.id=5\n')
UNKNOWN = ('{t} ERR reloading policy error="loading policy: open /etc/headscale/acl.hujson: '
           'no such file or directory"\n')
OFFLINE_CLEANUP = "{t} INF cleaning up node that has been offline for too long node.id=11 offline_duration=900000\n"


def summary(log: Path | None, state: Path, *extra: str, stdin: str | None = None) -> dict:
    result = run_cli(["summary", str(log) if log else "-", "--state", str(state), "--format", "json",
                      *extra], stdin=stdin)
    assert result.exit_code in (0, 1), result.stderr
    return json.loads(result.stdout)


def test_since_bounds_the_first_run_only(tmp_path):
    log, state = tmp_path / "headscale.log", tmp_path / "state.json"
    log.write_text(LOCKED.format(t="2026-07-14T09:00:00Z") + LOCKED.format(t="2026-07-14T10:05:00Z"))
    first = summary(log, state, "--since", "2026-07-14T10:00:00Z")
    assert first["summary"]["first_run"] and first["findings"][0]["count"] == 1
    with log.open("a") as out:        # written late by a second writer, with an earlier stamp
        out.write(LOCKED.format(t="2026-07-14T09:30:00Z") + LOCKED.format(t="2026-07-14T10:30:00Z"))
    second = summary(log, state, "--since", "2026-07-14T10:00:00Z")
    assert not second["summary"]["first_run"]
    assert second["lines"]["total"] == 2 and second["findings"][0]["count"] == 2


def test_a_future_dated_pipe_does_not_hide_the_next_nights_lines(tmp_path):
    state = tmp_path / "state.json"
    first = summary(None, state, stdin=LOCKED.format(t="2099-01-01T00:00:00Z"))
    assert any("dated in the future" in w for w in first["summary"]["warnings"])
    soon = (datetime.now(timezone.utc) + timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    second = summary(None, state, stdin=LOCKED.format(t=soon))
    assert [(f["pattern_id"], f["count"]) for f in second["findings"]] == [("db.sqlite_locked", 1)]


def test_coverage_is_the_share_of_warnings_and_errors_the_catalog_explains(tmp_path):
    log, state = tmp_path / "headscale.log", tmp_path / "state.json"
    log.write_text(LOCKED.format(t="2026-07-14T10:00:00Z") + UNKNOWN.format(t="2026-07-14T10:01:00Z")
                   + OFFLINE_CLEANUP.format(t="2026-07-14T10:02:00Z"))
    data = summary(log, state)
    assert {f["pattern_id"]: f["severity"] for f in data["findings"]} == {
        "db.sqlite_locked": "error", "conn.offline_node_cleanup": "info"}
    assert data["summary"]["coverage"] == 0.5            # one explained error, one unknown
