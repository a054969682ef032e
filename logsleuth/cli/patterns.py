"""``patterns list|show|test|lint|export``: the catalog inspected, tried and exported."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import click

from ..environment import Environment
from ..status import ExitStatus
from .app import cli, handles_problems
from .params import PATTERNS, UsageProblem, format_option

if TYPE_CHECKING:
    from ..catalog import Catalog, Pattern


@cli.group()
def patterns() -> None:
    """Inspect, test and lint the pattern catalog."""


def _pattern(catalog: Catalog, pattern_id: str) -> Pattern:
    if pattern_id not in catalog:
        raise UsageProblem(f"no pattern '{pattern_id}' (see: logsleuth patterns list)")
    return catalog.get(pattern_id)


@patterns.command("export")
@click.option("--to", "target", required=True,
              type=click.Choice(["prometheus-rules", "loki-rules", "grep", "regexes"]),
              help="prometheus-rules: alerts over `summary --prometheus` metrics; loki-rules: "
                   "Loki ruler alerts running the catalog's regexes in LogQL; grep: one POSIX "
                   "ERE per line for `grep -E -f`; regexes: the regexes as written, for `rg -f`.")
@click.option("--selector", default='{container=~".*headscale.*"}', show_default=True,
              help="LogQL stream selector for --to loki-rules.")
@PATTERNS
@handles_problems
def patterns_export(env: Environment, target: str, selector: str,
                    pattern_dirs: tuple[Path, ...]) -> ExitStatus:
    """Export the catalog: Prometheus/Loki alerting rules (YAML) or grep/rg pattern lists."""
    from ..catalog import load_catalog
    from ..catalog.export import grep_patterns, loki_rules, prometheus_rules, regexes

    catalog = load_catalog(pattern_dirs)
    writers = {"prometheus-rules": prometheus_rules, "grep": grep_patterns, "regexes": regexes,
               "loki-rules": lambda c: loki_rules(c, selector)}
    env.stdout.write(writers[target](catalog))
    return ExitStatus.OK


@patterns.command("list")
@PATTERNS
@format_option(["text", "json"], "text", "Output format.")
@handles_problems
def patterns_list(env: Environment, pattern_dirs: tuple[Path, ...], fmt: str) -> ExitStatus:
    """List every pattern: id, category, severity, title."""
    from ..catalog import load_catalog

    catalog = load_catalog(pattern_dirs)
    if fmt == "json":
        env.stdout.write(json.dumps([
            {"id": p.id, "category": p.category, "severity": p.severity, "title": p.title,
             "guide": p.guide, "source": p.source} for p in catalog.patterns],
            ensure_ascii=False, indent=2) + "\n")
    else:
        for p in catalog.patterns:
            env.stdout.write(f"{p.id:<36} {p.category:<18} {p.severity:<9} {p.title}\n")
    return ExitStatus.OK


@patterns.command("show")
@click.argument("pattern_id")
@PATTERNS
@handles_problems
def patterns_show(env: Environment, pattern_id: str, pattern_dirs: tuple[Path, ...]) -> ExitStatus:
    """Show one pattern in full: regex, cause, fix, samples."""
    from ..catalog import load_catalog

    p = _pattern(load_catalog(pattern_dirs), pattern_id)
    lines = [f"id:        {p.id}", f"category:  {p.category}", f"severity:  {p.severity}",
             f"priority:  {p.priority}", f"title:     {p.title}", f"guide:     {p.guide}",
             f"regex:     {p.regex}", f"fields:    {', '.join(p.field_names) or '-'}",
             f"cause:     {p.cause}", "fix:", *(f"  {f}" for f in p.fix),
             "samples that match:", *(f"  {s}" for s in p.samples),
             "near misses that must not match:", *(f"  {s}" for s in p.samples_no_match),
             f"source:    {p.source}"]
    env.stdout.write("\n".join(lines) + "\n")
    return ExitStatus.OK


@patterns.command("test")
@click.argument("pattern_id")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--invert", is_flag=True, help="Print the lines the pattern does not match.")
@PATTERNS
@handles_problems
def patterns_test(env: Environment, pattern_id: str, file: Path, invert: bool,
                  pattern_dirs: tuple[Path, ...]) -> ExitStatus:
    """Run one pattern over FILE: matching lines and the fields it lifts."""
    from ..catalog import load_catalog
    from ..outbound import outbound_text
    from ..probe import probe

    pattern = _pattern(load_catalog(pattern_dirs), pattern_id)
    matched = total = 0
    with open(file, "rb") as handle:
        for line in probe(pattern, handle):
            total, matched = line.line_no, matched + line.matched
            if line.matched != invert:
                suffix = f"  {line.fields}" if line.fields else ""
                env.stdout.write(f"{line.line_no}: {outbound_text(line.text + suffix)}\n")
    env.stderr.write(f"{matched} of {total} line(s) matched {pattern_id}"
                     f"{f'; {total - matched} shown' if invert else ''}\n")
    return ExitStatus.OK if matched else ExitStatus.FINDINGS


@patterns.command("lint")
@PATTERNS
@handles_problems
def patterns_lint(env: Environment, pattern_dirs: tuple[Path, ...]) -> ExitStatus:
    """Check every pattern: portable regex subset, samples present and passing."""
    from ..catalog import load_catalog
    from ..catalog.lint import lint_catalog

    catalog = load_catalog(pattern_dirs, strict=False)
    problems = lint_catalog(catalog)
    for problem in problems:
        env.stdout.write(f"{problem}\n")
    count = len(catalog.patterns) + len(catalog.ignores)
    env.stderr.write(f"{count} entries, {len(problems)} problem(s)\n")
    return ExitStatus.FINDINGS if problems else ExitStatus.OK
