"""The classifier's cheap lanes give exactly what their general twins give.

The lanes: one Entry per candidate (the recent-line cache keeps a snapshot, not a copy),
the bare-value split of console fields (the general split handles quotes, lists, objects),
masks skipped when a message cannot hold what they mask, the template memo that also
keys by the message, and a JSON line's message made without making every member a text.
Every fixture and a generated busy log run both ways; whole analyses and every entry agree.
"""

from __future__ import annotations

import json
import time
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

import pytest
import regex
from hypothesis import given, settings
from hypothesis import strategies as st

from logsleuth import classify, fields, masks
from logsleuth import entry as entry_module
from logsleuth.envelope import EnvelopeParser

from .conftest import FIXTURES
from .test_fastpath import _NoMemo, _generated_log, _run

# Shapes the lanes treat apart: bare fields (repeated keys, '=' in values, non-ASCII
# names and digits), JSON errors that are not strings, a JSON escape, messages without
# digits, identical lines in a row (the recent-line cache).
_LANE_LINES = [
    'headscale-1  | 2026-07-01T10:00:{s:02d}Z WRN node {n} uses deprecated capability version '
    '{d}; update its tailscale client node.name=東京-nas-{n:x} node.name=büro-{d} k=a=b',
    'headscale-1  | 2026-07-01T10:00:{s:02d}Z ERR policy: autogroup:jürgen-{n:x} has no members '
    '٣{d} grants nothing',
    'headscale-1  | 2026-07-01T10:00:{s:02d}Z WRN no digits here at all node.name=ab-cd',
    'headscale-1  | {{"level":"error","error":{{"code":{d},"text":"x"}},"message":"sync {n:x} failed"}}',
    'headscale-1  | {{"level":"warn","error":null,"message":"lost peer \\u00e9 {n}"}}',
    'headscale-1  | {{"level":"error","error":{n},"node":{{"id":{n}}},"message":"map for {d} dropped"}}',
    'headscale-1  | {{"level":"error","error":"","message":"empty error for {n:x}"}}',
    'headscale  | WARN: the config key "dns.base_domain" is deprecated',
    'headscale  | WARN: the config key "dns.base_domain" is deprecated',
    # long texts (memoised by digest): a crash loop's query, and one whose words change
    'headscale-1  | 2026-07-01T10:00:{s:02d}Z ERR update failed error="value too long; query: '
    'UPDATE nodes SET ' + ' '.join(f'c{i}={{d}}' for i in range(300)) + ' WHERE id={n}"',
    'headscale-1  | 2026-07-01T10:00:{s:02d}Z ERR dump {n:x}: ' + 'ab{d} ' * 500 + 'node.name=x{n:x}',
]


def _lane_log(path: Path) -> Path:
    """The fast-path test's generated busy log, then the shapes above."""
    _generated_log(path)
    with path.open("a", encoding="utf-8") as out:
        for n in range(1500):
            line = _LANE_LINES[n % len(_LANE_LINES)]
            out.write(line.format(s=n % 60, n=n * 7919 % 100_000, d=n % 10) + "\n")
    return path


def _general_lanes(monkeypatch) -> None:
    monkeypatch.setattr("logsleuth.classify.TemplateMemo", _NoMemo)
    monkeypatch.setattr(classify, "RECENT_LINE_BYTES", -1)
    monkeypatch.setattr(fields, "_split_bare", fields._split_any)
    monkeypatch.setattr(masks, "template_of", _every_mask)

    def general_message(env):
        env.fields                                      # noqa: B018 (every member a text)
        error = env.fields.get("error")
        return f"{env.message} error={error}" if error else env.message

    monkeypatch.setattr(classify, "message_of", general_message)


def _every_mask(message: str) -> str:
    for mask in masks._MASKS:
        message = mask.pattern.sub(mask.text, message)
    return message[:masks.MAX_TEMPLATE]


def test_cheap_lanes_and_general_ones_agree_on_every_fixture_and_a_busy_log(
        tmp_path_factory, monkeypatch, catalog):
    fixtures = sorted(p for p in FIXTURES.rglob("*") if p.suffix in (".log", ".txt"))
    inputs = [*fixtures, _lane_log(tmp_path_factory.mktemp("lanes") / "busy.log")]
    fast = {path: _run(path, catalog) for path in inputs}
    with monkeypatch.context() as patched:
        _general_lanes(patched)
        general = {path: _run(path, catalog) for path in inputs}
    for path in inputs:
        assert fast[path][0] == general[path][0], path
        assert fast[path][1] == general[path][1], path
    analysis, entries = fast[inputs[-1]]
    templates = {row[10] for row in entries}
    assert {"map for <n> dropped error=<n>", "no digits here at all"} <= templates
    assert any(t and t.startswith("sync") and t.endswith('error={"code": <n>, "text": "x"}')
               for t in templates)
    assert any(t and t.startswith("lost peer") and t.endswith("error=null") for t in templates)
    assert len(analysis["unknown"]) >= 5


_bare_words = st.sampled_from(["k=v", "a=", "x", "", "é=1", "node.name=東京", "k.x-y=1=2", "_a=b",
                               "9a=b", "=x", "k=v\t", "\tk=v", "ü", "K==", "a b=c"])


