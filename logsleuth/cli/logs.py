"""Commands over logs: ``analyze`` (the default), ``report`` (a diagnostic bundle),
``events`` (every entry as NDJSON) and ``templates`` (any log mined into templates).
Each is options → one library call → one render → an exit status."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from ..environment import Environment
from ..status import ExitStatus, exit_status
from .app import cli, handles_problems
from .output import chosen_format, console, emit, fail, no_input_on_terminal, warn
from .params import (
    COLOR,
    ENGINE,
    NO_REDACT,
    PATTERNS,
    SERVICE,
    SINCE,
    UNTIL,
    Output,
    UsageProblem,
    analysis_options,
    build_options,
    format_option,
)

if TYPE_CHECKING:
    from ..options import Options

NDJSON_ALONE = "--format ndjson goes with --follow; for every entry use `logsleuth events`"


@cli.command()
@click.argument("inputs", nargs=-1, metavar="[FILE|-]...")
@click.option("--jobs", "-j", type=click.IntRange(min=0), default=0, show_default=True,
              help="Processes for a big plain file (0: one per core); results are identical.")
@click.option("--follow/--no-follow", "-f", default=None,
              help="Keep reading a pipe or FILE (tail -F) and report each new problem at once; "
                   "default: on when stdin is a pipe and stdout a terminal.")
@handles_problems
@analysis_options
def analyze(env: Environment, inputs: tuple[str, ...], options: Options, output: Output,
            jobs: int, follow: bool | None) -> ExitStatus:
    """Analyse logs (stdin when no FILE): findings, likely causes, fixes, unknown errors.

    FILE may be plain, .gz, .bz2, .xz or .zst, or a glob; - is standard input. A
    diagnostic-report.txt gets the `report` treatment.
    """
    if no_input_on_terminal(env, inputs):
        return ExitStatus.USAGE
    options.jobs = jobs
    if follow is None:
        follow = inputs in ((), ("-",)) and env.stdin_is_pipe and env.stdout_isatty
    if follow:
        from .follow import follow_input

        return follow_input(env, inputs, options, output)
    if output.fmt == "ndjson":
        raise UsageProblem(NDJSON_ALONE)
    from ..api import analyze as analyze_inputs

    result = analyze_inputs(list(inputs), options, env.stdin)
    warn(env, result.errors, output.mask_secrets)     # before the report: a terminal shows both
    emit(env, result, output)
    return exit_status(result, output.fail_on)


@cli.command()
@click.argument("bundle", metavar="BUNDLE")
@handles_problems
@analysis_options
def report(env: Environment, bundle: str, options: Options, output: Output) -> ExitStatus:
    """Triage a diagnostic-report.txt: every section, causes across sections, checklist.

    The bundle is the file the guide's 获取帮助 section builds (System Info, Container
    Status, Recent Logs, Configuration, Nodes). `logsleuth analyze` hands a bundle here.
    """
    from ..api import analyze_bundle

    if output.fmt == "ndjson":
        raise UsageProblem("--format ndjson goes with analyze --follow")
    result = analyze_bundle(bundle, options)
    if result.facts is None and result.errors and not result.lines.total:   # unreadable file
        return fail(env, "; ".join(result.errors), ExitStatus.INPUT_ERROR)
    warn(env, result.errors, output.mask_secrets)
    emit(env, result, output)
    return exit_status(result, output.fail_on)


@cli.command()
@click.argument("inputs", nargs=-1, metavar="[FILE|-]...")
@format_option(["ndjson"], "ndjson", "One JSON object per classified entry.")
@SINCE
@UNTIL
@SERVICE
@PATTERNS
@NO_REDACT
@ENGINE
@handles_problems
def events(env: Environment, inputs: tuple[str, ...], fmt: str, since: str | None,
           until: str | None, services: tuple[str, ...], pattern_dirs: tuple,
           no_redact: bool, engine: str) -> ExitStatus:
    """Print every classified entry as NDJSON (matched and unknown warnings/errors)."""
    if no_input_on_terminal(env, inputs):
        return ExitStatus.USAGE
    from ..pipeline import Pipeline
    from ..progress import Progress
    from ..render.data import render_event

    options = build_options(since, until, services, pattern_dirs, "en", no_redact, engine)
    progress = Progress()
    try:
        for batch in Pipeline(options).events(list(inputs), env.stdin, progress):
            env.stdout.write("".join(render_event(entry, options.redact) for entry in batch))
    except KeyboardInterrupt:
        return ExitStatus.INTERRUPTED
    env.stdout.flush()
    warn(env, progress.errors, options.redact)
    return ExitStatus.INPUT_ERROR if progress.errors else ExitStatus.OK


@cli.command()
@click.argument("inputs", nargs=-1, metavar="[FILE|-]...")
@format_option(["auto", "rich", "text", "markdown", "json", "ndjson"], "auto",
               "A table of templates (auto: rich on a terminal, text otherwise), the JSON "
               "document, or ndjson: one object per input line with its template.")
@NO_REDACT
@COLOR
@handles_problems
def templates(env: Environment, inputs: tuple[str, ...], fmt: str, no_redact: bool,
              color: str) -> ExitStatus:
    """Mine every line's message (its wrapping removed) into templates: count, first and
    last seen, an example. Works on any log, not only Headscale's."""
    from ..mining import mine_templates
    from ..render import templates as render

    found = mine_templates(list(inputs), env.stdin, redact_output=not no_redact,
                           keep_lines=fmt == "ndjson")
    fmt = chosen_format(env, fmt)
    if fmt == "rich":
        console(env, color).print(render.render_templates_rich(found))
    elif fmt == "ndjson":
        env.stdout.writelines(render.render_line_templates(found))
    else:
        env.stdout.write(render.TEMPLATE_RENDERERS[fmt](found))
    env.stdout.flush()
    warn(env, found.errors, False)
    if found.interrupted:
        return ExitStatus.INTERRUPTED
    return ExitStatus.INPUT_ERROR if found.errors else ExitStatus.OK
