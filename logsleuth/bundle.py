"""Parsers for the sections of a ``diagnostic-report.txt`` (the guide's 获取帮助 bundle).

Each parser turns one section into facts and never raises: what it cannot read becomes a
note. Tolerated: missing, empty, reordered or truncated sections, CRLF, binary junk,
compose v1 and v2 tables, ``headscale nodes list`` of 0.18 (namespace), 0.22 (machine) and
0.23+ (node/user).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timezone


SECTION = re.compile(r"^=== *(?P<name>[^=\n]+?) *=== *$", re.M)
SECTION_KEYS = {"system info": "system", "container status": "containers",
                "recent logs": "logs", "configuration": "config", "nodes": "nodes"}
MARKERS = tuple(f"=== {name.title()} ===".encode() for name in ("recent logs", "container status"))


def looks_like_bundle(head: bytes) -> bool:
    """True when the first bytes of a file carry the bundle's section headers."""
    return any(marker.lower() in head.lower() for marker in MARKERS)


@dataclass
class Container:
    name: str
    service: str
    image: str
    command: str
    state: str              # up | exited | restarting | created | paused | unknown
    exit_code: int | None
    health: str | None
    ports: str

    @property
    def is_headscale(self) -> bool:
        text = f"{self.image} {self.command} {self.service} {self.name}".lower()
        if "headscale-ui" in text or "headscale-admin" in text:
            return False
        return ("headscale/headscale" in text or "headscale serve" in text
                or "ko-app/headscale" in text or self.service == "headscale"
                or bool(re.fullmatch(r"(?:\w+[-_])?headscale(?:[-_]\d+)?", self.name)))


@dataclass
class Node:
    id: str
    name: str
    user: str
    ips: list[str]
    last_seen: datetime | None
    online: bool | None
    expired: bool | None


@dataclass
class Bundle:
    """The raw sections and what could be read from them."""

    sections: dict[str, str]
    kernel: str | None = None
    docker_version: str | None = None
    compose_version: str | None = None
    compose_generation: int | None = None
    containers: list[Container] = field(default_factory=list)
    config: dict | None = None
    config_error: str | None = None
    nodes: list[Node] = field(default_factory=list)
    nodes_wording: str | None = None      # "node/user", "machine/user", "machine/namespace"
    notes: list[str] = field(default_factory=list)


def clean_text(raw: bytes) -> tuple[str, bool]:
    """Decode leniently; drop NULs and CRs. The flag says binary junk was found."""
    text = raw.decode("utf-8", "replace")
    junk = "\x00" in text or text.count("\ufffd") > 8
    text = text.replace("\x00", "").replace("\r\n", "\n").replace("\r", "\n")
    return text, junk


def split_sections(text: str) -> dict[str, str]:
    """Section key (system, containers, logs, config, nodes, or the raw title) -> body; a
    section that appears more than once has its bodies joined (none is dropped)."""
    sections: dict[str, str] = {}
    matches = list(SECTION.finditer(text))
    for index, match in enumerate(matches):
        end = matches[index + 1].start() if index + 1 < len(matches) else len(text)
        key = section_key(match)
        body = text[match.end():end].strip("\n")
        sections[key] = f"{sections[key]}\n{body}" if key in sections else body
    return sections


def section_key(match: re.Match[str]) -> str:
    title = match["name"].strip().lower()
    return SECTION_KEYS.get(title, title)


def repeated_sections(text: str) -> list[str]:
    """Notes for sections that appear more than once (a bundle pasted together twice)."""
    counts: dict[str, int] = {}
    for match in SECTION.finditer(text):
        counts[section_key(match)] = counts.get(section_key(match), 0) + 1
    return [f"section '{key}' appears {count} times; all of them were read together"
            for key, count in counts.items() if count > 1]


def parse_bundle(raw: bytes) -> Bundle:
    text, junk = clean_text(raw)
    bundle = Bundle(split_sections(text), notes=repeated_sections(text))
    if junk:
        bundle.notes.append("the bundle contains binary data (NUL bytes or invalid UTF-8); "
                            "those bytes were dropped or replaced")
    for key in ("system", "containers", "logs", "config", "nodes"):
        if key not in bundle.sections:
            bundle.notes.append(f"section '{key}' is missing")
        elif not bundle.sections[key].strip():
            bundle.notes.append(f"section '{key}' is empty")
    parse_system(bundle)
    parse_containers(bundle)
    parse_config(bundle)
    parse_nodes(bundle)
    return bundle


