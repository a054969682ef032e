"""Diagnostic bundles: section parsers, each rule on its own, and whole bundles end to end."""

from __future__ import annotations

import re
import tomllib

import pytest

from logsleuth.bundle.checklist import CHECKLIST
from logsleuth.bundle.checks import (CHECKS, duplicate_ip, headscale_down, listen_port_mismatch,
                                     management_ports_open, oidc_inconsistent, renamed_keys,
                                     server_url_private, server_url_unreachable, stale)
from logsleuth.bundle.context import Context
from logsleuth.bundle.correlations import (CORRELATIONS, clients_cannot_reach_server,
                                           two_instances_share_sqlite)
from logsleuth.bundle.deployment import Deployment, adapt_fix, detect
from logsleuth.bundle.model import Bundle, Container, Node
from logsleuth.bundle.registry import registry_problems
from logsleuth.bundle.report import report, report_bytes
from logsleuth.bundle.sections import parse_bundle
from logsleuth.catalog import load_catalog
from logsleuth.result import Finding

from .conftest import FIXTURES, run_cli, run_json

BUNDLES = FIXTURES / "bundles"


def bundle(name: str) -> Bundle:
    return parse_bundle((BUNDLES / name).read_bytes())


# ------------------------------------------------------------------ parsers

def test_compose_v2_table_with_restart_loop_and_crlf():
    b = bundle("crashloop-crlf.txt")
    assert (b.compose_generation, b.compose_version, b.kernel) == (2, "2.21.0", "6.5.0-35-generic")
    hs = [c for c in b.containers if c.is_headscale]
    assert [(c.name, c.state, c.exit_code) for c in hs] == [("headscale-1", "restarting", 1)]
    assert not [c for c in b.containers if c.name == "postgres-1"][0].is_headscale
    assert any("node list could not be read" in n for n in b.note_texts("en"))


def test_compose_v1_table_and_v022_machine_nodes():
    b = bundle("two-instances-v1.txt")
    assert b.compose_generation == 1
    assert [(c.name, c.state, c.is_headscale) for c in b.containers] == [
        ("headscale_headscale_1", "up", True), ("headscale_headscale_2", "up", True),
        ("headscale_ui_1", "up", False)]
    assert b.nodes_wording == "machine/user" and len(b.nodes) == 3


def test_v023_node_table_and_healthy_container():
    b = bundle("healthy.txt")
    assert b.nodes_wording == "node/user"
    assert b.nodes[0].ips == ["100.64.0.1", "fd7a:115c:a1e0::1"] and b.nodes[0].online is True
    assert b.containers[0].health == "healthy"


def test_namespace_era_node_table():
    b = bundle("tls-namespace-secrets.txt")
    assert b.nodes_wording == "machine/namespace"
    assert [(n.name, n.user, n.ips) for n in b.nodes] == [("office-1", "office", ["100.64.0.1"]),
                                                          ("office-2", "office", ["100.64.0.2"])]


def test_truncated_bundle_with_junk_and_invalid_yaml_gives_notes_not_errors():
    b = bundle("truncated-junk.txt")
    assert b.config is None and "line 3" in b.config_error
    notes = " | ".join(b.note_texts("en"))
    assert "binary data" in notes and "'containers' is missing" in notes and "cut short" in notes


@pytest.mark.parametrize("raw", [b"", b"\x00\x01\x02" * 100, b"=== Nodes ===\nID | Name\n1 |",
                                 b"=== Configuration ===\n: : :\n\t- [", "=== Recent Logs ===\r\n".encode()])
def test_parser_never_raises_on_garbage(raw):
    parse_bundle(raw)


def test_sections_out_of_order_and_extra_blank_lines():
    raw = b"\n\n=== Nodes ===\n\nID | Name | User | IP addresses | Last seen | Connected | Expired\n1 | a | u | 100.64.0.9 | 2024-01-01 00:00:00 | online | no\n\n=== System Info ===\nLinux h 6.1.0 x\n"
    b = parse_bundle(raw)
    assert b.kernel == "6.1.0" and b.nodes[0].ips == ["100.64.0.9"]


# ------------------------------------------------------------------ rules, one by one

