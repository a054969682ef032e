"""Every catalog entry proves itself; the linter rejects what is not portable."""

from __future__ import annotations

from pathlib import Path

import pytest

from logsleuth.catalog import CATEGORIES, CatalogError, load_catalog
from logsleuth.envelope import strip_controls
from logsleuth.catalog.lint import lint_catalog
from logsleuth.catalog.portable import lint_regex, scan_form

from .conftest import analyze_text


def test_catalog_lints_clean(catalog):
    assert lint_catalog(catalog) == []


def test_every_category_has_patterns(catalog):
    assert {p.category for p in catalog.patterns} == set(CATEGORIES)


def test_every_pattern_has_samples_cause_fix_and_chinese(catalog):
    for p in catalog.patterns:
        assert p.samples_match and p.samples_no_match, p.id
        assert p.cause and p.fix and p.guide, p.id
        assert p.cause_zh and p.title_zh, p.id


def _entries(catalog):
    return [pytest.param(p, id=p.id) for p in catalog.patterns]


@pytest.mark.parametrize("pattern", _entries(load_catalog()))
def test_near_misses_do_not_match(pattern):
    for sample in pattern.samples_no_match:
        assert not pattern.compiled.search(strip_controls(sample.encode()).decode()), sample


@pytest.mark.parametrize("regex, reason", [
    (r"(?<=foo)bar", "look-around"),
    (r"foo(?!bar)", "look-around"),
    (r"(a)\1", "back-references"),
    (r"\bERR\b", r"\b"),
    (r"error\s+x", r"\s"),
    (r".*connection refused", "leading .*"),
    (r"(?m)^x", "only the (?i) flag"),
    (r"abc|(?i)def", "(?i) only at the very start"),
    (r"a*", "empty string"),
    (r"a++b", "possessive"),
    (r"(?P<c>[a-z][a-z0-9-]*) exited", "leading unbounded repetition"),
])
def test_linter_rejects_non_portable_regexes(regex, reason):
    assert any(reason in problem for problem in lint_regex(regex)), lint_regex(regex)


def test_linter_accepts_the_portable_subset():
    assert lint_regex(r'(?i)listen (?P<proto>tcp|udp)[46]? (?P<addr>[^ \n]*):(?P<port>[0-9]+): bind') == []


def test_scan_form_keeps_matches_inside_one_line():
    assert scan_form(r'error="(?P<e>[^"]*)" x') == b'error="(?:[^\\n"]*)" x'
    assert scan_form(r"\[^x") == rb"\[^x"            # an escaped bracket is not a class


@pytest.mark.parametrize("regex, form", [
    (r'node disconnected(?: node=(?P<node>[^ ]+))?', b'node disconnected'),
    (r'(?i)a(?:b)?(?:c)?|d(?:e)?$|(?:f)?', b'(?i)a|d(?:e)?$|(?:f)?'),
    (r'x(?:(?:y)?z)?', b'x'),
])
def test_scan_form_leaves_out_optional_tails_but_never_a_whole_alternative(regex, form):
    assert scan_form(regex) == form


@pytest.mark.parametrize("regex, form", [
    (r'elapsed=(?P<ms>[0-9]{4,})', b'elapsed=(?:[0-9]{4})'),             # 1000 ms or more
    (r'region (?:[0-9]+)|peers=[0-9]{2,3}|ab+?', b'region (?:[0-9])|peers=[0-9]{2}|ab'),
    (r'config: (?P<d>[^\n]*)$|error: .*$', b'config: |error: '),
    (r'x [0-9]+$|(?:ab+){2}|a{2}*|q\{|a(?=bc+)|^a*', rb'x [0-9]+$|(?:ab+){2}|a{2}*|q\{|a(?=bc+)|^a*'),
])
def test_scan_form_cuts_a_closing_repetition_to_its_least(regex, form):
    assert scan_form(regex) == form


def test_lint_proves_a_scan_part_on_the_samples(catalog):
    from dataclasses import replace

    from logsleuth.catalog.lint import lint_entry

    slow = catalog.get("perf.slow_request")
    assert slow.scan and not lint_entry(slow, catalog)
    wrong = replace(slow, scan="elapsed=[0-9]{9,}")    # what the loader refuses, made by hand
    assert any("does not hold the scan part" in str(p) for p in lint_entry(wrong, catalog))


