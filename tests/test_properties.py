"""Property-based tests: whatever the envelope, level, fields or junk, the pipeline never
raises, line counts add up, and redaction is idempotent."""

from __future__ import annotations

import bz2
import gzip
import io
import lzma

import zstandard
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from logsleuth.envelope import decode_line
from logsleuth.redact import redact
from logsleuth.sources import compression

from .conftest import FIXTURES, analyze_text

PREFIXES = st.sampled_from(["", "headscale-1  | ", "headscale_1  | ", "\x1b[36mheadscale-1  | \x1b[0m",
                            "Jul 14 09:12:03 vps headscale[812]: ", "x" * 200 + " | ",
                            "headscale-1  | 2026-07-14T09:14:41.006735512Z "])
STAMPS = st.sampled_from(["2026-07-14T09:12:03Z ", "2024-11-04T08:15:42+01:00 ", "2026/07/14 10:10:31 ",
                          "9999-99-99T99:99:99Z ", "", "1970-01-01T00:00:00Z "])
LEVELS = st.sampled_from(["INF ", "WRN ", "ERR ", "FTL ", "DBG ", "PNC ", "??? ", "", "Error: ", "FATAL: "])
MESSAGES = st.sampled_from([
    'failed to update last seen in database error="database is locked (5) (SQLITE_BUSY)"',
    "listen tcp 0.0.0.0:8080: bind: address already in use", "node has disconnected",
    "unable to open database file: out of memory (14)", "An updated version of Headscale has been found",
    'user msg: state did not match code=403', "Received error: authkey expired"])
JUNK = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=80)
FIELDS = st.lists(st.tuples(st.from_regex(r"[a-z][a-z.]{0,8}", fullmatch=True),
                            st.one_of(JUNK, st.from_regex(r'"[^"\\]{0,20}"', fullmatch=True))), max_size=4)


@st.composite
def log_lines(draw) -> str:
    line = draw(PREFIXES) + draw(STAMPS) + draw(LEVELS) + draw(st.one_of(MESSAGES, JUNK))
    line += "".join(f" {k}={v}" for k, v in draw(FIELDS))
    return line.replace("\n", " ").replace("\r", " ")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(log_lines(), max_size=30))
def test_pipeline_never_raises_and_counts_add_up(pipeline, lines):
    result = analyze_text(pipeline, "".join(f"{line}\n" for line in lines))
    assert result.lines.total == len(lines)
    assert result.lines.matched + result.lines.unknown <= result.lines.total
    assert sum(f.count for f in result.findings) + sum(u.count for u in result.unknown) <= len(lines)
    result.to_dict()                                       # serialisable


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=2000))
def test_arbitrary_bytes_never_raise(pipeline, data):
    result = pipeline.analyze(["-"], stdin=io.BytesIO(data))
    kind = compression(data[:8])
    if kind:                                 # looks like gzip/xz/...: decoded or reported damaged
        decoded = _fully_decoded(data, kind)
        if decoded is None:
            assert result.errors
        else:
            assert result.lines.total == _line_count(decoded)
        return
    assert result.lines.total == data.count(b"\n") + (0 if data.endswith(b"\n") or not data else 1)


def _line_count(data: bytes) -> int:
    return data.count(b"\n") + (0 if data.endswith(b"\n") or not data else 1)


def _fully_decoded(data: bytes, kind: str) -> bytes | None:
    """What the standard decoder of ``kind`` makes of the whole input; None when it refuses."""
    decoders = {"gzip": gzip.decompress, "bzip2": bz2.decompress, "xz": lzma.decompress,
                "zstd": lambda raw: zstandard.ZstdDecompressor().decompressobj().decompress(raw)}
    try:
        return decoders[kind](data)
    except (EOFError, OSError, ValueError, lzma.LZMAError, zstandard.ZstdError, KeyError):
        return None


COMPRESSORS = {"gzip": gzip.compress, "bzip2": bz2.compress, "xz": lzma.compress,
               "zstd": zstandard.ZstdCompressor().compress}
SAMPLE_LOG = (FIXTURES / "sample.log").read_bytes()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.sampled_from(sorted(COMPRESSORS)), st.floats(min_value=0.0, max_value=1.0))
def test_a_compressed_log_cut_short_is_reported_and_read_no_further_than_the_cut(pipeline, kind,
                                                                                   share):
    packed = COMPRESSORS[kind](SAMPLE_LOG)
    cut = int(len(packed) * share)
    result = pipeline.analyze(["-"], stdin=io.BytesIO(packed[:cut]))
    if cut == len(packed):
        assert result.errors == [] and result.lines.total == _line_count(SAMPLE_LOG)
    elif cut >= 8:                              # recognised, then cut: said so, for every kind
        assert any("input ends early or is damaged" in e for e in result.errors), result.errors
        assert result.lines.total <= _line_count(SAMPLE_LOG)
    else:                                       # a few bytes, not even the magic: no archive
        assert result.lines.total <= 1


@settings(max_examples=300, deadline=None)
@given(st.one_of(JUNK, log_lines(), st.from_regex(r"(password|token|secret)=[A-Za-z0-9]{4,20}", fullmatch=True)))
def test_redaction_is_idempotent(text):
    once = redact(text)
    assert redact(once) == once


def test_gbk_chinese_is_decoded_and_junk_replaced():
    assert decode_line("数据库锁定 database is locked".encode("gbk")) == "数据库锁定 database is locked"
    assert "\ufffd" in decode_line(b"\xff\xfe database is locked")