def ctx(config=None, containers=(), nodes=(), logs=(), sections=None) -> Context:
    b = Bundle(sections=sections or {}, config=config, containers=list(containers), nodes=list(nodes))
    return Context(b, list(logs))


def container(name, state="up", ports="") -> Container:
    return Container(name, "headscale", "headscale/headscale:0.23.0", "headscale serve", state,
                     None, None, ports)


def node(name, ips, seen="2024-06-01", online=True):
    from datetime import datetime, timezone
    return Node("1", name, "u", ips, datetime.fromisoformat(seen).replace(tzinfo=timezone.utc), online, False)


def finding(category, severity="error", samples=("line",), pattern_id="x"):
    return Finding(pattern_id, category, severity, "t", 1, None, None, [], list(samples), "c", [], "g")


@pytest.mark.parametrize("url, fires", [("http://localhost:8080", True), ("http://127.0.0.1:8080", True),
                                        ("http://0.0.0.0:8080", True), ("https://hs.example.com", False)])
def test_server_url_unreachable(url, fires):
    assert bool(server_url_unreachable(ctx({"server_url": url}))) is fires


@pytest.mark.parametrize("url, fires", [("http://192.168.1.5:8080", True), ("http://10.0.0.2", True),
                                        ("http://203.0.113.10:8080", False), ("https://hs.example.com", False)])
def test_server_url_private(url, fires):
    assert bool(server_url_private(ctx({"server_url": url}))) is fires


def test_listen_port_mismatch_only_with_an_explicit_port():
    assert listen_port_mismatch(ctx({"server_url": "http://1.2.3.4:8081", "listen_addr": "0.0.0.0:8080"}))
    assert not listen_port_mismatch(ctx({"server_url": "https://hs.example.com", "listen_addr": "0.0.0.0:8080"}))


def test_oidc_callback_must_be_under_server_url():
    hits = oidc_inconsistent(ctx({"server_url": "https://hs.example.com",
                                  "oidc": {"issuer": "https://sso", "redirect_url": "https://other/cb"}}))
    assert hits and hits[0].values["callback"] == "https://hs.example.com/oidc/callback"
    assert not oidc_inconsistent(ctx({"server_url": "https://hs.example.com", "oidc": {"issuer": "https://sso"}}))


@pytest.mark.parametrize("config, ports, exposed", [
    ({"metrics_listen_addr": "0.0.0.0:9090"}, "0.0.0.0:50443->50443/tcp", "headscale publishes 0.0.0.0:50443->50443"),
    ({}, ":::9090->9090/tcp", "headscale publishes :::9090->9090"),
    ({"metrics_listen_addr": "0.0.0.0:9091"}, "0.0.0.0:19091->9091/tcp", "publishes 0.0.0.0:19091->9091"),
    ({"metrics_listen_addr": "0.0.0.0:9090"}, "127.0.0.1:9090->9090/tcp, 0.0.0.0:8080->8080/tcp", None),
    ({"metrics_listen_addr": "0.0.0.0:9090"}, "8080/tcp, 9090/tcp", None),
])
def test_management_ports_of_a_container_are_decided_by_what_it_publishes(config, ports, exposed):
    hits = management_ports_open(ctx(config, [container("headscale", ports=ports)]))
    assert (hits[0].values["ports"] if hits else None) == exposed or exposed in hits[0].values["ports"]


def test_management_ports_without_containers_are_decided_by_the_config():
    hits = management_ports_open(ctx({"metrics_listen_addr": "0.0.0.0:9090", "grpc_listen_addr": "127.0.0.1:50443"}))
    assert hits[0].values["ports"] == "metrics_listen_addr 0.0.0.0:9090"
    assert not management_ports_open(ctx({"metrics_listen_addr": "127.0.0.1:9090"}))


def versioned(image: str, config: dict) -> Context:
    return ctx(config, [Container("headscale", "headscale", image, "headscale serve", "up", None, None, "")])


def test_renamed_keys_are_named_for_the_running_version():
    hits = renamed_keys(versioned("headscale/headscale:0.23.0",
                                  {"node_update_check_interval": "10s", "db_type": "sqlite3",
                                   "ephemeral_node_inactivity_timeout": "30m"}))
    keys = hits[0].values["keys"]
    assert "node_update_check_interval → - (0.23)" in keys
    assert "db_type → database.type (0.23)" in keys
    assert "0.29" not in keys and hits[0].values["version"] == "0.23.0"


