"""``config show`` (the effective settings and where each came from) and ``completion``
(the shell completion script)."""

from __future__ import annotations

import json

import click

from ..config import config_path, load
from ..environment import Environment
from ..status import ExitStatus
from .app import cli, handles_problems


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
