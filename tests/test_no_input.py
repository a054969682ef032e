"""No quiet wrong answers: empty input, filters that keep nothing and input that is not text
are said on stderr and in the report, before any "No known problems", with exit code 3."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from .conftest import FIXTURES, run_cli

SAMPLE = str(FIXTURES / "sample.log")            # 30 lines, 2024-10-02 17:00 → 17:59Z
NOT_TEXT = bytes(range(256)) * 64 + b"\n"


@pytest.mark.parametrize("args, stdin, message", [
    (["-"], b"", "no input: 0 lines read from <stdin>"),
    (["-"], NOT_TEXT, "<stdin>: does not look like text"),
    ([SAMPLE, "--since", "24h"], None, "0 of 30 lines in the window "),
    ([SAMPLE, "--until", "2024-10-01"], None, "0 of 30 lines in the window start → 2024-10-01T00:00:00Z"),
    ([SAMPLE, "--service", "headscal"], None,
     "0 of 30 lines from --service headscal (services in the input: headscale, headscale-1)"),
    (["-", "--service", "caddy"],      # journald lines whose message holds a compose-like bar
     b"Mar  2 23:18:12 vps headscale[999]: 2025-03-02T23:18:12Z ERR map failed | retrying\n"
     b"Mar  2 23:18:13 vps tailscaled[41]: magicsock: endpoints changed: 1 | 2\n",
     "0 of 2 lines from --service caddy (services in the input: headscale, tailscaled)"),
])
def test_nothing_to_analyse_is_said_and_exits_3_even_with_fail_on_never(args, stdin, message):
    result = run_cli([*args, "--fail-on", "never", "--format", "text"], stdin)
    assert result.exit_code == 3
    assert f"logsleuth: warning: {message}" in result.stderr
    assert message in result.stdout
    assert result.stdout.index(message) < result.stdout.index("No known problems")


@pytest.mark.parametrize("fmt, verdict", [("text", "No known problems"),
                                          ("markdown", "No known problems"),
                                          ("rich", "No known problems")])
def test_input_problems_come_before_the_verdict_in_every_format(fmt, verdict):
    result = run_cli(["-", "--format", fmt, "--color", "never"], b"")
    assert result.exit_code == 3
    assert 0 <= result.stdout.index("no input: 0 lines") < result.stdout.index(verdict)


def test_json_names_the_problem_in_errors():
    result = run_cli(["-", "--format", "json"], b"")
    assert result.exit_code == 3
    assert json.loads(result.stdout)["errors"] == ["no input: 0 lines read from <stdin>"]


def test_a_missing_file_is_reported_before_the_report_on_a_shared_screen(tmp_path):
    done = subprocess.run([sys.executable, "-m", "logsleuth", str(tmp_path / "nope.log")],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert done.returncode == 3
    assert done.stdout.index("No such file") < done.stdout.index("No known problems")


def test_filters_that_keep_something_and_text_with_some_nul_bytes_stay_quiet():
    assert run_cli([SAMPLE, "--service", "headscale", "--fail-on", "never"]).exit_code == 0
    assert run_cli([SAMPLE, "--since", "2024-10-02T17:30:00Z", "--fail-on", "never"]).exit_code == 0
    padded = b"\0" * 4096 + b"\n" + (FIXTURES / "compose-v2-sqlite-locked.log").read_bytes()
    assert run_cli(["-", "--format", "text"], padded).exit_code == 1     # found: no complaint


def test_summary_of_empty_piped_input_is_not_clean_but_an_unchanged_file_is(tmp_path):
    state, html = str(tmp_path / "s.json"), tmp_path / "r.html"
    empty = run_cli(["summary", "-", "--state", state, "--quiet-if-clean", "--html", str(html)], b"")
    assert empty.exit_code == 3
    assert 0 <= empty.stdout.index("no input: 0 lines read from <stdin>") \
        < empty.stdout.index("No known problems.")                     # the mail is sent
    page = html.read_text()
    assert page.index("no input: 0 lines read from &lt;stdin&gt;") < page.index("No known problems")
    log = tmp_path / "h.log"
    log.write_bytes((FIXTURES / "info-only.log").read_bytes())
    state = str(tmp_path / "file-state.json")
    assert run_cli(["summary", str(log), "--state", state]).exit_code == 0
    again = run_cli(["summary", str(log), "--state", state, "--quiet-if-clean"])
    assert (again.exit_code, again.stdout, again.stderr) == (0, "", "")   # nothing new: quiet


def test_events_say_when_there_was_nothing_to_read():
    empty = run_cli(["events", "-"], b"")
    assert (empty.exit_code, empty.stdout) == (3, "")
    assert "logsleuth: warning: no input: 0 lines read from <stdin>" in empty.stderr
    filtered = run_cli(["events", SAMPLE, "--service", "headscal"])
    assert filtered.exit_code == 3 and "0 of 30 lines from --service headscal" in filtered.stderr
    assert run_cli(["events", SAMPLE]).exit_code == 0
