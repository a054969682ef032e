"""The software around Headscale (patterns/ecosystem.toml), end to end: what admin UIs,
reverse proxies, derper and the kernel print lands in the category it means to an operator,
with the cause of that message; their healthy neighbours stay silent."""

from __future__ import annotations

import pytest

from .conftest import analyze_text


def _findings(pipeline, text: str):
    return analyze_text(pipeline, text.strip("\n") + "\n").findings


def _top(pipeline, text: str):
    findings = _findings(pipeline, text)
    assert findings, text
    return findings[0]


HEALTHY = """\
203.0.113.5 - - [10/Oct/2025:13:55:36 +0000] "GET /key?v=113 HTTP/1.1" 200 112 "-" "Go-http-client/1.1"
203.0.113.5 - - [10/Oct/2025:13:55:36 +0000] "POST /ts2021 HTTP/1.1" 101 0 "-" "Go-http-client/1.1"
203.0.113.5 - - [10/Oct/2025:13:55:37 +0000] "GET /derp HTTP/1.1" 101 0 "-" "Go-http-client/1.1"
203.0.113.5 - - [10/Oct/2025:13:55:37 +0000] "GET /derp/probe HTTP/1.1" 200 0 "-" "Go-http-client/1.1"
203.0.113.5 - - [10/Oct/2025:13:55:38 +0000] "POST /ts2021 HTTP/1.1" 499 0 "-" "Go-http-client/1.1"
{"level":"info","ts":1717000000.1,"logger":"http.log.access.log0","msg":"handled request","request":{"method":"POST","host":"hs.example.com","uri":"/ts2021"},"duration":3600.2,"size":0,"status":101}
[2025-04-28 23:18:19.658291] [router:host-http] [origin:hs.example.com] [client: 198.51.100.7] [useragent: Go-http-client/2.0] GET /key?v=131 200
2025-05-16T21:57:43.882Z (INFO) [SRVX] Running with Node.js 20.18.1
2025-05-16T21:57:46.013Z (INFO) [CTXT] OIDC: Configured
2025-06-02T10:11:12.345Z [config] INFO: Found a valid configuration file at /etc/headplane/config.yaml
[2023-05-10 02:25:39,254] INFO in helper: All startup checks passed.
2024/05/01 10:00:00 derper: serving on :443 with TLS
[ 8812.331001] Tasks state (memory values in pages):
Dec 05 03:12:44 vps systemd[1]: headscale.service: Killing process 4242 (headscale) with signal SIGKILL.
            "OOMKilled": false,
"""


def test_healthy_neighbours_have_no_finding(pipeline):
    assert _findings(pipeline, HEALTHY) == []


def test_headplane_oidc_discovery_trace_lines_are_oidc(pipeline):
    """Each meaningful line of the trace is oidc on its own, so the merged entry is too;
    a connect timeout to the IdP outranks the generic Node network error."""
    for line in (
        "    at async discovery (file:///app/build/server/assets/index-CD2MsUX2.js:207521:16)",
        "    at async createOidcClient (file:///app/build/server/assets/index-CD2MsUX2.js:235443:16)",
        "  [cause]: ConnectTimeoutError: Connect Timeout Error "
        "(attempted address: accounts.google.com:443, timeout: 10000ms)",
    ):
        assert _top(pipeline, line).category == "oidc", line


def test_headplane_cannot_reach_headscale_is_connection_refused(pipeline):
    top = _top(pipeline, "headplane  |   [cause]: ConnectTimeoutError: Connect Timeout Error "
                         "(attempted address: headscale.example.com:443, timeout: 10000ms)")
    assert top.category == "connection_refused"
    assert "headscale.example.com:443" in top.cause


def test_headplane_route_error_is_route(pipeline):
    top = _top(pipeline, 'HeadscaleError: {"code":2,"message":"route (localhost) is not available '
                         'on node 0.0.0.0/0: route is not available on node","details":[]}')
    assert top.category == "route"
    assert "advertise" in top.cause


def test_panel_list_preauthkey_missing_user_is_a_user_problem(pipeline):
    top = _top(pipeline, "2023-06-29 14:06:50 ERROR controller/preauthkey_controller.go:45 "
                         "headscale-panel/controller.(*preAuthKeyController).ListPreAuthKey not found "
                         "user: rpc error: code = Unknown desc = user not found")
    assert top.category == "user_not_found"


@pytest.mark.parametrize("line", [
    '[2025-04-28 23:18:19.814900] [router:host-http] [origin:hs.example.com:443] '
    '[client: 198.51.100.7] [useragent: Go-http-client/1.1] POST /ts2021 500',
    '203.0.113.5 - - [10/Oct/2025:13:55:36 +0000] "POST /ts2021 HTTP/1.1" 400 66 "-" "Go-http-client/1.1"',
])
def test_proxy_error_on_ts2021_is_the_upgrade_not_passed(pipeline, line):
    top = _top(pipeline, line)
    assert top.category == "noise_handshake"
    assert "proxy_set_header Upgrade $http_upgrade" in " ".join(top.fix)


def test_nginx_upstream_refused_on_ts2021_is_headscale_down_not_the_upgrade(pipeline):
    top = _top(pipeline, '2025/10/10 13:55:36 [error] 31#31: *7 connect() failed (111: Connection '
                         'refused) while connecting to upstream, client: 198.51.100.7, server: '
                         'hs.example.com, request: "POST /ts2021 HTTP/1.1", upstream: '
                         '"http://127.0.0.1:8080/ts2021", host: "hs.example.com"')
    assert top.category == "connection_refused"


@pytest.mark.parametrize("detail, words", [
    ("dial unix /var/run/tailscale/tailscaled.sock: connect: no such file or directory", "not mounted"),
    ("dial unix /var/run/tailscale/tailscaled.sock: connect: connection refused", "stopped"),
])
def test_derper_local_tailscaled_is_derp_with_the_local_cause(pipeline, detail, words):
    line = ("2024/05/01 10:00:00 derp: 198.51.100.7:41641: client nodekey:3a4b5c6d7e8f rejected: "
            "failed to query local tailscaled status for nodekey:3a4b5c6d7e8f: Get "
            '"http://local-tailscaled.sock/localapi/v0/whois?addr=nodekey%3A3a4b5c6d7e8f": ' + detail)
    top = _top(pipeline, line)
    assert top.category == "derp"
    assert words in top.cause


def test_kernel_oom_split_over_two_lines_is_oom_and_names_tailscaled(pipeline):
    top = _top(pipeline, "[49461.739303] Out of memory: \nKilled process 2004 (tailscaled) "
                         "total-vm:1313600kB, anon-rss:34604kB, file-rss:8kB, shmem-rss:0kB, UID:0 "
                         "pgtables:292kB oom_score_adj:0")
    assert top.category == "oom"
    assert "tailscaled" in top.cause


def test_admin_ui_policy_error_is_config_invalid(pipeline):
    top = _top(pipeline, 'setting policy: parsing policy: parsing policy from bytes: Username has '
                         'to contain @, got: "username"')
    assert top.category == "config_invalid"


def test_webui_data_volume_check_is_permission(pipeline):
    top = _top(pipeline, "[2023-05-10 02:25:39,254] ERROR in helper: /data/key.txt EXIST: FAILED - NO ERROR")
    assert top.category == "permission"
