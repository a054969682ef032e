"""Cron and monitoring: the README's cron lines, file modes, exact metrics, and the exported
Prometheus rules checked by Prometheus's own promtool."""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from .conftest import FIXTURES, ROOT, run_cli

LOCKED = '2026-07-14T00:0{n}:00Z ERR failed to update last seen in database error="database is locked (5) (SQLITE_BUSY)"\n'
CLEAN = '2026-07-14T00:0{n}:00Z INF node connected node.id=3\n'
PROMTOOL = shutil.which("promtool")
needs_promtool = pytest.mark.skipif(
    PROMTOOL is None, reason="promtool not installed (Debian's prometheus package; .ci/run "
                             "unpacks it into the venv where apt-get works)")


def log_of(template: str, tmp_path: Path, name: str = "headscale.log") -> Path:
    path = tmp_path / name
    path.write_text("".join(template.format(n=n) for n in range(3)))
    return path


@pytest.fixture
def umask_022():
    old = os.umask(0o022)
    yield
    os.umask(old)


def side_files(tmp_path: Path, log: Path) -> tuple[Path, Path]:
    prom, html = tmp_path / "logsleuth.prom", tmp_path / "logsleuth.html"
    run_cli(["summary", str(log), "--state", str(tmp_path / "s.json"),
             "--prometheus", str(prom), "--html", str(html)])
    return prom, html


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_textfile_and_html_follow_the_umask_and_keep_a_chosen_mode(tmp_path, umask_022):
    log = log_of(LOCKED, tmp_path)
    prom, html = side_files(tmp_path, log)
    assert (mode(prom), mode(html)) == (0o644, 0o644)
    prom.chmod(0o640)
    html.chmod(0o664)
    side_files(tmp_path, log)
    assert (mode(prom), mode(html)) == (0o640, 0o664)


def test_a_stricter_umask_is_honoured(tmp_path):
    old = os.umask(0o077)
    try:
        prom, _ = side_files(tmp_path, log_of(LOCKED, tmp_path))
    finally:
        os.umask(old)
    assert mode(prom) == 0o600


def test_metric_values_are_exact_integers_and_fractional_seconds(tmp_path):
    before = time.time()
    prom, _ = side_files(tmp_path, log_of(LOCKED, tmp_path))
    after = time.time()
    text = prom.read_text()
    assert "e+" not in text
    assert re.search(r'^logsleuth_findings\{pattern_id="db.sqlite_locked",[^}]*\} 3$', text, re.M)
    assert re.search(r"^logsleuth_lines_read 3$", text, re.M)
    stamp = re.search(r"^logsleuth_last_success_timestamp_seconds (\S+)$", text, re.M)[1]
    assert re.fullmatch(r"\d{10}\.\d{1,6}", stamp)
    assert before <= float(stamp) <= after


# ------------------------------------------------------------------ the README's cron lines

def readme_cron_lines() -> list[str]:
    """The commands of the README's crontab lines (the five time fields dropped)."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("### The nightly summary (cron)", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    return [line.split(None, 5)[5] for line in block.splitlines() if re.match(r"[0-9*]", line)]


@pytest.fixture
def cron_env(tmp_path: Path) -> dict[str, str]:
    """cron's sh with logsleuth on PATH and a ``mail`` that records what it was given."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake_mail = bin_dir / "mail"
    fake_mail.write_text(f'#!/bin/sh\necho "$@" > {tmp_path}/mail.args\ncat > {tmp_path}/mail.body\n')
    fake_mail.chmod(0o755)
    path = os.pathsep.join([str(bin_dir), str(Path(sys.executable).parent), "/usr/bin", "/bin"])
    return {"PATH": path, "HOME": str(tmp_path), "LC_ALL": "C.UTF-8"}


def run_mail_line(tmp_path: Path, env: dict[str, str], log: Path) -> subprocess.CompletedProcess:
    line = readme_cron_lines()[0]
    assert "docker compose logs" in line and "mail -s" in line
    command = re.sub(r"cd \S+ && docker compose logs [^|]*\|", f"cat {log} |", line)
    command = command.replace("/var/lib/logsleuth/", f"{tmp_path}/")
    return subprocess.run(["/bin/sh", "-c", command], env=env, capture_output=True, text=True,
                          timeout=60)


