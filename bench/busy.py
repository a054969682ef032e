"""The busy mix: a node-heavy deployment behind Caddy with PostgreSQL, ~5 % candidate lines.

Candidate lines are the ones logsleuth's scan hands to the classifier: a catalog match or a
warning/error level marker. Per 10,000 lines (the weights below):

- headscale, console: 7 % `node has connected` and 1.2 % `node has disconnected` (a catalog
  match) over 5,000 node names, some non-ASCII; WRN node lines; unmatched WRN/ERR lines with
  varied numbers and ids for the template miner; catalog problem lines (its samples);
  ordinary INF/DBG/TRC traffic; in zerolog JSON too; ANSI colour in periods;
- warnings the scan does not pick (`Warning: ...`, `[warn] ...`) and one it does (`WARN: The
  "..." configuration key is deprecated`, a catalog match);
- a reverse proxy's JSON errors (traefik, `"level":"error"`);
- 9 % Caddy JSON access and error logs, 5 % PostgreSQL (some ERROR/FATAL);
- one DBG map dump of 10-200 KB in ~20,000 lines (weights need not be whole).
"""

from __future__ import annotations

import json
import random
import re
from bisect import bisect
from datetime import datetime, timezone
from itertools import accumulate
from typing import Callable

HOSTS = ["laptop", "nas", "büro-laptop", "東京-nas", "pixel", "iphone", "gw-office", "ci-runner",
         "raspi", "müller-pc", "café-pos", "zürich-gw", "北京-server", "москва-vm", "josé-mbp",
         "kiosk", "printer", "desktop", "macbook", "k3s-node"]
USERS = ["anna", "ben", "chen", "dora", "émile", "jürgen", "ops@example.com", "王芳"]
CALLERS = ["github.com/juanfont/headscale/hscontrol/poll.go", "github.com/juanfont/headscale/hscontrol/mapper/batcher.go",
           "github.com/juanfont/headscale/hscontrol/state/state.go", "github.com/juanfont/headscale/hscontrol/auth.go"]

