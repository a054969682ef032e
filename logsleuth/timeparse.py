"""``--since`` / ``--until`` values: relative (``90m``, ``24h``, ``7d``, ``2w``) or absolute."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from dateutil import parser as dateparser

_RELATIVE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|sec|m|min|h|hr|d|day|days|w|week|weeks)\s*(?:ago)?\s*$",
                       re.IGNORECASE)
_UNITS = {"s": "seconds", "sec": "seconds", "m": "minutes", "min": "minutes", "h": "hours",
          "hr": "hours", "d": "days", "day": "days", "days": "days", "w": "weeks",
          "week": "weeks", "weeks": "weeks"}


def parse_when(text: str, now: datetime | None = None) -> datetime:
    """A moment in UTC; naive absolute times are taken as UTC. Raises ValueError."""
    now = now or datetime.now(timezone.utc)
    relative = _RELATIVE.match(text)
    if relative:
        amount, unit = float(relative[1]), _UNITS[relative[2].lower()]
        return now - timedelta(**{unit: amount})
    lowered = text.strip().lower()
    if lowered == "now":
        return now
    if lowered in ("today", "yesterday"):
        midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
        return midnight - timedelta(days=1 if lowered == "yesterday" else 0)
    try:
        moment = dateparser.parse(text)
    except (ValueError, OverflowError) as exc:
        raise ValueError(f"'{text}' is not a time (try 24h, 7d or 2024-05-01T10:00:00Z)") from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)
