"""The compiled per-line path (mypyc, :mod:`logsleuth.compiled`) gives exactly what its
sources give: every fixture and a generated busy log, the analysis and every entry, in one
pass and in parts on forked and on spawned workers (which send compiled objects back).

In-process the tests run the sources (the root ``conftest.py``); here a child process runs
the compiled modules, where they were built.
"""

from __future__ import annotations

import ast
import os
import pickle
import subprocess
import sys
from importlib.machinery import EXTENSION_SUFFIXES
from pathlib import Path

import pytest

from logsleuth import compiled, cuts
from logsleuth.options import Options
from logsleuth.pipeline import Pipeline

from .conftest import ROOT
from .test_fastpath import _run, inputs  # noqa: F401 (the fixture)

_CHILD = """
import copy, io, pickle, sys
from logsleuth.sources import Source
from logsleuth import compiled, classify, cuts, parallel
from logsleuth.catalog import load_catalog
from logsleuth.options import Options
from logsleuth.pipeline import Pipeline
from tests.test_fastpath import _run
assert compiled.active() and not classify.__file__.endswith(".py"), classify.__file__
paths = pickle.loads(sys.stdin.buffer.read())
catalog = load_catalog(())
runs = {str(path): _run(path, catalog) for path in paths}
entries = [e for batch in Pipeline(Options(catalog=catalog)).entries(
    [Source(str(paths[-1]), paths[-1])], io.BytesIO()) for e in batch]
assert len(entries) > 3000 and all(copy.copy(e) == e for e in entries[:500])
assert pickle.loads(pickle.dumps(entries)) == entries
cuts.MIN_PART, cuts.HEAD_START = 1 << 18, 0     # the generated log in parts
busy = str(paths[-1])
parts = {"fork": Pipeline(Options(jobs=3, catalog=catalog)).analyze([busy]).to_dict()}
parallel.forks = lambda: False
parts["spawn"] = Pipeline(Options(jobs=3, catalog=catalog)).analyze([busy]).to_dict()
sys.stdout.buffer.write(pickle.dumps((runs, parts)))
"""


def _compiled_environment() -> dict[str, str]:
    return {name: value for name, value in os.environ.items()
            if name not in ("LOGSLEUTH_NO_COMPILED", "LOGSLEUTH_NO_SPEEDUPS")}


def _compiled_runs(paths: list[Path]) -> tuple[dict, dict]:
    probe = subprocess.run([sys.executable, "-c", "import logsleuth.compiled as c; print(c.active())"],
                           capture_output=True, text=True, cwd=ROOT, env=_compiled_environment())
    if probe.stdout.strip() != "True":
        pytest.skip("the compiled modules are not built here (no mypyc or no C compiler)")
    child = subprocess.run([sys.executable, "-c", _CHILD], input=pickle.dumps(paths),
                           capture_output=True, cwd=ROOT, env=_compiled_environment())
    assert child.returncode == 0, child.stderr.decode()
    return pickle.loads(child.stdout)


def test_compiled_and_source_modules_agree_on_every_fixture_and_a_busy_log(inputs, catalog,  # noqa: F811
                                                                          monkeypatch):
    assert not compiled.active()                 # this process runs the sources
    runs, parts = _compiled_runs(inputs)
    for path in inputs:
        assert runs[str(path)] == _run(path, catalog), path
    busy = runs[str(inputs[-1])]
    assert len(busy[1]) > 3000 and len(busy[0]["unknown"]) >= 3
    monkeypatch.setattr(cuts, "MIN_PART", 1 << 18)
    monkeypatch.setattr(cuts, "HEAD_START", 0)
    in_parts = Pipeline(Options(jobs=3, catalog=catalog)).analyze([str(inputs[-1])]).to_dict()
    for mode, analysis in parts.items():
        assert analysis == in_parts, mode


def test_the_sources_run_where_the_compiled_modules_cannot(tmp_path):
    """Switched off, or compiled from other sources than those beside them (an edited
    checkout): the sources run, all of them."""
    code = "import logsleuth.classify as k, logsleuth.compiled as c; print(c.active(), k.__file__)"
    for name in ("LOGSLEUTH_NO_COMPILED", "LOGSLEUTH_NO_SPEEDUPS"):
        ran = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             cwd=tmp_path, env={**_compiled_environment(), name: "1"}, check=True)
        active, file = ran.stdout.split()
        assert active == "False" and file.endswith("classify.py")
    manifest = Path(compiled.HERE, compiled.MANIFEST)
    if not manifest.exists():
        pytest.skip("the compiled modules are not built here")
    saved = manifest.read_text()
    try:
        manifest.write_text(saved.replace(" ", " 0", 3))       # another source's checksum
        ran = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             cwd=tmp_path, env=_compiled_environment(), check=True)
    finally:
        manifest.write_text(saved)
    active, file = ran.stdout.split()
    assert active == "False" and file.endswith("classify.py")


def test_the_sources_run_where_the_shared_library_of_the_compiled_modules_is_missing(tmp_path):
    """Every module's extension and the manifest, but not the library holding their code
    (``logsleuth__mypyc``, beside the package: a package directory copied on its own): the
    sources run rather than every import failing."""
    library = next(Path(compiled.HERE).parent.glob(f"{compiled.LIBRARY}.*"), None)
    if library is None or not Path(compiled.HERE, compiled.MANIFEST).exists():
        pytest.skip("the compiled modules are not built here")
    aside = library.rename(library.with_name(library.name + ".aside"))   # same file system
    try:
        ran = subprocess.run([sys.executable, "-c", "import logsleuth.classify as k, "
                              "logsleuth.compiled as c; print(c.active(), k.__file__)"],
                             capture_output=True, text=True, cwd=tmp_path,
                             env=_compiled_environment())
    finally:
        aside.rename(library)
    assert ran.returncode == 0, ran.stderr
    active, file = ran.stdout.split()
    assert active == "False" and file.endswith("classify.py")


def test_an_extension_left_from_another_build_is_never_loaded(tmp_path):
    """A module compiled by an earlier build but no longer in MODULES (its extension left in
    an editable checkout) runs from its source, compiled modules or not."""
    stale = Path(compiled.HERE, "severity" + EXTENSION_SUFFIXES[0])
    assert "severity" not in compiled.MODULES and not stale.exists()
    stale.write_bytes(b"not a shared object")
    try:
        for environment in (_compiled_environment(), os.environ):
            ran = subprocess.run([sys.executable, "-c", "import logsleuth.severity as s; "
                                  "print(s.__file__)"], capture_output=True, text=True,
                                 cwd=tmp_path, env=dict(environment))
            assert ran.returncode == 0 and ran.stdout.strip().endswith("severity.py"), ran.stderr
    finally:
        stale.unlink()


def test_the_compiled_modules_type_check_as_the_isolated_build_sees_them():
    """``pip install .`` into a fresh environment compiles in one that holds setuptools and
    mypy only (no orjson, no regex...): mypyc must accept the sources there too, or the
    build quietly stays pure Python."""
    pytest.importorskip("mypy")
    options = next(ast.literal_eval(node.value) for node in ast.parse((ROOT / "setup.py").read_text()).body
                   if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "MYPY_OPTIONS")
    sources = [str(Path(compiled.HERE, f"{name}.py")) for name in compiled.MODULES]
    checked = subprocess.run([sys.executable, "-m", "mypy", *options, "--no-site-packages",
                              "--cache-dir=/dev/null", *sources], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout
