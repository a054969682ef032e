"""The README's picture is current; shell completion scripts work."""

from __future__ import annotations

import importlib.util
import os
import re
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


def _man_script():
    spec = importlib.util.spec_from_file_location("man_page", ROOT / "scripts" / "man_page.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_man_page_is_generated_from_the_current_commands():
    script = _man_script()
    assert script.PAGE.read_text(encoding="utf-8") == script.man_page(), \
        "run python scripts/man_page.py"


@pytest.mark.skipif(not shutil.which("man"), reason="man (man-db) not installed")
def test_the_man_page_renders_cleanly_with_every_command():
    done = subprocess.run(["man", "-l", str(_man_script().PAGE)], capture_output=True, text=True,
                          env={**os.environ, "LANG": "C.UTF-8", "MANWIDTH": "100"}, timeout=30)
    assert done.returncode == 0 and done.stderr == ""
    for command in ("analyze", "report", "summary", "events", "patterns export", "config show",
                    "completion"):
        assert f"logsleuth {command} " in done.stdout
    assert "--quiet-if-clean" in done.stdout.replace("‐", "-") and "EXIT STATUS" in done.stdout


def test_the_readme_links_only_inside_the_repository():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    targets = re.findall(r"\]\(([^)]+)\)", readme)
    assert targets and all((ROOT / target).exists() for target in targets), targets
    assert "://" not in readme and "../" not in readme


def test_how_it_works_names_every_module_of_the_tree():
    """The README's "How it works" matches the tree: every module and package of logsleuth
    is named there, and everything it names in backticks as a file exists."""
    section = (ROOT / "README.md").read_text().split("## How it works", 1)[1].split("\n## ", 1)[0]
    named = set(re.findall(r"`([\w/]+(?:\.py|/))`", section))
    package = ROOT / "logsleuth"
    tree = {p.name for p in package.rglob("*.py") if p.name not in ("__init__.py", "__main__.py")}
    tree |= {f"{p.parent.name}/" for p in package.glob("*/__init__.py")}
    assert sorted(tree - {name.rsplit("/", 1)[-1] if name.endswith(".py") else name
                          for name in named}) == []
    on_disk = {p.name for p in package.rglob("*")} | {f"{p.name}/" for p in package.iterdir()}
    assert sorted(n for n in named if n.rsplit("/", 1)[-1] not in on_disk and n not in on_disk) == []
