"""node_exporter textfile metrics for the nightly summary (Prometheus exposition format)."""

from __future__ import annotations

from collections import Counter

from ..catalog import CATEGORIES, SEVERITIES
from ..nightly import Summary


def _label(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _number(value: float) -> str:
    """Full precision: ``:g`` would print a Unix time as 1.76494e+09 (to ~10,000 s)."""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def render_prometheus(summary: Summary) -> str:
    a = summary.analysis
    lines: list[str] = []

    def metric(name: str, help_text: str, samples: list[tuple[dict[str, str], float]]) -> None:
        lines.extend([f"# HELP {name} {help_text}", f"# TYPE {name} gauge"])
        for labels, value in samples:
            text = ",".join(f'{k}="{_label(v)}"' for k, v in labels.items())
            lines.append(f"{name}{{{text}}} {_number(value)}" if text else f"{name} {_number(value)}")

    metric("logsleuth_findings", "Entries per pattern in the last run.",
           [({"pattern_id": f.pattern_id, "category": f.category, "severity": f.severity}, f.count)
            for f in a.findings])
    by_category = Counter({c: 0 for c in CATEGORIES})
    by_severity = Counter({s: 0 for s in SEVERITIES})
    for f in a.findings:
        by_category[f.category] += f.count
        by_severity[f.severity] += f.count
    metric("logsleuth_category_findings", "Entries per category in the last run.",
           [({"category": c}, n) for c, n in sorted(by_category.items())])
    metric("logsleuth_severity_findings", "Entries per severity in the last run.",
           [({"severity": s}, n) for s, n in by_severity.items()])
    metric("logsleuth_lines_read", "Lines read in the last run.", [({}, a.lines.total)])
    metric("logsleuth_unknown_templates", "Unknown warning/error templates in the last run.",
           [({}, len(a.unknown))])
    metric("logsleuth_new_unknown_templates", "Unknown templates seen for the first time.",
           [({}, len(summary.new_unknown))])
    metric("logsleuth_last_success_timestamp_seconds", "End of the last successful run.",
           [({}, summary.last_success.timestamp())] if summary.last_success else [])
    return "\n".join(lines) + "\n"