# Headscale console messages after "<stamp> ": {n} a count, {id} a node id, {name} its name,
# {ms} a duration, {p} a port, {line} a source line, {hex} an id, {ip} a client address.
NODE_CONNECTED = [
    "INF github.com/juanfont/headscale/hscontrol/poll.go:251 > node has connected chan=0xc00{hex} component=poll machine.key=[{key}] node.expired=false node.id={id} node.is_tagged=false node.key=[{key}] node.name={name} node.online=true omit_peers=false stream=true",
    "INF node connected machine.key=[{key}] node.expired=false node.id={id} node.is_tagged=false node.key=[{key}] node.name={name} node.online=true user.name={user}",
    "INF ../../../home/runner/work/headscale/headscale/hscontrol/poll.go:705 > node has connected, mapSession: 0xc00{hex}, chan: 0xc00{hex} node={name} node.id={id} omitPeers=false readOnly=false stream=true",
]
NODE_DISCONNECTED = [
    "INF github.com/juanfont/headscale/hscontrol/poll.go:211 > node has disconnected chan=0xc00{hex} component=poll machine.key=[{key}] node.expired=false node.id={id} node.is_tagged=false node.key=[{key}] node.name={name} node.online=false",
    "INF node disconnected machine.key=[{key}] node.expired=false node.id={id} node.is_tagged=false node.key=[{key}] node.name={name} node.online=false user.name={user}",
    "INF ../../../home/runner/work/headscale/headscale/hscontrol/poll.go:705 > node has disconnected, mapSession: 0xc00{hex}, chan: 0xc00{hex} node={name} node.id={id} omitPeers=false readOnly=false stream=true",
]
NODE_WARNINGS = [
    "WRN github.com/juanfont/headscale/hscontrol/poll.go:{line} > node has connected while its previous session was still open, closing it node.id={id} node.name={name} session.age={ms}ms",
    "WRN github.com/juanfont/headscale/hscontrol/poll.go:{line} > node has connected with an expired key, waiting for re-authentication node.id={id} node.name={name}",
]
UNMATCHED_WARNINGS = [
    "WRN github.com/juanfont/headscale/hscontrol/poll.go:{line} > client is flapping: {n} reconnects in the last {s}s node.id={id} node.name={name}",
    "ERR github.com/juanfont/headscale/hscontrol/mapper/batcher.go:{line} > map response for node {id} dropped: queue full after {ms}ms node.name={name} queue.len={n}",
    "WRN github.com/juanfont/headscale/hscontrol/state/state.go:{line} > node {id} uses deprecated capability version {s}; update its tailscale client node.name={name}",
    "WRN client uses the deprecated /machine/map endpoint (tailscale 1.{s}.{p}); it will be removed in a future release node.id={id} remote={ip}",
    "ERR github.com/juanfont/headscale/hscontrol/auth.go:{line} > registration request {hex} expired after {s}s without being approved node.name={name}",
    "WRN policy: autogroup:{user} has no members, rule {n} grants nothing",
]
BENIGN = [
    "INF http request bytes={n} elapsed={ms} method=POST path=/machine/map proto=HTTP/2.0 remote={ip} status=200",
    "INF http request bytes={n} elapsed={ms} method=GET path=/key?v={s} proto=HTTP/1.1 remote={ip} status=200",
    "DBG github.com/juanfont/headscale/hscontrol/mapper/batcher.go:{line} > sending map response change=peer node.id={id} peers={n}",
    "DBG duration={ms} rowsAffected=1 sql=\"SELECT * FROM `nodes` WHERE `id` = {id} LIMIT 1\"",
    "TRC github.com/juanfont/headscale/hscontrol/noise.go:{line} > noise upgrade ok machine.key=[{key}] node.name={name}",
    "DBG github.com/juanfont/headscale/hscontrol/state/state.go:{line} > updating node endpoints node.id={id} endpoints=[\"{ip}\"] derp={s}",
    "INF fetching DERPMap updates",
]
DEPRECATED_KEY = 'WARN: The "dns_config.{field}" configuration key is deprecated and has been removed. Please see the changelog for more details.'
UNPICKED_WARNINGS = [
    "Warning: node {name} ({id}) reported clock skew of {ms}ms",
    "[warn] policy file changed on disk, {n} bytes; reload with SIGHUP to apply",
    "WARNING: node {id} sent {s} endpoint updates in one second, rate limited",
]
POSTGRES_LOG = [
    "LOG:  checkpoint starting: time",
    "LOG:  checkpoint complete: wrote {n} buffers ({s}.{p}%); 0 WAL file(s) added, 0 removed, 1 recycled; write={ms} s, sync=0.002 s, total={ms} s",
    "LOG:  connection received: host=172.20.0.{s} port={p}",
    "LOG:  connection authorized: user=headscale database=headscale application_name=headscale",
    "LOG:  duration: {ms} ms  statement: SELECT * FROM \"nodes\" WHERE \"nodes\".\"id\" = {id}",
    "LOG:  automatic vacuum of table \"headscale.public.nodes\": index scans: 1 pages: 0 removed, {n} remain",
]
POSTGRES_ERRORS = [
    "ERROR:  relation \"pg_stat_statements\" does not exist at character {s}",
    "ERROR:  canceling statement due to statement timeout",
    "ERROR:  could not serialize access due to concurrent update",
    "FATAL:  terminating connection due to idle-in-transaction timeout",
    "WARNING:  there is no transaction in progress",
]
FIELDS = ["override_local_dns", "magic_dns", "base_domain", "nameservers", "restricted_nameservers"]
_FIELD = re.compile(r" ([a-z_][a-z_.]*=)")
_HEAD = re.compile(r"^(\S+) ([A-Z]{3}) ")
_COLOURS = {"TRC": "35", "DBG": "33", "INF": "32", "WRN": "31", "ERR": "1;31"}


def node_names(count: int = 5000) -> list[str]:
    """``count`` distinct node names, some non-ASCII (büro-laptop-17, 東京-nas-3f)."""
    return [f"{HOSTS[i % len(HOSTS)]}-{i // len(HOSTS):x}" for i in range(count)]


def prefix(service: str) -> str:
    """A compose v2 prefix, padded for the longest service name of this deployment."""
    return f"{service:<12} | "


class _Values(dict):
    """Placeholder values drawn on first use, so a template costs only the draws it names."""

    def __init__(self, mix: "BusyMix") -> None:
        super().__init__()
        self._mix = mix

    def __missing__(self, key: str) -> str:
        if key in ("id", "name"):                 # one node: its id and name agree
            index = self._mix.rng.randrange(len(self._mix.names))
            self["id"], self["name"] = str(index + 1), self._mix.names[index]
            return self[key]
        value = self[key] = self._mix.draw(key)
        return value


