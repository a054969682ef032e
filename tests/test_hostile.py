"""Hostile input (issue 12): a log line must never reach the terminal raw, hang a run, leak
a secret or crash a command. Each test names the finding of the issue it guards."""

from __future__ import annotations

import io
import json
import os
import re
import stat
import struct
import threading
import time
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest
import zstandard
from hypothesis import given, settings
from hypothesis import strategies as st

from logsleuth import classify as classify_module
from logsleuth import jsonload
from logsleuth.bundle import report as bundle_report
from logsleuth.aggregate import Aggregator
from logsleuth.envelope import split_fields
from logsleuth.nightly.state import State
from logsleuth.catalog.portable import lint_regex
from logsleuth.nightly.summary import summarize
from logsleuth.options import Options
from logsleuth.pipeline import Pipeline
from logsleuth.redact import redact
from logsleuth.render.prometheus import render_prometheus

from .conftest import FIXTURES, analyze_text, run_cli, run_json

# ------------------------------------------------------------ 5: split_fields is linear

# The grammar split_fields implements, as the backtracking regex it replaced: the oracle
# for small inputs only (it is exponential in the number of ambiguous fields).
_FIELD = r'[A-Za-z_][\w.\-]*=(?:"(?:[^"\\]|\\.)*"|\[[^\]]*\]|\{[^}]*\}|[^ ]*)'
_TAIL = re.compile(rf"{_FIELD}(?: {_FIELD})*$")
_START = re.compile(r"(?:^| )(?=[A-Za-z_][\w.\-]*=)")


def _oracle_split_point(text: str) -> int | None:
    for start in _START.finditer(text):
        if _TAIL.fullmatch(text, start.end()):
            return start.end()
    return None


def _ambiguous_fields(count: int) -> str:
    """``k0="v" k1="v" ...`` then a trailing word: every value reads as quoted and as bare."""
    return "failed to sync " + " ".join(f'k{i}="v"' for i in range(count)) + " trailing"


def test_split_fields_on_many_ambiguous_fields_is_fast():
    started = time.perf_counter()
    message, fields = split_fields(_ambiguous_fields(26))
    assert (message, fields) == (_ambiguous_fields(26), {})
    line = 'k="v" ' * 170_000 + 'trailing error="boom"'          # ~1 MiB
    message, fields = split_fields(line)
    assert fields == {"error": "boom"} and message.endswith('k="v" trailing')
    assert time.perf_counter() - started < 1.0


def test_split_fields_lifts_quoted_list_object_and_bare_values():
    message, fields = split_fields('Failed to load ACL error="no such files: [/etc/a b]" '
                                   'files=[/etc/a /etc/b] obj={"a": 1} port=8080 empty=')
    assert message == "Failed to load ACL"
    assert fields == {"error": "no such files: [/etc/a b]", "files": "[/etc/a /etc/b]",
                      "obj": '{"a": 1}', "port": "8080", "empty": ""}


_pieces = st.sampled_from(['k=v', 'k="a b"', 'k="a\\"', 'k="\\\\"', '"', 'k=[x y]', 'k={a}',
                           'x', 'a=', '[', ']', '\\', 'k="x', 'y"', 'z.w-1="q"'])


@settings(max_examples=300, deadline=None)
@given(st.lists(_pieces, max_size=7))
def test_split_fields_agrees_with_the_regex_grammar(pieces):
    text = " ".join(pieces)
    point = _oracle_split_point(text)
    message, fields = split_fields(text)
    if point is None:
        assert (message, fields) == (text, {})
    else:
        assert message == text[:max(point - 1, 0)].rstrip() and fields


def test_hostile_fields_line_does_not_hang_events():
    line = f"headscale  | 2024-05-01T10:00:00Z WRN {_ambiguous_fields(26)}\n"
    started = time.perf_counter()
    result = run_cli(["events"], line)
    assert result.exit_code == 0 and '"level": "warn"' in result.stdout
    assert time.perf_counter() - started < 5


# ------------------------------------------------------- 7: out-of-range stamps are untimed

OUT_OF_RANGE = ("headscale  | 9999-12-31T23:00:00-05:00 INF listening\n"
                "headscale  | 0001-01-01T00:30:00+05:00 ERR update failed: database is locked\n")


def test_stamps_outside_years_1_to_9999_make_untimed_entries():
    for fmt in ("text", "json", "markdown"):
        result = run_cli(["analyze", "--format", fmt], OUT_OF_RANGE)
        assert result.exit_code == 1 and "database" in result.stdout
    events = run_cli(["events"], OUT_OF_RANGE)
    assert events.exit_code == 0 and '"timestamp": null' in events.stdout


# ------------------------------------- 1, 2, 9: no control or markup reaches the terminal

