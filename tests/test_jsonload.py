"""JSON read with orjson gives what the standard library's json gives, value for value."""

from __future__ import annotations

import json

from hypothesis import given, settings, strategies as st

from logsleuth import jsonload, speedups
from logsleuth.envelope import EnvelopeParser

# headscale's JSON format; a request id as wide as a 128-bit number
WIDE_ID_LINE = ('{"level":"error","node.id":3,"request_id":340282366920938463463374607431768211455,'
                '"time":"2026-07-14T11:30:00Z","message":"map update failed"}')

_VALUES = st.recursive(
    st.none() | st.booleans() | st.text(max_size=5) | st.floats(allow_nan=False)
    | st.integers() | st.integers(min_value=2**63 - 4, max_value=2**70)
    | st.integers(min_value=-2**70, max_value=-2**63 + 4),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=4), inner,
                                                                max_size=4),
    max_leaves=12)


def test_an_integer_past_64_bits_is_read_as_the_integer_with_or_without_orjson(monkeypatch):
    fast = EnvelopeParser().parse(WIDE_ID_LINE).fields
    assert fast["request_id"] == "340282366920938463463374607431768211455"
    monkeypatch.setattr(jsonload, "_fast_loads", None)                 # the stdlib's json
    assert EnvelopeParser().parse(WIDE_ID_LINE).fields == fast


@settings(max_examples=300, deadline=None)
@given(_VALUES)
def test_any_json_text_reads_as_the_standard_library_reads_it(value):
    text = json.dumps(value)
    assert repr(jsonload.loads(text)) == repr(json.loads(text))


@settings(max_examples=300, deadline=None)
@given(_VALUES)
def test_without_the_extension_the_wide_integer_walk_decides_the_same(value):
    text = json.dumps(value)
    active, speedups.ACTIVE = speedups.ACTIVE, False          # the value is walked instead
    try:
        assert repr(jsonload.loads(text)) == repr(json.loads(text))
    finally:
        speedups.ACTIVE = active
