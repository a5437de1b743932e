"""Decision latency over the corpora, against tree-sitter's bare parse of the same commands in the same run.

Distinct decisions are measured with the verdict cache off (every action decided afresh); then the same
actions again with the cache on, as an agent repeats them (each answered from the cache after its first
decision, everything it read checked unchanged).

usage: python bench/decisions.py [--rounds N]
Reads ../shared/corpora (incidents, public, benign_nl2bash, and the NL2Bash source); without it, falls back to
examples/incidents.jsonl and says so. Prints medians, p99 and ratios; the function calls a fresh decision
makes (counted: a shared machine's noise moves the times by ±20% from run to run, not the counts); also batch
throughput of `changegate check --batch` as a whole process.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CORPORA = ROOT.parent / "shared" / "corpora"


def load_actions() -> tuple[list[dict], str]:
    files = [CORPORA / "incidents.jsonl", CORPORA / "public.jsonl", CORPORA / "benign_nl2bash.jsonl"]
    if not all(f.exists() for f in files):
        return [json.loads(x)["action"] for x in (ROOT / "examples" / "incidents.jsonl").open()], \
            "../shared/corpora is missing: measured on examples/incidents.jsonl only"
    actions = [json.loads(line)["action"] for f in files for line in f.open() if line.strip()]
    nl2bash = CORPORA / "sources" / "nl2bash" / "nl2bash_all.jsonl"
    if nl2bash.exists():
        for line in nl2bash.open():
            row = json.loads(line)
            command = row.get("command") or row.get("cmd")
            if command:
                actions.append({"type": "shell", "command": command, "cwd": "/home/dev/app",
                                "env": {"HOME": "/home/dev", "USER": "dev"}})
    return actions, f"{len(actions)} actions from ../shared/corpora"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "src"))
    # a state directory of its own: the decisions here must not count against this machine's budgets
    os.environ["CHANGEGATE_STATE_DIR"] = tempfile.mkdtemp(prefix="changegate-bench-")
    from changegate.gate import cache, evaluate
    from changegate.policy import load_policy
    from changegate.understand.shell import parse

    actions, note = load_actions()
    print(note)
    policy = load_policy(None)
    for action in actions[:200]:  # warm caches and lazy imports
        evaluate(action, policy)
    shell_texts = [a["command"] for a in actions if a.get("type") == "shell"]
    decide_times: list[float] = []
    parse_times: list[float] = []
    cache.VERDICTS.keeping = False  # distinct: every action decided afresh
    cache.VERDICTS.clear()  # (the warm-up's verdicts must not answer)
    for _ in range(args.rounds):
        decide_times += timed(actions, policy, evaluate)
        parse_times += timed(shell_texts, None, lambda text, _: parse(text))
    d50, d99 = statistics.median(decide_times), percentile(decide_times, 0.99)
    p50, p99 = statistics.median(parse_times), percentile(parse_times, 0.99)
    print(f"decision (understand + decide), in-process: p50 {d50:.1f} µs, p99 {d99:.1f} µs, "
          f"max {max(decide_times):.0f} µs over {len(decide_times)} decisions")
    print(f"tree-sitter bare parse of the same commands: p50 {p50:.1f} µs, p99 {p99:.1f} µs")
    print(f"ratio p50 decision / p50 parse: {d50 / p50:.1f}x (goal <= 3x); p99 goal <= 500 µs")
    print(f"in-process throughput: {1e6 / statistics.mean(decide_times):,.0f} decisions/s on one core")
    python_calls, c_calls = calls_per_decision(actions[::8], policy, evaluate)
    print(f"work per fresh decision (counted, so the same on any machine): {python_calls:.0f} Python function "
          f"calls, {c_calls:.0f} calls into C")

    cache.VERDICTS.keeping = True
    cache.VERDICTS.size = len(actions) + 1
    for action in actions:
        evaluate(action, policy)  # the first time: decided and kept (where it may be)
    hits_before = cache.VERDICTS.hits
    repeat_times = timed(actions, policy, evaluate)
    hits = cache.VERDICTS.hits - hits_before
    r50, r99 = statistics.median(repeat_times), percentile(repeat_times, 0.99)
    print(f"repeated actions (verdict cache): p50 {r50:.1f} µs, p99 {r99:.1f} µs; {hits / len(actions):.0%} "
          f"answered from the cache (the rest read a file changed in the last 2 s, or are never kept); "
          f"ratio to a fresh decision {d50 / r50:.0f}x")

    agents_day(policy, evaluate, cache)

    feed = "".join(json.dumps({"id": str(i), "action": a}) + "\n" for i, a in enumerate(actions))
    started = time.perf_counter()
    done = subprocess.run([str(Path(sys.executable).parent / "changegate"), "check", "--batch", "-"], input=feed,
                          capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    answered = len(done.stdout.splitlines())
    print(f"check --batch as a process: {answered} decisions in {elapsed:.2f} s = {answered / elapsed:,.0f} "
          f"decisions/s (start-up included)")
    return 0


def agents_day(policy: Any, evaluate: Any, cache: Any) -> None:
    """An agent's ordinary work (tests/fixtures/ordinary: git, builds, tests, package scripts, local services)
    in the real workspace bench/ordinary.py materializes: fresh decisions, then the same actions repeated.
    The workspace's files are dated an hour back and left to age 2 s (files changed in the last 2 s are never
    cached)."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from adversarial import materialize, substitute

    fixture = ROOT / "tests" / "fixtures" / "ordinary"
    cases = [json.loads(line) for line in (fixture / "cases.jsonl").open(encoding="utf-8") if line.strip()]
    tmp = Path(tempfile.mkdtemp(prefix="cg-decisions-"))
    try:
        workspace, home = materialize(tmp, fixture, branches=("main", "feature/login"))
        past = time.time() - 3600
        for path in tmp.rglob("*"):
            os.utime(path, (past, past), follow_symlinks=False)
        time.sleep(2.1)  # dating them changed their ctime, which no one can set back: let it age past 2 s
        actions = [substitute(c["action"], workspace, home) for c in cases]
        cache.VERDICTS.keeping = False
        fresh = timed(actions * 5, policy, evaluate)
        cache.VERDICTS.keeping = True
        for action in actions:
            evaluate(action, policy)
        repeated = timed(actions * 5, policy, evaluate)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    f50, f99 = statistics.median(fresh), percentile(fresh, 0.99)
    r50, r99 = statistics.median(repeated), percentile(repeated, 0.99)
    print(f"an agent's ordinary work in a real workspace ({len(cases)} actions x 5): fresh p50 {f50:.1f} µs, "
          f"p99 {f99:.1f} µs; repeated (verdict cache) p50 {r50:.1f} µs, p99 {r99:.1f} µs")


def calls_per_decision(actions: list[Any], policy: Any, evaluate: Any) -> tuple[float, float]:
    """Function calls per decision (a profile hook counts them): a figure a shared machine's noise cannot
    move, to compare builds by."""
    counts = {"call": 0, "c_call": 0}

    def count(frame: Any, event: str, arg: Any) -> None:
        if event in counts:
            counts[event] += 1

    sys.setprofile(count)
    try:
        for action in actions:
            evaluate(action, policy)
    finally:
        sys.setprofile(None)
    return counts["call"] / len(actions), counts["c_call"] / len(actions)


def timed(actions: list[Any], policy: Any, evaluate: Any) -> list[float]:
    """Microseconds of `evaluate(action, policy)` for each action, the garbage collector held off."""
    times: list[float] = []
    gc.disable()
    for action in actions:
        started = time.perf_counter_ns()
        evaluate(action, policy)
        times.append((time.perf_counter_ns() - started) / 1000)
    gc.enable()
    return times


if __name__ == "__main__":
    sys.exit(main())