class BusyMix:
    """Makes one line at a time: ``mix(moment)`` is (line, kind); kinds in CANDIDATES are
    the lines logsleuth's scan picks."""

    CANDIDATES = frozenset({"node_disconnected", "node_json_disconnected", "node_warning",
                            "unmatched_warning", "unmatched_json_warning", "proxy_error",
                            "problem", "deprecated_key", "caddy_error", "caddy_warning"})
    step_ms = 40                   # a busy server: ~50 lines a second

    def __init__(self, rng: random.Random, problems: list[str]) -> None:
        self.rng, self.problems, self.names = rng, problems, node_names()
        weights = {"node_connected": 700, "node_disconnected": 120, "node_json_connected": 100,
                   "node_json_disconnected": 30, "node_warning": 40, "unmatched_warning": 110,
                   "unmatched_json_warning": 20, "proxy_error": 30, "unpicked_warning": 100,
                   "problem": 80, "deprecated_key": 20, "caddy_access": 800, "caddy_error": 70,
                   "caddy_warning": 30,                   "postgres_log": 440, "postgres_error": 60, "map_dump": 0.5}
        weights["benign"] = 10_000 - sum(weights.values())
        self.kinds = list(weights)
        self._bounds = list(accumulate(weights.values()))
        self._colour_left = 0
        self._second, self._stamp, self._moment = -1, "", datetime.fromtimestamp(0, timezone.utc)

    def draw(self, key: str) -> str:
        """One random value for a template placeholder."""
        rng = self.rng
        makers: dict[str, Callable[[], object]] = {
            "n": lambda: rng.randint(1, 99_999), "s": lambda: rng.randint(2, 90),
            "p": lambda: rng.randint(60, 65_535), "ms": lambda: f"{rng.random() * 80:.6f}",
            "o": lambda: rng.randint(1, 254), "line": lambda: rng.randint(40, 900),
            "hex": lambda: f"{rng.getrandbits(24):06x}", "key": lambda: f"{rng.getrandbits(20):05X}",
            "ip": lambda: f"198.51.{rng.randint(0, 255)}.{rng.randint(1, 254)}:{rng.randint(1024, 65535)}",
            "user": lambda: rng.choice(USERS), "field": lambda: rng.choice(FIELDS)}
        return str(makers[key]())

    def fill(self, template: str) -> str:
        return template.format_map(_Values(self))

    def __call__(self, moment: datetime) -> tuple[str, str]:
        kind = self.kinds[bisect(self._bounds, self.rng.random() * 10_000)]
        if moment.second != self._second:
            self._second, self._stamp = moment.second, moment.strftime("%Y-%m-%dT%H:%M:%SZ")
        self._moment = moment
        return getattr(self, "_" + kind)(), kind

    def _console(self, templates: list[str]) -> str:
        body = f"{self._stamp} {self.fill(self.rng.choice(templates))}"
        if self._colour_left == 0 and self.rng.random() < 1 / 100_000:
            self._colour_left = self.rng.randint(2_000, 20_000)
        if self._colour_left:
            self._colour_left -= 1
            return f"\x1b[36m{prefix('headscale-1')}\x1b[0m{colourise(body)}"
        return prefix("headscale-1") + body

    def _json(self, level: str, message: str) -> str:
        index = self.rng.randrange(len(self.names))
        fields = {"level": level, "component": "poll", "node.id": index + 1,
                  "node.name": self.names[index], "caller": self.rng.choice(CALLERS) + ":258",
                  "time": int(self._moment.timestamp()), "message": message}
        return prefix("headscale-1") + json.dumps(fields, ensure_ascii=False, separators=(",", ":"))

    def _benign(self) -> str:
        return self._console(BENIGN)

    def _node_connected(self) -> str:
        return self._console(NODE_CONNECTED)

    def _node_disconnected(self) -> str:
        return self._console(NODE_DISCONNECTED)

    def _node_warning(self) -> str:
        return self._console(NODE_WARNINGS)

    def _unmatched_warning(self) -> str:
        return self._console(UNMATCHED_WARNINGS)

    def _node_json_connected(self) -> str:
        return self._json("info", "node has connected")

    def _node_json_disconnected(self) -> str:
        return self._json("info", "node has disconnected")

    def _unmatched_json_warning(self) -> str:
        return self._json("warn", self.fill("map response for node {id} dropped: queue full after {ms}ms"))

    def _unpicked_warning(self) -> str:
        return prefix("headscale-1") + self.fill(self.rng.choice(UNPICKED_WARNINGS))

    def _deprecated_key(self) -> str:
        return prefix("headscale-1") + self.fill(DEPRECATED_KEY)

    def _problem(self) -> str:
        return prefix("headscale-1") + self.rng.choice(self.problems).replace("{ts}", self._stamp)

    def _proxy_error(self) -> str:
        error = self.fill('"error":"dial tcp 172.20.0.{s}:8080: i/o deadline reached after {ms}s",'
                          '"entryPointName":"websecure","routerName":"headscale@docker"')
        return f'{prefix("traefik-1")}{{"level":"error",{error},"time":"{self._stamp}","message":"502 Bad Gateway"}}'

    def _caddy(self, level: str, logger: str, message: str, uri: str, status: int) -> str:
        request = {"remote_ip": self.fill("198.51.{s}.{o}"), "remote_port": self.draw("p"),
                   "client_ip": self.fill("198.51.{s}.{o}"), "proto": "HTTP/1.1", "method": "POST",
                   "host": "hs.example.com", "uri": uri,
                   "headers": {"User-Agent": ["Go-http-client/1.1"], "Upgrade": ["tailscale-control-protocol"]}}
        entry = {"level": level, "ts": round(self._moment.timestamp(), 6), "logger": logger, "msg": message,
                 "request": request, "duration": round(self.rng.random(), 6), "status": status}
        return prefix("caddy-1") + json.dumps(entry, separators=(",", ":"))

    def _caddy_access(self) -> str:
        uri, status = self.rng.choice([("/ts2021", 101), ("/machine/map", 200), ("/key?v=88", 200),
                                       ("/favicon.ico", 404)])
        return self._caddy("info", "http.log.access.log0", "handled request", uri, status)

    def _caddy_error(self) -> str:
        message = self.fill("dial tcp 172.20.0.{s}:8080: connect: no route to host (attempt {n})")
        return self._caddy("error", "http.log.error", message, "/ts2021", 502)

    def _caddy_warning(self) -> str:
        return self._caddy("warn", "http.handlers.reverse_proxy", "aborting with incomplete response",
                           "/machine/map", 0)

    def _postgres(self, templates: list[str]) -> str:
        stamp = self._moment.strftime("%Y-%m-%d %H:%M:%S")
        ms, pid = self.rng.randint(0, 999), self.rng.randint(30, 4000)
        return f"{prefix('postgres-1')}{stamp}.{ms:03d} UTC [{pid}] {self.fill(self.rng.choice(templates))}"

    def _postgres_log(self) -> str:
        return self._postgres(POSTGRES_LOG)

    def _postgres_error(self) -> str:
        return self._postgres(POSTGRES_ERRORS)

    def _map_dump(self) -> str:
        """A DBG line with a full map's peers as JSON: 10-200 KB."""
        template = "DBG github.com/juanfont/headscale/hscontrol/mapper/mapper.go:{line} > map response node.id={id} response="
        return self._console([template]) + self._peers(self.rng.randint(10_000, 200_000))

    def _peers(self, size: int) -> str:
        peer = ('{{"ID":{i},"StableID":"n{i:x}","Name":"{name}.tail.example.com.","Addresses":'
                '["100.64.{a}.{b}/32","fd7a:115c:a1e0::{i:x}/128"],"Online":true,"KeepAlive":true}}')
        count = size // 160 + 1
        return "[" + ",".join(peer.format(i=i, a=i // 250 % 250, b=i % 250 + 1, name=self.names[i % len(self.names)])
                              for i in range(count)) + "]"


def colourise(body: str) -> str:
    """A zerolog console line as it prints on a terminal: grey stamp, coloured level, cyan keys."""
    head = _HEAD.match(body)
    if not head:
        return body
    stamp, level = head.groups()
    rest = _FIELD.sub(" \x1b[36m\\1\x1b[0m", body[head.end() - 1:])
    return f"\x1b[90m{stamp}\x1b[0m \x1b[{_COLOURS.get(level, '0')}m{level}\x1b[0m{rest}"
