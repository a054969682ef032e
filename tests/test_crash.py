"""A stopped server is never "no known problems": unexplained fatal errors, panics and
restart loops are critical `crash` findings everywhere; routine node churn is no finding."""

from __future__ import annotations

import json

import pytest

from .conftest import analyze_text, run_cli

PANIC = """headscale-1  | 2024-05-01T10:00:00Z INF Starting headscale version=0.23.0
headscale-1  | panic: assignment to entry in nil map
headscale-1  | 
headscale-1  | goroutine 1 [running]:
headscale-1  | github.com/juanfont/headscale/hscontrol/policy.(*PolicyManager).compile(0xc0001a2000)
headscale-1  | 	/go/src/headscale/hscontrol/policy/pm.go:88 +0x1d4
headscale-1  | main.main()
headscale-1  | 	/go/src/headscale/cmd/headscale/headscale.go:31 +0x1c5
headscale-1 exited with code 2
"""
UNKNOWN_FTL = ("2025-02-01T08:00:00Z FTL cmd/headscale/cli/serve.go:32 > Error initializing "
               'error="creating new headscale: a failure nobody has seen before"\n')
RESTARTING = ('NAME        IMAGE                        COMMAND             SERVICE     CREATED         STATUS\n'
              'headscale   headscale/headscale:0.23.0   "headscale serve"   headscale   2 minutes ago   '
              'Restarting (1) 20 seconds ago\n')
HEALTHY = """2024-05-01T10:00:00Z INF Starting headscale version=0.23.0
2024-05-01T10:00:00Z WRN An updated version of Headscale has been found (v0.23.1 vs. your current v0.23.0). Check it out https://github.com/juanfont/headscale/releases
2024-05-01T10:00:01Z INF listening and serving HTTP on: 0.0.0.0:8080
2024-05-01T10:05:00Z INF hscontrol/poll.go:251 > node has connected chan=0xc001d2e5a0 node.id=3 node.name=laptop-anna
2024-05-01T11:05:00Z INF hscontrol/poll.go:211 > node has disconnected chan=0xc001d2e5a0 node.id=3 node.name=laptop-anna
2024-05-01T12:05:00Z INF hscontrol/poll.go:251 > node has connected chan=0xc001d2e5a0 node.id=3 node.name=laptop-anna
2024-05-01T12:06:00Z INF hscontrol/poll.go:211 > node has disconnected chan=0xc001d2e5a0 node.id=4 node.name=phone-ben
"""


@pytest.mark.parametrize("text", [PANIC, UNKNOWN_FTL, RESTARTING], ids=["panic", "ftl", "restarting"])
def test_a_crash_fails_the_default_run_and_names_itself(text):
    result = run_cli(["--format", "json", "-"], text)
    data = json.loads(result.stdout)
    assert result.exit_code == 1
    top = data["findings"][0]
    assert (top["category"], top["severity"]) == ("crash", "critical")


def test_an_unexplained_panic_carries_its_template_and_whole_trace(pipeline):
    result = analyze_text(pipeline, PANIC)
    crash = result.findings[0]
    assert crash.pattern_id == "crash.unexplained_fatal"
    assert crash.template == "panic: assignment to entry in nil map"
    assert "pm.go:88" in crash.samples[0]
    assert result.findings[-1].pattern_id == "crash.container_exited"   # the symptom comes last
    events = [json.loads(line) for line in run_cli(["events", "-"], PANIC).stdout.splitlines()]
    assert (events[0]["line_no"], events[0]["lines"]) == (2, 7)


def test_two_unknown_fatal_errors_are_two_crash_findings(pipeline):
    other = UNKNOWN_FTL.replace("a failure nobody has seen before", "disk quota exceeded on /var/lib/x")
    findings = analyze_text(pipeline, UNKNOWN_FTL + other).findings
    assert [f.pattern_id for f in findings] == ["crash.unexplained_fatal"] * 2
    assert len({f.template for f in findings}) == 2


def test_an_explained_fatal_keeps_its_own_category(pipeline):
    text = ('2024-05-01T10:00:00Z FTL cmd/headscale/cli/serve.go:29 > Headscale ran into an error '
            'and had to shut down. error="failed to bind to TCP address: listen tcp 0.0.0.0:8080: '
            'bind: address already in use"\nheadscale-1 exited with code 1\n')
    findings = analyze_text(pipeline, text).findings
    assert [f.category for f in findings] == ["port_conflict", "crash"]


@pytest.mark.parametrize("text", [PANIC, UNKNOWN_FTL, RESTARTING], ids=["panic", "ftl", "restarting"])
def test_quiet_if_clean_still_reports_a_crash(tmp_path, text):
    log = tmp_path / "headscale.log"
    log.write_text(text)
    result = run_cli(["summary", str(log), "--state", str(tmp_path / "s.json"), "--quiet-if-clean"])
    assert result.exit_code == 1
    assert "stopped with an error" in result.stdout or "keeps restarting" in result.stdout


def test_a_healthy_log_has_no_finding(pipeline):
    result = analyze_text(pipeline, HEALTHY)
    assert result.findings == [] and result.unknown == []
    assert run_cli(["-"], HEALTHY).exit_code == 0


