"""A classified log entry: one or more physical lines, what classify makes of them (the
pattern that won, the fields it lifted, the envelope and the template) and what aggregate
counts them under."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from . import jsonload
from .catalog import Pattern
from .formats import Envelope

#: an entry's shared part: service, container, time, level, pattern, severity, envelope,
#: line, fields, template
Snapshot = tuple[str | None, str | None, "datetime | None", str | None, "Pattern | None",
                 str | None, "Envelope", str, tuple[tuple[str, str], ...], str | None]


@dataclass(slots=True, init=False)
class Entry:
    """One classified log entry (one or more physical lines). (One is made for every
    candidate line: its ``__init__`` is written out, so that mypyc compiles it.)"""

    source: str
    line_no: int
    last_line: int
    service: str | None
    container: str | None
    timestamp: datetime | None
    level: str | None
    pattern: Pattern | None
    severity: str | None
    envelope: Envelope
    line: str
    fields: list[tuple[str, str]]
    template: str | None
    near_time: datetime | None      # an untimed entry: its nearest dated line's time

    def __init__(self, source: str, line_no: int, last_line: int, service: str | None,
                 container: str | None, timestamp: datetime | None, level: str | None,
                 pattern: Pattern | None, severity: str | None, envelope: Envelope,
                 line: str, fields: list[tuple[str, str]] | None = None,
                 template: str | None = None, near_time: datetime | None = None) -> None:
        self.source, self.line_no, self.last_line = source, line_no, last_line
        self.service, self.container, self.timestamp = service, container, timestamp
        self.level, self.pattern, self.severity = level, pattern, severity
        self.envelope, self.line, self.fields = envelope, line, [] if fields is None else fields
        self.template, self.near_time = template, near_time

    def __reduce__(self) -> tuple[type[Entry], tuple]:
        """Pickled and copied by its fields (compiled, the default would call ``__init__``
        without them)."""
        return Entry, (self.source, self.line_no, self.last_line, self.service, self.container,
                       self.timestamp, self.level, self.pattern, self.severity, self.envelope,
                       self.line, self.fields, self.template, self.near_time)

    def snapshot(self) -> Snapshot:
        """What an identical single line elsewhere shares with this entry (see ``remade``)."""
        return (self.service, self.container, self.timestamp, self.level, self.pattern,
                self.severity, self.envelope, self.line, tuple(self.fields), self.template)

    @classmethod
    def remade(cls, source: str, line_no: int, snapshot: Snapshot) -> Entry:
        """The entry of an identical single line at ``line_no``, from its ``snapshot``."""
        service, container, moment, level, pattern, severity, envelope, line, fields, template = snapshot
        return cls(source, line_no, line_no, service, container, moment, level, pattern,
                   severity, envelope, line, list(fields), template)

    @property
    def message(self) -> str:
        """The message without its wrapping, with the error field when there is one."""
        return message_of(self.envelope)

    @property
    def key(self) -> str:
        """What the entry is counted under: its pattern, or its template when the entry is
        grouped by message (unknown errors, unexplained crashes)."""
        if self.template is None:
            return self.pattern_id or "unknown:"
        return f"{self.pattern_id or 'unknown'}:{self.template}"

    @property
    def category(self) -> str | None:
        """The pattern's category; None for a line that is a problem only in numbers (one
        node disconnecting is routine; the pattern's flapping rule decides in diagnose)."""
        if self.pattern is None or self.pattern.flapping is not None:
            return None
        return self.pattern.category

    @property
    def pattern_id(self) -> str | None:
        return self.pattern.id if self.pattern else None


def message_of(env: Envelope) -> str:
    """The message without its wrapping, with the error field when there is one. Of a JSON
    line's members, which the envelope makes texts all at once, only ``error`` is made one
    here, the same way."""
    if env.parsed is None and env.members is not None:
        message = env.body.strip()
        if "error" not in env.members:
            return message
        error = env.members["error"]
        error = error if isinstance(error, str) else jsonload.dumps(error)
    else:
        message, error = env.message, env.fields.get("error")
    return f"{message} error={error}" if error else message
