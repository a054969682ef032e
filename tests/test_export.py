"""Exports for other engines agree with the catalog."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from logsleuth.catalog.ere import to_ere

from .conftest import FIXTURES, run_cli


@pytest.mark.skipif(not shutil.which("grep"), reason="GNU grep not installed")
def test_grep_export_agrees_with_the_catalog_on_every_sample(catalog):
    """One grep per pattern over its samples, one sample a line (no sample spans lines)."""
    disagreements = []
    for pattern in catalog.patterns:
        samples = [*pattern.samples_match, *pattern.samples_no_match]
        assert not [text for text in samples if "\n" in text.rstrip("\n")], pattern.id
        done = subprocess.run(["grep", "-E", "-n", "-e", to_ere(pattern.regex)],
                              input="".join(f"{text.rstrip(chr(10))}\n" for text in samples),
                              text=True, capture_output=True, env={"LC_ALL": "C"})
        assert done.returncode in (0, 1), done.stderr
        grep_lines = {int(line.split(":", 1)[0]) for line in done.stdout.splitlines()}
        for number, text in enumerate(samples, 1):
            if (number in grep_lines) != bool(pattern.compiled.search(text)):
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
