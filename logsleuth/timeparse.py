"""Every time logsleuth reads, in one place.

In logs: RFC 3339 stamps of any fraction length and zone (:func:`parse_time`), Unix
seconds or milliseconds (:func:`unix_time`), and zone-less or year-less stamps, which take
the zone and year of the lines around them (:class:`Clock`, :func:`first_zone`).

On the command line, ``--since`` / ``--until`` (:func:`parse_when`): relative (``90m``,
``24h``, ``7d``, ``2w``), ``now``, ``today``, ``yesterday``, or an ISO 8601 date or time
(``2024-05-01``, ``2024-05-01T10:00Z``, ``2024-05-01 12:00:00+02:00``). Anything else is
refused rather than guessed at: a misread ``-5m`` or ``2024`` would silently hide
everything."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone, tzinfo
from functools import lru_cache
from typing import Final


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
    from dateutil import parser as dateparser      # only for a time the user gives

    try:
        moment = dateparser.isoparse(text.strip().replace(" ", "T"))
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=timezone.utc)
        return moment.astimezone(timezone.utc)
    except (ValueError, OverflowError) as exc:
        raise ValueError(f"'{text}' is not a valid time ({exc})") from None


_UTC_STAMP: Final = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,9})?Z", re.ASCII)
_MICROSECONDS_Z: Final = len("2024-05-01T10:00:00.123456Z")


@lru_cache(maxsize=4096)        # log lines of the same second share their stamp
def parse_time(text: str) -> datetime | None:
    """RFC 3339 (any fraction length, ``Z`` or offset) to an aware UTC datetime.

    >>> parse_time("2024-05-01T10:00:00.123456789Z").isoformat()     # docker's -t stamp
    '2024-05-01T10:00:00.123456+00:00'
    """
    if _UTC_STAMP.fullmatch(text):      # the usual stamps (docker's nanoseconds cut to micro)
        try:
            return datetime.fromisoformat(text if len(text) <= _MICROSECONDS_Z
                                          else text[:_MICROSECONDS_Z - 1] + "Z")
        except ValueError:
            return None
    main, _, rest = text.partition(".")
    if rest:
        digits = len(rest) - len(rest.lstrip("0123456789"))
        text = f"{main}.{rest[:min(digits, 6)]}{rest[digits:]}"
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    elif len(text) >= 5 and text[-5] in "+-" and text[-3] != ":":
        text = f"{text[:-2]}:{text[-2:]}"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    try:
        return moment.astimezone(timezone.utc)
    except OverflowError:           # its UTC value falls outside years 1-9999: untimed
        return None


def unix_time(value: object) -> datetime | None:
    """A JSON ``time``: Unix seconds or milliseconds, or an RFC 3339 string."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        seconds = float(value)
        if seconds > 1e12:          # milliseconds
            seconds /= 1000
        try:
            return datetime.fromtimestamp(seconds, timezone.utc)
        except (OverflowError, OSError, ValueError):
            return None
    if isinstance(value, str):
        return parse_time(value)
    return None


_ZONE_AFTER_HOUR: Final = re.compile(r":\d\d:\d\d(?:\.\d+)?(?P<zone>Z|[+-]\d\d:?\d\d)(?![\d:])")


def line_zone(text: str) -> str | None:
    """The zone (``Z``, ``+02:00``) of the first ``hh:mm:ss`` time in ``text`` that has one.
    Looked for from the colon after the hour: a regex that starts with a literal skips
    ahead fast, one that starts with ``\\d`` tries every position (50 µs on a 3 KB JSON line).

    >>> line_zone('{"ts":1.5,"at":"2024-05-01T10:00:00.5+02:00"}'), line_zone("1:00:00Z 10:00")
    ('+02:00', None)
    """
    pos = 0
    while (match := _ZONE_AFTER_HOUR.search(text, pos)) is not None:
        hour = match.start()
        if hour >= 2 and text[hour - 2:hour].isdecimal():     # what \d takes
            return match["zone"]
        pos = hour + 1
    return None
