"""Formats: Markdown that pastes and renders as written, a summary in Markdown as complete as
in text, resolved findings by title, and cut text that says it was cut."""

from __future__ import annotations

import html
import re
from pathlib import Path

from markdown_it import MarkdownIt      # CommonMark, as GitHub renders it (comes with rich)

from .conftest import FIXTURES, run_cli

LOCKED = '2026-07-14T00:0{n}:00Z ERR failed to update last seen in database error="database is locked (5) (SQLITE_BUSY)"\n'
INFO = '2026-07-14T00:1{n}:00Z INF node connected node.id=3\n'
LONG_UNKNOWN = ('2026-07-14T00:2{n}:00Z ERR reloading policy from the database failed after many '
                'retries error="loading policy: open /etc/headscale/acl.hujson: no such file or '
                'directory"\n')


def markdown(args: list[str]) -> str:
    return run_cli([*args, "--format", "markdown"]).stdout


def shell_fences(text: str) -> list[list[str]]:
    return [token.content.splitlines() for token in MarkdownIt().parse(text)
            if token.type == "fence" and token.info == "sh"]


def test_markdown_fix_blocks_paste_as_commands_without_prompts():
    fences = shell_fences(markdown([str(FIXTURES / "sample.log")]))
    assert fences and not [line for fence in fences for line in fence if line.startswith("$")]
    assert ["./scripts/manage.sh restart",
            "docker-compose ps   # only one headscale container may run"] in fences


def test_markdown_text_survives_rendering():
    page = MarkdownIt().render(markdown([str(FIXTURES / "zerolog-json.log")]))
    assert "e.g. /application/o/&lt;slug&gt;/ for Authentik, /realms/&lt;realm&gt; for Keycloak" in page


def summary(log: Path, state: Path, fmt: str) -> str:
    return run_cli(["summary", str(log), "--state", str(state), "--format", fmt]).stdout


def test_summary_markdown_has_the_causes_and_fixes_the_text_has(tmp_path):
    log = tmp_path / "h.log"
    log.write_bytes((FIXTURES / "sample.log").read_bytes())
    text = summary(log, tmp_path / "a.json", "text")
    md = summary(log, tmp_path / "b.json", "markdown")
    causes = text.split("Most likely causes:\n", 1)[1]
    titles = re.findall(r"^\d\. ([^:]+):", causes, re.M)
    commands = re.findall(r"^   \$ (.*?)…?$", causes, re.M)
    assert titles and commands
    rendered = html.unescape(re.sub(r"<[^>]+>", "", MarkdownIt().render(md)))
    assert all(title in rendered for title in titles)
    fenced = [line for fence in shell_fences(md) for line in fence]
    assert all(any(line.startswith(command) for line in fenced) for command in commands)


def test_clean_summary_markdown_says_so(tmp_path):
    log = tmp_path / "h.log"
    log.write_text("".join(INFO.format(n=n) for n in range(3)))
    assert "No known problems." in summary(log, tmp_path / "s.json", "markdown")


def test_resolved_findings_are_shown_by_title_in_every_summary_format(tmp_path):
    log, state = tmp_path / "h.log", tmp_path / "s.json"
    log.write_text("".join(LOCKED.format(n=n) for n in range(3)))
    summary(log, state, "text")
    with log.open("a") as out:
        out.write("".join(INFO.format(n=n) for n in range(3)))
    for fmt in ("text", "markdown"):
        backup = state.read_bytes()
        night = summary(log, state, fmt)
        state.write_bytes(backup)                       # the same second night, in each format
        gone = [line for line in night.splitlines() if "GONE" in line]
        assert len(gone) == 1 and "SQLite database is locked" in gone[0], night
        assert "db.sqlite_locked" not in night and "x0" not in night
    page = tmp_path / "r.html"
    run_cli(["summary", str(log), "--state", str(state), "--html", str(page)])
    assert re.search(r"<td>GONE</td><td></td><td>SQLite database is locked</td>", page.read_text())


def test_summary_text_cut_to_80_columns_ends_with_an_ellipsis(tmp_path):
    log = tmp_path / "h.log"
    log.write_text(LONG_UNKNOWN.format(n=0))
    lines = summary(log, tmp_path / "s.json", "text").splitlines()
    cut = [line for line in lines if "reloading policy" in line]
    assert len(cut) == 1 and cut[0].endswith("…") and len(cut[0]) <= 80
    assert max(len(line) for line in lines) <= 80
