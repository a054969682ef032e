"""Defaults from the config file and LOGSLEUTH_* variables; `config show` names the source."""

from __future__ import annotations

import json

import pytest

from logsleuth.catalog import load_catalog

from .conftest import FIXTURES, run_cli

LOCKED = FIXTURES / "compose-v2-sqlite-locked.log"


@pytest.fixture
def home(tmp_path):
    """An empty XDG config home and a clean environment for the CLI."""
    (tmp_path / "logsleuth").mkdir()
    return tmp_path


def _env(home, **extra) -> dict:
    return {"XDG_CONFIG_HOME": str(home), "LOGSLEUTH_CONFIG": None, "LOGSLEUTH_FORMAT": None,
            "LOGSLEUTH_LANG": None, "LOGSLEUTH_FAIL_ON": None, "LOGSLEUTH_REDACT": None,
            "LOGSLEUTH_PATTERNS": None, **extra}


def test_config_file_settings_take_effect(home):
    (home / "logsleuth" / "config.toml").write_text(
        'format = "json"\nlang = "zh"\nfail_on = "critical"\n')
    result = run_cli(["analyze", str(LOCKED)], env=_env(home))
    data = json.loads(result.stdout)                         # format from the file
    assert result.exit_code == 0                             # fail_on critical: errors pass
    locked = next(p for p in load_catalog().patterns if p.id == "db.sqlite_locked")
    assert data["findings"][0]["title"] == locked.title_zh != locked.title   # lang from the file


def test_environment_beats_the_file_and_the_command_line_beats_both(home):
    (home / "logsleuth" / "config.toml").write_text('format = "markdown"\nfail_on = "never"\n')
    env = _env(home, LOGSLEUTH_FORMAT="json")
    assert json.loads(run_cli([str(LOCKED)], env=env).stdout)["schema"]
    assert run_cli([str(LOCKED), "--format", "text"], env=env).stdout.startswith("logsleuth:")
    assert run_cli([str(LOCKED), "--fail-on", "error"], env=env).exit_code == 1
    assert run_cli([str(LOCKED)], env=env).exit_code == 0


def test_a_format_a_command_does_not_offer_is_not_forced_on_it(home):
    result = run_cli(["summary", str(LOCKED), "--state", str(home / "s.json")],
                     env=_env(home, LOGSLEUTH_FORMAT="rich"))
    assert result.exit_code == 1 and result.stdout.startswith("logsleuth summary")


def test_redaction_and_pattern_directories_from_the_environment(home, tmp_path):
    secret = tmp_path / "secret.log"
    secret.write_text("headscale  | 2024-05-01T10:00:01Z ERR failed to write: database is "
                      "locked dsn=postgres://hs:Hunter2Pass@db/hs\n")
    assert "Hunter2Pass" in run_cli([str(secret), "--format", "json"],
                                    env=_env(home, LOGSLEUTH_REDACT="false")).stdout
    assert "Hunter2Pass" not in run_cli([str(secret), "--format", "json"], env=_env(home)).stdout
    patterns = tmp_path / "mine"
    patterns.mkdir()
    result = run_cli(["patterns", "list"], env=_env(home, LOGSLEUTH_PATTERNS=str(patterns)))
    assert result.exit_code == 0


def test_config_show_names_each_source(home):
    (home / "logsleuth" / "config.toml").write_text('lang = "zh"\n')
    result = run_cli(["config", "show"], env=_env(home, LOGSLEUTH_FAIL_ON="error"))
    lines = {line.split(" = ")[0]: line for line in result.stdout.splitlines() if " = " in line}
    assert result.exit_code == 0
    assert '"zh"' in lines["lang"] and f"config file {home}/logsleuth/config.toml" in lines["lang"]
    assert '"error"' in lines["fail_on"] and "environment LOGSLEUTH_FAIL_ON" in lines["fail_on"]
    assert '"auto"' in lines["format"] and "# default" in lines["format"]


@pytest.mark.parametrize("text, message", [
    ("format = [", "not valid TOML"),
    ('colour = "never"', "unknown setting 'colour'"),
    ('fail_on = "sometimes"', "fail_on must be one of"),
    ("redact = \"yes\"", "redact must be a bool"),
    ("patterns = \"/tmp\"", "patterns must be a list"),
])
def test_a_bad_config_file_is_one_clear_line_and_exit_2(home, text, message):
    path = home / "logsleuth" / "config.toml"
    path.write_text(text)
    for args in (["analyze", str(LOCKED)], ["config", "show"]):
        result = run_cli(args, env=_env(home))
        assert result.exit_code == 2
        assert result.stderr.startswith(f"logsleuth: error: {path}") and message in result.stderr
        assert len(result.stderr.splitlines()) == 1


def test_a_bad_environment_value_is_exit_2(home):
    result = run_cli(["analyze", str(LOCKED)], env=_env(home, LOGSLEUTH_REDACT="maybe"))
    assert result.exit_code == 2 and "LOGSLEUTH_REDACT" in result.stderr
