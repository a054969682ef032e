"""``--since`` / ``--until`` values: relative (``90m``, ``24h``, ``7d``, ``2w``), ``now``,
``today``, ``yesterday``, or an ISO 8601 date or time (``2024-05-01``, ``2024-05-01T10:00Z``,
``2024-05-01 12:00:00+02:00``). Anything else is refused rather than guessed at: a
misread ``-5m`` or ``2024`` would silently hide everything."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from dateutil import parser as dateparser

_RELATIVE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|sec|m|min|h|hr|d|day|days|w|week|weeks)\s*(?:ago)?\s*$",
                       re.IGNORECASE)
_ABSOLUTE = re.compile(r"\d{4}-\d\d-\d\d(?:[T ]\d\d:\d\d(?::\d\d(?:\.\d{1,9})?)?"
                       r"(?:Z|z|[+-]\d\d:?\d\d)?)?")
_FORMS = "24h, 7d, now, yesterday, 2024-05-01 or 2024-05-01T10:00:00Z"
_UNITS = {"s": "seconds", "sec": "seconds", "m": "minutes", "min": "minutes", "h": "hours",
          "hr": "hours", "d": "days", "day": "days", "days": "days", "w": "weeks",
          "week": "weeks", "weeks": "weeks"}


def parse_when(text: str, now: datetime | None = None) -> datetime:
    """A moment in UTC; naive absolute times are taken as UTC. Raises ValueError.

    >>> from datetime import datetime, timezone
    >>> now = datetime(2024, 5, 2, 10, 0, tzinfo=timezone.utc)
    >>> parse_when("24h", now).isoformat(), parse_when("2024-05-01 12:00+02:00").isoformat()
    ('2024-05-01T10:00:00+00:00', '2024-05-01T10:00:00+00:00')
    >>> parse_when("-5m")
    Traceback (most recent call last):
    ValueError: '-5m' is not a time (use 24h, 7d, now, yesterday, 2024-05-01 or 2024-05-01T10:00:00Z)
    """
    now = now or datetime.now(timezone.utc)
    relative = _RELATIVE.match(text)
    if relative:
        amount, unit = float(relative[1]), _UNITS[relative[2].lower()]
        try:
            return now - timedelta(**{unit: amount})
        except OverflowError:
            raise ValueError(f"'{text}' reaches before year 1") from None
    lowered = text.strip().lower()
    if lowered == "now":
        return now
    if lowered in ("today", "yesterday"):
        midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
        return midnight - timedelta(days=1 if lowered == "yesterday" else 0)
    if not _ABSOLUTE.fullmatch(text.strip()):
        raise ValueError(f"'{text}' is not a time (use {_FORMS})")
    try:
        moment = dateparser.isoparse(text.strip().replace(" ", "T"))
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=timezone.utc)
        return moment.astimezone(timezone.utc)
    except (ValueError, OverflowError) as exc:
        raise ValueError(f"'{text}' is not a valid time ({exc})") from None
