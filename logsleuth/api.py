"""The library's front door: analyse logs or a diagnostic bundle, whichever the input is.

>>> from logsleuth import analyze, Options
>>> result = analyze(["diagnostic-report.txt"], Options(lang="zh"))   # doctest: +SKIP
>>> result.facts["deployment"]                                        # doctest: +SKIP
"""

from __future__ import annotations

import sys
from typing import BinaryIO

from .bundle.detect import is_bundle_file, peek_bundle
from .options import Options
from .pipeline import Pipeline
from .result import Analysis
from .sources import STDIN_NAME


def analyze(inputs: list[str], options: Options | None = None,
            stdin: BinaryIO | None = None) -> Analysis:
    """Analyse log inputs (paths, globs, ``-``; stdin when none); one input that is a
    diagnostic bundle, as a file or on stdin, gets the bundle report."""
    pipeline = Pipeline(options or Options())
    stdin = stdin or sys.stdin.buffer
    if len(inputs) == 1 and is_bundle_file(inputs[0]):
        from .bundle.report import report

        return report(pipeline, inputs[0])
    if inputs in ([], ["-"]):
        stdin, bundle = peek_bundle(stdin)
        if bundle:
            from .bundle.report import report_bytes

            return report_bytes(pipeline, stdin.read(), STDIN_NAME)
    return pipeline.analyze(inputs, stdin)


def analyze_bundle(path: str, options: Options | None = None) -> Analysis:
    """Analyse a diagnostic-report.txt (a file that is not one is analysed as a log)."""
    from .bundle.report import report

    return report(Pipeline(options or Options()), path)
