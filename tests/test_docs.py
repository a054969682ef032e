"""The README's picture is current; shell completion scripts work."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess

import pytest

from .conftest import ROOT, run_cli


def _picture_script():
    spec = importlib.util.spec_from_file_location("readme_picture",
                                                  ROOT / "scripts" / "readme_picture.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_readme_picture_is_the_current_output_of_the_sample():
    script = _picture_script()
    assert "docs/sample-output.svg" in (ROOT / "README.md").read_text(encoding="utf-8")
    assert script.PICTURE.read_text(encoding="utf-8") == script.picture(), \
        "run python scripts/readme_picture.py"
    assert "SQLite database is locked" in script.picture().replace("&#160;", " ")


@pytest.mark.parametrize("shell, marker", [
    ("bash", "complete -o nosort -F _logsleuth_completion logsleuth"),
    ("zsh", "#compdef logsleuth"),
    ("fish", "complete --no-files --command logsleuth"),
])
def test_completion_scripts_for_three_shells(shell, marker):
    result = run_cli(["completion", shell])
    assert result.exit_code == 0 and marker in result.stdout
    assert "_LOGSLEUTH_COMPLETE" in result.stdout


@pytest.mark.skipif(not shutil.which("bash") or not shutil.which("logsleuth"),
                    reason="needs bash and the installed logsleuth command")
@pytest.mark.parametrize("words, expected", [
    ("logsleuth co", ["completion", "config"]),
    ("logsleuth patterns l", ["lint", "list"]),
    ("logsleuth analyze --fail-on e", ["error"]),
])
def test_bash_completion_completes_commands_and_choices(words, expected):
    script = run_cli(["completion", "bash"]).stdout
    words_list = words.split(" ")
    program = (f'{script}\nCOMP_WORDS=({" ".join(repr(w) for w in words_list)}); '
               f'COMP_CWORD={len(words_list) - 1}; _logsleuth_completion logsleuth 2>/dev/null; '
               'printf "%s\\n" "${COMPREPLY[@]}"')
    done = subprocess.run(["bash", "-c", program], capture_output=True, text=True,
                          env={**os.environ}, timeout=30)
    assert done.stdout.split() == expected
