"""Machine-readable output: the analysis JSON document and NDJSON events."""

from __future__ import annotations

import json

from ..entry import Entry
from ..outbound import release
from ..result import Analysis, iso


def render_json(analysis: Analysis, lang: str = "en") -> str:
    """The JSON document (DESIGN.md contract); ``lang`` already shaped the texts."""
    return json.dumps(analysis.to_dict(), ensure_ascii=False, indent=2) + "\n"


def event(entry: Entry, redact_output: bool = True) -> dict:
    """One classified line as an ``events`` object (DESIGN.md contract)."""
    return {
        "line_no": entry.line_no,
        "source": entry.source,
        "service": entry.service,
        "timestamp": iso(entry.timestamp),
        "level": entry.level,
        "category": entry.category,
        "pattern_id": entry.pattern_id,
        "severity": entry.severity,
        "message": release(entry.message, mask_secrets=redact_output),
        "lines": entry.last_line - entry.line_no + 1,
    }


def render_event(entry: Entry, redact_output: bool = True) -> str:
    return json.dumps(event(entry, redact_output), ensure_ascii=False) + "\n"