OSC52 = "\x1b]52;c;ZWNobyBwd25lZA==\x1b\\"          # clipboard write, ended by ESC \
ATTACKS = [OSC52, "\x1b]8;;https://evil.example/\x1b\\click\x1b]8;;\x1b\\", "\x1bc",
           "\x1bP+q544e\x1b\\", "\x1b[>0c", "\u009b31m", "root\x08\x08\x08\x08user", "\x1c",
           "\u2028## heading", "\x7f", "\u202egnp.exe"]
# rich's own codes: colour, cursor up, erase line, hide/show cursor, carriage return
_RICH_CODES = re.compile(r"\x1b\[[0-9;]*[mAK]|\x1b\[\?25[lh]|\r")


def raw_controls(text: str, colour: bool = False) -> list[str]:
    """Control characters in ``text`` (rich's own codes allowed when ``colour``)."""
    if colour:
        text = _RICH_CODES.sub("", text)
    return [c for c in text if (ord(c) < 0x20 and c not in "\t\n") or 0x7f <= ord(c) < 0xa0
            or c in "\u2028\u2029\u202e"]


def hostile_log(attack: str) -> str:
    json_attack = attack.encode("unicode_escape").decode().replace('"', '\\"')
    return (f"headscale  | 2024-05-01T10:00:01Z ERR update failed error=\"database is locked\" "
            f"node={attack}\n"
            f"headscale  | 2024-05-01T10:00:02Z ERR strange {attack} happened\n"
            f'{{"level":"error","time":"2024-05-01T10:00:03Z","message":"odd {json_attack} thing"}}\n')


def _hostile_bundle(attack: str, tmp_path):
    """The v0.22 fixture bundle with the hostile log as its Recent Logs and a node named
    with the attack."""
    bundle = (FIXTURES / "bundles" / "unreachable-v022.txt").read_text(encoding="utf-8")
    logs, config = bundle.index("=== Recent Logs ===\n"), bundle.index("=== Configuration ===")
    bundle = (bundle[:logs] + "=== Recent Logs ===\n" + hostile_log(attack) + "\n"
              + bundle[config:].replace("old-phone", f"old{attack}phone"))
    path = tmp_path / "diagnostic-report.txt"
    path.write_text(bundle, encoding="utf-8")
    return path


def _outputs(attack: str, tmp_path) -> dict[str, tuple[str, bool]]:
    """Every non-JSON output of every command for a log and a bundle carrying ``attack``:
    name -> (text, has colour)."""
    log, bundle = hostile_log(attack), _hostile_bundle(attack, tmp_path)
    out = {}
    for fmt in ("text", "markdown", "rich"):
        colour = ["--color", "always"] if fmt == "rich" else []
        out[f"analyze {fmt}"] = (run_cli(["analyze", "--format", fmt, *colour], log).output, bool(colour))
        out[f"follow {fmt}"] = (run_cli(["analyze", "--follow", "--format", fmt, *colour], log).output,
                                bool(colour))
        out[f"report {fmt}"] = (run_cli(["report", str(bundle), "--format", fmt, *colour]).output,
                                bool(colour))
    for fmt in ("text", "markdown"):
        state = tmp_path / f"state-{fmt}.json"
        out[f"summary {fmt}"] = (run_cli(["summary", "--format", fmt, "--state", str(state)], log).output,
                                 False)
        state.unlink()
    return out


def test_no_control_character_reaches_any_non_json_output(tmp_path):
    for attack in ATTACKS:
        for name, (text, colour) in _outputs(attack, tmp_path).items():
            assert "database" in text, name
            assert raw_controls(text, colour) == [], (attack, name)


@settings(max_examples=15, deadline=None)
@given(st.lists(st.sampled_from(["\x1b", "]", "[", "P", "\\", "\x07", "\u009b", "\u009d", "8;;",
                                 "52;c;", "\x08", "\r", "\x00", "\x1c", "\u2028", ">", "0c", ";",
                                 "m", "\\u001b", "\\u009b", "`", "|"]),
                min_size=1, max_size=12).map("".join))
def test_generated_control_sequences_never_survive(tmp_path_factory, attack):
    for name, (text, colour) in _outputs(attack, tmp_path_factory.mktemp("s")).items():
        assert raw_controls(text, colour) == [], (attack, name)


def test_log_text_is_never_rich_markup_in_follow_mode():
    log = ('headscale  | 2024-05-01T10:00:01Z ERR Failed to load ACL '
           'error="no such files: [/etc/headscale/acl.hujson]"\n'
           'headscale  | 2024-05-01T10:00:02Z ERR see [link=https://evil.example/]here[/link] '
           '[bold red]now[/]\n')
    result = run_cli(["analyze", "--follow", "--format", "rich", "--color", "always"], log)
    assert result.exit_code == 0
    assert "[/etc/headscale/acl.hujson]" in result.output
    assert "[link=https://evil.example/]" in result.output and "\x1b]8;" not in result.output


