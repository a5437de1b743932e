"""Start-up cost of `changegate check -- ls` as a whole process, against `python -c pass` in the same run.

usage: python bench/startup.py [--runs N]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path


def timed(command: list[str], runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, capture_output=True, check=False)
        out.append((time.perf_counter() - started) * 1000)
    return out


def report(label: str, values: list[float]) -> float:
    ordered = sorted(values)
    p50 = statistics.median(ordered)
    p99 = ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]
    print(f"{label:38} p50 {p50:6.1f} ms   p99 {p99:6.1f} ms")
    return p50


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    binary = str(Path(sys.executable).parent / "changegate")
    timed([binary, "check", "--", "ls"], 3)  # warm the page cache
    base = report("python -c pass", timed([sys.executable, "-c", "pass"], args.runs))
    check = report("changegate check -- ls", timed([binary, "check", "--", "ls"], args.runs))
    deny = report("changegate check -- 'rm -rf /'", timed([binary, "check", "--", "rm -rf /"], args.runs))
    print(f"check over python: +{check - base:.0f} ms (goal: check p50 <= 120 ms); deny path {deny:.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
