"""Every envelope the reader understands, read end to end by ``logsleuth events``: the
service, time, level and message of field-log-like lines. Each case fails when its parser
is turned off or reads a field wrongly (issue 15: the journald ISO prefix parser was turned
off and the suite stayed green)."""

from __future__ import annotations

import json

import pytest

from .conftest import FIXTURES, run_cli, run_json

JOURNALD_ISO = (FIXTURES / "field2" / "blocks" / "2062-1.log").read_text(encoding="utf-8")
JOURNALD_FTL = ("Jul 14 09:20:40 vps headscale[812]: 2026-07-14T09:20:40Z FTL ../../../home/runner/work/"
                "headscale/headscale/hscontrol/app.go:1066 > failed to set up a HTTP server "
                'error="listen tcp :80: bind: permission denied"\n')

CASES = {
    # journalctl -o short-iso around a zerolog console line (field2 block 2062-1)
    "journald-iso": (JOURNALD_ISO, 3, ("headscale", "2024-01-26T08:53:03Z", "error",
                                       "Could not get the create map update error=invalid action")),
    # classic journald prefix, console line with a caller
    "journald-classic": (JOURNALD_FTL, 1, (
        "headscale", "2026-07-14T09:20:40Z", "fatal",
        "failed to set up a HTTP server error=listen tcp :80: bind: permission denied")),
    # classic journald prefix, a bare cobra error after it: the year comes from the line before
    "journald-classic-bare": (JOURNALD_FTL + "Jul 14 09:20:41 vps headscale[812]: Error: failed to "
                              "read config: open /etc/headscale/config.yaml: permission denied\n", 2, (
        "headscale", "2026-07-14T09:20:41Z", "error",
        "Error: failed to read config: open /etc/headscale/config.yaml: permission denied")),
    # docker-compose v1 container name (project_service_index)
    "compose-v1": ('headscale_headscale_1  | 2024-05-01T10:00:02Z ERR update failed '
                   'error="database is locked (5) (SQLITE_BUSY)"\n', 1, (
        "headscale_headscale", "2024-05-01T10:00:02Z", "error",
        "update failed error=database is locked (5) (SQLITE_BUSY)")),
    # compose v2 with --timestamps: docker's column is the time
    "compose-v2-timestamps": ("headscale-1  | 2026-07-14T09:14:41.006735512Z 2026-07-14T09:14:40Z ERR "
                              'failed to update last seen in database error="database is locked"\n', 1, (
        "headscale", "2026-07-14T09:14:41.006735Z", "error",
        "failed to update last seen in database error=database is locked")),
    # zerolog JSON with a millisecond unix time and the "warning" spelling
    "zerolog-json": ('{"level":"warning","time":1714557600123,"message":"Failed to fetch DERP map",'
                     '"error":"dial tcp: lookup controlplane.tailscale.com: i/o timeout"}\n', 1, (
        None, "2024-05-01T10:00:00.123000Z", "warn",
        "Failed to fetch DERP map error=dial tcp: lookup controlplane.tailscale.com: i/o timeout")),
    # Go std-log (net/http) with its zone-less stamp
    "go-stdlog": ("2024/05/01 10:00:00 http: TLS handshake error from 203.0.113.7:51234: remote "
                  "error: tls: bad certificate\n", 1, (
        None, "2024-05-01T10:00:00Z", None,
        "http: TLS handshake error from 203.0.113.7:51234: remote error: tls: bad certificate")),
    # the same line beside a zoned console line: Go's logger wrote local time, read in that zone
    "go-stdlog-local-zone": ("2024-05-01T12:00:00+02:00 INF listening and serving HTTP on: 0.0.0.0:8080\n"
                             "2024/05/01 12:00:05 http: TLS handshake error from 203.0.113.7:51234: "
                             "remote error: tls: bad certificate\n", 2, (
        None, "2024-05-01T10:00:05Z", None,
        "http: TLS handshake error from 203.0.113.7:51234: remote error: tls: bad certificate")),
    # a restart across New Year: the year-less systemd line belongs to the year before the
    # dated start-up line that follows it
    "journald-new-year": ("Dec 31 23:59:58 vps systemd[1]: headscale.service: Main process exited, "
                          "code=exited, status=1/FAILURE\n"
                          "Jan  1 00:00:03 vps systemd[1]: Started headscale.service - headscale "
                          "coordination server.\n"
                          "Jan  1 00:00:03 vps headscale[900]: 2025-01-01T00:00:03Z INF starting "
                          "headscale version=v0.23.0\n", 1, (
        "systemd", "2024-12-31T23:59:58Z", None,
        "headscale.service: Main process exited, code=exited, status=1/FAILURE")),
}


def events(text: str) -> list[dict]:
    result = run_cli(["events", "--no-redact"], text)
    assert result.exit_code == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


@pytest.mark.parametrize("name", sorted(CASES))
def test_each_envelope_gives_service_time_level_and_message(name):
    text, line_no, want = CASES[name]
    entry = next(e for e in events(text) if e["line_no"] == line_no)
    assert (entry["service"], entry["timestamp"], entry["level"], entry["message"]) == want


def test_a_journald_iso_source_is_filtered_by_its_service_name():
    """--service headscale keeps journald lines by their syslog identifier."""
    result = run_cli(["analyze", "--service", "headscale", "--format", "json", "-"], JOURNALD_ISO)
    data = json.loads(result.stdout)
    assert data["services"] == ["headscale"]
    assert [f["pattern_id"] for f in data["findings"] if f["severity"] != "info"] == \
        ["config.policy_breaks_map"]


def test_a_zap_json_line_is_dated_by_its_ts():
    """Caddy (zap) writes its time as ``ts``, Unix seconds with a fraction: the finding is
    dated by it, as a zerolog ``time`` would date it."""
    line = ('caddy-1  | {"level":"error","ts":1717000000.5,"logger":"http.log.error","msg":"EOF",'
            '"request":{"method":"POST","host":"hs.example.com","uri":"/ts2021"},"status":502}\n')
    _, data = run_json(["analyze", "-"], line)
    caddy = next(f for f in data["findings"] if f["pattern_id"] == "eco.caddy_ts2021_error_status")
    assert caddy["first_seen"] == "2024-05-29T16:26:40.500000Z"
