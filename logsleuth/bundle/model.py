"""What a diagnostic bundle holds once read: containers, nodes, sections, and the notes on
what could not be read (in English and the guide's Chinese)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

_PUBLISHED = re.compile(r"(?:(?P<ip>\[[0-9a-fA-F:.]*\]|[0-9.]+|::):)?(?P<host>\d+)->(?P<port>\d+)/")


#: what a bundle could not give, in English and Chinese
NOTES: dict[str, tuple[str, str]] = {
    "binary": ("the bundle contains binary data (NUL bytes or invalid UTF-8); those bytes were "
               "dropped or replaced",
               "诊断报告包含二进制数据（NUL 字节或无效的 UTF-8），这些字节已删除或替换"),
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
                "诊断报告本身包含密钥、密码或令牌：不要原样公开发布；"
                "logsleuth 的输出已将其替换为 [REDACTED]"),
    "not_a_bundle": ("{path} is not a diagnostic bundle (no '=== Recent Logs ===' or "
                     "'=== Container Status ===' section): analysed as a log",
                     "{path} 不是诊断报告（没有 '=== Recent Logs ===' 或 "
                     "'=== Container Status ===' 部分）：按日志分析"),
    "repeated": ("section '{section}' appears {count} times; all of them were read together",
                 "'{section}' 部分出现了 {count} 次，已全部合并读取"),
    "compose_v1_eol": ("docker-compose {version} (v1) is end-of-life since June 2023: use the "
                       "docker compose v2 plugin",
                       "docker-compose {version}（v1）自 2023 年 6 月起已停止维护："
                       "请改用 docker compose v2 插件"),
}


def note_text(key: str, lang: str, **values: str) -> str:
    english, chinese = NOTES[key]
    return (chinese if lang == "zh" else english).format(**values)


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
