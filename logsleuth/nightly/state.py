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
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Iterator

from ..timeparse import parse_time
from ..result import iso

SCHEMA = 1
RUNS_KEPT = 14
TEMPLATES_KEPT_DAYS = 60          # an unknown template not seen for this long is forgotten
TEMPLATES_KEPT = 2000              # and at most this many, the most recently seen
STATE_MAX_BYTES = 32 << 20         # a bigger state file is not ours: moved aside, not read
STALE_TEMP_SECONDS = 3600          # temp files older than this were left by a killed run


class StateError(Exception):
    """The state cannot be used (locked by another run, not a regular file)."""


class StateIOError(Exception):
    """The state's lock cannot be created or taken (no permission, read-only disk)."""


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
    known_templates: dict[str, datetime] = field(default_factory=dict)   # -> last seen
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
            "known_templates": {t: iso(seen) for t, seen in sorted(self.known_templates.items())},
            "last_success": iso(self.last_success),
        }

    @classmethod
    def from_json(cls, data: object) -> "State":
        """The state a file holds; ValueError for anything but exactly what to_json writes."""
        top = _mapping(data, "the file", {"schema", "sources", "runs", "known_templates",
                                          "last_success"})
        if top.get("schema") != SCHEMA or isinstance(top.get("schema"), bool):
            raise ValueError(f"unsupported state schema {top.get('schema')!r}")
        sources = {}
        for name, entry in _mapping(top.get("sources", {}), "sources").items():
            where = f"sources[{name!r}]"
            entry = _mapping(entry, where, {"inode", "size", "offset", "last_time"})
            inode, size, offset = (_maybe_count(entry.get(key), f"{where}.{key}")
                                   for key in ("inode", "size", "offset"))
            sources[name] = SourceState(inode, size, offset,
                                        _maybe_moment(entry.get("last_time"), f"{where}.last_time"))
        runs = []
        for number, run in enumerate(_sequence(top.get("runs", []), "runs")):
            where = f"runs[{number}]"
            run = _mapping(run, where, {"finished", "counts"})
            counts = {key: _count(value, f"{where}.counts[{key!r}]")
                      for key, value in _mapping(run.get("counts"), f"{where}.counts").items()}
            runs.append(Run(_moment(run.get("finished"), f"{where}.finished"),
                            counts))
        last_success = _maybe_moment(top.get("last_success"), "last_success")
        return cls(sources=sources, runs=runs, last_success=last_success,
                   known_templates=_templates(top.get("known_templates", {}), last_success))


def _templates(value: object, last_success: datetime | None) -> dict[str, datetime]:
    """Known templates with the time each was last seen; a list (older state files) counts
    as seen at the last success."""
    if isinstance(value, list):
        if not all(isinstance(template, str) for template in value):
            raise ValueError("known_templates: not all strings")
        return dict.fromkeys(value, last_success or now_utc())
    return {template: _moment(seen, f"known_templates[{template!r}]")
            for template, seen in _mapping(value, "known_templates").items()}


def expire_templates(known: dict[str, datetime], now: datetime) -> None:
    """Forget templates not seen for TEMPLATES_KEPT_DAYS, and keep at most TEMPLATES_KEPT
    (the most recently seen): the state does not grow with every night's junk errors."""
    cutoff = now - timedelta(days=TEMPLATES_KEPT_DAYS)
    for template in [t for t, seen in known.items() if seen < cutoff]:
        del known[template]
    if len(known) > TEMPLATES_KEPT:
        for template in sorted(known, key=known.__getitem__)[:len(known) - TEMPLATES_KEPT]:
            del known[template]


def _mapping(value: object, where: str, keys: set[str] | None = None) -> dict:
    if not isinstance(value, dict):
        raise ValueError(f"{where}: expected an object")
    unknown = set(value) - keys if keys is not None else set()
    if unknown:
        raise ValueError(f"{where}: unexpected {', '.join(sorted(map(repr, unknown)))}")
    return value


def _sequence(value: object, where: str) -> list:
    if not isinstance(value, list):
        raise ValueError(f"{where}: expected a list")
    return value


def _maybe_count(value: object, where: str) -> int | None:
    return None if value is None else _count(value, where)


def _count(value: object, where: str) -> int:
    """A whole number from 0 to 2**63 - 1 (offsets, inodes, counts); never a bool or float."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**63:
        raise ValueError(f"{where}: expected a whole number >= 0, found {str(value)[:40]!r}")
    return value


def _maybe_moment(value: object, where: str) -> datetime | None:
    return None if value is None else _moment(value, where)


def _moment(value: object, where: str) -> datetime:
    """An ISO 8601 time as an aware datetime."""
    moment = parse_time(value) if isinstance(value, str) else None
    if moment is None:
        raise ValueError(f"{where}: expected an ISO 8601 time, found {str(value)[:40]!r}")
    return moment


def refuse_non_regular(path: Path) -> None:
    """Raise OSError when ``path`` exists and is not a regular file (a directory, device,
    FIFO or symlink): it must never be replaced or read as a state or side file."""
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return
    if not stat.S_ISREG(mode):
        raise OSError(f"{path} is not a regular file; refusing to replace or read it")


def _read_capped(path: Path) -> str:
    with open(path, "rb") as handle:
        data = handle.read(STATE_MAX_BYTES + 1)
    if len(data) > STATE_MAX_BYTES:
        raise ValueError(f"larger than {STATE_MAX_BYTES >> 20} MiB")
    return data.decode("utf-8")


def load_state(path: Path) -> tuple[State, list[str]]:
    """The stored state (or a fresh one) and warnings about what was wrong with the file."""
    try:
        refuse_non_regular(path)
    except OSError as exc:
        raise StateError(str(exc)) from None
    if not path.exists():
        return State(), []
    try:
        return State.from_json(json.loads(_read_capped(path))), []
    except (ValueError, OSError, RecursionError) as exc:
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
    result has the mode :func:`replacement_mode` gives (not mkstemp's 0600). A target that
    exists and is not a regular file is refused (OSError)."""
    refuse_non_regular(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temps(path)
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


def remove_stale_temps(path: Path) -> None:
    """Delete the temp files of ``path`` that a run killed mid-write left behind (only old
    ones: a younger one may belong to a run writing right now)."""
    cutoff = time.time() - STALE_TEMP_SECONDS
    for temp in path.parent.glob(f".{path.name}.*"):
        try:
            if temp.is_file() and not temp.is_symlink() and temp.stat().st_mtime < cutoff:
                temp.unlink()
        except OSError:
            pass


def save_state(path: Path, state: State) -> None:
    # ASCII JSON: a file name that is not UTF-8 (a surrogate escape) is stored as \udcxx
    write_atomically(path, json.dumps(state.to_json(), indent=1) + "\n")


@contextmanager
def locked(path: Path, timeout: float = 10.0) -> Iterator[None]:
    """Hold an exclusive lock beside the state file; wait up to ``timeout`` seconds."""
    lock_path = path.with_name(path.name + ".lock")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(lock_path, "a+")  # noqa: SIM115 - held for the whole run, closed below
    except OSError as exc:
        raise StateIOError(f"cannot create the lock {lock_path}: {exc.strerror or exc}") from None
    with handle:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as exc:
                if exc.errno not in (errno.EAGAIN, errno.EACCES):
                    raise StateIOError(f"cannot lock {lock_path}: {exc.strerror or exc}") from None
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