def _write(tmp_path: Path, text: str) -> Path:
    (tmp_path / "extra.toml").write_text(text, encoding="utf-8")
    return tmp_path


GOOD = '''
[[pattern]]
id = "site.custom"
category = "performance"
severity = "warning"
title = "t"
regex = 'custom slow thing'
cause = "c"
fix = ["f"]
samples.match = ["x custom slow thing"]
samples.no_match = ["x custom fast thing"]
'''


def test_extra_catalog_directory_is_loaded(tmp_path):
    catalog = load_catalog((_write(tmp_path, GOOD),))
    assert "site.custom" in catalog


@pytest.mark.parametrize("text, message", [
    ("[[pattern]\nid=", "invalid TOML"),
    (GOOD.replace('category = "performance"', 'category = "nope"'), "unknown category 'nope'"),
    (GOOD.replace('category = "performance"\n', ""), "missing required key 'category'"),
    (GOOD.replace("custom slow thing'", "custom (slow thing'"), "regex does not compile"),
    (GOOD.replace('"site.custom"', '"db.sqlite_locked"'), "duplicate id"),
    (GOOD + "[[surprise]]\nx=1\n", "unknown top-level tables"),
    (GOOD.replace("custom slow thing'", "custom (?=slow) thing'"), "look-around is not portable"),
    (GOOD.replace("custom slow thing'", "(custom) slow \\1'"), "back-references"),
    (GOOD.replace("custom slow thing'", "custom\\bslow'"), "Unicode-aware"),
    (GOOD.replace("custom slow thing'", "custom (x+ )+slow'"), "backtracks catastrophically"),
    (GOOD.replace('title = "t"', 'title = "t"\nprioirty = 60'),
     "site.custom: unknown key(s) in pattern: prioirty"),
    (GOOD.replace("samples.no_match", "samples.nomatch"), "unknown key(s) in samples: nomatch"),
    (GOOD + '[[pattern.hint]]\nfield = "x"\ncause = "c"\nvalue = ["y"]\n',
     "site.custom: unknown key(s) in hint: value"),
    (GOOD + '[[ignore]]\nid = "site.i"\nregex = "x"\nreason = "r"\nsamples.match = ["x"]\ncomment = 1\n',
     "site.i: unknown key(s) in ignore: comment"),
    (GOOD.replace("regex = 'custom slow thing'", "regex = 'custom slow thing'\nscan = 'fast'"),
     "site.custom: 'scan' must be a run of whole top-level pieces of 'regex'"),
    (GOOD.replace("regex = 'custom slow thing'", "regex = 'custom [0-9]+ thing'\nscan = '[0-9]'"),
     "'scan' must be a run of whole top-level pieces"),
    (GOOD.replace("regex = 'custom slow thing'", "regex = 'custom|slow thing'\nscan = 'slow'"),
     "'scan' must be a run of whole top-level pieces"),
    (GOOD.replace("regex = 'custom slow thing'", "regex = 'custom (?:slow )?thing'\nscan = '(?:slow )?'"),
     "site.custom: 'scan' matches an empty line"),
    (GOOD.replace("regex = 'custom slow thing'",
                  "regex = 'custom slow (?P<what>[a-z]+)'\njson_fields = { who = ['user'] }"),
     "site.custom: 'json_fields' maps named groups of 'regex'"),
    (GOOD.replace("regex = 'custom slow thing'",
                  "regex = 'custom slow (?P<what>[a-z]+)'\njson_fields = { what = 'thing' }"),
     "'json_fields' maps named groups of 'regex' to lists"),
])
def test_bad_user_catalogs_name_file_id_and_reason(tmp_path, text, message):
    with pytest.raises(CatalogError) as caught:
        load_catalog((_write(tmp_path, text),))
    assert message in str(caught.value)
    assert "extra.toml" in str(caught.value)


def _traces(catalog):
    return [pytest.param(t, id=t.id) for t in catalog.traces]


