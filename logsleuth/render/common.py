"""Helpers shared by the renderers: words per language, times, sparklines."""

from __future__ import annotations

from datetime import datetime

from ..result import Analysis, iso

SPARKS = " ▁▂▃▄▅▆▇█"

WORDS: dict[str, dict[str, str]] = {
    "en": {
        "clean": "No known problems found in {lines} lines{window}.",
        "header": "{lines} lines from {sources}",
        "window": "window",
        "services": "services",
        "findings": "Findings",
        "causes": "Likely causes (most likely first)",
        "why": "Why",
        "evidence": "Evidence",
        "fix": "Fix",
        "unknown": "Warnings and errors logsleuth does not know yet",
        "matched": "{matched} matched, {unknown} unknown",
        "first": "first",
        "last": "last",
        "count": "count",
        "severity": "severity",
        "category": "category",
        "problem": "problem",
        "timeline": "timeline",
        "guide": "guide",
        "errors": "Input problems",
        "interrupted": "Interrupted: results cover the input read so far.",
        "more": "... {n} more",
        "bundle": "Diagnostic bundle",
        "system": "System", "containers": "Containers", "logs": "Recent logs",
        "config": "Configuration", "nodes": "Nodes",
        "checklist": "Security checklist (安全检查清单)",
        "notes": "Notes",
        "deployment": "deployment {kind}, headscale {version}",
        "nodes_unknown": "node list not readable: counts unknown",
        "version_unknown": "unknown",
        "containers_up": "headscale containers up: {n}",
        "log_counts": "{total} lines, {matched} matched, {unknown} unknown",
        "invalid_yaml": "invalid YAML: {error}",
        "config_line": "server_url {server_url}, listen_addr {listen_addr}, database {database}, "
                       "log level {log_level}, OIDC {oidc}, TLS {tls}",
        "on": "on", "off": "off",
        "no_config": "(no configuration section)",
        "node_counts": "{total} nodes: {online} online, {offline} offline",
        "expired": ", expired: {names}",
    },
    "zh": {
        "clean": "在 {lines} 行日志中未发现已知问题{window}。",
        "header": "{lines} 行，来自 {sources}",
        "window": "时间范围",
        "services": "服务",
        "findings": "发现的问题",
        "causes": "可能原因（按可能性排序）",
        "why": "原因",
        "evidence": "证据",
        "fix": "解决方案",
        "unknown": "未识别的警告和错误",
        "matched": "已识别 {matched} 行，未识别 {unknown} 条",
        "first": "首次",
        "last": "最近",
        "count": "次数",
        "severity": "级别",
        "category": "类别",
        "problem": "问题",
        "timeline": "时间线",
        "guide": "指南",
        "errors": "输入问题",
        "interrupted": "已中断：结果仅包含已读取的部分。",
        "more": "... 另有 {n} 条",
        "bundle": "诊断报告",
        "system": "系统信息", "containers": "容器状态", "logs": "最近日志",
        "config": "配置", "nodes": "节点",
        "checklist": "安全检查清单",
        "notes": "说明",
        "deployment": "部署方式 {kind}，headscale 版本 {version}",
        "nodes_unknown": "无法读取节点列表：数量未知",
        "version_unknown": "未知",
        "containers_up": "运行中的 headscale 容器：{n}",
        "log_counts": "{total} 行，已识别 {matched} 行，未识别 {unknown} 条",
        "invalid_yaml": "YAML 无效：{error}",
        "config_line": "server_url {server_url}，listen_addr {listen_addr}，数据库 {database}，"
                       "日志级别 {log_level}，OIDC {oidc}，TLS {tls}",
        "on": "开启", "off": "关闭",
        "no_config": "（没有配置部分）",
        "node_counts": "{total} 个节点：{online} 个在线，{offline} 个离线",
        "expired": "，已过期：{names}",
    },
}


def words(lang: str) -> dict[str, str]:
    return WORDS.get(lang, WORDS["en"])


def when(moment: datetime | None) -> str:
    """Compact UTC time for tables: ``2024-05-01 10:00:01Z``."""
    text = iso(moment.replace(microsecond=0)) if moment else None
    return text.replace("T", " ") if text else "-"


def short_when(moment: datetime | None) -> str:
    """``05-01 10:00:01`` (UTC) for narrow terminal tables."""
    return moment.strftime("%m-%d %H:%M:%S") if moment else "-"


def halve(counts: list[int]) -> list[int]:
    """Merge neighbouring bins: a 24-bin timeline becomes 12 characters wide."""
    return [sum(counts[i:i + 2]) for i in range(0, len(counts), 2)]


def sparkline(counts: list[int]) -> str:
    if not counts or not any(counts):
        return ""
    top = max(counts)
    return "".join(SPARKS[0] if c == 0 else SPARKS[max(1, round(c / top * 8))] for c in counts)


def window_text(analysis: Analysis) -> str:
    if analysis.window_first is None:
        return ""
    return f"{when(analysis.window_first)} → {when(analysis.window_last)}"


def fix_lines(fix: list[str]) -> list[str]:
    """Shell commands get a ``$ ``; comment lines stay as they are."""
    return [line if line.startswith("#") else f"$ {line}" for line in fix]


STATUS_MARK = {"pass": "PASS", "fail": "FAIL", "unknown": " ?? "}


def facts_sections(analysis: Analysis, lang: str) -> list[tuple[str, list[str]]]:
    """Section title and one-line facts for a diagnostic bundle's report card."""
    if analysis.facts is None:
        return []
    w, f = words(lang), analysis.facts
    system, containers, config, nodes = f["system"], f["containers"], f["config"], f["nodes"]
    sections = [
        (w["system"], [f"kernel {system['kernel'] or '?'}, docker {system['docker'] or '?'}, "
                       f"compose {system['compose'] or '?'}", *_deployment(f, w), *system["notes"]]),
        (w["containers"], [f"{c['name']}: {c['state']}"
                           + (f" (exit {c['exit_code']})" if c["exit_code"] is not None else "")
                           + (f" [{c['health']}]" if c["health"] else "")
                           for c in containers["containers"]]
         + [w["containers_up"].format(n=_known(containers["headscale_up"], w))]),
        (w["logs"], [w["log_counts"].format(**f["logs"])]),
        (w["config"], _config_line(config, w)),
        (w["nodes"], [w["node_counts"].format(**nodes)
                      + (w["expired"].format(names=", ".join(nodes["expired"])) if nodes["expired"] else "")]
         if nodes["total"] is not None else [w["nodes_unknown"]]),
    ]
    return sections


def _config_line(config: dict, w: dict[str, str]) -> list[str]:
    if not config["valid"]:
        return [w["invalid_yaml"].format(error=config["error"])] if config["error"] else [w["no_config"]]
    return [w["config_line"].format(
        server_url=config["server_url"], listen_addr=config["listen_addr"],
        database=config["database"] or "sqlite", log_level=config["log_level"] or "info",
        oidc=w["on"] if config["oidc"] else w["off"], tls=w["on"] if config["tls"] else w["off"])]


def _deployment(facts: dict, w: dict[str, str]) -> list[str]:
    """The deployment kind and Headscale version line, when the bundle shows them."""
    found = facts.get("deployment")
    if not found:
        return []
    version = found["headscale_version"] or found["headscale_version_family"] or w["version_unknown"]
    return [w["deployment"].format(kind=_known(None if found["kind"] == "unknown" else found["kind"], w),
                                   version=version)]


def _known(value: object, w: dict[str, str]) -> object:
    """A fact as shown: an unknown one says so in the report's language."""
    return w["version_unknown"] if value is None else value
