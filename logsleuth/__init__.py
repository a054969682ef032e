"""logsleuth: find known Headscale problems in logs, with likely causes and fixes.

The command line (``logsleuth``) is a thin layer over this library::

    from logsleuth import analyze, Options
    result = analyze(["headscale.log.gz"], Options(lang="en"))
    for finding in result.findings:
        print(finding.severity, finding.title, finding.count)

Names are imported on first use, so ``logsleuth --help`` does not pay for Polars.
"""

from __future__ import annotations

from importlib import import_module

from . import compiled  # noqa: F401  (before any module it may compile is imported)

__version__ = "0.1.0"
_LAZY = {"Options": "options", "Pipeline": "pipeline", "analyze": "api",
         "analyze_bundle": "api",
         "Analysis": "result", "Cause": "result", "Finding": "result", "Unknown": "result",
         "mine_templates": "mining", "TemplateMiner": "miner"}
__all__ = [*_LAZY, "__version__"]


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module 'logsleuth' has no attribute {name!r}")
