"""The template miner: typed masks, merging lines that differ in values, keeping different
messages apart, determinism, and grouping accuracy on the Loghub-2k benchmark."""

from __future__ import annotations

import importlib.machinery
import importlib.util
from datetime import datetime, timedelta, timezone
from unittest import mock

import pytest
from hypothesis import given, settings, strategies as st

from logsleuth.envelope import EnvelopeParser, plain_message
from logsleuth import miner as miner_module
from logsleuth.miner import SHAPES_PER_CLUSTER, TemplateMiner, mask, template_id
from logsleuth.redact import redact, redact_blocks, redact_lines
from logsleuth.aggregate import KeyStats
from logsleuth.templates import is_known, merge_templated, remember

from .conftest import ROOT

SCORER = ROOT.parent / "shared" / "tools" / "score-templates"


def templates_of(lines: list[str]) -> list[str]:
    miner = TemplateMiner()
    return [miner.template_of(shape).text for shape in miner.add_all(lines)]


def test_typed_masks_keep_the_kind_of_value():
    assert mask("lease 550e8400-e29b-41d4-a716-446655440000 renewed at 2024-05-01T10:00:01.5Z") \
        == "lease <uuid> renewed at <time>"
    assert mask("dial tcp 10.0.0.12:5432: connect: connection refused") \
        == "dial tcp <ip>: connect: connection refused"
    assert mask("took 350ms, chan=0xc000f2c1e0, mkey:7f3a9e21bb") \
        == "took <dur>, chan=<hex>, <key>"
    assert mask("Deleting block blk_-1608999687919862906 file /data/dn/current/subdir12") \
        == "Deleting block blk_-<n> file /data/dn/current/subdir<n>"


def test_a_word_value_that_varies_becomes_one_variable():
    users = ["admin", "oracle", "test", "guest", "ubuntu"]
    lines = [f"Invalid user {u} from 203.0.113.{i}" for i, u in enumerate(users)]
    assert set(templates_of(lines)) == {"Invalid user <*> from <ip>"}


def test_messages_that_differ_in_one_word_stay_apart():
    nodes = ["laptop", "nas", "pi"]
    lines = ["Link ok", "Link error", "Link ok", "Link error"]
    lines += [f"noise handshake {how} for node {n}" for n in nodes for how in ("completed", "failed")]
    got = templates_of(lines)
    assert got[:4] == ["Link ok", "Link error", "Link ok", "Link error"]
    assert set(got[4:]) == {"noise handshake completed for node <*>",
                            "noise handshake failed for node <*>"}
    assert got[4] == got[6] == got[8] != got[5]


def test_messages_of_the_same_length_and_first_word_stay_apart():
    lines = [f"failed to bind listener on port {p}: address already in use" for p in (80, 443, 8080)]
    lines += [f"failed to open database file /var/lib/headscale/db{n}.sqlite: permission denied"
              for n in (1, 2, 3)]
    got = templates_of(lines)
    assert len(set(got)) == 2 and got[0] == got[2] and got[3] == got[5]


def test_a_third_value_turns_two_templates_into_one_variable():
    miner = TemplateMiner()
    alice, bob = miner.add_all(["user alice not found", "user bob not found"])
    assert miner.template_of(alice).text == "user alice not found"
    carol, = miner.add_all(["user carol not found"])
    assert {miner.template_of(s).text for s in (alice, bob, carol)} == {"user <*> not found"}


def test_templates_and_ids_are_the_same_run_after_run():
    lines = [f"node {n} went offline after {s}s without keep-alive" for n, s in
             (("laptop", 60), ("nas", 90), ("pi", 30))] + ["Link ok", "Link error"]
    first, second = TemplateMiner(), TemplateMiner()
    one = [first.template_of(s).id for s in first.add_all(lines)]
    two = [second.template_of(s).id for s in second.add_all(lines)]
    assert one == two and len(set(one)) == 3
    assert one[0] == template_id("node <*> went offline after <dur> without keep-alive")


def test_the_clean_hook_sees_messages_before_mining_so_templates_hold_no_secret():
    miner = TemplateMiner(clean=redact_lines)
    shape, = miner.add_all(["auth failed for key hskey-auth-Zx81kQp2LmN0a9 on node pi"])
    assert "Zx81kQp2" not in miner.template_of(shape).text
    assert "[REDACTED]" in miner.template_of(shape).text


