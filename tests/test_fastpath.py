"""The per-candidate fast paths give exactly what the general paths give.

Each fast path has a general twin that stays in the code: the console line's one-regex
parse (the parser's step-by-step path), the usual UTC stamp read as it is (the normalising
one), ANSI codes stripped only where ``find`` lands (one ``re.sub`` over the chunk), the
template memo keyed by the digit-normalised message (``template_of(redact(message))`` per
entry), a JSON line's fields made on demand, and orjson (the stdlib's json). The test runs every fixture and a generated
busy log both ways in one process and compares the whole analysis and every entry.
"""

from __future__ import annotations

import importlib.util
import io
import re
import sys
from pathlib import Path

import pytest

from logsleuth import envelope, formats, masks, speedups, timeparse
from logsleuth.bundle.report import report
from logsleuth.classify import MAX_MATCH_CHARS
from logsleuth.options import Options
from logsleuth.pipeline import Pipeline
from logsleuth.sources import Source

from .conftest import FIXTURES, ROOT

_ANSI_REFERENCE = re.compile(rb"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07\n]*\x07")

# Unknown warnings that differ only in digits (one memo entry each shape), a quoted value
# whose \u escapes differ only in digits (different messages: never one memo entry),
# proxies' JSON errors with nested members, ANSI codes, CR line ends.
_BUSY_EXTRA = [
    'headscale-1  | 2026-07-01T10:00:{s:02d}.{ms:03d}Z WRN client sent unexpected capability '
    'version {n} node.id={n} node.name=laptop-{n}',
    'headscale-1  | 2026-07-01T10:00:{s:02d}Z ERR boom error="bad \\u004{d} thing" node.id={n}',
    'caddy-1  | {{"level":"error","ts":17800{n}.5,"logger":"http.log.error","msg":"dial tcp '
    '172.18.0.{d}:8080: i/o timeout","request":{{"remote_ip":"10.0.0.{n}","uri":"/ts2021"}},'
    '"status":502}}',
    '\x1b[36mheadscale-1  | \x1b[0m2026-07-01T10:00:{s:02d}+02:00 \x1b[31mERR\x1b[0m failed '
    'to write {n} bytes to \x1b]8;;x\x07peer {d}\r',
    'headscale-1  | 2026-07-01T10:00:{s:02d}.{ms:03d}123456Z INF github.com/juanfont/headscale/'
    'hscontrol/poll.go:{n} > node has disconnected chan=0xc00{n} node.id={d} node.name=n{d}',
]


# What the byte loops must survive: a line past the scan's match window, lone and trailing
# ESCs, an unterminated OSC, invalid UTF-8, NUL, CR.
_HOSTILE_TAIL = (
    b"headscale-1  | 2026-07-01T10:00:01Z ERR " + b"long line failed " * 7000 + b"\n"
    b"headscale-1  | 2026-07-01T10:00:02Z WRN lone \x1b escape\x1b\n"
    b"headscale-1  | 2026-07-01T10:00:03Z ERR \x1b]8;;unterminated osc failed\r\n"
    b"headscale-1  | 2026-07-01T10:00:04Z ERR not utf-8 \xff\xfe nul \x00 failed\n"
    b"headscale-1  | 2026-07-01T10:00:05Z WRN last line without newline\x1b[0m"
)


def _generated_log(path: Path) -> Path:
    """About 1 MB of each of bench/generate.py's profiles (the bench log, then the busy
    node-heavy one), then a block of the shapes above and the hostile tail."""
    spec = importlib.util.spec_from_file_location("bench_generate", ROOT / "bench" / "generate.py")
    generate = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generate)             # it finds its sibling busy.py itself
    with path.open("w", encoding="utf-8") as out:
        generate.generate(1 << 20, out, seed=5, profile="bench")
        generate.generate(1 << 20, out, seed=6, profile="busy")
        for n in range(3000):
            line = _BUSY_EXTRA[n % len(_BUSY_EXTRA)]
            out.write(line.format(s=n % 60, ms=n % 1000, n=n * 7919 % 100_000, d=n % 10) + "\n")
    with path.open("ab") as out:
        out.write(_HOSTILE_TAIL)
    return path


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> list[Path]:
    """Every fixture and the generated busy log."""
    fixtures = sorted(p for p in FIXTURES.rglob("*") if p.suffix in (".log", ".txt"))
    return [*fixtures, _generated_log(tmp_path_factory.mktemp("fastpath") / "busy.log")]


def _entry_row(entry) -> tuple:
    return (entry.line_no, entry.last_line, entry.service, entry.container, entry.timestamp,
            entry.level, entry.pattern_id, entry.severity, entry.line, entry.fields,
            entry.template, entry.key, entry.message, entry.envelope.format,
            entry.envelope.caller, entry.envelope.fields)


def _run(path: Path, catalog) -> tuple[dict, list[tuple]]:
    """The analysis document and every classified entry (bundles: the analysis only)."""
    options = Options(jobs=1, catalog=catalog)
    if path.parent.name == "bundles":
        return report(Pipeline(options), str(path)).to_dict(), []
    analysis = Pipeline(options).analyze([str(path)]).to_dict()
    entries = [_entry_row(entry)
               for batch in Pipeline(options).entries([Source(str(path), path)], io.BytesIO())
               for entry in batch]
    return analysis, entries


