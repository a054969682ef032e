"""``logsleuth templates``: mine every line's message into templates.

source → frame → envelope → miner (private key blocks redacted over all lines, each new
distinct message redacted before it is mined, so templates hold no secret; examples are
redacted again on the way out). Every line counts, not
only warnings and errors. Per template: count, first/last seen, an example; per line, on
request, the template it ended in (kept as 4-byte shape numbers in a temporary file, so
memory does not grow with the input: templates are final only at the end of the input).
"""

from __future__ import annotations

import sys
import tempfile
from array import array
from dataclasses import dataclass, field
from datetime import datetime
from typing import BinaryIO, Callable, Iterator, NamedTuple

from .envelope import (
    EnvelopeParser,
    decode_line,
    message_with_error,
    plain_message,
    strip_controls,
)
from .frame import frames
from .miner import Template, TemplateMiner
from .redact import redact, redact_blocks, redact_lines
from .result import iso
from .sources import DECOMPRESSION_ERRORS, InputError, Source, expand, open_source

MESSAGE_CHARS = 8192        # what is mined of a message (the miner keeps 120 tokens anyway)


@dataclass
class MinedTemplate:
    """One template with its statistics."""

    id: str
    template: str
    count: int
    first_seen: datetime | None
    last_seen: datetime | None
    example: str

    def to_dict(self) -> dict:
        return {"id": self.id, "template": self.template, "count": self.count,
                "first_seen": iso(self.first_seen), "last_seen": iso(self.last_seen),
                "example": self.example}


class LineTemplate(NamedTuple):
    """The template one input line ended in."""

    source: str
    line_no: int
    template_id: str
    template: str


@dataclass
class _ShapeStats:
    """What the lines of one shape (distinct masked message) showed: the first one's
    message, and the earliest and latest time."""

    example: str
    first: datetime | None = None
    last: datetime | None = None


@dataclass
class TemplateReport:
    """Templates of some inputs, most frequent first, and what could not be read."""

    sources: list[str]
    lines: int
    templates: list[MinedTemplate]
    errors: list[str] = field(default_factory=list)
    interrupted: bool = False
    redacted: bool = True
    miner: TemplateMiner | None = field(default=None, repr=False)
    spool: LineSpool | None = field(default=None, repr=False)

    def to_dict(self) -> dict:
        return {"schema": "logsleuth/templates@1", "sources": self.sources, "lines": self.lines,
                "templates": [t.to_dict() for t in self.templates], "errors": self.errors}

    def line_templates(self) -> Iterator[LineTemplate]:
        """Each input line's final template, in input order (needs ``keep_lines``)."""
        if self.spool is None or self.miner is None:
            raise ValueError("mine_templates(..., keep_lines=True) keeps the lines' templates")
        miner = self.miner
        ids: dict[int, tuple[str, str]] = {}
        for source, line_no, shape in self.spool.read():
            known = ids.get(shape)
            if known is None:
                template = miner.template_of(shape)
                known = ids[shape] = (template.id, template.text)
            yield LineTemplate(source, line_no, *known)


class LineSpool:
    """Per input line its shape number, in a temporary file (4 bytes a line)."""

    def __init__(self) -> None:
        self._file = tempfile.TemporaryFile()  # noqa: SIM115 - lives as long as the spool
        self._sources: list[tuple[str, int]] = []        # name, lines

    def write(self, source: str, shapes: list[int]) -> None:
        if self._sources and self._sources[-1][0] == source:
            name, count = self._sources[-1]
            self._sources[-1] = (name, count + len(shapes))
        else:
            self._sources.append((source, len(shapes)))
        array("I", shapes).tofile(self._file)

    def read(self) -> Iterator[tuple[str, int, int]]:
        self._file.seek(0)
        for name, count in self._sources:
            line_no = 0
            while line_no < count:
                block = array("I")
                block.fromfile(self._file, min(count - line_no, 1 << 16))
                for shape in block:
                    line_no += 1
                    yield name, line_no, shape


