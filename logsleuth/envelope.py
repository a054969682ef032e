"""Lift the wrapping off a log line: compose prefix, docker/journald timestamps; then the
inner format (:mod:`logsleuth.formats`: zerolog console or JSON, cobra ``Error:`` lines, Go
std-log lines, plain text) gives its :class:`Envelope`.

Only lines the scan picked are parsed here. The usual shapes (console lines bare, under a
compose or system-log prefix, and JSON lines) skip the general steps; tests hold each such
shortcut to them. Per service the inner format that parsed last is tried first (the format
is "locked on").
"""

from __future__ import annotations

import re
from datetime import datetime, timezone, tzinfo
from functools import lru_cache
from typing import Final

from .fields import split_fields  # noqa: F401 (callers' name)
from .formats import (CONSOLE_LEVELS, INNER_PARSERS, LEVEL_TOKEN, Envelope, plain,
                      zerolog_json)
from .speedups import RFC3339, ConsolePrefix, console_prefix, strip_controls  # noqa: F401 (callers' name)
from .timeparse import Clock, line_zone, parse_time, zone_of

# docker compose's "headscale-1  | " (v1: "headscale_1  | "), or kubectl logs --prefix's
# "[pod/headscale-7d9f6c-x2x/headscale] "
_COMPOSE: Final = re.compile(r"(?P<name>[A-Za-z0-9][A-Za-z0-9_.-]{0,254}) +\| ?"
                      r"|\[pod/(?P<pod>[^/\]\s]+)/(?P<kname>[^\]\s]+)\] ")
_OUTER_TS: Final = re.compile(rf"(?P<ts>{RFC3339}) ?")
# A host name holds no blank, bracket, brace or quote and does not end with a colon (a
# docker-stamped "<stamp> \t[signal SIGSEGV: ..." frame, "<stamp> Error: initializing: ..."
# or "<stamp> {"msg":"two words","error":...}" is no syslog line); syslog without one
# (BusyBox, some relays) has the program first. A program name is not all digits
# ("<docker stamp> 2026/07/14 11:10:02 magicsock: ..." is no syslog line; "3proxy[8]:" is).
_HOST = r'(?P<host>[^\s\[\]{}"]*[^\s\[\]{}":])'
_IDENT = r'(?P<ident>(?![0-9]+[\[:])[^ \[:{}"]+)'
_JOURNALD: Final = re.compile(
    r"(?P<mon>Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) +(?P<day>\d{1,2}) "
    rf"(?P<time>\d\d:\d\d:\d\d)(?:\.\d+)? (?:{_HOST} )?{_IDENT}(?:\[\d+\])?: ?"
)
# rsyslog's and journalctl's ISO stamps carry at most microseconds: docker's -t stamp, nine
# digits always ("<stamp> fatal error: out of memory"), is no system-log prefix
_SYSLOG_ISO_STAMP = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,6})?(?:Z|[+-]\d\d:?\d\d)"
_JOURNALD_ISO: Final = re.compile(rf"(?P<ts>{_SYSLOG_ISO_STAMP}) {_HOST} {_IDENT}(?:\[\d+\])?: ?")
_SERVICE_INDEX: Final = re.compile(r"[-_]\d+$")

_MONTHS: Final = {m: i for i, m in enumerate(
    ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1)}


_CJK: Final = re.compile(r"[\u3400-\u9fff]")
_LONG_AGO: Final = datetime(1990, 7, 1, tzinfo=timezone.utc)    # no log line is near these
_FAR_AHEAD: Final = datetime(2990, 7, 1, tzinfo=timezone.utc)
SEED_BYTES: Final = 64 * 1024       # how far a source's head is searched for a dated line


