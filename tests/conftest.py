"""Shared test helpers: the catalog, fixture paths, and running the CLI."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from logsleuth import Options, Pipeline
from logsleuth import catalog as catalog_module
from logsleuth.catalog import load_catalog
from logsleuth.cli import cli

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
SHARED_DATA = ROOT.parent / "shared" / "data" / "headscale-messages.jsonl"


def _remember_parsed_pattern_files() -> None:
    """Every in-process CLI run loads the catalog afresh, and parsing its TOML files is most
    of the cost of a small run. Parse each file once per (path, content): the entries are
    frozen, a changed or new file is parsed again, and a file that fails to load is never
    remembered, so every error path still runs for real."""
    load_file = getattr(catalog_module, "_load_file", None)
    if load_file is None:                     # the loader was renamed: run without the cache
        return
    parsed: dict[tuple[str, bytes], dict[str, list]] = {}

    def remembered(path: Path, raw: bytes) -> dict[str, list]:
        key = (str(path), raw)
        if key not in parsed:
            parsed[key] = load_file(path, raw)
        return {kind: list(entries) for kind, entries in parsed[key].items()}

    catalog_module._load_file = remembered


_remember_parsed_pattern_files()


@pytest.fixture(scope="session")
def catalog():
    return load_catalog()


@pytest.fixture(scope="session")
def pipeline(catalog):
    return Pipeline(Options(catalog=catalog))


def analyze_text(pipeline: Pipeline, text: str):
    """Analyse an in-memory log through the real pipeline (stdin path)."""
    return pipeline.analyze(["-"], stdin=io.BytesIO(text.encode("utf-8")))


def run_cli(args: list[str], stdin: bytes | str | None = None, env: dict | None = None):
    runner = CliRunner()
    return runner.invoke(cli, args, input=stdin, env=env, catch_exceptions=False)


def run_json(args: list[str], stdin: bytes | str | None = None):
    result = run_cli([*args, "--format", "json"], stdin)
    return result.exit_code, json.loads(result.stdout)
