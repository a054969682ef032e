"""Times that match the paste: zone-less lines take the zone of their neighbours, year-less
syslog lines the year that puts them nearest the last dated line before them (or, before
any, the first one)."""

from __future__ import annotations

import gzip
from datetime import datetime, timedelta, timezone

from logsleuth.timeparse import Clock

from .conftest import run_cli, run_json

# A 2-second paste: Go std-log lines in local time (-07:00) around zerolog lines that say it
# (more than the few lines at each end of a chunk that are looked at for the window).
GO_LOG = "2023/12/01 15:56:{s:02d} http: TLS handshake error from 198.51.100.23:50712: EOF\n"
MIXED_ZONES = (GO_LOG.format(s=7) * 10
               + '2023-12-01T15:56:08-07:00 ERR failed to update last seen in database '
                 'error="database is locked (5) (SQLITE_BUSY)"\n' * 2
               + GO_LOG.format(s=9) * 10)
ZONELESS_ONLY = """\
2023/12/01 15:56:07 http: TLS handshake error from 198.51.100.23:50712: EOF
2023/12/01 15:56:09 http: TLS handshake error from 198.51.100.24:50713: EOF
"""
# Syslog lines across New Year, then the server's own dated line.
NEW_YEAR = """\
Dec 31 23:59:50 laptop tailscaled[655]: netcheck: UDP is blocked, trying HTTPS
Jan  1 00:00:02 laptop tailscaled[655]: netcheck: UDP is blocked, trying HTTPS
headscale  | 2024-01-01T00:00:05Z ERR failed to update last seen in database error="database is locked (5) (SQLITE_BUSY)"
"""


def by_pattern(data: dict) -> dict[str, dict]:
    return {f["pattern_id"]: f for f in data["findings"]}


def test_zone_less_lines_take_the_zone_of_their_neighbours():
    _, data = run_json(["-"], MIXED_ZONES)
    assert data["window"] == {"first": "2023-12-01T22:56:07Z", "last": "2023-12-01T22:56:09Z"}
    assert by_pattern(data)["tls.handshake_error"]["first_seen"] == "2023-12-01T22:56:07Z"
    assert not data.get("notes")


def test_zone_less_lines_alone_are_utc_and_the_report_says_so_once():
    _, data = run_json(["-"], ZONELESS_ONLY)
    assert data["window"] == {"first": "2023-12-01T15:56:07Z", "last": "2023-12-01T15:56:09Z"}
    text = run_cli(["-", "--format", "text"], ZONELESS_ONLY).stdout
    assert text.count("read as UTC") == 1


def test_year_less_lines_before_any_dated_line_take_the_year_nearest_the_first():
    _, data = run_json(["-"], NEW_YEAR)
    assert data["window"] == {"first": "2023-12-31T23:59:50Z", "last": "2024-01-01T00:00:05Z"}
    udp = by_pattern(data)["net.udp_blocked"]
    assert (udp["first_seen"], udp["last_seen"]) == ("2023-12-31T23:59:50Z", "2024-01-01T00:00:02Z")


def test_year_less_lines_with_no_dated_line_are_never_in_the_future():
    now = datetime.now(timezone.utc)
    for month in range(1, 13):
        moment = Clock().without_year(month, 28, "23:59:59")
        assert moment.year in (now.year, now.year - 1)
        assert now - moment < timedelta(days=367) and moment <= now + timedelta(days=1)


def test_year_less_lines_take_the_year_nearest_the_last_dated_line():
    dated = Clock(dated=datetime(2023, 3, 1, tzinfo=timezone.utc))
    assert dated.without_year(2, 29, "12:00:00") is None          # no 29 February near 2023
    assert dated.without_year(3, 2, "12:00:00").year == 2023      # a day after: that year
    assert dated.without_year(12, 30, "12:00:00").year == 2022    # two months before
    new_year = Clock(dated=datetime(2023, 12, 31, 23, 59, tzinfo=timezone.utc))
    assert new_year.without_year(1, 1, "00:00:02").year == 2024   # two minutes after
    back = Clock(dated=datetime(2024, 1, 1, 0, 0, 5, tzinfo=timezone.utc))
    assert back.without_year(12, 31, "23:59:50").year == 2023
    now = datetime.now(timezone.utc)
    recent = Clock(dated=now - timedelta(days=2))             # never ahead of the analysis
    ahead = now + timedelta(days=60)
    assert recent.without_year(ahead.month, ahead.day, "12:00:00").year == ahead.year - 1


# journalctl: the server's first line carries its year inside, the lines at the end (a stack
# trace, a tailscaled line) only syslog's year-less stamp.
DATED_HEAD_ONLY = """\
Jul  5 19:06:38 host headscale[600]: 2024-07-05T19:06:38Z ERR failed to update last seen in database error="database is locked (5) (SQLITE_BUSY)"
Jul  5 19:06:39 host tailscaled[655]: netcheck: UDP is blocked, trying HTTPS
Jul  5 19:06:40 host tailscaled[655]: netcheck: UDP is blocked, trying HTTPS
"""


def test_year_less_lines_at_the_end_take_the_year_of_a_dated_line_at_the_start():
    """The window's end and the year-less lines' times are in the year the paste shows,
    not the current year (they were: the end of a chunk is read before its start)."""
    _, data = run_json(["-"], DATED_HEAD_ONLY)
    assert data["window"] == {"first": "2024-07-05T19:06:38Z", "last": "2024-07-05T19:06:40Z"}
    udp = by_pattern(data)["net.udp_blocked"]
    assert (udp["first_seen"], udp["last_seen"]) == ("2024-07-05T19:06:39Z", "2024-07-05T19:06:40Z")


def test_a_compressed_file_takes_its_years_from_its_text_not_its_compressed_bytes(tmp_path):
    """Lines before any dated one take the year nearest the first dated line of the
    source's head: for a gzip file, the head of what it decompresses to."""
    plain, packed = tmp_path / "new-year.log", tmp_path / "new-year.log.gz"
    plain.write_text(NEW_YEAR)
    packed.write_bytes(gzip.compress(NEW_YEAR.encode()))
    _, want = run_json([str(plain)])
    _, got = run_json([str(packed)])
    assert got["window"] == want["window"] == {"first": "2023-12-31T23:59:50Z",
                                               "last": "2024-01-01T00:00:05Z"}
    assert by_pattern(got)["net.udp_blocked"]["first_seen"] == "2023-12-31T23:59:50Z"
