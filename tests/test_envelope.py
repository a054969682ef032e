"""Envelope parsing: every wrapper the issue lists, with and without compose prefixes."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from logsleuth.envelope import EnvelopeParser, split_fields, strip_controls
from logsleuth.timeparse import parse_time


def parse(line: str):
    return EnvelopeParser(year=2026).parse(strip_controls(line.encode()).decode())


def utc(*parts):
    return datetime(*parts, tzinfo=timezone.utc)


@pytest.mark.parametrize("line, service, fmt", [
    ("headscale_1  | 2023-06-19T14:02:17Z FTL go/src/headscale/cmd/headscale/cli/server.go:26 > Error starting server error=x", "headscale", "compose-v1/zerolog-console"),
    ("headscale-1  | 2024-10-02T17:03:11Z FTL serve.go:29 > boom error=x", "headscale", "compose/zerolog-console"),
    ("headscale     | 2024-10-02T17:03:11Z ERR boom", "headscale", "compose/zerolog-console"),
    ("\x1b[36mheadscale-1  | \x1b[0m2026-07-14T09:25:00Z WRN no config file found, using defaults", "headscale", "compose/zerolog-console"),
    ("\x1b[36mheadscale_1  |\x1b[0m 2023-06-19T14:00:02Z INF Setting up a DERPMap update worker", "headscale", "compose-v1/zerolog-console"),
])
def test_compose_prefixes_of_both_generations(line, service, fmt):
    env = parse(line)
    assert env.service == service
    assert env.format == fmt
    assert env.level is not None


def test_docker_timestamps_column_wins_and_inner_zerolog_line_is_parsed():
    env = parse("headscale-1  | 2026-07-14T09:14:41.006735512Z 2026-07-14T09:14:41Z INF node has connected chan=0xc0022b4c60 node.id=7")
    assert env.timestamp == utc(2026, 7, 14, 9, 14, 41, 6735)
    assert env.level == "info" and env.message == "node has connected"
    assert env.fields["node.id"] == "7"


def test_zerolog_console_with_caller_offset_and_quoted_fields():
    env = parse('2024-11-04T09:50:14+01:00 ERR ../../../home/runner/work/headscale/headscale/hscontrol/poll.go:725 > Failed to persist/update node in the database error="database is locked (5) (SQLITE_BUSY)" node=nas node.id=4')
    assert env.timestamp == utc(2024, 11, 4, 8, 50, 14)
    assert env.caller.endswith("poll.go:725")
    assert env.message == "Failed to persist/update node in the database"
    assert env.fields == {"error": "database is locked (5) (SQLITE_BUSY)", "node": "nas", "node.id": "4"}


def test_zerolog_console_without_caller_and_with_colour():
    env = parse("\x1b[90m2026-07-14T09:31:40Z\x1b[0m \x1b[33mWRN\x1b[0m \x1b[1mno config file found, using defaults\x1b[0m")
    assert env.level == "warn" and env.message == "no config file found, using defaults"


@pytest.mark.parametrize("line, moment", [
    ('{"level":"error","error":"x","time":1784026800,"message":"failed to build new DERPMap, retrying later"}', utc(2026, 7, 14, 11, 0)),
    ('{"level":"warn","time":"2026-07-14T11:00:00+02:00","message":"m"}', utc(2026, 7, 14, 9, 0)),
])
def test_zerolog_json_with_unix_and_rfc3339_time(line, moment):
    env = parse(line)
    assert env.format == "zerolog-json" and env.timestamp == moment
    assert env.level in ("error", "warn")


def test_v029_bare_error_lines_and_continuations():
    head = parse("Error: initializing: loading configuration: Fatal config error: x")
    assert head.level == "fatal" and head.timestamp is None and head.format == "cli"
    cont = parse("Fatal config error: server_url must start with https:// or http://")
    assert cont.level == "fatal" and not cont.timestamp
    cli_error = parse("Error: creating preauthkey: rpc error: code = Unknown desc = user not found")
    assert cli_error.level == "error"


def test_journald_prefix_sets_service_and_keeps_inner_time():
    env = parse("Jul 14 09:12:03 vps headscale[812]: 2026-07-14T09:12:04Z INF listening and serving HTTP on: 0.0.0.0:8080")
    assert env.service == "headscale" and env.timestamp == utc(2026, 7, 14, 9, 12, 4)
    assert env.format == "journald/zerolog-console"
    client = parse("Jul  2 08:00:01 laptop tailscaled[655]: netcheck: UDP is blocked, trying HTTPS")
    assert client.service == "tailscaled" and client.timestamp == utc(2026, 7, 2, 8, 0, 1)


def test_go_std_log_and_tailscaled_lines():
    env = parse("2026/07/14 10:10:31 http: TLS handshake error from 198.51.100.23:50712: EOF")
    assert env.format == "go-log" and env.timestamp == utc(2026, 7, 14, 10, 10, 31)
    assert parse("2026/07/14 11:10:00 netcheck: UDP is blocked, trying HTTPS").format == "tailscaled"


def test_plain_text_and_status_line_with_reset_sequence():
    env = parse("\r\x1b[Kheadscale-1 exited with code 137")
    assert env.message == "headscale-1 exited with code 137" and env.level is None


def test_split_fields_keeps_equals_signs_in_the_message():
    message, fields = split_fields('Could not parse log format: a=b. Valid choices func=GetLogConfig')
    assert message == "Could not parse log format: a=b. Valid choices"
    assert fields == {"func": "GetLogConfig"}


def test_parse_time_variants():
    assert parse_time("2024-10-02T17:45:01.884120577Z") == utc(2024, 10, 2, 17, 45, 1, 884120)
    assert parse_time("2026-07-14T09:12:03+0000") == utc(2026, 7, 14, 9, 12, 3)
    assert parse_time("not a time") is None


def _every_line():
    from .conftest import FIXTURES, SHARED_DATA

    lines = [line for path in sorted(FIXTURES.glob("*.log"))
             for line in strip_controls(path.read_bytes()).decode("utf-8", "replace").splitlines()]
    if SHARED_DATA.exists():
        import json

        lines += [json.loads(row)["line"] for row in SHARED_DATA.read_text().splitlines() if row]
    prefixes = ["", "headscale-1  | ", "2024-05-01T10:00:00.123456789Z ",
                "May  1 10:00:00 host headscale[12]: "]
    return [prefix + line for line in lines for prefix in prefixes]


def test_the_console_fast_path_gives_what_the_general_path_gives(monkeypatch):
    from logsleuth import envelope

    lines = ["2030-05-01T10:00:00.123456789Z 2026-05-01T10:00:00+03:00 INF -t: zone, latest",
             "May  1 10:00:00 host headscale[12]: 2026-05-01T10:00:00+05:30 INF zone next",
             *_every_line()]
    fast = EnvelopeParser(year=2026)
    fast_results = [fast.parse(line) for line in lines]
    monkeypatch.setattr(envelope, "console_prefix", lambda line: None)   # never matches
    general = EnvelopeParser(year=2026)
    for line, quick in zip(lines, fast_results):
        slow = general.parse(line)
        assert (quick.service, quick.container, quick.timestamp, quick.level, quick.format,
                quick.caller, quick.message, quick.fields, quick.inferred) == (
            slow.service, slow.container, slow.timestamp, slow.level, slow.format,
            slow.caller, slow.message, slow.fields, slow.inferred), line
    assert fast.clock == general.clock
    assert len(lines) >= 600                  # 150 fixture lines × 4 prefixes, + reference data


_JSON_LINES = [
    '{"level":"error","msg":"dial failed","ts":1782864002.924,"error":"x"}',
    '{"level":"WARNING","message":"m","msg":"also","time":"2024-05-01T10:00:00+02:00","ts":5}',
    '{"level":"info","message":null,"time":1714557600123}',
    '{"level":7,"message":"no time","caller":"x.go:1"}',
    '{"logtail":{"client_time":"2024-05-01T10:00:00Z"},"text":"magicsock: x\\n"}',
    '{"ts":42,"msg":"a small ts is no time"}',
    '{not json', '["a list"]', '{}',
]


@pytest.mark.parametrize("prefix", ["", "headscale-1  | ", "caddy_caddy_1 | ", "2026-07-01T00:00:00.123456789Z ",
                                    "caddy-1  | 2026-07-01T00:00:00.123456789Z "])
def test_the_json_shortcut_gives_what_the_general_path_gives(monkeypatch, prefix):
    lines = [prefix + line for line in _JSON_LINES] + [
        prefix + line for line in _every_line() if line.startswith("{")]
    fast = EnvelopeParser(year=2026)
    fast_results = [fast.parse(line) for line in lines]
    monkeypatch.setattr(EnvelopeParser, "json_shortcut", False)
    general = EnvelopeParser(year=2026)
    for line, quick in zip(lines, fast_results):
        slow = general.parse(line)
        assert (quick.service, quick.container, quick.timestamp, quick.level, quick.format,
                quick.caller, quick.message, quick.fields, quick.inferred, quick.members) == (
            slow.service, slow.container, slow.timestamp, slow.level, slow.format,
            slow.caller, slow.message, slow.fields, slow.inferred, slow.members), line
    assert (fast.clock, fast._locked) == (general.clock, general._locked)


@pytest.mark.parametrize("line, fmt, body", [
    # docker logs -t / compose logs -t before a Go std-log line: no syslog "host 11: " prefix
    ("headscale-1  | 2026-07-01T00:00:00.123456789Z 2026/07/14 11:10:02 magicsock: home DERP "
     "changing", "compose/tailscaled", "magicsock: home DERP changing"),
    ("2026-07-01T00:00:00Z 2024/05/01 10:00:00 http: TLS handshake error from 1.2.3.4:5: EOF",
     "go-log", "http: TLS handshake error from 1.2.3.4:5: EOF"),
    # ... or a JSON line whose words in quotes could pass for a host and a program
    ('caddy-1  | 2026-07-01T00:00:00.123Z {"level":"error","msg":"handled request","request":'
     '{"uri":"/ts2021"},"status":502}', "compose/zerolog-json", "handled request"),
    ('2026-07-01T00:00:00.123Z {"level":"error","msg":"two words","error":"x"}', "zerolog-json",
     "two words"),
    # real system-log lines still are
    ("2025-03-02T23:18:12.5+01:00 vps tailscaled[7]: magicsock: x", "journald/tailscaled",
     "magicsock: x"),
    ("Mar  2 23:18:12 vps k3s[1]: E0302 23:18:12 failed", "journald/plain", "E0302 23:18:12 failed"),
    ("Mar  2 23:18:12 vps 3proxy[812]: 1709421492.123 error", "journald/plain", "1709421492.123 error"),
])
def test_a_docker_stamp_before_a_go_log_time_or_json_is_no_syslog_prefix(line, fmt, body):
    env = EnvelopeParser(year=2026).parse(line)
    assert (env.format, env.body) == (fmt, body)


_WRAPPERS = ["headscale-1  | ", "headscale-1  | 2026-07-01T00:00:00.123456789Z ",
             "2026-07-01T00:00:00.123456789Z ", "May  1 10:00:00 vps headscale[12]: ",
             "2024-05-01T10:00:00.5+02:00 vps headscale[12]: ", "Jun 30 23:59:59 headscale: ",
             "[pod/headscale-7d9f6c-x2x/headscale] "]


def _bare_lines() -> list[str]:
    """Every fixture and reference line that carries no wrapping of its own."""
    from logsleuth.envelope import _OUTER_TS
    from logsleuth.formats import LEVEL_TOKEN

    bare = []
    for line in sorted(set(_every_line())):
        outer = _OUTER_TS.match(line)
        stamped = outer is not None and not LEVEL_TOKEN.match(line, outer.end())
        env = EnvelopeParser(year=2026).parse(line)
        if line.strip() and not stamped and "/" not in env.format and env.service is None:
            bare.append(line)
    return bare


def test_the_inner_reading_does_not_depend_on_the_wrapping():
    """A compose prefix, a docker -t stamp, both, a system-log prefix or kubectl's before a line leave
    its level, message and inner format as they are ('<stamp> Error: initializing: ...',
    '<stamp> fatal error: ...' and '<stamp> {"msg":"two words",...}' once read as syslog)."""
    bare = _bare_lines()
    assert len(bare) > 200
    for line in bare:
        alone = EnvelopeParser(year=2026).parse(line)
        for wrapper in _WRAPPERS:
            wrapped = EnvelopeParser(year=2026).parse(wrapper + line)
            assert (wrapped.level, wrapped.message) == (alone.level, alone.message), wrapper + line
            assert wrapped.format.endswith(alone.format), wrapper + line


class _EagerSyslogTime(EnvelopeParser):
    """Reads every system-log prefix's time before the rest of its line."""

    def _syslog_time_now(self, match):
        return True


