"""The optional compiled parts; everything else is in pyproject.toml.

- ``logsleuth/_speedups.c``: the byte loops (ANSI strip, hits to lines, console prefix);
- the per-line path (``logsleuth.compiled.MODULES``), compiled by mypyc from its typed
  sources, all together or not at all, with a manifest of the sources it was compiled
  from (their checksums).

Without a compiler (or mypyc) the build only warns, and logsleuth runs its pure-Python code.
"""

import ast
import sys
import zlib
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

PACKAGE = Path("logsleuth")
METADATA_COMMANDS = {"egg_info", "dist_info", "sdist"}      # they build nothing: no mypyc
# The build environment holds setuptools and mypy only: the libraries' stubs and the
# libraries themselves (orjson...) are missing there, so their names are Any to mypyc
# (the static check, with them, is mypy's run in CI).
MYPY_OPTIONS = ["--config-file=", "--ignore-missing-imports", "--python-version=3.11"]


def _compiled_names() -> tuple[list[str], str, str]:
    """``MODULES``, ``MANIFEST`` and mypyc's group name (``LIBRARY`` without ``__mypyc``) of
    logsleuth/compiled.py, read without importing it."""
    found = {}
    for node in ast.parse((PACKAGE / "compiled.py").read_text()).body:
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
            found[node.targets[0].id] = node.value
    library = ast.literal_eval(found["LIBRARY"])
    return (list(ast.literal_eval(found["MODULES"])), ast.literal_eval(found["MANIFEST"]),
            library.removesuffix("__mypyc"))


def _checksum(path: Path) -> str:
    """What logsleuth.compiled.checksum says of a source: its CRC-32 and length."""
    data = path.read_bytes()
    return f"{zlib.crc32(data):08x}:{len(data)}"


class BuildExt(build_ext):
    """build_ext plus the mypyc-compiled modules, kept only when every one of them built."""

    compiled: list[Extension] = []

    def finalize_options(self) -> None:
        modules, _, group = _compiled_names()
        if not self.compiled and not set(self.distribution.commands) <= METADATA_COMMANDS:
            self.compiled = self._mypyc(modules, group)
            self.distribution.ext_modules = [*(self.distribution.ext_modules or []),
                                             *self.compiled]
        super().finalize_options()

    def run(self) -> None:
        modules, manifest, _ = _compiled_names()
        super().run()
        compiled = self.compiled
        outputs = [Path(self.get_ext_fullpath(ext.name)) for ext in compiled]
        places = {Path(self.build_lib) / PACKAGE}
        if self.inplace or getattr(self, "editable_mode", False):
            places.add(PACKAGE)
        built = bool(compiled) and all(self._present(path.name, places) for path in outputs)
        if compiled and not built:
            print("warning: the per-line path did not compile: it stays pure Python",
                  file=sys.stderr)
        for place in places:
            self._settle(place, modules, manifest, built)

    @staticmethod
    def _mypyc(modules: list[str], group: str) -> list[Extension]:
        try:
            from mypyc.build import mypycify
        except ImportError:
            print("warning: mypyc is not installed: the per-line path stays pure Python",
                  file=sys.stderr)
            return []
        try:
            sources = [str(PACKAGE / f"{name}.py") for name in modules]
            extensions = mypycify([*MYPY_OPTIONS, *sources], opt_level="3", group_name=group)
        except (Exception, SystemExit) as exc:      # mypyc reports type errors by exiting
            print(f"warning: mypyc failed ({exc}): the per-line path stays pure Python",
                  file=sys.stderr)
            return []
        for extension in extensions:
            extension.optional = True
        return extensions

    @staticmethod
    def _present(filename: str, places: set[Path]) -> bool:
        """Whether a compiled extension was written (top-level ones beside the package)."""
        return any((place / filename).exists() or (place.parent / filename).exists()
                   for place in places)

    @staticmethod
    def _settle(place: Path, modules: list[str], manifest: str, built: bool) -> None:
        """Write the manifest of the compiled sources beside the package; when some module
        did not compile, none runs (no manifest: logsleuth.compiled loads the sources)."""
        if not built:
            (place / manifest).unlink(missing_ok=True)
            return
        lines = [f"{name} {_checksum(PACKAGE / f'{name}.py')}\n" for name in modules]
        (place / manifest).write_text("".join(lines))


setup(ext_modules=[Extension("logsleuth._speedups", ["logsleuth/_speedups.c"], optional=True)],
      cmdclass={"build_ext": BuildExt})
