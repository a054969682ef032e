"""Portability and proof checks for catalog entries (``logsleuth patterns lint``).

Catalog regexes must run unchanged in Hyperscan, RE2/Rust-regex engines (Loki, Vector,
ClickHouse, ripgrep) and Python, must never match across a line break, and must never
backtrack catastrophically. Every entry must prove itself with samples.
"""

from __future__ import annotations

from dataclasses import dataclass
from re import _constants as sre
from re import _parser as sre_parse

import regex

from .catalog import Catalog, Ignore, Pattern, Trace

_FORBIDDEN: tuple[tuple[str, str], ...] = (
    (r"\(\?<?[=!]", "look-around is not portable (RE2/Rust have none)"),
    (r"\\[1-9]|\(\?P=|\\k<", "back-references are not portable"),
    (r"\(\?>|[*+?}]\+", "atomic groups and possessive quantifiers are not portable"),
    (r"\\[bB]", r"\b is Unicode-aware in Rust/RE2 engines (590x slower); use explicit delimiters"),
    (r"\\[sWD]", r"\s, \W and \D also match a newline; write [ \t] or an explicit class"),
    (r"\(\?[a-hj-zA-OQ-Z]", "only the (?i) flag is portable"),
    (r".\(\?i\)", "(?i) only at the very start; use (?i:...) for a part"),
    (r"^(?:\(\?i\))?\^?\.\*", "a leading .* is slow everywhere and explosive in backtracking engines"),
    (r"\((?:[^()\\]|\\.)*[*+](?:[^()\\]|\\.)*\)[*+{]",
     "a repeated group holding a repetition backtracks catastrophically, like (a+)+"),
    (r"^(?:\(\?i\))?(?:\((?:\?P<\w+>|\?:)?)?\[[^\]]*\](?:\[[^\]]*\])?[*+]",
     "a leading unbounded repetition is quadratic on long lines in backtracking engines; anchor it"),
)
_FORBIDDEN_RE = tuple((regex.compile(rule), reason) for rule, reason in _FORBIDDEN)
_LEADING_REPETITION = _FORBIDDEN_RE[-1][1]


@dataclass(frozen=True)
class LintProblem:
    source: str
    entry_id: str
    reason: str

    def __str__(self) -> str:
        return f"{self.source}: {self.entry_id}: {self.reason}"


def scan_form(pattern: str) -> bytes:
    """The regex as the chunk scanner runs it: named groups made plain, negated classes
    kept inside one line (so a match can never run across a newline)."""
    out: list[str] = []
    i, in_class = 0, False
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            out.append(pattern[i:i + 2])
            i += 2
            continue
        if not in_class and pattern.startswith("(?P<", i):
            i = pattern.index(">", i) + 1
            out.append("(?:")
            continue
        if not in_class and ch == "[":
            in_class = True
            if pattern.startswith("[^", i):
                out.append("[^\\n")
                i += 2
                continue
        elif in_class and ch == "]" and out and out[-1] not in ("[", "[^\\n"):
            in_class = False
        out.append(ch)
        i += 1
    return "".join(out).encode("utf-8")


# Characters a first-character set is computed over; anything beyond counts as "any".
_ALPHABET = range(256)
_CATEGORIES = {sre.CATEGORY_DIGIT: str.isdigit, sre.CATEGORY_SPACE: str.isspace,
               sre.CATEGORY_WORD: lambda c: c.isalnum() or c == "_"}
_REPEATS = (sre.MAX_REPEAT, sre.MIN_REPEAT)
AMBIGUOUS_REPEAT = ("alternatives under a repetition can start with the same character, "
                    "like (a|a)* or (?:[a-z]|[a-c0-9])+: exponential backtracking")


def _class_chars(items: list) -> set[int]:
    chars: set[int] = set()
    negate = False
    for op, arg in items:
        if op is sre.NEGATE:
            negate = True
        elif op is sre.LITERAL:
            chars.add(arg)
        elif op is sre.RANGE:
            chars.update(range(arg[0], min(arg[1], 255) + 1))
        elif op is sre.CATEGORY and arg in _CATEGORIES:
            chars.update(c for c in _ALPHABET if _CATEGORIES[arg](chr(c)))
        else:                                        # a negated category: treat as any
            return set(_ALPHABET)
    return set(_ALPHABET) - chars if negate else chars


def _first_chars(items: list) -> set[int]:
    """Characters a sequence can start with (over-approximated: any when unsure)."""
    for op, arg in items:
        if op is sre.AT:
            continue
        if op is sre.LITERAL:
            return {arg}
        if op is sre.IN:
            return _class_chars(arg)
        if op is sre.SUBPATTERN:
            return _first_chars(list(arg[-1]))
        if op is sre.BRANCH:
            return set().union(*(_first_chars(list(alt)) for alt in arg[1]))
        if op in _REPEATS and arg[0] > 0:
            return _first_chars(list(arg[2]))
        return set(_ALPHABET)                       # ., optional parts, anything else
    return set(_ALPHABET)                           # an empty alternative


def _folded(chars: set[int]) -> set[int]:
    return chars | {ord(chr(c).swapcase()) for c in chars if ord(chr(c).swapcase()) < 256}


_GROUP_PREFIX = regex.compile(r"(?:\?(?:P<\w+>|:|[a-zA-Z]+:))?")
_REPEATED = regex.compile(r"[*+]|\{[0-9]*,|\{(?![01]\})[0-9]+\}")   # more than once


