"""The nightly summary: state across runs, rotation, pipes, metrics, rules, locking, HTML."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import yaml

from logsleuth.nightly.state import locked

from .conftest import FIXTURES, run_cli

LOCKED = '{t} ERR failed to update last seen in database error="database is locked (5) (SQLITE_BUSY)" node.id=5\n'
PREAUTH = '{t} ERR auth.go:252 > Failed authentication via AuthKey error="AuthKey expired" node=pi\n'
UNKNOWN_X = '{t} ERR reloading policy error="loading policy: open /etc/headscale/acl.hujson: no such file or directory"\n'
UNKNOWN_Y = '{t} WRN skipping invalid localpart entry "x" during SSH compilation\n'
INFO = '{t} INF node connected node.id=3 node.name=laptop\n'


def stamp(minute: int) -> str:
    return f"2026-07-14T{minute // 60:02d}:{minute % 60:02d}:00Z"


def lines(template: str, minutes: range) -> str:
    return "".join(template.format(t=stamp(m)) for m in minutes)


def summary(log: Path, state: Path, *extra: str, stdin=None):
    result = run_cli(["summary", str(log) if log else "-", "--state", str(state), "--format", "json", *extra],
                     stdin=stdin)
    return result.exit_code, json.loads(result.stdout) if result.stdout else None, result.stderr


def statuses(data) -> dict[str, str]:
    return {c["pattern_id"]: c["status"] for c in data["summary"]["changes"]}


def test_three_nights_new_then_rising_then_resolved(tmp_path):
    log, state = tmp_path / "headscale.log", tmp_path / "state.json"
    log.write_text(lines(LOCKED, range(0, 2)) + lines(UNKNOWN_X, range(2, 3)))
    code, night1, _ = summary(log, state)
    assert code == 1 and night1["summary"]["first_run"]
    assert statuses(night1) == {"db.sqlite_locked": "new"}
    assert len(night1["summary"]["new_unknown"]) == 1

    with log.open("a") as out:
        out.write(lines(LOCKED, range(10, 16)) + lines(PREAUTH, range(16, 17))
                  + lines(UNKNOWN_X, range(17, 18)) + lines(UNKNOWN_Y, range(18, 19)))
    _, night2, _ = summary(log, state)
    assert statuses(night2) == {"db.sqlite_locked": "rising", "auth.preauth_key_expired": "new"}
    assert [c["count"] for c in night2["summary"]["changes"] if c["pattern_id"] == "db.sqlite_locked"] == [6]
    assert len(night2["summary"]["new_unknown"]) == 1 and "localpart" in night2["summary"]["new_unknown"][0]
    assert night2["lines"]["total"] == 9                     # only the appended lines were read

    with log.open("a") as out:
        out.write(lines(INFO, range(30, 33)))
    code, night3, _ = summary(log, state)
    assert code == 0
    assert statuses(night3) == {"db.sqlite_locked": "resolved", "auth.preauth_key_expired": "resolved"}
    assert night3["summary"]["new_unknown"] == []


def test_still_present_and_falling(tmp_path):
    log, state = tmp_path / "h.log", tmp_path / "s.json"
    log.write_text(lines(LOCKED, range(0, 6)))
    summary(log, state)
    with log.open("a") as out:
        out.write(lines(LOCKED, range(10, 16)))
    assert statuses(summary(log, state)[1]) == {"db.sqlite_locked": "still present"}
    with log.open("a") as out:
        out.write(lines(LOCKED, range(20, 22)))
    assert statuses(summary(log, state)[1]) == {"db.sqlite_locked": "falling"}


def test_rotated_and_truncated_files_are_read_from_the_start(tmp_path):
    log, state = tmp_path / "h.log", tmp_path / "s.json"
    log.write_text(lines(LOCKED, range(0, 3)))
    summary(log, state)
    rotated = tmp_path / "new.log"
    rotated.write_text(lines(LOCKED, range(40, 42)))
    os.replace(rotated, log)                                  # logrotate: a new file, new inode
    _, data, err = summary(log, state)
    assert data["findings"][0]["count"] == 2 and "rotated" in err
    with log.open("w") as out:                                # copytruncate: same inode, shorter
        out.write(lines(LOCKED, range(50, 51)))
    _, data, err = summary(log, state)
    assert data["findings"][0]["count"] == 1 and "truncated" in err


def test_piped_input_is_cut_at_the_stored_timestamp(tmp_path):
    state = tmp_path / "s.json"
    first = lines(LOCKED, range(0, 3))
    summary(None, state, stdin=first)
    _, data, _ = summary(None, state, stdin=first + lines(LOCKED, range(3, 5)))
    assert data["findings"][0]["count"] == 2
    assert json.loads(state.read_text())["sources"]["<stdin>"]["last_time"] == stamp(4)


def test_prometheus_textfile_parses_and_holds_the_counts(tmp_path):
    parser = pytest.importorskip("prometheus_client.parser")
    log, prom = tmp_path / "h.log", tmp_path / "logsleuth.prom"
    log.write_text(lines(LOCKED, range(0, 3)) + lines(PREAUTH, range(3, 4)))
    run_cli(["summary", str(log), "--state", str(tmp_path / "s.json"), "--prometheus", str(prom)])
    families = {f.name: f for f in parser.text_string_to_metric_families(prom.read_text())}
    samples = {(s.labels.get("pattern_id"), s.value) for s in families["logsleuth_findings"].samples}
    assert ("db.sqlite_locked", 3.0) in samples and ("auth.preauth_key_expired", 1.0) in samples
    category = {s.labels["category"]: s.value for s in families["logsleuth_category_findings"].samples}
    assert category["database_locked"] == 3 and category["oom"] == 0
    assert families["logsleuth_lines_read"].samples[0].value == 4
    assert families["logsleuth_last_success_timestamp_seconds"].samples[0].value > 1.7e9
    assert not list(tmp_path.glob(".logsleuth.prom.*"))        # no temp file left behind


@pytest.mark.parametrize("target", ["prometheus-rules", "loki-rules"])
def test_exported_rules_are_valid_yaml_of_the_documented_shape(target):
    data = yaml.safe_load(run_cli(["patterns", "export", "--to", target]).stdout)
    rules = data["groups"][0]["rules"]
    assert len(rules) > 10
    for rule in rules:
        assert set(rule) == {"alert", "expr", "labels", "annotations"}
        assert rule["labels"]["severity"] in ("critical", "warning", "info")
    if target == "loki-rules":
        backticked = [r for r in rules if r["labels"]["pattern_id"] == "conn.database_unreachable"][0]
        assert '|~ "failed to connect to `' in backticked["expr"]     # quoted, not `...`


def test_a_second_run_waits_then_exits_cleanly_while_the_state_is_locked(tmp_path):
    log, state = tmp_path / "h.log", tmp_path / "s.json"
    log.write_text(lines(LOCKED, range(0, 2)))
    summary(log, state)
    held = threading.Event()
    release = threading.Event()

    def hold():
        with locked(state):
            held.set()
            release.wait(10)

    holder = threading.Thread(target=hold)
    holder.start()
    held.wait(5)
    started = time.monotonic()
    result = run_cli(["summary", str(log), "--state", str(state), "--lock-timeout", "0.5"])
    release.set()
    holder.join()
    assert result.exit_code == 2 and "another logsleuth run holds" in result.stderr
    assert 0.4 < time.monotonic() - started < 5
    json.loads(state.read_text())                             # still valid


def test_two_processes_at_once_leave_a_valid_state(tmp_path):
    log, state = tmp_path / "h.log", tmp_path / "s.json"
    log.write_text(lines(LOCKED, range(0, 200)))
    command = [sys.executable, "-m", "logsleuth", "summary", str(log), "--state", str(state), "--format", "json"]
    procs = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(2)]
    results = [p.communicate(timeout=60) for p in procs]
    codes = sorted(p.returncode for p in procs)
    assert codes in ([0, 1], [1, 2])      # the second waited and found nothing new, or gave up
    data = json.loads(state.read_text())
    total = sum(run["counts"].get("db.sqlite_locked", 0) for run in data["runs"])
    assert total == 200                                       # each line counted exactly once
    assert all(b"Traceback" not in err for _, err in results)


def test_a_run_killed_while_writing_keeps_the_previous_state(tmp_path, monkeypatch):
    from logsleuth.nightly import state as history

    log, state = tmp_path / "h.log", tmp_path / "s.json"
    log.write_text(lines(LOCKED, range(0, 2)))
    summary(log, state)
    before = state.read_text()

    def crash(*_args):
        raise KeyboardInterrupt                               # the process dies before rename
    monkeypatch.setattr(history.os, "replace", crash)
    with log.open("a") as out:
        out.write(lines(LOCKED, range(5, 9)))
    with pytest.raises(KeyboardInterrupt):
        history.save_state(state, history.State())
    assert state.read_text() == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".s.json.")]


@pytest.mark.parametrize("content", ["{not json", json.dumps({"schema": 99})])
def test_corrupt_or_newer_state_is_moved_aside(tmp_path, content):
    log, state = tmp_path / "h.log", tmp_path / "s.json"
    log.write_text(lines(LOCKED, range(0, 2)))
    state.write_text(content)
    code, data, err = summary(log, state)
    assert code == 1 and data["summary"]["first_run"]
    assert "moved aside" in err and list(tmp_path.glob("s.json.bad-*"))
    assert json.loads(state.read_text())["schema"] == 1


def test_state_holds_no_raw_secrets(tmp_path):
    log, state = tmp_path / "h.log", tmp_path / "s.json"
    secret = "hskey-auth-Kx7pQ2mZ9aLw-0123456789abcdef0123456789abcdef"
    log.write_text(f'2026-07-14T10:00:00Z ERR could not use key key={secret} error="boom"\n'
                   '2026-07-14T10:00:01Z ERR cannot reach postgres://hs:pw-in-url@db/hs error="x"\n')
    summary(log, state)
    text = state.read_text()
    assert "0123456789abcdef0123" not in text and "pw-in-url" not in text


def test_quiet_if_clean_and_mail_friendly_text(tmp_path):
    log = tmp_path / "h.log"
    log.write_text(lines(INFO, range(0, 3)))
    clean = run_cli(["summary", str(log), "--state", str(tmp_path / "a.json"), "--quiet-if-clean"])
    assert clean.exit_code == 0 and clean.stdout == ""
    log.write_text((FIXTURES / "sample.log").read_text())
    noisy = run_cli(["summary", str(log), "--state", str(tmp_path / "b.json"), "--quiet-if-clean"])
    assert noisy.exit_code == 1
    assert "\x1b[" not in noisy.stdout
    assert max(len(line) for line in noisy.stdout.splitlines()) <= 80
    assert "NEW" in noisy.stdout and "coverage:" in noisy.stdout


def test_html_report_is_self_contained_with_a_timeline(tmp_path):
    log, html = tmp_path / "h.log", tmp_path / "r.html"
    log.write_text((FIXTURES / "sample.log").read_text())
    run_cli(["summary", str(log), "--state", str(tmp_path / "s.json"), "--html", str(html)])
    page = html.read_text()
    assert page.startswith("<!DOCTYPE html>") and "<svg" in page and "<rect" in page
    assert "src=" not in page and "href=" not in page and "@import" not in page


def test_html_report_renders_in_headless_chromium(tmp_path):
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if not browser:
        pytest.skip("chromium is not installed (Debian package 'chromium'); the HTML structure "
                    "is checked by test_html_report_is_self_contained_with_a_timeline")
    log, html, shot = tmp_path / "h.log", tmp_path / "r.html", tmp_path / "r.png"
    log.write_text((FIXTURES / "sample.log").read_text())
    run_cli(["summary", str(log), "--state", str(tmp_path / "s.json"), "--html", str(html)])
    subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    f"--user-data-dir={tmp_path / 'profile'}", f"--screenshot={shot}",
                    "--window-size=900,900", html.as_uri()], capture_output=True, timeout=120)
    assert shot.exists() and shot.stat().st_size > 10_000