@pytest.mark.parametrize("zone", ["Z", "+05:30", None])
def test_a_syslog_time_read_only_when_needed_gives_what_reading_it_first_gives(zone):
    prefixes = ["May  1 10:00:00 host headscale[12]: ", "Dec 31 23:59:59 tailscaled[7]: ",
                "2030-05-01T10:00:00.5+02:00 vps headscale[3]: "]     # the latest time seen
    bodies = ["2024-05-01T10:00:00Z ERR a time of its own, first"] + [
        line.split("| ", 1)[-1] for line in _every_line()] + [
        "2024/05/01 10:00:00 control: no zone of its own", "plain text, no time",
        "2024-05-01T10:00:00Z 2024-05-01T09:00:00Z ERR docker stamp, then the line's"]
    lines = [prefix + body for body in bodies for prefix in prefixes]
    if zone is not None:                     # a zone known from the start (the usual case)
        lines.insert(0, f"2024-05-01T10:00:00{zone} INF teaches the zone")
    else:          # the zone comes after the syslog time: that time was read as UTC
        lines.insert(0, "May  1 10:00:00 host headscale[12]: 2024-05-01T10:00:00+02:00 INF up")
    lazy, eager = EnvelopeParser(year=2024), _EagerSyslogTime(year=2024)
    for line in lines:
        quick, slow = lazy.parse(line), eager.parse(line)
        assert (quick.service, quick.timestamp, quick.level, quick.format, quick.inferred,
                quick.message) == (slow.service, slow.timestamp, slow.level, slow.format,
                                   slow.inferred, slow.message), line
        assert lazy.clock == eager.clock, line


