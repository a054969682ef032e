"""The start-up cache: what is costly to rebuild and depends only on its inputs (the
compiled Hyperscan database, the parsed pattern files), keyed by a digest of those inputs
under ``$XDG_CACHE_HOME/logsleuth``. A cache that cannot be read or written only costs
start-up time."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path


def cache_path(kind: str, *inputs: bytes, cache_dir: Path | None = None) -> Path:
    """Where the ``kind`` of thing built from ``inputs`` is cached."""
    base = cache_dir or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "logsleuth"
    digest = hashlib.sha256(b"\0".join(inputs)).hexdigest()
    return base / f"{kind}-{digest[:24]}"


def load(path: Path) -> bytes | None:
    """The cached bytes, or None when there are none (or they cannot be read)."""
    try:
        return path.read_bytes()
    except OSError:
        return None


def store(path: Path, data: bytes) -> None:
    """Write atomically, best effort."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temp = path.with_suffix(f".{os.getpid()}.tmp")
        temp.write_bytes(data)
        os.replace(temp, path)
    except OSError:
        pass
