"""Hostile and broken input the pipeline must survive with a clear answer (issue 6)."""

from __future__ import annotations

import errno
import json
import os
import threading
from pathlib import Path

import pytest

from logsleuth import sources
from logsleuth.nightly import state as history
from logsleuth.aggregate import FIELD_VALUES, SAMPLES

from .conftest import FIXTURES, run_cli, run_json

LOCKED = "2024-05-01T10:00:{s:02d}Z ERR failed to write: database is locked"


def _locked(seconds: int = 0, prefix: str = "headscale  | ") -> str:
    return prefix + LOCKED.format(s=seconds) + "\n"


def test_a_fifo_among_good_files_is_read_like_a_pipe(tmp_path):
    fifo = tmp_path / "live.log"
    os.mkfifo(fifo)
    writer = threading.Thread(target=lambda: fifo.write_text(_locked(1) * 3))
    writer.start()
    code, data = run_json([str(FIXTURES / "info-only.log"), str(fifo)])
    writer.join(5)
    assert code == 1 and data["errors"] == []
    assert data["findings"][0]["pattern_id"] == "db.sqlite_locked"
    assert data["findings"][0]["count"] == 3


def test_an_unreadable_file_among_good_ones_is_named_and_exits_3(tmp_path, monkeypatch):
    secret = tmp_path / "secret.log"
    secret.write_text(_locked())
    if os.geteuid() == 0:          # root reads anything: make open() refuse as it would
        real_open = open

        def refusing_open(path, *args, **kwargs):
            if Path(path) == secret:
                raise PermissionError(errno.EACCES, "Permission denied", str(path))
            return real_open(path, *args, **kwargs)

        monkeypatch.setattr(sources, "open", refusing_open, raising=False)
    else:
        secret.chmod(0)
    good = tmp_path / "good.log"
    good.write_text(_locked(2))
    result = run_cli([str(secret), str(good), "--format", "json"])
    assert result.exit_code == 3
    assert json.loads(result.stdout)["findings"][0]["count"] == 1
    assert f"{secret}: Permission denied" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_200_character_service_name_is_kept(tmp_path):
    name = "headscale-" + "x" * 190
    code, data = run_json(["-"], _locked(prefix=f"{name}  | ") * 2)
    assert code == 1 and data["services"] == [name]
    assert data["findings"][0]["services"] == [name]


def test_a_prefix_too_long_to_be_a_service_still_finds_the_problem():
    code, data = run_json(["-"], _locked(prefix="y" * 400 + " | "))
    assert code == 1 and data["findings"][0]["pattern_id"] == "db.sqlite_locked"


def test_unparseable_timestamps_take_the_last_good_time():
    text = (_locked(5) + "headscale  | 2024-13-45T99:99:99Z ERR failed: database is locked\n")
    code, data = run_json(["-"], text)
    finding = data["findings"][0]
    assert code == 1 and finding["count"] == 2
    assert finding["first_seen"] == finding["last_seen"] == "2024-05-01T10:00:05Z"


def test_timestamps_going_backwards_give_the_true_window():
    text = _locked(30) + _locked(10) + _locked(50) + _locked(20)
    _, data = run_json(["-"], text)
    assert data["window"] == {"first": "2024-05-01T10:00:10Z", "last": "2024-05-01T10:00:50Z"}
    assert data["findings"][0]["first_seen"] == "2024-05-01T10:00:10Z"
    assert data["findings"][0]["last_seen"] == "2024-05-01T10:00:50Z"


def test_timestamps_in_the_future_are_counted_and_noted():
    text = _locked(1) + "headscale  | 2099-01-01T00:00:00Z ERR failed: database is locked\n"
    result = run_cli(["-", "--format", "json"], text)
    data = json.loads(result.stdout)
    assert result.exit_code == 1 and data["findings"][0]["count"] == 2
    assert "1 entries are dated in the future (up to 2099-01-01T00:00:00Z)" in data["notes"][0]
    assert "dated in the future" in run_cli(["-", "--format", "text"], text).stdout


