"""JSON read from logs and reports, which anyone may have written: a text that is not
JSON, or nests deeper than MAX_DEPTH, is None rather than an error; a value read is made
a text again the standard library's way, and never fails for its depth.

orjson parses a log's JSON line three times faster than the standard library; where it
refuses a text the standard library reads (NaN, 1e400, lone surrogates), reads an integer
past 64 bits as a float, or is not installed, the standard library reads it, so the
result never depends on it.

>>> loads('{"level":"error","n":1e400}'), loads('{"id":[123456789012345678901234567890]}')
({'level': 'error', 'n': inf}, {'id': [123456789012345678901234567890]})
>>> loads("[" * 100_000 + "]" * 100_000) is None, loads("{not json") is None
(True, True)
>>> loads("[" * 512 + "]" * 512) is None, loads("[" * 513 + "]" * 513) is None
(False, True)
>>> dumps(loads('{"code": 7, "text": "x"}')), dumps(loads("[" * 512 + "]" * 512))[:9]
('{"code": 7, "text": "x"}', '[[[[[[[[[')
"""

from __future__ import annotations

import json
import sys
from typing import Callable, Final

from . import speedups

_fast_loads: Callable[[str], object] | None
try:    # a module, not `from orjson import loads`: mypyc type-checks this where orjson is absent
    import orjson

    _fast_loads = orjson.loads
except ImportError:  # pragma: no cover - orjson has wheels for the platforms we run on
    _fast_loads = None

_PLAIN: Final = frozenset((str, int, bool, type(None)))
_WIDE: Final = 2.0 ** 63        # orjson reads an integer this wide or wider as a float
_WIDE_DIGITS: Final = 19        # ... which takes at least this many digits to write


MAX_DEPTH: Final = 512
"""JSON nested deeper than this is not read (None): orjson reads 1024 levels, the standard
library as many as the interpreter's stack lets it, which differs by version and caller;
one bound for both keeps a line's reading the same everywhere."""


def loads(text: str) -> object | None:
    """The value of a JSON text; None when it is not one, or nests deeper than MAX_DEPTH."""
    value = _parsed(text)
    if value is not None and _may_nest_deep(text) and _depth(value) > MAX_DEPTH:
        return None
    return value


def _parsed(text: str) -> object | None:
    if _fast_loads is not None:
        try:
            value = _fast_loads(text)
        except ValueError:
            pass
        else:
            if not _may_differ(text, value):
                return value
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return None


def _may_nest_deep(text: str) -> bool:
    """Whether the text holds enough brackets to nest past MAX_DEPTH (few lines do)."""
    return len(text) > 2 * MAX_DEPTH and text.count("[") + text.count("{") > MAX_DEPTH


def _depth(value: object) -> int:
    """How deep lists and objects nest in ``value`` (without recursion)."""
    deepest, pending = 0, [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, (dict, list)):
            deepest = max(deepest, depth)
            pending.extend((child, depth + 1)
                           for child in (item.values() if isinstance(item, dict) else item))
    return deepest


def _may_differ(text: str, value: object) -> bool:
    """Whether orjson's ``value`` of ``text`` may differ from the standard library's: the
    text holds as many digits in a row as an integer past 64 bits takes (a scan in C, where
    the extension was built), or else the value holds such an integer read as a float."""
    if speedups.ACTIVE:
        return speedups.digit_run(text, _WIDE_DIGITS)
    return _may_hold_wide_integer(value)


def _may_hold_wide_integer(value: object) -> bool:
    """Whether orjson's value may differ from the standard library's: it holds a float of
    2**63 or more, which an integer past 64 bits becomes in orjson. A log line's object of
    texts, integers and booleans is seen at C speed; others are walked (without recursion:
    orjson reads 1024 levels)."""
    if type(value) is dict and _PLAIN.issuperset(map(type, value.values())):
        return False
    pending = [value]
    while pending:
        item = pending.pop()
        if type(item) is dict:
            pending.extend(item.values())
        elif type(item) is list:
            pending.extend(item)
        elif type(item) is float and abs(item) >= _WIDE:
            return True
    return False


def dumps(value: object) -> str:
    """``value`` as ``json.dumps`` writes it, however deep it nests (orjson reads up to
    1024 levels, deeper than the standard library writes from inside a run)."""
    try:
        return json.dumps(value)
    except RecursionError:
        limit = sys.getrecursionlimit()
        sys.setrecursionlimit(limit + 2048)
        try:
            return json.dumps(value)
        finally:
            sys.setrecursionlimit(limit)
