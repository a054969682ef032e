"""Deterministic generator of realistic `docker compose logs` output of any size.

Mostly benign INFO/DEBUG lines of varied shapes from several services, with about 1.5 %
problem lines drawn from the catalog's own positive samples (so every category appears),
increasing timestamps, some ANSI colour, and occasional very long lines.

    python bench/generate.py --size 100M --out /tmp/hs-100M.log
"""

from __future__ import annotations

import argparse
import random
import re
import sys
from datetime import datetime, timedelta, timezone

from logsleuth.catalog import load_catalog

_STAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)")
_PREFIX = re.compile(r"^(?:\x1b\[[0-9;]*m)?[A-Za-z0-9_.-]+ +\| ?(?:\x1b\[0m)?")

BENIGN = [
    "INF http request bytes={n} elapsed={ms:.6f} method=GET path=/key proto=HTTP/1.1 remote=198.51.100.{o}:{p} status=200",
    "INF http request bytes={n} elapsed={ms:.6f} method=POST path=/machine/map proto=HTTP/2.0 remote=203.0.113.{o}:{p} status=200",
    "INF node connected machine.key=[mQ9e2] node.expired=false node.id={o} node.is_tagged=false node.key=[Zk3vP] node.name=laptop-{o} node.online=true user.name=anna",
    "DBG github.com/juanfont/headscale/hscontrol/mapper/batcher.go:{p} > sending map response change=peer node.id={o} peers={n}",
    "DBG duration={ms:.6f} rowsAffected=1 sql=\"SELECT * FROM `nodes` WHERE `id` = {o} LIMIT 1\"",
    "INF github.com/juanfont/headscale/hscontrol/poll.go:251 > node has connected chan=0xc00{n} component=poll node.id={o} node.name=nas-{o} omit_peers=false stream=true",
    "TRC github.com/juanfont/headscale/hscontrol/noise.go:{p} > noise upgrade ok machine.key=[a1B2c] 测试节点-{o}",
    "INF fetching DERPMap updates",
]
POSTGRES = "{date} {time}.{ms3:03d} UTC [{p}] LOG:  checkpoint complete: wrote {n} buffers"


def problem_lines(catalog) -> list[str]:
    """The catalog's positive samples without their own prefix and timestamp."""
    lines = []
    for pattern in catalog.patterns:
        for sample in pattern.samples_match:
            if "\n" in sample:
                continue
            body = _PREFIX.sub("", sample)
            lines.append(_STAMP.sub("{ts}", body, count=1) if _STAMP.match(body) else body)
    return lines


def parse_size(text: str) -> int:
    units = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    return int(float(text[:-1]) * units[text[-1].upper()]) if text[-1].upper() in units else int(text)


def generate(size: int, out, seed: int = 1, problem_share: float = 0.015) -> int:
    rng = random.Random(seed)
    problems = problem_lines(load_catalog())
    moment = datetime(2026, 7, 1, tzinfo=timezone.utc)
    written = lines = 0
    batch: list[str] = []
    while written < size:
        moment += timedelta(milliseconds=rng.randint(1, 400))
        ts = moment.strftime("%Y-%m-%dT%H:%M:%SZ")
        roll = rng.random()
        if roll < problem_share:
            body = rng.choice(problems).replace("{ts}", ts)
            line = f"headscale-1     | {body}"
        elif roll < 0.06:
            line = "postgres-1      | " + POSTGRES.format(
                date=moment.strftime("%Y-%m-%d"), time=moment.strftime("%H:%M:%S"),
                ms3=rng.randint(0, 999), p=rng.randint(30, 90), n=rng.randint(1, 9999))
        else:
            body = rng.choice(BENIGN).format(n=rng.randint(1, 99999), ms=rng.random() * 50,
                                            o=rng.randint(1, 254), p=rng.randint(1024, 65535))
            prefix = "\x1b[36mheadscale-1     | \x1b[0m" if roll > 0.995 else "headscale-1     | "
            line = f"{prefix}{ts} {body}"
        if rng.random() < 0.00001:
            line += " payload=" + "x" * rng.randint(10_000, 2_000_000)
        batch.append(line)
        written += len(line) + 1
        lines += 1
        if len(batch) >= 10_000:
            out.write("\n".join(batch) + "\n")
            batch.clear()
    if batch:
        out.write("\n".join(batch) + "\n")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="100M", help="bytes, or with K/M/G suffix")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", default="-")
    args = parser.parse_args()
    out = sys.stdout if args.out == "-" else open(args.out, "w", encoding="utf-8")
    with out:
        lines = generate(parse_size(args.size), out, args.seed)
    print(f"{lines} lines", file=sys.stderr)


if __name__ == "__main__":
    main()
