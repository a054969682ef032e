"""What every bundle rule sees (:class:`Context`) and gives back (:class:`Hit`).

Each rule is a small named function over a Context; its words (title, cause, fix, in
English and Chinese) live in ``patterns/bundle.toml`` under the same id.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlsplit

from ..result import Cause, Finding
from .deployment import Deployment, detect
from .model import Bundle, Container


@dataclass
class Hit:
    """One rule firing: values for the placeholders and evidence lines per section."""

    values: dict[str, object]
    evidence: list[str]
    count: int = 1
    fix: list[str] = field(default_factory=list)         # specific lines before the rule's own
    explains: list[str] = field(default_factory=list)    # ids of the findings this hit explains
    supersedes: list[str] = field(default_factory=list)  # causes this hit makes redundant
    category: str | None = None                           # the root cause's, when it leads


@dataclass
class Context:
    bundle: Bundle
    log_findings: list[Finding]
    config: dict = field(default_factory=dict)
    deployment: Deployment = field(init=False)
    causes: list[Cause] = field(default_factory=list)    # correlations found so far

    def __post_init__(self) -> None:
        self.config = self.bundle.config or {}
        self.deployment = detect(self.bundle)

    def commands(self) -> dict[str, str]:
        """Values every rule text may use: the deployment's commands ({restart}, {logs}...)."""
        return {name: command.strip() for name, command in self.deployment.commands.items()}

    def get(self, *path: str):
        """A nested config value (``get("log", "level")``), or None."""
        value: object = self.config
        for key in path:
            if not isinstance(value, dict) or key not in value:
                return None
            value = value[key]
        return value

    def config_line(self, key: str) -> str:
        """The configuration line that sets ``key`` (for evidence), or a reconstruction."""
        for line in self.bundle.sections.get("config", "").splitlines():
            if re.match(rf"\s*{re.escape(key)}\s*:", line):
                return f"[configuration] {line.strip()}"
        return f"[configuration] {key}: {self.get(*key.split('.'))}"

    @property
    def server_url(self) -> str | None:
        value = self.get("server_url")
        return value if isinstance(value, str) else None

    @property
    def reference_time(self) -> datetime | None:
        """'Now' for the bundle: the newest time seen in logs or nodes."""
        times = [f.last_seen for f in self.log_findings if f.last_seen]
        times += [n.last_seen for n in self.bundle.nodes if n.last_seen]
        return max(times) if times else None

    def headscale_containers(self) -> list[Container]:
        return [c for c in self.bundle.containers if c.is_headscale]

    def has_logs(self, category: str) -> list[Finding]:
        return [f for f in self.log_findings if f.category == category]


def url_parts(url: str | None) -> tuple[str, int | None, str]:
    parts = urlsplit(url or "")
    try:
        port = parts.port
    except ValueError:
        port = None
    return parts.hostname or "", port, parts.scheme


def ip_of(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def listen_port(value: object) -> int | None:
    match = re.search(r":(\d+)$", str(value or ""))
    return int(match[1]) if match else None


# ------------------------------------------------------------------ checks -> findings

def exit_text(container: Container) -> str:
    """`` (exit 1)`` for a container that exited with a code, else empty."""
    return f" (exit {container.exit_code})" if container.exit_code is not None else ""