def test_a_022_server_keeps_its_keys_and_is_told_about_new_layout_keys():
    assert not renamed_keys(versioned("headscale/headscale:0.22.3", {"db_type": "sqlite3", "dns_config": {}}))
    hits = renamed_keys(versioned("headscale/headscale:v0.22.3", {"database": {"type": "sqlite"}}))
    assert "database.type (0.23+) → db_type" in hits[0].values["keys"]


def test_renamed_keys_stay_quiet_when_the_version_is_unknown():
    assert not renamed_keys(ctx({"db_type": "sqlite3"}))


def test_duplicate_ips_name_the_nodes():
    hits = duplicate_ip(ctx(nodes=[node("a", ["100.64.0.2"]), node("b", ["100.64.0.2"]), node("c", ["100.64.0.3"])]))
    assert hits[0].values["duplicates"] == "100.64.0.2: a, b"


def test_stale_nodes_relative_to_the_bundle_time():
    hits = stale(ctx(nodes=[node("fresh", [], "2024-06-01"), node("old", [], "2024-04-01")]))
    assert hits[0].values["names"] == "old"


def test_headscale_down_and_two_instances():
    assert headscale_down(ctx(containers=[container("hs", "restarting")]))
    assert not headscale_down(ctx(containers=[container("hs", "up")]))
    two = ctx(containers=[container("headscale-1"), container("headscale-2")],
              logs=[finding("database_locked", samples=["locked line"])])
    hit = two_instances_share_sqlite(two, [])[0]
    assert "[containers] headscale-1: up" in hit.evidence and "[logs] locked line" in hit.evidence
    assert not two_instances_share_sqlite(ctx(containers=[container("headscale-1")],
                                              logs=[finding("database_locked")]), [])


def test_clients_cannot_reach_needs_both_sections():
    c = ctx({"server_url": "http://localhost:8080"}, nodes=[node("a", [], online=False)])
    unreachable = finding("config_invalid", pattern_id="config.server_url_unreachable")
    assert clients_cannot_reach_server(c, [unreachable])
    assert not clients_cannot_reach_server(c, [])


# ------------------------------------------------------------------ whole bundles

EXPECTED = tomllib.loads((BUNDLES / "expected.toml").read_text(encoding="utf-8"))


def test_every_fixture_bundle_states_what_it_expects():
    assert sorted(EXPECTED) == sorted(p.stem for p in BUNDLES.glob("*.txt"))
    assert len(EXPECTED) >= 16


def test_fixture_bundles_cover_every_check():
    covered = {i for want in EXPECTED.values() for i in want["findings"]}
    assert set(CHECKS) - covered == {"config.sqlite_many_nodes"}     # 101 nodes: samples only


def fact(facts: dict, dotted: str):
    value = facts
    for key in dotted.split("."):
        value = value[key]
    return value


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_bundle_end_to_end(name):
    code, data = run_json(["report", str(BUNDLES / f"{name}.txt")])
    want = EXPECTED[name]
    assert code == want["exit"]
    top = data["causes"][0] if data["causes"] else {"id": "none"}
    assert top["id"] == want["top"]
    assert top.get("category") == want.get("top_category", top.get("category"))
    assert want.get("top_says", "") in top.get("title", "")
    assert not want.get("fix_says") or any(want["fix_says"] in line for line in top["fix"]), top["fix"]
    for path, value in want["facts"].items():
        assert fact(data["facts"], path) == (None if value == "null" else value), path
    found = {f["pattern_id"] for f in data["findings"]}
    assert {i for i in found if i in CHECKS} == {i for i in want["findings"] if i in CHECKS}
    assert set(want["findings"]) <= found
    if want["exit"] == 0:
        assert {f["severity"] for f in data["findings"]} <= {"info"}
    assert [c["id"] for c in data["checks"]] == ["use_https", "enable_oidc", "firewall_rules",
                                                 "update_headscale", "backup_data", "review_access_logs",
                                                 "restrict_management_ports", "strong_keys"]