def _first_event(block: str) -> dict:
    import json

    from .conftest import run_cli

    result = run_cli(["events", "--format", "ndjson", "-"], block + "\n")
    return json.loads(result.stdout.splitlines()[0])


@pytest.mark.parametrize("trace", _traces(load_catalog()))
def test_trace_samples_merge_into_one_entry(trace):
    """Each sample block of a [[trace]] is one event covering all its lines; in each
    near-miss block the last line stays out of the first event."""
    for block in trace.samples_match:
        event = _first_event(block)
        assert (event["line_no"], event["lines"]) == (1, block.count("\n") + 1), block
    for block in trace.samples_no_match:
        event = _first_event(block)
        assert event["line_no"] == 1 and event["lines"] < block.count("\n") + 1, block


def test_a_trace_without_samples_is_a_lint_problem(tmp_path):
    from logsleuth.catalog.lint import lint_trace

    (tmp_path / "t.toml").write_text("[[trace]]\nid = 't.x'\nstart = 'boom:'\nbody = '^\\t'\n")
    trace = load_catalog((tmp_path,)).traces[-1]
    assert [p.reason for p in lint_trace(trace)] == [
        "no sample block that must merge into one entry",
        "no sample block whose last line must stay apart"]


# Patterns whose Chinese fix predates issue 13 and follows the troubleshooting guide rather
# than the English line by line (guide commands merged, split or dropped). Only these may
# have a fix_zh of another length; drop an id once its fix_zh mirrors its fix.
_GUIDE_SHAPED_FIX_ZH = frozenset({
    "auth.preauth_key_used", "auth.user_not_found", "client.bootstrap_dns_failed",
    "client.control_key_http_status", "client.control_key_unreachable",
    "client.control_tls_failed", "client.controlhttp_dial_failed",
    "client.controlhttp_upgrade_refused", "client.daemon_not_running",
    "client.derp_node_no_address", "client.disco_unknown_peer", "client.health_check_section",
    "client.home_derp_unavailable", "client.invalid_auth_key",
    "client.legacy_response_undecryptable", "client.logged_out", "client.map_poll_cut",
    "client.netcheck_report_no_udp", "client.no_peer_for_destination",
    "client.noise_handshake_client", "client.not_in_map_poll",
    "client.peer_connection_timeout", "client.peer_offline", "client.register_unauthorized",
    "client.unexpected_state", "client.up_timeout", "config.policy_v2_rejected",
    "conn.database_unreachable", "db.schema_invalid", "deploy.config_defaults_rejected",
    "deploy.config_file_missing", "deploy.directory_not_writable", "deploy.permission_denied",
    "deploy.sqlite_cannot_open", "deploy.sqlite_readonly", "eco.api_route_not_available",
    "eco.caddy_ts2021_error_status", "eco.cloudflared_ts2021", "eco.derper_certificate",
    "eco.grpc_through_http_proxy", "eco.grpc_tls_mismatch", "eco.haproxy_ts2021_error_status",
    "eco.headplane_api_unreachable", "eco.headplane_config_invalid",
    "eco.headplane_config_missing", "eco.headplane_tls_cert", "eco.nginx_ts2021_error",
    "eco.node_permission_denied", "eco.node_upstream_unreachable",
    "eco.npm_ts2021_error_status", "eco.proxy_acme_failed", "eco.proxy_derp_error_status",
    "eco.proxy_ts2021_error_status", "eco.proxy_upstream_unreachable",
    "eco.python_permission_denied", "eco.python_tls_verify_failed",
    "eco.traefik_ts2021_error_status", "eco.ts2021_upgrade_rejected",
    "eco.webui_data_permission", "eco.webui_headscale_unreachable", "net.derp_connect_failed",
    "net.route_not_approved", "net.udp_blocked", "perf.container_exit_137",
    "perf.kernel_oom_kill", "perf.service_oom_killed", "perf.timeout",
    "tls.certificate_setup_failed",
})


def _placeholders(*texts: str) -> set[str]:
    import re

    return {name for text in texts for name in re.findall(r"\{([a-z_]+)\}", text)}


