"""Benchmark logsleuth against ripgrep and GNU grep in the same invocation.

    python bench/run.py --size 1G --runs 5

Generates (or reuses) a deterministic compose log under bench/out/, warms the page cache,
then times each tool several times and prints the median wall time, MB/s, lines/s, peak RSS
and the ratio to ripgrep (`rg -c` with the catalog's own regexes). A baseline that is not
installed is skipped, saying so. Also times `logsleuth --help` and the 13-line fixture
(start-up cost), and checks that the Hyperscan and stdlib engines give identical results.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from generate import generate, parse_size  # noqa: E402


def measure(command: list[str] | str, runs: int, shell: bool = False) -> tuple[float, float]:
    """Median wall seconds and peak RSS (MB) over ``runs`` runs of a command. The RSS is the
    peak of the sum over the whole process tree (logsleuth's worker processes included),
    sampled every 20 ms from /proc."""
    walls, peaks = [], []
    for _ in range(runs):
        started = time.perf_counter()
        proc = subprocess.Popen(command, shell=shell, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        peak = 0
        while proc.poll() is None:
            peak = max(peak, sum(_rss_kb(pid) for pid in _tree(proc.pid)))
            time.sleep(0.02)
        walls.append(time.perf_counter() - started)
        peaks.append(peak / 1024)
    return statistics.median(walls), max(peaks)


def _tree(pid: int) -> list[int]:
    found = [pid]
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as handle:
                for child in handle.read().split():
                    found += _tree(int(child))
    except OSError:
        pass
    return found


def _rss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as handle:
            for line in handle:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def identical(*commands: list[str]) -> bool:
    """Whether the commands print the same findings, unknown templates and line counts."""
    outputs = []
    for command in commands:
        data = json.loads(subprocess.run(command, capture_output=True, text=True).stdout)
        outputs.append((data["findings"], data["unknown"], data["lines"]))
    return all(output == outputs[0] for output in outputs)


def logsleuth(*args: str) -> list[str]:
    return [sys.executable, "-m", "logsleuth", *args]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="1G")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--file", type=Path, help="benchmark this log instead of a generated one")
    parser.add_argument("--stdin-repeat", type=int, default=0, metavar="N",
                        help="also pipe the log N times through stdin (peak RSS on N× the input)")
    args = parser.parse_args()

    out = HERE / "out"
    out.mkdir(exist_ok=True)
    log = args.file or out / f"compose-{args.size}.log"
    if not log.exists():
        print(f"generating {log} ...", file=sys.stderr)
        with open(log, "w", encoding="utf-8") as handle:
            generate(parse_size(args.size), handle)
    size_mb = log.stat().st_size / 1e6
    with open(log, "rb") as handle:
        lines = sum(block.count(b"\n") for block in iter(lambda: handle.read(1 << 24), b""))
    print(f"input: {log} ({size_mb:.0f} MB, {lines} lines), {args.runs} runs each, median\n")

    work = Path(tempfile.mkdtemp())
    (work / "re.txt").write_text(subprocess.run(logsleuth("patterns", "export", "--to", "regexes"),
                                                capture_output=True, text=True, check=True).stdout)
    (work / "ere.txt").write_text(subprocess.run(logsleuth("patterns", "export", "--to", "grep"),
                                                 capture_output=True, text=True, check=True).stdout)

    tools: list[tuple[str, list[str] | str, bool]] = [
        ("logsleuth analyze --format json", logsleuth(str(log), "--format", "json"), False),
        ("logsleuth ... --jobs 1 (one core)", logsleuth(str(log), "--format", "json", "--jobs", "1"),
         False),
    ]
    command = " ".join(logsleuth("--follow", "--format", "text"))
    tools.append(("follow: cat log | logsleuth -f", f"cat {log} | {command}", True))
    if args.stdin_repeat:
        command = " ".join(logsleuth("--format", "json"))
        tools.append((f"cat log x{args.stdin_repeat} | logsleuth",
                      f"for i in $(seq {args.stdin_repeat}); do cat {log}; done | {command}", True))
    if shutil.which("rg"):
        tools.append(("rg -c -f (catalog regexes)", ["rg", "-c", "--no-mmap", "-f", str(work / "re.txt"), str(log)], False))
    else:
        print("skipped: ripgrep (rg) is not installed")
    if shutil.which("grep"):
        tools.append(("grep -E -c -f (LC_ALL=C)",
                      f"LC_ALL=C grep -E -c -f {work / 'ere.txt'} {log} | cat", True))
    else:
        print("skipped: GNU grep is not installed")

    subprocess.run(["cat", str(log)], stdout=subprocess.DEVNULL)          # warm the page cache
    results = {name: measure(command, args.runs, shell) for name, command, shell in tools}
    baseline = results.get("rg -c -f (catalog regexes)", (None, None))[0]
    print(f"{'tool':<34} {'wall s':>8} {'MB/s':>8} {'Mlines/s':>9} {'peak MB':>8} {'x rg':>6}"
          "   (peak: RSS summed over the process tree)")
    for name, (wall, peak) in results.items():
        times = args.stdin_repeat if name.startswith("cat log x") else 1
        ratio = f"{wall / times / baseline:6.2f}" if baseline else "     -"   # per byte read
        print(f"{name:<34} {wall:8.2f} {times * size_mb / wall:8.0f} "
              f"{times * lines / wall / 1e6:9.2f} {peak:8.0f} {ratio}")

    help_wall, _ = measure(logsleuth("--help"), args.runs)
    small_wall, _ = measure(logsleuth(str(ROOT / "fixtures" / "compose-v2-sqlite-locked.log")), args.runs)
    print(f"\nstart-up: logsleuth --help {help_wall:.3f} s; 13-line log analysed and rendered {small_wall:.3f} s")

    same = identical(logsleuth(str(log), "--format", "json"),
                     logsleuth(str(log), "--format", "json", "--jobs", "1"))
    print("parts on several cores vs one pass identical (findings, unknown, lines):", same)
    if size_mb <= 200:
        same = identical(logsleuth(str(log), "--format", "json", "--engine", "hyperscan"),
                         logsleuth(str(log), "--format", "json", "--engine", "re"))
        print("hyperscan vs stdlib engine identical (findings, unknown, lines):", same)
    else:
        print("hyperscan vs stdlib engine: skipped above 200 MB (the stdlib engine needs "
              "~100 s per 100 MB); run with --size 100M")
    shutil.rmtree(work)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