def mine_templates(inputs: list[str], stdin: BinaryIO | None = None, redact_output: bool = True,
                   keep_lines: bool = False) -> TemplateReport:
    r"""Mine the messages of every line of the inputs (paths, globs, ``-``; none means
    stdin); Ctrl-C keeps what was read.

    >>> import io
    >>> log = b"".join(b"node %s went offline\n" % n for n in (b"nas", b"pi", b"laptop"))
    >>> [(t.count, t.template) for t in mine_templates(["-"], io.BytesIO(log)).templates]
    [(3, 'node <*> went offline')]
    """
    sources = expand(inputs)
    stdin = stdin or sys.stdin.buffer
    miner = TemplateMiner(clean=redact_lines if redact_output else None)
    stats: dict[int, _ShapeStats] = {}
    spool = LineSpool() if keep_lines else None
    report = TemplateReport([s.name for s in sources], 0, [], redacted=redact_output,
                            miner=miner, spool=spool)
    for source in sources:
        try:
            _mine_source(source, stdin, report, stats)
        except KeyboardInterrupt:
            report.interrupted = True
            break
    report.templates = _summarise(miner, stats, redact if redact_output else str)
    return report


def _mine_source(source: Source, stdin: BinaryIO, report: TemplateReport,
                 stats: dict[int, _ShapeStats]) -> None:
    """Mine one source's lines into the report's miner; book what could not be read."""
    assert report.miner is not None
    try:
        stream = open_source(source, stdin)
    except InputError as exc:
        report.errors.append(str(exc))
        return
    parser = EnvelopeParser()
    try:
        for chunk in frames(stream):
            lines = _decoded_lines(strip_controls(chunk.data))
            report.lines += len(lines)
            shapes = _mine_lines(lines, parser, report.miner, stats, report.redacted)
            if report.spool is not None:
                report.spool.write(source.name, shapes)
    except DECOMPRESSION_ERRORS as exc:
        report.errors.append(f"{source.name}: input ends early or is damaged ({exc}); "
                             "everything before the damage was mined")


def _decoded_lines(data: bytes) -> list[str]:
    """The chunk's lines as text (a line that is not UTF-8 decoded on its own)."""
    try:
        return data.decode("utf-8").split("\n")[:-1]
    except UnicodeDecodeError:
        return [decode_line(raw) for raw in data.split(b"\n")[:-1]]


def _mine_lines(lines: list[str], parser: EnvelopeParser, miner: TemplateMiner,
                stats: dict[int, _ShapeStats], redact_output: bool) -> list[int]:
    """The lines' shapes; their messages (the fields when there is none) and times noted.
    Multi-line secrets are redacted here, over all the lines in order; single-line ones by
    the miner's clean hook, only in messages it has not seen."""
    messages, times = [], []
    for line in lines:
        message = plain_message(line)
        moment = None
        if message is None:
            env = parser.parse(line)
            message, moment = message_with_error(env) or env.body.strip(), env.timestamp
        messages.append(message[:MESSAGE_CHARS])
        times.append(moment)
    if redact_output:
        messages = redact_blocks(messages)
    shapes = miner.add_all(messages)
    for shape, moment, message in zip(shapes, times, messages):
        known = stats.get(shape)
        if known is None:
            known = stats[shape] = _ShapeStats(message)
        if moment is not None:
            if known.first is None or moment < known.first:
                known.first = moment
            if known.last is None or moment > known.last:
                known.last = moment
    return shapes


def _summarise(miner: TemplateMiner, stats: dict[int, _ShapeStats],
               clean: Callable[[str], str]) -> list[MinedTemplate]:
    """One entry per template text, most frequent first; examples passed through ``clean``."""
    by_text: dict[str, list[Template]] = {}
    for template in miner.templates():
        by_text.setdefault(template.text, []).append(template)
    mined = []
    for text, templates in by_text.items():
        seen = [stats[s] for t in templates for s in t.shapes if s in stats]
        firsts = [s.first for s in seen if s.first is not None]
        lasts = [s.last for s in seen if s.last is not None]
        mined.append(MinedTemplate(templates[0].id, text, sum(t.count for t in templates),
                                   min(firsts, default=None), max(lasts, default=None),
                                   clean(seen[0].example) if seen else ""))
    return sorted(mined, key=lambda t: (-t.count, t.template))
