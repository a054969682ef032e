"""Correlations: causes that only show across sections (logs + containers + config)."""

from __future__ import annotations

from typing import Callable

from ..catalog import Catalog
from ..diagnose import fill
from ..result import Cause, Finding
from .context import Context, Hit, exit_text, ip_of, url_parts
from .deployment import stopped_outside_compose

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
            code = exit_text(container)
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
    host, _, scheme = url_parts(ctx.server_url)
    reasons, evidence = [], []
    if (ctx.get("tls_cert_path") or ctx.get("tls_letsencrypt_hostname")) and scheme == "http":
        reasons.append(f"serves TLS while server_url is {ctx.server_url}")
        evidence += [ctx.config_line("server_url"), ctx.config_line("tls_cert_path")
                     if ctx.get("tls_cert_path") else ctx.config_line("tls_letsencrypt_hostname")]
    if (ctx.get("tls_cert_path") or ctx.get("tls_letsencrypt_hostname")) and ip_of(host):
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

