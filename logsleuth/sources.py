"""Inputs as binary streams: files, globs, ``-`` / stdin, gzip, bzip2, xz and zstd.

Compression is recognised by its magic bytes, not the file name, so a renamed or piped
archive works too. Nothing is read here beyond a few peeked bytes.
"""

from __future__ import annotations

import bz2
import glob
import gzip
import io
import lzma
import re
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

STDIN_NAME = "<stdin>"

_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x1f\x8b", "gzip"),
    (b"BZh", "bzip2"),
    (b"\xfd7zXZ\x00", "xz"),
    (b"\x28\xb5\x2f\xfd", "zstd"),
)

# A zstd skippable frame's magic number, 0x184D2A50 to 0x184D2A5F little-endian.
_ZSTD_SKIPPABLE = re.compile(rb"[\x50-\x5f]\x2a\x4d\x18")

# Exceptions a damaged compressed stream raises while being read.
DECOMPRESSION_ERRORS: tuple[type[BaseException], ...] = (EOFError, OSError, lzma.LZMAError)
try:
    import zstandard

    DECOMPRESSION_ERRORS += (zstandard.ZstdError,)
except ImportError:  # pragma: no cover - zstandard is a dependency
    zstandard = None


class InputError(Exception):
    """An input that cannot be opened or read to the end."""


@dataclass(frozen=True)
class Source:
    """A named input. ``path`` is None for standard input; ``offset`` is where reading of an
    uncompressed file starts (the nightly summary resumes where it stopped)."""

    name: str
    path: Path | None
    offset: int = 0


def expand(arguments: list[str]) -> list[Source]:
    """Turn command-line arguments into sources; no argument means standard input."""
    if not arguments:
        return [Source(STDIN_NAME, None)]
    sources: list[Source] = []
    for argument in arguments:
        if argument == "-":
            sources.append(Source(STDIN_NAME, None))
            continue
        matches = sorted(glob.glob(argument)) if glob.has_magic(argument) else []
        sources.extend(Source(m, Path(m)) for m in matches)
        if not matches:
            sources.append(Source(argument, Path(argument)))
    return sources


def compression(head: bytes) -> str | None:
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            return kind
    if _ZSTD_SKIPPABLE.match(head):     # pzstd writes a skippable frame first
        return "zstd"
    return None


def open_source(source: Source, stdin: BinaryIO) -> BinaryIO:
    """Open a source for binary reading, decompressing transparently."""
    if source.path is None:
        raw = stdin
    else:
        if source.path.is_dir():
            raise InputError(f"{source.name}: is a directory")
        try:
            raw = open(source.path, "rb")
        except OSError as exc:
            raise InputError(f"{source.name}: {exc.strerror or exc}") from None
    buffered = raw if hasattr(raw, "peek") else io.BufferedReader(raw)  # type: ignore[arg-type]
    kind = compression(buffered.peek(8)[:8])
    if source.offset and kind is None and source.path is not None:
        buffered.seek(source.offset)
    if kind == "gzip":
        return gzip.GzipFile(fileobj=buffered)  # type: ignore[return-value]
    if kind == "bzip2":
        return bz2.BZ2File(buffered)  # type: ignore[return-value]
    if kind == "xz":
        return lzma.LZMAFile(buffered)  # type: ignore[return-value]
    if kind == "zstd":
        if zstandard is None:
            raise InputError(f"{source.name}: zstd input needs the zstandard package")
        return zstandard.ZstdDecompressor().stream_reader(buffered, read_across_frames=True)
    return buffered
