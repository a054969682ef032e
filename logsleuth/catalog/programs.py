"""The catalog's compiled regexes, kept between runs.

The ``regex`` module parses a pattern in Python (about 0.4 ms for a catalog regex, 70 ms for
the whole catalog, paid again by every worker process) and hands the outcome, a program of
integers, to its C compiler, which builds the pattern in microseconds. This module records
those hand-overs once per catalog and ``regex`` version in the start-up cache
(:mod:`logsleuth.cache`); later runs build each pattern from its program.

Recording relies on one private name of ``regex``: its C module, ``regex._main._regex``.
Without it, or with a damaged cache, patterns are compiled the usual way; the programs
only ever save time. A stored program is checked against its digest before use, since the
C compiler trusts what it is given.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import cache

if TYPE_CHECKING:
    import regex

FORMAT = b"regex-programs-1"
"""Changes when what a stored program holds changes."""

Program = tuple[Any, ...]
"""The C compiler's arguments for one pattern, as ``regex`` passes them."""

_known: dict[str, Program] = {}


def compile_regex(pattern: str) -> regex.Pattern:
    """A catalog regex as the classifier runs it: ASCII classes, Python-compatible syntax;
    built from its recorded program when there is one."""
    program = _known.get(pattern)
    return compile_parsed(pattern) if program is None else _engine().compile(*program)


def compile_parsed(pattern: str) -> regex.Pattern:
    """:func:`compile_regex` the slow way, parsing ``pattern`` (what records its program)."""
    module: Any = importlib.import_module("regex")
    return module.compile(pattern, module.ASCII | module.VERSION0)


def cache_file(raws: Iterable[bytes]) -> Path:
    """Where the programs of the catalog read from these pattern files are kept."""
    version = importlib.import_module("regex").__version__.encode()
    return cache.cache_path("regex", FORMAT, version, *raws).with_suffix(".json")


def load(path: Path) -> bool:
    """Learn the programs stored at ``path``; False when there are none usable."""
    data = cache.load(path)
    if data is None or data[:65].count(b"\n") != 1:
        return False
    digest, _, body = data.partition(b"\n")
    if hashlib.sha256(body).hexdigest().encode() != digest:
        return False
    try:
        _known.update((pattern, _from_json(pattern, stored))
                      for pattern, stored in json.loads(body).items())
    except (ValueError, TypeError):
        return False
    return True


def record(path: Path, patterns: Iterable[str]) -> None:
    """Compile ``patterns``, watching the programs handed to the C compiler, and store
    them at ``path`` (best effort: nothing is stored where ``regex`` no longer has the
    name watched)."""
    programs: dict[str, Program] = {}
    with contextlib.suppress(AttributeError, ImportError), _watching(programs):
        for pattern in sorted(set(patterns)):
            compile_parsed(pattern)
    usable = {pattern: program for pattern, program in programs.items() if not program[5]}
    _known.update(usable)       # a pattern with named lists (none in a catalog) is left out
    body = json.dumps({pattern: _to_json(program) for pattern, program in usable.items()},
                      separators=(",", ":")).encode()
    cache.store(path, hashlib.sha256(body).hexdigest().encode() + b"\n" + body)


@contextlib.contextmanager
def _watching(programs: dict[str, Program]) -> Iterator[None]:
    """Within the block, each program ``regex`` compiles goes into ``programs`` too."""
    main: Any = importlib.import_module("regex._main")
    engine = main._regex

    class Watcher:
        def __getattr__(self, name: str) -> Any:
            return getattr(engine, name)

        @staticmethod
        def compile(*program: Any) -> Any:
            programs[program[0]] = program
            return engine.compile(*program)

    main.purge()                 # a pattern in regex's own cache would not be compiled again
    main._regex = Watcher()
    try:
        yield
    finally:
        main._regex = engine


def _engine() -> Any:
    return importlib.import_module("regex._main")._regex


def _to_json(program: Program) -> list:
    """A program as JSON: ``(pattern, flags, code, group_index, index_group, named_lists,
    named_list_indexes, req_offset, req_chars, req_flags, group_count)`` without the
    pattern and the (empty) named lists."""
    (_, flags, code, group_index, index_group, _, _, req_offset, req_chars, req_flags,
     group_count) = program
    return [int(flags), code, group_index, sorted(index_group.items()), req_offset,
            list(req_chars), int(req_flags), group_count]


def _from_json(pattern: str, stored: list) -> Program:
    flags, code, group_index, index_group, req_offset, req_chars, req_flags, group_count = stored
    numbers = (flags, req_offset, req_flags, group_count, *code, *req_chars,
               *group_index.values())
    if not all(type(number) is int for number in numbers):
        raise TypeError("not a program")
    return (pattern, flags, code, group_index, dict((int(i), str(n)) for i, n in index_group),
            {}, [], req_offset, tuple(req_chars), req_flags, group_count)
