"""The inner formats of a line, once its wrapping (compose prefix, system-log prefix,
docker stamp) is off: zerolog console and JSON, Go std-log (net/http, tailscaled), lines
that say their level by their first word (cobra ``Error:``, Go runtime ``panic:``), and
plain text. Each parser gives an :class:`Envelope`, or None for a text not in its format.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from . import jsonload
from .fields import split_fields
from .speedups import RFC3339
from .timeparse import parse_time, unix_time

_CONSOLE_TS: Final = re.compile(rf"(?P<ts>{RFC3339}) ")
LEVEL_TOKEN: Final = re.compile(r"(?P<lvl>TRC|DBG|INF|WRN|ERR|FTL|PNC|\?\?\?)(?: |$)")
_CALLER: Final = re.compile(r"(?P<caller>[^ ]+\.go:\d+) > ?")
_STDLOG: Final = re.compile(r"(?P<ts>\d{4}/\d\d/\d\d \d\d:\d\d:\d\d(?:\.\d+)?) ")

CONSOLE_LEVELS: Final = {"TRC": "trace", "DBG": "debug", "INF": "info", "WRN": "warn",
                  "ERR": "error", "FTL": "fatal", "PNC": "panic", "???": None}
_JSON_LEVEL_NAMES: Final = {name: name for name in ("trace", "debug", "info", "warn", "error", "fatal",
                                             "panic")} | {"warning": "warn"}
# Lines that carry no level of their own but say how bad they are by their first word.
_BARE_PREFIX_LEVELS: Final = (
    ("Error: initializing: ", "fatal"),                      # v0.29 `headscale serve` start-up
    ("Error: headscale ran into an error", "fatal"),         # failures: the process exits
    ("Error: ", "error"),            # any other cobra command error (CLI)
    ("Fatal config error: ", "fatal"),
    ("FATAL: ", "fatal"),            # deprecation block continuation
    ("WARN: ", "warn"),
    ("fatal error: ", "fatal"),      # Go runtime
    ("panic: ", "panic"),
)
_TAILSCALED_PREFIXES: Final = ("magicsock:", "control:", "netcheck:", "wgengine", "Received error",
                        "derphttp", "health", "logtail", "ipnlocal", "tstun", "is CONFIG_TUN",
                        "router:", "dns:", "portmapper", "monitor:", "linkChange", "backend error")


@dataclass(slots=True, init=False)
class Envelope:
    """What a line says, with its wrapping taken off. Console ``key=value`` fields are split
    off the message, and a JSON line's other members made texts, only when someone asks
    for them (most entries never need them). (One is made for every candidate line: its
    ``__init__`` is written out, so that mypyc compiles it, not made by ``dataclass``.)"""

    body: str
    service: str | None
    timestamp: datetime | None
    level: str | None
    caller: str | None
    format: str
    parsed: tuple[str, dict[str, str]] | None
    members: dict[str, object] | None     # a JSON line's members besides the wrapping
    inferred: bool              # the time took its zone or year from the lines around it
    container: str | None       # the compose container (``headscale-1``), else the service

    def __init__(self, body: str, service: str | None = None,
                 timestamp: datetime | None = None, level: str | None = None,
                 caller: str | None = None, format: str = "plain",
                 parsed: tuple[str, dict[str, str]] | None = None,
                 members: dict[str, object] | None = None, inferred: bool = False,
                 container: str | None = None) -> None:
        self.body, self.service, self.timestamp, self.level = body, service, timestamp, level
        self.caller, self.format, self.parsed, self.members = caller, format, parsed, members
        self.inferred, self.container = inferred, container

    def __reduce__(self) -> tuple[type[Envelope], tuple]:
        """Pickled and copied by its fields (compiled, the default would call ``__init__``
        without them)."""
        return Envelope, (self.body, self.service, self.timestamp, self.level, self.caller,
                          self.format, self.parsed, self.members, self.inferred, self.container)

    def _split(self) -> tuple[str, dict[str, str]]:
        if self.parsed is None:
            if self.members is not None:
                message, fields = self.body, {k: v if isinstance(v, str) else jsonload.dumps(v)
                                              for k, v in self.members.items()}
            elif self.format.endswith("zerolog-console"):
                message, fields = split_fields(self.body)
            else:
                message, fields = self.body, {}
            self.parsed = (message.strip(), fields)
        return self.parsed

    @property
    def message(self) -> str:
        return self._split()[0]

    @property
    def fields(self) -> dict[str, str]:
        return self._split()[1]


def zerolog_console(text: str) -> Envelope | None:
    match = _CONSOLE_TS.match(text)
    if not match:
        return None
    level = LEVEL_TOKEN.match(text, match.end())
    if not level:
        return None
    rest = text[level.end():]
    caller = _CALLER.match(rest)
    if caller:
        rest = rest[caller.end():]
    return Envelope(body=rest, timestamp=parse_time(match["ts"]),
                    level=CONSOLE_LEVELS[level["lvl"]],
                    caller=caller["caller"] if caller else None, format="zerolog-console")


def zerolog_json(text: str) -> Envelope | None:
    if not text.startswith("{"):
        return None
    data = jsonload.loads(text)
    if not isinstance(data, dict):
        return None
    pop = data.pop          # a third of a busy log's candidates are JSON lines: kept lean
    level = _JSON_LEVEL_NAMES.get(str(pop("level", "")).lower())
    message = pop("message", pop("msg", ""))
    stamp = pop("time", None)
    timestamp = None if stamp is None else unix_time(stamp)
    if timestamp is None:
        stamp = pop("ts", None)
        timestamp = None if stamp is None else _zap_time(stamp)
    logtail = data.get("logtail")
    if isinstance(logtail, dict) and "text" in data:   # tailscaled / tsnet logtail line
        message = message or str(pop("text")).rstrip("\n")
        timestamp = timestamp or unix_time(logtail.get("client_time"))
    # (body, service, timestamp, level, caller, format, parsed, members) by position
    return Envelope(str(message), None, timestamp, level, pop("caller", None), "zerolog-json",
                    None, data)


def _zap_time(value: object) -> datetime | None:
    """zap's (Caddy's) ``ts``: Unix seconds, or an ISO string; a small number is some other
    count, not a time.

    >>> _zap_time(1717000000.5).isoformat(), _zap_time(42)
    ('2024-05-29T16:26:40.500000+00:00', None)
    """
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value < 1e9:
        return None
    return unix_time(value)


def go_stdlog(text: str) -> Envelope | None:
    match = _STDLOG.match(text)
    if not match:
        return None
    message = text[match.end():]
    moment = parse_time(match["ts"].replace("/", "-").replace(" ", "T"))
    fmt = "tailscaled" if message.startswith(_TAILSCALED_PREFIXES) else "go-log"
    return Envelope(body=message, timestamp=moment, format=fmt)


def plain(text: str) -> Envelope:
    for prefix, level in _BARE_PREFIX_LEVELS:
        if text.startswith(prefix):
            return Envelope(body=text, level=level, format="cli")
    fmt = "tailscaled" if text.startswith(_TAILSCALED_PREFIXES) else "plain"
    return Envelope(body=text, format=fmt)


INNER_PARSERS = {"zerolog-console": zerolog_console, "zerolog-json": zerolog_json,
                 "go-log": go_stdlog}
