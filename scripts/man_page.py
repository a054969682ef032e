"""Write docs/logsleuth.1, the man page, from the click commands themselves.

    python scripts/man_page.py

The page is installed with the package (share/man/man1), so ``man logsleuth`` finds it
inside an activated virtual environment; a test fails when the page is stale.
"""

from __future__ import annotations

import inspect
from pathlib import Path

import click

from logsleuth import __version__
from logsleuth.cli import cli
from logsleuth.status import ExitStatus

PAGE = Path(__file__).resolve().parent.parent / "docs" / "logsleuth.1"

EXIT_STATUS = {
    ExitStatus.OK: "ran; no finding at or above --fail-on",
    ExitStatus.FINDINGS: "findings at or above --fail-on (patterns lint: problems; "
                         "patterns test: nothing matched)",
    ExitStatus.USAGE: "usage or configuration error, or no input on a terminal",
    ExitStatus.INPUT_ERROR: "an input could not be read, or there was nothing to analyse "
                            "(empty input, not text, filters that leave no line), or summary "
                            "could not write its files",
    ExitStatus.INTERRUPTED: "interrupted (Ctrl-C or SIGTERM) after printing what was found",
}


def roff(text: str) -> str:
    """Text safe for roff: backslashes and hyphens escaped, no line starting a request,
    characters beyond ASCII (the guide's Chinese section names) as ``\\[uXXXX]``."""
    text = text.replace("\\", "\\e").replace("-", "\\-")
    text = "".join(c if ord(c) < 128 else f"\\[u{ord(c):04X}]" for c in text)
    lines = text.splitlines()
    return "\n".join(f"\\&{line}" if line.startswith((".", "'")) else line for line in lines)


def _help(command: click.Command) -> str:
    """The command's help as roff paragraphs; click's ``\\b`` paragraphs keep their lines."""
    paragraphs = []
    for paragraph in inspect.cleandoc(command.help or "").split("\n\n"):
        if paragraph.startswith("\b\n"):
            paragraphs.append(f".nf\n{roff(paragraph[2:])}\n.fi")
        else:
            paragraphs.append(roff(paragraph))
    return "\n.PP\n".join(paragraphs)


def _options(command: click.Command, ctx: click.Context) -> list[str]:
    out = []
    for param in command.get_params(ctx):
        record = param.get_help_record(ctx) if isinstance(param, click.Option) else None
        if record:
            out += [".TP", f"\\fB{roff(record[0])}\\fR", roff(record[1])]
    return out


def _commands(group: click.Group, ctx: click.Context, prefix: str) -> list[str]:
    out = []
    for name, command in group.commands.items():
        sub = click.Context(command, info_name=name, parent=ctx)
        usage = " ".join(command.collect_usage_pieces(sub))
        out += [f'.SS "{roff(f"{prefix} {name} {usage}".strip())}"', _help(command)]
        if isinstance(command, click.Group):
            out += _commands(command, sub, f"{prefix} {name}")
        else:
            out += _options(command, sub)
    return out


def man_page() -> str:
    ctx = click.Context(cli, info_name="logsleuth", **cli.context_settings)
    summary = inspect.cleandoc(cli.help or "").splitlines()[0]
    lines = [
        f'.TH LOGSLEUTH 1 "" "logsleuth {__version__}" "User Commands"',
        ".SH NAME", f"logsleuth \\- {roff(summary[0].lower() + summary[1:].rstrip('.'))}",
        ".SH SYNOPSIS", ".B logsleuth", "[\\fIanalyze\\fR] [\\fIOPTIONS\\fR] [\\fIFILE\\fR|\\-]...",
        ".br", ".B logsleuth", "\\fICOMMAND\\fR [\\fIOPTIONS\\fR] [\\fIARGS\\fR]...",
        ".SH DESCRIPTION", _help(cli),
        ".SH OPTIONS", *_options(cli, ctx),
        ".SH COMMANDS", *_commands(cli, ctx, "logsleuth"),
        ".SH EXIT STATUS",
        *[line for status, meaning in EXIT_STATUS.items()
          for line in (".TP", f"\\fB{int(status)}\\fR", roff(meaning))],
        ".SH FILES",
        ".TP", "\\fI~/.config/logsleuth/config.toml\\fR",
        "defaults for options ($XDG_CONFIG_HOME; LOGSLEUTH_CONFIG names another file)",
        ".TP", "\\fI~/.local/state/logsleuth/state.json\\fR",
        "the nightly summary's state ($XDG_STATE_HOME)",
        ".SH ENVIRONMENT",
        "LOGSLEUTH_FORMAT, LOGSLEUTH_LANG, LOGSLEUTH_FAIL_ON, LOGSLEUTH_COLOR, LOGSLEUTH_ENGINE, "
        "LOGSLEUTH_PATTERNS, LOGSLEUTH_REDACT, NO_COLOR.",
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    PAGE.write_text(man_page(), encoding="utf-8")
    print(f"wrote {PAGE}")
