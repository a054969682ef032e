"""Command line: a thin click layer over :mod:`logsleuth.pipeline` and the renderers."""

from __future__ import annotations

import difflib
import json
import os
import re
import signal
import sys
from functools import wraps
from pathlib import Path
from typing import Callable

import click

from typing import TYPE_CHECKING

from . import __version__
from .catalog import SEVERITIES, CatalogError, load_catalog
from .config import BY_NAME as SETTINGS
from .config import ConfigError, config_path, load
from .environment import Environment
from .status import ExitStatus

if TYPE_CHECKING:   # heavy modules (Polars, Hyperscan, YAML) load inside the commands
    from .pipeline import Options
    from .result import Analysis

FORMATS = SETTINGS["format"].choices        # ndjson: --follow only
FAIL_ON = SETTINGS["fail_on"].choices


class UsageProblem(Exception):
    """A bad option value or configuration: one line on stderr, exit 2."""


class DefaultGroup(click.Group):
    """``logsleuth FILE`` means ``logsleuth analyze FILE``."""

    default_command = "analyze"

    def shell_complete(self, ctx: click.Context, incomplete: str) -> list:
        """The first word is a command or, for the default command, a file (the file item
        comes first: in bash it clears the list, then the matching commands are added)."""
        from click.shell_completion import CompletionItem

        return [CompletionItem(incomplete, type="file"), *super().shell_complete(ctx, incomplete)]

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if ctx.resilient_parsing and not args:      # shell completion of the first word
            return super().parse_args(ctx, args)
        if not args or (args[0] not in self.commands and args[0] not in GROUP_OPTIONS
                        and not _mistyped_command(args[0])):
            args = [self.default_command, *args]
        return super().parse_args(ctx, args)

    def resolve_command(self, ctx: click.Context, args: list[str]):
        """An unknown command is a usage error that suggests the nearest name."""
        if args and self.get_command(ctx, args[0]) is None and not ctx.resilient_parsing:
            raise click.UsageError(_no_such_command(args[0], [*self.commands, *GROUP_OPTIONS]),
                                   ctx)
        return super().resolve_command(ctx, args)


GROUP_OPTIONS = ("--help", "-h", "--version", "-V")
_COMMAND_WORD = re.compile(r"[a-z][a-z-]*")


def _mistyped_command(argument: str) -> bool:
    """A bare word (``reprot``, ``version``) that names no file: meant as a command."""
    return bool(_COMMAND_WORD.fullmatch(argument)) and not os.path.lexists(argument)