def test_report_on_a_bundle_with_osc52_node_names_prints_no_escape(tmp_path):
    bundle = (FIXTURES / "bundles" / "unreachable-v022.txt").read_text(encoding="utf-8")
    bundle = bundle.replace("old-phone", f"old{OSC52}phone").replace("pi-garage", f"pi{OSC52}")
    path = tmp_path / "diagnostic-report.txt"
    path.write_text(bundle, encoding="utf-8")
    for fmt in ("text", "markdown", "rich"):
        result = run_cli(["report", str(path), "--format", fmt])
        assert "old\\x1b]52;c;" in result.output, fmt
        assert "\x1b" not in result.output, fmt


def test_markdown_quotes_log_text_so_it_stays_text():
    log = ("headscale  | 2024-05-01T10:00:01Z ERR update failed error=\"database is locked\" "
           "node=a```\n"
           "headscale  | 2024-05-01T10:00:01Z ERR x\u2028## Pwned [click](https://evil.example) "
           "![t](https://evil.example/t.png) `|` <img src=x>\n")
    text = run_cli(["analyze", "--format", "markdown"], log).output
    assert "````text" in text and "\n````\n" in text          # the fence outlasts the ```
    row = next(line for line in text.split("\n") if "Pwned" in line)
    assert row.startswith("| 1 | ``") and "\\u2028" in row    # one code span, one table row
    assert "\n## Pwned" not in text


# ----------------------------------------- 3, 4, 10, 11: redaction shapes, scope and speed

@pytest.mark.parametrize("text", [
    "dial tcp: lookup database.postgres-cluster-production-01: no such host",
    "connect to abcdefg.postgres-cluster-production-eu-01 failed",
    "GET https://hs.example.com:443/oidc/callback?next=a@b.example",
    "bypass=true token_count=3",
    "Basic configuration loaded",
    "key id Zk3vP2xQ.abcdefghijklmnopqrstuvwx0123 (not a shape Headscale generates)",
])
def test_look_alikes_are_not_redacted(text):
    assert redact(text) == text


@pytest.mark.parametrize("text, secret", [
    ("api key Ab3-_xZ.Qm9kZXJ-LmFwaV9rZXlfc2VjcmV0XzEy used", "LmFwaV9rZXlfc2VjcmV0XzEy"),
    ("TS_AUTHKEY=tskey-kQ7xT2CNTRL-OldCNTRLsecret99", "OldCNTRLsecret99"),
    ("headers=map[Authorization:[Basic dXNlcjpCYXNpY1Bhc3M=]]", "dXNlcjpCYXNpY1Bhc3M"),
    ("PresharedKey = yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=", "yAnz5TF"),
    ('error="open: password=\\"two words\\" host=db"', "two words"),
    ("POSTGRES://hs:p@ss/w,rd@db/hs", "ss/w,rd"),
    ("client_secret: &anchor-secret", "anchor-secret"),
])
def test_more_secret_shapes_are_masked_idempotently(text, secret):
    once = redact(text)
    assert secret not in once and redact(once) == once


def test_redaction_is_linear_on_adversarial_megabyte_lines():
    lines = ["a." * 2**19, "a://b:" * 180_000, "password=" * 110_000, 'token="' * 150_000,
             "https://u:" + "x" * 2**20, "eyJ" * 350_000, "authorization: " * 70_000,
             "0123456789abcdef" * 65_536, "Ab3-_xZ." * 130_000]
    for line in lines:
        started = time.perf_counter()
        redact("secret " + line)            # a trigger word, so every rule runs
        assert time.perf_counter() - started < 1.0, line[:20]


def test_report_masks_userinfo_and_dsn_passwords_in_facts_checks_and_notes(tmp_path):
    bundle = (FIXTURES / "bundles" / "unreachable-v022.txt").read_text(encoding="utf-8")
    bundle = bundle.replace("server_url: http://localhost:8080",
                            "server_url: http://admin:UrlUser-Pass-1@localhost:8080")
    nodes = bundle.index("=== Nodes ===")
    bundle = (bundle[:nodes] + "=== Nodes ===\nError: failed to connect to "
              "postgres://headscale:Nodes/Dsn@Pass-2@db:5432/headscale: connection refused\n")
    path = tmp_path / "diagnostic-report.txt"
    path.write_text(bundle, encoding="utf-8")
    for fmt in ("json", "text", "markdown", "rich"):
        shown = run_cli(["report", str(path), "--format", fmt]).output
        assert "UrlUser-Pass-1" not in shown and "Dsn@Pass-2" not in shown, fmt
    unmasked = run_cli(["report", str(path), "--format", "json", "--no-redact"]).output
    assert "UrlUser-Pass-1" in unmasked


