"""Parsers for the sections of a ``diagnostic-report.txt`` (the guide's 获取帮助 bundle).

Each parser turns one section into facts and never raises: what it cannot read becomes a
note. Tolerated: missing, empty, reordered or truncated sections, CRLF, binary junk,
compose v1 and v2 tables, ``headscale nodes list`` of 0.18 (namespace), 0.22 (machine) and
0.23+ (node/user).
"""

from __future__ import annotations

import re

from .configuration import parse_config
from .model import Bundle, Container
from .nodes import parse_nodes

SECTION = re.compile(r"^=== *(?P<name>[^=\n]+?) *=== *$", re.M)
SECTION_KEYS = {"system info": "system", "container status": "containers",
                "recent logs": "logs", "configuration": "config", "nodes": "nodes"}
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07")


def clean_text(raw: bytes) -> tuple[str, bool]:
    r"""Decode leniently; drop NULs, ANSI colour codes and CRs (a pty's CRLF or lone CR).
    The flag says binary junk was found.

    >>> clean_text(b"\x1b[31mERR\x1b[0m x\r\n\x00")
    ('ERR x\n', True)
    """
    text = raw.decode("utf-8", "replace")
    junk = "\x00" in text or text.count("\ufffd") > 8
    text = _ANSI.sub("", text.replace("\x00", ""))
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text, junk


def split_sections(text: str) -> dict[str, str]:
    r"""Section key (system, containers, logs, config, nodes, or the raw title) -> body; a
    section that appears more than once has its bodies joined (none is dropped).

    >>> split_sections("=== System Info ===\nLinux h 6.1\n=== Recent Logs ===\nERR x\n")
    {'system': 'Linux h 6.1', 'logs': 'ERR x'}
    """
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
    """A ``docker compose ps`` status as (state, exit code, health).

    >>> _state("Restarting (1) 5 seconds ago"), _state("Up 2 hours (unhealthy)")
    (('restarting', 1, None), ('up', None, 'unhealthy'))
    """
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
