"""node_exporter textfile metrics for the nightly summary (Prometheus exposition format)."""

from __future__ import annotations

from collections import Counter

from ..catalog import CATEGORIES
from ..severity import SEVERITIES
from ..nightly.summary import Summary


def _label(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def sample_value(value: int | float) -> str:
    """A sample value written exactly: integers as integers, other numbers with every
    digit they carry (``1796220000.123456``, never ``1.79622e+09``)."""
    if isinstance(value, int) or value.is_integer():
        return str(int(value))
    return repr(value)


def render_prometheus(summary: Summary) -> str:
    a = summary.analysis
    lines: list[str] = []

    def metric(name: str, help_text: str, samples: list[tuple[dict[str, str], int | float]]) -> None:
        lines.extend([f"# HELP {name} {help_text}", f"# TYPE {name} gauge"])
        for labels, value in samples:
            text = ",".join(f'{k}="{_label(v)}"' for k, v in labels.items())
            series = f"{name}{{{text}}}" if text else name
            lines.append(f"{series} {sample_value(value)}")

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
