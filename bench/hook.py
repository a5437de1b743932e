"""`changegate hook claude-code` as a whole process, against `python -c pass` in the same run.

Every agent tool call starts the hook as a new process, so its cost is the process's, not a function's.
The commands alternate (so a busy machine slows them alike); each is run --runs times (≥ 30). Modes:
- in-process: the hook decides itself (CHANGEGATE_DAEMON=off), the cold path;
- daemon: the installed command `changegate hook claude-code` with the per-user daemon running (it asks the
  daemon without importing the engine);
- light client: `python -I -S …/hookclient.py claude-code`, the lightest client, with the daemon running.

    python bench/hook.py [--runs 40]
    python bench/hook.py --remote URL --token TOKEN       also remote mode: a running `changegate serve` decides

Prints p50 and p99 in milliseconds for each, and the cost over bare Python. State lives in a temporary
directory (its own daemon, which is stopped at the end).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from changegate.integrations import daemon

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
    state = tempfile.mkdtemp(prefix="cg-bench-hook-")
    base_env = {k: v for k, v in os.environ.items() if not k.startswith("CHANGEGATE_")}
    base_env.pop("PYTHONDONTWRITEBYTECODE", None)  # measure what users run: with cached bytecode
    base_env["HOME"] = base_env.get("HOME", "/root")
    base_env["CHANGEGATE_STATE_DIR"] = state
    command = hook_command()
    client = [sys.executable, "-I", "-S", str(Path(daemon.__file__).with_name("hookclient.py")), "claude-code"]
    cold = {**base_env, "CHANGEGATE_DAEMON": "off"}
    warm = {**base_env, "CHANGEGATE_DAEMON": "on", "CHANGEGATE_DAEMON_IDLE": "120"}
    modes: dict[str, tuple[list[str], dict[str, str]]] = {
        "changegate hook (in-process)": (command, cold),
        "changegate hook (daemon)": (command, warm),
        "python -I -S hookclient.py (daemon)": (client, warm),
    }
    if args.remote:
        modes["changegate hook (remote, in-process)"] = (
            command, {**cold, "CHANGEGATE_URL": args.remote, "CHANGEGATE_TOKEN": args.token})
    bare = [sys.executable, "-c", "pass"]
    try:
        timed(command, stdin, warm)  # no daemon yet: decides itself and starts one
        socket_file = Path(state) / f"daemon-{daemon.__version__}.sock"
        for _ in range(200):
            if daemon.answers(socket_file):
                break
            time.sleep(0.05)
        else:
            raise SystemExit("the daemon did not start")
        for argv, env in modes.values():  # warm the OS caches and write bytecode once
            timed(argv, stdin, env)
        timed(bare, b"", base_env)
        results: dict[str, list[float]] = {"python -c pass": [], **{label: [] for label in modes}}
        for _ in range(runs):
            results["python -c pass"].append(timed(bare, b"", base_env))
            for label, (argv, env) in modes.items():
                results[label].append(timed(argv, stdin, env))
    finally:
        with contextlib.suppress(OSError):
            (Path(state) / f"daemon-{daemon.__version__}.sock").unlink()  # the daemon leaves when it sees this
        shutil.rmtree(state, ignore_errors=True)
    print(f"hook: {' '.join(command)}   ({os.cpu_count()} cores)")
    python_p50, _ = summary("python -c pass", results["python -c pass"])
    cold_p50 = 0.0
    for label in modes:
        p50, _ = summary(label, results[label])
        cold_p50 = cold_p50 or p50
        print(f"{'':44} {p50 - python_p50:+6.1f} ms over bare Python, {p50 / cold_p50:.2f}x the in-process hook")
    return 0


if __name__ == "__main__":
    sys.exit(main())