def test_healthy_bundle_has_no_error_findings_and_passes_the_checks_it_can_see():
    code, data = run_json(["report", str(BUNDLES / "healthy.txt")])
    assert code == 0 and data["findings"] == []
    status = {c["id"]: c["status"] for c in data["checks"]}
    assert status["use_https"] == status["enable_oidc"] == status["restrict_management_ports"] == "pass"


def test_two_instances_cause_cites_both_sections():
    _, data = run_json(["report", str(BUNDLES / "two-instances-v1.txt")])
    evidence = data["causes"][0]["evidence"]
    assert any(e.startswith("[containers]") for e in evidence)
    assert any(e.startswith("[logs]") and "database is locked" in e for e in evidence)


def test_nodes_problems_are_named():
    _, data = run_json(["report", str(BUNDLES / "unreachable-v022.txt")])
    by_id = {f["pattern_id"]: f for f in data["findings"]}
    assert "100.64.0.2: pi-garage, phone" in by_id["nodes.duplicate_ip"]["cause"]
    assert "old-phone, tablet" in by_id["nodes.stale"]["cause"]
    assert "http://localhost:8080" in by_id["config.server_url_unreachable"]["cause"]
    assert data["facts"]["nodes"]["expired"] == ["old-phone"]


def test_not_running_cause_names_the_fatal_line():
    _, data = run_json(["report", str(BUNDLES / "crashloop-crlf.txt")])
    cause = data["causes"][0]
    assert "port headscale needs is already in use" in cause["title"]
    assert any("address already in use" in e for e in cause["evidence"])


def test_analyze_hands_a_bundle_to_report():
    _, data = run_json([str(BUNDLES / "two-instances-v1.txt")])
    assert "facts" in data and data["causes"][0]["id"] == "bundle.two_instances_share_sqlite"


SECRETS = ["hunter2-db-pass", "Sup3rS3cretDbPass", "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a6978",
           "Pa55w0rdInConfig"]


@pytest.mark.parametrize("fmt", ["json", "text", "markdown", "rich"])
def test_no_bundle_secret_in_any_format(fmt):
    for name in ("tls-namespace-secrets.txt", "crashloop-crlf.txt", "renamed-keys-v023.txt"):
        out = run_cli(["report", str(BUNDLES / name), "--format", fmt]).stdout
        for secret in SECRETS:
            assert secret not in out, (name, fmt, secret)


def test_bundle_with_secrets_says_so_and_no_redact_shows_them():
    _, data = run_json(["report", str(BUNDLES / "tls-namespace-secrets.txt")])
    assert any("contains secrets" in note for note in data["notes"])
    raw = run_cli(["report", str(BUNDLES / "renamed-keys-v023.txt"), "--format", "json", "--no-redact"]).stdout
    assert "db_pass: Pa55w0rdInConfig" in raw


def test_unreadable_bundle_is_one_line_and_exit_3(tmp_path):
    result = run_cli(["report", str(tmp_path / "missing.txt")])
    assert result.exit_code == 3 and result.stdout == ""
    assert result.stderr.count("\n") == 1 and "missing.txt" in result.stderr


def test_markdown_bundle_report_has_the_checklist_table():
    out = run_cli(["report", str(BUNDLES / "unreachable-v022.txt"), "--format", "markdown", "--lang", "zh"]).stdout
    assert "### 安全检查清单" in out and "| FAIL | 使用 HTTPS |" in out


# ------------------------------------------------------------------ deployment, parsing edges

def test_pty_captured_node_table_with_ansi_crlf_and_a_lone_cr():
    b = bundle("healthy-pty-v025.txt")
    assert b.nodes_wording == "node/user"
    assert [(n.name, n.online, n.expired) for n in b.nodes] == [
        ("desktop", True, False), ("laptop-li", False, False), ("laptop-mo", False, True)]


