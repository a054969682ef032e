"""Inputs as binary streams: files, globs, ``-`` / stdin, gzip, bzip2, xz and zstd.

Compression is recognised by its magic bytes, not the file name, so a renamed or piped
archive works too. Nothing is read here beyond a few peeked bytes.
"""

from __future__ import annotations

import bz2
import contextlib
import glob
import gzip
import io
import lzma
import os
import re
import select
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from .zstdframes import FrameCheck

STDIN_NAME = "<stdin>"
PIPE_SIZE = 1 << 20
"""What a pipe into logsleuth is widened to (Linux lets anyone widen to 1 MiB): at the
default 64 KiB every read takes at most that and the writer waits on each, and passing a
gigabyte through ``cat log |`` costs the two processes 40 % more CPU."""

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
    zstandard = None  # type: ignore[assignment]


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


class _WakefulReader(io.RawIOBase):
    """A terminal or pipe read so that Ctrl-C is noticed at once: wait in ``select`` with a
    timeout, so the main thread comes back to Python (and raises KeyboardInterrupt) even when
    another thread (Polars' pool) took the signal that would have interrupted the read."""

    def __init__(self, fd: int, wake_every: float = 0.2) -> None:
        self._fd = fd
        self._wake_every = wake_every

    def readable(self) -> bool:
        return True

    def fileno(self) -> int:
        return self._fd

    def readinto(self, buffer) -> int:
        while not select.select([self._fd], [], [], self._wake_every)[0]:
            pass
        return os.readv(self._fd, [buffer])


def wakeful(stdin: BinaryIO) -> BinaryIO:
    """Standard input as a stream whose reads Ctrl-C interrupts when it is a terminal, a
    pipe or a socket (a regular file never blocks and stays seekable). Already wakeful
    input is kept as it is, so bytes peeked from it are not lost."""
    if isinstance(getattr(stdin, "raw", None), _WakefulReader):
        return stdin
    try:
        fd = stdin.fileno()
        kind = os.fstat(fd).st_mode
    except (AttributeError, OSError, ValueError, io.UnsupportedOperation):
        return stdin                                    # in memory: never blocks
    if stat.S_ISREG(kind):
        return stdin
    if stat.S_ISFIFO(kind):
        _widen_pipe(fd)
    return io.BufferedReader(_WakefulReader(fd))


def _widen_pipe(fd: int) -> None:
    """Ask for a PIPE_SIZE pipe where the system has the call; keep the pipe as it is when
    it is as wide already (a writer widened it further) or when refused (the user's pipe
    memory is used up, a narrower system limit)."""
    try:
        import fcntl
    except ImportError:             # pragma: no cover - not on Windows' pipes
        return
    if not hasattr(fcntl, "F_SETPIPE_SZ"):
        return
    with contextlib.suppress(OSError):
        if fcntl.fcntl(fd, fcntl.F_GETPIPE_SZ) < PIPE_SIZE:
            fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, PIPE_SIZE)


def open_source(source: Source, stdin: BinaryIO) -> BinaryIO:
    """Open a source for binary reading, decompressing transparently."""
    if source.path is None:
        raw = wakeful(stdin)
    else:
        if source.path.is_dir():
            raise InputError(f"{source.name}: is a directory")
        try:
            raw = open(source.path, "rb")  # noqa: SIM115 - the caller reads and closes it
        except OSError as exc:
            raise InputError(f"{source.name}: {exc.strerror or exc}") from None
    buffered = raw if hasattr(raw, "peek") else io.BufferedReader(raw)  # type: ignore[type-var]
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
        return zstandard.ZstdDecompressor().stream_reader(io.BufferedReader(FrameCheck(buffered)),
                                                          read_across_frames=True)
    return buffered
