"""Checks: section facts that are problems on their own, as findings."""

from __future__ import annotations

import ipaddress
from datetime import timedelta
from typing import Callable

from ..catalog import Catalog
from ..diagnose import fill
from ..result import Finding
from .context import Context, Hit, exit_text, ip_of, listen_port, url_parts
from .deployment import Deployment, Version

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



def yaml_invalid(ctx: Context) -> list[Hit]:
    error = ctx.bundle.config_error
    return [Hit({"error": error}, [f"[configuration] {error}"])] if error else []


def server_url_unreachable(ctx: Context) -> list[Hit]:
    host, _, _ = url_parts(ctx.server_url)
    address = ip_of(host)
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
    address = ip_of(url_parts(ctx.server_url)[0])
    if address is None or not any(address in network for network in PRIVATE_NETWORKS
                                  if network.version == address.version):
        return []
    return [Hit({"server_url": ctx.server_url}, [ctx.config_line("server_url")])]


def server_url_http(ctx: Context) -> list[Hit]:
    if url_parts(ctx.server_url)[2] != "http":
        return []
    return [Hit({"server_url": ctx.server_url}, [ctx.config_line("server_url")])]


def listen_port_mismatch(ctx: Context) -> list[Hit]:
    """server_url's port is neither listen_addr's nor the host port a container publishes
    it on (``8443->8080`` makes 8443 right)."""
    _, url_port, _ = url_parts(ctx.server_url)
    listen = ctx.get("listen_addr")
    port = listen_port(listen)
    if url_port is None or port is None or url_port == port:
        return []
    published = {int(host_port) for c in ctx.headscale_containers()
                 for _, host_port in c.published(str(port))}
    if url_port in published:
        return []
    return [Hit({"url_port": url_port, "listen_addr": listen},
                [ctx.config_line("server_url"), ctx.config_line("listen_addr")])]


def tls_without_domain(ctx: Context) -> list[Hit]:
    host, _, _ = url_parts(ctx.server_url)
    keys = [k for k in ("tls_cert_path", "tls_letsencrypt_hostname") if ctx.get(k)]
    if not keys or ip_of(host) is None:
        return []
    return [Hit({"server_url": ctx.server_url},
                [ctx.config_line("server_url"), *(ctx.config_line(k) for k in keys)])]


def acme_port(ctx: Context) -> list[Hit]:
    """TLS-ALPN-01 needs port 443 to reach headscale: listen_addr, or a published 443."""
    challenge = str(ctx.get("tls_letsencrypt_challenge_type") or "TLS-ALPN-01").upper()
    listen = ctx.get("listen_addr")
    if not ctx.get("tls_letsencrypt_hostname") or challenge != "TLS-ALPN-01" or listen_port(listen) == 443:
        return []
    published = {port for c in ctx.headscale_containers()
                 for _, port in c.published(str(listen_port(listen)))}
    if "443" in published:
        return []
    return [Hit({"listen_addr": listen}, [ctx.config_line("tls_letsencrypt_hostname"),
                                          ctx.config_line("listen_addr")])]


def oidc_inconsistent(ctx: Context) -> list[Hit]:
    issuer = ctx.get("oidc", "issuer")
    if not issuer or not ctx.server_url:
        return []
    callback = ctx.server_url.rstrip("/") + "/oidc/callback"
    issuer_host, _, issuer_scheme = url_parts(str(issuer))
    problems = []
    if url_parts(ctx.server_url)[2] == "http":
        problems.append(f"server_url is plain HTTP ({ctx.server_url}); providers reject http callbacks")
    if issuer_host in ("localhost", "127.0.0.1") or issuer_scheme == "http":
        problems.append(f"oidc.issuer is {issuer}, which clients' browsers and headscale's "
                        "container cannot both use")
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
        port = str(listen_port(value) or default_port)
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
    address = ip_of(host.strip("[]"))
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



def headscale_down(ctx: Context) -> list[Hit]:
    hits = []
    for container in ctx.headscale_containers():
        if container.state in ("exited", "restarting", "created"):
            code = exit_text(container)
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