def _repeated_groups(pattern: str) -> list[list[str]]:
    """The top-level alternatives of every group the pattern repeats more than once, as
    written (the stdlib parser would merge them into one character set)."""
    found, stack, alternatives = [], [], []
    i, in_class = 0, False
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            i += 2
            continue
        if in_class:
            in_class = char != "]" or pattern[i - 1] in "[^"
        elif char == "[":
            in_class = True
        elif char == "(":
            body = _GROUP_PREFIX.match(pattern, i + 1).end()
            stack.append(body)
            alternatives.append([body])
        elif char == "|" and stack:
            alternatives[-1].append(i + 1)
        elif char == ")" and stack:
            stack.pop()
            starts = alternatives.pop()
            if len(starts) > 1 and _REPEATED.match(pattern, i + 1):
                ends = [start - 1 for start in starts[1:]] + [i]
                found.append([pattern[a:b] for a, b in zip(starts, ends)])
        i += 1
    return found


def ambiguous_repeat(pattern: str) -> bool:
    """Whether the regex repeats an alternation whose branches can start alike."""
    ignore_case = pattern.startswith("(?i)")
    for branches in _repeated_groups(pattern):
        try:
            firsts = [_first_chars(list(sre_parse.parse(branch))) for branch in branches]
        except Exception:                           # not Python syntax: compiled elsewhere
            continue
        if ignore_case:
            firsts = [_folded(first) for first in firsts]
        if any(firsts[i] & firsts[j] for i in range(len(firsts)) for j in range(i + 1, len(firsts))):
            return True
    return False


def lint_regex(pattern: str, anchored: bool = False) -> list[str]:
    """Reasons why a regex is not acceptable in the catalog (empty when it is). An
    ``anchored`` regex is only tried at the start of a line, so it may begin with a
    repetition."""
    reasons = [reason for rule, reason in _FORBIDDEN_RE if rule.search(pattern)
               and not (anchored and reason == _LEADING_REPETITION)]
    if ambiguous_repeat(pattern):
        reasons.append(AMBIGUOUS_REPEAT)
    try:
        if regex.compile(pattern).search(""):
            reasons.append("the regex matches the empty string")
    except regex.error as exc:
        reasons.append(f"does not compile: {exc}")
    return reasons


def _as_scanned(sample: str) -> str:
    """A sample as the pipeline sees it: colour codes and carriage returns removed."""
    from .envelope import strip_controls

    return strip_controls(sample.encode("utf-8")).decode("utf-8")


_PLACEHOLDER = regex.compile(r"\{([a-z_]+)\}")


def lint_words(pattern: Pattern) -> list[str]:
    """Hints on fields the regex does not capture, and {placeholders} no field fills."""
    captured = set(pattern.field_names)
    reasons = [f"hint on field '{hint.field}', which the regex does not capture"
               for hint in pattern.hints if hint.field not in captured]
    texts = [pattern.cause, pattern.cause_zh, *pattern.fix, *pattern.fix_zh,
             *(text for hint in pattern.hints
               for text in (hint.cause, hint.cause_zh, *hint.fix, *hint.fix_zh))]
    unfilled = {name for text in texts for name in _PLACEHOLDER.findall(text)} - captured
    reasons += [f"placeholder {{{name}}} that no captured field fills" for name in sorted(unfilled)]
    return reasons


def lint_entry(entry: Pattern | Ignore) -> list[LintProblem]:
    """All problems of one pattern or ignore entry, including failing samples."""
    problems = [LintProblem(entry.source, entry.id, r) for r in lint_regex(entry.regex)]
    if not entry.samples_match:
        problems.append(LintProblem(entry.source, entry.id, "no sample that must match"))
    if not entry.samples_no_match:
        problems.append(LintProblem(entry.source, entry.id, "no near-miss sample that must not match"))
    if isinstance(entry, Pattern):
        problems += [LintProblem(entry.source, entry.id, r) for r in lint_words(entry)]
    for sample in entry.samples_match:
        if not entry.compiled.search(_as_scanned(sample)):
            problems.append(LintProblem(entry.source, entry.id, f"sample does not match: {sample!r}"))
    for sample in entry.samples_no_match:
        if entry.compiled.search(_as_scanned(sample)):
            problems.append(LintProblem(entry.source, entry.id, f"near-miss sample matches: {sample!r}"))
    return problems


def lint_trace(trace: Trace) -> list[LintProblem]:
    """The problems of a trace's regexes (start is scanned; frame and body are anchored)
    and missing samples; its sample blocks are proven by running them (the test suite)."""
    reasons = [*(lint_regex(trace.start) if trace.start else []),
               *(lint_regex(trace.frame, anchored=True) if trace.frame else []),
               *(r for r in lint_regex(trace.body, anchored=True)
                 if r != "the regex matches the empty string")]     # a blank line continues
    if not trace.samples_match:
        reasons.append("no sample block that must merge into one entry")
    if not trace.samples_no_match:
        reasons.append("no sample block whose last line must stay apart")
    return [LintProblem(trace.source, trace.id, r) for r in reasons]


def lint_bundle_rules(catalog: Catalog) -> list[LintProblem]:
    """Bundle checks, correlations and checklist items paired with their words and samples
    (their samples are proven by running them: the test suite)."""
    from .bundle.registry import registry_problems

    return [LintProblem("patterns/bundle.toml", "bundle rules", problem)
            for problem in registry_problems(catalog)]


def lint_catalog(catalog: Catalog) -> list[LintProblem]:
    """Every problem in the catalog, plus a compile check in the fast scanner."""
    problems: list[LintProblem] = []
    for entry in (*catalog.patterns, *catalog.ignores):
        problems.extend(lint_entry(entry))
    for trace in catalog.traces:
        problems.extend(lint_trace(trace))
    problems.extend(lint_bundle_rules(catalog))
    if not problems:
        from .scan import compile_check

        problems.extend(LintProblem(e.source, e.id, reason)
                        for e, reason in compile_check([*catalog.patterns, *catalog.ignores]))
    return problems
