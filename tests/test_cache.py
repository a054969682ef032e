"""The start-up cache only saves time: a damaged or stale cache never changes a result."""

from __future__ import annotations

from logsleuth.catalog import load_catalog
from logsleuth.scan import build_rules


def _snapshot(catalog) -> list:
    return [(p.id, p.regex, p.samples_match, p.fix) for p in catalog.patterns]


def test_a_damaged_cache_is_read_past(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    fresh = load_catalog()
    rules = build_rules(fresh)
    written = sorted((tmp_path / "logsleuth").glob("*.json"))
    assert any(p.name.startswith("toml-") for p in written)
    assert any(p.name.startswith("scan-forms-") for p in written)
    for path in written:
        path.write_bytes(b"{not json")
    again = load_catalog()
    assert _snapshot(again) == _snapshot(fresh)
    assert build_rules(again) == rules


def test_a_changed_pattern_file_is_parsed_again(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    extra = tmp_path / "extra"
    extra.mkdir()
    table = ('[[pattern]]\nid = "site.{id}"\ncategory = "tls"\nseverity = "error"\n'
             'title = "t"\nregex = "{regex}"\ncause = "c"\nfix = ["f"]\nguide = "g"\n'
             'samples.match = ["{sample}"]\nsamples.no_match = ["nothing here"]\n')
    (extra / "site.toml").write_text(table.format(id="one", regex="alpha bad", sample="alpha bad"))
    assert load_catalog((extra,)).get("site.one").regex == "alpha bad"
    (extra / "site.toml").write_text(table.format(id="two", regex="beta bad", sample="beta bad"))
    catalog = load_catalog((extra,))
    assert "site.one" not in catalog and catalog.get("site.two").regex == "beta bad"
