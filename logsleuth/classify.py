"""Turn the scan's candidate lines into classified entries.

Entries hold the raw text; redaction happens where text leaves the program (the aggregate
results and the events renderer), except for unknown templates, which are keys.

For each candidate: confirm the proposed patterns on the decoded line, let the most
specific (highest priority) win, lift its named groups, parse the envelope, and merge
continuation lines (deprecation blocks, cobra usage trailers, runtime OOM pairs) and
traces (stack frames, schema diffs: the catalog's ``[[trace]]`` shapes) into the entry
they continue, so one event is one entry. A fatal entry that no pattern explains takes the
catalog's ``unexplained_fatal`` pattern (category ``crash``), grouped by its template.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Final, NamedTuple, cast

from .catalog import Catalog, Pattern, Trace
from .entry import Entry, Snapshot, message_of
from .envelope import Envelope, EnvelopeParser, continuation_body, decode_line
from .timeparse import Clock
from .frame import MAX_LINE
from .redact import redact
from .scan import Candidate, Rule
from .lookback import LookBack
from .masks import TemplateMemo
from .severity import Severity

MAX_MATCH_CHARS: Final = 64 * 1024
RECENT_LINES: Final = 512     # identical candidate lines remembered (a flood of one error is cheap)
RECENT_LINE_BYTES: Final = 4096
MEMO_PAYS: Final = 16         # the memo stays in use while 1 in 16 of the lines it keeps come again
MEMO_PAUSE: Final = 4096      # candidates classified without the memo when it did not pay
MAX_TRACE_LINES: Final = 400  # a trace longer than this continues as lines of their own
EVIDENCE_LINES: Final = 24    # trace lines kept in an entry's text (the evidence shown)
CONFIRM_SECONDS: Final = 0.05  # per regex and line: a backtracking catalog regex cannot hang a run
_ELEVATING_LEVELS: Final = {"fatal", "panic"}
_UNKNOWN_LEVELS: Final = {"warn", "error", "fatal", "panic"}
_UNSEEN: Final = object()
Remembered = tuple["Snapshot | None", "datetime | None"]


class RuleSet(NamedTuple):
    """What the scan's rules say about one line."""

    patterns: tuple[Pattern, ...]      # proposed patterns, most specific first
    ignored: bool                      # a known-harmless rule hit
    problem_level: bool                # a warning/error level marker hit
    trace: Trace | None                # the trace the line starts or is a frame of
    frame: bool                        # the line is a frame of ``trace``


def _severity(pattern: Pattern, level: str | None) -> str:
    """Pattern severity, raised to critical when the line killed the process."""
    return "critical" if level in _ELEVATING_LEVELS else pattern.severity


def _max_severity(a: str | None, b: str | None) -> str | None:
    if a is None or b is None:
        return a or b
    return max(a, b, key=Severity.rank)


