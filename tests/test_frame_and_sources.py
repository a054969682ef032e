"""Framing in bounded memory and every input kind, including damaged ones."""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import struct

import pytest
import zstandard

from logsleuth.frame import Limit, frames
from logsleuth.sources import InputError, Source, expand, open_source

from .conftest import FIXTURES, run_json


def test_frames_cut_at_newlines():
    data = b"".join(b"line %d\n" % i for i in range(1, 1001)) + b"tail without newline"
    chunks = list(frames(io.BytesIO(data), chunk_size=100))
    assert b"".join(c.data for c in chunks) == data + b"\n"
    assert all(c.data.endswith(b"\n") for c in chunks)
    assert sum(c.lines for c in chunks) == 1001 and len(chunks) > 10


def test_an_absurdly_long_line_is_cut_counted_and_the_next_lines_survive():
    data = b"before\n" + b"x" * 5000 + b" database is locked\n" + b"after\n"
    chunks = list(frames(io.BytesIO(data), chunk_size=256, max_line=1000))
    joined = b"".join(c.data for c in chunks)
    assert joined.startswith(b"before\n" + b"x" * 1000 + b"\n")
    assert joined.endswith(b"after\n")
    assert sum(c.truncated for c in chunks) == 1
    assert max(len(c.data) for c in chunks) < 2000


@pytest.mark.parametrize("chunk_size", [64, 700, 1700, 5000, 1 << 20])
def test_long_lines_are_cut_the_same_wherever_the_chunk_edges_fall(chunk_size):
    data = b"a\n" + b"x" * 3000 + b"\nshort\n" + b"y" * 1500 + b"\n" + b"z" * 1000 + b"\n"
    chunks = list(frames(io.BytesIO(data), chunk_size=chunk_size, max_line=1000))
    lines = b"".join(c.data for c in chunks).split(b"\n")[:-1]
    assert [len(line) for line in lines] == [1, 1000, 5, 1000, 1000]
    assert sum(c.lines for c in chunks) == 5 and sum(c.truncated for c in chunks) == 2


@pytest.mark.parametrize("chunk_size", [64, 700, 1000, 1700, 5000, 1 << 20])
@pytest.mark.parametrize("tail", [b"", b"last line without newline", b"y" * 2500])
def test_a_plain_file_is_cut_like_a_stream(tmp_path, chunk_size, tail):
    data = (b"a\n" + b"x" * 3000 + b"\nshort\r\n" + b"y" * 1500 + b"\n\n" + b"z" * 1000
            + b"\n" + b"w" * 999 + b"\n" + b"v" * 1001 + b"\n") * 3 + tail
    path = tmp_path / "log"
    path.write_bytes(data)
    with open(path, "rb") as handle:
        whole = list(frames(handle, chunk_size=chunk_size, max_line=1000))
        assert handle.tell() == len(data)
    streamed = list(frames(io.BytesIO(data), chunk_size=chunk_size, max_line=1000))
    assert b"".join(c.data for c in whole) == b"".join(c.data for c in streamed)
    assert sum(c.truncated for c in whole) == sum(c.truncated for c in streamed)
    assert all(c.data.endswith(b"\n") for c in whole)


def test_a_file_part_stops_at_its_limit(tmp_path):
    path = tmp_path / "log"
    path.write_bytes(b"one\ntwo\nthree\nfour\n")
    with open(path, "rb") as handle:
        handle.seek(4)
        chunks = list(frames(handle, chunk_size=5, limit=Limit(10)))
        assert b"".join(c.data for c in chunks) == b"two\nthree\n" and handle.tell() == 14


def test_a_limit_lowered_between_chunks_stops_the_part_there(tmp_path):
    """Another process took the rest of the part over: reading ends at the new limit."""
    path = tmp_path / "log"
    path.write_bytes(b"".join(b"line %02d\n" % n for n in range(20)))
    limit = Limit(160)
    with open(path, "rb") as handle:
        read = []
        for chunk in frames(handle, chunk_size=32, limit=limit):
            read.append(chunk.data)
            if len(read) == 1:
                limit.size = 72               # 9 lines, past the 4 of the first chunk
        assert b"".join(read) == path.read_bytes()[:72] and handle.tell() == 72


@pytest.mark.parametrize("compress", [gzip.compress, bz2.compress, lzma.compress,
                                      lambda b: zstandard.ZstdCompressor().compress(b)])
def test_compressed_inputs_are_recognised_by_content(tmp_path, compress):
    raw = (FIXTURES / "compose-v2-sqlite-locked.log").read_bytes()
    path = tmp_path / "renamed.log"          # no telling extension on purpose
    path.write_bytes(compress(raw))
    code, data = run_json([str(path)])
    assert code == 1
    assert data["lines"]["total"] == 13
    assert data["findings"][0]["category"] == "database_locked"


