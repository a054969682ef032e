"""``summary``: the nightly cron run — what is new since the last run, mail-ready, with
HTML and Prometheus side files."""

from __future__ import annotations

import json
from pathlib import Path

import click

from ..environment import Environment
from ..status import ExitStatus, exit_status
from .app import cli, handles_problems
from .output import fail, no_input_on_terminal, warn, write_output
from .params import FAIL_ON, NO_REDACT, PATTERNS, SERVICE, build_options, format_option


@cli.command()
@click.argument("inputs", nargs=-1, metavar="[FILE|-]...")
@format_option(["text", "markdown", "json"], "text",
               "Summary format (text is mail-ready: no colour, 80 columns).")
@click.option("--since", metavar="WHEN",
              help="First run only: analyse entries at or after WHEN (24h, 7d, ...).")
@click.option("--state", "state_path", type=click.Path(path_type=Path), default=None,
              help="State file (default $XDG_STATE_HOME/logsleuth/state.json).")
@click.option("--quiet-if-clean", is_flag=True,
              help="Print nothing when nothing is at or above --fail-on.")
@click.option("--html", "html_path", type=click.Path(path_type=Path), default=None,
              help="Also write a self-contained HTML report with a timeline chart to this file.")
@click.option("--prometheus", "prom_path", type=click.Path(path_type=Path), default=None,
              help="Also write node_exporter textfile metrics to this file (atomically).")
@click.option("--lock-timeout", type=float, default=10.0, show_default=True,
              help="Seconds to wait for another run holding the state lock.")
@SERVICE
@PATTERNS
@NO_REDACT
@FAIL_ON
@handles_problems
def summary(env: Environment, inputs: tuple[str, ...], fmt: str, since: str | None,
            state_path: Path | None, quiet_if_clean: bool, html_path: Path | None,
            prom_path: Path | None, lock_timeout: float, services: tuple[str, ...],
            pattern_dirs: tuple[Path, ...], no_redact: bool, fail_on: str) -> ExitStatus:
    """Nightly summary for cron: what is new since the last run, mail-ready, with metrics.

    Files resume where the last run stopped (rotation and truncation are noticed); piped
    input skips what the last run already saw.
    """
    if no_input_on_terminal(env, inputs):
        return ExitStatus.USAGE
    from ..nightly.state import StateError, StateIOError, default_state_path
    from ..nightly.summary import summarize

    options = build_options(since, None, services, pattern_dirs, "en", no_redact)
    try:
        result = summarize(list(inputs), options, state_path or default_state_path(), env.stdin,
                           lock_timeout)
    except StateError as exc:
        return fail(env, str(exc), ExitStatus.USAGE)
    except StateIOError as exc:
        return fail(env, str(exc), ExitStatus.INPUT_ERROR)
    _write_side_files(result, html_path, prom_path)
    status = exit_status(result.analysis, fail_on)
    warn(env, [*result.warnings, *result.analysis.errors], False)
    if not (quiet_if_clean and status == ExitStatus.OK):
        env.stdout.write(_rendered(result, fmt))
    return status


def _write_side_files(result, html_path: Path | None, prom_path: Path | None) -> None:
    if prom_path:
        from ..render.prometheus import render_prometheus

        write_output(result.analysis, prom_path, lambda: render_prometheus(result))
    if html_path:
        from ..render.html import render_summary_html

        write_output(result.analysis, html_path, lambda: render_summary_html(result))


def _rendered(result, fmt: str) -> str:
    """The summary as JSON, or as mail text/Markdown with controls made visible."""
    from ..outbound import neutralise
    from ..render.summary import render_summary_markdown, render_summary_text

    if fmt == "json":
        return json.dumps(result.to_dict(), ensure_ascii=False, indent=2) + "\n"
    shown = neutralise(result, mask_secrets=False, for_terminal=True)
    return (render_summary_markdown if fmt == "markdown" else render_summary_text)(shown)
