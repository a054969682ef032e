"""Exit codes (DESIGN.md contract)."""

from enum import IntEnum


class ExitStatus(IntEnum):
    OK = 0                  # ran; nothing at or above --fail-on
    FINDINGS = 1            # findings at or above --fail-on
    USAGE = 2               # usage or configuration error
    INPUT_ERROR = 3         # an input could not be read (the rest was analysed)
    INTERRUPTED = 130       # Ctrl-C / SIGTERM, after printing what was found so far