# --------------------------------------- 6: a future-dated entry does not move the state

def test_a_future_dated_entry_does_not_hide_later_piped_runs(tmp_path):
    state = tmp_path / "state.json"
    first = run_cli(["summary", "--state", str(state)],
                    "headscale  | 2099-01-01T00:00:00Z INF listening on 0.0.0.0:8080\n")
    assert "dated in the future" in first.stderr
    soon = (datetime.now(timezone.utc) + timedelta(seconds=5)).strftime("%Y-%m-%dT%H:%M:%SZ")
    second = run_cli(["summary", "--state", str(state)],
                     f"headscale  | {soon} FTL Error initializing error=\"listen tcp "
                     f"0.0.0.0:8080: bind: address already in use\"\n")
    assert second.exit_code == 1
    assert "NEW" in second.stdout and "GONE" not in second.stdout


# ------------------------------------------- 8, 14: YAML alias bombs and deep nesting

ALIAS_BOMB = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(8)) + "listen_addr: *i\n"


def _bundle_with_config(tmp_path, config: str):
    bundle = (FIXTURES / "bundles" / "unreachable-v022.txt").read_text(encoding="utf-8")
    start, end = bundle.index("=== Configuration ===\n"), bundle.index("=== Nodes ===")
    path = tmp_path / "diagnostic-report.txt"
    path.write_text(bundle[:start] + "=== Configuration ===\n" + config + "\n" + bundle[end:],
                    encoding="utf-8")
    return path


@pytest.mark.parametrize("config, why", [
    (ALIAS_BOMB, "alias bomb"),
    ("a: " + "[" * 500 + "]" * 500, "nested deeper"),
    ("a: &a\n  b: *a\n", "refers to a value that contains it"),
])
def test_hostile_yaml_in_a_bundle_is_refused_not_expanded(tmp_path, config, why):
    assert len(ALIAS_BOMB) < 1000
    path = _bundle_with_config(tmp_path, config)
    started = time.perf_counter()
    for fmt in ("json", "text"):
        result = run_cli(["report", str(path), "--format", fmt])
        assert result.exit_code in (0, 1) and why in result.output, fmt
    assert time.perf_counter() - started < 5


# ---------------------------------------------- 15: --since takes the documented forms only

@pytest.mark.parametrize("when", ["99999999d", "9999-12-31T23:00:00-05:00", "-5m", "5", "2024",
                                  "2024-05-01 10:00 EST", "May 1", "2024-13-01"])
def test_since_refuses_what_it_would_misread(when):
    for command in (["analyze", "--format", "text"], ["events"]):
        result = run_cli([*command, "--since", when], "headscale  | 2024-05-01T10:00:01Z INF up\n")
        assert result.exit_code == 2, (command, when)
        assert result.stderr.count("\n") == 1 and "--since" in result.stderr


@pytest.mark.parametrize("when", ["24h", "1.5h", "7d", "yesterday", "2024-05-01",
                                  "2024-05-01T10:00:00Z", "2024-05-01 12:00+02:00",
                                  "2024-05-01T10:00:00.123456789+0200"])
def test_since_accepts_the_documented_forms(when):
    result = run_cli(["events", "--since", when], "headscale  | 2024-05-01T10:00:01Z INF up\n")
    assert result.exit_code != 2, result.stderr      # accepted (the window may leave no line: 3)


# ------------------------------------------------- 12, 13: state and side files

LOCKED_LINE = "headscale  | 2024-05-01T10:00:01Z ERR update failed: database is locked\n"
GOOD_STATE = {"schema": 1, "sources": {"<stdin>": {"inode": None, "size": None, "offset": None,
                                                   "last_time": "2024-05-01T09:00:00Z"}},
              "runs": [{"finished": "2024-05-01T09:00:00Z", "counts": {"db.sqlite_locked": 2}}],
              "known_templates": {"x": "2024-05-01T09:00:00Z"}, "last_success": "2024-05-01T09:00:00Z"}


def _tampered(change) -> str:
    data = json.loads(json.dumps(GOOD_STATE))
    change(data)
    return json.dumps(data)


