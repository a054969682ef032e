"""Severity, ordered: info < warning < error < critical.

>>> Severity("error") > Severity("warning")
True
>>> max(["info", "critical", "error"], key=Severity.rank)
'critical'
"""

from __future__ import annotations

from enum import Enum


class Severity(str, Enum):
    """How bad a finding is; compares by rank (also with a plain string), equals its
    plain string."""

    INFO = "info"
    WARNING = "warning"
    ERROR = "error"
    CRITICAL = "critical"

    @classmethod
    def rank(cls, name: str) -> int:
        """0 for info up to 3 for critical (a sort key for plain strings)."""
        return _RANKS[name]

    def __lt__(self, other: object) -> bool:
        return _RANKS[self.value] < _RANKS[Severity(other).value]

    def __le__(self, other: object) -> bool:
        return _RANKS[self.value] <= _RANKS[Severity(other).value]

    def __gt__(self, other: object) -> bool:
        return _RANKS[self.value] > _RANKS[Severity(other).value]

    def __ge__(self, other: object) -> bool:
        return _RANKS[self.value] >= _RANKS[Severity(other).value]

    __hash__ = str.__hash__


_RANKS = {severity.value: rank for rank, severity in enumerate(Severity)}
SEVERITIES: tuple[str, ...] = tuple(severity.value for severity in Severity)
