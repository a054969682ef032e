"""The modules of the per-line path that ``pip install`` compiles with mypyc, and whether
the compiled ones run.

Where mypyc and a C compiler are at hand, ``setup.py`` compiles :data:`MODULES` into C
extensions beside their sources (about a fifth less CPU on a busy log) and writes
:data:`MANIFEST`: a checksum of each source it compiled. Python would load such an
extension before its source, so a finder makes it load the sources instead unless every
compiled module can run: all of them are present (compiled code calls its compiled
neighbours directly, so they run together or not at all), each was compiled from the source
now beside it (an edited checkout runs what it says, not a stale build), and neither
``LOGSLEUTH_NO_SPEEDUPS=1`` nor ``LOGSLEUTH_NO_COMPILED=1`` is set. The finder decides at
the first import of one of them (``logsleuth --help`` imports none). Both kinds give the
same results (``tests/test_compiled.py``).
"""

from __future__ import annotations

import os
import sys
import zlib
from importlib.machinery import EXTENSION_SUFFIXES, ModuleSpec
from typing import Sequence

MODULES = ("classify", "entry", "envelope", "formats", "fields", "timeparse", "masks", "redact",
           "jsonload", "lookback", "aggregate", "sampling", "flapping", "filter", "frame",
           "reader")
MANIFEST = "_compiled.txt"
HERE = os.path.dirname(os.path.abspath(__file__))
LIBRARY = "logsleuth__mypyc"    # setup.py takes mypyc's group name from it
"""The compiled modules' code (mypyc's group ``logsleuth``), which each module's extension
imports from beside the package."""
_decided: list[bool] = []


def checksum(path: str) -> str:
    """A source's CRC-32 and length, as the manifest states them (it tells an edited source
    from the one compiled, not a forgery)."""
    with open(path, "rb") as source:
        data = source.read()
    return f"{zlib.crc32(data):08x}:{len(data)}"


def _switched_off() -> bool:
    return any(os.environ.get(name, "") not in ("", "0")
               for name in ("LOGSLEUTH_NO_SPEEDUPS", "LOGSLEUTH_NO_COMPILED"))


def _built(name: str, place: str = HERE) -> bool:
    return any(os.path.exists(os.path.join(place, name + suffix)) for suffix in EXTENSION_SUFFIXES)


def usable() -> bool:
    """Whether the compiled modules can run here: built, from these sources, not switched
    off."""
    if _switched_off():
        return False
    try:
        with open(os.path.join(HERE, MANIFEST), encoding="ascii") as manifest:
            stated = dict(line.split() for line in manifest if line.strip())
        return _built(LIBRARY, os.path.dirname(HERE)) and all(
            _built(name) and stated.get(name) == checksum(os.path.join(HERE, name + ".py"))
            for name in MODULES)
    except (OSError, ValueError):
        return False


def active() -> bool:
    """Whether the compiled modules are the ones that run in this process (decided once)."""
    if not _decided:
        _decided.append(usable())
    return _decided[0]


class _Chooser:
    """At the import of a module of the package that has an extension beside its source:
    none (the usual finders load the extension) when it is one of :data:`MODULES` and the
    compiled ones run, else the spec of its source (an extension left from a build that
    compiled more modules than these is never loaded)."""

    def find_spec(self, fullname: str, path: Sequence[str] | None = None,
                  target: object = None) -> ModuleSpec | None:
        package, _, name = fullname.rpartition(".")
        source = os.path.join(HERE, name + ".py")
        if package != __package__ or not _built(name) or not os.path.exists(source) \
                or (name in MODULES and active()):
            return None
        from importlib.util import spec_from_file_location

        return spec_from_file_location(fullname, source)


if not any(isinstance(finder, _Chooser) for finder in sys.meta_path):
    sys.meta_path.insert(0, _Chooser())