# ------------------------------------------------------------------ system

_DOCKER = re.compile(r"Docker version (?P<v>[0-9][^,\s]*)")
_COMPOSE_V1 = re.compile(r"docker-compose version (?P<v>[0-9][^,\s]*)", re.I)
_COMPOSE_V2 = re.compile(r"Docker Compose version v?(?P<v>[0-9][^,\s]*)", re.I)


def parse_system(bundle: Bundle) -> None:
    text = bundle.sections.get("system", "")
    for line in text.splitlines():
        parts = line.split()
        if len(parts) >= 3 and parts[0] in ("Linux", "Darwin", "FreeBSD"):
            bundle.kernel = parts[2]
    if match := _DOCKER.search(text):
        bundle.docker_version = match["v"]
    if match := _COMPOSE_V2.search(text):
        bundle.compose_version, bundle.compose_generation = match["v"], 2
    elif match := _COMPOSE_V1.search(text):
        bundle.compose_version = match["v"]
        bundle.compose_generation = 1 if match["v"].startswith("1.") else 2


# ------------------------------------------------------------------ containers

_V2_HEADER = re.compile(r"^NAME +IMAGE +COMMAND +SERVICE +CREATED +STATUS", re.M)
_V1_HEADER = re.compile(r"^ *Name +Command +State +Ports *$", re.M)


def _state(status: str) -> tuple[str, int | None, str | None]:
    lowered = status.lower()
    code = re.search(r"(?:exit(?:ed)?|restarting) *\(?(-?\d+)\)?", lowered)
    health = re.search(r"\((healthy|unhealthy|health: starting)\)", lowered)
    for state in ("restarting", "exited", "up", "created", "paused"):
        if lowered.startswith(state) or (state == "exited" and lowered.startswith("exit")):
            return state, int(code[1]) if code else None, health[1] if health else None
    return "unknown", int(code[1]) if code else None, health[1] if health else None


def parse_containers(bundle: Bundle) -> None:
    text = bundle.sections.get("containers", "")
    if match := _V2_HEADER.search(text):
        bundle.containers = _parse_v2(text[match.start():])
    elif match := _V1_HEADER.search(text):
        bundle.containers = _parse_v1(text[match.start():])
    elif text.strip():
        bundle.notes.append("container status: no docker-compose ps table recognised")


def _parse_v2(text: str) -> list[Container]:
    header, *rows = text.splitlines()
    names = ["NAME", "IMAGE", "COMMAND", "SERVICE", "CREATED", "STATUS", "PORTS"]
    starts = [header.find(n) for n in names]
    containers = []
    for row in rows:
        if not row.strip():
            continue
        cells = [row[s:e].strip() if s >= 0 else "" for s, e in
                 zip(starts, [*starts[1:], len(row) + 1])]
        name, image, command, service, _created, status, ports = cells
        state, code, health = _state(status)
        containers.append(Container(name, service, image, command.strip('"'), state, code,
                                    health, ports))
    return containers


def _parse_v1(text: str) -> list[Container]:
    containers = []
    for row in text.splitlines()[1:]:
        if not row.strip() or set(row.strip()) <= {"-"}:
            continue
        cells = re.split(r" {2,}", row.strip())
        name = cells[0]
        command = cells[1] if len(cells) > 1 else ""
        status = cells[2] if len(cells) > 2 else ""
        ports = cells[3] if len(cells) > 3 else ""
        state, code, health = _state(status)
        service = re.sub(r"^[^_]+_(.+)_\d+$", r"\1", name)
        containers.append(Container(name, service, "", command, state, code, health, ports))
    return containers


# ------------------------------------------------------------------ configuration

