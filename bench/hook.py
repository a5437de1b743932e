"""Cold start of `changegate hook claude-code` as a whole process, against `python -c pass` in the same run.

Every agent tool call starts the hook as a new process, so its cost is the process's, not a function's.
The two commands alternate (so a busy machine slows both alike); each is run --runs times (≥ 30).

    python bench/hook.py [--runs 40]                      cold start, local mode (the decision in-process)
    python bench/hook.py --remote URL --token TOKEN       also the warm path: a running `changegate serve`
                                                          decides (CHANGEGATE_URL / CHANGEGATE_TOKEN)

Prints p50 and p99 in milliseconds for each, and the hook's cost over bare Python.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

PAYLOAD = {
    "session_id": "bench", "transcript_path": "/tmp/bench.jsonl", "cwd": "/home/dev/app",
    "permission_mode": "default", "hook_event_name": "PreToolUse", "tool_name": "Bash",
    "tool_input": {"command": "git status && npm test", "description": "bench"}, "tool_use_id": "toolu_bench",
}


def hook_command() -> list[str]:
    script = Path(sys.executable).with_name("changegate")
    return [str(script), "hook", "claude-code"] if script.exists() else [sys.executable, "-m", "changegate",
                                                                          "hook", "claude-code"]


def timed(command: list[str], stdin: bytes, env: dict[str, str]) -> float:
    started = time.perf_counter()
    result = subprocess.run(command, input=stdin, capture_output=True, env=env, check=False)
    elapsed = (time.perf_counter() - started) * 1000
    if result.returncode != 0:
        raise SystemExit(f"{command} failed ({result.returncode}): {result.stderr.decode()[:300]}")
    return elapsed


def summary(label: str, values: list[float]) -> tuple[float, float]:
    ordered = sorted(values)
    p50 = statistics.median(ordered)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    print(f"{label:44} p50 {p50:6.1f} ms   p99 {p99:6.1f} ms   (n={len(values)})")
    return p50, p99


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--remote", help="URL of a running `changegate serve` (the warm path)")
    parser.add_argument("--token", default=os.environ.get("CHANGEGATE_TOKEN", ""))
    args = parser.parse_args()
    runs = max(args.runs, 30)
    stdin = json.dumps(PAYLOAD).encode()
    base_env = {k: v for k, v in os.environ.items() if not k.startswith("CHANGEGATE_")}
    base_env.pop("PYTHONDONTWRITEBYTECODE", None)  # measure what users run: with cached bytecode
    base_env["HOME"] = base_env.get("HOME", "/root")
    modes = {"changegate hook claude-code (local)": base_env}
    if args.remote:
        modes["changegate hook claude-code (remote, warm)"] = {
            **base_env, "CHANGEGATE_URL": args.remote, "CHANGEGATE_TOKEN": args.token}
    bare = [sys.executable, "-c", "pass"]
    command = hook_command()
    for env in modes.values():  # warm the OS caches and write bytecode once
        timed(command, stdin, env)
    timed(bare, b"", base_env)
    results: dict[str, list[float]] = {"python -c pass": [], **{label: [] for label in modes}}
    for _ in range(runs):
        results["python -c pass"].append(timed(bare, b"", base_env))
        for label, env in modes.items():
            results[label].append(timed(command, stdin, env))
    print(f"hook: {' '.join(command)}   ({os.cpu_count()} cores)")
    python_p50, _ = summary("python -c pass", results["python -c pass"])
    for label in modes:
        p50, _ = summary(label, results[label])
        print(f"{'':44} {p50 - python_p50:+6.1f} ms over bare Python")
    return 0


if __name__ == "__main__":
    sys.exit(main())
