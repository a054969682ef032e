"""The guide's security checklist (安全检查清单): each item pass / fail / unknown."""

from __future__ import annotations

from typing import Callable

from ..catalog import Catalog
from ..result import Finding
from .context import Context, url_parts

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
    return ("pass" if url_parts(ctx.server_url)[2] == "https" else "fail"), f"server_url: {ctx.server_url}"


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


