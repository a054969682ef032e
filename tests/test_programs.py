"""Compiled regexes kept between runs: a run with the cache builds every catalog regex from
its recorded program, without parsing it, and the built regex behaves as the parsed one."""

from __future__ import annotations

import hashlib
import importlib

import pytest

from logsleuth.catalog import _regexes, load_catalog, programs
from logsleuth.catalog.programs import compile_parsed, compile_regex


@pytest.fixture()
def fresh_programs(tmp_path, monkeypatch):
    """An empty start-up cache, and no program known in this process."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setattr(programs, "_known", {})
    return tmp_path / "logsleuth"


def _programs_file(cache_dir):
    [path] = cache_dir.glob("regex-*.json")
    return path


def _forget(monkeypatch):
    monkeypatch.setattr(programs, "_known", {})


def test_a_second_run_builds_every_catalog_regex_without_parsing_it(fresh_programs, monkeypatch):
    load_catalog()                                   # records the programs
    _forget(monkeypatch)
    parse = importlib.import_module("regex._main")._compile
    monkeypatch.setattr("regex._main._compile", _refuse)
    catalog = load_catalog()                         # reads them: no regex is parsed
    for pattern in set(_regexes(catalog)):
        compile_regex(pattern)
    monkeypatch.setattr("regex._main._compile", parse)
    assert len(programs._known) >= len(catalog.patterns)


def _refuse(*args, **kwargs):
    raise AssertionError(f"parsed {args[0]!r}")


def test_a_regex_built_from_its_program_behaves_as_the_parsed_one(fresh_programs, monkeypatch):
    catalog = load_catalog()
    _forget(monkeypatch)
    assert programs.load(_programs_file(fresh_programs))
    entries = [*catalog.patterns, *catalog.ignores]
    assert {e.regex for e in entries} <= set(programs._known)
    for entry in entries:
        built, parsed = compile_regex(entry.regex), compile_parsed(entry.regex)
        assert (built.pattern, built.flags, built.groupindex) == (
            parsed.pattern, parsed.flags, parsed.groupindex)
        for line in (*entry.samples_match, *entry.samples_no_match):
            found, expected = built.search(line), parsed.search(line)
            assert (found and (found.span(), found.groupdict())) == (
                expected and (expected.span(), expected.groupdict())), (entry.id, line)


@pytest.mark.parametrize("damage", [
    lambda data: data[:-40] + b"0" * 40,                      # the body changed
    lambda data: data[:100],                                  # cut short
    lambda data: b"not a digest\n" + data.partition(b"\n")[2],
])
def test_a_damaged_programs_file_is_not_used_and_is_written_again(fresh_programs, monkeypatch,
                                                                   damage):
    load_catalog()
    path = _programs_file(fresh_programs)
    good = path.read_bytes()
    path.write_bytes(damage(good))
    _forget(monkeypatch)
    assert not programs.load(path) and programs._known == {}
    catalog = load_catalog()
    assert path.read_bytes() == good
    locked = catalog.get("db.sqlite_locked")
    assert locked.compiled.search(locked.samples_match[0])


@pytest.mark.parametrize("body", [b'{"a+":[0,["x"],{},[],0,[],0,0]}',     # code not ints
                                  b'{"a+":["256",[1],{},[],0,[],0,0]}',   # flags not an int
                                  b'{"a+":[0,[1],{},[],0,[]]}'])           # too short
def test_a_program_of_the_wrong_shape_is_not_used(fresh_programs, monkeypatch, body):
    load_catalog()
    path = _programs_file(fresh_programs)
    path.write_bytes(hashlib.sha256(body).hexdigest().encode() + b"\n" + body)
    _forget(monkeypatch)
    assert not programs.load(path)


def test_the_programs_are_kept_per_regex_version(fresh_programs, monkeypatch):
    raws = [b"[[pattern]]"]
    before = programs.cache_file(raws)
    monkeypatch.setattr("regex.__version__", "0.0.1")
    assert programs.cache_file(raws) != before


def test_without_the_watched_name_nothing_is_recorded_and_regexes_still_compile(
        fresh_programs, monkeypatch):
    main = importlib.import_module("regex._main")
    engine = main._regex
    monkeypatch.delattr(main, "_regex")
    programs.record(fresh_programs / "regex-x.json", ["alpha (?P<b>beta)"])
    monkeypatch.setattr(main, "_regex", engine, raising=False)
    assert programs._known == {}
    assert compile_regex("alpha (?P<b>beta)").search("alpha beta")["b"] == "beta"
