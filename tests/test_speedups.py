"""Each C function of the optional extension gives what its pure-Python twin gives, on
hostile input (tests/test_fastpath.py compares whole analyses both ways), and leaks nothing."""

from __future__ import annotations

import os
import random
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from logsleuth import speedups
from logsleuth.scan import Candidate

from .conftest import FIXTURES

c = pytest.importorskip("logsleuth._speedups", reason="the C extension is not built here")

MIB_LINE = b"x" * (1 << 20)
CHUNKS = [
    b"", b"\n", b"\n\n\n", b"no trailing newline", b"crlf\r\nlines\r\n", b"\r", b"\r\r\n",
    b"\x1b", b"x\x1b", b"\x1b[", b"\x1b]", b"a\x1b\x1bb\n", b"a\x1b[31mb\x1b]0;t\x07c\x1b\x1b[0m\r\n",
    b"\x1b]x\x1b[1m\x07y\n", b"\x1b]abc\nd\x07\n", b"\x1b[1;2?3", b"\x1b[12\r;3m", b"\x1b]a\rb\x07",
    b"\xff\xfe\x80 not utf-8\n", b"nul\x00byte\x00\n", b"\x1b]" * 5000 + b"\n",
    b"x" + b"\x1b[" * 3000 + b"m", MIB_LINE, MIB_LINE + b"\n" + b"\x1b[0m\r\n" + MIB_LINE,
    (FIXTURES / "sample.log").read_bytes(),
]
CONTROL_BYTES = st.binary() | st.lists(
    st.sampled_from([b"\x1b", b"[", b"]", b"\x07", b"\n", b"\r", b"3", b";", b"?", b"m", b"A",
                     b"x", b" ", b"\x00", b"\xff"])).map(b"".join)


@pytest.mark.parametrize("chunk", CHUNKS, ids=range(len(CHUNKS)))
def test_strip_controls_in_c_is_its_python_twin(chunk):
    assert c.strip_controls(chunk) == speedups.strip_controls_py(chunk)


@settings(max_examples=300, deadline=None)
@given(CONTROL_BYTES)
def test_strip_controls_agree_on_any_bytes(chunk):
    assert c.strip_controls(chunk) == speedups.strip_controls_py(chunk)


def _random_hits(chunk: bytes, seed: int) -> list[tuple[int, int]]:
    rng = random.Random(seed)
    return [(rng.randint(0, len(chunk)), rng.randint(0, 40)) for _ in range(rng.randint(0, 60))]


def _every_newline_hits(chunk: bytes) -> list[tuple[int, int]]:
    """Hits ending just after each newline (the match's last byte is the newline itself)."""
    return [(i + 1, 7) for i, byte in enumerate(chunk) if byte == 10]


@pytest.mark.parametrize("chunk", CHUNKS[:-1], ids=range(len(CHUNKS) - 1))
def test_map_hits_in_c_is_its_python_twin(chunk):
    edges = [(0, 1), (len(chunk), 2), (len(chunk), 1), (0, 1)]
    for hits in (edges, _random_hits(chunk, len(chunk)), _every_newline_hits(chunk)[:2000],
                 list(reversed(_random_hits(chunk, 7)))):
        assert c.map_hits(chunk, hits, Candidate) == speedups.map_hits_py(chunk, hits, Candidate)


def test_map_hits_on_a_real_log_gives_candidates_per_line():
    chunk = (FIXTURES / "sample.log").read_bytes()
    hits = _random_hits(chunk, 1) * 2 + [(len(chunk), 3)]
    found, lines = c.map_hits(chunk, hits, Candidate)
    assert (found, lines) == speedups.map_hits_py(chunk, hits, Candidate)
    assert lines == chunk.count(b"\n") and all(type(row) is Candidate for row in found)
    last = found[-1]
    assert last.end == len(chunk.rstrip(b"\n")) and 3 in last.rules


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300).flatmap(lambda chunk: st.tuples(st.just(chunk), st.lists(
    st.tuples(st.integers(0, len(chunk)), st.integers(-3, 2**40)), max_size=40))))
def test_map_hits_agree_on_any_chunk_and_hits(chunk_and_hits):
    chunk, hits = chunk_and_hits
    assert c.map_hits(chunk, hits, Candidate) == speedups.map_hits_py(chunk, hits, Candidate)


