"""`logsleuth templates` end to end, and the nightly summary announcing only new templates."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from .conftest import FIXTURES, analyze_text, run_cli
from .test_summary import UNKNOWN_Y, lines, summary

MAP_UPDATE = '{{t}} ERR failed to send map update to node {node} error="stream closed"\n'


def ndjson(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines()]


def test_ndjson_gives_every_line_its_template_and_the_envelope_is_removed():
    log = "".join([
        "headscale-1  | 2024-05-01T10:00:01Z INF node laptop went online\n",
        "headscale-1  | 2024-05-01T10:00:02Z INF node nas went online\n",
        "\n",
        'headscale-1  | {"level":"info","time":"2024-05-01T10:00:03Z","message":"node pi went online"}\n',
        "headscale-1  | 2024-05-01T10:00:04Z ERR failed to open database file /var/lib/headscale/db.sqlite\n",
        "headscale-1  | 2024-05-01T10:00:05Z DBG duration=1.5 rowsAffected=1\n",
    ])
    result = run_cli(["templates", "--format", "ndjson", "-"], stdin=log)
    assert result.exit_code == 0
    rows = ndjson(result.stdout)
    assert [r["line_no"] for r in rows] == [1, 2, 3, 4, 5, 6]
    assert rows[0]["template"] == "node <*> went online"
    assert rows[0]["template_id"] == rows[1]["template_id"] == rows[3]["template_id"]
    assert rows[2]["template"] == ""
    assert rows[4]["template"] == "failed to open database file /var/lib/headscale/db.sqlite"
    assert rows[5]["template"] == "duration=<n> rowsAffected=<n>"     # no message: its fields
    assert len({r["template_id"] for r in rows}) == 4


def test_json_lists_templates_with_counts_times_and_a_redacted_example():
    log = "".join(f"2024-05-01T10:00:0{i}Z ERR pre-auth key hskey-auth-Zx81kQp2LmN0a9q{i} "
                  f"rejected for user {u}\n" for i, u in enumerate(["anna", "ben", "cleo"]))
    result = run_cli(["templates", "--format", "json", "-"], stdin=log)
    data = json.loads(result.stdout)
    assert data["schema"] == "logsleuth/templates@1" and data["lines"] == 3
    top, = data["templates"]
    assert top["count"] == 3 and top["template"].endswith("rejected for user <*>")
    assert (top["first_seen"], top["last_seen"]) == ("2024-05-01T10:00:00Z", "2024-05-01T10:00:02Z")
    assert "Zx81kQp2" not in result.stdout and "[REDACTED]" in top["example"]


def test_text_and_markdown_show_the_most_frequent_template_first():
    text = run_cli(["templates", "--format", "text", str(FIXTURES / "sample.log")]).stdout
    markdown = run_cli(["templates", "--format", "markdown", str(FIXTURES / "sample.log")]).stdout
    assert text.startswith("23 templates in 30 lines from")
    assert "database is locked (<n>) (SQLITE_BUSY)" in text.split("\n")[3]
    assert markdown.count("\n| ") == 23 + 1


def test_an_unreadable_input_is_one_line_and_exit_3(tmp_path):
    result = run_cli(["templates", str(tmp_path / "missing.log")])
    assert result.exit_code == 3
    assert result.stderr.strip().count("\n") == 0 and "missing.log" in result.stderr


def test_ids_do_not_depend_on_the_process(tmp_path):
    log = tmp_path / "h.log"
    log.write_text("".join(f"user {u} logged in from 10.0.0.{i}\n" for i, u in enumerate("abcdef")))
    outputs = {subprocess.run([sys.executable, "-m", "logsleuth", "templates", "--format", "ndjson",
                               str(log)], capture_output=True, text=True, check=True,
                              env={**os.environ, "PYTHONHASHSEED": seed}).stdout
               for seed in ("1", "2")}
    assert len(outputs) == 1


def test_the_second_night_announces_only_the_template_it_has_not_seen(tmp_path):
    log, state = tmp_path / "headscale.log", tmp_path / "state.json"
    night1 = "".join(MAP_UPDATE.format(node=n) for n in ("alpha", "bravo", "charlie"))
    log.write_text("".join(line.format(t=f"2026-07-14T00:0{i}:00Z")
                           for i, line in enumerate(night1.splitlines(keepends=True))))
    _, first, _ = summary(log, state)
    assert first["summary"]["new_unknown"] == [
        "failed to send map update to node <*> error=stream closed"]

    with log.open("a") as out:            # a node not seen before, and a new message
        out.write(MAP_UPDATE.format(node="delta").format(t="2026-07-15T00:01:00Z"))
        out.write(lines(UNKNOWN_Y, range(2, 3)).replace("2026-07-14", "2026-07-15"))
    _, second, _ = summary(log, state)
    assert [u["count"] for u in second["unknown"]] == [1, 1]
    assert len(second["summary"]["new_unknown"]) == 1
    assert "localpart" in second["summary"]["new_unknown"][0]
    stored = json.loads(state.read_text())["known_templates"]
    assert not any("alpha" in t or "delta" in t for t in stored)


def test_ndjson_lines_stay_valid_json_with_quotes_backslashes_and_control_characters(tmp_path):
    log = tmp_path / 'odd "name".log'
    log.write_bytes('path "C:\\data\\x" not found\x01 – ünïcode\t\n'.encode("utf-8"))
    result = run_cli(["templates", "--format", "ndjson", str(log)])
    row, = ndjson(result.stdout)
    assert row["source"] == str(log)
    assert row["template"] == 'path "C:\\data\\x" not found\x01 – ünïcode'


def test_ndjson_numbers_lines_per_input_and_shares_templates_across_inputs(tmp_path):
    first, second = tmp_path / "a.log", tmp_path / "b.log"
    first.write_text("".join(f"peer {p} is unreachable\n" for p in ("laptop", "nas")))
    second.write_text("peer router is unreachable\nLink ok\n")
    rows = ndjson(run_cli(["templates", "--format", "ndjson", str(first), str(second)]).stdout)
    assert [(r["source"][-5:], r["line_no"]) for r in rows] == [
        ("a.log", 1), ("a.log", 2), ("b.log", 1), ("b.log", 2)]
    assert {r["template"] for r in rows[:3]} == {"peer <*> is unreachable"}
    assert rows[3]["template"] == "Link ok"


def test_an_input_of_several_chunks_keeps_counting_its_lines(tmp_path):
    log = tmp_path / "big.log"
    body = "".join(f"worker {w} finished job {j} in {j % 97}ms\n" for w in ("a", "b", "c")
                   for j in range(15_000))                       # ~1.4 MB: two 1 MiB chunks
    log.write_text(body + "Link ok\n")
    rows = ndjson(run_cli(["templates", "--format", "ndjson", str(log)]).stdout)
    assert [r["line_no"] for r in rows] == list(range(1, 45_002))
    assert {r["template"] for r in rows[:-1]} == {"worker <*> finished job <n> in <dur>"}
    assert rows[-1]["template"] == "Link ok"


def test_no_line_of_a_private_key_block_reaches_any_output(tmp_path):
    body = ["b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW",
            "QyNTUxOQAAACBnSmVrZWJhbGxvb25zYW5kcGFsbWFzYWxsYWJvdXRpdAAAAJg="]
    key = ["-----BEGIN OPENSSH PRIVATE KEY-----", *body, "-----END OPENSSH PRIVATE KEY-----"]
    log = tmp_path / "h.log"
    log.write_text("\n".join(["loading key", *key, "key loaded", *key]) + "\n")   # twice
    for fmt in ("json", "ndjson", "text"):
        out = run_cli(["templates", "--format", fmt, str(log)]).stdout
        assert not any(part[:20] in out for part in body), fmt


def test_rich_output_prints_text_as_written_not_as_markup():
    log = "[bold]node[/bold] laptop failed [red]x[/red]\n"
    result = run_cli(["templates", "--format", "rich", "--color", "never", "-"], stdin=log)
    assert result.exit_code == 0
    assert result.stdout.count("[bold]node[/bold]") == 2       # template and example


def test_unexplained_crashes_and_unknown_errors_that_differ_in_a_value_are_one_each(pipeline):
    crash = ('2025-02-01T08:00:0{i}Z FTL cmd/headscale/cli/serve.go:32 > Error initializing '
             'error="creating new headscale: cannot load policy set {name}"\n')
    unknown = '2025-02-01T08:01:0{i}Z ERR failed to send map update to node {name} error="stream closed"\n'
    names = ["alpha", "bravo", "charlie"]
    text = "".join(t.format(i=i, name=n) for t in (crash, unknown) for i, n in enumerate(names))
    result = analyze_text(pipeline, text)
    crashes = [f for f in result.findings if f.pattern_id == "crash.unexplained_fatal"]
    assert [(f.count, f.template) for f in crashes] == [
        (3, "Error initializing error=creating new headscale: cannot load policy set <*>")]
    assert [(u.count, u.template) for u in result.unknown] == [
        (3, "failed to send map update to node <*> error=stream closed")]