def test_one_node_disconnecting_again_and_again_is_flapping(pipeline):
    lines = "".join(
        f"2024-05-01T10:{m:02d}:00Z INF hscontrol/poll.go:211 > node has disconnected "
        f"chan=0xc001d2e5a0 node.id=3 node.name=laptop-anna\n" for m in range(0, 10, 2))
    findings = analyze_text(pipeline, lines).findings
    assert [(f.pattern_id, f.count) for f in findings] == [("conn.node_flapping", 5)]
    assert "laptop-anna" in findings[0].cause
    spread = lines.replace("T10:", "T1").replace(":00Z", ":00:00Z")   # hours apart: routine
    assert analyze_text(pipeline, spread).findings == []


def test_a_crash_loop_is_led_by_its_error_never_by_the_exits(pipeline):
    loop = (UNKNOWN_FTL + "headscale-1 exited with code 1\n") * 3
    causes = analyze_text(pipeline, loop).causes
    assert causes[0].id == "crash_loop"
    assert causes[0].findings[0] == "crash.unexplained_fatal"
    assert "a failure nobody has seen before" in causes[0].title
    different_each_time = (UNKNOWN_FTL + "headscale-1 exited with code 1\n" + PANIC)
    causes = analyze_text(pipeline, different_each_time).causes
    assert all(c.id != "crash_loop" for c in causes)
    assert causes[-1].id == "crash.container_exited"


def test_a_fatal_logfmt_line_is_a_crash_by_the_pattern_alone(pipeline):
    """logfmt levels are not parsed into the envelope: the catalog regex must catch them."""
    line = ('Nov  5 01:11:55 host k3s[55428]: time="2023-11-05T01:11:55Z" level=fatal '
            'msg="starting kubernetes: preparing server: something nobody has seen"\n')
    assert [f.pattern_id for f in analyze_text(pipeline, line).findings] == ["crash.unexplained_fatal"]


def test_an_unexplained_crash_lowers_the_nightly_coverage(tmp_path):
    log = tmp_path / "headscale.log"
    log.write_text(UNKNOWN_FTL + "headscale-1 exited with code 1\n")
    result = run_cli(["summary", str(log), "--state", str(tmp_path / "s.json"), "--format", "json"])
    assert json.loads(result.stdout)["summary"]["coverage"] == 0.5   # the exit is explained, the FTL not


def test_a_deprecated_key_warning_never_outranks_the_fatal_error(pipeline):
    text = ('headscale-1  | 2024-11-04T10:00:00Z WRN \n'
            'headscale-1  | WARN: The "dns_config" configuration key is deprecated and has been '
            'removed. Please see the changelog for more details.\n'
            'headscale-1  | 2024-11-04T10:00:01Z FTL cmd/headscale/cli/serve.go:29 > Headscale ran '
            'into an error and had to shut down. error="failed to bind to TCP address: listen tcp '
            '0.0.0.0:8080: bind: address already in use"\n')
    findings = analyze_text(pipeline, text).findings
    assert [(f.pattern_id, f.severity) for f in findings] == [
        ("deploy.port_in_use", "critical"), ("deploy.config_key_deprecated", "warning")]


JOURNALD_PANIC = """\
Mar  3 07:12:09 vpn headscale[812]: 2025/03/03 07:12:09 http: panic serving 10.0.0.7:51022: runtime error: index out of range [0] with length 0
Mar  3 07:12:09 vpn headscale[812]: goroutine 90211 [running]:
Mar  3 07:12:09 vpn headscale[812]: net/http.(*conn).serve.func1()
Mar  3 07:12:09 vpn headscale[812]: #011/usr/local/go/src/net/http/server.go:1854 +0xbf
"""


@pytest.mark.parametrize("other", [
    "Mar  3 07:12:10 vpn CRON[3104]: pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)",
    "Mar  3 07:12:10 vpn sudo[2211]:    alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/bin/ls",
    "2025-03-03T07:12:10.000001+00:00 vpn CRON[3104]: pam_unix(cron:session): session opened for user "
    "root(uid=0) by (uid=0)",
], ids=["cron", "sudo", "rsyslog-iso"])
def test_a_trace_read_from_the_system_log_never_takes_another_process_line(other):
    """Go trace bodies accept a journald/syslog prefix; a line of another program (a PAM
    line ending in ``(uid=0)``, sudo's indented user) right after the trace is not a frame."""
    events = [json.loads(line) for line in
              run_cli(["events", "-"], JOURNALD_PANIC + other + "\n").stdout.splitlines()]
    assert (events[0]["pattern_id"], events[0]["line_no"], events[0]["lines"]) == \
        ("crash.handler_panic", 1, 4)


def test_a_docker_stamped_trace_after_an_indented_panic_is_one_entry():
    """``docker logs -t`` stamps every frame, a tab after the stamp: ``<stamp> \\t[signal
    SIGSEGV: ...`` is a frame, not a syslog line of a program named SIGSEGV."""
    stamp = "2025-06-17T05:03:36Z \t"
    trace = "\n".join([
        " panic: runtime error: invalid memory address or nil pointer dereference",
        f"{stamp}[signal SIGSEGV: segmentation violation code=0x1 addr=0x48 pc=0xc4f37f]",
        f"{stamp}",
        f"{stamp}goroutine 266 [running]:",
        f"{stamp}tailscale.com/net/netcheck.makeProbePlanInitial(0xc0031f6b70, 0xc00033af50)",
        f"{stamp}tailscale.com@v1.78.1/net/netcheck/netcheck.go:548 +0xbf",
        f"{stamp}created by tailscale.com/wgengine/magicsock.(*Conn).updateNetInfo in goroutine 9",
    ]) + "\n"
    events = [json.loads(line) for line in run_cli(["events", "-"], trace).stdout.splitlines()]
    assert [(e["line_no"], e["lines"]) for e in events] == [(1, 7)]
