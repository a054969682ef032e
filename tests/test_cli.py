"""End to end: input file -> JSON -> exit code, for every fixture; formats and options."""

from __future__ import annotations

import json
import re

import click
import pytest

from logsleuth.cli import cli

from .conftest import FIXTURES, ROOT, run_cli, run_json

# fixture -> (exit code, [(pattern_id, count), ...] in rank order, number of unknown templates)
EXPECTED = {
    "compose-v2-sqlite-locked.log": (1, [("db.sqlite_locked", 3), ("conn.database_unreachable", 1)], 0),
    "info-only.log": (0, [], 0),
    "compose-v1-port-crashloop.log": (1, [("deploy.port_in_use", 3), ("crash.container_exited", 3)], 0),
    "compose-v2-timestamps-crlf.log": (1, [("deploy.config_not_found", 2), ("deploy.noise_key_path_required", 2),
                                           ("crash.container_exited", 2)], 0),
    "deprecation-block.log": (1, [("deploy.config_key_removed", 1)], 0),
    "zerolog-json.log": (1, [("net.derp_map_unavailable", 2), ("auth.oidc_discovery_failed", 1),
                             ("config.policy_invalid", 1), ("auth.oidc_not_allowed", 1),
                             ("conn.client_too_old", 1)], 0),
    "journald.log": (1, [("deploy.bind_permission", 1), ("crash.service_failed", 1),
                         ("net.udp_blocked", 1), ("net.no_public_endpoint", 1),
                         ("net.relayed_derp_change", 1)], 0),
    "tailscaled.log": (1, [("conn.refused", 2), ("tls.certificate_untrusted", 1),
                           ("auth.preauth_key_invalid", 1), ("net.derp_connect_failed", 1),
                           ("conn.long_poll_timeout", 1)], 0),
    "console-offsets.log": (1, [("conn.noise_handshake_failed", 2), ("auth.oidc_client_credentials", 1),
                                ("conn.client_too_old", 1), ("conn.stream_write_failed", 1),
                                ("deploy.prefix_out_of_range", 1)], 0),
    "oom-panic.log": (1, [("perf.go_out_of_memory", 1), ("crash.unexplained_fatal", 1),
                          ("perf.container_exit_137", 1), ("crash.container_exited", 2)], 0),
    "two-instances.log": (1, [("db.sqlite_locked", 2), ("net.route_persist_failed", 1)], 0),
    "sample.log": (1, [("db.sqlite_locked", 4), ("conn.noise_no_upgrade_header", 2),
                       ("auth.preauth_key_expired", 2), ("tls.handshake_error", 2),
                       ("conn.stream_write_failed", 1)], 1),
}


def test_every_fixture_has_an_expectation():
    assert {p.name for p in FIXTURES.glob("*.log")} == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixture_end_to_end(name):
    code, data = run_json([str(FIXTURES / name)])
    want_code, want_findings, want_unknown = EXPECTED[name]
    assert code == want_code
    assert [(f["pattern_id"], f["count"]) for f in data["findings"]] == want_findings
    assert len(data["unknown"]) == want_unknown
    assert data["schema"] == "logsleuth/analysis@1"


def test_the_13_line_log_from_the_issue():
    code, data = run_json([str(FIXTURES / "compose-v2-sqlite-locked.log")])
    assert data["lines"]["total"] == 13 and code == 1
    top, second = data["findings"][:2]
    assert (top["category"], top["count"]) == ("database_locked", 3)
    assert second["category"] == "connection_refused"


def test_json_contract_fields():
    _, data = run_json([str(FIXTURES / "sample.log")])
    assert set(data) >= {"schema", "lines", "window", "findings", "causes", "unknown"}
    assert set(data["lines"]) >= {"total", "matched", "unknown"}
    assert set(data["window"]) == {"first", "last"}
    for finding in data["findings"]:
        assert set(finding) >= {"pattern_id", "category", "severity", "title", "count", "first_seen",
                                "last_seen", "services", "samples", "cause", "fix", "guide"}
    for cause in data["causes"]:
        assert cause["evidence"] and cause["fix"]
    assert data["unknown"][0].keys() >= {"count", "example"}


