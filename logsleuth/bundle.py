"""Parsers for the sections of a ``diagnostic-report.txt`` (the guide's 获取帮助 bundle).

Each parser turns one section into facts and never raises: what it cannot read becomes a
note. Tolerated: missing, empty, reordered or truncated sections, CRLF, binary junk,
compose v1 and v2 tables, ``headscale nodes list`` of 0.18 (namespace), 0.22 (machine) and
0.23+ (node/user).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone


SECTION = re.compile(r"^=== *(?P<name>[^=\n]+?) *=== *$", re.M)
SECTION_KEYS = {"system info": "system", "container status": "containers",
                "recent logs": "logs", "configuration": "config", "nodes": "nodes"}
_PUBLISHED = re.compile(r"(?:(?P<ip>\[[0-9a-fA-F:.]*\]|[0-9.]+|::):)?(?P<host>\d+)->(?P<port>\d+)/")
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07")
BUNDLE_HEAD = 64 << 10      # the bytes in which a bundle's section headers must show
MARKERS = tuple(f"=== {name.title()} ===".encode() for name in ("recent logs", "container status"))


#: what a bundle could not give, in English and Chinese
NOTES: dict[str, tuple[str, str]] = {
    "binary": ("the bundle contains binary data (NUL bytes or invalid UTF-8); those bytes were "
               "dropped or replaced", "诊断报告包含二进制数据（NUL 字节或无效的 UTF-8），这些字节已删除或替换"),
    "missing": ("section '{section}' is missing", "缺少 '{section}' 部分"),
    "empty": ("section '{section}' is empty", "'{section}' 部分为空"),
    "no_ps_table": ("container status: no docker-compose ps table recognised",
                    "容器状态：未识别出 docker-compose ps 表格"),
    "nodes_error": ("nodes: the node list could not be read: {error}", "节点：无法读取节点列表：{error}"),
    "no_nodes_table": ("nodes: no 'headscale nodes list' table recognised",
                       "节点：未识别出 'headscale nodes list' 表格"),
    "row_cut": ("nodes: the row of node {node} is cut short (truncated bundle?)",
                "节点：设备 {node} 的行不完整（诊断报告被截断？）"),
    "secrets": ("the bundle itself contains secrets (keys, passwords or tokens): do not post it "
                "publicly as it is; logsleuth's output has them replaced by [REDACTED]",
                "诊断报告本身包含密钥、密码或令牌：不要原样公开发布；logsleuth 的输出已将其替换为 [REDACTED]"),
    "not_a_bundle": ("{path} is not a diagnostic bundle (no '=== Recent Logs ===' or "
                     "'=== Container Status ===' section): analysed as a log",
                     "{path} 不是诊断报告（没有 '=== Recent Logs ===' 或 '=== Container Status ===' 部分）：按日志分析"),
    "repeated": ("section '{section}' appears {count} times; all of them were read together",
                 "'{section}' 部分出现了 {count} 次，已全部合并读取"),
    "compose_v1_eol": ("docker-compose {version} (v1) is end-of-life since June 2023: use the "
                       "docker compose v2 plugin",
                       "docker-compose {version}（v1）自 2023 年 6 月起已停止维护：请改用 docker compose v2 插件"),
}


def note_text(key: str, lang: str, **values: str) -> str:
    english, chinese = NOTES[key]
    return (chinese if lang == "zh" else english).format(**values)


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

    def published(self, container_port: str) -> list[tuple[str, str]]:
        """(host address, host port) pairs that publish ``container_port``; an empty
        address means every interface."""
        return [(m["ip"] or "", m["host"]) for m in _PUBLISHED.finditer(self.ports)
                if m["port"] == container_port]

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
    containers_table: str | None = None   # "v1" | "v2": the `docker-compose ps` shape
    containers: list[Container] = field(default_factory=list)
    config: dict | None = None
    config_error: str | None = None
    nodes: list[Node] = field(default_factory=list)
    nodes_wording: str | None = None      # "node/user", "machine/user", "machine/namespace"
    notes: list[tuple[str, dict[str, str]]] = field(default_factory=list)   # (NOTES key, values)

    def note(self, key: str, **values: str) -> None:
        self.notes.append((key, values))

    def note_texts(self, lang: str) -> list[str]:
        """What could not be read, in ``lang``."""
        return [note_text(key, lang, **values) for key, values in self.notes]


def clean_text(raw: bytes) -> tuple[str, bool]:
    """Decode leniently; drop NULs, ANSI colour codes and CRs (a pty's CRLF or lone CR).
    The flag says binary junk was found."""
    text = raw.decode("utf-8", "replace")
    junk = "\x00" in text or text.count("\ufffd") > 8
    text = _ANSI.sub("", text.replace("\x00", ""))
    text = text.replace("\r\n", "\n").replace("\r", "\n")
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


def repeated_sections(text: str) -> dict[str, int]:
    """Sections that appear more than once (a bundle pasted together twice), with counts."""
    counts: dict[str, int] = {}
    for match in SECTION.finditer(text):
        counts[section_key(match)] = counts.get(section_key(match), 0) + 1
    return {key: count for key, count in counts.items() if count > 1}


def parse_bundle(raw: bytes) -> Bundle:
    text, junk = clean_text(raw)
    bundle = Bundle(split_sections(text))
    for key, count in repeated_sections(text).items():
        bundle.note("repeated", section=key, count=str(count))
    if junk:
        bundle.note("binary")
    for key in ("system", "containers", "logs", "config", "nodes"):
        if key not in bundle.sections:
            bundle.note("missing", section=key)
        elif not bundle.sections[key].strip():
            bundle.note("empty", section=key)
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
        bundle.containers, bundle.containers_table = _parse_v2(text[match.start():]), "v2"
    elif match := _V1_HEADER.search(text):
        bundle.containers, bundle.containers_table = _parse_v1(text[match.start():]), "v1"
    elif text.strip():
        bundle.note("no_ps_table")


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
    if text.lstrip().startswith("["):
        _parse_nodes_json(bundle, text)
        return
    lines = [line for line in text.splitlines() if "|" in line]
    if not lines:
        error = next((line for line in text.splitlines() if "error" in line.lower()), None)
        if error:
            bundle.note("nodes_error", error=error.strip()[:200])
        return
    header = [cell.strip().lower() for cell in lines[0].split("|")]
    keys = [_NODE_COLUMNS.get(cell) for cell in header]
    if "id" not in keys:
        bundle.note("no_nodes_table")
        return
    wording_user = "namespace" if "namespace" in header else "user"
    wording_node = "machine" if "online" in header else "node"
    bundle.nodes_wording = f"{wording_node}/{wording_user}"
    for row in lines[1:]:
        cells = [cell.strip() for cell in row.split("|")]
        if len(cells) < len(header):
            bundle.note("row_cut", node=cells[0] or "?")
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


def _parse_nodes_json(bundle: Bundle, text: str) -> None:
    """``headscale nodes list -o json``: one object per node (user or namespace)."""
    try:
        items = json.loads(text)
    except ValueError:
        bundle.note("no_nodes_table")
        return
    objects = [item for item in items if isinstance(item, dict)] if isinstance(items, list) else []
    bundle.nodes_wording = "json"
    for item in objects:
        owner = item.get("user") or item.get("namespace") or {}
        bundle.nodes.append(Node(
            id=str(item.get("id", "")), name=str(item.get("given_name") or item.get("name") or ""),
            user=str(owner.get("name", "")) if isinstance(owner, dict) else str(owner),
            ips=[str(ip) for ip in item.get("ip_addresses") or []],
            last_seen=_json_time(item.get("last_seen")),
            online=item["online"] if isinstance(item.get("online"), bool) else None, expired=None,
        ))


def _json_time(value: object) -> datetime | None:
    """A protobuf timestamp (``{"seconds": ...}``) or an ISO string."""
    if isinstance(value, dict) and isinstance(value.get("seconds"), (int, str)):
        try:
            return datetime.fromtimestamp(int(value["seconds"]), timezone.utc)
        except (ValueError, OverflowError, OSError):
            return None
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
    return None


def _node_time(text: str) -> datetime | None:
    try:
        return datetime.strptime(text[:19], "%Y-%m-%d %H:%M:%S").replace(tzinfo=timezone.utc)
    except ValueError:
        return None


def _yes_no(text: str | None, truthy: tuple[str, ...]) -> bool | None:
    if not text:
        return None
    return text.strip().lower() in truthy
