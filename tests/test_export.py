"""Exports for other engines agree with the catalog."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from logsleuth.catalog.portable import to_ere

from .conftest import FIXTURES, run_cli


@pytest.mark.skipif(not shutil.which("grep"), reason="GNU grep not installed")
def test_grep_export_agrees_with_the_catalog_on_every_sample(catalog):
    disagreements = []
    for pattern in catalog.patterns:
        ere = to_ere(pattern.regex)
        for text in (*pattern.samples_match, *pattern.samples_no_match):
            found = subprocess.run(["grep", "-E", "-q", "-e", ere], input=text, text=True,
                                   capture_output=True, env={"LC_ALL": "C"}).returncode == 0
            if found != bool(pattern.compiled.search(text)):
                disagreements.append((pattern.id, text[:60]))
    assert disagreements == []


def test_ere_translation_details():
    assert to_ere(r"(?i)db (?P<x>[a-z]+)") == "[dD][bB] ([a-zA-Z]+)"
    assert to_ere(r'error="(?P<e>[^"\n]*)"') == 'error="([^"]*)"'
    assert to_ere(r"x(?i:ab)y") == "x([aA][bB])y"
    assert to_ere(r"a[^\n]*?b\d") == "a.*b[0-9]"


@pytest.mark.skipif(not shutil.which("rg"), reason="ripgrep not installed")
def test_regexes_export_runs_in_ripgrep_and_counts_the_same_lines(tmp_path, catalog):
    exported = tmp_path / "regexes.txt"
    exported.write_text(run_cli(["patterns", "export", "--to", "regexes"]).stdout)
    log = tmp_path / "all.log"
    log.write_bytes(b"".join(p.read_bytes() for p in sorted(FIXTURES.glob("*.log"))))
    counted = subprocess.run(["rg", "-c", "-f", str(exported), str(log)], capture_output=True, text=True)
    lines = log.read_text(errors="replace").splitlines()
    ours = sum(1 for line in lines if any(p.compiled.search(line) for p in catalog.patterns))
    assert int(counted.stdout) == ours
