"""atheris fuzz target: the diagnostic-bundle section parsers.

    python fuzz/fuzz_bundle.py -max_total_time=600
"""

import sys

import atheris

with atheris.instrument_imports():
    from logsleuth.bundle.sections import parse_bundle

SEED = (b"=== System Info ===\nLinux h 6.1.0 x\nDocker version 24.0.7, build x\n"
        b"=== Container Status ===\nNAME  IMAGE  COMMAND  SERVICE  CREATED  STATUS  PORTS\n"
        b"=== Configuration ===\nserver_url: http://x:8080\n=== Nodes ===\nID | Name | IP addresses\n")


def one_input(data: bytes) -> None:
    bundle = parse_bundle(SEED + data if data[:1] == b"+" else data)
    assert isinstance(bundle.notes, list)


if __name__ == "__main__":
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()
