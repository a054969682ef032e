"""Regenerate tests/data/causes.tsv: which cause every catalog sample line is given.

    python scripts/cause_snapshot.py            # writes tests/data/causes.tsv
    python scripts/cause_snapshot.py --check    # exit 1 when the snapshot is stale

Each line of a pattern's or a hint's samples.match, analysed alone, is diagnosed by a
pattern and its cause is the pattern's own or one hint's. The snapshot records that choice
(``pattern id``, ``base`` or ``hint <field>=<values>``, the sample), so that deleting or
changing a pattern or hint changes it and the test suite says so.
"""

from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path

from logsleuth import Options, Pipeline
from logsleuth.catalog import Catalog, Hint, Pattern, load_catalog
from logsleuth.diagnose import fill
from logsleuth.envelope import strip_controls

ROOT = Path(__file__).resolve().parent.parent
SNAPSHOT = ROOT / "tests" / "data" / "causes.tsv"


def _chosen(pattern: Pattern, cause: str, fields: dict[str, dict[str, int]]) -> str:
    """Which of the pattern's causes a finding carries."""
    top = {name: next(iter(values)) for name, values in fields.items() if values}
    hint = next((h for h in pattern.hints if fill(h.cause, top) == cause), None)
    return "base" if hint is None else f"hint {_hint_name(hint)}"


def _hint_name(hint: Hint) -> str:
    return f"{hint.field}={','.join(hint.values or hint.contains)}"


def snapshot(catalog: Catalog) -> str:
    """The snapshot text for this catalog."""
    pipeline = Pipeline(Options(catalog=catalog))
    rows = []
    for pattern in catalog.patterns:
        samples = [*pattern.samples_match, *(s for h in pattern.hints for s in h.samples_match)]
        for sample in dict.fromkeys(samples):
            line = strip_controls(sample.encode()).decode()
            if pattern.flapping:
                line = (line + "\n") * pattern.flapping.count
            findings = pipeline.analyze(["-"], stdin=io.BytesIO((line + "\n").encode())).findings
            finding = next((f for f in findings if f.pattern_id == pattern.id), None)
            chosen = "-" if finding is None else _chosen(pattern, finding.cause, finding.fields)
            winner = finding.pattern_id if finding else (findings[0].pattern_id if findings else "-")
            rows.append(f"{pattern.id}\t{winner}\t{chosen}\t{sample.splitlines()[0][:160]}")
    return "".join(row.replace("\r", " ") + "\n" for row in rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when the snapshot is stale")
    args = parser.parse_args()
    text = snapshot(load_catalog())
    if args.check:
        return 0 if SNAPSHOT.exists() and SNAPSHOT.read_text(encoding="utf-8") == text else 1
    SNAPSHOT.parent.mkdir(parents=True, exist_ok=True)
    SNAPSHOT.write_text(text, encoding="utf-8")
    print(f"wrote {SNAPSHOT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
