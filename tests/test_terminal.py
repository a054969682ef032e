"""At a terminal: bare ``logsleuth`` answers at once, Ctrl-C always works, mistyped
commands are errors with a suggestion. Run in a real pseudo-terminal."""

from __future__ import annotations

import fcntl
import io
import os
import pty
import select
import subprocess
import sys
import termios
import time
from pathlib import Path

from click.testing import CliRunner

from logsleuth.cli import cli
from logsleuth.environment import Environment

from .conftest import FIXTURES, run_cli

LOGSLEUTH = [sys.executable, "-m", "logsleuth"]


class Terminal:
    """A process whose stdin, stdout and stderr are a pseudo-terminal it controls, so that
    typing Ctrl-C there sends SIGINT as a real terminal does."""

    def __init__(self, args: list[str], cwd: Path | None = None) -> None:
        self.master, slave = pty.openpty()
        self.process = subprocess.Popen(
            args, stdin=slave, stdout=slave, stderr=slave, cwd=cwd, start_new_session=True,
            preexec_fn=lambda: fcntl.ioctl(0, termios.TIOCSCTTY, 0))
        os.close(slave)
        self.output = b""

    def read_until(self, wanted: bytes, timeout: float) -> bool:
        """Collect output until ``wanted`` appears, the process ends or time runs out."""
        deadline = time.monotonic() + timeout
        while wanted not in self.output and time.monotonic() < deadline:
            if select.select([self.master], [], [], 0.05)[0]:
                try:
                    self.output += os.read(self.master, 65536)
                except OSError:                  # the process ended and closed the terminal
                    break
        return wanted in self.output

    def wait_until_waiting_for_input(self, timeout: float = 15) -> None:
        """Until the main thread has slept for a while (start-up done, blocked on input)."""
        stat = Path(f"/proc/{self.process.pid}/stat")
        asleep, deadline = 0, time.monotonic() + timeout
        while asleep < 5 and time.monotonic() < deadline:
            time.sleep(0.05)
            asleep = asleep + 1 if stat.read_text().rsplit(")", 1)[1].split()[0] == "S" else 0

    def wait(self, timeout: float) -> int | None:
        deadline = time.monotonic() + timeout
        while self.process.poll() is None and time.monotonic() < deadline:
            self.read_until(b"\0never", 0.1)
        return self.process.poll()

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        os.close(self.master)


def test_bare_logsleuth_on_a_terminal_prints_usage_and_the_hint_within_a_second():
    term = Terminal(LOGSLEUTH)
    try:
        started = time.monotonic()
        assert term.read_until(b"name a file", timeout=1.0), term.output
        assert time.monotonic() - started < 1.0
        assert b"Usage: logsleuth" in term.output and b"pipe logs in" in term.output
        assert term.wait(5) == 2
    finally:
        term.close()


def test_ctrl_c_while_reading_a_terminal_exits_130_with_the_report():
    term = Terminal([*LOGSLEUTH, "-", "--format", "text"])
    try:
        term.wait_until_waiting_for_input()
        os.write(term.master, b"\x03")           # the terminal's interrupt character
        assert term.wait(5) == 130, term.output
        assert b"Interrupted" in term.output and b"Traceback" not in term.output
    finally:
        term.close()


def test_no_input_hint_for_every_command_that_reads_logs():
    for command in ("analyze", "events", "summary"):
        keyboard = Environment(stdin=io.BytesIO(b"never read"), stdout=io.StringIO(),
                               stderr=io.StringIO(), stdin_isatty=True)
        result = CliRunner().invoke(cli, [command], obj=keyboard)
        assert result.exit_code == 2
        assert "pipe logs in, or name a file" in keyboard.stderr.getvalue()
        assert f"Usage: cli {command}" in keyboard.stderr.getvalue()
        assert keyboard.stdout.getvalue() == ""


def test_a_mistyped_command_is_an_error_with_a_suggestion(tmp_path):
    done = subprocess.run([*LOGSLEUTH, "reprot", "b.txt"], capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 2 and done.stdout == ""
    assert "No such command 'reprot'. Did you mean 'report'?" in done.stderr
    done = subprocess.run([*LOGSLEUTH, "version"], capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 2 and "Did you mean '--version'?" in done.stderr
    done = subprocess.run([*LOGSLEUTH, "xyzzy"], capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 2 and "No such command 'xyzzy', nor a file of that name." in done.stderr


def test_a_word_that_names_a_file_is_still_analysed(tmp_path):
    (tmp_path / "headscale").write_bytes((FIXTURES / "compose-v2-sqlite-locked.log").read_bytes())
    done = subprocess.run([*LOGSLEUTH, "headscale", "--format", "text"], capture_output=True,
                          text=True, cwd=tmp_path)
    assert done.returncode == 1 and "SQLite database is locked" in done.stdout


def test_dash_capital_v_is_the_version():
    assert run_cli(["-V"]).stdout == run_cli(["--version"]).stdout
    assert run_cli(["-V"]).stdout.startswith("logsleuth, version ")