class Classifier:
    """Classifies the candidates of one source, chunk after chunk."""

    def __init__(self, catalog: Catalog, rules: list[Rule], source: str,
                 redact_output: bool = True, clock: Clock | None = None,
                 near_times: bool = False) -> None:
        self._catalog = catalog
        self._rules = rules
        self._source = source
        self._templates = TemplateMemo(redact if redact_output else str)
        self._parser = EnvelopeParser(clock=clock)
        self._pending: Entry | None = None
        self._open_trace: Trace | None = None    # the pending entry's trace reached the chunk end
        # a recent line → its entry (None: no problem) and the time it taught the clock
        self._recent: dict[tuple[bytes, frozenset[int]], Remembered] = {}
        self._memo_hits = 0         # lines found in the memo since it was last emptied
        self._memo_paused = 0       # candidates still to classify without the memo
        self._sorted: dict[frozenset[int], RuleSet] = {}
        # untimed entries look back for a dated line (only time filters need it)
        self._lookback = LookBack(self._parser.clock) if near_times else None
        self.truncated = 0

    def classify(self, chunk: bytes, first_line: int, found: list[Candidate]) -> list[Entry]:
        """Entries completed by this chunk; the last one is held back for continuations."""
        done: list[Entry] = []
        if self._open_trace is not None and self._pending is not None:
            self._follow(chunk, first_line, 0, 0, self._open_trace)
        for candidate in found:
            line_no = first_line + candidate.index
            rules = self._sort(candidate.rules)
            frame = rules.trace if rules.frame else None
            if frame is not None and self._pending is not None \
                    and self._pending.last_line == line_no - 1:
                self._follow(chunk, first_line, candidate.index, candidate.start, frame)
            pending = self._pending
            if pending is not None and line_no <= pending.last_line:
                entry = self.entry(chunk, first_line, candidate, rules)
                if entry is not None and pending.level == "info" and pending.category \
                        and entry.category not in (None, pending.category):  # a pasted document's
                    done.append(replace(entry, near_time=pending.near_time))  # other problem
                elif entry is not None:               # a line inside a trace already taken
                    self._merge(entry, keep_text=False)
                continue
            if frame is not None and (pending is None or pending.last_line != line_no - 1):
                candidate = self._with_head(chunk, candidate)
                rules = self._sort(candidate.rules)
            entry = self.entry(chunk, first_line, candidate, rules)
            if entry is None:
                continue
            if self._continues_pending(entry):
                self._merge(entry)
                continue
            if pending is not None:
                done.extend(self._complete(pending))
            if entry.timestamp is None and self._lookback is not None:
                entry.near_time = self._lookback.near_time(chunk, candidate.start)
            self._pending = entry
            self._open_trace = None
            if rules.trace is not None:               # the lines after it that continue it
                self._follow(chunk, first_line, candidate.index + 1, candidate.end + 1,
                             rules.trace)
        if self._lookback is not None:
            self._lookback.passed(chunk)
        return done

    def flush(self) -> list[Entry]:
        """The held-back entry at the end of the source."""
        pending, self._pending, self._open_trace = self._pending, None, None
        return self._complete(pending) if pending else []

    def entry(self, chunk: bytes, first_line: int, candidate: Candidate,
              rules: RuleSet | None = None) -> Entry | None:
        """The entry a candidate line makes on its own, or None when it is not a problem
        (``rules``: what the candidate's rules say, when already known). A line identical
        to a recent one reuses its classification while such lines come often enough."""
        raw = chunk[candidate.start:candidate.end]
        line_no = first_line + candidate.index
        rules = rules or self._sort(candidate.rules)
        if self._memo_paused:
            self._memo_paused -= 1
            return self._classify_line(raw, line_no, rules)
        key = (raw, candidate.rules)
        clock = self._parser.clock
        known = self._recent.get(key, _UNSEEN)
        if known is not _UNSEEN:                   # only short lines are memoised
            self._memo_hits += 1
            snapshot, taught = cast(Remembered, known)
            clock.saw(taught)                      # what reading it taught the clock
            return None if snapshot is None else Entry.remade(self._source, line_no, snapshot)
        lessons = clock.taught
        made = self._classify_line(raw, line_no, rules)
        # long lines would make the memo heavy; a time read with the zone or year of the
        # lines around it may differ for the same line elsewhere
        if len(raw) <= RECENT_LINE_BYTES and not (made and (made.envelope.inferred
                                                            or made.timestamp is None)):
            if len(self._recent) >= RECENT_LINES:
                self._renew_memo()
            self._recent[key] = (None if made is None else made.snapshot(),
                                 clock.dated if clock.taught != lessons else None)
        return made

    def _renew_memo(self) -> None:
        """Empty the full recent-line memo; when it found few of its lines again (every
        line has its own time, say), the next MEMO_PAUSE candidates go without it."""
        if self._memo_hits < RECENT_LINES // MEMO_PAYS:
            self._memo_paused = MEMO_PAUSE
        self._recent.clear()
        self._memo_hits = 0

    def _classify_line(self, raw: bytes, line_no: int, rules: RuleSet) -> Entry | None:
        if len(raw) > MAX_MATCH_CHARS:
            self.truncated += len(raw) < MAX_LINE     # longer ones were counted when cut
            raw = raw[:MAX_MATCH_CHARS]
        text = decode_line(raw)
        patterns, ignored, problem_level, trace, _ = rules
        winner = self._winner(text, patterns)
        if winner is None and trace is None and (ignored or not problem_level):
            return None
        env = self._parser.parse(text)
        if winner is None and env.level not in _UNKNOWN_LEVELS and env.level is not None:
            return None
        if env.level is None and trace is not None:
            env.level = trace.level or "error"
        pattern = severity = template = None
        fields: list[tuple[str, str]] = []
        if winner is not None:
            pattern, match = winner
            severity = _severity(pattern, env.level)
            if match is not None and pattern.compiled.groupindex:
                fields = [(k, v) for k, v in match.groupdict().items() if v]
            if pattern.json_fields and env.members is not None:
                fields = pattern.with_members(fields, env.members)
            if pattern.unexplained_fatal:
                template = self._template(env)
        else:
            template = self._template(env)
        return Entry(self._source, line_no, line_no, env.service, env.container,
                     env.timestamp, env.level, pattern, severity, env, text, fields, template)

    def _template(self, env: Envelope) -> str:
        """The template of the envelope's message, by the memo of message shapes: a console
        or plain text not split yet is its own shape (its fields are split from it; a
        ``\\u`` escape in a quoted value turns digits into other characters, so such a text
        is not)."""
        if env.parsed is None and env.members is None and "\\u" not in env.body:
            kind = "console" if env.format.endswith("zerolog-console") else "plain"
            return self._templates.template(kind, env.body, lambda: message_of(env))
        message = message_of(env)
        return self._templates.template("message", message, lambda: message)

    def _complete(self, entry: Entry) -> list[Entry]:
        """A finished entry: fatal with no pattern that explains it is an unexplained crash;
        an info trace (a pasted document) that none of its lines explains is no entry."""
        fallback = self._catalog.unexplained_fatal
        if entry.pattern is None and entry.level == "info":
            return []
        if entry.pattern is None and entry.level in _ELEVATING_LEVELS and fallback is not None:
            entry.pattern, entry.severity = fallback, "critical"
        return [entry]

    def _sort(self, rule_ids: frozenset[int]) -> RuleSet:
        """What a line's rules say. The scan engines match exactly what the regexes match
        on one line, so no rule needs confirming here. The same few sets of rules come
        back again and again: remembered."""
        known = self._sorted.get(rule_ids)
        if known is None:
            known = self._sorted[rule_ids] = self._sort_rules(rule_ids)
        return known

    def _sort_rules(self, rule_ids: frozenset[int]) -> RuleSet:
        patterns, ignored, problem_level, trace, frame = [], False, False, None, False
        for rule_id in sorted(rule_ids):
            rule = self._rules[rule_id]
            if rule.kind == "level":
                problem_level = True
            elif rule.kind == "ignore":
                ignored = True
            elif rule.kind in ("trace", "frame"):
                trace, frame = self._catalog.traces[rule.index], rule.kind == "frame"
            else:
                patterns.append(self._catalog.patterns[rule.index])
        patterns.sort(key=lambda p: -p.priority)
        return RuleSet(tuple(patterns), ignored, problem_level, trace, frame)

    @staticmethod
    def _winner(text: str, patterns: tuple[Pattern, ...]):
        """The most specific pattern whose regex matches the (possibly cut) line, with its
        match for the named fields. The match is None when the scan's hit already proves
        the pattern on an ASCII line (:attr:`Pattern.scan_proves`), or when the regex ran
        out of time: the scan already found it on the line, only its fields are not lifted
        — unless the scan looked for a part of it only: then it does not count."""
        ascii_line = text.isascii()
        for pattern in patterns:
            if ascii_line and pattern.scan_proves:
                return pattern, None
            try:       # (string, pos, endpos, concurrent, partial, timeout): by position,
                # a third faster than by keyword, which a call per candidate notices
                match = pattern.compiled.search(text, None, None, None, False, CONFIRM_SECONDS)
            except TimeoutError:
                if pattern.scan:
                    continue
                return pattern, None
            if match:
                return pattern, match
        return None

    def _continues_pending(self, entry: Entry) -> bool:
        pending = self._pending
        return (entry.pattern is not None and entry.pattern.continuation
                and pending is not None and pending.last_line == entry.line_no - 1
                and pending.service == entry.service)

    def _merge(self, entry: Entry, keep_text: bool = True) -> None:
        """Fold a continuation (or a classified line inside a trace) into the pending entry:
        the most specific pattern of the two wins."""
        pending = self._pending
        assert pending is not None
        pending.last_line = max(pending.last_line, entry.line_no)
        if keep_text:
            pending.line = f"{pending.line}\n{entry.line}"
        pending.fields.extend(entry.fields)
        if entry.pattern is None:
            return
        if pending.pattern is None or entry.pattern.priority > pending.pattern.priority:
            pending.pattern = entry.pattern
            pending.template = entry.template
        pending.severity = _max_severity(pending.severity, _severity(entry.pattern, entry.level))

    def _with_head(self, chunk: bytes, candidate: Candidate) -> Candidate:
        """A frame line that no entry took begins its trace at the line before it (the
        error that was logged with it), unless that line is blank, already an entry, or
        in another chunk."""
        frames = frozenset(r for r in candidate.rules if self._rules[r].kind == "frame")
        if candidate.index == 0:
            return candidate
        end = candidate.start - 1
        start = chunk.rfind(b"\n", 0, end) + 1
        if not chunk[start:end].strip():
            return candidate
        return Candidate(candidate.index - 1, start, end, frames)

    def _follow(self, chunk: bytes, first_line: int, index: int, pos: int, trace: Trace) -> None:
        """Extend the pending entry over the following lines of the chunk that continue
        ``trace``; remember the trace when it runs to the end of the chunk."""
        pending = self._pending
        assert pending is not None
        taken = pending.last_line - pending.line_no
        kept: list[str] = []
        while pos < len(chunk) and taken < MAX_TRACE_LINES:
            end = chunk.find(b"\n", pos)
            end = len(chunk) if end < 0 else end
            body = self._body_at(chunk, pos, end)
            if body is None or not trace.compiled_body.match(body):
                self._open_trace = None
                break
            if body.strip():                  # trailing blank lines stay outside
                pending.last_line = first_line + index
                if taken < EVIDENCE_LINES:
                    kept.append(body)
            index, pos, taken = index + 1, end + 1, taken + 1
        else:
            self._open_trace = trace if taken < MAX_TRACE_LINES else None
        if kept:
            pending.line = "\n".join([pending.line, *kept])

    def _body_at(self, chunk: bytes, pos: int, end: int) -> str | None:
        raw = chunk[pos:min(end, pos + MAX_MATCH_CHARS)]
        pending = self._pending
        return continuation_body(decode_line(raw), pending.container if pending else None)