@pytest.mark.parametrize("name, kind, version, family", [
    ("crashloop-crlf.txt", "compose-v2", "0.23.0", "0.23-0.26"),
    ("two-instances-v1.txt", "compose-v1", None, "0.18-0.22"),
    ("tls-namespace-secrets.txt", "compose-v1", None, "<0.18"),
    ("systemd-sqlite-corrupt.txt", "systemd", None, "0.23+"),
    ("kubernetes-oidc-issuer.txt", "kubernetes", None, "0.23+"),
    ("metrics-published-v027.txt", "compose-v2", "0.27.1", "0.27+"),
    ("sqlite-corrupt-v1.txt", "compose-v1", None, None),
])
def test_deployment_kind_and_version(name, kind, version, family):
    found = detect(bundle(name))
    assert (found.kind, found.version, found.family) == (kind, version, family)


def test_journald_logs_alone_show_systemd():
    b = parse_bundle(b"=== Recent Logs ===\nOct 08 06:02:12 hs headscale[1843]: 2024-10-08T06:02:12Z INF ok\n")
    assert detect(b).kind == "systemd"


@pytest.mark.parametrize("kind, line, want", [
    ("compose-v2", "docker-compose restart", "docker compose restart headscale"),
    ("compose-v1", "docker compose logs headscale | grep -i oidc", "docker-compose logs --tail=100 headscale | grep -i oidc"),
    ("systemd", "docker-compose exec headscale headscale config show | grep -A 10 oidc", "sudo headscale config show | grep -A 10 oidc"),
    ("systemd", "docker-compose logs --tail=100 headscale", "journalctl -u headscale -n 100 --no-pager"),
    ("openrc", "./scripts/manage.sh restart   # restart", "sudo rc-service headscale restart   # restart"),
    ("kubernetes", "docker-compose ps", "kubectl get pods -l app.kubernetes.io/name=headscale"),
    ("compose-v2", "make backup", "make backup   # the guide's helper, if your setup has it"),
    ("systemd", "sudo netstat -tulpn | grep 8080", "sudo netstat -tulpn | grep 8080"),
])
def test_fix_lines_are_spelled_for_the_deployment(kind, line, want):
    assert adapt_fix(line, Deployment(kind, None, None, None, None)) == want


def test_a_bundle_on_stdin_is_reported_like_a_named_file():
    raw = (BUNDLES / "port-collision-config.txt").read_bytes()
    code, data = run_json([], stdin=raw)
    assert code == 1 and data["sources"] == ["<stdin>"]
    assert data["causes"][0]["title"].startswith("Two listeners in config.yaml share port 8080")


def test_report_on_a_plain_log_says_so_and_analyses_it():
    code, data = run_json(["report", str(FIXTURES / "sample.log")])
    assert "is not a diagnostic bundle" in data["notes"][0] and "facts" not in data
    assert data["findings"] and code == 1


# ------------------------------------------------------------------ every bundle rule proves itself

PLACEHOLDER = re.compile(r"\{[a-z_]+\}")
_CATALOG = load_catalog()
RULE_SAMPLES = [
    pytest.param(kind, entry.id, text, fires, id=f"{entry.id}-{'fires' if fires else 'quiet'}{i}")
    for kind, entries in (("check", _CATALOG.checks), ("checklist", _CATALOG.checklist),
                          ("correlation", [c for c in _CATALOG.correlations if c.id.startswith("bundle.")]))
    for entry in entries
    for fires, samples in ((True, entry.samples_match), (False, entry.samples_no_match))
    for i, text in enumerate(samples)
]


def fired(analysis, kind: str, rule_id: str) -> list[str]:
    """The texts a rule produced on a bundle (empty when it stayed quiet)."""
    if kind == "checklist":
        return [c["evidence"] for c in analysis.checks if c["id"] == rule_id and c["status"] == "fail"]
    items = analysis.findings if kind == "check" else analysis.causes
    return [text for item in items if getattr(item, "pattern_id", getattr(item, "id", None)) == rule_id
            for text in (item.title, getattr(item, "cause", getattr(item, "explanation", "")), *item.fix)]


@pytest.mark.parametrize("kind, rule_id, text, fires", RULE_SAMPLES)
def test_bundle_rule_samples(pipeline, kind, rule_id, text, fires):
    analysis = report_bytes(pipeline, text.encode(), "sample")
    texts = fired(analysis, kind, rule_id)
    assert bool(texts) is fires
    assert not [t for t in texts if PLACEHOLDER.search(t)], texts


