"""Where the CLI meets the terminal: one-line errors and warnings on stderr, the report
in the chosen format on stdout, side files written atomically."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Callable

import click

from ..environment import Environment
from ..status import ExitStatus
from .params import Output

if TYPE_CHECKING:
    from rich.console import Console

    from ..result import Analysis

NO_INPUT_HINT = ("no input: pipe logs in, or name a file (docker compose logs headscale | "
                 "logsleuth, or logsleuth headscale.log); logsleuth --help lists the commands")


def fail(env: Environment, message: str, status: ExitStatus) -> ExitStatus:
    """One error line on stderr; returns the status to exit with."""
    from ..outbound import visible

    env.stderr.write(f"logsleuth: error: {visible(message)}\n")
    return status


def warn(env: Environment, problems: list[str], mask_secrets: bool = True) -> None:
    """One stderr line per problem, through the output boundary (file names are input)."""
    from ..outbound import outbound_text

    for problem in problems:
        env.stderr.write(f"logsleuth: warning: {outbound_text(problem, mask_secrets=mask_secrets)}\n")
    env.stderr.flush()


def no_input_on_terminal(env: Environment, inputs: tuple[str, ...]) -> bool:
    """No FILE and standard input is a terminal: print usage and the hint instead of
    waiting for someone to type logs."""
    if inputs or not env.stdin_isatty:
        return False
    env.stderr.write(click.get_current_context().get_usage() + "\n")
    fail(env, NO_INPUT_HINT, ExitStatus.USAGE)
    return True


def silence_stdout() -> None:
    """After the reader went away (``| head``), send the rest to /dev/null quietly."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def console(env: Environment, color: str) -> Console:
    """A rich console on the environment's stdout honouring --color and NO_COLOR."""
    from rich.console import Console

    return Console(file=env.stdout, force_terminal=color == "always" or None,
                   no_color=color == "never" or (color == "auto" and env.no_color),
                   highlight=False, soft_wrap=False)


def chosen_format(env: Environment, fmt: str) -> str:
    """``auto`` is rich on a terminal and plain text otherwise."""
    return ("rich" if env.stdout_isatty else "text") if fmt == "auto" else fmt


def emit(env: Environment, result: Analysis, output: Output) -> None:
    """Write the result in the chosen format to the environment's stdout; the library
    masked its secrets, controls are made visible here (except in JSON)."""
    from ..outbound import neutralise
    from ..render import report_renderer

    fmt = chosen_format(env, output.fmt)
    result = neutralise(result, mask_secrets=False, for_terminal=fmt != "json")
    if fmt == "rich":
        console(env, output.color).print(report_renderer("rich")(result, output.lang))
        return
    env.stdout.write(report_renderer(fmt)(result, output.lang))
    env.stdout.flush()


def write_output(analysis: Analysis, path: Path, render: Callable[[], str]) -> None:
    """Write a side file atomically; on failure (full disk, no permission) keep the old
    one and report it with the run's errors (exit 3)."""
    from ..nightly.state import write_atomically

    try:
        write_atomically(path, render())
    except OSError as exc:
        analysis.errors.append(f"could not write {path} ({exc.strerror or exc}); the previous "
                               "file is kept")