def test_stdin_is_read_when_no_file_is_given():
    text = (FIXTURES / "compose-v2-sqlite-locked.log").read_text()
    result = run_cli(["--format", "json"], stdin=text)
    assert result.exit_code == 1
    assert json.loads(result.stdout)["sources"] == ["<stdin>"]
    assert run_cli(["analyze", "-", "--format", "json"], stdin=text).exit_code == 1


def test_plain_text_when_piped_has_no_colour_codes_and_a_clean_log_says_so():
    result = run_cli([str(FIXTURES / "sample.log")])
    assert "\x1b[" not in result.stdout
    assert "SQLite database is locked" in result.stdout and "$ ./scripts/manage.sh restart" in result.stdout
    clean = run_cli([str(FIXTURES / "info-only.log")])
    assert clean.exit_code == 0
    assert clean.stdout.strip().splitlines() == [
        "No known problems found in 20 lines (window 2026-07-14 09:12:02Z → 2026-07-14 12:20:00Z)."]


@pytest.mark.parametrize("color, env, coloured", [
    ("always", {}, True), ("never", {}, False), ("always", {"NO_COLOR": "1"}, True),
])
def test_rich_output_and_colour_switches(color, env, coloured):
    result = run_cli([str(FIXTURES / "sample.log"), "--format", "rich", "--color", color], env=env)
    assert ("\x1b[" in result.stdout) is coloured
    assert "database_locked" in result.stdout


def test_markdown_is_ready_for_an_issue():
    result = run_cli([str(FIXTURES / "sample.log"), "--format", "markdown"])
    assert result.stdout.startswith("## logsleuth report")
    assert "| error | `database_locked` |" in result.stdout
    assert "```sh" in result.stdout


@pytest.mark.parametrize("fail_on, code", [("critical", 0), ("error", 1), ("never", 0), ("info", 1)])
def test_fail_on_threshold(fail_on, code):
    assert run_cli([str(FIXTURES / "compose-v2-sqlite-locked.log"), "--fail-on", fail_on]).exit_code == code


def test_since_until_and_service_filters():
    path = str(FIXTURES / "two-instances.log")
    _, data = run_json([path, "--since", "2026-07-14T10:50:34Z"])
    assert [(f["pattern_id"], f["count"]) for f in data["findings"]] == [("db.sqlite_locked", 1), ("net.route_persist_failed", 1)]
    _, data = run_json([path, "--until", "2026-07-14T10:50:34Z"])
    assert [(f["pattern_id"], f["count"]) for f in data["findings"]] == [("db.sqlite_locked", 1)]
    _, data = run_json([path, "--service", "headscale-2"])
    assert [(f["pattern_id"], f["count"]) for f in data["findings"]] == [("db.sqlite_locked", 1)]


def test_bad_date_is_one_line_and_exit_2():
    result = run_cli([str(FIXTURES / "sample.log"), "--since", "last blue moon"])
    assert result.exit_code == 2
    assert result.stderr.strip().count("\n") == 0 and "--since" in result.stderr
    assert "Traceback" not in result.stderr


def test_bad_pattern_directory_is_one_line_and_exit_2(tmp_path):
    (tmp_path / "bad.toml").write_text("[[pattern]]\nid = 'x'\n")
    result = run_cli([str(FIXTURES / "sample.log"), "--patterns", str(tmp_path)])
    assert result.exit_code == 2
    assert "bad.toml: x: missing required key" in result.stderr


def test_a_regex_the_fast_scanner_cannot_compile_is_named_and_exit_2(tmp_path):
    pytest.importorskip("hyperscan")
    (tmp_path / "big.toml").write_text(
        "[[pattern]]\nid = 'site.huge'\ncategory = 'performance'\nseverity = 'warning'\n"
        "title = 't'\nregex = 'x{1000000}'\ncause = 'c'\nfix = ['f']\n"
        "samples.match = ['x']\nsamples.no_match = ['y']\n")
    result = run_cli([str(FIXTURES / "sample.log"), "--patterns", str(tmp_path)])
    assert result.exit_code == 2 and "Traceback" not in result.stderr
    assert result.stderr.startswith(f"logsleuth: error: {tmp_path / 'big.toml'}: site.huge: "
                                    "Hyperscan cannot compile it")