@settings(max_examples=500, deadline=None)
@given(st.lists(_bare_words, max_size=8))
def test_bare_split_is_the_general_split(words):
    text = " ".join(words)
    message, lifted = fields.split_fields(text)
    general_message, general_lifted = fields._split_any(text)
    assert message == general_message
    assert list(lifted.items()) == list(general_lifted.items())


_mask_pieces = st.sampled_from([
    "2026-07-01T10:00:00Z", "2024/01/02 03:04:05", "deadbeef", "0xff", "nodekey:abc12", "[Zk3vP]",
    "[fe80::1]:80", "10.0.0.1:443", "fd7a:115c:a1e0::1", "12ms", "1h2m3s", "٣٤", " ", "-", ":",
    ".", "[", "]", "key", "user alice", "550e8400-e29b-41d4-a716-446655440000", "tskey-auth-x1"])


@settings(max_examples=500, deadline=None)
@given(st.lists(_mask_pieces, max_size=8))
def test_masks_skipped_only_where_they_find_nothing(pieces):
    message = "".join(pieces)
    assert masks.template_of(message) == _every_mask(message)


def test_json_message_makes_only_the_error_member_a_text():
    line = ('headscale-1  | {"level":"error","error":{"code":7},"request":{"uri":"/ts2021"},'
            '"message":"dial failed"}')
    parsed = EnvelopeParser().parse(line)
    assert classify.message_of(parsed) == 'dial failed error={"code": 7}'
    assert parsed.parsed is None                      # the other members stay unmade
    assert parsed.fields["request"] == json.dumps({"uri": "/ts2021"})
    assert classify.message_of(parsed) == 'dial failed error={"code": 7}'


@pytest.mark.parametrize("text", ["caf\u00e9 \ud800 9", "node 12 up", "node 99 up"])
def test_memo_keys_texts_by_their_digit_shape(text):
    made = []
    memo = masks.TemplateMemo(str)
    first = memo.template("console", text, lambda: made.append(text) or text)
    again = memo.template("console", text.replace("9", "3"), lambda: made.append("x") or "x")
    assert first == again == masks.template_of(text) and made == [text]


def test_memo_keeps_long_texts_by_digest_apart_from_short_ones(monkeypatch):
    computed = []
    monkeypatch.setattr(masks, "template_of", lambda m: computed.append(m) or m[:8])
    memo = masks.TemplateMemo(str)
    long_one, long_two = "x1 " + "y" * 3000, "x2 " + "y" * 3000
    other = "x1 " + "y" * 2999 + "z"                  # same length, another shape
    assert memo.template("console", long_one, lambda: long_one) == long_one[:8]
    assert memo.template("console", long_two, lambda: long_two) == long_one[:8]
    memo.template("console", other, lambda: other)
    assert computed == [long_one, other]
    assert all(len(key[1]) == 1 and len(key[1][0]) == 16 for key in memo._known)


def test_memo_reads_a_new_text_by_its_message_when_only_other_fields_differ(monkeypatch):
    computed = []
    monkeypatch.setattr(masks, "template_of", lambda m: computed.append(m) or m.upper())
    memo = masks.TemplateMemo(str)
    one = memo.template("console", "node 1 lost node.name=ab", lambda: "node 1 lost")
    two = memo.template("console", "node 2 lost node.name=cd", lambda: "node 2 lost")
    assert one == two == "NODE 1 LOST" and computed == ["node 1 lost"]


# The field grammar as a backtracking regex (exponential, so small inputs only): every
# field of the leftmost tail that parses, in order, each value read as the split reads it.
_FIELD = r'(?P<k>[A-Za-z_][\w.\-]*)=(?P<v>"(?:[^"\\]|\\.)*"|\[[^\]]*\]|\{[^}]*\}|[^ ]*)'
_TAIL = regex.compile(rf"{_FIELD}(?: {_FIELD})*")


def _oracle_split(text: str) -> tuple[str, dict[str, str]]:
    for start in [0, *(i + 1 for i, c in enumerate(text) if c == " ")]:
        tail = _TAIL.fullmatch(text, start)
        if tail:
            pairs = zip(tail.captures("k"), tail.captures("v"))
            return text[:max(start - 1, 0)].rstrip(), {k: _json_unquote(v) for k, v in pairs}
    return text, {}


def _json_unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] == '"':
        try:
            return json.loads(value)
        except ValueError:
            return value[1:-1]
    return value


_any_pieces = st.sampled_from(['k=v', 'k="a b"', 'k="a\\"', 'k="\\\\"', '"', 'k=[x y]', 'k={a}',
                               'x', 'a=', '[', ']', '\\', 'k="x', 'y"', 'z.w-1="q"', 'e="x=y z"',
                               'k="\\u00e9"', 'k=""', 'k="a"b"', 'k="\t"', '\\\\"'])


@settings(max_examples=500, deadline=None)
@given(st.lists(_any_pieces, max_size=6))
def test_split_reads_fields_as_the_regex_grammar_does(pieces):
    text = " ".join(pieces)
    message, lifted = fields.split_fields(text)
    oracle_message, oracle_lifted = _oracle_split(text)
    assert message == oracle_message
    assert list(lifted.items()) == list(oracle_lifted.items())