def test_redact_lines_equals_redacting_each_line():
    lines = ["plain line", "password=hunter2 in dsn", "another plain",
             "Authorization: Bearer abcdefghijklmnop"]
    assert redact_lines(lines) == [redact(line) for line in lines]


def test_redact_blocks_hides_every_line_of_a_private_key_block():
    lines = ["loading key", "-----BEGIN OPENSSH PRIVATE KEY-----",
             "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW",
             "QyNTUxOQAAACBnSmVrZWJhbGxvb25zYW5kcGFsbWFzYWxsYWJvdXRpdAAAAJg=",
             "-----END OPENSSH PRIVATE KEY-----", "key loaded"]
    assert redact_blocks(lines) == ["loading key", *["[REDACTED]"] * 4, "key loaded"]


_PREFIXES = ["", "headscale-1  | ", "headscale_1  | ", "Jul 14 10:00:01 host headscale[7]: ",
             "2024-05-01T10:00:01Z ", "2024/05/01 10:00:01 ", "2024-05-01T10:00:01Z ERR ",
             '{"level":"error","message":"m"}', "Error: ", "FATAL: ", " ", "|"]


@given(st.sampled_from(_PREFIXES),
       st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\n\r"),
               max_size=60))
def test_the_plain_fast_path_agrees_with_the_envelope_parser(prefix, rest):
    line = prefix + rest
    fast = plain_message(line)
    if fast is not None:
        assert fast == EnvelopeParser().parse(line).message


def _stats(pattern_id: str | None, template: str, count: int, minute: int) -> KeyStats:
    moment = datetime(2026, 7, 14, 0, minute, tzinfo=timezone.utc)
    return KeyStats(key=f"{pattern_id or 'unknown'}:{template}", pattern_id=pattern_id,
                    template=template, level="error", count=count, severity=None,
                    first_seen=moment, last_seen=moment, services=["headscale"],
                    containers=[f"headscale-{minute}"], samples=[template], latest=template,
                    fields={"node": {template.split()[-3]: count}}, buckets={moment: count})


def test_statistics_whose_templates_differ_in_a_node_name_are_merged():
    update = "failed to send map update to node {} error=stream closed"
    stats = [_stats(None, update.format(n), c, m)
             for n, c, m in (("alpha", 2, 1), ("bravo", 5, 2), ("charlie", 1, 3))]
    stats += [_stats(None, "reloading policy error=open acl.hujson: no such file", 4, 4),
              _stats("db.sqlite_locked", update.format("delta"), 7, 5)]      # not a template key
    merged = {(s.pattern_id, s.template): s for s in merge_templated(stats)}
    assert set(merged) == {(None, update.format("<*>")),
                           (None, "reloading policy error=open acl.hujson: no such file"),
                           ("db.sqlite_locked", update.format("delta"))}
    nodes = merged[(None, update.format("<*>"))]
    assert (nodes.count, nodes.first_seen.minute, nodes.last_seen.minute) == (8, 1, 3)
    assert nodes.fields == {"node": {"bravo": 5, "alpha": 2, "charlie": 1}}
    assert sum(nodes.buckets.values()) == 8 and len(nodes.samples) == 3
    assert nodes.containers == ["headscale-1", "headscale-2", "headscale-3"]


def test_a_known_template_is_recognised_with_other_values():
    known = {"failed to send map update to node <*> error=stream closed"}
    assert is_known("failed to send map update to node delta error=stream closed", known)
    assert is_known("failed to send map update to node <*> error=stream closed", known)
    assert not is_known("failed to send map update to node delta error=timeout hit", known)
    assert not is_known("skipping invalid localpart entry during SSH compilation", known)


