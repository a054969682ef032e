"""Bundle report behaviours that a hand-made break once left the suite green (issue 15):
each test reads a fixture bundle through ``logsleuth report`` and asserts what the report
says, so that it fails when the behaviour breaks (named in each docstring)."""

from __future__ import annotations

import functools
import json

import pytest

from logsleuth import Options, analyze_bundle

from .conftest import FIXTURES, run_json

BUNDLES = FIXTURES / "bundles"
SEVERITY_ORDER = ("info", "warning", "error", "critical")


@functools.cache          # read-only: every test reads the same report
def report(name: str) -> dict:
    code, data = run_json(["report", str(BUNDLES / f"{name}.txt")])
    assert code in (0, 1), data.get("errors")
    return data


@pytest.fixture(scope="module")
def catalog_words(catalog):
    """Correlation id -> the causes its words say it makes redundant."""
    return {c.id: set(c.supersedes) for c in catalog.correlations}


@pytest.mark.parametrize("name", sorted(p.stem for p in BUNDLES.glob("*.txt")))
def test_a_cause_never_stands_beside_one_that_supersedes_it(name, catalog_words):
    """Breaks when ``supersedes`` of patterns/bundle.toml is ignored: the bundle cause and the
    narrower log-only correlation it replaces (crash_loop, sqlite_shared_by_two_instances)
    would both be listed."""
    ids = [c["id"] for c in report(name)["causes"]]
    for cause in ids:
        assert not catalog_words.get(cause, set()) & set(ids), (cause, ids)


@pytest.mark.parametrize("name, causes", [
    ("two-instances-v1", ["bundle.two_instances_share_sqlite", "config.management_ports_open"]),
    ("crashloop-crlf", ["bundle.headscale_not_running", "config.server_url_http",
                        "config.debug_logging"]),
    ("port-collision-config", ["bundle.headscale_not_running"]),
])
def test_a_bundle_cause_replaces_the_log_correlation_it_explains(name, causes):
    """Two headscale containers on one SQLite file are one cause, not also the log-only
    'two instances' correlation; a crash-looping container is one cause, not also 'crash loop'."""
    assert [c["id"] for c in report(name)["causes"]] == causes


@pytest.mark.parametrize("name, root", [("sqlite-corrupt-v1", "db.sqlite_corrupt"),
                                        ("tls-cert-not-mounted", "tls.certificate_setup_failed"),
                                        ("port-collision-config", "deploy.port_in_use"),
                                        ("crashloop-crlf", "deploy.port_in_use")])
def test_the_error_that_stopped_headscale_is_listed_before_the_stopped_container(name, root):
    """Breaks when a stopped container or offline nodes stop counting as symptoms (ranked
    after the problem that caused them)."""
    findings = report(name)["findings"]
    ids = [f["pattern_id"] for f in findings]
    assert ids.index(root) < ids.index("containers.headscale_down")
    down = next(f for f in findings if f["pattern_id"] == "containers.headscale_down")
    assert down["symptom"] is True


@pytest.mark.parametrize("name", ["unreachable-v022", "healthy-v022", "healthy-pty-v025",
                                  "tls-namespace-secrets"])
def test_offline_nodes_come_after_every_other_finding_of_their_severity(name):
    findings = report(name)["findings"]
    offline = next(i for i, f in enumerate(findings) if f["pattern_id"] == "nodes.offline")
    assert findings[offline]["symptom"] is True
    same = [i for i, f in enumerate(findings) if f["severity"] == findings[offline]["severity"]]
    assert offline == max(same), [f["pattern_id"] for f in findings]


@pytest.mark.parametrize("name", sorted(p.stem for p in BUNDLES.glob("*.txt")))
def test_no_symptom_outranks_a_cause_of_error_severity_or_more(name):
    """A symptom counts as at most an error: it never precedes a non-symptom finding that
    is an error or worse."""
    findings = report(name)["findings"]
    rank = SEVERITY_ORDER.index
    for i, earlier in enumerate(findings):
        for later in findings[i + 1:]:
            if earlier["symptom"] and not later["symptom"]:
                cap = min(rank(earlier["severity"]), rank("error"))
                assert rank(later["severity"]) < cap, [(f["pattern_id"], f["severity"]) for f in findings]


# (server_url, database, log level, oidc, tls) as each bundle's configuration section says
CONFIG_FACTS = {
    "healthy": ("https://hs.example.com", "sqlite", "info", True, False),
    "tls-namespace-secrets": ("http://gw.example.com:443", "postgres", None, True, True),
    "unreachable-v022": ("http://localhost:8080", "sqlite3", "info", False, False),
    "crashloop-crlf": ("http://203.0.113.10:8080", "postgres", "debug", False, False),
}


@pytest.mark.parametrize("name", sorted(CONFIG_FACTS))
def test_the_configuration_card_says_what_the_configuration_section_holds(name):
    """Breaks when a config fact (OIDC, TLS, log level, database) is read wrongly."""
    config = report(name)["facts"]["config"]
    got = (config["server_url"], config["database"], config["log_level"], config["oidc"], config["tls"])
    assert got == CONFIG_FACTS[name]


@pytest.mark.parametrize("name", sorted(p.stem for p in BUNDLES.glob("*.txt")))
def test_the_oidc_fact_and_the_oidc_checklist_item_agree(name):
    data = report(name)
    status = {c["id"]: c["status"] for c in data["checks"]}["enable_oidc"]
    if data["facts"]["config"]["valid"]:
        assert status == ("pass" if data["facts"]["config"]["oidc"] else "fail")


BUNDLE_SECRETS = {"tls-namespace-secrets": ["Sup3rS3cretDbPass", "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a6978"],
                  "crashloop-crlf": ["hunter2-db-pass"], "renamed-keys-v023": ["Pa55w0rdInConfig"]}


@pytest.mark.parametrize("name", sorted(BUNDLE_SECRETS))
def test_the_library_report_holds_no_secret_of_the_bundle(name):
    """The result that leaves the library (not only what the CLI prints) is masked."""
    result = json.dumps(analyze_bundle(str(BUNDLES / f"{name}.txt"), Options()).to_dict(),
                        ensure_ascii=False)
    assert "[REDACTED]" in result
    assert [s for s in BUNDLE_SECRETS[name] if s in result] == []


def test_the_library_report_shows_a_config_password_when_asked_not_to_redact():
    result = analyze_bundle(str(BUNDLES / "renamed-keys-v023.txt"), Options(redact=False))
    assert "Pa55w0rdInConfig" in json.dumps(result.to_dict(), ensure_ascii=False)
