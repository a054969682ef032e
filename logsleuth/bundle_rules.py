"""Rules over a parsed diagnostic bundle: checks that turn section facts into findings,
the guide's security checklist, and correlations across sections.

Each rule is a small named function over a :class:`Context`; its words (title, cause, fix,
in English and Chinese) live in ``patterns/bundle.toml`` under the same id.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Callable
from urllib.parse import urlsplit

from .bundle import Bundle, Container, note_text
from .catalog import Catalog
from .deployment import Deployment, Version, detect, stopped_outside_compose
from .diagnose import fill
from .result import Cause, Finding

STALE_AFTER = timedelta(days=30)
PRIVATE_NETWORKS = tuple(ipaddress.ip_network(n) for n in
                         ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"))
SQLITE_NODE_LIMIT = 100
#: old key -> (the version that renamed or dropped it, the key that version reads or None)
RENAMED_KEYS: dict[str, tuple[Version, str | None]] = {
    "node_update_check_interval": ((0, 23, 0), None),
    "db_type": ((0, 23, 0), "database.type"),
    "db_path": ((0, 23, 0), "database.sqlite.path"),
    "db_host": ((0, 23, 0), "database.postgres.host"),
    "db_user": ((0, 23, 0), "database.postgres.user"),
    "db_pass": ((0, 23, 0), "database.postgres.pass"),
    "dns_config": ((0, 23, 0), "dns"),
    "acl_policy_path": ((0, 23, 0), "policy.path"),
    "ephemeral_node_inactivity_timeout": ((0, 29, 0), "node.ephemeral.inactivity_timeout"),
    "randomize_client_port": ((0, 29, 0), None),
}
MANAGEMENT_KEYS = {"metrics_listen_addr": "9090", "grpc_listen_addr": "50443"}


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


def _host(url: str | None) -> tuple[str, int | None, str]:
    parts = urlsplit(url or "")
    try:
        port = parts.port
    except ValueError:
        port = None
    return parts.hostname or "", port, parts.scheme


def _address(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def _listen_port(value: object) -> int | None:
    match = re.search(r":(\d+)$", str(value or ""))
    return int(match[1]) if match else None


# ------------------------------------------------------------------ checks -> findings

def yaml_invalid(ctx: Context) -> list[Hit]:
    error = ctx.bundle.config_error
    return [Hit({"error": error}, [f"[configuration] {error}"])] if error else []


def server_url_unreachable(ctx: Context) -> list[Hit]:
    host, _, _ = _host(ctx.server_url)
    address = _address(host)
    why = None
    if host in ("localhost", "") and ctx.server_url:
        why = "localhost only reaches the server itself"
    elif address is not None and address.is_loopback:
        why = "a loopback address only reaches the server itself"
    elif address is not None and address.is_unspecified:
        why = "0.0.0.0 is a listen address, not an address to connect to"
    if why is None:
        return []
    return [Hit({"server_url": ctx.server_url, "why": why}, [ctx.config_line("server_url")])]


def server_url_private(ctx: Context) -> list[Hit]:
    address = _address(_host(ctx.server_url)[0])
    if address is None or not any(address in network for network in PRIVATE_NETWORKS
                                  if network.version == address.version):
        return []
    return [Hit({"server_url": ctx.server_url}, [ctx.config_line("server_url")])]


def server_url_http(ctx: Context) -> list[Hit]:
    if _host(ctx.server_url)[2] != "http":
        return []
    return [Hit({"server_url": ctx.server_url}, [ctx.config_line("server_url")])]


def listen_port_mismatch(ctx: Context) -> list[Hit]:
    """server_url's port is neither listen_addr's nor the host port a container publishes
    it on (``8443->8080`` makes 8443 right)."""
    _, url_port, _ = _host(ctx.server_url)
    listen = ctx.get("listen_addr")
    listen_port = _listen_port(listen)
    if url_port is None or listen_port is None or url_port == listen_port:
        return []
    published = {int(port) for c in ctx.headscale_containers() for _, port in c.published(str(listen_port))}
    if url_port in published:
        return []
    return [Hit({"url_port": url_port, "listen_addr": listen},
                [ctx.config_line("server_url"), ctx.config_line("listen_addr")])]


def tls_without_domain(ctx: Context) -> list[Hit]:
    host, _, _ = _host(ctx.server_url)
    keys = [k for k in ("tls_cert_path", "tls_letsencrypt_hostname") if ctx.get(k)]
    if not keys or _address(host) is None:
        return []
    return [Hit({"server_url": ctx.server_url},
                [ctx.config_line("server_url"), *(ctx.config_line(k) for k in keys)])]


def acme_port(ctx: Context) -> list[Hit]:
    """TLS-ALPN-01 needs port 443 to reach headscale: listen_addr, or a published 443."""
    challenge = str(ctx.get("tls_letsencrypt_challenge_type") or "TLS-ALPN-01").upper()
    listen = ctx.get("listen_addr")
    if not ctx.get("tls_letsencrypt_hostname") or challenge != "TLS-ALPN-01" or _listen_port(listen) == 443:
        return []
    published = {port for c in ctx.headscale_containers() for _, port in c.published(str(_listen_port(listen)))}
    if "443" in published:
        return []
    return [Hit({"listen_addr": listen}, [ctx.config_line("tls_letsencrypt_hostname"),
                                          ctx.config_line("listen_addr")])]


def oidc_inconsistent(ctx: Context) -> list[Hit]:
    issuer = ctx.get("oidc", "issuer")
    if not issuer or not ctx.server_url:
        return []
    callback = ctx.server_url.rstrip("/") + "/oidc/callback"
    issuer_host, _, issuer_scheme = _host(str(issuer))
    problems = []
    if _host(ctx.server_url)[2] == "http":
        problems.append(f"server_url is plain HTTP ({ctx.server_url}); providers reject http callbacks")
    if issuer_host in ("localhost", "127.0.0.1") or issuer_scheme == "http":
        problems.append(f"oidc.issuer is {issuer}, which clients' browsers and headscale's container cannot both use")
    redirect = ctx.get("oidc", "redirect_url") or ctx.get("oidc", "callback_url")
    if redirect and str(redirect).rstrip("/") != callback:
        problems.append(f"the configured callback {redirect} is not <server_url>/oidc/callback")
    if not problems:
        return []
    return [Hit({"why": "; ".join(problems), "callback": callback, "server_url": ctx.server_url,
                 "issuer": issuer},
                [ctx.config_line("server_url"), f"[configuration] oidc.issuer: {issuer}"])]


def sqlite_many_nodes(ctx: Context) -> list[Hit]:
    db_type = str(ctx.get("database", "type") or ctx.get("db_type") or "sqlite")
    count = len(ctx.bundle.nodes)
    if not db_type.startswith("sqlite") or count <= SQLITE_NODE_LIMIT:
        return []
    return [Hit({"nodes": count}, [f"[nodes] {count} nodes", f"[configuration] database type: {db_type}"])]


def debug_logging(ctx: Context) -> list[Hit]:
    level = str(ctx.get("log", "level") or ctx.get("log_level") or "").lower()
    if level not in ("debug", "trace"):
        return []
    return [Hit({"level": level}, [ctx.config_line("level")])]


def management_ports_open(ctx: Context) -> list[Hit]:
    """Metrics/gRPC reachable from outside: for containers the published ports decide (a
    0.0.0.0 listener inside a container is private unless published), else the config."""
    exposed, evidence = [], []
    containers = ctx.headscale_containers()
    for key, default_port in MANAGEMENT_KEYS.items():
        value = str(ctx.get(key) or "")
        port = str(_listen_port(value) or default_port)
        if containers:
            for container in containers:
                for host_ip, host_port in container.published(port):
                    if not _is_loopback(host_ip):
                        exposed.append(f"{container.name} publishes {host_ip or '*'}:{host_port}->{port}")
                        evidence.append(f"[containers] {container.name}: {container.ports}")
        elif value.startswith(("0.0.0.0:", "[::]:", ":")):
            exposed.append(f"{key} {value}")
            evidence.append(ctx.config_line(key))
    if not exposed:
        return []
    return [Hit({"ports": ", ".join(exposed)}, list(dict.fromkeys(evidence)))]


def _is_loopback(host: str) -> bool:
    address = _address(host.strip("[]"))
    return address is not None and address.is_loopback


def renamed_keys(ctx: Context) -> list[Hit]:
    """Keys the running version renamed or dropped, and new-layout keys an older version
    does not read yet; nothing when the version is not visible."""
    changes, evidence = [], []
    for old, (since, new) in RENAMED_KEYS.items():
        newer = ctx.deployment.at_least(since)
        new_top = new.split(".")[0] if new else None
        release = ".".join(map(str, since[:2]))
        if newer and old in ctx.config:
            changes.append(f"{old} → {new or '-'} ({release})")
            evidence.append(ctx.config_line(old))
        elif newer is False and new_top and new_top in ctx.config and old not in ctx.config:
            changes.append(f"{new} ({release}+) → {old}")
            evidence.append(ctx.config_line(new_top))
    if not changes:
        return []
    return [Hit({"keys": "; ".join(dict.fromkeys(changes)), "version": _version_text(ctx.deployment)},
                list(dict.fromkeys(evidence)))]


def _version_text(deployment: Deployment) -> str:
    return deployment.version or deployment.family or "?"


def _exit_text(container: Container) -> str:
    """`` (exit 1)`` for a container that exited with a code, else empty."""
    return f" (exit {container.exit_code})" if container.exit_code is not None else ""


def headscale_down(ctx: Context) -> list[Hit]:
    hits = []
    for container in ctx.headscale_containers():
        if container.state in ("exited", "restarting", "created"):
            code = _exit_text(container)
            hits.append(Hit({"container": container.name, "state": container.state, "exit": code},
                            [f"[containers] {container.name}: {container.state}{code}"]))
    return hits


def duplicate_ip(ctx: Context) -> list[Hit]:
    owners: dict[str, list[str]] = {}
    for node in ctx.bundle.nodes:
        for ip in node.ips:
            owners.setdefault(ip, []).append(node.name)
    duplicates = {ip: names for ip, names in owners.items() if len(names) > 1}
    if not duplicates:
        return []
    text = "; ".join(f"{ip}: {', '.join(names)}" for ip, names in duplicates.items())
    return [Hit({"duplicates": text}, [f"[nodes] {ip}: {', '.join(n)}" for ip, n in duplicates.items()],
                count=len(duplicates))]


def stale(ctx: Context) -> list[Hit]:
    now = ctx.reference_time
    if now is None:
        return []
    old = [n for n in ctx.bundle.nodes if n.last_seen and now - n.last_seen > STALE_AFTER]
    if not old:
        return []
    return [Hit({"names": ", ".join(n.name for n in old)},
                [f"[nodes] {n.name}: last seen {n.last_seen:%Y-%m-%d}" for n in old], count=len(old))]


def expired(ctx: Context) -> list[Hit]:
    nodes = [n for n in ctx.bundle.nodes if n.expired]
    if not nodes:
        return []
    return [Hit({"names": ", ".join(n.name for n in nodes)},
                [f"[nodes] {n.name}: expired" for n in nodes], count=len(nodes),
                explains=["conn.node_key_expired"])]


def offline(ctx: Context) -> list[Hit]:
    nodes = [n for n in ctx.bundle.nodes if n.online is False]
    if not nodes:
        return []
    return [Hit({"offline": len(nodes), "total": len(ctx.bundle.nodes),
                 "names": ", ".join(n.name for n in nodes)},
                [f"[nodes] {n.name}: offline" for n in nodes], count=len(nodes))]


CHECKS: dict[str, Callable[[Context], list[Hit]]] = {
    "config.yaml_invalid": yaml_invalid,
    "config.server_url_unreachable": server_url_unreachable,
    "config.server_url_private": server_url_private,
    "config.server_url_http": server_url_http,
    "config.listen_port_mismatch": listen_port_mismatch,
    "config.tls_without_domain": tls_without_domain,
    "config.acme_port": acme_port,
    "config.oidc_inconsistent": oidc_inconsistent,
    "config.sqlite_many_nodes": sqlite_many_nodes,
    "config.debug_logging": debug_logging,
    "config.management_ports_open": management_ports_open,
    "config.renamed_keys": renamed_keys,
    "containers.headscale_down": headscale_down,
    "nodes.duplicate_ip": duplicate_ip,
    "nodes.stale": stale,
    "nodes.expired": expired,
    "nodes.offline": offline,
}


#: checks whose findings are consequences of another problem, ranked after the causes
SYMPTOMS = {"containers.headscale_down", "nodes.offline"}


def run_checks(catalog: Catalog, ctx: Context, lang: str) -> list[Finding]:
    findings = []
    for check_id, rule in CHECKS.items():
        words = catalog.check(check_id)
        if words is None:
            continue
        title, cause, fix = words.localized(lang)
        for hit in rule(ctx):
            values = {**ctx.commands(), **hit.values}
            findings.append(Finding(
                pattern_id=check_id, category=words.category, severity=words.severity,
                title=fill(title, values), count=hit.count, first_seen=None, last_seen=None,
                services=[], samples=hit.evidence, cause=fill(cause, values),
                fix=[fill(line, values).strip() for line in fix], guide=words.guide,
                symptom=check_id in SYMPTOMS,
            ))
            settle_explained(ctx.log_findings, hit.explains, words.severity)
    return findings


def settle_explained(log_findings: list[Finding], explained: list[str], severity: str) -> None:
    """Log findings a section fact explains take that fact's severity: an expired node in
    the node table is routine, the log line saying it expired is only its history."""
    for finding in log_findings:
        if finding.pattern_id in explained:
            finding.severity = severity


# ------------------------------------------------------------------ correlations across sections

def two_instances_share_sqlite(ctx: Context, findings: list[Finding]) -> list[Hit]:
    locked = ctx.has_logs("database_locked")
    running = [c for c in ctx.headscale_containers() if c.state == "up"]
    if not locked or len(running) < 2:
        return []
    evidence = [f"[containers] {c.name}: up" for c in running]
    evidence += [f"[logs] {line}" for line in locked[0].samples[:2]]
    return [Hit({"count": len(running), "containers": ", ".join(c.name for c in running)}, evidence,
                explains=[f.pattern_id for f in locked])]


def _listeners(ctx: Context) -> dict[str, str]:
    """Configured listen addresses by key (headscale's defaults where a key is absent)."""
    defaults = {"listen_addr": "0.0.0.0:8080", "metrics_listen_addr": "127.0.0.1:9090",
                "grpc_listen_addr": "127.0.0.1:50443"}
    return {key: str(ctx.get(key) or default) for key, default in defaults.items()}


def _overlap(first: str, second: str) -> bool:
    """Two listen addresses that cannot both be bound: same port, same or wildcard host."""
    host_a, _, port_a = first.rpartition(":")
    host_b, _, port_b = second.rpartition(":")
    wildcard = ("", "0.0.0.0", "[::]", "::")
    return port_a == port_b and (host_a == host_b or host_a in wildcard or host_b in wildcard)


def port_collision_in_config(ctx: Context, findings: list[Finding]) -> list[Hit]:
    """``address already in use`` explained by two listeners of the config on one port."""
    conflicts = ctx.has_logs("port_conflict")
    if not conflicts:
        return []
    ports_in_logs = set(conflicts[0].fields.get("port", {}))
    listeners = list(_listeners(ctx).items())
    for index, (key_a, addr_a) in enumerate(listeners):
        for key_b, addr_b in listeners[index + 1:]:
            port = addr_b.rpartition(":")[2]
            if (_overlap(addr_a, addr_b) and (ctx.get(key_a) or ctx.get(key_b))
                    and (not ports_in_logs or port in ports_in_logs)):
                evidence = [ctx.config_line(key_a), ctx.config_line(key_b),
                            *(f"[logs] {line}" for line in conflicts[0].samples[:1])]
                return [Hit({"first": f"{key_a} {addr_a}", "second": f"{key_b} {addr_b}",
                             "key": key_b, "port": port},
                            evidence, explains=[conflicts[0].pattern_id])]
    return []


def sqlite_corrupt(ctx: Context, findings: list[Finding]) -> list[Hit]:
    """A corrupt SQLite file: the guide's stop, back up, check, recover, restore."""
    corrupt = ctx.has_logs("database_corrupt")
    if not corrupt:
        return []
    path = str(ctx.get("database", "sqlite", "path") or ctx.get("db_path") or "/var/lib/headscale/db.sqlite")
    host_path = "data/db.sqlite" if ctx.deployment.kind.startswith("compose") else path
    return [Hit({"path": path, "host_path": host_path},
                [f"[logs] {line}" for line in corrupt[0].samples[:2]],
                explains=[f.pattern_id for f in corrupt])]


def tls_cert_not_mounted(ctx: Context, findings: list[Finding]) -> list[Hit]:
    """A configured certificate path that does not exist where headscale runs."""
    if not ctx.deployment.kind.startswith(("compose", "kubernetes")):
        return []
    failed = [f for f in ctx.has_logs("tls") if f.severity == "critical"]
    for key in ("tls_cert_path", "tls_key_path"):
        path = ctx.get(key)
        lines = [line for f in failed for line in f.samples if path and f"{path}: no such file" in line]
        if lines:
            return [Hit({"key": key, "path": path, "directory": str(path).rpartition("/")[0] or "/"},
                        [ctx.config_line(key), f"[logs] {lines[0]}"],
                        explains=[f.pattern_id for f in failed])]
    return []


def _stopped(ctx: Context) -> list[tuple[str, str, str, str]]:
    """(name, state, exit text, evidence) for each headscale container, unit or pod that
    is not running."""
    found = []
    for container in ctx.headscale_containers():
        if container.state in ("exited", "restarting"):
            code = _exit_text(container)
            found.append((container.name, container.state, code,
                          f"[containers] {container.name}: {container.state}{code}"))
    return found or [(name, state, "", evidence)
                     for name, state, evidence in stopped_outside_compose(ctx.bundle)]


def headscale_not_running(ctx: Context, findings: list[Finding]) -> list[Hit]:
    """A stopped or crash-looping headscale: its root cause first, the outage under it."""
    down = _stopped(ctx)
    fatal = [f for f in ctx.log_findings if f.severity == "critical" and not f.symptom
             and f.category != "connection_refused"]
    if not down or not fatal:
        return []
    name, state, code, evidence = down[0]
    values = {"container": name, "state": state, "exit": code}
    root = next((c for c in ctx.causes if fatal[0].pattern_id in c.findings), None)
    if root is not None:
        return [Hit({**values, "why": root.title, "root": root.explanation},
                    [*root.evidence, evidence], fix=root.fix, category=root.category,
                    explains=[*root.findings, "containers.headscale_down"], supersedes=[root.id])]
    return [Hit({**values, "why": fatal[0].title, "root": fatal[0].cause},
                [*(f"[logs] {line}" for line in fatal[0].samples[:2]), evidence], fix=fatal[0].fix,
                category=fatal[0].category, explains=[fatal[0].pattern_id, "containers.headscale_down"])]


def clients_cannot_reach_server(ctx: Context, findings: list[Finding]) -> list[Hit]:
    unreachable = [f for f in findings if f.pattern_id in ("config.server_url_unreachable",
                                                           "config.server_url_private")]
    offline_nodes = [n for n in ctx.bundle.nodes if n.online is False]
    if not unreachable or not offline_nodes:
        return []
    evidence = [*unreachable[0].samples, *(f"[nodes] {n.name}: offline" for n in offline_nodes[:5])]
    return [Hit({"server_url": ctx.server_url, "offline": len(offline_nodes),
                 "total": len(ctx.bundle.nodes)}, evidence,
                explains=[unreachable[0].pattern_id, "nodes.offline"])]


def tls_config_mismatch(ctx: Context, findings: list[Finding]) -> list[Hit]:
    tls_logs = ctx.has_logs("tls")
    if not tls_logs:
        return []
    host, _, scheme = _host(ctx.server_url)
    reasons, evidence = [], []
    if (ctx.get("tls_cert_path") or ctx.get("tls_letsencrypt_hostname")) and scheme == "http":
        reasons.append(f"serves TLS while server_url is {ctx.server_url}")
        evidence += [ctx.config_line("server_url"), ctx.config_line("tls_cert_path")
                     if ctx.get("tls_cert_path") else ctx.config_line("tls_letsencrypt_hostname")]
    if (ctx.get("tls_cert_path") or ctx.get("tls_letsencrypt_hostname")) and _address(host):
        reasons.append(f"uses an IP address in server_url ({host}) that no certificate names")
        evidence.append(ctx.config_line("server_url"))
    if not reasons:
        return []
    evidence += [f"[logs] {line}" for line in tls_logs[0].samples[:2]]
    return [Hit({"why": " and ".join(reasons), "server_url": ctx.server_url}, list(dict.fromkeys(evidence)),
                explains=[f.pattern_id for f in tls_logs])]


#: in order: root causes first, so that ``headscale_not_running`` can lead with them
CORRELATIONS: dict[str, Callable[[Context, list[Finding]], list[Hit]]] = {
    "bundle.port_collision_in_config": port_collision_in_config,
    "bundle.sqlite_corrupt": sqlite_corrupt,
    "bundle.tls_cert_not_mounted": tls_cert_not_mounted,
    "bundle.two_instances_share_sqlite": two_instances_share_sqlite,
    "bundle.clients_cannot_reach_server": clients_cannot_reach_server,
    "bundle.tls_config_mismatch": tls_config_mismatch,
    "bundle.headscale_not_running": headscale_not_running,
}


def run_correlations(catalog: Catalog, ctx: Context, findings: list[Finding],
                     lang: str) -> tuple[list[Cause], set[str]]:
    """Causes across sections, and the ids of the narrower causes they supersede."""
    superseded: set[str] = set()
    for rule_id, rule in CORRELATIONS.items():
        words = catalog.correlation(rule_id)
        if words is None:
            continue
        title, cause, fix = words.localized(lang)
        for hit in rule(ctx, findings):
            values = {**ctx.commands(), **hit.values}
            ctx.causes.append(Cause(
                id=rule_id, title=fill(title, values), category=hit.category or words.category,
                severity=words.severity, explanation=fill(cause, values),
                evidence=hit.evidence,
                fix=list(dict.fromkeys([*hit.fix, *(fill(line, values).strip() for line in fix)])),
                findings=hit.explains,
            ))
            superseded.update([*words.supersedes, *hit.supersedes, *hit.explains])
    return [c for c in ctx.causes if c.id not in superseded], superseded


# ------------------------------------------------------------------ security checklist

Verdict = tuple[str, str]           # (pass | fail | unknown, evidence key or text)

#: checklist evidence in English and the guide's Chinese; other evidence is quoted config
EVIDENCE: dict[str, tuple[str, str]] = {
    "no_config": ("no configuration", "没有配置"),
    "no_server_url": ("no server_url in the configuration", "配置中没有 server_url"),
    "no_oidc": ("no oidc section", "没有 oidc 配置"),
    "ports_checked": ("metrics/gRPC listen addresses and published ports",
                      "metrics/gRPC 监听地址与发布的端口"),
    "update_notice": ("the logs contain 'An updated version of Headscale has been found'",
                      "日志中有 'An updated version of Headscale has been found'"),
    "no_update_notice": ("no update notice in the logs; compare the version with the latest release",
                         "日志中没有更新提示；请将版本与最新发布版比较"),
    "not_visible": ("not visible in a diagnostic bundle", "诊断报告中无法看到"),
    "no_secrets": ("secrets are not part of the bundle", "诊断报告不包含密钥"),
}


def use_https(ctx: Context, fired: set[str]) -> Verdict:
    if not ctx.server_url:
        return "unknown", "no_server_url"
    return ("pass" if _host(ctx.server_url)[2] == "https" else "fail"), f"server_url: {ctx.server_url}"


def enable_oidc(ctx: Context, fired: set[str]) -> Verdict:
    if ctx.bundle.config is None:
        return "unknown", "no_config"
    issuer = ctx.get("oidc", "issuer")
    return ("pass", f"oidc.issuer: {issuer}") if issuer else ("fail", "no_oidc")


def restrict_management_ports(ctx: Context, fired: set[str]) -> Verdict:
    if ctx.bundle.config is None:
        return "unknown", "no_config"
    return ("fail" if "config.management_ports_open" in fired else "pass"), "ports_checked"


def update_headscale(ctx: Context, fired: set[str]) -> Verdict:
    notice = "an updated version of headscale has been found" in ctx.bundle.sections.get("logs", "").lower()
    return ("fail", "update_notice") if notice else ("unknown", "no_update_notice")


def not_visible(ctx: Context, fired: set[str]) -> Verdict:
    return "unknown", "not_visible"


def secrets_not_in_bundle(ctx: Context, fired: set[str]) -> Verdict:
    return "unknown", "no_secrets"


CHECKLIST: dict[str, Callable[[Context, set[str]], Verdict]] = {
    "use_https": use_https, "enable_oidc": enable_oidc,
    "restrict_management_ports": restrict_management_ports, "update_headscale": update_headscale,
    "firewall_rules": not_visible, "backup_data": not_visible, "review_access_logs": not_visible,
    "strong_keys": secrets_not_in_bundle,
}


def checklist(catalog: Catalog, ctx: Context, findings: list[Finding], lang: str) -> list[dict]:
    """The guide's 安全检查清单, each item pass / fail / unknown with its evidence."""
    fired = {f.pattern_id for f in findings}
    items = []
    for item in catalog.checklist:
        rule = CHECKLIST.get(item.id)
        status, evidence = rule(ctx, fired) if rule else ("unknown", "")
        english, chinese = EVIDENCE.get(evidence, (evidence, evidence))
        items.append({"id": item.id, "title": item.title_zh if lang == "zh" and item.title_zh else item.title,
                      "status": status, "evidence": chinese if lang == "zh" else english})
    return items


def registry_problems(catalog: Catalog) -> list[str]:
    """Bundle rules and their words must pair up, and every rule must carry samples."""
    problems = []
    bundle_correlations = [c for c in catalog.correlations if c.id.startswith("bundle.")]
    for kind, rules, entries in (("check", CHECKS, catalog.checks),
                                 ("correlation", CORRELATIONS, bundle_correlations),
                                 ("checklist", CHECKLIST, catalog.checklist)):
        ids = {entry.id for entry in entries}
        problems += [f"{kind} {rule_id}: a rule without words in patterns/bundle.toml"
                     for rule_id in rules if rule_id not in ids]
        problems += [f"{entry.source}: {entry.id}: {kind} words without a rule in bundle_rules.py"
                     for entry in entries if entry.id not in rules]
        problems += [f"{entry.source}: {entry.id}: no samples.match / samples.no_match bundle texts"
                     for entry in entries if not entry.samples_no_match
                     or (kind != "checklist" and not entry.samples_match)]
    return problems


def facts(ctx: Context, log_lines: dict, lang: str) -> dict:
    """What each section says, for the report card and the JSON ``facts`` object."""
    bundle = ctx.bundle
    headscale = ctx.headscale_containers()
    nodes = bundle.nodes
    table, listed = bundle.containers_table is not None, bundle.nodes_wording is not None
    system_notes = []
    if bundle.compose_generation == 1:
        system_notes.append(note_text("compose_v1_eol", lang, version=bundle.compose_version or "1.x"))
    return {
        "system": {"kernel": bundle.kernel, "docker": bundle.docker_version,
                   "compose": bundle.compose_version, "compose_generation": bundle.compose_generation,
                   "notes": system_notes},
        "deployment": ctx.deployment.as_facts(),
        "containers": {
            "total": len(bundle.containers) if table else None,
            "headscale_up": sum(c.state == "up" for c in headscale) if table else None,
            "containers": [{"name": c.name, "service": c.service, "state": c.state,
                            "exit_code": c.exit_code, "health": c.health, "ports": c.ports,
                            "headscale": c.is_headscale} for c in bundle.containers],
        },
        "logs": log_lines,
        "config": {
            "valid": bundle.config is not None, "error": bundle.config_error,
            "server_url": ctx.server_url, "listen_addr": ctx.get("listen_addr"),
            "database": ctx.get("database", "type") or ctx.get("db_type"),
            "log_level": ctx.get("log", "level"), "oidc": bool(ctx.get("oidc", "issuer")),
            "tls": bool(ctx.get("tls_cert_path") or ctx.get("tls_letsencrypt_hostname")),
        },
        "nodes": {
            "total": len(nodes) if listed else None,
            "online": sum(n.online is True for n in nodes) if listed else None,
            "offline": sum(n.online is False for n in nodes) if listed else None,
            "expired": [n.name for n in nodes if n.expired],
            "wording": bundle.nodes_wording,
        },
    }
