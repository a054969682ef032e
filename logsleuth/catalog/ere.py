"""The catalog's regexes as POSIX ERE (``grep -E``), for ``patterns export --to grep`` and
the bench's grep baseline: built on :func:`.portable.tokens`."""

from __future__ import annotations

from .portable import Token, tokens

_ERE_ESCAPED = frozenset(".[]()|*+?{}^$\\")
_ERE_ESCAPES = {"\\d": "[0-9]", "\\t": "\t"}
_CLASS_ESCAPES = (("\\n", ""), ("\\t", "\t"), ("\\\\", "\\"), ("\\[", "["), ('\\"', '"'), ("\\]", "]"))
_QUANTIFIERS = frozenset("*+?}")


def to_ere(pattern: str) -> str:
    """The portable-subset regex as POSIX ERE for ``grep -E``: groups made plain, ``(?i)``
    spelled out as ``[aA]`` classes, ``\\d`` as ``[0-9]``, lazy quantifiers made greedy
    (whether a line matches does not change).

    >>> to_ere(r'(?i)db (?P<x>[a-z]+?)\\d')
    '[dD][bB] ([a-zA-Z]+)[0-9]'
    """
    out: list[str] = []
    folds: list[bool] = []
    fold, previous = False, Token("char", "", 0)
    for token in tokens(pattern):
        kind, text = token.kind, token.text
        lazy = text == "?" and previous.kind == "char" and previous.text in _QUANTIFIERS
        previous = token
        if kind == "flags" and token.start == 0 and text == "(?i)":
            fold = True
        elif kind == "escape":
            out.append(_ERE_ESCAPES.get(text, text if text[1] in _ERE_ESCAPED else text[1:]))
        elif kind == "class":
            out.append(_ere_class(text, fold))
        elif kind == "open":
            folds.append(fold)
            fold = fold or text == "(?i:"
            out.append("(")
        elif kind == "close":
            fold = folds.pop()
            out.append(")")
        elif lazy:
            continue                                  # lazy quantifier: same lines match
        elif fold and text.isalpha():
            out.append(f"[{text.lower()}{text.upper()}]")
        else:
            out.append(text)
    return "".join(out)


def _ere_class(text: str, fold: bool) -> str:
    """A bracket expression in ERE: no ``\\n`` (grep works on lines), escapes spelled as
    the character (a ``]`` first, where ERE reads it as a literal), both cases of its
    letters when folding; ``[^\\n]`` is ``.``."""
    negated = text.startswith("[^")
    body = text[2 if negated else 1:-1]
    for escaped, plain in _CLASS_ESCAPES:
        body = body.replace(escaped, plain)
    if "]" in body:
        body = "]" + body.replace("]", "")
    if fold:
        body += _swapped(body)
    if negated:
        return f"[^{body}]" if body else "."
    return f"[{body}]"


def _swapped(body: str) -> str:
    """The other case of a bracket body's letters and letter ranges (``a-z`` -> ``A-Z``)."""
    extra, i = [], 1 if body.startswith("^") else 0
    while i < len(body):
        if i + 2 < len(body) and body[i + 1] == "-" and body[i].isalpha() and body[i + 2].isalpha():
            extra.append(f"{body[i].swapcase()}-{body[i + 2].swapcase()}")
            i += 3
        else:
            if body[i].isalpha():
                extra.append(body[i].swapcase())
            i += 1
    return "".join(x for x in extra if x not in body)
