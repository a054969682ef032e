"""Bundle rules in Python and their words in patterns/bundle.toml must pair up."""

from __future__ import annotations

from ..catalog import Catalog
from .checklist import CHECKLIST
from .checks import CHECKS
from .correlations import CORRELATIONS


def registry_problems(catalog: Catalog) -> list[str]:
    """Bundle rules and their words must pair up, and every rule must carry samples."""
    problems = []
    bundle_correlations = [c for c in catalog.correlations if c.id.startswith("bundle.")]
    for kind, rules, entries in (("check", CHECKS, catalog.checks),
                                 ("correlation", CORRELATIONS, bundle_correlations),
                                 ("checklist", CHECKLIST, catalog.checklist)):
        ids = {entry.id for entry in entries}
        problems += [f"{kind} {rule_id}: a rule without words in patterns/bundle.toml"
                     for rule_id in rules if rule_id not in ids]
        problems += [f"{entry.source}: {entry.id}: {kind} words without a rule in logsleuth/bundle/"
                     for entry in entries if entry.id not in rules]
        problems += [f"{entry.source}: {entry.id}: no samples.match / samples.no_match bundle texts"
                     for entry in entries if not entry.samples_no_match
                     or (kind != "checklist" and not entry.samples_match)]
    return problems


