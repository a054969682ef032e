"""The nightly state: where each source stopped, what the last runs found.

One JSON file (``$XDG_STATE_HOME/logsleuth/state.json`` by default), written atomically
(temp file, fsync, rename) under an exclusive lock, so overlapping cron runs cannot
interleave and a run killed mid-write leaves the previous state intact. A corrupt or
newer-schema file is moved aside and the run goes on as a first run. The state holds
pattern ids, counts, masked and redacted unknown templates, offsets and times — no raw lines.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import stat
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

from .envelope import parse_time
from .result import iso

SCHEMA = 1
RUNS_KEPT = 14


class StateError(Exception):
    """The state cannot be used (locked by another run, unwritable)."""


def default_state_path() -> Path:
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "logsleuth" / "state.json"


@dataclass
class SourceState:
    inode: int | None = None
    size: int | None = None
    offset: int | None = None
    last_time: datetime | None = None


@dataclass
class Run:
    finished: datetime
    counts: dict[str, int]            # pattern id -> count


@dataclass
class State:
    sources: dict[str, SourceState] = field(default_factory=dict)
    runs: list[Run] = field(default_factory=list)
    known_templates: set[str] = field(default_factory=set)
    last_success: datetime | None = None

    @property
    def previous(self) -> dict[str, int] | None:
        return self.runs[-1].counts if self.runs else None

    def to_json(self) -> dict:
        return {
            "schema": SCHEMA,
            "sources": {name: {"inode": s.inode, "size": s.size, "offset": s.offset,
                               "last_time": iso(s.last_time)} for name, s in self.sources.items()},
            "runs": [{"finished": iso(r.finished), "counts": r.counts} for r in self.runs[-RUNS_KEPT:]],
            "known_templates": sorted(self.known_templates),
            "last_success": iso(self.last_success),
        }

    @classmethod
    def from_json(cls, data: dict) -> "State":
        if not isinstance(data, dict) or data.get("schema") != SCHEMA:
            raise ValueError(f"unsupported state schema {data.get('schema') if isinstance(data, dict) else '?'}")
        return cls(
            sources={name: SourceState(s.get("inode"), s.get("size"), s.get("offset"),
                                       parse_time(s["last_time"]) if s.get("last_time") else None)
                     for name, s in data.get("sources", {}).items()},
            runs=[Run(parse_time(r["finished"]), {k: int(v) for k, v in r["counts"].items()})
                  for r in data.get("runs", [])],
            known_templates=set(data.get("known_templates", [])),
            last_success=parse_time(data["last_success"]) if data.get("last_success") else None,
        )


def load_state(path: Path) -> tuple[State, list[str]]:
    """The stored state (or a fresh one) and warnings about what was wrong with the file."""
    if not path.exists():
        return State(), []
    try:
        return State.from_json(json.loads(path.read_text(encoding="utf-8"))), []
    except (ValueError, KeyError, TypeError, OSError) as exc:
        aside = path.with_name(f"{path.name}.bad-{int(time.time())}")
        try:
            path.replace(aside)
        except OSError:
            aside = path
        return State(), [f"state file {path} could not be used ({exc}); moved aside to {aside}, "
                         "treating this as a first run"]


def replacement_mode(path: Path) -> int:
    """The mode a file written to ``path`` should get: the existing file's, else what
    ``open()`` would create under the process umask (0644 under 022)."""
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except OSError:
        umask = os.umask(0o022)
        os.umask(umask)
        return 0o666 & ~umask


def write_atomically(path: Path, text: str) -> None:
    """Write via a temp file in the same directory, fsync, then rename over ``path``; the
    result has the mode :func:`replacement_mode` gives (not mkstemp's 0600)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = replacement_mode(path)
    handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        os.fchmod(handle, mode)
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def save_state(path: Path, state: State) -> None:
    write_atomically(path, json.dumps(state.to_json(), indent=1, ensure_ascii=False) + "\n")


@contextmanager
def locked(path: Path, timeout: float = 10.0) -> Iterator[None]:
    """Hold an exclusive lock beside the state file; wait up to ``timeout`` seconds."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lock_path = path.with_name(path.name + ".lock")
    with open(lock_path, "a+") as handle:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as exc:
                if exc.errno not in (errno.EAGAIN, errno.EACCES):
                    raise StateError(f"cannot lock {lock_path}: {exc}") from None
                if time.monotonic() >= deadline:
                    raise StateError(f"another logsleuth run holds {lock_path}; "
                                     f"gave up after {timeout:g}s") from None
                time.sleep(0.1)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def file_identity(path: Path) -> tuple[int, int] | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return stat.st_ino, stat.st_size


def resume_offset(stored: SourceState | None, identity: tuple[int, int] | None) -> tuple[int, str | None]:
    """Where to start reading a file, and why it starts from the beginning (if it does)."""
    if stored is None or stored.offset is None or identity is None:
        return 0, None
    inode, size = identity
    if stored.inode != inode:
        return 0, "rotated (a new file took its place): read from the start"
    if size < stored.offset:
        return 0, "truncated since the last run: read from the start"
    return stored.offset, None


# ------------------------------------------------------------------ run-to-run changes

@dataclass
class Change:
    pattern_id: str
    status: str        # new | rising | falling | still present | resolved
    count: int
    previous: int
    title: str = ""    # the pattern's title (a resolved one has no finding to take it from)


def compare(current: dict[str, int], previous: dict[str, int] | None) -> list[Change]:
    """How each pattern moved against the previous run."""
    previous = previous or {}
    changes = []
    for pattern_id, count in current.items():
        before = previous.get(pattern_id, 0)
        if before == 0:
            status = "new"
        elif count >= before * 1.5 and count - before >= 2:
            status = "rising"
        elif count * 1.5 <= before:
            status = "falling"
        else:
            status = "still present"
        changes.append(Change(pattern_id, status, count, before))
    changes += [Change(pid, "resolved", 0, before) for pid, before in previous.items()
                if pid not in current and before > 0]
    return changes


def now_utc() -> datetime:
    return datetime.now(timezone.utc)