def _scorer():
    loader = importlib.machinery.SourceFileLoader("score_templates", str(SCORER))
    spec = importlib.util.spec_from_loader("score_templates", loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


@pytest.mark.skipif(not SCORER.exists(), reason="the shared Loghub-2k data is not beside the project")
def test_grouping_accuracy_on_loghub_meets_the_target():
    scorer = _scorer()
    accuracy = {}
    for folder in sorted(p for p in scorer.DATA.iterdir() if p.is_dir()):
        rows = scorer.load(folder)
        miner = TemplateMiner()
        groups = {i: miner.template_of(s).id
                  for i, s in enumerate(miner.add_all([r[0] for r in rows]), 1)}
        accuracy[folder.name] = scorer.score(rows, groups, groups)[0]
    assert sum(accuracy.values()) / len(accuracy) >= 0.93, accuracy
    assert min(accuracy.values()) >= 0.80, accuracy


def test_remembering_keeps_the_most_general_templates():
    monday, tuesday = datetime(2026, 7, 13, tzinfo=timezone.utc), datetime(2026, 7, 14, tzinfo=timezone.utc)
    known = {"user alice not found": monday}
    remember(known, ["user <*> not found", "user bob not found", "Link ok"], tuesday)
    assert known == {"user <*> not found": tuesday, "Link ok": tuesday}


def test_known_templates_expire_and_are_capped(monkeypatch):
    from logsleuth.nightly import state as history

    now = datetime(2026, 7, 14, tzinfo=timezone.utc)
    known = {"old": now - timedelta(days=history.TEMPLATES_KEPT_DAYS + 1),
             "recent": now - timedelta(days=1), "tonight": now}
    history.expire_templates(known, now)
    assert set(known) == {"recent", "tonight"}
    monkeypatch.setattr(history, "TEMPLATES_KEPT", 1)
    history.expire_templates(known, now)
    assert set(known) == {"tonight"}


def test_a_cluster_keeps_a_bounded_number_of_shapes_and_still_places_every_line():
    names = [f"{a}{b}{c}" for a in "bcdfg" for b in "aeiou" for c in "klmnprst"]   # 200 words
    lines = [f"peer {x} sent a stale map request for {y}" for x in names for y in names[:3]]
    miner = TemplateMiner()
    shapes = miner.add_all(lines)
    assert {miner.template_of(s).text for s in shapes} == {"peer <*> sent a stale map request for <*>"}
    assert sum(len(t.shapes) for t in miner.templates()) == SHAPES_PER_CLUSTER
    assert miner.templates()[0].count == len(lines)


def test_one_plain_word_among_masked_values_is_a_value_but_alone_against_one_it_is_not():
    names = ["gateway.example.net", "ip-10-0-0-7.ec2.internal", "cpe-88-12.isp.example",
             "203-0-113-9.static.example.org"]
    hosts = [f"reverse lookup of {name} failed" for name in names]
    assert set(templates_of(hosts)) == {"reverse lookup of <*> failed"}
    readings = ["sensor reading 42 on board", "sensor reading 17 on board",
                "sensor reading unavailable on board"]
    got = templates_of(readings)
    assert got[0] == got[1] == "sensor reading <n> on board" != got[2]


def _nearest_by_every_position(miner, cluster, tokens):
    """The full cluster's nearest shape compared at every position (the reference)."""
    return max(cluster.shapes, key=lambda s: sum(a == b for a, b in zip(miner._shapes[s], tokens)))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(st.sampled_from(["a", "b", "c", "<n>", "<*>"]), min_size=4, max_size=4)
                .map(lambda words: "x " + " ".join(words)), min_size=1, max_size=80))
def test_a_full_cluster_maps_a_message_as_comparing_every_position_does(messages):
    """Comparing only the cluster's <*> positions (looked up when there is one) picks the
    same shape (the first of the nearest) as comparing them all."""
    fast, reference = TemplateMiner(), TemplateMiner()
    reference._nearest = lambda cluster, tokens: _nearest_by_every_position(reference, cluster,
                                                                           tokens)
    with mock.patch.object(miner_module, "SHAPES_PER_CLUSTER", 3), \
            mock.patch.object(miner_module, "MEMO_SIZE", 2):    # a message seen before comes again
        assert [fast.add_all([m])[0] for m in messages] == \
            [reference.add_all([m])[0] for m in messages]
    assert [t.text for t in fast.templates()] == [t.text for t in reference.templates()]


def test_a_full_cluster_with_one_variable_maps_a_message_seen_again_to_its_own_shape():
    """After the memos forget it, a message comes back to the shape it had; a new value
    goes to the cluster's first shape (what comparing every position gives)."""
    miner = TemplateMiner()
    with mock.patch.object(miner_module, "SHAPES_PER_CLUSTER", 3), \
            mock.patch.object(miner_module, "MEMO_SIZE", 2):
        first = [miner.add_all([f"peer {name} sent a map"])[0] for name in ("ann", "bob", "cy")]
        again = [miner.add_all([f"peer {name} sent a map"])[0] for name in ("bob", "dee", "cy")]
    assert len(set(first)) == 3 and again == [first[1], first[0], first[2]]