def test_every_bundle_rule_has_words_and_samples_and_nothing_else(catalog):
    assert registry_problems(catalog) == []
    assert len(RULE_SAMPLES) >= 2 * (len(CHECKS) + len(CORRELATIONS)) + len(CHECKLIST)


def test_a_rule_without_words_fails_the_report(catalog, monkeypatch):
    monkeypatch.setitem(CHECKS, "config.unworded", lambda ctx: [])
    assert "config.unworded: a rule without words" in registry_problems(catalog)[0]
    result = run_cli(["report", str(BUNDLES / "healthy.txt")])
    assert result.exit_code == 2 and "config.unworded" in result.stderr and "Traceback" not in result.stderr


# ------------------------------------------------------------------ --lang zh

ENGLISH_SENTENCE = re.compile(r"[A-Za-z]+(?: [a-z]+){3,}")
CJK = re.compile(r"[\u4e00-\u9fff]")


def prose(text: str) -> str:
    """A text without what stays as it is in Chinese: commands (a fix line's part before
    ``#``), quotes, values in （）, placeholders and URLs."""
    if "#" in text:
        text = text.partition("#")[2]
    elif not CJK.search(text):
        return ""                               # a command line
    return re.sub(r"'[^']*'|\"[^\"]*\"|`[^`]*`|（[^）]*）|\{[a-z_]+\}|https?://\S+", "", text)


def bundle_words(catalog):
    return [*catalog.checks, *(c for c in catalog.correlations if c.id.startswith("bundle."))]


def test_every_bundle_rule_speaks_the_guides_chinese(catalog):
    for entry in bundle_words(catalog):
        assert entry.title_zh and entry.cause_zh and entry.fix_zh, entry.id
        for text in (entry.title_zh, entry.cause_zh, *entry.fix_zh):
            assert not ENGLISH_SENTENCE.search(prose(text)), (entry.id, text)
    assert all(item.title_zh for item in catalog.checklist)


@pytest.mark.parametrize("name", ["crashloop-crlf", "unreachable-v022", "truncated-junk",
                                  "tls-namespace-secrets", "sqlite-corrupt-v1", "two-instances-v1"])
def test_zh_bundle_report_has_chinese_notes_checklist_and_rule_texts(name):
    _, data = run_json(["report", str(BUNDLES / f"{name}.txt"), "--lang", "zh"])
    assert all(CJK.match(note) for note in data["notes"]), data["notes"]
    assert all(CJK.search(c["evidence"]) or ":" in c["evidence"] for c in data["checks"])
    texts = [t for f in data["findings"] if f["pattern_id"] in CHECKS
             for t in (f["title"], f["cause"], *f["fix"])]
    texts += [c["title"] for c in data["causes"] if c["id"].startswith("bundle.")]
    assert texts and not [t for t in texts if ENGLISH_SENTENCE.search(prose(t))]
    assert any("docker-compose" in note or "v1" in note for note in data["facts"]["system"]["notes"]) \
        == (data["facts"]["system"]["compose_generation"] == 1)
    assert all(CJK.search(note) for note in data["facts"]["system"]["notes"])


@pytest.mark.parametrize("line, version", [
    ("headscale  | 2024-06-01T10:00:00Z INF An updated version of Headscale has been found "
     "(0.23.0 vs. your current 0.22.3). Check it out https://github.com/juanfont/headscale/releases", "0.22.3"),
    ("headscale  | 2025-01-15T10:00:00Z INF Starting headscale commit=a1b2c3 version=v0.24.1", "0.24.1"),
    ("headscale  | 2025-01-15T10:00:00Z INF listening and serving HTTP on: 0.0.0.0:8080", None),
])
def test_version_from_a_log_line(line, version):
    assert detect(parse_bundle(f"=== Recent Logs ===\n{line}\n".encode())).version == version


def test_commands_name_the_compose_service_that_runs_headscale():
    table = ("=== Container Status ===\n"
             "NAME    IMAGE                        COMMAND             SERVICE   CREATED      STATUS       PORTS\n"
             "vpn-1   headscale/headscale:0.23.0   \"headscale serve\"   vpn       2 days ago   Up 2 days\n")
    found = detect(parse_bundle(table.encode()))
    assert found.service == "vpn"
    assert adapt_fix("docker-compose exec headscale headscale nodes list", found) == \
        "docker compose exec vpn headscale nodes list"


