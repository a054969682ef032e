"""Whether an input is a diagnostic bundle rather than a log: a few header bytes decide,
so analysing a log never loads the bundle's parsers."""

from __future__ import annotations

import io
from pathlib import Path
from typing import BinaryIO

from ..sources import wakeful

BUNDLE_HEAD = 64 << 10      # the bytes in which a bundle's section headers must show
MARKERS = tuple(f"=== {name.title()} ===".encode() for name in ("recent logs", "container status"))


def looks_like_bundle(head: bytes) -> bool:
    """True when the first bytes of a file carry the bundle's section headers."""
    return any(marker.lower() in head.lower() for marker in MARKERS)


def is_bundle_file(name: str) -> bool:
    """A regular file whose first bytes carry diagnostic-report section headers."""
    path = Path(name)
    try:
        with open(path, "rb") as handle:
            return path.is_file() and looks_like_bundle(handle.read(BUNDLE_HEAD))
    except OSError:
        return False


def peek_bundle(stream: BinaryIO) -> tuple[BinaryIO, bool]:
    """Whether a stream starts like a diagnostic bundle, without consuming it: the stream
    to read from now on (buffered when it could not peek), and the answer. Typed input
    is a log, and peeking at a terminal would block."""
    if stream.isatty():
        return stream, False
    stream = wakeful(stream)
    if not hasattr(stream, "peek"):
        stream = io.BufferedReader(stream, BUNDLE_HEAD)  # type: ignore[type-var]
    return stream, looks_like_bundle(stream.peek(BUNDLE_HEAD)[:BUNDLE_HEAD])