class _NoMemo(masks.TemplateMemo):
    """Every template computed from its own message."""

    def template(self, kind, shape, message):
        return masks.template_of(self._clean(message()))


def _general_paths(monkeypatch) -> None:
    monkeypatch.setattr(envelope, "console_prefix", lambda line: None)
    monkeypatch.setattr(timeparse, "_UTC_STAMP", re.compile(r"(?!)"))
    timeparse.parse_time.cache_clear()
    monkeypatch.setattr("logsleuth.reader.strip_controls", lambda chunk: _ANSI_REFERENCE.sub(
        b"", chunk).replace(b"\r", b""))
    monkeypatch.setattr("logsleuth.classify.TemplateMemo", _NoMemo)
    monkeypatch.setattr("logsleuth.jsonload._fast_loads", None)      # the stdlib's json
    monkeypatch.setattr(envelope.EnvelopeParser, "json_shortcut", False)
    eager = formats.zerolog_json

    def json_fields_at_once(text):
        env = eager(text)
        if env is not None:
            env.message                                  # noqa: B018 (makes the fields)
        return env

    monkeypatch.setitem(formats.INNER_PARSERS, "zerolog-json", json_fields_at_once)


def test_fast_and_general_paths_agree_on_every_fixture_and_a_busy_log(inputs, monkeypatch,
                                                                        catalog):
    assert len(inputs) > 150 and any(p.parent.name == "bundles" for p in inputs)
    fast = {path: _run(path, catalog) for path in inputs}
    with monkeypatch.context() as patched:
        _general_paths(patched)
        general = {path: _run(path, catalog) for path in inputs}
    timeparse.parse_time.cache_clear()
    for path in inputs:
        assert fast[path][0] == general[path][0], path
        assert fast[path][1] == general[path][1], path
    busy = fast[inputs[-1]]
    assert len(busy[1]) > 3000 and len(busy[0]["unknown"]) >= 3
    templates_seen = {row[10] for row in busy[1]}
    assert {"boom error=bad A thing", "boom error=bad F thing"} <= templates_seen


def _use(monkeypatch, twins: dict[int, object]) -> None:
    """Every logsleuth module's name for a byte loop bound to the given twin."""
    for module in [m for name, m in sys.modules.items() if name.startswith("logsleuth")]:
        for name in speedups.NAMES:
            current = getattr(module, name, None)
            if id(current) in twins:
                monkeypatch.setattr(module, name, twins[id(current)])


def test_c_and_python_byte_loops_agree_on_every_fixture_and_a_busy_log(inputs, monkeypatch,
                                                                        catalog):
    c = pytest.importorskip("logsleuth._speedups", reason="the C extension is not built here")
    pairs = [(getattr(c, name), getattr(speedups, f"{name}_py")) for name in speedups.NAMES]
    runs = []
    for chosen in (0, 1):                        # C, then Python, whatever the environment says
        with monkeypatch.context() as patched:
            _use(patched, {id(fn): pair[chosen] for pair in pairs for fn in pair})
            assert envelope.console_prefix is pairs[speedups.NAMES.index("console_prefix")][chosen]
            runs.append({path: _run(path, catalog) for path in inputs})
    for path in inputs:
        assert runs[0][path] == runs[1][path], path
    busy = runs[0][inputs[-1]]
    assert any(row[8].startswith("headscale-1  | 2026-07-01T10:00:01Z ERR long line") and
               len(row[8]) == MAX_MATCH_CHARS for row in busy[1])


@pytest.mark.parametrize("chunk", [
    b"a\x1b[31mb\x1b]0;t\x07c\x1b\x1b[0m\r\n", b"\x1b]x\x1b[1m\x07y\n", b"\x1b", b"\x1b[",
    b"\x1b]abc\nd\x07\n", b"plain\r\nline\n", b"no codes at all\n",
])
def test_strip_controls_removes_what_one_substitution_removes(chunk):
    assert envelope.strip_controls(chunk) == _ANSI_REFERENCE.sub(b"", chunk).replace(b"\r", b"")


@pytest.mark.parametrize("stamp", [
    "2026-07-01T10:00:00Z", "2026-07-01T10:00:00.5Z", "2026-07-01T10:00:00.123456Z",
    "2026-07-01T10:00:00.1234567Z", "2026-02-30T10:00:00Z", "2026-07-01T10:00:00+02:00",
    "9999-12-31T23:59:59.999999Z",
])
def test_the_usual_stamp_reads_as_the_general_reading(stamp, monkeypatch):
    timeparse.parse_time.cache_clear()
    fast = timeparse.parse_time(stamp)
    monkeypatch.setattr(timeparse, "_UTC_STAMP", re.compile(r"(?!)"))
    timeparse.parse_time.cache_clear()
    general = timeparse.parse_time(stamp)
    timeparse.parse_time.cache_clear()
    assert fast == general and (fast is None or fast.utcoffset().total_seconds() == 0)