def test_many_identical_errors_keep_samples_and_field_tables_capped():
    line = ('2026/07/14 10:02:{s:02d} Received error: fetch control key: Get '
            '"https://hs.example.com/key?v=142": dial tcp 203.0.113.{h}:{p}: connect: '
            'connection refused\n')
    text = "".join(line.format(s=i % 60, h=i % 250, p=1000 + i % 97) for i in range(20_000))
    code, data = run_json(["-"], text)
    finding = data["findings"][0]
    assert finding["pattern_id"] == "conn.refused" and finding["count"] == 20_000
    assert len(finding["samples"]) <= SAMPLES + 1                  # the first few and the latest
    assert all(len(values) <= FIELD_VALUES for values in finding["fields"].values())
    assert len(finding["fields"]["host"]) == FIELD_VALUES


@pytest.fixture
def full_disk(monkeypatch):
    """Every atomic write fails as on a full disk, after its temp file was created."""
    def no_space(_fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(history.os, "fsync", no_space)


def test_a_full_disk_keeps_the_previous_state_and_metrics(tmp_path, monkeypatch, request):
    log, state = tmp_path / "hs.log", tmp_path / "state.json"
    metrics, html = tmp_path / "logsleuth.prom", tmp_path / "report.html"
    log.write_text(_locked(1))
    args = ["summary", str(log), "--state", str(state), "--prometheus", str(metrics),
            "--html", str(html)]
    assert run_cli(args).exit_code == 1
    before = {p: p.read_bytes() for p in (state, metrics, html)}
    with log.open("a") as handle:
        handle.write(_locked(2) * 5)
    request.getfixturevalue("full_disk")
    result = run_cli(args)
    assert result.exit_code == 3
    assert "SQLite database is locked" in result.stdout        # the summary itself still printed
    assert {p: p.read_bytes() for p in before} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["hs.log", "state.json", "state.json.lock", "logsleuth.prom", "report.html"])
    for name in ("state.json", "logsleuth.prom", "report.html"):
        assert f"{name} (No space left on device)" in result.stderr
    assert "Traceback" not in result.stderr
    monkeypatch.undo()
    assert run_cli(args).exit_code == 1                     # space again: those lines are read
    assert json.loads(state.read_text())["sources"][str(log)]["offset"] == log.stat().st_size


LOCKED_LINE = _locked(7).encode()


@pytest.mark.parametrize("name, data, count, total", [
    ("empty", b"", 0, 0),
    ("NUL bytes and binary", b"\x00" * 4096 + b"\n\x7fELF\x02\x01\x01\x00\xff\xfe\n" + LOCKED_LINE, 1, 3),
    ("invalid UTF-8", b"\xff\xfe\xc3\x28 junk " + LOCKED_LINE, 1, 1),
    ("CRLF", LOCKED_LINE.replace(b"\n", b"\r\n") * 2, 2, 2),
    ("lone CR", b"progress 10%\rprogress 100%\r" + LOCKED_LINE, 1, 1),
    ("a 50 MB line", b"x" * (50 << 20) + b" database is locked\n" + LOCKED_LINE, 1, 2),
])
def test_hostile_input_gives_an_answer(name, data, count, total):
    result = run_cli(["-", "--format", "json"], data)
    report = json.loads(result.stdout)
    assert report["lines"]["total"] == total, name
    assert sum(f["count"] for f in report["findings"]) == count, name
    assert result.exit_code == (3 if not total else 1 if count else 0)   # 3: no input at all
    assert "Traceback" not in result.stderr
    if name == "a 50 MB line":
        assert report["lines"]["truncated"] == 1        # cut at 1 MiB: its tail is not matched


def test_a_truncated_xz_keeps_what_came_before_the_damage(tmp_path):
    import lzma

    path = tmp_path / "headscale.log.xz"
    lines = b"".join(LOCKED_LINE.replace(b"\n", f" node={i * 7919 % 100003:x}\n".encode())
                     for i in range(2000))
    path.write_bytes(lzma.compress(lines)[:-64])
    result = run_cli([str(path), "--format", "json"])
    report = json.loads(result.stdout)
    assert result.exit_code == 3 and 1000 < report["findings"][0]["count"] < 2000
    assert "input ends early or is damaged" in result.stderr