def _no_such_command(name: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(name, choices, n=1) or difflib.get_close_matches(
        f"--{name}", choices, n=1)
    hint = f". Did you mean '{close[0]}'?" if close else ", nor a file of that name."
    return f"No such command '{name}'{hint}"


def _env(ctx: click.Context) -> Environment:
    if not isinstance(ctx.obj, Environment):
        ctx.obj = Environment.current()
    return ctx.obj


def _fail(env: Environment, message: str, status: ExitStatus) -> ExitStatus:
    from .outbound import visible

    env.stderr.write(f"logsleuth: error: {visible(message)}\n")
    return status


def _warn(env: Environment, problems: list[str], mask_secrets: bool = True) -> None:
    """One stderr line per problem, through the output boundary (file names are input)."""
    from .outbound import outbound_text

    for problem in problems:
        env.stderr.write(f"logsleuth: warning: {outbound_text(problem, mask_secrets=mask_secrets)}\n")


def handles_problems(command: Callable[..., ExitStatus]) -> Callable[..., None]:
    """Turn user-facing problems into one stderr line and the documented exit code."""

    @wraps(command)
    def wrapper(*args, **kwargs):
        ctx = click.get_current_context()
        env = _env(ctx)
        try:
            status = command(env, *args, **kwargs)
        except (UsageProblem, CatalogError) as exc:
            status = _fail(env, str(exc), ExitStatus.USAGE)
        except BrokenPipeError:
            _silence_stdout()
            status = ExitStatus.OK
        ctx.exit(int(status))

    return wrapper


NO_INPUT_HINT = ("no input: pipe logs in, or name a file (docker compose logs headscale | "
                 "logsleuth, or logsleuth headscale.log); logsleuth --help lists the commands")


def _no_input_on_terminal(env: Environment, inputs: tuple[str, ...]) -> bool:
    """No FILE and standard input is a terminal: print usage and the hint instead of
    waiting for someone to type logs."""
    if inputs or not env.stdin_isatty:
        return False
    env.stderr.write(click.get_current_context().get_usage() + "\n")
    _fail(env, NO_INPUT_HINT, ExitStatus.USAGE)
    return True


def _silence_stdout() -> None:
    """After the reader went away (``| head``), send the rest to /dev/null quietly."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def analysis_options(command: Callable) -> Callable:
    """Options shared by every command that analyses logs."""
    decorators = [
        click.option("--format", "fmt", type=click.Choice(FORMATS), default="auto", show_default=True,
                     help="Output format; auto is rich on a terminal and plain text otherwise."),
        click.option("--since", metavar="WHEN", help="Only entries at or after WHEN (24h, 7d, 2024-05-01T10:00Z)."),
        click.option("--until", metavar="WHEN", help="Only entries at or before WHEN."),
        click.option("--service", "services", multiple=True, metavar="NAME",
                     help="Only this compose service or container (repeatable)."),
        click.option("--patterns", "pattern_dirs", multiple=True, metavar="DIR",
                     type=click.Path(path_type=Path), help="Extra directory of pattern TOML files (repeatable)."),
        click.option("--lang", type=click.Choice(["en", "zh"]), default="en", show_default=True,
                     help="Language of titles, causes and fixes (zh: the guide's own words)."),
        click.option("--no-redact", is_flag=True, help="Show secrets (keys, tokens, passwords) unmasked."),
        click.option("--fail-on", type=click.Choice(FAIL_ON), default="warning", show_default=True,
                     help="Exit 1 when a finding has at least this severity."),
        click.option("--color", type=click.Choice(["auto", "always", "never"]), default="auto",
                     show_default=True, help="Colour in rich output (NO_COLOR is honoured)."),
        click.option("--engine", type=click.Choice(["auto", "hyperscan", "re"]), default="auto",
                     show_default=True, help="Scan engine; results are identical, speed is not."),
    ]
    for decorator in reversed(decorators):
        command = decorator(command)
    return command


def build_options(since: str | None, until: str | None, services: tuple[str, ...],
                  pattern_dirs: tuple[Path, ...], lang: str, no_redact: bool,
                  engine: str) -> Options:
    from .pipeline import Options
    from .timeparse import parse_when

    try:
        since_at = parse_when(since) if since else None
        until_at = parse_when(until) if until else None
    except ValueError as exc:
        raise UsageProblem(f"--since/--until: {exc}") from None
    return Options(since=since_at, until=until_at, services=services, lang=lang,
                   redact=not no_redact, engine=engine, pattern_dirs=pattern_dirs)


def exit_status(result: Analysis, fail_on: str) -> ExitStatus:
    """Interrupted > unreadable input > findings at or above --fail-on > OK."""
    if result.interrupted:
        return ExitStatus.INTERRUPTED
    if result.errors:
        return ExitStatus.INPUT_ERROR
    if fail_on != "never":
        threshold = SEVERITIES.index(fail_on)
        if any(SEVERITIES.index(f.severity) >= threshold for f in result.findings):
            return ExitStatus.FINDINGS
    return ExitStatus.OK


def _console(env: Environment, color: str):
    from rich.console import Console

    return Console(file=env.stdout, force_terminal=color == "always" or None,
                   no_color=color == "never" or (color == "auto" and env.no_color),
                   highlight=False, soft_wrap=False)


def emit(env: Environment, result: Analysis, fmt: str, lang: str, color: str,
         mask_secrets: bool = True) -> None:
    """Write the result in the chosen format to the environment's stdout, through the
    output boundary (secrets masked, controls visible except in JSON)."""
    from .outbound import neutralise

    if fmt == "auto":
        fmt = "rich" if env.stdout_isatty else "text"
    result = neutralise(result, mask_secrets=mask_secrets, for_terminal=fmt != "json")
    if fmt == "rich":
        from .render.terminal import render_terminal

        _console(env, color).print(render_terminal(result, lang))
        return
    if fmt == "json":
        from .render.data import render_json

        env.stdout.write(render_json(result))
    elif fmt == "markdown":
        from .render.markdown import render_markdown

        env.stdout.write(render_markdown(result, lang))
    else:
        from .render.text import render_text

        env.stdout.write(render_text(result, lang))
    env.stdout.flush()


@click.group(cls=DefaultGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", prog_name="logsleuth")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Find known Headscale problems in logs and explain cause and fix.

    \b
    docker compose logs headscale | logsleuth
    logsleuth headscale.log.gz --format markdown

    Defaults come from ~/.config/logsleuth/config.toml and LOGSLEUTH_* variables
    (see `logsleuth config show`).
    """
    try:
        settings = load()
    except ConfigError as exc:
        _fail(_env(ctx), str(exc), ExitStatus.USAGE)
        ctx.exit(int(ExitStatus.USAGE))
    ctx.default_map = _default_map(ctx.command, {
        name: value.value for name, value in settings.items() if value.source != "default"})


# Setting name -> (click parameter name, how the setting's value becomes the parameter's)
_SETTING_PARAMS: dict[str, tuple[str, Callable]] = {
    "format": ("fmt", str), "lang": ("lang", str), "fail_on": ("fail_on", str),
    "color": ("color", str), "engine": ("engine", str),
    "patterns": ("pattern_dirs", lambda dirs: tuple(Path(d) for d in dirs)),
    "redact": ("no_redact", lambda redact: not redact),
}


def _default_map(group: click.Group, settings: dict) -> dict:
    """Click's ``default_map`` for every command taking a configured option (a format only
    where the command offers it)."""
    result: dict = {}
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            result[name] = _default_map(command, settings)
            continue
        params = {p.name: p for p in command.params}
        defaults = {}
        for setting, value in settings.items():
            param_name, convert = _SETTING_PARAMS[setting]
            param = params.get(param_name)
            if param is None:
                continue
            choices = getattr(param.type, "choices", None)
            if choices is not None and value not in choices:
                continue
            defaults[param_name] = convert(value)
        result[name] = defaults
    return result


@cli.command()
@click.argument("inputs", nargs=-1, metavar="[FILE|-]...")
@analysis_options
@click.option("--jobs", "-j", type=click.IntRange(min=0), default=0, show_default=True,
              help="Processes for a big plain file (0: one per core); results are identical.")
@click.option("--follow/--no-follow", "-f", default=None,
              help="Keep reading a pipe or FILE (tail -F) and report each new problem at once; "
                   "default: on when stdin is a pipe and stdout a terminal.")
@handles_problems
def analyze(env: Environment, inputs: tuple[str, ...], fmt: str, since: str | None,
            until: str | None, services: tuple[str, ...], pattern_dirs: tuple[Path, ...],
            lang: str, no_redact: bool, fail_on: str, color: str, engine: str,
            jobs: int, follow: bool | None) -> ExitStatus:
    """Analyse logs (stdin when no FILE): findings, likely causes, fixes, unknown errors.

    FILE may be plain, .gz, .bz2, .xz or .zst, or a glob; - is standard input.
    """
    if _no_input_on_terminal(env, inputs):
        return ExitStatus.USAGE
    from .pipeline import Pipeline

    options = build_options(since, until, services, pattern_dirs, lang, no_redact, engine)
    options.jobs = jobs
    if follow is None:
        follow = inputs in ((), ("-",)) and env.stdin_is_pipe and env.stdout_isatty
    if follow:
        return _follow(env, inputs, options, fmt, lang, color, fail_on)
    if fmt == "ndjson":
        raise UsageProblem("--format ndjson goes with --follow; for every entry use "
                           "`logsleuth events`")
    pipeline = Pipeline(options)
    if len(inputs) == 1 and _is_bundle(inputs[0]):
        result = pipeline.report(inputs[0])
    elif inputs in ((), ("-",)) and _stdin_is_bundle(env):
        result = pipeline.report_bytes(env.stdin.read(), "<stdin>")
    else:
        result = pipeline.analyze(list(inputs), env.stdin)
    _warn(env, result.errors, options.redact)     # before the report: a terminal shows both
    env.stderr.flush()
    emit(env, result, fmt, lang, color, options.redact)
    return exit_status(result, fail_on)


def _stdin_is_bundle(env: Environment) -> bool:
    """Standard input that starts like a diagnostic bundle. It is peeked, nothing is
    consumed: ``env.stdin`` becomes a buffered reader when it could not peek."""
    import io

    from .bundle import BUNDLE_HEAD, looks_like_bundle
    from .sources import wakeful

    if env.stdin.isatty():                  # typed input is a log, and peeking would block
        return False
    env.stdin = wakeful(env.stdin)
    if not hasattr(env.stdin, "peek"):
        env.stdin = io.BufferedReader(env.stdin, BUNDLE_HEAD)  # type: ignore[arg-type]
    return looks_like_bundle(env.stdin.peek(BUNDLE_HEAD)[:BUNDLE_HEAD])  # type: ignore[attr-defined]


def _is_bundle(name: str) -> bool:
    """A regular file whose first 64 KiB carry diagnostic-report section headers."""
    from .bundle import looks_like_bundle

    path = Path(name)
    try:
        with open(path, "rb") as handle:
            return path.is_file() and looks_like_bundle(handle.read(64 << 10))
    except OSError:
        return False


@cli.command()
@click.argument("bundle", metavar="BUNDLE")
@analysis_options
@handles_problems
def report(env: Environment, bundle: str, fmt: str, since: str | None, until: str | None,
           services: tuple[str, ...], pattern_dirs: tuple[Path, ...], lang: str,
           no_redact: bool, fail_on: str, color: str, engine: str) -> ExitStatus:
    """Triage a diagnostic-report.txt: every section, causes across sections, checklist.

    The bundle is the file the guide's 获取帮助 section builds (System Info, Container
    Status, Recent Logs, Configuration, Nodes). `logsleuth analyze` hands a bundle here.
    """
    from .pipeline import Pipeline

    if fmt == "ndjson":
        raise UsageProblem("--format ndjson goes with analyze --follow")
    options = build_options(since, until, services, pattern_dirs, lang, no_redact, engine)
    result = Pipeline(options).report(bundle)
    if result.facts is None and result.errors and not result.lines.total:   # unreadable file
        return _fail(env, "; ".join(result.errors), ExitStatus.INPUT_ERROR)
    _warn(env, result.errors, options.redact)     # before the report: a terminal shows both
    env.stderr.flush()
    emit(env, result, fmt, lang, color, options.redact)
    return exit_status(result, fail_on)


@cli.command()
@click.argument("inputs", nargs=-1, metavar="[FILE|-]...")
@click.option("--format", "fmt", type=click.Choice(["ndjson"]), default="ndjson", show_default=True,
              help="One JSON object per classified entry.")
@click.option("--since", metavar="WHEN", help="Only entries at or after WHEN.")
@click.option("--until", metavar="WHEN", help="Only entries at or before WHEN.")
@click.option("--service", "services", multiple=True, metavar="NAME", help="Only this service (repeatable).")
@click.option("--patterns", "pattern_dirs", multiple=True, type=click.Path(path_type=Path),
              metavar="DIR", help="Extra directory of pattern TOML files (repeatable).")
@click.option("--no-redact", is_flag=True, help="Show secrets unmasked.")
@click.option("--engine", type=click.Choice(["auto", "hyperscan", "re"]), default="auto",
              show_default=True, help="Scan engine; results are identical.")
@handles_problems
def events(env: Environment, inputs: tuple[str, ...], fmt: str, since: str | None,
           until: str | None, services: tuple[str, ...], pattern_dirs: tuple[Path, ...],
           no_redact: bool, engine: str) -> ExitStatus:
    """Print every classified entry as NDJSON (matched and unknown warnings/errors)."""
    if _no_input_on_terminal(env, inputs):
        return ExitStatus.USAGE
    from .pipeline import Pipeline, Progress
    from .render.data import render_event
    from .sources import expand

    options = build_options(since, until, services, pattern_dirs, "en", no_redact, engine)
    progress = Progress()
    pipeline, sources = Pipeline(options), expand(list(inputs))
    try:
        for batch in pipeline.entries(sources, env.stdin, progress):
            env.stdout.write("".join(render_event(entry, not no_redact) for entry in batch))
    except KeyboardInterrupt:
        return ExitStatus.INTERRUPTED
    env.stdout.flush()
    progress.errors.extend(pipeline.nothing_to_analyse(sources, progress))
    _warn(env, progress.errors, not no_redact)
    return ExitStatus.INPUT_ERROR if progress.errors else ExitStatus.OK


@cli.command()
@click.argument("inputs", nargs=-1, metavar="[FILE|-]...")
@click.option("--format", "fmt",
              type=click.Choice(["auto", "rich", "text", "markdown", "json", "ndjson"]),
              default="auto", show_default=True,
              help="A table of templates (auto: rich on a terminal, text otherwise), the JSON "
                   "document, or ndjson: one object per input line with its template.")
@click.option("--no-redact", is_flag=True, help="Show secrets unmasked.")
@click.option("--color", type=click.Choice(["auto", "always", "never"]), default="auto",
              show_default=True, help="Colour in rich output (NO_COLOR is honoured).")
@handles_problems
def templates(env: Environment, inputs: tuple[str, ...], fmt: str, no_redact: bool,
              color: str) -> ExitStatus:
    """Mine every line's message (its wrapping removed) into templates: count, first and
    last seen, an example. Works on any log, not only Headscale's."""
    from .mining import mine_templates
    from .render import templates as render

    report = mine_templates(list(inputs), env.stdin, redact_output=not no_redact,
                            keep_lines=fmt == "ndjson")
    if fmt == "auto":
        fmt = "rich" if env.stdout_isatty else "text"
    if fmt == "rich":
        _console(env, color).print(render.render_templates_rich(report))
    elif fmt == "ndjson":
        env.stdout.writelines(render.render_line_templates(report))
    else:
        writers = {"text": render.render_templates_text, "json": render.render_templates_json,
                   "markdown": render.render_templates_markdown}
        env.stdout.write(writers[fmt](report))
    env.stdout.flush()
    for problem in report.errors:
        env.stderr.write(f"logsleuth: warning: {problem}\n")
    if report.interrupted:
        return ExitStatus.INTERRUPTED
    return ExitStatus.INPUT_ERROR if report.errors else ExitStatus.OK


@cli.command()
@click.argument("inputs", nargs=-1, metavar="[FILE|-]...")
@click.option("--format", "fmt", type=click.Choice(["text", "markdown", "json"]), default="text",
              show_default=True, help="Summary format (text is mail-ready: no colour, 80 columns).")
@click.option("--since", metavar="WHEN", help="First run only: analyse entries at or after WHEN (24h, 7d, ...).")
@click.option("--state", "state_path", type=click.Path(path_type=Path), default=None,
              help="State file (default $XDG_STATE_HOME/logsleuth/state.json).")
@click.option("--quiet-if-clean", is_flag=True, help="Print nothing when nothing is at or above --fail-on.")
@click.option("--html", "html_path", type=click.Path(path_type=Path), default=None,
              help="Also write a self-contained HTML report with a timeline chart to this file.")
@click.option("--prometheus", "prom_path", type=click.Path(path_type=Path), default=None,
              help="Also write node_exporter textfile metrics to this file (atomically).")
@click.option("--lock-timeout", type=float, default=10.0, show_default=True,
              help="Seconds to wait for another run holding the state lock.")
@click.option("--service", "services", multiple=True, metavar="NAME", help="Only this service (repeatable).")
@click.option("--patterns", "pattern_dirs", multiple=True, type=click.Path(path_type=Path),
              metavar="DIR", help="Extra directory of pattern TOML files (repeatable).")
@click.option("--no-redact", is_flag=True, help="Show secrets unmasked.")
@click.option("--fail-on", type=click.Choice(FAIL_ON), default="warning", show_default=True,
              help="Exit 1 when a finding has at least this severity.")
@handles_problems
def summary(env: Environment, inputs: tuple[str, ...], fmt: str, since: str | None,
            state_path: Path | None, quiet_if_clean: bool, html_path: Path | None,
            prom_path: Path | None, lock_timeout: float, services: tuple[str, ...],
            pattern_dirs: tuple[Path, ...], no_redact: bool, fail_on: str) -> ExitStatus:
    """Nightly summary for cron: what is new since the last run, mail-ready, with metrics.

    Files resume where the last run stopped (rotation and truncation are noticed); piped
    input skips what the last run already saw.
    """
    if _no_input_on_terminal(env, inputs):
        return ExitStatus.USAGE
    from .history import StateError, StateIOError, default_state_path
    from .nightly import summarize
    from .render.summary import render_summary_markdown, render_summary_text

    options = build_options(since, None, services, pattern_dirs, "en", no_redact, "auto")
    try:
        result = summarize(list(inputs), options, state_path or default_state_path(), env.stdin,
                           lock_timeout)
    except StateError as exc:
        return _fail(env, str(exc), ExitStatus.USAGE)
    except StateIOError as exc:
        return _fail(env, str(exc), ExitStatus.INPUT_ERROR)
    from .outbound import neutralise

    result = neutralise(result, mask_secrets=not no_redact, for_terminal=False)
    if prom_path:
        from .render.prometheus import render_prometheus

        _write_output(result.analysis, prom_path, lambda: render_prometheus(result))
    if html_path:
        from .render.html import render_summary_html

        _write_output(result.analysis, html_path, lambda: render_summary_html(result))
    status = exit_status(result.analysis, fail_on)
    _warn(env, [*result.warnings, *result.analysis.errors], False)
    env.stderr.flush()
    shown = result if fmt == "json" else neutralise(result, mask_secrets=False, for_terminal=True)
    if not (quiet_if_clean and status == ExitStatus.OK):
        if fmt == "json":
            env.stdout.write(json.dumps(result.to_dict(), ensure_ascii=False, indent=2) + "\n")
        elif fmt == "markdown":
            env.stdout.write(render_summary_markdown(shown))
        else:
            env.stdout.write(render_summary_text(shown))
    return status


def _follow(env: Environment, inputs: tuple[str, ...], options: Options, fmt: str, lang: str,
            color: str, fail_on: str) -> ExitStatus:
    """--follow: new problems as they appear, the full report when the input ends or on
    Ctrl-C (the normal way to stop, so the exit status is the report's, not 130)."""
    from .follow import Follower, file_blocks, pipe_blocks, run
    from .outbound import neutralise, outbound_text
    from .pipeline import Pipeline
    from .render.live import new_entry_json, new_entry_line, render_live, summary_json
    from .sources import STDIN_NAME, InputError

    if len(inputs) > 1:
        raise UsageProblem("--follow takes one FILE or standard input")
    name = inputs[0] if inputs and inputs[0] != "-" else STDIN_NAME
    try:
        blocks = pipe_blocks(env.stdin) if name == STDIN_NAME else file_blocks(Path(name))
    except InputError as exc:
        return _fail(env, str(exc), ExitStatus.INPUT_ERROR)
    if name != STDIN_NAME and not Path(name).exists():
        env.stderr.write(f"logsleuth: {name} does not exist yet: waiting for it to appear "
                         "(like tail -F; Ctrl-C stops)\n")
        env.stderr.flush()
    follower = Follower(Pipeline(options), name)
    if fmt == "auto":
        fmt = "rich" if env.stdout_isatty else "text"
    if fmt == "rich":
        from rich.live import Live
        from rich.text import Text

        console = _console(env, color)
        with Live(render_live(follower.analysis(), lang), console=console,
                  refresh_per_second=4, transient=True) as live:
            def refresh() -> None:
                live.update(render_live(follower.analysis(), lang))

            def announce_live(new: list) -> None:
                for entry in new:
                    line = outbound_text(new_entry_line(entry, lang), mask_secrets=options.redact)
                    live.console.print(Text(line))    # log text is never rich markup

            run(follower, blocks, announce_live, refresh)
    else:
        out = env.stdout if fmt in ("text", "ndjson") else env.stderr

        def announce(new: list) -> None:
            for entry in new:
                line = (new_entry_json(entry, options.redact) if fmt == "ndjson"
                        else outbound_text(new_entry_line(entry, lang),
                                           mask_secrets=options.redact))
                out.write(line + "\n")
            out.flush()

        run(follower, blocks, announce)
    result = follower.analysis()
    if fmt == "ndjson":
        env.stdout.write(summary_json(neutralise(result, mask_secrets=options.redact,
                                                 for_terminal=False)) + "\n")
        env.stdout.flush()
    else:
        emit(env, result, fmt, lang, color, options.redact)
    return exit_status(result, fail_on)


def _write_output(analysis: Analysis, path: Path, render: Callable[[], str]) -> None:
    """Write a side file atomically; on failure (full disk, no permission) keep the old
    one and report it with the run's errors (exit 3)."""
    from .history import write_atomically

    try:
        write_atomically(path, render())
    except OSError as exc:
        analysis.errors.append(f"could not write {path} ({exc.strerror or exc}); the previous "
                               "file is kept")


@cli.command()
@click.argument("shell", type=click.Choice(["bash", "zsh", "fish"]))
@handles_problems
def completion(env: Environment, shell: str) -> ExitStatus:
    """Print the shell completion script for bash, zsh or fish.

    \b
    bash: logsleuth completion bash > ~/.local/share/bash-completion/completions/logsleuth
    zsh:  logsleuth completion zsh > "${fpath[1]}/_logsleuth"
    fish: logsleuth completion fish > ~/.config/fish/completions/logsleuth.fish
    """
    from click.shell_completion import get_completion_class

    completer = get_completion_class(shell)
    assert completer is not None            # the three choices are click's built-in shells
    env.stdout.write(completer(cli, {}, "logsleuth", "_LOGSLEUTH_COMPLETE").source() + "\n")
    return ExitStatus.OK


@cli.group("config")
def config_group() -> None:
    """Show the effective settings (config file, environment, defaults)."""


@config_group.command("show")
@handles_problems
def config_show(env: Environment) -> ExitStatus:
    """Print every setting, its value and where it came from."""
    path = config_path()
    env.stdout.write(f"# config file: {path}{'' if path.exists() else ' (not present)'}\n")
    for name, value in load().items():
        setting = f"{name} = {json.dumps(value.value)}"
        source = (f"default; set with {value.setting.variable} or in the file"
                  if value.source == "default" else value.source)
        env.stdout.write(f"{setting:<34} # {source}\n")
    return ExitStatus.OK


@cli.group()
def patterns() -> None:
    """Inspect, test and lint the pattern catalog."""


@patterns.command("export")
@click.option("--to", "target", type=click.Choice(["prometheus-rules", "loki-rules", "grep", "regexes"]),
              required=True,
              help="prometheus-rules: alerts over `summary --prometheus` metrics; loki-rules: "
                   "Loki ruler alerts running the catalog's regexes in LogQL; grep: one POSIX "
                   "ERE per line for `grep -E -f`; regexes: the regexes as written, for `rg -f`.")
@click.option("--selector", default='{container=~".*headscale.*"}', show_default=True,
              help="LogQL stream selector for --to loki-rules.")
@click.option("--patterns", "pattern_dirs", multiple=True, type=click.Path(path_type=Path),
              metavar="DIR", help="Extra directory of pattern TOML files.")
@handles_problems
def patterns_export(env: Environment, target: str, selector: str,
                    pattern_dirs: tuple[Path, ...]) -> ExitStatus:
    """Export the catalog: Prometheus/Loki alerting rules (YAML) or grep/rg pattern lists."""
    from .export import grep_patterns, loki_rules, prometheus_rules, regexes

    catalog = load_catalog(pattern_dirs)
    writers = {"prometheus-rules": prometheus_rules, "grep": grep_patterns, "regexes": regexes,
               "loki-rules": lambda c: loki_rules(c, selector)}
    env.stdout.write(writers[target](catalog))
    return ExitStatus.OK


@patterns.command("list")
@click.option("--patterns", "pattern_dirs", multiple=True, type=click.Path(path_type=Path),
              metavar="DIR", help="Extra directory of pattern TOML files.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="Output format.")
@handles_problems
def patterns_list(env: Environment, pattern_dirs: tuple[Path, ...], fmt: str) -> ExitStatus:
    """List every pattern: id, category, severity, title."""
    catalog = load_catalog(pattern_dirs)
    if fmt == "json":
        env.stdout.write(json.dumps([
            {"id": p.id, "category": p.category, "severity": p.severity, "title": p.title,
             "guide": p.guide, "source": p.source} for p in catalog.patterns], ensure_ascii=False, indent=2) + "\n")
    else:
        for p in catalog.patterns:
            env.stdout.write(f"{p.id:<36} {p.category:<18} {p.severity:<9} {p.title}\n")
    return ExitStatus.OK


@patterns.command("show")
@click.argument("pattern_id")
@click.option("--patterns", "pattern_dirs", multiple=True, type=click.Path(path_type=Path),
              metavar="DIR", help="Extra directory of pattern TOML files.")
@handles_problems
def patterns_show(env: Environment, pattern_id: str, pattern_dirs: tuple[Path, ...]) -> ExitStatus:
    """Show one pattern in full: regex, cause, fix, samples."""
    catalog = load_catalog(pattern_dirs)
    if pattern_id not in catalog:
        raise UsageProblem(f"no pattern '{pattern_id}' (see: logsleuth patterns list)")
    p = catalog.get(pattern_id)
    lines = [f"id:        {p.id}", f"category:  {p.category}", f"severity:  {p.severity}",
             f"priority:  {p.priority}", f"title:     {p.title}", f"guide:     {p.guide}",
             f"regex:     {p.regex}", f"fields:    {', '.join(p.field_names) or '-'}",
             f"cause:     {p.cause}", "fix:", *(f"  {f}" for f in p.fix),
             "samples that match:", *(f"  {s}" for s in p.samples_match),
             "near misses that must not match:", *(f"  {s}" for s in p.samples_no_match),
             f"source:    {p.source}"]
    env.stdout.write("\n".join(lines) + "\n")
    return ExitStatus.OK


@patterns.command("test")
@click.argument("pattern_id")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--invert", is_flag=True, help="Print the lines the pattern does not match.")
@click.option("--patterns", "pattern_dirs", multiple=True, type=click.Path(path_type=Path),
              metavar="DIR", help="Extra directory of pattern TOML files.")
@handles_problems
def patterns_test(env: Environment, pattern_id: str, file: Path, invert: bool,
                  pattern_dirs: tuple[Path, ...]) -> ExitStatus:
    """Run one pattern over FILE: matching lines and the fields it lifts."""
    from .envelope import strip_controls
    from .outbound import outbound_text

    catalog = load_catalog(pattern_dirs)
    if pattern_id not in catalog:
        raise UsageProblem(f"no pattern '{pattern_id}' (see: logsleuth patterns list)")
    compiled = catalog.get(pattern_id).compiled
    matched = total = 0
    with open(file, "rb") as handle:
        for total, raw in enumerate(handle, 1):
            line = strip_controls(raw).decode("utf-8", "replace").rstrip("\n")
            match = compiled.search(line)
            matched += bool(match)
            if bool(match) != invert:
                fields = {k: v for k, v in match.groupdict().items() if v} if match else {}
                suffix = f"  {fields}" if fields else ""
                env.stdout.write(f"{total}: {outbound_text(line + suffix)}\n")
    env.stderr.write(f"{matched} of {total} line(s) matched {pattern_id}"
                     f"{f'; {total - matched} shown' if invert else ''}\n")
    return ExitStatus.OK if matched else ExitStatus.FINDINGS


@patterns.command("lint")
@click.option("--patterns", "pattern_dirs", multiple=True, type=click.Path(path_type=Path),
              metavar="DIR", help="Extra directory of pattern TOML files.")
@handles_problems
def patterns_lint(env: Environment, pattern_dirs: tuple[Path, ...]) -> ExitStatus:
    """Check every pattern: portable regex subset, samples present and passing."""
    from .lint import lint_catalog

    catalog = load_catalog(pattern_dirs, strict=False)
    problems = lint_catalog(catalog)
    for problem in problems:
        env.stdout.write(f"{problem}\n")
    count = len(catalog.patterns) + len(catalog.ignores)
    env.stderr.write(f"{count} entries, {len(problems)} problem(s)\n")
    return ExitStatus.FINDINGS if problems else ExitStatus.OK


def _interrupt(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


def main() -> None:
    """Console-script entry point."""
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        status = cli.main(prog_name="logsleuth", obj=Environment.current(),
                          standalone_mode=False)
    except (KeyboardInterrupt, click.exceptions.Abort):   # Ctrl-C before any work began
        sys.exit(int(ExitStatus.INTERRUPTED))
    except click.ClickException as exc:                   # a usage error: click's message
        exc.show()
        sys.exit(exc.exit_code)
    sys.exit(status if isinstance(status, int) else 0)
