"""Every option declared once; commands compose the groups they take. Choices come from
the settings table (logsleuth/config.py), so a config file and a flag accept the same."""

from __future__ import annotations

from dataclasses import dataclass
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

import click

from ..config import BY_NAME as SETTINGS

if TYPE_CHECKING:
    from ..options import Options

Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]


class UsageProblem(Exception):
    """A bad option value or configuration: one line on stderr, exit 2."""


def _choice(setting: str, *, without: tuple[str, ...] = ()) -> click.Choice:
    return click.Choice([c for c in SETTINGS[setting].choices if c not in without])


def _apply(decorators: list[Decorator]) -> Decorator:
    def apply(command: Callable[..., Any]) -> Callable[..., Any]:
        for decorator in reversed(decorators):
            command = decorator(command)
        return command
    return apply


SINCE = click.option("--since", metavar="WHEN",
                     help="Only entries at or after WHEN (24h, 7d, 2024-05-01T10:00Z).")
UNTIL = click.option("--until", metavar="WHEN", help="Only entries at or before WHEN.")
SERVICE = click.option("--service", "services", multiple=True, metavar="NAME",
                       help="Only this compose service or container (repeatable).")
PATTERNS = click.option("--patterns", "pattern_dirs", multiple=True, metavar="DIR",
                        type=click.Path(path_type=Path),
                        help="Extra directory of pattern TOML files (repeatable).")
LANG = click.option("--lang", type=_choice("lang"), default="en", show_default=True,
                    help="Language of titles, causes and fixes (zh: the guide's own words).")
NO_REDACT = click.option("--no-redact", is_flag=True,
                         help="Show secrets (keys, tokens, passwords) unmasked (a sample cut at "
                              "4,096 characters stays masked).")
FAIL_ON = click.option("--fail-on", type=_choice("fail_on"), default="warning",
                       show_default=True, help="Exit 1 when a finding has at least this severity.")
COLOR = click.option("--color", type=_choice("color"), default="auto", show_default=True,
                     help="Colour in rich output (NO_COLOR is honoured).")
ENGINE = click.option("--engine", type=_choice("engine"), default="auto", show_default=True,
                      help="Scan engine; results are identical, speed is not.")
REPORT_FORMAT = click.option("--format", "fmt", type=_choice("format"), default="auto",
                             show_default=True, help="Output format; auto is rich on a "
                             "terminal and plain text otherwise (ndjson: with --follow).")


def format_option(choices: list[str], default: str, help: str) -> Decorator:
    """--format for a command whose outputs are not the report's."""
    return click.option("--format", "fmt", type=click.Choice(choices), default=default,
                        show_default=True, help=help)


@dataclass(frozen=True)
class Output:
    """How a report is shown: format, language, colour, --fail-on, masking."""

    fmt: str
    lang: str
    color: str
    fail_on: str
    mask_secrets: bool


def build_options(since: str | None, until: str | None, services: tuple[str, ...],
                  pattern_dirs: tuple[Path, ...], lang: str = "en", no_redact: bool = False,
                  engine: str = "auto") -> Options:
    """The library's Options from option values; a bad --since/--until is a usage problem."""
    from ..options import Options
    from ..timeparse import parse_when

    try:
        since_at = parse_when(since) if since else None
        until_at = parse_when(until) if until else None
    except ValueError as exc:
        raise UsageProblem(f"--since/--until: {exc}") from None
    return Options(since=since_at, until=until_at, services=services, lang=lang,
                   redact=not no_redact, engine=engine, pattern_dirs=pattern_dirs)


def analysis_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """The options of every command that reports on logs, handed to the command as
    ``options`` (what to analyse) and ``output`` (how to show it)."""

    @wraps(command)
    def convert(*args: Any, fmt: str, since: str | None, until: str | None,
                services: tuple[str, ...], pattern_dirs: tuple[Path, ...], lang: str,
                no_redact: bool, fail_on: str, color: str, engine: str, **rest: Any) -> Any:
        options = build_options(since, until, services, pattern_dirs, lang, no_redact, engine)
        output = Output(fmt, lang, color, fail_on, not no_redact)
        return command(*args, options=options, output=output, **rest)

    return _apply([REPORT_FORMAT, SINCE, UNTIL, SERVICE, PATTERNS, LANG, NO_REDACT, FAIL_ON,
                   COLOR, ENGINE])(convert)
