"""Turn the scan's candidate lines into classified entries.

Entries hold the raw text; redaction happens where text leaves the program (the aggregate
results and the events renderer), except for unknown templates, which are keys.

For each candidate: confirm the proposed patterns on the decoded line, let the most
specific (highest priority) win, lift its named groups, parse the envelope, and merge
continuation lines (deprecation blocks, cobra usage trailers, runtime OOM pairs) into the
entry they continue, so one event is one entry.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from .catalog import SEVERITIES, Catalog, Pattern
from .envelope import Envelope, EnvelopeParser, decode_line
from .frame import MAX_LINE
from .redact import redact
from .scan import Candidate, Rule
from .templates import template_of

MAX_MATCH_CHARS = 64 * 1024
RECENT_LINES = 512     # identical candidate lines remembered (a flood of one error is cheap)
RECENT_LINE_BYTES = 4096
CONFIRM_SECONDS = 0.05  # per regex and line: a backtracking catalog regex cannot hang a run
_ELEVATING_LEVELS = {"fatal", "panic"}
_UNKNOWN_LEVELS = {"warn", "error", "fatal", "panic"}


@dataclass(slots=True)
class Entry:
    """One classified log entry (one or more physical lines)."""

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
    fields: list[tuple[str, str]] = field(default_factory=list)
    template: str | None = None

    def copy_at(self, line_no: int) -> Entry:
        """This entry again, for an identical single line at ``line_no``."""
        return Entry(self.source, line_no, line_no, self.service, self.container, self.timestamp,
                     self.level, self.pattern, self.severity, self.envelope, self.line,
                     list(self.fields), self.template)

    @property
    def message(self) -> str:
        """The message without its wrapping, with the error field when there is one."""
        error = self.envelope.fields.get("error")
        return f"{self.envelope.message} error={error}" if error else self.envelope.message

    @property
    def category(self) -> str | None:
        return self.pattern.category if self.pattern else None

    @property
    def pattern_id(self) -> str | None:
        return self.pattern.id if self.pattern else None


def _severity(pattern: Pattern, level: str | None) -> str:
    """Pattern severity, raised to critical when the line killed the process."""
    return "critical" if level in _ELEVATING_LEVELS else pattern.severity


def _max_severity(a: str | None, b: str | None) -> str | None:
    if a is None or b is None:
        return a or b
    return max(a, b, key=SEVERITIES.index)


class Classifier:
    """Classifies the candidates of one source, chunk after chunk."""

    def __init__(self, catalog: Catalog, rules: list[Rule], source: str,
                 redact_output: bool = True) -> None:
        self._catalog = catalog
        self._rules = rules
        self._source = source
        self._redact_templates = redact_output
        self._parser = EnvelopeParser()
        self._pending: Entry | None = None
        self._recent: dict[tuple[bytes, frozenset[int]], Entry | None] = {}
        self._sorted: dict[frozenset[int], tuple[tuple[Pattern, ...], bool, bool]] = {}
        self.truncated = 0

    def classify(self, chunk: bytes, first_line: int, found: list[Candidate]) -> list[Entry]:
        """Entries completed by this chunk; the last one is held back for continuations."""
        done: list[Entry] = []
        for candidate in found:
            entry = self.entry(chunk, first_line, candidate)
            if entry is None:
                continue
            if self._continues_pending(entry):
                self._merge(entry)
                continue
            if self._pending is not None:
                done.append(self._pending)
            self._pending = entry
        return done

    def flush(self) -> list[Entry]:
        """The held-back entry at the end of the source."""
        pending, self._pending = self._pending, None
        return [pending] if pending else []

    def entry(self, chunk: bytes, first_line: int, candidate: Candidate) -> Entry | None:
        """The entry a candidate line makes on its own, or None when it is not a problem.
        A line identical to a recent one reuses its classification."""
        raw = chunk[candidate.start:candidate.end]
        line_no = first_line + candidate.index
        key = (raw, candidate.rules)
        if key in self._recent:                    # only short lines are memoised
            known = self._recent[key]
            return None if known is None else known.copy_at(line_no)
        made = self._classify_line(raw, line_no, candidate.rules)
        if len(raw) <= RECENT_LINE_BYTES:          # long lines would make the memo heavy
            if len(self._recent) >= RECENT_LINES:
                self._recent.clear()
            self._recent[key] = made
        return None if made is None else made.copy_at(line_no)

    def _classify_line(self, raw: bytes, line_no: int, rules: frozenset[int]) -> Entry | None:
        if len(raw) > MAX_MATCH_CHARS:
            self.truncated += len(raw) < MAX_LINE     # longer ones were counted when cut
            raw = raw[:MAX_MATCH_CHARS]
        text = decode_line(raw)
        patterns, ignored, problem_level = self._sort(rules)
        winner = self._winner(text, patterns)
        if winner is None and (ignored or not problem_level):
            return None
        env = self._parser.parse(text)
        if winner is None and env.level not in _UNKNOWN_LEVELS and env.level is not None:
            return None
        entry = Entry(
            source=self._source, line_no=line_no, last_line=line_no, service=env.service,
            container=self._container(text, env), timestamp=env.timestamp, level=env.level,
            pattern=None, severity=None, envelope=env, line=text,
        )
        if winner is not None:
            pattern, match = winner
            entry.pattern = pattern
            entry.severity = _severity(pattern, env.level)
            entry.fields = [(k, v) for k, v in match.groupdict().items() if v] if match else []
        else:
            message = redact(entry.message) if self._redact_templates else entry.message
            entry.template = template_of(message)
        return entry

    def _sort(self, rule_ids: frozenset[int]) -> tuple[tuple[Pattern, ...], bool, bool]:
        """The proposed patterns (most specific first), whether a harmless-warning rule hit,
        and whether the line carries a warning/error level marker. The scan engines match
        exactly what the regexes match on one line, so no rule needs confirming here.
        The same few sets of rules come back again and again: remembered."""
        known = self._sorted.get(rule_ids)
        if known is None:
            known = self._sorted[rule_ids] = self._sort_rules(rule_ids)
        return known

    def _sort_rules(self, rule_ids: frozenset[int]) -> tuple[tuple[Pattern, ...], bool, bool]:
        patterns, ignored, problem_level = [], False, False
        for rule_id in sorted(rule_ids):
            rule = self._rules[rule_id]
            if rule.kind == "level":
                problem_level = True
            elif rule.kind == "ignore":
                ignored = True
            else:
                patterns.append(self._catalog.patterns[rule.index])
        patterns.sort(key=lambda p: -p.priority)
        return tuple(patterns), ignored, problem_level

    @staticmethod
    def _winner(text: str, patterns: tuple[Pattern, ...]):
        """The most specific pattern whose regex matches the (possibly cut) line, with its
        match for the named fields (None when the regex ran out of time: the scan already
        found it on the line, only its fields are not lifted)."""
        for pattern in patterns:
            try:
                match = pattern.compiled.search(text, timeout=CONFIRM_SECONDS)
            except TimeoutError:
                return pattern, None
            if match:
                return pattern, match
        return None

    @staticmethod
    def _container(text: str, env: Envelope) -> str | None:
        if env.service is None or "|" not in text:
            return env.service
        return text.split("|", 1)[0].strip() or env.service

    def _continues_pending(self, entry: Entry) -> bool:
        pending = self._pending
        return (entry.pattern is not None and entry.pattern.continuation
                and pending is not None and pending.last_line == entry.line_no - 1
                and pending.service == entry.service)

    def _merge(self, entry: Entry) -> None:
        pending = self._pending
        assert pending is not None and entry.pattern is not None
        pending.last_line = entry.line_no
        pending.line = f"{pending.line}\n{entry.line}"
        pending.fields.extend(entry.fields)
        if pending.pattern is None or entry.pattern.priority > pending.pattern.priority:
            pending.pattern = entry.pattern
            pending.template = None
        pending.severity = _max_severity(pending.severity, _severity(entry.pattern, entry.level))
