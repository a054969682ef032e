"""JSON read from logs and reports, which anyone may have written: a text that is not
JSON, or nests deeper than the parser goes, is None rather than an error; a value read
is made a text again the standard library's way, and never fails for its depth.

orjson parses a log's JSON line three times faster than the standard library; where it
refuses a text the standard library reads (NaN, 1e400, lone surrogates), reads an integer
past 64 bits as a float, or is not installed, the standard library reads it, so the
result never depends on it.

>>> loads('{"level":"error","n":1e400}'), loads('{"id":[123456789012345678901234567890]}')
({'level': 'error', 'n': inf}, {'id': [123456789012345678901234567890]})
>>> loads("[" * 100_000 + "]" * 100_000) is None, loads("{not json") is None
(True, True)
>>> dumps(loads('{"code": 7, "text": "x"}')), dumps(loads("[" * 1000 + "]" * 1000))[:9]
('{"code": 7, "text": "x"}', '[[[[[[[[[')
"""

from __future__ import annotations

import json
import sys
from typing import Callable

from . import speedups

_fast_loads: Callable[[str], object] | None
try:
    from orjson import loads as _fast_loads
except ImportError:  # pragma: no cover - orjson has wheels for the platforms we run on
    _fast_loads = None

_PLAIN = frozenset((str, int, bool, type(None)))
_WIDE = 2.0 ** 63        # orjson reads an integer this wide or wider as a float
_WIDE_DIGITS = 19        # ... which takes at least this many digits to write


def loads(text: str) -> object | None:
    """The value of a JSON text; None when it is not one (or nests too deep to read)."""
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
