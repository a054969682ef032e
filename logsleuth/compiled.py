"""The modules of the per-line path that ``pip install`` compiles with mypyc, and whether
the compiled ones run.

Where mypyc and a C compiler are at hand, ``setup.py`` compiles :data:`MODULES` into C
extensions beside their sources (about 15 % less CPU a busy log) and writes
:data:`MANIFEST`: the digest of each source it compiled. Python would load such an
extension before its source, so a finder makes it load the sources instead unless every
compiled module can run: all of them are present (compiled code calls its compiled
neighbours directly, so they run together or not at all), each was compiled from the source
now beside it (an edited checkout runs what it says, not a stale build), and neither
``LOGSLEUTH_NO_SPEEDUPS=1`` nor ``LOGSLEUTH_NO_COMPILED=1`` is set. Both kinds give the
same results (``tests/test_compiled.py``).
"""

from __future__ import annotations

import hashlib
import importlib.abc
import importlib.machinery
import importlib.util
import json
import os
import sys
from pathlib import Path
from types import ModuleType
from typing import Sequence

MODULES = ("classify", "envelope", "formats", "fields", "timeparse", "masks", "redact",
           "jsonload", "lookback", "aggregate", "flapping", "filter", "frame", "reader")
MANIFEST = "_compiled.json"
HERE = Path(__file__).resolve().parent


def source_digest(path: Path) -> str:
    """The SHA-256 of a source file, as the manifest states it."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _switched_off() -> bool:
    return any(os.environ.get(name, "") not in ("", "0")
               for name in ("LOGSLEUTH_NO_SPEEDUPS", "LOGSLEUTH_NO_COMPILED"))


def _built(name: str) -> bool:
    return any((HERE / f"{name}{suffix}").exists()
               for suffix in importlib.machinery.EXTENSION_SUFFIXES)


def usable() -> bool:
    """Whether the compiled modules can run here: built, from these sources, not switched
    off."""
    if _switched_off():
        return False
    try:
        stated = json.loads((HERE / MANIFEST).read_text())
        return all(_built(name) and stated.get(name) == source_digest(HERE / f"{name}.py")
                   for name in MODULES)
    except (OSError, ValueError, AttributeError):
        return False


class _Sources(importlib.abc.MetaPathFinder):
    """Loads the compiled modules' sources even where their extensions lie beside them."""

    def find_spec(self, fullname: str, path: Sequence[str] | None = None,
                  target: ModuleType | None = None) -> importlib.machinery.ModuleSpec | None:
        package, _, name = fullname.rpartition(".")
        if package != __package__ or name not in MODULES:
            return None
        return importlib.util.spec_from_file_location(fullname, HERE / f"{name}.py")


ACTIVE = usable()
"""Whether the compiled modules are the ones that run (decided once, on first import)."""

if not ACTIVE and not any(isinstance(finder, _Sources) for finder in sys.meta_path):
    sys.meta_path.insert(0, _Sources())