_ZONE_BYTES: Final = re.compile(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(Z|[+-]\d\d:?\d\d)[ \"]")


@lru_cache(maxsize=64)
def zone_of(text: str) -> tzinfo:
    """``Z``, ``-07:00`` or ``+0530`` as a fixed-offset zone."""
    if text == "Z":
        return timezone.utc
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    return timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))


def first_zone(data: bytes) -> tzinfo | None:
    """The zone of the first RFC 3339 stamp with a zone in ``data`` (a source's first chunk):
    zone-less lines before the first zoned one take it too."""
    match = _ZONE_BYTES.search(data)
    return zone_of(match[1].decode()) if match else None


_HALF_A_YEAR = timedelta(days=184)     # a year-less day is at most this far from its reference


@dataclass
class Clock:
    """What a source's lines say about time, lent to the lines that say less: the zone of the
    zoned lines around them, and the last dated line before them (a year-less syslog line
    takes the year that puts it nearest that line, not the current year). Both depend only
    on the lines before, in order: a part of a file that starts at a dated line reads every
    time as one pass does."""

    zone: tzinfo | None = None
    dated: datetime | None = None       # the time of the last line that had its year
    # how many lines have set ``dated``, how many year-less times were read (counters for
    # the memo and the chunk edges: not what a clock knows)
    taught: int = field(default=0, compare=False)
    guesses: int = field(default=0, compare=False)
    assumed_utc: bool = False           # a zone-less line was read as UTC: no zone known
    year: int | None = None             # a fixed year for year-less lines (tests)

    def localize(self, moment: datetime) -> datetime:
        """A zone-less time (read as UTC) in the zone of its neighbours, as UTC."""
        if self.zone is None:
            self.assumed_utc = True
            return moment
        return moment.replace(tzinfo=self.zone).astimezone(timezone.utc)

    def without_year(self, month: int, day: int, clock: str) -> datetime | None:
        """A syslog ``Mon DD HH:MM:SS``: in the year that puts it nearest the last dated
        line (None when no year puts it within half a year of it: 29 February), or the
        year before when that would be more than a day ahead of now; with none yet, in this
        year or the last, never more than a day ahead of now.

        >>> from datetime import datetime, timezone
        >>> Clock(dated=datetime(2023, 12, 31, 23, 59, tzinfo=timezone.utc)).without_year(1, 1, "00:00:02")
        datetime.datetime(2024, 1, 1, 0, 0, 2, tzinfo=datetime.timezone.utc)
        """
        if self.year:
            years = [self.year]
        elif self.dated is None:
            this_year = datetime.now(timezone.utc).year
            years = [this_year, this_year - 1]
        else:
            years = [self.dated.year, self.dated.year - 1, self.dated.year + 1]
        self.guesses += 1
        hour, minute, second = (int(part) for part in clock.split(":"))
        moments: dict[int, datetime] = {}
        for year in years:
            try:
                moments[year] = self.localize(datetime(year, month, day, hour, minute, second,
                                                       tzinfo=timezone.utc))
            except ValueError:          # 29 Feb in a year without it, a bad day
                continue
        if self.year:
            return moments.get(self.year)
        ahead = datetime.now(timezone.utc) + timedelta(days=1)
        if self.dated is None:
            return next((m for m in moments.values() if m <= ahead), None)
        dated = self.dated
        nearest = min(moments, key=lambda y: abs(moments[y] - dated), default=None)
        if nearest is None or abs(moments[nearest] - dated) > _HALF_A_YEAR:
            return None
        if moments[nearest] > ahead:            # never in the future: a year before
            return moments.get(nearest - 1)
        return moments[nearest]

    def saw(self, moment: datetime | None) -> None:
        """A line with its year: the reference for the year-less lines after it."""
        if moment is not None:
            self.dated = moment
            self.taught += 1
