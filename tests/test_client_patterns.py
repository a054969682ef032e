"""Tailscale client lines (patterns/client.toml) and the logtail JSON wrapper of tsnet apps."""

from __future__ import annotations

from datetime import datetime, timezone

from logsleuth.envelope import EnvelopeParser


def test_logtail_json_line_gives_its_text_and_client_time():
    line = ('{"logtail":{"client_time":"2023-12-11T13:54:45.934908625Z"},'
            '"text":"Received error: invalid key: unable to validate API key\\n"}')
    env = EnvelopeParser().parse(line)
    assert env.message == "Received error: invalid key: unable to validate API key"
    assert env.timestamp == datetime(2023, 12, 11, 13, 54, 45, 934908, tzinfo=timezone.utc)


def test_zerolog_json_text_field_is_not_taken_for_the_message():
    env = EnvelopeParser().parse('{"level":"info","message":"hello","text":"other"}')
    assert env.message == "hello"


import pytest  # noqa: E402

from .conftest import analyze_text  # noqa: E402

# A healthy tailscaled start and routine login/DERP/netcheck chatter: never a finding.
HEALTHY_CLIENT = """\
Nov  7 13:56:32 ts-sr tailscaled[73232]: Start
Nov  7 13:56:32 ts-sr tailscaled[73232]: health(warnable=update-available): error: An update from version 1.90.9 to 1.92.5 is available. Run `tailscale update` or `tailscale set --auto-update` to update now.
Nov  7 13:56:32 ts-sr tailscaled[73232]: control: client.Login(0)
Nov  7 13:56:32 ts-sr tailscaled[73232]: control: doLogin(regen=false, hasUrl=false)
Nov  7 13:56:32 ts-sr tailscaled[73232]: control: control server key from https://hs.example.com: ts2021=[mQ9e2], legacy=
Nov  7 13:56:32 ts-sr tailscaled[73232]: control: RegisterReq: got response; nodeKeyExpired=false, machineAuthorized=true; authURL=false
Nov  7 13:56:32 ts-sr tailscaled[73232]: Switching ipn state Starting -> Running (WantRunning=true, nm=true)
Nov  7 13:56:33 ts-sr tailscaled[73232]: magicsock: home is now derp-999 (headscale)
Nov  7 13:56:33 ts-sr tailscaled[73232]: magicsock: derp-999 connected; connGen=1
Nov  7 13:56:33 ts-sr tailscaled[73232]: health("overall"): ok
Nov  7 13:56:33 ts-sr tailscaled[73232]: health(warnable=warming-up): ok
Nov  7 13:56:34 ts-sr tailscaled[73232]: portmap: [v1] UPnP reply {Location:http://192.168.1.1:1900/gatedesc.xml Server:Linux UPnP/1.0}, "HTTP/1.1 200 OK"
Nov  7 13:56:34 ts-sr tailscaled[73232]: netcheck: [v1] report: udp=true v6=false v6os=true mapvarydest=false hair=false portmap=?UC derp=999 derpdist=999v4:23ms
Nov  7 13:56:35 ts-sr tailscaled[73232]: control: [v1] PollNetMap: context canceled
Nov  7 13:56:35 ts-sr tailscaled[73232]: logtail: upload: log upload of 23713 bytes compressed failed 429: rate limited per ID
"""


def test_a_healthy_client_log_has_no_finding(pipeline):
    result = analyze_text(pipeline, HEALTHY_CLIENT)
    assert result.findings == []


@pytest.mark.parametrize("line, category, says, never", [
    # issue 11 item 3: TLS inside a client error is TLS, not "cannot reach the server"
    ('Received error: PollNetMap: Post "https://hs.example.com:8443/machine/ab12/map": remote error: tls: bad certificate',
     "tls", "tls_client_auth_mode", "curl http://"),
    ('control: [v1] TryLogin: fetch control key: Get "https://hs.example.com/key?v=106": remote error: tls: internal error',
     "tls", "autocert", "firewall"),
    # the server answered /key: a wrong URL or a proxy, not a firewall
    ("control: [v1] TryLogin: fetch control key: 404", "connection_refused", "no such path", "firewall"),
    # a client waiting for the control server: unreachable or slow, not "headscale overloaded"
    ('500 Internal Server Error: fetch control key: Get "https://hs.example.com/key?v=90": context deadline exceeded',
     "connection_refused", "time out", "limits"),
    ('Received error: PollNetMap: Post "https://hs.example.com/machine/map": context deadline exceeded',
     "connection_refused", "timed out", "limits"),
    ("Received error: control server is too old; no noise key", "noise_handshake", "0.17", "firewall"),
    # the upgrade reached a proxy that refused it: not "cannot reach the server"
    ('#     - not logged in, last login error=register request: Post "https://hs.example.com/machine/register": '
     "all connection attempts failed (HTTP: unexpected HTTP response: 301 Moved Permanently, "
     "HTTPS: unexpected HTTP response: 400 Bad Request)", "noise_handshake", "Cloudflare Tunnel", "firewall"),
    ("backend error: invalid key: unable to validate API key", "preauth_key", "controlplane.tailscale.com", "firewall"),
])
def test_client_errors_get_the_cause_of_their_inner_error(pipeline, line, category, says, never):
    finding = analyze_text(pipeline, line + "\n").findings[0]
    assert finding.category == category
    assert says in finding.cause and never not in finding.cause + " ".join(finding.fix)
