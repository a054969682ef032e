"""Command line: a thin click layer over the library. Each command is options → one
library call → one render → an exit status (:mod:`logsleuth.status`)."""

from . import logs, nightly, patterns, settings  # noqa: F401  (each registers its commands)
from .app import cli, main

__all__ = ["cli", "main"]