def _collected(kind, hits: list[tuple[int, int]]):
    """``hits`` reported to a match callback of ``kind`` the way Hyperscan's binding calls
    it: rule id, start, end, flags, context."""
    collector = kind()
    for end, rule_id in hits:
        assert collector(rule_id, 0, end, 0, None) is None
    return collector


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300).flatmap(lambda chunk: st.tuples(st.just(chunk), st.lists(
    st.tuples(st.integers(0, len(chunk)), st.integers(0, 2**40)), max_size=600))))
def test_hit_list_in_c_is_its_python_twin(chunk_and_hits):
    chunk, hits = chunk_and_hits
    collected, listed = _collected(c.HitList, hits), _collected(speedups.HitList_py, hits)
    assert len(collected) == len(listed) == len(hits)
    assert list(collected) == listed == hits
    assert c.map_hits(chunk, collected, Candidate) == speedups.map_hits_py(chunk, listed, Candidate)


@pytest.mark.parametrize("call", [(), (1, 0, 5, 0), (1, 0, "5", 0, None), ("1", 0, 5, 0, None),
                                  (1, 0, 2**70, 0, None)])
def test_hit_list_refuses_what_hyperscan_never_passes(call):
    with pytest.raises((TypeError, OverflowError)):
        c.HitList()(*call)
    with pytest.raises(TypeError):
        c.HitList()(1, 0, 5, 0, context=None)


def test_map_hits_refuses_a_hit_list_ending_outside_the_chunk():
    with pytest.raises(ValueError):
        c.map_hits(b"abc\n", _collected(c.HitList, [(1, 1), (5, 2)]), Candidate)
    with pytest.raises(IndexError):
        _collected(c.HitList, [(1, 1)])[1]


class _ShrinksTheList:
    """An offset whose __index__ would empty the hits list while it is being read."""

    def __index__(self):
        HOSTILE_HITS.clear()
        return 1


HOSTILE_HITS: list = []


@pytest.mark.parametrize("hits, error", [
    ([(5, 1)], ValueError), ([(-1, 1)], ValueError), ([(1,)], TypeError),
    ([("1", 1)], TypeError), ([(1, 2**70)], OverflowError), (None, TypeError),
    ([(_ShrinksTheList(), 1)], TypeError),
])
def test_map_hits_refuses_hits_outside_the_chunk(hits, error):
    if hits and isinstance(hits[0][0], _ShrinksTheList):
        HOSTILE_HITS[:] = hits + [(1, 1)] * 1000
        hits = HOSTILE_HITS
    with pytest.raises(error):
        c.map_hits(b"abc\n", hits, Candidate)
    with pytest.raises(TypeError):
        c.map_hits(b"abc\n", [], dict)


@pytest.mark.parametrize("width", [1, 3, 4, 5, 1 << 16])
@pytest.mark.parametrize("chunk", CHUNKS, ids=range(len(CHUNKS)))
def test_cut_long_lines_in_c_is_its_python_twin(chunk, width):
    assert c.cut_long_lines(chunk, width) == speedups.cut_long_lines_py(chunk, width)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from([b"\n", b"a", b"bb", b"\xff"])).map(b"".join), st.integers(1, 6))
def test_cut_long_lines_agree_on_any_chunk(chunk, width):
    assert c.cut_long_lines(chunk, width) == speedups.cut_long_lines_py(chunk, width)


STAMP = "2026-07-01T10:00:05.123456Z"
CONSOLE_LINES = [
    "", "x", STAMP, f"{STAMP} INF", f"{STAMP} INF\n", f"{STAMP} INF\n\n", f"{STAMP} INFO x",
    f"{STAMP} ??? x", f"headscale-1  | {STAMP} WRN a.go:12 > msg k=v",
    f"headscale-1  |{STAMP} ERR a.go:12 >msg", f"headscale-1 |  {STAMP} ERR x",
    f"headscale_1 | {STAMP} DBG .go:1 > x", f"h | {STAMP} INF a.go: > x", f"h | {STAMP} INF a.go:1>",
    f"h | {STAMP} INF a.go:1 >", f"h | {STAMP} INF a.go:1 >  two spaces", f"h | {STAMP} INF a.go:1",
    f"h | {STAMP} INF x.go:1.go:2 > m", f"h | {STAMP} INF ünïcode/ü.go:9 > m",
    f"h | {STAMP} INF a.go:1٣ > arabic digit", "h | 2026-07-01T10:00:05+02:00 INF m",
    "h | 2026-07-01T10:00:05-0230 INF m", "h | 2026-07-01T10:00:05+02:0 INF m",
    "h | 2026-07-01T10:00:05. INF m", "h | 2026-07-01T10:00:05.Z INF m",
    "h | 2026-07-01T10:00:05.1234567890Z INF m", "h | ２０２６-07-01T10:00:05Z INF fullwidth",
    "h | 2026-07-01T10:00:05Z\tINF m", "-h | 2026-07-01T10:00:05Z INF m",
    "a" * 255 + f" | {STAMP} INF m", "a" * 256 + f" | {STAMP} INF m",
    f"2026-07-01T10:00:05Z | {STAMP} INF m", f"{STAMP} INF | x", "h\x00 | " + STAMP + " INF m",
]