def parse_config(bundle: Bundle) -> None:
    text = bundle.sections.get("config", "")
    if not text.strip():
        return
    if len(text) > CONFIG_MAX_CHARS:
        bundle.config_error = (f"the section is larger than {CONFIG_MAX_CHARS >> 20} MiB (a "
                               "headscale configuration is a few KiB); not read")
        return
    import yaml                         # deferred: plain log analysis never needs it

    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        refused = _refused_yaml(node)
        data = None if refused or node is None else loader.construct_document(node)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark else ""
        bundle.config_error = f"{getattr(exc, 'problem', None) or exc}{where}"
        return
    except RecursionError:
        refused = f"nested deeper than {YAML_MAX_DEPTH} levels; not read"
    finally:
        loader.dispose()
    if refused:
        bundle.config_error = refused
        return
    if isinstance(data, dict):
        bundle.config = data
    else:
        bundle.config_error = "the configuration is not a YAML mapping"


CONFIG_MAX_CHARS = 1 << 20
YAML_MAX_VALUES = 50_000
YAML_MAX_DEPTH = 64


def _refused_yaml(root) -> str | None:
    """Why a composed YAML document is not read (an alias bomb, a self-referring alias,
    absurd nesting), or None. Aliases are counted as often as they would be expanded,
    without expanding them: each distinct node is visited once."""
    if root is None:
        return None
    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()
    stack = [(root, 0, False)]
    while stack:
        node, depth, closing = stack.pop()
        children = _yaml_children(node)
        if closing:
            open_nodes.discard(id(node))
            sizes[id(node)] = 1 + sum(sizes[id(child)] for child in children)
            if sizes[id(node)] > YAML_MAX_VALUES:
                return (f"expands to more than {YAML_MAX_VALUES} values through YAML aliases "
                        "(an alias bomb?); not read")
            continue
        if id(node) in sizes:
            continue
        if id(node) in open_nodes:
            return "a YAML alias refers to a value that contains it; not read"
        if depth > YAML_MAX_DEPTH:
            return f"nested deeper than {YAML_MAX_DEPTH} levels; not read"
        open_nodes.add(id(node))
        stack.append((node, depth, True))
        stack.extend((child, depth + 1, False) for child in children)
    return None


def _yaml_children(node) -> list:
    if isinstance(node.value, list):
        return [part for item in node.value
                for part in (item if isinstance(item, tuple) else (item,))]
    return []


# ------------------------------------------------------------------ nodes

_NODE_COLUMNS = {
    "id": "id", "name": "name", "hostname": "hostname", "user": "user", "namespace": "user",
    "ip addresses": "ips", "ip address": "ips", "last seen": "last_seen", "connected": "online", "online": "online",
    "expired": "expired",
}


def parse_nodes(bundle: Bundle) -> None:
    text = bundle.sections.get("nodes", "")
    lines = [line for line in text.splitlines() if "|" in line]
    if not lines:
        error = next((line for line in text.splitlines() if "error" in line.lower()), None)
        if error:
            bundle.notes.append(f"nodes: the node list could not be read: {error.strip()[:200]}")
        return
    header = [cell.strip().lower() for cell in lines[0].split("|")]
    keys = [_NODE_COLUMNS.get(cell) for cell in header]
    if "id" not in keys:
        bundle.notes.append("nodes: no 'headscale nodes list' table recognised")
        return
    wording_user = "namespace" if "namespace" in header else "user"
    wording_node = "machine" if "online" in header else "node"
    bundle.nodes_wording = f"{wording_node}/{wording_user}"
    for row in lines[1:]:
        cells = [cell.strip() for cell in row.split("|")]
        if len(cells) < len(header):
            bundle.notes.append(f"nodes: the row of node {cells[0] or '?'} is cut short (truncated bundle?)")
        values = {key: cells[i] for i, key in enumerate(keys) if key and i < len(cells)}
        if not values.get("id", "").isdigit():
            continue
        bundle.nodes.append(Node(
            id=values["id"], name=values.get("name") or values.get("hostname", ""),
            user=values.get("user", ""),
            ips=[ip.strip() for ip in values.get("ips", "").split(",") if ip.strip()],
            last_seen=_node_time(values.get("last_seen", "")),
            online=_yes_no(values.get("online"), ("online", "true", "yes")),
            expired=_yes_no(values.get("expired"), ("yes", "true", "expired")),
        ))


def _node_time(text: str) -> datetime | None:
    try:
        return datetime.strptime(text[:19], "%Y-%m-%d %H:%M:%S").replace(tzinfo=timezone.utc)
    except ValueError:
        return None


def _yes_no(text: str | None, truthy: tuple[str, ...]) -> bool | None:
    if not text:
        return None
    return text.strip().lower() in truthy
