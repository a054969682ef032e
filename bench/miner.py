"""Time the template miner alone (lines/s): each Loghub-2k set's messages, and the messages
of a generated Headscale log's lines that no catalog pattern matches.

    python bench/miner.py --runs 5 --size 20M

A fresh miner per run: masking, the prefix tree and the final split are all timed; reading,
envelopes and output are not (``score-templates --speed`` times the whole command).
"""

from __future__ import annotations

import argparse
import csv
import io
import pathlib
import statistics
import time

from generate import generate, parse_size

from logsleuth.catalog import load_catalog
from logsleuth.envelope import EnvelopeParser, message_with_error, strip_controls
from logsleuth.miner import TemplateMiner
from logsleuth.scan import build_rules, candidates, make_engine

LOGHUB = pathlib.Path(__file__).resolve().parents[2] / "shared" / "data" / "loghub-2k"


def loghub_messages(folder: pathlib.Path) -> list[str]:
    with open(folder / f"{folder.name}_2k.log_structured.csv", encoding="utf-8",
              errors="replace", newline="") as f:
        return [row["Content"].replace("\n", " ") for row in csv.DictReader(f)]


def unmatched_messages(size: int) -> list[str]:
    """Messages (envelope removed) of the generated log's lines no catalog pattern hits."""
    out = io.StringIO()
    generate(size, out)
    data = strip_controls(out.getvalue().encode("utf-8"))
    catalog = load_catalog()
    rules = build_rules(catalog)
    found, _ = candidates(data, make_engine(rules))
    matched = {c.index for c in found if any(rules[r].kind == "pattern" for r in c.rules)}
    parser = EnvelopeParser()
    return [message_with_error(parser.parse(line.decode("utf-8", "replace")))
            for i, line in enumerate(data.split(b"\n")[:-1]) if i not in matched]


def lines_per_second(messages: list[str], runs: int) -> tuple[float, float, int]:
    """Median lines/s (wall clock and CPU time of this process) of mining the messages with
    a fresh miner, and the templates found. On a shared machine the CPU figure is the
    steadier one."""
    walls, cpus, found = [], [], 0
    for _ in range(runs):
        miner = TemplateMiner()
        wall, cpu = time.perf_counter(), time.process_time()
        miner.add_all(messages)
        found = len({t.text for t in miner.templates()})
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return len(messages) / statistics.median(walls), len(messages) / statistics.median(cpus), found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--size", default="20M", help="generated Headscale log size")
    args = parser.parse_args()
    inputs = {p.name: loghub_messages(p) for p in sorted(LOGHUB.iterdir()) if p.is_dir()}
    inputs["all 10 Loghub sets"] = [m for messages in list(inputs.values()) for m in messages]
    inputs[f"Headscale {args.size} unmatched"] = unmatched_messages(parse_size(args.size))
    print(f"{'input':28s} {'lines':>9s} {'templates':>9s} {'lines/s wall':>13s} {'CPU':>10s}")
    for name, messages in inputs.items():
        wall, cpu, found = lines_per_second(messages, args.runs)
        print(f"{name:28s} {len(messages):9,d} {found:9,d} {wall:13,.0f} {cpu:10,.0f}")


if __name__ == "__main__":
    main()
