"""The command group: ``logsleuth FILE`` means ``logsleuth analyze FILE``; settings from the
config file and LOGSLEUTH_* become option defaults; user-facing problems become one
stderr line and the documented exit status."""

from __future__ import annotations

import contextlib
import difflib
import os
import re
import signal
import sys
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, NoReturn

import click

from .. import __version__
from ..config import ConfigError, load
from ..environment import Environment, tune_process
from ..status import ExitStatus
from .output import fail, silence_stdout
from .params import UsageProblem

if TYPE_CHECKING:
    from click.shell_completion import CompletionItem

GROUP_OPTIONS = ("--help", "-h", "--version", "-V")
_COMMAND_WORD = re.compile(r"[a-z][a-z-]*")


class DefaultGroup(click.Group):
    """``logsleuth FILE`` means ``logsleuth analyze FILE``."""

    default_command = "analyze"

    def shell_complete(self, ctx: click.Context, incomplete: str) -> list[CompletionItem]:
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

    def resolve_command(self, ctx: click.Context,
                        args: list[str]) -> tuple[str | None, click.Command | None, list[str]]:
        """An unknown command is a usage error that suggests the nearest name."""
        if args and self.get_command(ctx, args[0]) is None and not ctx.resilient_parsing:
            raise click.UsageError(_no_such_command(args[0], [*self.commands, *GROUP_OPTIONS]),
                                   ctx)
        return super().resolve_command(ctx, args)


def _mistyped_command(argument: str) -> bool:
    """A bare word (``reprot``, ``version``) that names no file: meant as a command."""
    return bool(_COMMAND_WORD.fullmatch(argument)) and not os.path.lexists(argument)


def _no_such_command(name: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(name, choices, n=1) or difflib.get_close_matches(
        f"--{name}", choices, n=1)
    hint = f". Did you mean '{close[0]}'?" if close else ", nor a file of that name."
    return f"No such command '{name}'{hint}"


def environment(ctx: click.Context) -> Environment:
    """The injected environment (tests pass one as ``obj``), or the process's own."""
    if not isinstance(ctx.obj, Environment):
        ctx.obj = Environment.current()
    return ctx.obj


def _catalog_error() -> type[Exception]:
    """The catalog's error class, imported only when something went wrong (``--help``
    need not load the catalog)."""
    from ..catalog import CatalogError

    return CatalogError


def handles_problems(command: Callable[..., ExitStatus]) -> Callable[..., None]:
    """Call the command with the environment; turn user-facing problems into one stderr
    line and the documented exit code."""

    @wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        ctx = click.get_current_context()
        env = environment(ctx)
        try:
            status = command(env, *args, **kwargs)
        except (UsageProblem, _catalog_error()) as exc:   # evaluated only on an exception
            status = fail(env, str(exc), ExitStatus.USAGE)
        except BrokenPipeError:
            silence_stdout()
            status = ExitStatus.OK
        ctx.exit(int(status))

    return wrapper


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
        fail(environment(ctx), str(exc), ExitStatus.USAGE)
        ctx.exit(int(ExitStatus.USAGE))
    ctx.default_map = _default_map(ctx.command, {
        name: value.value for name, value in settings.items() if value.source != "default"})


# Setting name -> (click parameter name, how the setting's value becomes the parameter's)
_SETTING_PARAMS: dict[str, tuple[str, Callable[[Any], Any]]] = {
    "format": ("fmt", str), "lang": ("lang", str), "fail_on": ("fail_on", str),
    "color": ("color", str), "engine": ("engine", str),
    "patterns": ("pattern_dirs", lambda dirs: tuple(Path(d) for d in dirs)),
    "redact": ("no_redact", lambda redact: not redact),
}


def _default_map(command: click.Command, settings: dict[str, Any]) -> dict[str, Any]:
    """Click's ``default_map`` for every command taking a configured option (a format only
    where the command offers it)."""
    result: dict[str, Any] = {}
    for name, sub in getattr(command, "commands", {}).items():
        result[name] = (_default_map(sub, settings) if isinstance(sub, click.Group)
                        else _command_defaults(sub, settings))
    return result


def _command_defaults(command: click.Command, settings: dict[str, Any]) -> dict[str, Any]:
    params = {p.name: p for p in command.params}
    defaults = {}
    for setting, value in settings.items():
        param_name, convert = _SETTING_PARAMS[setting]
        param = params.get(param_name)
        choices = getattr(param.type, "choices", None) if param else None
        if param is not None and (choices is None or value in choices):
            defaults[param_name] = convert(value)
    return defaults


def _interrupt(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


def main() -> None:
    """Console-script entry point."""
    signal.signal(signal.SIGTERM, _interrupt)
    tune_process()
    try:
        status = cli.main(prog_name="logsleuth", obj=Environment.current(),
                          standalone_mode=False)
    except (KeyboardInterrupt, click.exceptions.Abort):   # Ctrl-C before any work began
        sys.exit(int(ExitStatus.INTERRUPTED))
    except click.ClickException as exc:                   # a usage error: click's message
        exc.show()
        sys.exit(exc.exit_code)
    leave(status if isinstance(status, int) else 0)


def leave(status: int) -> NoReturn:
    """Flush the output and end the process without tearing the interpreter down: freeing
    a big run's objects one by one takes ~35 ms and nothing is left to run (logsleuth
    registers no exit handlers; every file it writes is closed by then). A reader gone or a
    stream closed leaves nothing more to say there."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    os._exit(status)
