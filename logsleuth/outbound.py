"""The one boundary every string crosses on its way out of logsleuth.

Log text, fields, templates, node names, file names and configuration values are
attacker-controlled. Before anything is written, the result passes through
:func:`neutralise`: secrets are masked (unless ``--no-redact``) and, for anything a terminal
may show, every control character but TAB (C0, DEL, C1), the Unicode line and paragraph
separators and the bidirectional overrides become visible escapes (``\\x1b``, ``\\u2028``);
a lone surrogate (a file name that is not UTF-8) becomes ``\\udcxx``. This runs on the
finished result, after all decoding (JSON ``\\u001b`` escapes included), so nothing decoded
later can slip past. Medium-specific quoting (rich markup, Markdown fences) is the
renderers' job on top of this.
"""

from __future__ import annotations

from dataclasses import fields, is_dataclass, replace
from typing import Callable, TypeVar

from .redact import redact

T = TypeVar("T")

_ESCAPED = [*range(0x00, 0x09), *range(0x0a, 0x20), 0x7f, *range(0x80, 0xa0),
            0x200e, 0x200f, 0x2028, 0x2029, *range(0x202a, 0x202f), *range(0x2066, 0x206a)]
_VISIBLE = str.maketrans({code: f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
                          for code in _ESCAPED})

MULTILINE_FIELDS = frozenset({"evidence", "samples"})
"""Fields whose strings are several log lines joined by ``\\n``: the line breaks stay."""


def visible(text: str) -> str:
    """``text`` with every control character as a visible escape; linear time."""
    return text.translate(_VISIBLE)


def visible_lines(text: str) -> str:
    """Like :func:`visible`, but line breaks between log lines stay line breaks."""
    return "\n".join(visible(line) for line in text.split("\n"))


def encodable(text: str) -> str:
    """``text`` with lone surrogates (a file name that is not UTF-8) as ``\\udcxx``, so
    it can always be written as UTF-8."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text


def outbound_text(text: str, *, mask_secrets: bool = True, for_terminal: bool = True,
                  multiline: bool = False) -> str:
    """One string made safe to write: UTF-8 encodable, secrets masked, controls made
    visible."""
    text = encodable(text)
    if mask_secrets:
        text = redact(text)
    if for_terminal:
        text = visible_lines(text) if multiline else visible(text)
    return text


def release(result: T, *, mask_secrets: bool) -> T:
    """A result as it leaves the library: every text in it, whatever field holds it,
    has its secrets masked unless ``mask_secrets`` is off. Controls stay as they are
    (they are made visible where a terminal may show them: :func:`neutralise`)."""
    return neutralise(result, mask_secrets=mask_secrets, for_terminal=False) if mask_secrets else result


def neutralise(value: T, *, mask_secrets: bool = True, for_terminal: bool = True,
               multiline: bool = False) -> T:
    """A copy of ``value`` (a result, summary, dict, list, string) with every string in it
    passed through :func:`outbound_text`; other values are kept as they are. A result
    repeats its texts (a sample in a finding and in its cause, a value in many fields):
    each distinct one is passed once."""
    passed: dict[tuple[str, bool], str] = {}

    def again(item, nested_multiline: bool = False):
        if isinstance(item, str):
            known = passed.get((item, nested_multiline))
            if known is None:
                known = passed[item, nested_multiline] = outbound_text(
                    item, mask_secrets=mask_secrets, for_terminal=for_terminal,
                    multiline=nested_multiline)
            return known
        if isinstance(item, list):
            return [again(element, nested_multiline) for element in item]
        if isinstance(item, tuple):
            return tuple(again(element, nested_multiline) for element in item)
        if isinstance(item, set):
            return {again(element) for element in item}
        if isinstance(item, dict):
            return _neutral_dict(item, again)
        if is_dataclass(item) and not isinstance(item, type):
            return replace(item, **{f.name: again(getattr(item, f.name),
                                                  f.name in MULTILINE_FIELDS)
                                    for f in fields(item) if f.init})
        return item

    return again(value, multiline)


def _neutral_dict(value: dict, again: Callable[[object], object]) -> dict:
    """Keys and values passed on; counts of keys that become alike (two secrets masked
    the same) are summed, most frequent first."""
    result: dict = {}
    merged = False
    for key, item in value.items():
        key, item = again(key), again(item)
        if key in result and isinstance(item, int) and isinstance(result[key], int):
            result[key] += item
            merged = True
        else:
            result[key] = item
    return dict(sorted(result.items(), key=lambda kv: -kv[1])) if merged else result
