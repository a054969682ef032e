"""Catalog words must fit their rules: hints on captured fields, placeholders that get filled."""

from __future__ import annotations

from dataclasses import replace

from logsleuth.catalog import Hint
from logsleuth.catalog.lint import lint_catalog, lint_words


def test_the_shipped_catalog_has_no_orphan_hint_or_placeholder(catalog):
    assert not [p for p in lint_catalog(catalog) if "hint" in p.reason or "placeholder" in p.reason]


def test_a_hint_on_an_uncaptured_field_and_an_unfilled_placeholder_are_named(catalog):
    pattern = catalog.get("deploy.port_in_use")
    hint = Hint("colour", (), ("blue",), "c", "", (), ())
    broken = replace(pattern, hints=(*pattern.hints, hint), cause=pattern.cause + " {owner}")
    reasons = lint_words(broken)
    assert "hint on field 'colour', which the regex does not capture" in reasons
    assert "placeholder {owner} that no captured field fills" in reasons
    assert lint_words(pattern) == []
