"""A self-contained HTML summary with an inline SVG timeline (no external assets)."""

from __future__ import annotations

from html import escape

from ..nightly.summary import Summary
from .common import when
from .summary import MARK, resolved_title

COLOURS = {"critical": "#b71c1c", "error": "#e53935", "warning": "#fb8c00", "info": "#1e88e5"}
STYLE = """body{font-family:system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse}
td,th{border:1px solid #ccc;padding:4px 8px;text-align:left}th{background:#f3f3f3}
.sev{font-weight:bold}code{background:#f6f6f6;padding:1px 3px}"""


def timeline_svg(summary: Summary, width: int = 720, height: int = 160) -> str:
    """Stacked bars of findings per slice of the window (24 slices), one colour per severity."""
    findings = summary.analysis.findings
    slices = max((len(f.timeline) for f in findings), default=0)
    if not slices:
        return ('<svg xmlns="http://www.w3.org/2000/svg" width="720" height="30">'
                '<text x="0" y="20">no timed findings</text></svg>')
    totals = [sum(f.timeline[i] for f in findings if f.timeline) for i in range(slices)]
    top = max(totals) or 1
    bar = (width - 40) / slices
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height + 40}" '
             f'role="img" aria-label="findings over time">',
             f'<line x1="30" y1="{height}" x2="{width}" y2="{height}" stroke="#888"/>',
             f'<text x="0" y="12" font-size="11">{top}</text>']
    for i in range(slices):
        y = float(height)
        for severity in ("info", "warning", "error", "critical"):
            count = sum(f.timeline[i] for f in findings if f.timeline and f.severity == severity)
            if not count:
                continue
            h = count / top * (height - 10)
            y -= h
            parts.append(f'<rect x="{30 + i * bar:.1f}" y="{y:.1f}" width="{bar - 2:.1f}" '
                         f'height="{h:.1f}" fill="{COLOURS[severity]}">'
                         f'<title>{count} {severity}</title></rect>')
    a = summary.analysis
    parts.append(f'<text x="30" y="{height + 16}" font-size="11">{escape(when(a.window_first))}</text>')
    parts.append(f'<text x="{width}" y="{height + 16}" font-size="11" text-anchor="end">'
                 f'{escape(when(a.window_last))}</text>')
    for n, (severity, colour) in enumerate(COLOURS.items()):
        parts.append(f'<rect x="{30 + n * 100}" y="{height + 26}" width="10" height="10" fill="{colour}"/>'
                     f'<text x="{44 + n * 100}" y="{height + 35}" font-size="11">{severity}</text>')
    parts.append("</svg>")
    return "".join(parts)


def render_summary_html(summary: Summary) -> str:
    a = summary.analysis
    rows = []
    for f in a.findings:
        change = summary.change_of(f.pattern_id)
        rows.append(f"<tr><td>{MARK[change.status] if change else 'NEW'}</td>"
                    f'<td class="sev" style="color:{COLOURS[f.severity]}">{f.severity}</td>'
                    f"<td>{escape(f.title)}<br><small>{f.category}</small></td><td>{f.count}</td>"
                    f"<td>{escape(when(f.first_seen))}</td><td>{escape(when(f.last_seen))}</td></tr>")
    rows += [f"<tr><td>GONE</td><td></td><td>{escape(resolved_title(c))}</td><td>0</td>"
             f"<td colspan=2>was {c.previous}</td></tr>"
             for c in summary.changes if c.status == "resolved"]
    causes = "".join(
        f"<li><b>{escape(c.title)}</b> ({c.severity}): {escape(c.explanation)}<pre>"
        + escape("\n".join(c.fix)) + "</pre></li>" for c in a.causes[:5])
    unknown = "".join(f"<li>x{u.count} <code>{escape(u.example[:300])}</code></li>"
                      for u in summary.new_unknown[:10])
    coverage = f"{summary.coverage:.0%}" if summary.coverage is not None else "n/a"
    problems = "".join(f"<li>{escape(w)}</li>" for w in summary.warnings + a.errors)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>logsleuth summary — {escape(summary.host)}</title>
<style>{STYLE}</style></head><body>
<h1>logsleuth summary — {escape(summary.host)}</h1>
<p>{escape(when(a.window_first))} → {escape(when(a.window_last))} · {a.lines.total} lines ·
coverage {coverage}{" · first run" if summary.first_run else ""}</p>
{f'<h2>Input problems</h2><ul>{problems}</ul>' if problems else ""}
<h2>Findings over time</h2>
{timeline_svg(summary)}
<h2>Findings</h2>
<table><tr><th>change</th><th>severity</th><th>problem</th><th>count</th><th>first</th><th>last</th></tr>
{"".join(rows) or '<tr><td colspan=6>No known problems.</td></tr>'}</table>
<h2>Likely causes</h2><ol>{causes}</ol>
<h2>Unknown warnings/errors seen for the first time</h2><ul>{unknown or '<li>none</li>'}</ul>
</body></html>
"""
