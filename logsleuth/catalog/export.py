"""Export the catalog for other engines: Prometheus alerting rules over logsleuth's metrics,
and Loki ruler rules that run the catalog's own regexes (RE2) in LogQL."""

from __future__ import annotations

import json
import re

import yaml

from .entries import CATEGORIES, Catalog
from .ere import to_ere
from .portable import scan_form

DEFAULT_SELECTOR = '{container=~".*headscale.*"}'
_SEVERITY_FOR = {"critical": "critical", "error": "critical", "warning": "warning", "info": "info"}


def _alert_name(text: str) -> str:
    return "".join(part.capitalize() for part in re.split(r"[^A-Za-z0-9]+", text) if part)


def prometheus_rules(catalog: Catalog) -> str:
    """Alerting rules over the metrics ``logsleuth summary --prometheus`` writes."""
    rules = [
        {"alert": "HeadscaleCriticalProblem",
         "expr": 'sum(logsleuth_severity_findings{severity="critical"}) > 0',
         "labels": {"severity": "critical"},
         "annotations": {"summary": "logsleuth found a critical Headscale problem",
                         "description": "Run `logsleuth summary` or look at the nightly mail."}},
        {"alert": "LogsleuthNotRunning",
         "expr": "time() - logsleuth_last_success_timestamp_seconds > 2 * 86400",
         "labels": {"severity": "warning"},
         "annotations": {"summary": "The nightly logsleuth summary has not run for two days"}},
    ]
    for category, section in CATEGORIES.items():
        rules.append({
            "alert": f"Headscale{_alert_name(category)}",
            "expr": f'logsleuth_category_findings{{category="{category}"}} > 0',
            "labels": {"severity": "warning", "category": category},
            "annotations": {"summary": f"Headscale log problems of category {category}",
                            "description": f"Guide section: {section}. "
                                           "`logsleuth patterns list` names the patterns."},
        })
    return yaml.safe_dump({"groups": [{"name": "logsleuth", "rules": rules}]},
                          allow_unicode=True, sort_keys=False)


def logql_string(regex: str) -> str:
    """A LogQL string literal for a regex: raw backticks when possible, else quoted."""
    if "`" not in regex:
        return f"`{regex}`"
    return json.dumps(regex)


def loki_rules(catalog: Catalog, selector: str = DEFAULT_SELECTOR, window: str = "5m") -> str:
    """Loki ruler alerting rules: one per pattern above info severity, using its regex."""
    rules = []
    for pattern in catalog.patterns:
        if pattern.severity == "info":
            continue
        rules.append({
            "alert": f"Headscale{_alert_name(pattern.id)}",
            "expr": f"sum(count_over_time({selector} |~ {logql_string(pattern.regex)} [{window}])) > 0",
            "labels": {"severity": _SEVERITY_FOR[pattern.severity], "category": pattern.category,
                       "pattern_id": pattern.id},
            "annotations": {"summary": pattern.title, "description": pattern.cause,
                            "runbook": " ; ".join(pattern.fix)},
        })
    return yaml.safe_dump({"groups": [{"name": "logsleuth-headscale", "rules": rules}]},
                          allow_unicode=True, sort_keys=False, width=10_000)


def regexes(catalog: Catalog) -> str:
    """One catalog regex per line with named groups made plain, so that ``rg -f`` and RE2
    tools can join them into one alternation (duplicate group names are an error there)."""
    return "".join(scan_form(p.regex).decode("utf-8") + "\n" for p in catalog.patterns)


def grep_patterns(catalog: Catalog) -> str:
    """One POSIX ERE per line for ``LC_ALL=C grep -E -f``."""
    return "".join(f"{to_ere(p.regex)}\n" for p in catalog.patterns)
