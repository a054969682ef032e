"""Tailscale client lines (patterns/client.toml) and the logtail JSON wrapper of tsnet apps."""

from __future__ import annotations

from datetime import datetime, timezone

from logsleuth.envelope import EnvelopeParser


def test_logtail_json_line_gives_its_text_and_client_time():
    line = ('{"logtail":{"client_time":"2023-12-11T13:54:45.934908625Z"},'
            '"text":"Received error: invalid key: unable to validate API key\\n"}')
    env = EnvelopeParser().parse(line)
    assert env.message == "Received error: invalid key: unable to validate API key"
    assert env.timestamp == datetime(2023, 12, 11, 13, 54, 45, 934908, tzinfo=timezone.utc)


def test_zerolog_json_text_field_is_not_taken_for_the_message():
    env = EnvelopeParser().parse('{"level":"info","message":"hello","text":"other"}')
    assert env.message == "hello"