def _chinese_pairs(pattern):
    """(where, English, Chinese) for every text of a pattern and its hints that has both."""
    pairs = [("title", (pattern.title,), (pattern.title_zh,)),
             ("cause", (pattern.cause,), (pattern.cause_zh,))]
    if len(pattern.fix) == len(pattern.fix_zh):
        pairs += [(f"fix[{i}]", (en,), (zh,))
                  for i, (en, zh) in enumerate(zip(pattern.fix, pattern.fix_zh))]
    else:
        pairs.append(("fix", pattern.fix, pattern.fix_zh))
    for i, hint in enumerate(pattern.hints):
        pairs += [(f"hint {i} cause", (hint.cause,), (hint.cause_zh,)),
                  (f"hint {i} fix", hint.fix, hint.fix_zh)]
    return pairs


def test_every_fix_and_hint_has_chinese_with_the_same_placeholders(catalog):
    """--lang zh prints no English cause or fix comment: each pattern's fix has a fix_zh of
    the same length, each hint a cause_zh (and a fix_zh when it has a fix), and every
    Chinese text names the same {placeholders} as its English."""
    for p in catalog.patterns:
        if p.fix:
            assert p.fix_zh, f"{p.id}: fix without fix_zh"
            if p.id not in _GUIDE_SHAPED_FIX_ZH:
                assert len(p.fix_zh) == len(p.fix), f"{p.id}: fix_zh has another length than fix"
        for i, hint in enumerate(p.hints):
            assert hint.cause_zh, f"{p.id} hint {i} ({hint.field}): no cause_zh"
            assert hint.fix_zh or not hint.fix, f"{p.id} hint {i} ({hint.field}): fix without fix_zh"
        for where, english, chinese in _chinese_pairs(p):
            assert _placeholders(*chinese) == _placeholders(*english), f"{p.id} {where}"


def test_guide_shaped_fix_zh_list_is_current(catalog):
    """The exceptions above still exist and still differ in length (the list only shrinks)."""
    by_id = {p.id: p for p in catalog.patterns}
    stale = sorted(i for i in _GUIDE_SHAPED_FIX_ZH
                   if i not in by_id or len(by_id[i].fix) == len(by_id[i].fix_zh))
    assert stale == []


def _hints(catalog):
    return [pytest.param(pattern, number, id=f"{pattern.id}-hint{number}")
            for pattern in catalog.patterns for number, _ in enumerate(pattern.hints, 1)]


@pytest.mark.parametrize("pattern, number", _hints(load_catalog()))
def test_every_hint_proves_itself(pattern, number, pipeline):
    """A hint's sample lines, analysed alone, give its pattern's finding with the hint's cause;
    its near misses give the pattern's finding with another cause."""
    from logsleuth.diagnose import fill

    hint = pattern.hints[number - 1]
    assert hint.samples_match and hint.samples_no_match, "a hint needs samples both ways"
    for sample, chosen in [(s, True) for s in hint.samples_match] + \
                          [(s, False) for s in hint.samples_no_match]:
        findings = analyze_text(pipeline, strip_controls(sample.encode()).decode() + "\n").findings
        finding = next((f for f in findings if f.pattern_id == pattern.id), None)
        assert finding is not None, (sample, [f.pattern_id for f in findings])
        top = {name: next(iter(values)) for name, values in finding.fields.items() if values}
        assert (finding.cause == fill(hint.cause, top)) is chosen, (sample, finding.cause)


def test_every_sample_keeps_its_cause(catalog):
    """Which pattern and which cause (its own or a hint's) each catalog sample gets is
    recorded in tests/data/causes.tsv: deleting or changing a pattern or a hint shows up
    here (regenerate with `python scripts/cause_snapshot.py` when the change is meant)."""
    import importlib.util

    from .conftest import ROOT

    spec = importlib.util.spec_from_file_location("cause_snapshot", ROOT / "scripts" / "cause_snapshot.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    recorded = module.SNAPSHOT.read_text(encoding="utf-8").splitlines()
    current = module.snapshot(catalog).splitlines()
    assert sorted(set(recorded) - set(current)) == [] and sorted(set(current) - set(recorded)) == []
