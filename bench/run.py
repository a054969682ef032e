"""Benchmark logsleuth against ripgrep and GNU grep in the same invocation.

    python bench/run.py --size 1G --runs 3            # the bench and the busy log
    python bench/run.py --quick                       # 100 MB, one run each: a few minutes

Generates (or reuses) deterministic compose logs under bench/out/ (`--log bench`: ~1.5 %
candidate lines; `--log busy`: a node-heavy deployment, ~5.5 %), warms the page cache, then
times each tool on each log, the runs of all tools interleaved so that a change in the
machine's load hits them alike, and prints the medians of wall time and of CPU time (user +
sys of the whole process tree), MB/s, the peak RSS summed over the process tree, and the
ratios to ripgrep (`rg -c` with the catalog's own regexes). A baseline that is not installed
is skipped, saying so. Also times `logsleuth --help` and the 13-line fixture (start-up), and
checks that the multi-process run and the one-pass run, the compiled path and pure Python
(`LOGSLEUTH_NO_SPEEDUPS=1`), and, up to 200 MB, the Hyperscan and stdlib engines give
identical results.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from generate import generate, parse_size  # noqa: E402

RG = "rg -c -f (catalog regexes)"
GREP = "grep -E -c -f (LC_ALL=C)"
Command = tuple[list[str] | str, bool]          # argv, or a shell line when the flag is set


@dataclass(frozen=True)
class Timing:
    wall: float          # seconds
    cpu: float           # user + sys seconds of the process and every descendant it reaped
    peak_mb: float       # peak RSS summed over the process tree


def run_once(command: Command) -> Timing:
    """One run; RSS sampled every 20 ms from /proc, CPU from the reaped children's rusage."""
    argv, shell = command
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    proc = subprocess.Popen(argv, shell=shell, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peak = 0
    while proc.poll() is None:
        peak = max(peak, sum(_rss_kb(pid) for pid in _tree(proc.pid)))
        time.sleep(0.02)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return Timing(wall, cpu, peak / 1024)


def measure(tools: dict[str, Command], runs: int, fewer: dict[str, int] | None = None
            ) -> dict[str, Timing]:
    """Median wall and CPU and the highest peak per tool, the tools' runs interleaved;
    ``fewer`` caps the runs of slow tools."""
    seen: dict[str, list[Timing]] = {name: [] for name in tools}
    for round_ in range(runs):
        for name, command in tools.items():
            if round_ < (fewer or {}).get(name, runs):
                seen[name].append(run_once(command))
    return {name: Timing(statistics.median(t.wall for t in timings),
                         statistics.median(t.cpu for t in timings),
                         max(t.peak_mb for t in timings))
            for name, timings in seen.items()}


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


def ensure_log(profile: str, size: str) -> Path:
    """The generated log of this profile and size under bench/out/, written if missing."""
    out = HERE / "out"
    out.mkdir(exist_ok=True)
    log = out / f"{'compose' if profile == 'bench' else profile}-{size}.log"
    if not log.exists():
        print(f"generating {log} ...", file=sys.stderr)
        partial = log.with_suffix(".partial")
        with open(partial, "w", encoding="utf-8") as handle:
            generate(parse_size(size), handle, profile=profile)
        partial.rename(log)                  # an interrupted run leaves no short log behind
    return log


def count_lines(log: Path) -> int:
    with open(log, "rb") as handle:
        return sum(block.count(b"\n") for block in iter(lambda: handle.read(1 << 24), b""))


def export_regexes(work: Path) -> tuple[Path, Path]:
    """The catalog's regexes for rg (Rust syntax) and for grep -E (POSIX ERE)."""
    paths = []
    for form, name in (("regexes", "re.txt"), ("grep", "ere.txt")):
        exported = subprocess.run(logsleuth("patterns", "export", "--to", form),
                                  capture_output=True, text=True, check=True).stdout
        (work / name).write_text(exported)
        paths.append(work / name)
    return paths[0], paths[1]


def tools_for(log: Path, regexes: Path, eres: Path, stdin_repeat: int) -> dict[str, Command]:
    """logsleuth's modes and the counting baselines on one log."""
    json_out = " ".join(logsleuth("--format", "json"))
    tools: dict[str, Command] = {
        "logsleuth (default jobs)": (logsleuth(str(log), "--format", "json"), False),
        "logsleuth --jobs 1": (logsleuth(str(log), "--format", "json", "--jobs", "1"), False),
        "cat log | logsleuth (stdin)": (f"cat {log} | {json_out}", True),
    }
    if stdin_repeat:
        tools[f"cat log x{stdin_repeat} | logsleuth"] = (
            f"for i in $(seq {stdin_repeat}); do cat {log}; done | {json_out}", True)
    if shutil.which("rg"):
        tools[RG] = (["rg", "-c", "--no-mmap", "-f", str(regexes), str(log)], False)
    else:
        print("skipped: ripgrep (rg) is not installed")
    if shutil.which("grep"):
        tools[GREP] = (f"LC_ALL=C grep -E -c -f {eres} {log} | cat", True)
    else:
        print("skipped: GNU grep is not installed")
    return tools


def print_table(results: dict[str, Timing], size_mb: float, stdin_repeat: int) -> None:
    """One row per tool; a row for N× the input is per byte read against rg's single pass."""
    baseline = results.get(RG)
    print(f"{'tool':<30} {'wall s':>7} {'CPU s':>7} {'MB/s':>6} {'peak MB':>8} "
          f"{'x rg wall':>9} {'x rg CPU':>9}")
    for name, timing in results.items():
        times = stdin_repeat if name.startswith("cat log x") else 1
        if baseline:
            ratios = (f"{timing.wall / times / baseline.wall:9.2f} "
                      f"{timing.cpu / times / baseline.cpu:9.2f}")
        else:
            ratios = f"{'-':>9} {'-':>9}"
        print(f"{name:<30} {timing.wall:7.2f} {timing.cpu:7.2f} {times * size_mb / timing.wall:6.0f} "
              f"{timing.peak_mb:8.0f} {ratios}")


def check_identity(log: Path, engines: bool) -> None:
    """Parts on several cores vs one pass; the compiled path vs pure Python; Hyperscan vs
    the stdlib engine when asked."""
    same = identical(logsleuth(str(log), "--format", "json"),
                     logsleuth(str(log), "--format", "json", "--jobs", "1"))
    print("parts on several cores vs one pass identical (findings, unknown, lines):", same)
    same = identical(logsleuth(str(log), "--format", "json"),
                     ["env", "LOGSLEUTH_NO_SPEEDUPS=1", *logsleuth(str(log), "--format", "json")])
    print("compiled path (C byte loops, mypyc modules) vs pure Python identical (findings, "
          "unknown, lines):", same)
    if engines:
        same = identical(logsleuth(str(log), "--format", "json", "--engine", "hyperscan"),
                         logsleuth(str(log), "--format", "json", "--engine", "re"))
        print("hyperscan vs stdlib engine identical (findings, unknown, lines):", same)
    else:
        print("hyperscan vs stdlib engine: skipped (--quick, or above 200 MB: the stdlib engine "
              "needs ~100 s per 100 MB); run with --size 100M")


def bench_log(log: Path, label: str, args: argparse.Namespace, work: Path) -> None:
    """Time every tool on one log and print its table and identity checks."""
    size_mb = log.stat().st_size / 1e6
    print(f"\n== {label}: {log} ({size_mb:.0f} MB, {count_lines(log)} lines), "
          f"{args.runs} runs each (grep {args.grep_runs or args.runs}), median; "
          "CPU = user+sys of the process tree")
    tools = tools_for(log, work / "re.txt", work / "ere.txt", args.stdin_repeat)
    subprocess.run(["cat", str(log)], stdout=subprocess.DEVNULL)          # warm the page cache
    fewer = {GREP: args.grep_runs} if args.grep_runs else None
    print_table(measure(tools, args.runs, fewer), size_mb, args.stdin_repeat)
    check_identity(log, engines=size_mb <= 200 and not args.quick)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="1G")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--grep-runs", type=int, default=0, metavar="N",
                        help="fewer runs for grep (slow: ~2.5 min of CPU per GB of the busy log)")
    parser.add_argument("--log", choices=["bench", "busy", "both"], default="both",
                        help="which generated log: ~1.5 %% or ~5.5 %% candidate lines")
    parser.add_argument("--file", type=Path, help="benchmark this log instead of generated ones")
    parser.add_argument("--quick", action="store_true",
                        help="100 MB logs, one run each, no engine comparison: a few minutes")
    parser.add_argument("--stdin-repeat", type=int, default=0, metavar="N",
                        help="also pipe the log N times through stdin (peak RSS on N× the input)")
    args = parser.parse_args()
    if args.quick:
        args.size, args.runs = "100M", 1
    profiles = ["bench", "busy"] if args.log == "both" else [args.log]
    logs = [(args.file, "file")] if args.file else [(ensure_log(p, args.size), p) for p in profiles]

    work = Path(tempfile.mkdtemp())
    export_regexes(work)
    load = os.getloadavg()[0]
    for log, label in logs:
        bench_log(log, label, args, work)
    shutil.rmtree(work)

    help_time = measure({"help": (logsleuth("--help"), False)}, args.runs)["help"]
    fixture = str(ROOT / "fixtures" / "compose-v2-sqlite-locked.log")
    small_time = measure({"small": (logsleuth(fixture), False)}, args.runs)["small"]
    print(f"\nstart-up: logsleuth --help {help_time.wall:.3f} s wall, {help_time.cpu:.3f} s CPU; "
          f"13-line log analysed and rendered {small_time.wall:.3f} s wall, {small_time.cpu:.3f} s CPU")
    print(f"load average: {load:.2f} at the start, {os.getloadavg()[0]:.2f} at the end "
          f"({os.cpu_count()} CPUs)")


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
