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
from collections import Counter
from datetime import datetime, timedelta, timezone
from typing import TextIO

from busy import BusyMix
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


class BenchMix:
    """The original mix: ~1.5 % problem lines, PostgreSQL checkpoints, benign headscale lines."""

    CANDIDATES = frozenset({"problem"})
    step_ms = 400

    def __init__(self, rng: random.Random, problems: list[str], problem_share: float = 0.015) -> None:
        self.rng, self.problems, self.problem_share = rng, problems, problem_share

    def __call__(self, moment: datetime) -> tuple[str, str]:
        rng = self.rng
        ts = moment.strftime("%Y-%m-%dT%H:%M:%SZ")
        roll = rng.random()
        if roll < self.problem_share:
            kind, line = "problem", "headscale-1     | " + rng.choice(self.problems).replace("{ts}", ts)
        elif roll < 0.06:
            kind, line = "postgres", "postgres-1      | " + POSTGRES.format(
                date=moment.strftime("%Y-%m-%d"), time=moment.strftime("%H:%M:%S"),
                ms3=rng.randint(0, 999), p=rng.randint(30, 90), n=rng.randint(1, 9999))
        else:
            body = rng.choice(BENIGN).format(n=rng.randint(1, 99999), ms=rng.random() * 50,
                                            o=rng.randint(1, 254), p=rng.randint(1024, 65535))
            prefix = "\x1b[36mheadscale-1     | \x1b[0m" if roll > 0.995 else "headscale-1     | "
            kind, line = "benign", f"{prefix}{ts} {body}"
        if rng.random() < 0.00001:
            line += " payload=" + "x" * rng.randint(10_000, 2_000_000)
        return line, kind


PROFILES = {"bench": BenchMix, "busy": BusyMix}


def generate(size: int, out: TextIO, seed: int = 1, profile: str = "bench") -> Counter[str]:
    """Write about ``size`` characters of the profile's log; returns the lines per kind."""
    rng = random.Random(seed)
    mix = PROFILES[profile](rng, problem_lines(load_catalog()))
    moment = datetime(2026, 7, 1, tzinfo=timezone.utc)
    kinds: Counter[str] = Counter()
    written = 0
    batch: list[str] = []
    while written < size:
        moment += timedelta(milliseconds=rng.randint(1, mix.step_ms))
        line, kind = mix(moment)
        kinds[kind] += 1
        batch.append(line)
        written += len(line) + 1
        if len(batch) >= 10_000:
            out.write("\n".join(batch) + "\n")
            batch.clear()
    if batch:
        out.write("\n".join(batch) + "\n")
    return kinds


def candidate_share(kinds: Counter[str], profile: str) -> tuple[int, int]:
    """(candidate lines, all lines) by the kinds written: the lines logsleuth's scan picks."""
    return sum(kinds[k] for k in PROFILES[profile].CANDIDATES), sum(kinds.values())


def scanned_share(path: str) -> tuple[int, int]:
    """(candidate lines, all lines) as logsleuth's own scan counts them in a written log."""
    from logsleuth.envelope import strip_controls
    from logsleuth.scan import build_rules, candidates, make_engine

    engine = make_engine(build_rules(load_catalog()))
    picked = lines = 0
    tail = b""
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 22), b""):
            cut = (tail + block).rfind(b"\n") + 1
            whole, tail = (tail + block)[:cut], (tail + block)[cut:]
            found, counted = candidates(strip_controls(whole), engine)
            picked, lines = picked + len(found), lines + counted
    return picked, lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="100M", help="bytes, or with K/M/G suffix")
    parser.add_argument("--profile", choices=sorted(PROFILES), default="bench",
                        help="bench: ~1.5 %% candidate lines; busy: a node-heavy deployment, ~5 %%")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", default="-")
    parser.add_argument("--stats", action="store_true", help="also print the lines of each kind")
    parser.add_argument("--verify", action="store_true",
                        help="also count the candidate lines with logsleuth's own scan (needs --out)")
    args = parser.parse_args()
    out = sys.stdout if args.out == "-" else open(args.out, "w", encoding="utf-8")  # noqa: SIM115 - closed by the with below
    with out:
        kinds = generate(parse_size(args.size), out, args.seed, args.profile)
    picked, lines = candidate_share(kinds, args.profile)
    print(f"{lines} lines, {picked} candidate lines ({100 * picked / lines:.2f} %)", file=sys.stderr)
    if args.stats:
        for kind, count in kinds.most_common():
            print(f"  {kind:<24} {count:>10} {100 * count / lines:6.2f} %", file=sys.stderr)
    if args.verify and args.out != "-":
        picked, lines = scanned_share(args.out)
        print(f"logsleuth's scan: {picked} candidate lines of {lines} ({100 * picked / lines:.2f} %)",
              file=sys.stderr)


if __name__ == "__main__":
    main()
