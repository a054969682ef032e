"""Hostile input (issue 12): a log line must never reach the terminal raw, hang a run, leak
a secret or crash a command. Each test names the finding of the issue it guards."""

from __future__ import annotations

import re
import time

from hypothesis import given, settings
from hypothesis import strategies as st

from logsleuth.envelope import split_fields

from .conftest import run_cli

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
