"""A flapping rule reports a routine line only when ONE value of its field repeats ``count``
times within ``minutes``: many nodes each disconnecting now and then are no finding, one node
disconnecting again and again among them is, and the finding names that node."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from logsleuth.catalog import Flapping
from logsleuth.flapping import SAMPLE_CHARS, SAMPLE_REACH, Window, show_sample

from .conftest import analyze_text

START = datetime(2026, 7, 14, 0, 0, tzinfo=timezone.utc)
DISCONNECT = ("{stamp} INF github.com/juanfont/headscale/hscontrol/poll.go:211 > node has "
              "disconnected chan=0xc001d2e5a0 component=poll node.id={id} node.name={name}\n")


def _line(moment: datetime, number: int, name: str) -> str:
    return DISCONNECT.format(stamp=moment.strftime("%Y-%m-%dT%H:%M:%SZ"), id=number, name=name)


def _busy_server(nodes: int = 200, times: int = 6) -> list[tuple[datetime, str]]:
    """Laptops that sleep and wake: each node disconnects ``times`` times, two hours apart,
    the nodes' disconnects interleaved (a few seconds apart), so the server as a whole
    sees dozens of disconnects every minute."""
    return [(START + timedelta(hours=2 * round_, seconds=7 * node), _line(
        START + timedelta(hours=2 * round_, seconds=7 * node), node, f"laptop-{node:03d}"))
            for round_ in range(times) for node in range(nodes)]


def _log(lines: list[tuple[datetime, str]]) -> str:
    return "".join(line for _, line in sorted(lines, key=lambda pair: pair[0]))


def test_many_nodes_each_disconnecting_now_and_then_are_no_finding(pipeline):
    result = analyze_text(pipeline, _log(_busy_server()))
    assert [f.pattern_id for f in result.findings] == []


def test_one_node_flapping_among_many_is_a_finding_naming_it(pipeline):
    flapping = [(START + timedelta(hours=3, minutes=4 * i), _line(
        START + timedelta(hours=3, minutes=4 * i), 999, "kiosk-lobby")) for i in range(5)]
    result = analyze_text(pipeline, _log(_busy_server() + flapping))
    (finding,) = result.findings
    assert finding.pattern_id == "conn.node_flapping"
    assert "kiosk-lobby lost its long-poll session" in finding.cause
    assert next(iter(finding.fields["node"])) == "kiosk-lobby"


def test_the_finding_counts_and_dates_the_flapping_node_not_every_node(pipeline):
    """1,200 routine disconnects over ten hours around one node's five in 16 minutes: the
    finding says five, from the first to the last of them, and shows that node's line."""
    flapping = [(START + timedelta(hours=3, minutes=4 * i), _line(
        START + timedelta(hours=3, minutes=4 * i), 999, "kiosk-lobby")) for i in range(5)]
    (finding,) = analyze_text(pipeline, _log(_busy_server() + flapping)).findings
    assert finding.count == 5 and finding.fields["node"] == {"kiosk-lobby": 5}
    assert (finding.first_seen, finding.last_seen) == (START + timedelta(hours=3),
                                                       START + timedelta(hours=3, minutes=16))
    assert finding.samples and all("node.name=kiosk-lobby" in line for line in finding.samples)


def test_a_burst_is_found_among_the_node_s_lines_of_another_timeline(pipeline):
    """The node's burst (5 within 20 minutes) alternates, line by line, with its lines of a
    day a year earlier, a day apart each: still a finding, naming it."""
    burst = [_line(START + timedelta(minutes=4 * i), 7, "kiosk-lobby") for i in range(5)]
    other = [_line(START - timedelta(days=365 - i), 7, "kiosk-lobby") for i in range(5)]
    text = "".join(line for pair in zip(other, burst) for line in pair)
    (finding,) = analyze_text(pipeline, text).findings
    assert "kiosk-lobby lost its long-poll session" in finding.cause
    assert analyze_text(pipeline, "".join(other * 2)).findings == []


def test_a_flapping_window_keeps_a_bounded_first_line():
    window, rule = Window(), Flapping(field="node", count=5, minutes=30)
    window.add(0, rule, START, "node has disconnected node=x " + "y" * 100_000)
    window.add(1, rule, START + timedelta(minutes=1), "node has disconnected node=x")
    assert len(window.sample) == SAMPLE_CHARS + SAMPLE_REACH + 1
    assert window.sample.startswith("node has disconnected") and window.sample.endswith("y…")
    assert len(show_sample(window.sample)) == SAMPLE_CHARS + 1
