"""Exit codes (DESIGN.md contract) and the rule that picks one for a result."""

from __future__ import annotations

from enum import IntEnum
from typing import TYPE_CHECKING

from .severity import Severity

if TYPE_CHECKING:
    from .result import Analysis


class ExitStatus(IntEnum):
    OK = 0                  # ran; nothing at or above --fail-on
    FINDINGS = 1            # findings at or above --fail-on
    USAGE = 2               # usage or configuration error
    INPUT_ERROR = 3         # an input could not be read (the rest was analysed)
    INTERRUPTED = 130       # Ctrl-C / SIGTERM, after printing what was found so far


def exit_status(result: Analysis, fail_on: str) -> ExitStatus:
    """Interrupted > unreadable input > findings at or above ``fail_on`` > OK."""
    if result.interrupted:
        return ExitStatus.INTERRUPTED
    if result.errors:
        return ExitStatus.INPUT_ERROR
    if fail_on != "never":
        threshold = Severity(fail_on)
        if any(Severity(f.severity) >= threshold for f in result.findings):
            return ExitStatus.FINDINGS
    return ExitStatus.OK