@pytest.mark.skipif(not shutil.which("ifne"), reason="ifne not installed (Debian: moreutils)")
def test_the_readme_mail_line_sends_nothing_when_clean_and_the_report_when_not(tmp_path, cron_env):
    done = run_mail_line(tmp_path, cron_env, log_of(CLEAN, tmp_path))
    assert done.returncode == 0, done.stderr
    assert not (tmp_path / "mail.body").exists()            # no empty mail

    (tmp_path / "state.json").unlink()
    done = run_mail_line(tmp_path, cron_env, log_of(LOCKED, tmp_path))
    assert done.returncode == 0, done.stderr
    assert "SQLite database is locked" in (tmp_path / "mail.body").read_text()
    assert (tmp_path / "mail.args").read_text().split() == ["-s", "headscale", "admin@example.com"]


def test_the_readme_metrics_line_writes_readable_files_and_prints_nothing_when_clean(
        tmp_path, cron_env, umask_022):
    line = readme_cron_lines()[1]
    log = log_of(CLEAN, tmp_path)
    command = (line.replace("/var/log/headscale/headscale.log", str(log))
               .replace("/var/lib/logsleuth/", f"{tmp_path}/")
               .replace("/var/lib/node_exporter/textfile/", f"{tmp_path}/")
               .replace("/var/www/", f"{tmp_path}/"))
    done = subprocess.run(["/bin/sh", "-c", command], env=cron_env, capture_output=True,
                          text=True, timeout=60)
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")    # cron mails no output
    assert mode(tmp_path / "logsleuth.prom") == 0o644 and mode(tmp_path / "logsleuth.html") == 0o644


# ------------------------------------------------------------------ promtool

def promtool(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([PROMTOOL, *args], cwd=cwd, capture_output=True, text=True, timeout=60)


@needs_promtool
def test_promtool_accepts_the_exported_rules(tmp_path):
    (tmp_path / "rules.yml").write_text(run_cli(["patterns", "export", "--to", "prometheus-rules"]).stdout)
    done = promtool("check", "rules", "rules.yml", cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "SUCCESS" in done.stdout


@needs_promtool
def test_promtool_lints_the_textfile_clean(tmp_path):
    prom, _ = side_files(tmp_path, FIXTURES / "sample.log")
    done = subprocess.run([PROMTOOL, "check", "metrics"], input=prom.read_text(),
                          capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stdout + done.stderr) == (0, "")


def input_series(textfile: str) -> list[dict[str, str]]:
    """A logsleuth textfile as promtool ``input_series``: each sample constant for 10 minutes."""
    series = []
    for line in textfile.splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            series.append({"series": name, "values": f"{value}x10"})
    return series


def rule_test(textfile: str, firing: bool, rules: dict) -> dict:
    exported = next(r for r in rules["groups"][0]["rules"] if r["alert"] == "HeadscaleDatabaseLocked")
    alert = {"exp_labels": {"severity": "warning", "category": "database_locked"},
             "exp_annotations": exported["annotations"]}
    return {"interval": "1m", "input_series": input_series(textfile), "alert_rule_test": [
        {"eval_time": "5m", "alertname": "HeadscaleDatabaseLocked",
         "exp_alerts": [alert] if firing else []},
        {"eval_time": "5m", "alertname": "HeadscaleCriticalProblem", "exp_alerts": []},
        {"eval_time": "5m", "alertname": "LogsleuthNotRunning", "exp_alerts": []}]}


@needs_promtool
def test_promtool_rule_unit_test_fires_on_a_finding_and_stays_quiet_when_clean(tmp_path):
    exported = run_cli(["patterns", "export", "--to", "prometheus-rules"]).stdout
    (tmp_path / "rules.yml").write_text(exported)
    rules = yaml.safe_load(exported)
    locked_dir, clean_dir = tmp_path / "locked", tmp_path / "clean"
    locked_dir.mkdir(), clean_dir.mkdir()
    locked, _ = side_files(locked_dir, log_of(LOCKED, locked_dir))
    clean, _ = side_files(clean_dir, log_of(CLEAN, clean_dir))
    tests = {"rule_files": ["rules.yml"],
             "tests": [rule_test(locked.read_text(), True, rules),
                       rule_test(clean.read_text(), False, rules)]}
    (tmp_path / "test.yml").write_text(yaml.safe_dump(tests, sort_keys=False))
    done = promtool("test", "rules", "test.yml", cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "SUCCESS" in done.stdout