def test_events_are_ndjson_with_the_contract_fields():
    result = run_cli(["events", str(FIXTURES / "sample.log")])
    events = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(events) == 13                  # 12 matched entries (paired lines merged) + 1 unknown
    for e in events:
        assert e.keys() >= {"line_no", "source", "service", "timestamp", "level", "category",
                            "pattern_id", "severity", "message"}
    locked = [e for e in events if e["category"] == "database_locked"]
    assert [e["line_no"] for e in locked] == [20, 21, 22, 29]
    assert any(e["pattern_id"] is None and e["level"] == "error" for e in events)


def test_patterns_subcommands():
    listing = run_cli(["patterns", "list"]).stdout
    assert "db.sqlite_locked" in listing and "database_locked" in listing
    shown = run_cli(["patterns", "show", "db.sqlite_locked"]).stdout
    assert "samples that match:" in shown
    assert run_cli(["patterns", "show", "nope"]).exit_code == 2
    lint = run_cli(["patterns", "lint"])
    assert lint.exit_code == 0 and "0 problem(s)" in lint.stderr
    test = run_cli(["patterns", "test", "conn.refused", str(FIXTURES / "tailscaled.log")])
    assert test.exit_code == 0 and "'port': '443'" in test.stdout
    inverted = run_cli(["patterns", "test", "conn.refused", str(FIXTURES / "tailscaled.log"), "--invert"])
    assert "connection refused" not in inverted.stdout
    total = len((FIXTURES / "tailscaled.log").read_bytes().splitlines())
    shown = len(inverted.stdout.splitlines())
    assert inverted.stderr == (f"{total - shown} of {total} line(s) matched conn.refused; "
                               f"{shown} shown\n")


def test_patterns_test_shows_the_fields_a_json_line_gives(tmp_path):
    log = tmp_path / "json.log"
    log.write_text(
        'headscale-1  | {"level":"info","node.id":7,"node.name":"büro-nas","time":1783000000,'
        '"message":"node has disconnected"}\n'
        "headscale-1  | 2026-07-14T11:30:00Z INF node has disconnected node=laptop-9 node.id=3\n",
        encoding="utf-8")
    test = run_cli(["patterns", "test", "conn.node_flapping", str(log)])
    assert test.exit_code == 0
    assert [line.rsplit("  ", 1)[-1] for line in test.stdout.splitlines()] == [
        "{'node': 'büro-nas'}", "{'node': 'laptop-9'}"]


def test_lint_reports_a_broken_user_pattern(tmp_path):
    (tmp_path / "site.toml").write_text('''
[[pattern]]
id = "site.lookaround"
category = "tls"
severity = "error"
title = "t"
regex = 'foo(?=bar)'
cause = "c"
fix = ["f"]
samples.match = ["foobar"]
''')
    result = run_cli(["patterns", "lint", "--patterns", str(tmp_path)])
    assert result.exit_code == 1
    assert "site.lookaround: look-around" in result.stdout
    assert "site.lookaround: no near-miss sample" in result.stdout


def _commands(group: click.Group, prefix: str = ""):
    for name, command in group.commands.items():
        yield f"{prefix}{name}", command
        if isinstance(command, click.Group):
            yield from _commands(command, f"{prefix}{name} ")


@pytest.mark.parametrize("name, command", list(_commands(cli)))
def test_every_command_has_help_and_is_documented(name, command):
    assert command.help, name
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"logsleuth {name}" in readme, f"README does not mention 'logsleuth {name}'"
    for param in command.params:
        if isinstance(param, click.Option):
            assert param.help, f"{name} {param.opts}"
            assert param.opts[0] in readme, f"README does not mention {param.opts[0]} ({name})"


def test_version_and_help():
    assert re.match(r"logsleuth, version \d", run_cli(["--version"]).stdout)
    assert "analyze" in run_cli(["--help"]).stdout
