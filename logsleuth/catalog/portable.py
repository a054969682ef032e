"""The catalog's regex dialect: the portable subset, and its form for each engine.

Catalog regexes must run unchanged in Hyperscan, RE2/Rust-regex engines (Loki, Vector,
ClickHouse, ripgrep) and Python, must never match across a line break, and must never
backtrack catastrophically. This module holds the rules of that subset
(:func:`lint_regex`), one tokenizer (:func:`tokens`) and the form built on it for the
scan (Hyperscan and the stdlib fallback); the POSIX ERE form (``grep -E``) is in
:mod:`.ere`, the classifier's compiled regex in :mod:`.programs`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from re import _constants as sre  # type: ignore[attr-defined]
from re import _parser as sre_parse  # type: ignore[attr-defined]
from typing import NamedTuple


def _regex():
    """The ``regex`` module, imported on first use (``--help`` and start-up do not need it)."""
    import regex

    return regex


class Token(NamedTuple):
    """One piece of a regex: ``escape`` (``\\x``, or all of a longer one like ``\\x41``),
    ``class`` (a whole ``[...]``), ``open`` (``(``, ``(?:``, ``(?i:``, ``(?P<name>``),
    ``flags`` (``(?i)``), ``close``, ``alt`` (``|``) or ``char`` (anything else: literals,
    ``.``, quantifiers, anchors)."""

    kind: str
    text: str
    start: int

    @property
    def end(self) -> int:
        return self.start + len(self.text)


def _class_end(pattern: str, start: int) -> int:
    """The end of the bracket expression at ``start``: after the first unescaped ``]``
    that is not the class's first character (``[]x]`` and ``[^]x]`` hold a literal ``]``)."""
    i = start + 2 if pattern.startswith("[^", start) else start + 1
    i += pattern.startswith("]", i)
    while i < len(pattern) and pattern[i] != "]":
        i += 2 if pattern[i] == "\\" else 1
    return min(i + 1, len(pattern))


_LONG_ESCAPE = re.compile(r"\\(?:x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|0[0-7]{0,2}"
                          r"|[pPN]\{[^}]*\})")
"""Escapes longer than two characters: one character (or class) each."""


def _group_end(pattern: str, start: int) -> tuple[str, int]:
    """The kind and end of the group opener at ``start`` (a ``(``; an unclosed name runs
    to the end)."""
    if pattern.startswith("(?P<", start):
        return "open", (pattern.find(">", start) + 1) or len(pattern)
    if pattern.startswith("(?", start):
        i = start + 2
        while i < len(pattern) and pattern[i].isalpha():
            i += 1
        if i < len(pattern) and pattern[i] == ":":
            return "open", i + 1
        if i < len(pattern) and pattern[i] == ")" and i > start + 2:
            return "flags", i + 1
    return "open", start + 1


def tokens(pattern: str) -> Iterator[Token]:
    """The regex as tokens, in order; their texts joined give the regex back.

    >>> [t.text for t in tokens(r'(?i)a(?P<x>[^]\\]]+)|\\.')]
    ['(?i)', 'a', '(?P<x>', '[^]\\\\]]', '+', ')', '|', '\\\\.']
    """
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            long = _LONG_ESCAPE.match(pattern, i)
            kind, end = "escape", long.end() if long else i + 2
        elif char == "[":
            kind, end = "class", _class_end(pattern, i)
        elif char == "(":
            kind, end = _group_end(pattern, i)
        else:
            kind, end = {")": "close", "|": "alt"}.get(char, "char"), i + 1
        yield Token(kind, pattern[i:end], i)
        i = end


def scan_form(pattern: str) -> bytes:
    """The regex as the chunk scanner runs it: named groups made plain, negated classes
    kept inside one line (so a match can never run across a newline), and each alternative's
    end cut to what a line needs (:func:`_without_needless_tails`): Hyperscan no longer
    reports, and follows, every way it can end.

    >>> scan_form(r'(?i)node (?P<a>x)(?:[^,]* node=(?P<n>[^ ]+))?|y(?:z)?|t=[0-9]{4,}')
    b'(?i)node (?:x)|y|t=[0-9]{4}'
    """
    out: list[str] = []
    for token in _without_needless_tails(list(tokens(pattern))):
        if token.kind == "open" and token.text.startswith("(?P<"):
            out.append("(?:")
        elif token.kind == "class" and token.text.startswith("[^"):
            out.append("[^\\n" + token.text[2:])
        else:
            out.append(token.text)
    return "".join(out).encode("utf-8")


def _alternatives(items: list[Token]) -> list[list[Token]]:
    """The top-level alternatives of a token list."""
    found: list[list[Token]] = [[]]
    depth = 0
    for token in items:
        depth += (token.kind == "open") - (token.kind == "close")
        if token.kind == "alt" and depth == 0:
            found.append([])
        else:
            found[-1].append(token)
    return found


def _group_start(items: list[Token], close: int) -> int:
    """The index of the opener of the group that the token at ``close`` closes."""
    depth = 0
    for index in range(close, -1, -1):
        depth += (items[index].kind == "close") - (items[index].kind == "open")
        if depth == 0:
            return index
    return 0


def _without_needless_tails(items: list[Token]) -> list[Token]:
    """The tokens with each top-level alternative's end cut to what a line needs (a line
    matches the cut form exactly when it matches the whole), never to matching nothing."""
    flags = items[:1] if items and items[0].kind == "flags" else []
    kept = [_cut_tail(alternative) for alternative in _alternatives(_with_bounds(items[len(flags):]))]
    bar = Token("alt", "|", 0)
    return flags + [token for index, alternative in enumerate(kept)
                    for token in ([bar] if index else []) + alternative]


def _cut_tail(items: list[Token]) -> list[Token]:
    """``items`` cut by :func:`_cut_once` while it still must consume a character."""
    while (cut := _cut_once(items)) is not None and _consumes(cut):
        items = cut
    return items


def _cut_once(items: list[Token]) -> list[Token] | None:
    """``items`` less one needless end, or None: a closing ``[^\\n]*$``, a quantifier's excess
    over its least (``x(?:y)?`` is ``x``, ``[0-9]{4,}`` is ``[0-9]{4}``), or the needless
    end of a closing group without alternatives (never a look-around's)."""
    if items and items[-1].text == "$" and (rest := _rest_of_line(items[:-1])) is not None:
        return items[:rest]
    last = len(items) - 1 - (len(items) > 2 and items[-1].text == "?" and _quantifier(items[-2]))
    least = _least(items[last].text) if last > 0 and _quantifier(items[last]) else None
    if least is not None:
        atom = _group_start(items, last - 1) if items[last - 1].kind == "close" else last - 1
        if _quantifier(items[atom]) or items[atom].kind in ("flags", "alt"):
            return None
        bound = [Token("char", f"{{{least}}}", 0)] if least > 1 else []
        cut = items[:atom] if least == 0 else items[:last] + bound
        return None if [t.text for t in cut] == [t.text for t in items] else cut
    if items and items[-1].kind == "close":
        start = _group_start(items, len(items) - 1)
        inner = items[start + 1:-1]
        looks_around = inner[:1] and inner[0].text == "?"
        if not looks_around and len(_alternatives(inner)) == 1 and (cut := _cut_tail(inner)) != inner:
            return items[:start + 1] + cut + items[-1:]
    return None


_ANY_CHAR = frozenset({"[^\\n]", "."})
_BOUND = re.compile(r"\{([0-9]*)(?:,[0-9]*)?\}")


def _rest_of_line(items: list[Token]) -> int | None:
    """Where a closing ``[^\\n]*`` (or ``.*``, maybe in a group of its own) starts."""
    start = _group_start(items, len(items) - 1) if items[-1:] and items[-1].kind == "close" else -1
    body = items[start + 1:-1] if start >= 0 else items[-2:]
    found = len(body) == 2 and body[0].text in _ANY_CHAR and body[1].text == "*"
    return (start if start >= 0 else len(items) - 2) if found else None


def _least(quantifier: str) -> int | None:
    """The least repetition a quantifier asks for (None for a ``{`` that is no bound)."""
    if quantifier in ("*", "?", "+"):
        return int(quantifier == "+")
    bound = _BOUND.fullmatch(quantifier)
    return int(bound.group(1) or 0) if bound else None


def _consumes(items: list[Token]) -> bool:
    """Whether every match of the tokens holds at least one character."""
    try:
        return sre_parse.parse("".join(t.text for t in items)).getwidth()[0] > 0
    except (re.error, RecursionError):
        return False


def is_factor(part: str, pattern: str) -> bool:
    """Whether ``part`` is a run of whole top-level pieces of a regex without top-level
    alternatives (and its flags, if any): every line the regex matches holds a match of
    ``part``, so the scanner may look for ``part`` alone and leave the rest to the
    classifier's confirmation.

    >>> is_factor('elapsed=[0-9]{4,}', 'http request [^,]*elapsed=[0-9]{4,} ')
    True
    >>> is_factor('elapsed=[0-9]{4}', 'http request [^,]*elapsed=[0-9]{4,} ')
    False
    >>> is_factor('b', 'a|b'), is_factor('4,} ', 'x[0-9]{4,} ')
    (False, False)
    """
    whole, piece = _with_bounds(list(tokens(pattern))), _with_bounds(list(tokens(part)))
    if whole[:1] and whole[0].kind == "flags":
        if piece[:1] != whole[:1]:
            return False
        whole, piece = whole[1:], piece[1:]
    if len(_alternatives(whole)) > 1 or not piece or len(_alternatives(piece)) > 1 \
            or _quantifier(piece[0]):
        return False
    texts, wanted = [t.text for t in whole], [t.text for t in piece]
    depth = 0
    for index, token in enumerate(whole):
        if depth == 0 and texts[index:index + len(wanted)] == wanted \
                and _balanced(piece) and _not_quantified(whole, index + len(wanted)):
            return True
        depth += (token.kind == "open") - (token.kind == "close")
    return False


def _with_bounds(items: list[Token]) -> list[Token]:
    """The tokens with each ``{m,n}`` bound made one token."""
    merged: list[Token] = []
    for token in items:
        if merged and merged[-1].text.startswith("{") and not merged[-1].text.endswith("}") \
                and token.kind == "char":
            merged[-1] = Token("char", merged[-1].text + token.text, merged[-1].start)
        else:
            merged.append(token)
    return merged


def _quantifier(token: Token) -> bool:
    return token.kind == "char" and token.text[0] in "*+?{"


def _balanced(items: list[Token]) -> bool:
    depth = 0
    for token in items:
        depth += (token.kind == "open") - (token.kind == "close")
        if depth < 0:
            return False
    return depth == 0


def _not_quantified(items: list[Token], after: int) -> bool:
    """Whether the piece ending before ``after`` is not cut out of a quantified one (its
    last atom is not followed by a quantifier)."""
    return after >= len(items) or not _quantifier(items[after])


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
"""The rules of the portable subset: (a regex over the pattern's text, the reason)."""
_FORBIDDEN_RE = tuple((re.compile(rule), reason) for rule, reason in _FORBIDDEN)
_LEADING_REPETITION = _FORBIDDEN[-1][1]
AMBIGUOUS_REPEAT = ("alternatives under a repetition can start with the same character, "
                    "like (a|a)* or (?:[a-z]|[a-c0-9])+: exponential backtracking")


def lint_regex(pattern: str, anchored: bool = False) -> list[str]:
    """Reasons why a regex is not acceptable in the catalog (empty when it is). An
    ``anchored`` regex is only tried at the start of a line, so it may begin with a
    repetition.

    >>> lint_regex(r'(?i)listen (?P<port>[0-9]+): bind')
    []
    """
    module = _regex()
    reasons = [reason for rule, reason in _FORBIDDEN_RE if rule.search(pattern)
               and not (anchored and reason == _LEADING_REPETITION)]
    if ambiguous_repeat(pattern):
        reasons.append(AMBIGUOUS_REPEAT)
    try:
        if module.compile(pattern).search(""):
            reasons.append("the regex matches the empty string")
    except module.error as exc:
        reasons.append(f"does not compile: {exc}")
    return reasons


# Characters a first-character set is computed over; anything beyond counts as "any".
_ALPHABET = range(256)
_CATEGORIES = {sre.CATEGORY_DIGIT: str.isdigit, sre.CATEGORY_SPACE: str.isspace,
               sre.CATEGORY_WORD: lambda c: c.isalnum() or c == "_"}
_REPEATS = (sre.MAX_REPEAT, sre.MIN_REPEAT)


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


_REPEATED = re.compile(r"[*+]|\{[0-9]*,|\{(?![01]\})[0-9]+\}")   # more than once


def _repeated_groups(pattern: str) -> list[list[str]]:
    """The top-level alternatives of every group the pattern repeats more than once, as
    written (the stdlib parser would merge them into one character set)."""
    found: list[list[str]] = []
    open_groups: list[list[int]] = []      # per open group: where each alternative starts
    for token in tokens(pattern):
        if token.kind == "open":
            open_groups.append([token.end])
        elif token.kind == "alt" and open_groups:
            open_groups[-1].append(token.end)
        elif token.kind == "close" and open_groups:
            starts = open_groups.pop()
            if len(starts) > 1 and _REPEATED.match(pattern, token.end):
                ends = [start - 1 for start in starts[1:]] + [token.start]
                found.append([pattern[a:b] for a, b in zip(starts, ends)])
    return found


def ambiguous_repeat(pattern: str) -> bool:
    """Whether the regex repeats an alternation whose branches can start alike."""
    ignore_case = pattern.startswith("(?i)")
    for branches in _repeated_groups(pattern):
        try:
            firsts = [_first_chars(list(sre_parse.parse(branch))) for branch in branches]
        except (re.error, RecursionError):          # not Python syntax: compiled elsewhere
            continue
        if ignore_case:
            firsts = [_folded(first) for first in firsts]
        if any(firsts[i] & firsts[j] for i in range(len(firsts)) for j in range(i + 1, len(firsts))):
            return True
    return False
