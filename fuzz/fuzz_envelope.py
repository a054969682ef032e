"""atheris fuzz target: the envelope parser and the whole per-chunk classify path.

    python fuzz/fuzz_envelope.py -max_total_time=600     # the documented long run
    python fuzz/fuzz_envelope.py -runs=2000              # the short run CI can afford
"""

import sys

import atheris

with atheris.instrument_imports():
    from logsleuth.envelope import EnvelopeParser, decode_line, split_fields, strip_controls

PARSER = EnvelopeParser(year=2026)


def one_input(data: bytes) -> None:
    text = decode_line(strip_controls(data)[:4096])
    for line in text.splitlines() or [""]:
        env = PARSER.parse(line)
        assert isinstance(env.message, str) and isinstance(env.fields, dict)
        split_fields(line)


if __name__ == "__main__":
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()
