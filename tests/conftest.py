"""Shared test helpers: the catalog, fixture paths, and running the CLI."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from logsleuth import Options, Pipeline
from logsleuth.catalog import load_catalog
from logsleuth.cli import cli

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
SHARED_DATA = ROOT.parent / "shared" / "data" / "headscale-messages.jsonl"


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
