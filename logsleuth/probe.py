"""``patterns test``: one pattern run over every line of a file, with the fields it lifts.

>>> import io
>>> from logsleuth.catalog import load_catalog
>>> flapping = load_catalog(()).get("conn.node_flapping")
>>> lines = (b'2026-07-14T11:30:00Z INF node connected node.name=nas\\n'
...          b'{"level":"info","node.name":"nas","message":"node has disconnected"}\\n')
>>> [(m.line_no, m.fields) for m in probe(flapping, io.BytesIO(lines))]
[(1, None), (2, {'node': 'nas'})]
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, BinaryIO, Iterator

from .envelope import EnvelopeParser, strip_controls

if TYPE_CHECKING:
    from .catalog import Pattern


@dataclass(frozen=True)
class LineMatch:
    """One line of the file; ``fields`` is None when the pattern did not match it."""

    line_no: int
    text: str
    fields: dict[str, str] | None

    @property
    def matched(self) -> bool:
        return self.fields is not None


def fields_of(pattern: Pattern, text: str) -> dict[str, str] | None:
    """The non-empty named groups ``pattern`` lifts from one line and, on a JSON line, its
    ``json_fields``, as the classifier lifts them; None when the pattern does not match."""
    match = pattern.compiled.search(text)
    if match is None:
        return None
    fields = [(k, v) for k, v in match.groupdict().items() if v]
    if pattern.json_fields:
        members = EnvelopeParser().parse(text).members
        fields = fields if members is None else pattern.with_members(fields, members)
    return dict(fields)


def probe(pattern: Pattern, stream: BinaryIO) -> Iterator[LineMatch]:
    """Each line of ``stream`` (controls stripped, decoded leniently) and what ``pattern``
    lifted from it."""
    for line_no, raw in enumerate(stream, 1):
        text = strip_controls(raw).decode("utf-8", "replace").rstrip("\n")
        yield LineMatch(line_no, text, fields_of(pattern, text))