def decode_line(raw: bytes) -> str:
    """UTF-8; a line that is not UTF-8 but reads as GBK Chinese text is decoded as GBK;
    anything else gets U+FFFD for the bad bytes."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        text = raw.decode("gbk")
        if _CJK.search(text):
            return text
    except UnicodeDecodeError:
        pass
    return raw.decode("utf-8", "replace")


@lru_cache(maxsize=256)
def own_time(line: str, zone: tzinfo | None = None) -> datetime | None:
    """The line's time when it is its own: not a year-less syslog time, whose year comes
    from the dated lines before it (``zone``: the source's, for a zone-less time).

    >>> own_time("2024-07-05T19:06:38Z ERR failed")
    datetime.datetime(2024, 7, 5, 19, 6, 38, tzinfo=datetime.timezone.utc)
    >>> own_time("Jul  5 19:06:39 host tailscaled[655]: netcheck: UDP is blocked") is None
    True
    """
    early = EnvelopeParser(clock=Clock(zone=zone, dated=_LONG_AGO)).parse(line).timestamp
    if early is None:
        return None
    late = EnvelopeParser(clock=Clock(zone=zone, dated=_FAR_AHEAD)).parse(line).timestamp
    return early if early == late else None


def first_dated(head: bytes, zone: tzinfo | None = None) -> datetime | None:
    """The time of the first line of ``head`` (a source's first bytes) that has its year:
    where the year-less lines before it take theirs."""
    for raw in head[:SEED_BYTES].split(b"\n")[:-1]:
        moment = own_time(decode_line(strip_controls(raw)), zone)
        if moment is not None:
            return moment
    return None


def service_name(container: str) -> str:
    """``headscale-1`` / ``headscale_1`` -> ``headscale``; custom container names stay."""
    return _SERVICE_INDEX.sub("", container)


def continuation_body(line: str, container: str | None) -> str | None:
    r"""A line's text without the compose or system-log prefix and docker stamp, for
    deciding whether it continues an entry of ``container``; None when it belongs to another
    container (or, in a system log, another program).

    >>> continuation_body("headscale-1  | \tmain.go:12 +0x1d", "headscale-1")
    '\tmain.go:12 +0x1d'
    >>> continuation_body("May  1 10:00:00 vps headplane[7]:   }", "headplane")
    '  }'
    >>> continuation_body("web-1  | at x (y.js:1:2)", "headscale-1") is None
    True
    """
    if not (line[:1].isalnum() or line[:1] == "["):    # an indented frame, a JSON body line
        return line
    compose = _COMPOSE.match(line)
    if compose:
        if container is None or (compose["name"] or compose["pod"]) != container:
            return None
        line = line[compose.end():]
    elif system := _JOURNALD.match(line) or _journald_iso(line):
        if system["ident"] != container:
            return None
        line = line[system.end():]
    outer = _OUTER_TS.match(line)
    if outer and not LEVEL_TOKEN.match(line, outer.end()):
        line = line[outer.end():]
    return line


def _journald_iso(text: str) -> re.Match | None:
    """An ISO-stamped system log prefix (rsyslog, ``journalctl -o short-iso``), not a
    console line's stamp and level."""
    match = _JOURNALD_ISO.match(text)
    if match and LEVEL_TOKEN.match(text, match.start("host")):
        return None
    return match


_ZONELESS_FORMATS: Final = ("go-log", "tailscaled")        # Go std-log stamps: local time, no zone


class EnvelopeParser:
    """Parses lines of one source; remembers, per service, which inner format worked, and
    (in its :class:`Clock`) the zone and latest date the lines have shown."""

    json_shortcut = True
    """A JSON line skips the general steps (:meth:`_json`); off, they give the same."""

    def __init__(self, year: int | None = None, clock: Clock | None = None) -> None:
        self.clock = clock or Clock(year=year)
        self._locked: dict[str | None, str] = {}

    def parse(self, line: str) -> Envelope:
        console = console_prefix(line)
        if console is not None:
            # Headscale's own console line (stamp, level): no journald or docker stamp can
            # precede it, and the console parser is the one that takes it.
            return self._console(line, console)
        service, docker_ts, journald_ts, fmt, rest = None, None, None, "plain", line
        compose, container = _COMPOSE.match(rest), None
        if compose:
            container, service, fmt = _wrapping(compose)
            rest = rest[compose.end():]
        if self.json_shortcut and rest.startswith("{"):
            return self._json(rest, service, fmt, container)
        journald = deferred = None
        if not rest.startswith("{"):        # a JSON line has no journald or docker stamp
            journald = _JOURNALD.match(rest) or _journald_iso(rest)
            if journald:
                service = service or journald["ident"]
                if self._syslog_time_now(journald):
                    journald_ts = self._journald_time(journald)
                else:
                    deferred = journald
                rest = rest[journald.end():]
                fmt = "journald"
                console = console_prefix(rest) if compose is None else None
                if console is not None and console[0] is None:
                    env = self._syslog_console(rest, console, service)
                    if env is not None:
                        return env
            outer = _OUTER_TS.match(rest)
            if outer and not LEVEL_TOKEN.match(rest, outer.end()):
                docker_ts = parse_time(outer["ts"])     # docker -t column
                rest = rest[outer.end():]
                if journald is None and (env := self._stamped(rest, service, fmt, container, docker_ts)):
                    return env
        env = self._inner(rest, service)
        if deferred is not None and env.timestamp is None and docker_ts is None:
            journald_ts = self._journald_time(deferred)
        if env.timestamp is not None and env.format in _ZONELESS_FORMATS:
            env.timestamp, env.inferred = self.clock.localize(env.timestamp), True
        elif env.timestamp is not None:
            self._learn_zone(rest)
        env = self._finish(env, service, fmt, compose is not None, docker_ts, journald_ts)
        env.container = container if compose else service
        if env.timestamp is not None and env.timestamp is journald_ts:
            env.inferred = env.inferred or not (journald and journald.groupdict().get("ts"))
            return env
        return self._dated(env)

    def _console(self, line: str, prefix: ConsolePrefix) -> Envelope:
        """A Headscale console line, compose-wrapped or not, matched in one go: what the
        steps of :meth:`parse` give for it, without them (most candidates are such lines)."""
        name, stamp, level, caller, end = prefix
        service, fmt = (None, "zerolog-console") if name is None else _console_service(name)
        moment = parse_time(stamp)
        env = Envelope(line[end:], service, moment, CONSOLE_LEVELS[level], caller, fmt,
                       container=name if name is not None else service)
        self._locked[service] = "zerolog-console"
        if self.clock.zone is None:
            self._learn_zone(stamp)         # the stamp's own zone is the first from it on
        self.clock.saw(moment)
        return env

    def _json(self, text: str, service: str | None, fmt: str, container: str | None,
              docker_ts: datetime | None = None) -> Envelope:
        """A JSON line, compose-wrapped or not, maybe after a docker -t stamp (``docker_ts``,
        the time then): what the steps of :meth:`parse` give for it, without them."""
        env = zerolog_json(text)
        if env is None:
            env = plain(text)
        else:
            self._locked[service] = "zerolog-json"
        if container is not None:
            env.format = f"{fmt}/{env.format}"
        env.service, env.container = service, container if container is not None else service
        if env.timestamp is not None:
            self._learn_zone(text)
        env.timestamp = docker_ts or env.timestamp
        self.clock.saw(env.timestamp)
        return env

    def _stamped(self, text: str, service: str | None, fmt: str, container: str | None,
                 docker_ts: datetime | None) -> Envelope | None:
        """A JSON or console line after a docker -t stamp (``docker compose logs -t``),
        compose-wrapped or not: what the steps of :meth:`parse` give for it, without them;
        None for any other line."""
        if self.json_shortcut and text.startswith("{"):
            return self._json(text, service, fmt, container, docker_ts)
        console = console_prefix(text)
        if console is None or console[0] is not None:
            return None
        _, stamp, level, caller, end = console
        own = parse_time(stamp)
        if own is not None:
            self._learn_zone(text)
        self._locked[service] = "zerolog-console"
        moment = docker_ts or own
        self.clock.saw(moment)
        wrapped = container is not None
        return Envelope(text[end:], service, moment, CONSOLE_LEVELS[level], caller,
                        f"{fmt}/zerolog-console" if wrapped else "zerolog-console",
                        container=container if wrapped else service)

    def _syslog_console(self, text: str, prefix: ConsolePrefix,
                        service: str | None) -> Envelope | None:
        """A console line under a system-log prefix (``journalctl -u headscale``): what the
        steps of :meth:`parse` give for it, without them; None when its stamp is no time
        (the prefix's time stands in then: the general steps)."""
        _, stamp, level, caller, end = prefix
        moment = parse_time(stamp)
        if moment is None:
            return None
        self._locked[service] = "zerolog-console"
        self._learn_zone(text)
        self.clock.saw(moment)
        return Envelope(text[end:], service, moment, CONSOLE_LEVELS[level], caller,
                        "journald/zerolog-console", container=service)

    def _learn_zone(self, text: str) -> None:
        """The source's zone is its first zoned line's: fixed once known, so that any part
        of a file reads its zone-less lines the same (parallel parts equal one pass)."""
        if self.clock.zone is not None:
            return
        zone = line_zone(text)
        if zone is not None:
            self.clock.zone = zone_of(zone)

    def _dated(self, env: Envelope) -> Envelope:
        self.clock.saw(env.timestamp)
        return env

    @staticmethod
    def _finish(env: Envelope, service: str | None, fmt: str, compose: bool,
                docker_ts: datetime | None, journald_ts: datetime | None) -> Envelope:
        env.service = service
        if compose or fmt == "journald":
            env.format = f"{fmt}/{env.format}"
        env.timestamp = docker_ts or env.timestamp or journald_ts
        return env

    def _syslog_time_now(self, match: re.Match) -> bool:
        """Whether a system-log prefix's time is read before the rest of the line: an ISO
        stamp teaches the zone and the latest time, and a year-less time read while no zone
        is known marks the source's times as assumed UTC. Otherwise that time depends on
        nothing the rest of the line changes, and is read only when the line has no time of
        its own (most lines under journald carry their own stamp: 3 µs saved a line)."""
        return bool(match.groupdict().get("ts")) or self.clock.zone is None

    def _journald_time(self, match: re.Match) -> datetime | None:
        if "ts" in match.groupdict() and match["ts"]:
            self._learn_zone(match["ts"])
            moment = parse_time(match["ts"])
            self.clock.saw(moment)
            return moment
        return self.clock.without_year(_MONTHS[match["mon"]], int(match["day"]), match["time"])

    def _inner(self, text: str, service: str | None) -> Envelope:
        """The inner format's envelope: the service's locked-on format first, then the
        others in their order (at most one of them takes any text). Each of them wants a
        digit (a stamp) or a brace first: a text that starts otherwise is plain at once."""
        if not (text[:1].isdecimal() or text[:1] == "{"):
            return plain(text)
        locked = self._locked.get(service)
        if locked is not None:
            env = INNER_PARSERS[locked](text)
            if env is not None:
                return env
        for name, inner in INNER_PARSERS.items():
            if name != locked:
                env = inner(text)
                if env is not None:
                    self._locked[service] = name
                    return env
        return plain(text)


def _wrapping(prefix: re.Match) -> tuple[str, str, str]:
    """The container (compose's, or kubectl's pod), service and format of a prefix."""
    if prefix["name"] is None:
        return prefix["pod"], prefix["kname"], "kubectl"
    return prefix["name"], *_compose_service(prefix["name"])


@lru_cache(maxsize=256)
def _compose_service(container: str) -> tuple[str, str]:
    """The service of a compose container, and the wrapping's format (v1 names its
    containers ``project_service_1``)."""
    compose = "compose-v1" if "_" in container and container[-1].isdigit() else "compose"
    return service_name(container), compose


@lru_cache(maxsize=256)
def _console_service(container: str) -> tuple[str, str]:
    """The service of a compose-wrapped console line's container, and the line's format."""
    service, compose = _compose_service(container)
    return service, f"{compose}/zerolog-console"


def message_with_error(env: Envelope) -> str:
    """The message without its wrapping, with the error field when there is one: what
    ``entry.Entry.message`` gives for a classified entry, for any line."""
    error = env.fields.get("error")
    return f"{env.message} error={error}" if error else env.message


def plain_message(line: str) -> str | None:
    """The message of a line that no envelope could wrap (no compose bar, and no leading
    digit, brace or month name), without parsing it; None for any other line. What
    :meth:`EnvelopeParser.parse` would give, much faster."""
    if "|" in line or line[:1].isdigit() or line[:1] == "{" or line[:3] in _MONTHS:
        return None
    return line.strip()