TAMPERED = {
    "null": "null",
    "a list": "[]",
    "not json": "{schema: 1",
    "sources a list": _tampered(lambda d: d.update(sources=[])),
    "source null": _tampered(lambda d: d["sources"].update({"<stdin>": None})),
    "negative offset": _tampered(lambda d: d["sources"]["<stdin>"].update(offset=-5)),
    "float offset": _tampered(lambda d: d["sources"]["<stdin>"].update(offset=1.5)),
    "string offset": _tampered(lambda d: d["sources"]["<stdin>"].update(offset="12")),
    "bool inode": _tampered(lambda d: d["sources"]["<stdin>"].update(inode=True)),
    "bad last_time": _tampered(lambda d: d["sources"]["<stdin>"].update(last_time=5)),
    "runs null": _tampered(lambda d: d.update(runs=None)),
    "counts a string": _tampered(lambda d: d["runs"][0].update(counts="many")),
    "inf count": _tampered(lambda d: d["runs"][0]["counts"].update(x=float("inf"))),
    "huge count": _tampered(lambda d: d["runs"][0]["counts"].update(x=10**30)),
    "finished missing": _tampered(lambda d: d["runs"][0].pop("finished")),
    "templates not strings": _tampered(lambda d: d.update(known_templates=[1, {}])),
    "unknown key": _tampered(lambda d: d.update(extra=1)),
    "deep nesting": '{"schema": 1, "runs": ' + "[" * 100_000 + "]" * 100_000 + "}",
}


@pytest.mark.parametrize("name", TAMPERED)
def test_a_tampered_state_file_is_moved_aside_with_a_warning(tmp_path, name):
    state = tmp_path / "state.json"
    state.write_text(TAMPERED[name], encoding="utf-8")
    result = run_cli(["summary", "--state", str(state)], LOCKED_LINE)
    assert result.exit_code == 1 and "moved aside" in result.stderr, result.stderr
    assert len(list(tmp_path.glob("state.json.bad-*"))) == 1
    assert State.from_json(json.loads(state.read_text())).runs


def test_the_untampered_state_round_trips():
    assert State.from_json(GOOD_STATE).to_json() == GOOD_STATE


def test_an_older_state_with_a_list_of_templates_is_still_read():
    older = {**GOOD_STATE, "known_templates": ["x"]}
    assert State.from_json(older).to_json() == GOOD_STATE     # seen at the last success