@pytest.mark.parametrize("line, service, level, moment", [
    # syslog without a host name (BusyBox, some relays): the program comes first
    ('Aug 24 09:24:05 authelia[19969]: {"level":"error","msg":"Access Request failed",'
     '"time":"2024-08-24T09:24:05Z"}', "authelia", "error", "2024-08-24T09:24:05+00:00"),
    ("Mar  2 23:18:12 vps headscale[999]: 2025-03-02T23:18:12Z ERR map failed", "headscale",
     "error", "2025-03-02T23:18:12+00:00"),
    # no syslog lines: a docker-stamped Go frame, a Node app's "[module] LEVEL:" line
    ("2025-06-17T05:03:36Z \t[signal SIGSEGV: segmentation violation code=0x1 addr=0x48]",
     None, None, "2025-06-17T05:03:36+00:00"),
    ("2024-07-19T09:23:14.581Z [api] ERROR: Headscale API is unreachable", None, None,
     "2024-07-19T09:23:14.581000+00:00"),
])
def test_a_syslog_prefix_needs_a_host_without_brackets_or_none(line, service, level, moment):
    env = EnvelopeParser(year=2024).parse(line)
    assert (env.service, env.level, env.timestamp.isoformat()) == (service, level, moment)


@settings(max_examples=2000, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=60)
       .filter(lambda t: not (t[0].isdecimal() or t[0] == "{")))
def test_no_inner_format_takes_a_text_that_starts_without_a_digit_or_brace(text):
    """What lets EnvelopeParser._inner read such a text as plain without trying them."""
    from logsleuth.formats import INNER_PARSERS

    for stamp in ("", "2024-05-01T10:00:00Z INF ", "2024/05/01 10:00:00 ", '{"level":"error"}'):
        candidate = text + stamp        # what follows does not matter: the start does
        assert all(inner(candidate) is None for inner in INNER_PARSERS.values()), candidate