def test_truncated_gzip_keeps_what_was_read_and_exits_3(tmp_path):
    raw = (FIXTURES / "sample.log").read_bytes() * 50
    blob = gzip.compress(raw)
    path = tmp_path / "cut.log.gz"
    path.write_bytes(blob[: len(blob) // 2])
    code, data = run_json([str(path)])
    assert code == 3
    assert data["errors"] and "damaged" in data["errors"][0]
    assert data["lines"]["total"] > 0 and data["findings"]


def test_missing_and_directory_inputs_are_reported_and_the_rest_analysed(tmp_path):
    good = FIXTURES / "compose-v2-sqlite-locked.log"
    code, data = run_json([str(tmp_path / "missing.log"), str(tmp_path), str(good)])
    assert code == 3
    assert len(data["errors"]) == 2
    assert any("is a directory" in e for e in data["errors"])
    assert data["findings"][0]["category"] == "database_locked"


def test_globs_expand_and_dash_means_stdin():
    sources = expand([str(FIXTURES / "compose-v*.log"), "-"])
    assert [s.path is None for s in sources].count(True) == 1
    assert len(sources) >= 4


def test_open_source_of_missing_file_raises_input_error(tmp_path):
    with pytest.raises(InputError):
        open_source(Source("x", tmp_path / "nope"), io.BytesIO())


def _zstd_inputs() -> dict[str, bytes]:
    """zstd inputs of every frame shape: several frames, a checksum, a skippable frame
    first (pzstd), a dictionary-less frame with and without its content size, RLE blocks."""
    text = (FIXTURES / "sample.log").read_bytes()
    plain = zstandard.ZstdCompressor(write_checksum=False, write_content_size=False)
    checked = zstandard.ZstdCompressor(write_checksum=True, level=19)
    skippable = struct.pack("<II", 0x184D2A5E, 6) + b"pzstd!"
    return {"frames": plain.compress(text) + checked.compress(text),
            "skippable first": skippable + checked.compress(text * 3),
            "rle": checked.compress(b"\n" * 300_000 + text)}


@pytest.mark.parametrize("name", sorted(_zstd_inputs()))
def test_a_zstd_input_cut_anywhere_inside_a_frame_is_reported(tmp_path, name):
    whole = _zstd_inputs()[name]
    path = tmp_path / "headscale.log.zst"
    path.write_bytes(whole)
    code, data = run_json([str(path)])
    assert data["errors"] == [] and data["lines"]["total"] > 0
    for cut in sorted({4, 5, 9, 13, len(whole) // 3, len(whole) // 2, len(whole) - 4,
                       len(whole) - 1}):
        path.write_bytes(whole[:cut])
        code, data = run_json([str(path)])
        assert code == 3 and "input ends early or is damaged" in data["errors"][0], (cut, data)


@pytest.mark.skipif(not hasattr(__import__("fcntl"), "F_GETPIPE_SZ"), reason="Linux pipes")
def test_a_pipe_into_logsleuth_is_widened_and_read_whole():
    import fcntl
    import os
    import threading

    from logsleuth.sources import PIPE_SIZE

    read_end, write_end = os.pipe()
    assert fcntl.fcntl(read_end, fcntl.F_GETPIPE_SZ) < PIPE_SIZE
    lines = b"".join(b"headscale-1  | line %d\n" % n for n in range(200_000))
    writer = threading.Thread(target=lambda: (os.write(write_end, lines), os.close(write_end)))
    writer.start()                  # open_source peeks: the bytes must be on their way
    with open(read_end, "rb") as stdin:
        stream = open_source(Source("<stdin>", None), stdin)
        assert fcntl.fcntl(read_end, fcntl.F_GETPIPE_SZ) == PIPE_SIZE
        assert b"".join(chunk.data for chunk in frames(stream)) == lines
    writer.join()



@pytest.mark.skipif(not hasattr(__import__("fcntl"), "F_GETPIPE_SZ"), reason="Linux pipes")
def test_a_pipe_wider_than_logsleuth_asks_for_is_never_narrowed(monkeypatch):
    import fcntl
    import os

    from logsleuth import sources

    monkeypatch.setattr(sources, "PIPE_SIZE", 256 << 10)      # a writer widened it further
    read_end, write_end = os.pipe()
    fcntl.fcntl(read_end, fcntl.F_SETPIPE_SZ, 1 << 20)
    os.write(write_end, b"headscale-1  | line\n")
    with open(read_end, "rb") as stdin:
        stream = sources.wakeful(stdin)
        assert fcntl.fcntl(read_end, fcntl.F_GETPIPE_SZ) == 1 << 20
        assert stream.read1(100) == b"headscale-1  | line\n"
    os.close(write_end)