@pytest.mark.parametrize("line", CONSOLE_LINES)
def test_console_prefix_in_c_is_its_python_twin(line):
    assert c.console_prefix(line) == speedups.console_prefix_py(line)


def test_console_prefix_on_every_fixture_line():
    texts = [speedups.strip_controls_py(path.read_bytes()).decode("utf-8", "replace")
             for path in sorted(FIXTURES.rglob("*")) if path.suffix in (".log", ".txt")]
    lines = [line for text in texts for line in text.splitlines()]
    assert len(lines) > 800
    matched = 0
    for line in lines:
        found = c.console_prefix(line)
        assert found == speedups.console_prefix_py(line), line
        matched += found is not None
    assert matched > 200


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(["2026", "-07", "-01", "T10", ":00", ":05", ".5", "Z", "+02",
                                 ":00", "00", " ", "|", "h", "_1", "INF", "???", "a.go:1",
                                 " >", "\n", "٣", "é", "."])).map("".join))
def test_console_prefix_agree_on_any_line(line):
    assert c.console_prefix(line) == speedups.console_prefix_py(line)


DIGIT_TEXTS = ["", "1" * 18, "1" * 19, "x" + "9" * 19 + "x", "12345678 9012345678901", "١" * 30,
               "٣" + "0" * 18, "0" * 18 + "é", '{"id":340282366920938463463374607431768211455}']


@pytest.mark.parametrize("count", [-1, 0, 1, 19, 20])
@pytest.mark.parametrize("text", DIGIT_TEXTS)
def test_digit_run_in_c_is_its_python_twin(text, count):
    assert c.digit_run(text, count) == speedups.digit_run_py(text, count)


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(["0", "7", "9", "٣", "x", "é", " ", "\U0001f600"])).map("".join),
       st.integers(min_value=0, max_value=6))
def test_digit_run_agree_on_any_text(text, count):
    assert c.digit_run(text, count) == speedups.digit_run_py(text, count)


def test_nothing_leaks_on_success_or_error():
    chunk = (FIXTURES / "sample.log").read_bytes() + b"\x1b[31m\r\n"
    hits = [(end, rule + 10_000) for end, rule in _random_hits(chunk, 3)]   # not cached ints

    def rounds():
        for _ in range(2000):
            c.strip_controls(chunk)
            c.map_hits(chunk, hits, Candidate)
            c.cut_long_lines(chunk, 50)
            c.console_prefix(f"headscale-1  | {STAMP} INF a.go:1 > m")
            c.digit_run("é" + "1" * 20, 19)
            c.map_hits(chunk, _collected(c.HitList, hits), Candidate)
            for bad in ([(len(chunk) + 1, 1)], [(1, "x")]):
                with pytest.raises((ValueError, TypeError)):
                    c.map_hits(chunk, bad, Candidate)

    rounds()
    before = sys.getallocatedblocks()
    rounds()
    assert sys.getallocatedblocks() - before < 200


@pytest.mark.parametrize("setting, active", [("1", "False"), ("0", "True"), ("", "True")])
def test_no_speedups_forces_the_python_twins(setting, active):
    probe = "from logsleuth import speedups as s; print(s.ACTIVE, s.map_hits is s.map_hits_py)"
    ran = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True,
                         env={**os.environ, "LOGSLEUTH_NO_SPEEDUPS": setting})
    assert ran.stdout.split() == [active, str(active == "False")]