def _count_calls(monkeypatch, owner, name: str) -> list[int]:
    calls = [0]
    real = getattr(owner, name)

    def counted(*args, **kwargs):
        calls[0] += 1
        return real(*args, **kwargs)

    monkeypatch.setattr(owner, name, counted)
    return calls


def test_recent_line_memo_serves_a_flood_and_pauses_on_lines_that_never_repeat(
        tmp_path, monkeypatch, catalog):
    flood = tmp_path / "flood.log"
    flood.write_text('headscale-1  | {"level":"error","time":1782864002,'
                     '"message":"database is locked"}\n' * 6000, encoding="utf-8")
    busy = _lane_log(tmp_path / "busy.log")
    classified = _count_calls(monkeypatch, classify.Classifier, "_classify_line")
    snapshots = _count_calls(monkeypatch, entry_module.Entry, "snapshot")
    flood_analysis = _run(flood, catalog)
    assert classified[0] == 2                        # once per pipeline run
    assert flood_analysis[0]["lines"]["matched"] == len(flood_analysis[1]) == 6000
    classified[0] = snapshots[0] = 0
    adaptive = _run(busy, catalog)
    candidates = classified[0]
    assert candidates > 2 * classify.MEMO_PAUSE and snapshots[0] < candidates / 3
    monkeypatch.setattr(classify, "MEMO_PAUSE", 0)            # the memo always in use
    snapshots[0] = 0
    assert _run(busy, catalog) == adaptive
    assert snapshots[0] > candidates / 2
    monkeypatch.setattr(classify, "RECENT_LINE_BYTES", -1)    # the memo never in use
    assert _run(busy, catalog) == adaptive


def test_confirming_a_backtracking_regex_gives_up_after_its_time():
    """The confirm passes its timeout by position (the cheap call): it must still apply."""
    slow = SimpleNamespace(compiled=regex.compile(r"(a|aa)+$"), scan="",    # 2**40 ways to fail
                           scan_proves=False)       # as if the scan had looked for a part
    started = time.process_time()
    assert classify.Classifier._winner("a" * 40 + "b", (slow,)) == (slow, None)
    assert time.process_time() - started < 20 * classify.CONFIRM_SECONDS
    fast = SimpleNamespace(compiled=regex.compile(r"(?P<n>a+)b"), scan_proves=False)
    pattern, match = classify.Classifier._winner("a" * 40 + "b", (fast,))
    assert pattern is fast and match["n"] == "a" * 40


def _unsearchable(pattern_regex: str) -> SimpleNamespace:
    """A pattern the scan proves, whose regex must never be run."""
    def search(*args):
        raise AssertionError(f"searched {pattern_regex!r}")
    return SimpleNamespace(compiled=SimpleNamespace(search=search), scan="", scan_proves=True)


def test_a_pattern_the_scan_proves_wins_an_ascii_line_without_its_regex():
    proven = _unsearchable("node disconnected")
    assert classify.Classifier._winner("2026-07-01T10:00:00Z INF node disconnected",
                                       (proven,)) == (proven, None)
    with pytest.raises(AssertionError, match="searched"):     # é: bytes are not characters
        classify.Classifier._winner("2026-07-01T10:00:00Z INF node disconnected é", (proven,))


def test_only_a_fieldless_regex_scanned_whole_is_proven_by_the_scan(catalog):
    slow = catalog.get("perf.slow_request")            # fields, and scanned by a part
    fieldless = replace(slow, regex=r"http request [^\n]*elapsed=[0-9]{4,}",
                        scan="elapsed=[0-9]{4,}", json_fields=())
    assert not slow.scan_proves and not replace(slow, scan="").scan_proves
    assert not fieldless.scan_proves and replace(fieldless, scan="").scan_proves


def test_the_scan_proves_exactly_the_lines_a_fieldless_regex_matches(catalog):
    """What lets the classifier skip the regex: for every catalog pattern that the scan
    looks for whole and that lifts no fields, both scan engines find its rule on exactly
    the ASCII sample lines its regex matches."""
    pytest.importorskip("hyperscan")
    from logsleuth.scan import HyperscanEngine, RegexEngine, build_rules, candidates
    rules = build_rules(catalog)
    engines = [HyperscanEngine(rules), RegexEngine(rules)]
    proven = [(i, p) for i, p in enumerate(catalog.patterns) if p.scan_proves]
    assert len(proven) > 20
    lines = [line for p in catalog.patterns for line in (*p.samples_match, *p.samples_no_match)
             if line.isascii() and "\n" not in line]
    by_id = {(r.kind, r.index): rule_id for rule_id, r in enumerate(rules)}
    for engine in engines:
        for line in lines:
            found, _ = candidates(line.encode() + b"\n", engine)
            hit = found[0].rules if found else frozenset()
            for index, pattern in proven:
                assert (by_id[("pattern", index)] in hit) == bool(
                    pattern.compiled.search(line)), (engine.name, pattern.id, line)
