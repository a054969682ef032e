"""Classification: priority, continuation entries, unknown templates, redaction."""

from __future__ import annotations

from .conftest import FIXTURES, analyze_text


def test_most_specific_pattern_wins(pipeline):
    line = '2026-07-14T12:00:31Z ERR Failed to persist auto-approved routes error="database is locked (5) (SQLITE_BUSY)" node.id=7\n'
    result = analyze_text(pipeline, line)
    assert [f.pattern_id for f in result.findings] == ["net.route_persist_failed"]


def test_sqlite_out_of_memory_14_is_a_path_problem_not_oom(pipeline):
    result = analyze_text(pipeline, "Error: initializing: creating new headscale: init state: initializing database: unable to open database file: out of memory (14)\n")
    assert [f.category for f in result.findings] == ["database_other"]


def test_benign_warnings_are_neither_findings_nor_unknown(pipeline):
    text = ("2026-07-14T09:12:03Z WRN An updated version of Headscale has been found (v0.29.2 vs. your current v0.28.0). Check it out https://github.com/juanfont/headscale/releases\n\n"
            "2026-07-14T09:12:03Z WRN gRPC is running without security\n")
    result = analyze_text(pipeline, text)
    assert result.findings == [] and result.unknown == []


def test_userinfo_notice_is_informational_only(pipeline):
    line = '2026-07-14T10:34:20Z ERR github.com/juanfont/headscale/hscontrol/util/log.go:16 > could not get userinfo; only using claims from id token error="oidc: user info endpoint is not supported by this provider"\n'
    result = analyze_text(pipeline, line)
    assert [(f.category, f.severity) for f in result.findings] == [("oidc", "info")]
    assert result.causes == []


def test_deprecation_block_is_one_entry_with_all_keys(pipeline):
    result = pipeline.analyze([str(FIXTURES / "deprecation-block.log")])
    assert [(f.pattern_id, f.count) for f in result.findings] == [("deploy.config_key_removed", 1)]
    keys = result.findings[0].fields["key"]
    assert set(keys) == {"dns_config.magic_dns", "dns_config.base_domain"}
    assert result.findings[0].first_seen is not None          # the header's time
    assert result.lines.matched == 3


def test_runtime_oom_pair_is_one_entry_and_an_unknown_panic_is_a_crash(pipeline):
    result = pipeline.analyze([str(FIXTURES / "oom-panic.log")])
    counts = {f.pattern_id: f.count for f in result.findings}
    assert counts == {"perf.go_out_of_memory": 1, "perf.container_exit_137": 1,
                      "crash.unexplained_fatal": 1, "crash.container_exited": 2}
    assert result.unknown == []
    crash = next(f for f in result.findings if f.category == "crash" and not f.symptom)
    assert crash.severity == "critical" and "nil pointer dereference" in crash.template
    assert "batcher.go:117" in crash.samples[0]          # the trace is part of the evidence
    exits = [f for f in result.findings if f.symptom]
    assert result.findings[-len(exits):] == exits         # exits rank after what explains them


def test_v023_paired_auth_failure_lines_count_once(pipeline):
    result = pipeline.analyze([str(FIXTURES / "sample.log")])
    counts = {f.pattern_id: f.count for f in result.findings}
    assert counts["auth.preauth_key_expired"] == 2
    assert "auth.preauth_failed" not in counts


def test_unknown_errors_are_grouped_into_templates(pipeline):
    text = "".join(
        f'2026-07-14T12:1{i}:00Z ERR reloading policy error="loading policy: open /etc/headscale/acl{i}.hujson: no such file or directory"\n'
        for i in range(5))
    text += "2026-07-14T12:20:00Z WRN skipping invalid localpart entry \"x\" during SSH compilation\n"
    result = analyze_text(pipeline, text)
    assert result.findings == []
    assert [u.count for u in result.unknown] == [5, 1]
    assert "<n>" in result.unknown[0].template


def test_secrets_are_redacted_in_samples_and_unknown(pipeline):
    key = "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718"
    text = (f'2024-11-04T09:30:12+01:00 ERR auth.go:252 > Failed authentication via AuthKey error="AuthKey expired" key={key} node=x\n'
            '2026-07-14T12:00:00Z ERR cannot reach postgres://headscale:s3cretpw@db:5432/headscale error="x"\n')
    result = analyze_text(pipeline, text)
    dumped = str(result.to_dict())
    assert key not in dumped and "s3cretpw" not in dumped
    assert "[REDACTED]" in dumped


def test_pasted_json_error_body_is_one_entry_of_its_known_line(pipeline):
    """A browser-shown OAuth error body: every line of the document is evidence of the oidc
    finding, not only the one line a pattern knows."""
    text = ('{\n  "code": "OAUTH_RESPONSE_BODY_ERROR",\n  "error": {\n    "name": "invalid_client",\n'
            '    "description": "Client secret mismatch for client headplane-web"\n  }\n}\n')
    result = analyze_text(pipeline, text)
    assert [(f.category, f.count) for f in result.findings] == [("oidc", 1)]
    assert result.lines.matched == 7 and result.unknown == []


def test_pasted_json_document_that_says_nothing_known_is_neither_finding_nor_unknown(pipeline):
    text = ('{\n  "Regions": {\n    "901": {\n      "RegionID": 901,\n      "RegionCode": "fra",\n'
            '      "Nodes": []\n    }\n  }\n}\n'
            '2026-07-14T09:12:03Z INF listening and serving HTTP on: 0.0.0.0:8080\n')
    result = analyze_text(pipeline, text)
    assert result.findings == [] and result.unknown == []


def test_a_pasted_document_listing_problems_of_several_kinds_reports_each(pipeline):
    """``tailscale status --json``: its Health list names independent problems; the document
    takes the category of the first, and a problem of another kind is not swallowed."""
    text = ('{\n  "Version": "1.76.6-t1234abcd-gabcdef123",\n  "BackendState": "Running",\n'
            '  "Health": [\n    "not connected to home DERP region 900",\n'
            '    "Unable to connect to the Tailscale coordination server to synchronize the '
            'state of your tailnet. Peer reachability might degrade over time."\n  ],\n'
            '  "MagicDNSSuffix": "tailnet.example.com"\n}\n')
    result = analyze_text(pipeline, text)
    assert sorted((f.category, f.count) for f in result.findings) == [
        ("derp", 1), ("node_offline", 1)]
    assert result.unknown == []