def test_json_node_list():
    raw = b'''=== Nodes ===
[
  {"id": 1, "name": "laptop", "given_name": "laptop", "user": {"id": 1, "name": "anna"},
   "ip_addresses": ["100.64.0.1", "fd7a:115c:a1e0::1"], "last_seen": {"seconds": 1730712592}, "online": true},
  {"id": 2, "name": "nas", "user": {"name": "anna"}, "ip_addresses": ["100.64.0.1"],
   "last_seen": "2024-11-04T09:20:11Z", "online": false}
]
'''
    b = parse_bundle(raw)
    assert [(n.id, n.name, n.user, n.online) for n in b.nodes] == [("1", "laptop", "anna", True),
                                                                    ("2", "nas", "anna", False)]
    assert b.nodes[0].last_seen.isoformat() == "2024-11-04T09:29:52+00:00"
    assert duplicate_ip(Context(b, []))[0].values["duplicates"] == "100.64.0.1: laptop, nas"


@pytest.mark.parametrize("raw", [b"=== Nodes ===\n[1, 2", b"=== Nodes ===\n[{\"id\": 1, \"user\": 5, \"last_seen\": {\"seconds\": \"x\"}}]",
                                 b"=== Nodes ===\n" + b"[" * 100_000 + b"]" * 100_000])
def test_broken_json_node_lists_do_not_raise(raw):
    parse_bundle(raw)


@pytest.mark.parametrize("text, kind", [
    ("=== Container Status ===\n * status: crashed\n=== System Info ===\nLinux alpine 6.6.8-0-lts x86_64 Linux\n", "openrc"),
    ("=== Container Status ===\nbash: docker-compose: command not found\n", "binary"),
    ("=== System Info ===\nLinux h 6.1.0 x\n", "unknown"),
])
def test_openrc_bare_binary_and_unknown_deployments(text, kind):
    assert detect(parse_bundle(text.encode())).kind == kind


def test_a_crashed_openrc_service_leads_with_the_error_that_stopped_it(pipeline):
    raw = ("=== Container Status ===\n * status: crashed\n=== Recent Logs ===\n"
           "2024-10-02T17:03:11Z FTL Migration failed: database disk image is malformed (11)\n"
           "=== Configuration ===\ndatabase:\n  type: sqlite\n  sqlite:\n    path: /var/lib/headscale/db.sqlite\n")
    top = report_bytes(pipeline, raw.encode(), "openrc").causes[0]
    assert top.id == "bundle.headscale_not_running" and top.category == "database_corrupt"
    assert "sudo rc-service headscale stop   # stop headscale first" in top.fix
    assert "headscale (OpenRC) is crashed" in top.explanation


def test_a_derp_map_failure_outranks_a_duplicate_node_ip(pipeline, tmp_path):
    """The DERP map failure takes every client's relay away; two devices sharing an IP is
    narrower (issue 13's ranking case)."""
    text = (FIXTURES / "bundles" / "unreachable-v022.txt").read_text()
    text = text.replace("=== Recent Logs ===\n", "=== Recent Logs ===\nheadscale  | 2024-11-04T08:15:45Z ERR "
                        'failed to build new DERPMap error="dial tcp: lookup controlplane.tailscale.com: no such host"\n', 1)
    bundle = tmp_path / "diagnostic-report.txt"
    bundle.write_text(text)
    ids = [f.pattern_id for f in report(pipeline, str(bundle)).findings]
    assert ids.index("net.derp_map_unavailable") < ids.index("nodes.duplicate_ip")


@pytest.mark.parametrize("name", ["healthy.txt", "truncated-junk.txt"])
def test_bundle_facts_speak_chinese_with_lang_zh(name):
    text = run_cli(["report", str(FIXTURES / "bundles" / name), "--lang", "zh", "--format", "text"]).stdout
    for english in ("containers up", " lines, ", "matched", "log level", "invalid YAML", " nodes: ",
                    "deployment ", "None"):
        assert english not in text, english
