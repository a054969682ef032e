"""``patterns test``: one pattern run over every line of a file, with the fields it lifts.

>>> import io, re
>>> pattern = re.compile(r"bind: address already in use (?P<port>\\d+)")
>>> [(m.line_no, m.fields) for m in probe(pattern, io.BytesIO(b"ok\\nbind: address already in use 8080\\n"))]
[(1, None), (2, {'port': '8080'})]
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import BinaryIO, Iterator, Protocol

from .envelope import strip_controls


class Searcher(Protocol):
    def search(self, text: str) -> object: ...


@dataclass(frozen=True)
class LineMatch:
    """One line of the file; ``fields`` is None when the pattern did not match it."""

    line_no: int
    text: str
    fields: dict[str, str] | None

    @property
    def matched(self) -> bool:
        return self.fields is not None


def probe(pattern: Searcher, stream: BinaryIO) -> Iterator[LineMatch]:
    """Each line of ``stream`` (controls stripped, decoded leniently) and what ``pattern``
    lifted from it."""
    for line_no, raw in enumerate(stream, 1):
        text = strip_controls(raw).decode("utf-8", "replace").rstrip("\n")
        match = pattern.search(text)
        fields = ({k: v for k, v in match.groupdict().items() if v}  # type: ignore[attr-defined]
                  if match else None)
        yield LineMatch(line_no, text, fields)