def test_a_state_that_is_no_regular_file_is_refused_untouched(tmp_path):
    directory, fifo = tmp_path / "dir", tmp_path / "fifo"
    directory.mkdir()
    (directory / "keep").write_text("x")
    os.mkfifo(fifo)
    for target in (directory, fifo):
        result = run_cli(["summary", "--state", str(target)], LOCKED_LINE)
        assert result.exit_code == 2 and "not a regular file" in result.stderr
    assert (directory / "keep").exists() and stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_side_files_never_replace_a_symlink_or_fifo(tmp_path):
    real, link, fifo = tmp_path / "real.prom", tmp_path / "link.prom", tmp_path / "fifo.html"
    real.write_text("old\n")
    link.symlink_to(real)
    os.mkfifo(fifo)
    result = run_cli(["summary", "--state", str(tmp_path / "s.json"), "--prometheus", str(link),
                      "--html", str(fifo)], LOCKED_LINE)
    assert result.exit_code == 3 and result.stderr.count("not a regular file") == 2
    assert link.is_symlink() and real.read_text() == "old\n"
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_a_lock_that_cannot_be_created_is_exit_3_not_a_traceback(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    result = run_cli(["summary", "--state", str(blocker / "state.json")], LOCKED_LINE)
    assert result.exit_code == 3 and result.stderr.startswith("logsleuth: error: cannot create the lock")


def test_stale_temp_files_of_a_killed_run_are_cleaned(tmp_path):
    state = tmp_path / "state.json"
    stale, fresh = tmp_path / ".state.json.k1ll3d", tmp_path / ".state.json.wr1t1ng"
    for temp in (stale, fresh):
        temp.write_text("{")
    os.utime(stale, (time.time() - 7200, time.time() - 7200))
    assert run_cli(["summary", "--state", str(state)], LOCKED_LINE).exit_code == 1
    assert not stale.exists() and fresh.exists()


def test_a_file_name_that_is_not_utf8_is_stored_and_shown_safely(tmp_path):
    log = os.path.join(os.fsencode(tmp_path), b"head\xffscale.log")
    with open(log, "w") as handle:
        handle.write(LOCKED_LINE)
    state = tmp_path / "state.json"
    for _ in range(2):
        result = run_cli(["summary", os.fsdecode(log), "--state", str(state), "--format", "text"])
        assert result.exit_code == 1 and "head\\udcffscale.log" in result.output
        with open(log, "a") as handle:
            handle.write(LOCKED_LINE.replace("10:00:01", "10:00:02"))
    assert json.loads(state.read_text(encoding="utf-8"))["sources"]


class _InterruptedStdin(io.BytesIO):
    """A pipe that delivers one line, then the user presses Ctrl-C."""

    def peek(self, size: int = 0) -> bytes:
        return LOCKED_LINE.encode()[:8]

    def read1(self, size: int = -1) -> bytes:
        if self.tell():
            raise KeyboardInterrupt
        self.seek(1)
        return LOCKED_LINE.encode()


def test_an_interrupted_summary_publishes_no_fresh_success(tmp_path):
    state = tmp_path / "state.json"
    first = summarize(["-"], Options(), state, io.BytesIO(LOCKED_LINE.encode()))
    interrupted = summarize(["-"], Options(), state, _InterruptedStdin())
    assert interrupted.analysis.interrupted
    published = re.search(r"^logsleuth_last_success_timestamp_seconds (\S+)$",
                          render_prometheus(interrupted), re.M)
    assert float(published[1]) == first.finished.timestamp() < interrupted.finished.timestamp()


# ------------------------------------- 14: pzstd files, FIFOs to --follow, repeated sections

def test_a_pzstd_file_with_a_skippable_frame_first_is_decompressed(tmp_path):
    frame = zstandard.ZstdCompressor().compress(LOCKED_LINE.encode() * 200)
    skippable = struct.pack("<III", 0x184D2A50, 4, len(frame))       # what pzstd writes
    path = tmp_path / "headscale.log.zst"
    path.write_bytes(skippable + frame + skippable + frame)
    result = run_cli(["analyze", str(path), "--format", "json"])
    assert result.exit_code == 1 and json.loads(result.stdout)["findings"][0]["count"] == 400


def test_follow_reads_a_fifo_until_its_writer_closes(tmp_path):
    fifo = tmp_path / "journal"
    os.mkfifo(fifo)

    def write() -> None:
        with open(fifo, "w") as pipe:
            pipe.write(LOCKED_LINE)

    writer = threading.Thread(target=write)
    writer.start()
    result = run_cli(["analyze", "--follow", "--format", "text", str(fifo)])
    writer.join()
    assert result.exit_code == 1 and "NEW error database_locked" in result.output


def test_a_repeated_bundle_section_is_read_in_full_and_reported(tmp_path):
    bundle = (FIXTURES / "bundles" / "unreachable-v022.txt").read_text(encoding="utf-8")
    fatal = ("headscale-headscale-1  | 2023-06-19T14:00:01Z FTL Error initializing "
             "error=\"listen tcp 0.0.0.0:8080: bind: address already in use\"\n")
    path = tmp_path / "diagnostic-report.txt"
    path.write_text("=== Recent Logs ===\n" + fatal + "\n" + bundle, encoding="utf-8")
    data = json.loads(run_cli(["report", str(path), "--format", "json"]).stdout)
    assert "port_conflict" in {f["category"] for f in data["findings"]}
    assert "AuthKey expired" in json.dumps(data["findings"])
    assert any("'logs' appears 2 times" in note for note in data["notes"])


def test_a_bundle_is_read_no_further_than_the_cap(monkeypatch, catalog):
    monkeypatch.setattr(bundle_report, "BUNDLE_MAX_BYTES", 64 << 10)
    started = time.perf_counter()
    analysis = bundle_report.report(Pipeline(Options(catalog=catalog)), "/dev/zero")   # endless NUL bytes
    assert any(note.startswith("only the first") for note in analysis.notes)
    assert time.perf_counter() - started < 5


# -------------------------------- 11: confirms and the fallback engine stay fast

def test_a_match_past_the_first_64_kib_is_skipped_fast_by_both_engines():
    line = ("headscale  | 2024-05-01T10:00:00Z WRN http request " + "elapsed=99999 path " * 3600
            + "elapsed=99999.5 path=/x \n")                 # the real match lies past 64 KiB
    for engine in ("re", "auto"):
        started = time.perf_counter()
        result = run_cli(["events", "--engine", engine], line)
        assert time.perf_counter() - started < 5
        assert [json.loads(e)["pattern_id"] for e in result.stdout.splitlines()] == [None]


def test_a_slow_confirm_is_cut_short_and_the_scan_s_verdict_kept(monkeypatch, catalog):
    """The scan's verdict stands when it looked for the whole regex; when it looked for the
    pattern's ``scan`` part only, a confirmation cut short does not count."""
    monkeypatch.setattr(classify_module, "CONFIRM_SECONDS", 0.001)
    line = ("2024-05-01T10:00:00Z WRN http request elapsed=12345 x path=/x "
            + "elapsed=99999 path " * 3200 + "\n")          # 0.1 s of backtracking to confirm
    slow = catalog.get("perf.slow_request")
    assert slow.scan
    whole = replace(catalog, patterns=tuple(replace(p, scan="") if p is slow else p
                                            for p in catalog.patterns))
    finding = analyze_text(Pipeline(Options(catalog=whole)), line).findings[0]
    assert finding.pattern_id == "perf.slow_request" and finding.fields == {}
    findings = analyze_text(Pipeline(Options(catalog=catalog)), line).findings
    assert "perf.slow_request" not in [f.pattern_id for f in findings]


def test_the_fallback_engine_finds_go_log_errors_in_linear_time():
    hostile = "2024/05/01 10:00:00 retrying " * 20_000 + "\n"      # ~560 KB, no error word
    plain = "2024/05/01 10:00:00 retrying " * 3 + "then it failed\n"
    for engine in ("re", "auto"):
        started = time.perf_counter()
        result = run_cli(["events", "--engine", engine], hostile + plain)
        assert time.perf_counter() - started < 5, engine
        assert [json.loads(e)["line_no"] for e in result.stdout.splitlines()] == [2], engine


USER_PATTERN = '''[[pattern]]
id = "site.greedy"
category = "performance"
severity = "warning"
title = "t"
regex = 'job (?:[a-z]|[a-c0-9])+x'
cause = "c"
fix = ["f"]
samples.match = ["job abcx"]
samples.no_match = ["job abc"]
'''


@pytest.mark.parametrize("pattern", [r"(a|a)*x", r"(?:[a-z]|[a-c0-9])+x", r"(?P<n>x|xy)*z",
                                     r"(?:a|ab){10}c"])
def test_lint_rejects_overlapping_alternatives_under_a_repetition(pattern):
    assert "like (a|a)*" in " ".join(lint_regex(pattern))


@pytest.mark.parametrize("pattern", [r"(?:tcp|udp)+ x", r"(?:ab|cd)*e", r"x(a|b){3}y"])
def test_lint_accepts_alternatives_that_cannot_start_alike(pattern):
    assert lint_regex(pattern) == []


def test_a_user_catalog_that_could_hang_is_refused_at_load(tmp_path):
    (tmp_path / "site.toml").write_text(USER_PATTERN, encoding="utf-8")
    line = "2024-05-01T10:00:00Z WRN job " + "a" * 94 + "\n"
    for engine in ("re", "auto"):
        started = time.perf_counter()
        result = run_cli(["analyze", "--patterns", str(tmp_path), "--engine", engine], line)
        assert result.exit_code == 2 and "like (a|a)*" in result.stderr
        assert time.perf_counter() - started < 5


def test_big_counts_stay_apart_from_the_title_in_summary_text(tmp_path):
    result = run_cli(["summary", "--state", str(tmp_path / "s.json")], LOCKED_LINE * 10_000)
    assert "x10000 SQLite database is locked" in result.stdout


def test_file_names_with_escapes_are_shown_visibly(tmp_path):
    name = str(tmp_path / f"evil{OSC52}.log")
    for args in (["analyze", name, "--format", "text"], ["events", name],
                 ["summary", name, "--state", str(tmp_path / "s.json")]):
        result = run_cli(args)
        assert result.exit_code == 3 and "evil\\x1b]52;" in result.stderr, args
        assert raw_controls(result.stdout + result.stderr) == [], args


HOSTILE_MEGABYTE_LINES = [
    "kernel: " + "Out of memory: Killed process 1 (x " * 30_000,      # 41 s with re before
    "2024/05/01 10:00:00 retrying " * 36_000,                          # Go-log level marker
    "2024-05-01T10:00:00Z WRN http request " + "elapsed=99999 path " * 55_000,
]


def test_every_built_in_regex_stays_fast_on_hostile_megabyte_lines_with_either_engine(catalog):
    """The known worst lines, and each 12th pattern's first sample cut to 40 characters and
    repeated to 1 MiB: the repetition a backtracking regex restarts at."""
    samples = [(p.samples_match[0][:40] * (2**20 // 40))[:2**20] for p in catalog.patterns[::12]]
    lines = [line[:2**20] for line in HOSTILE_MEGABYTE_LINES + samples]
    for engine in ("re", "auto"):
        started = time.perf_counter()
        run_cli(["events", "--engine", engine], "\n".join(lines) + "\n")
        assert (time.perf_counter() - started) / len(lines) < 1.0, engine


def test_patterns_test_shows_log_lines_through_the_boundary(tmp_path):
    log = tmp_path / "h.log"
    log.write_text(f"2024-05-01T10:00:01Z ERR {OSC52} database is locked password=hunter22\n")
    result = run_cli(["patterns", "test", "db.sqlite_locked", str(log)])
    assert result.exit_code == 0 and "\\x1b]52;" in result.stdout
    assert raw_controls(result.stdout) == [] and "hunter22" not in result.stdout


def test_many_tiny_files_are_each_counted_as_they_are_read(tmp_path, monkeypatch):
    """A merge is plain Python (microseconds): no file's entries wait for a bigger one."""
    for number in range(300):
        (tmp_path / f"h{number:03}.log").write_text(LOCKED_LINE)
    merges: list[int] = []
    original = Aggregator.add

    def counted(self, entries):
        if entries:
            merges.append(len(entries))
        original(self, entries)

    monkeypatch.setattr(Aggregator, "add", counted)
    data = json.loads(run_cli([str(tmp_path / "*.log"), "--format", "json"]).stdout)
    assert data["findings"][0]["count"] == 300 and merges == [1] * 300


def test_ctrl_c_while_a_batch_is_counted_counts_it_once_and_stops(tmp_path, monkeypatch):
    import signal

    from logsleuth.sources import expand

    log = tmp_path / "h.log"
    log.write_text(LOCKED_LINE * 50)
    original = Aggregator.add

    def interrupted(self, entries):
        os.kill(os.getpid(), signal.SIGINT)         # Ctrl-C arrives as the batch is counted
        original(self, entries)

    monkeypatch.setattr(Aggregator, "add", interrupted)
    result = Pipeline(Options(jobs=1)).aggregate(expand([str(log)]), io.BytesIO())
    assert result.interrupted      # the batch in hand is counted once (the last line, held
    assert [t.count for t in result.aggregator.tallies.values()] == [49]   # back, is not read)


def test_summary_markdown_keeps_a_backtick_inside_its_code_span(tmp_path):
    line = "headscale  | 2024-05-01T10:00:01Z ERR odd `x` [click](https://evil.example) ``\n"
    text = run_cli(["summary", "--format", "markdown", "--state", str(tmp_path / "s.json")],
                   line).stdout
    item = next(row for row in text.split("\n") if "evil.example" in row)
    assert item.startswith("- x1 ``` ") and item.endswith(" ```")


def test_the_state_holds_no_secret_even_with_no_redact(tmp_path):
    state = tmp_path / "state.json"
    line = "headscale  | 2024-05-01T10:00:01Z ERR strange reply password=StateLeakSecret from peer\n"
    result = run_cli(["summary", "--no-redact", "--state", str(state)], line)
    assert "StateLeakSecret" in result.stdout and "StateLeakSecret" not in state.read_text()


def test_an_oversized_configuration_section_is_not_parsed(tmp_path):
    config = "server_url: https://hs.example.com\n" + "# padding\n" * 120_000  # > 1 MiB
    path = _bundle_with_config(tmp_path, config)
    started = time.perf_counter()
    result = run_cli(["report", str(path), "--format", "json"])
    assert "larger than 1 MiB" in result.stdout and time.perf_counter() - started < 5


def test_markdown_free_text_mentions_nobody():
    from logsleuth.render.markdown import plain

    assert plain("ping @maintainer about it") == "ping \\@maintainer about it"


@pytest.mark.parametrize("escape", ["\\ud800", "\\udfff", "\\udc80 and \\ud83d"])
def test_a_json_message_with_a_lone_surrogate_escape_is_an_unknown_warning(escape):
    """JSON may escape half a surrogate pair; decoding gives a lone surrogate, which must
    reach the template miner and the output without a traceback."""
    line = '{"level":"warn","time":"2026-07-01T10:00:00Z","message":"x ' + escape + ' y"}\n'
    _, result = run_json(["-"], line * 2)
    assert result["lines"]["unknown"] == 2 and len(result["unknown"]) == 1


@pytest.mark.parametrize("depth", [500, 900, 1000, 1030, 100_000])
@pytest.mark.parametrize("orjson", [True, False])
def test_a_deeply_nested_json_line_is_read_without_a_crash(depth, orjson, monkeypatch):
    """Nested past what the JSON parsers read (or what json.dumps writes from inside a
    run): a line nested up to jsonload.MAX_DEPTH keeps its level and message; a deeper one
    is plain text (not a traceback, as a RecursionError from json.loads once was), with
    orjson or without it."""
    if not orjson:
        monkeypatch.setattr(jsonload, "_fast_loads", None)
    nested = "[" * depth + "]" * depth
    line = ('headscale-1  | {"level":"error","message":"map update failed","error":'
            f'{nested},"node":{nested}}}\n')
    done = run_cli(["events"], line)
    (entry,) = [json.loads(e) for e in done.stdout.splitlines()]
    readable = depth < jsonload.MAX_DEPTH
    assert done.exit_code == 0 and entry["level"] == ("error" if readable else None)
    assert entry["message"].startswith("map update failed" if readable else '{"level"')
    analysis = run_cli(["--format", "json", "-"], line)
    assert analysis.exit_code in (0, 1) and json.loads(analysis.stdout)["unknown"]
