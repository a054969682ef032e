"""The optional C extension (logsleuth/_speedups.c): everything else is in pyproject.toml.
Without a compiler the build only warns, and logsleuth runs its pure-Python twins."""

from setuptools import Extension, setup

setup(ext_modules=[Extension("logsleuth._speedups", ["logsleuth/_speedups.c"], optional=True)])
