"""The exit status of ``logsleuth analyze``: interrupted (130) beats an unreadable input (3),
which beats findings at or above --fail-on (1); ``--fail-on never`` is always 0."""

from __future__ import annotations

import io
import json

import pytest

from .conftest import FIXTURES, run_cli

LOCKED_LOG = (FIXTURES / "compose-v2-sqlite-locked.log").read_bytes()


class CtrlCAfter(io.RawIOBase):
    """A pipe that delivers ``data``, then Ctrl-C arrives while the reader waits for more."""

    def __init__(self, data: bytes) -> None:
        self._data = data

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if not self._data:
            raise KeyboardInterrupt
        size = min(len(buffer), len(self._data))
        buffer[:size], self._data = self._data[:size], self._data[size:]
        return size


def interrupted_run(*inputs: str):
    result = run_cli(["analyze", "--format", "json", *inputs, "-"],
                     stdin=io.BufferedReader(CtrlCAfter(LOCKED_LOG)))
    return result.exit_code, json.loads(result.stdout)


def test_ctrl_c_exits_130_with_the_findings_so_far():
    code, data = interrupted_run()
    assert code == 130 and data["interrupted"] is True
    assert data["findings"][0]["pattern_id"] == "db.sqlite_locked"


def test_ctrl_c_beats_an_unreadable_input():
    code, data = interrupted_run(str(FIXTURES / "missing.log"))
    assert code == 130
    assert data["errors"] == [f"{FIXTURES / 'missing.log'}: No such file or directory"]


def test_an_unreadable_input_beats_findings():
    result = run_cli(["analyze", str(FIXTURES / "missing.log"), "-"], stdin=LOCKED_LOG)
    assert result.exit_code == 3 and "database" in result.stdout.lower()


@pytest.mark.parametrize("fail_on, code", [("never", 0), ("critical", 0), ("error", 1), ("warning", 1)])
def test_fail_on_decides_whether_errors_fail_the_run(fail_on, code):
    """The log holds errors and nothing critical."""
    result = run_cli(["analyze", "--fail-on", fail_on, "-"], stdin=LOCKED_LOG)
    assert result.exit_code == code


def test_fail_on_never_passes_even_a_critical_crash_loop():
    result = run_cli(["analyze", "--fail-on", "never", str(FIXTURES / "compose-v1-port-crashloop.log")])
    assert result.exit_code == 0 and "already in use" in result.stdout
