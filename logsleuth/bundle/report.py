"""A diagnostic bundle analysed: its Recent Logs through the pipeline, every section's
checks, causes across sections, the security checklist and the report card."""

from __future__ import annotations

import io
from dataclasses import asdict

from ..catalog import CatalogError
from ..diagnose import build_findings, rank_findings
from ..outbound import release
from ..pipeline import Pipeline
from ..progress import Progress
from ..redact import redact
from ..result import Analysis
from ..sources import Source
from .checklist import checklist
from .checks import run_checks
from .context import Context
from .correlations import run_correlations
from .deployment import fit_fix
from .detect import BUNDLE_HEAD, looks_like_bundle
from .facts import facts
from .model import note_text
from .registry import registry_problems
from .sections import parse_bundle

BUNDLE_MAX_BYTES = 64 << 20  # a diagnostic bundle is kilobytes; more is read no further


def report(pipeline: Pipeline, path: str) -> Analysis:
    """Analyse a diagnostic-report.txt: every section, then causes across sections.
    A file without the bundle's sections is analysed as a log, with a note saying so."""
    try:
        with open(path, "rb") as handle:
            raw = handle.read(BUNDLE_MAX_BYTES + 1)
    except OSError as exc:
        progress = Progress(errors=[f"{path}: {exc.strerror or exc}"])
        return pipeline.assemble([path], progress, [], [], [], False)
    if not looks_like_bundle(raw[:BUNDLE_HEAD]):       # the bytes read, never re-read
        analysis = pipeline.analyze_sources([Source(path, None)],
                                            io.BytesIO(raw[:BUNDLE_MAX_BYTES]))[0]
        analysis.notes[:0] = [note_text("not_a_bundle", pipeline.options.lang, path=path),
                              *_cap_note(raw)]
        return analysis
    return report_bytes(pipeline, raw, path)


def report_bytes(pipeline: Pipeline, raw: bytes, path: str) -> Analysis:
    """Analyse the bytes of a diagnostic bundle (read from ``path`` or stdin)."""
    if problems := registry_problems(pipeline.catalog):
        raise CatalogError(problems[0])
    catalog, lang = pipeline.catalog, pipeline.options.lang
    bundle = parse_bundle(raw)
    logs = bundle.sections.get("logs", "").encode("utf-8")
    part = pipeline.aggregate([Source(f"{path} (Recent Logs)", None)], io.BytesIO(logs))
    stats = pipeline.statistics(part.progress, part.aggregator)
    log_findings = build_findings(catalog, stats, lang, part.progress.first, part.progress.last)
    context = Context(bundle, log_findings)
    for finding in log_findings:
        finding.fix = fit_fix(finding.fix, context.deployment, lang)
    findings = rank_findings([*log_findings, *run_checks(catalog, context, lang)])
    causes, superseded = run_correlations(catalog, context, findings, lang)
    analysis = pipeline.assemble([path], part.progress, stats, findings, causes,
                                 part.interrupted)
    analysis.causes = [c for c in analysis.causes if c.id not in superseded]
    analysis.facts = facts(context, asdict(part.progress.lines), lang)
    analysis.checks = checklist(catalog, context, findings, lang)
    analysis.notes = bundle.note_texts(lang) + _secret_note(raw, lang) + _cap_note(raw)
    return release(analysis, mask_secrets=pipeline.options.redact)


def _secret_note(raw: bytes, lang: str) -> list[str]:
    text = raw.decode("utf-8", "replace")
    return [] if redact(text) == text else [note_text("secrets", lang)]


def _cap_note(raw: bytes) -> list[str]:
    """A note when a bundle was longer than what ``report`` reads."""
    if len(raw) <= BUNDLE_MAX_BYTES:
        return []
    return [f"only the first {BUNDLE_MAX_BYTES >> 20 or 1} MiB of the bundle were read"]
