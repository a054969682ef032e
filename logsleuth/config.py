"""User defaults from ``$XDG_CONFIG_HOME/logsleuth/config.toml`` and ``LOGSLEUTH_*`` variables.

Precedence, highest first: the command line, the environment, the config file, the built-in
default. Every setting remembers where its value came from (``logsleuth config show``).

    # ~/.config/logsleuth/config.toml
    format = "markdown"
    lang = "zh"
    fail_on = "error"
    patterns = ["~/headscale-patterns"]
    redact = true
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from .severity import SEVERITIES


class ConfigError(Exception):
    """A config file or variable that cannot be used: one line, exit 2."""


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    choices: tuple[str, ...] = ()

    @property
    def variable(self) -> str:
        return "LOGSLEUTH_" + self.name.upper()


SETTINGS: tuple[Setting, ...] = (
    Setting("format", "auto", ("auto", "rich", "text", "json", "markdown", "ndjson")),
    Setting("lang", "en", ("en", "zh")),
    Setting("fail_on", "warning", (*SEVERITIES, "never")),
    Setting("color", "auto", ("auto", "always", "never")),
    Setting("engine", "auto", ("auto", "hyperscan", "re")),
    Setting("patterns", []),            # extra pattern directories; ':'-separated in the variable
    Setting("redact", True),
)
BY_NAME = {s.name: s for s in SETTINGS}


@dataclass(frozen=True)
class Value:
    setting: Setting
    value: Any
    source: str          # "default", "config file PATH", "environment LOGSLEUTH_X"


def config_path(environ: Mapping[str, str] | None = None) -> Path:
    environ = os.environ if environ is None else environ
    if environ.get("LOGSLEUTH_CONFIG"):
        return Path(environ["LOGSLEUTH_CONFIG"]).expanduser()
    base = environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return Path(base) / "logsleuth" / "config.toml"


def load(environ: Mapping[str, str] | None = None) -> dict[str, Value]:
    """The effective value of every setting and where it came from."""
    environ = os.environ if environ is None else environ
    values = {s.name: Value(s, s.default, "default") for s in SETTINGS}
    path = config_path(environ)
    for name, raw in _read_file(path).items():
        values[name] = Value(BY_NAME[name], _check(BY_NAME[name], raw, str(path)),
                             f"config file {path}")
    for setting in SETTINGS:
        if setting.variable in environ:
            raw = _from_variable(setting, environ[setting.variable])
            values[setting.name] = Value(setting, _check(setting, raw, setting.variable),
                                         f"environment {setting.variable}")
    return values


def _read_file(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read it ({getattr(exc, 'strerror', None) or exc})") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from None
    unknown = sorted(set(data) - set(BY_NAME))
    if unknown:
        raise ConfigError(f"{path}: unknown setting {unknown[0]!r} "
                          f"(known: {', '.join(BY_NAME)})")
    return data


def _from_variable(setting: Setting, text: str) -> Any:
    if isinstance(setting.default, bool):
        lowered = text.strip().lower()
        if lowered in ("1", "true", "yes", "on"):
            return True
        if lowered in ("0", "false", "no", "off"):
            return False
        raise ConfigError(f"{setting.variable}: expected true or false, got {text!r}")
    if isinstance(setting.default, list):
        return [part for part in text.split(os.pathsep) if part]
    return text.strip()


def _check(setting: Setting, value: Any, where: str) -> Any:
    expected = type(setting.default)
    if expected is list:
        if not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
            raise ConfigError(f"{where}: {setting.name} must be a list of directories")
        return [str(Path(v).expanduser()) for v in value]
    if not isinstance(value, expected):
        raise ConfigError(f"{where}: {setting.name} must be a {expected.__name__}, "
                          f"got {value!r}")
    if setting.choices and value not in setting.choices:
        raise ConfigError(f"{where}: {setting.name} must be one of "
                          f"{', '.join(setting.choices)}, got {value!r}")
    return value
