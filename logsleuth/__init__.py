"""logsleuth: find known Headscale problems in logs, with likely causes and fixes.

The command line (``logsleuth``) is a thin layer over this library::

    from logsleuth import analyze, Options
    result = analyze(["headscale.log.gz"], Options(lang="en"))
    for finding in result.findings:
        print(finding.severity, finding.title, finding.count)
"""

from .pipeline import Options, Pipeline, analyze
from .result import Analysis, Cause, Finding, Unknown

__version__ = "0.1.0"
__all__ = ["Analysis", "Cause", "Finding", "Options", "Pipeline", "Unknown", "analyze",
           "__version__"]
