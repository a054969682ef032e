"""The report card: what each section of a bundle says."""

from __future__ import annotations

from .context import Context
from .model import note_text


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
