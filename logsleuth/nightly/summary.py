"""The nightly summary: analyse what is new since the last run and say what changed.

Files resume at the byte offset where the last run stopped (a rotated or truncated file is
read from the start); piped input skips entries at or before the last time seen. The first
run covers ``--since``. The state is locked for the whole run and written atomically.
"""

from __future__ import annotations

import socket
import sys
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

from ..options import Options
from ..pipeline import Pipeline
from ..progress import Progress
from ..redact import redact
from ..result import Analysis, Unknown, iso
from ..sources import Source, expand
from ..templates import is_known, remember
from .state import (
    Change,
    Run,
    SourceState,
    State,
    compare,
    expire_templates,
    file_identity,
    load_state,
    locked,
    now_utc,
    resume_offset,
    save_state,
)


@dataclass
class Summary:
    analysis: Analysis
    changes: list[Change]
    new_unknown: list[Unknown]
    coverage: float | None            # share of warning/error entries the catalog explains
    host: str
    first_run: bool
    finished: datetime
    warnings: list[str] = field(default_factory=list)
    last_success: datetime | None = None  # the end of the last run that was not interrupted

    def change_of(self, pattern_id: str) -> Change | None:
        return next((c for c in self.changes if c.pattern_id == pattern_id), None)

    def to_dict(self) -> dict:
        data = self.analysis.to_dict()
        data["summary"] = {
            "host": self.host, "first_run": self.first_run, "coverage": self.coverage,
            "changes": [vars(c) for c in self.changes],
            "new_unknown": [u.template for u in self.new_unknown],
            "warnings": self.warnings,
        }
        return data


def _stop_time(seen: datetime | None, stored: datetime | None, finished: datetime, name: str,
               warnings: list[str]) -> datetime | None:
    """Where piped input stopped: the latest time seen, but never later than this run — an
    entry dated in the future must not make later runs skip what really comes next."""
    if seen is None:
        return stored
    if seen > finished:
        warnings.append(f"{name}: entries are dated in the future (up to {iso(seen)}); the "
                        f"next run resumes after {iso(finished)} instead")
        return finished
    return seen


def summarize(inputs: list[str], options: Options, state_path: Path,
              stdin: BinaryIO | None = None, lock_timeout: float = 10.0) -> Summary:
    """Run the nightly analysis under the state lock and record it."""
    with locked(state_path, lock_timeout):
        state, warnings = load_state(state_path)
        sources, skip_until = _resumed(expand(inputs), state, options, warnings)
        first_run = not state.runs
        run_options = replace(options, skip_until=skip_until,
                              since=options.since if first_run or not state.sources else None)
        pipeline = Pipeline(run_options)
        analysis, progress = pipeline.analyze_sources(sources, stdin or sys.stdin.buffer)
        finished = now_utc()
        counts = {f.pattern_id: f.count for f in analysis.findings}
        # stored masked even with --no-redact: the state never holds a secret
        new_unknown = [u for u in analysis.unknown
                       if not is_known(redact(u.template), state.known_templates)]
        _book_sources(state, sources, progress, finished, warnings)
        changes = compare(counts, state.previous)
        for change in changes:
            if change.pattern_id in pipeline.catalog:
                change.title = pipeline.catalog.get(change.pattern_id).localized(options.lang)[0]
        if not analysis.interrupted:
            _record_run(state, state_path, analysis, counts, finished)
    return Summary(analysis, changes, new_unknown, coverage(analysis), socket.gethostname(),
                   first_run, finished, warnings, state.last_success)


def _resumed(sources: list[Source], state: State, options: Options,
             warnings: list[str]) -> tuple[list[Source], dict[str, datetime]]:
    """Files resume at their stored offset (rotation and truncation noticed); piped input
    skips entries up to the time the last run saw."""
    resumed, skip_until = [], dict(options.skip_until)
    for source in sources:
        stored = state.sources.get(source.name)
        if source.path is None:
            if stored and stored.last_time:
                skip_until[source.name] = stored.last_time
            resumed.append(source)
            continue
        offset, why = resume_offset(stored, file_identity(source.path))
        if why:
            warnings.append(f"{source.name}: {why}")
        resumed.append(replace(source, offset=offset))
    return resumed, skip_until


def _book_sources(state: State, sources: list[Source], progress: Progress, finished: datetime,
                  warnings: list[str]) -> None:
    """Where each source stopped: file identity and offset, the last time seen."""
    for source in sources:
        stored = state.sources.setdefault(source.name, SourceState())
        if source.path is not None:
            identity = file_identity(source.path)
            stored.inode, stored.size = identity if identity else (None, None)
            stored.offset = progress.end_offset.get(source.name, stored.offset)
        stored.last_time = _stop_time(progress.last_time.get(source.name), stored.last_time,
                                      finished, source.name, warnings)


def _record_run(state: State, state_path: Path, analysis: Analysis, counts: dict[str, int],
                finished: datetime) -> None:
    """Add the run and the unknown templates seen to the state and save it; a state that
    cannot be saved is an error of the run (the next run reads these lines again)."""
    state.runs.append(Run(finished, counts))
    remember(state.known_templates, [redact(u.template) for u in analysis.unknown], finished)
    expire_templates(state.known_templates, finished)
    state.last_success = finished
    try:
        save_state(state_path, state)
    except OSError as exc:
        analysis.errors.append(
            f"could not save the state to {state_path} ({exc.strerror or exc}); the "
            "previous state is kept, so the next run reads these lines again")


def coverage(analysis: Analysis) -> float | None:
    """The share of warning/error entries the catalog explains (an unexplained crash
    counts as unknown); None when there were none."""
    explained = sum(f.count for f in analysis.findings
                    if f.severity != "info" and f.template is None)
    unknown = sum(u.count for u in analysis.unknown)
    unknown += sum(f.count for f in analysis.findings if f.template is not None)  # crashes
    return explained / (explained + unknown) if explained + unknown else None
