"""The decision daemon's memory over a long day: resident size after every 10,000 decisions, up to 100,000.

The daemon is started as hooks start it (`python -P -m changegate.integrations.daemon`) with a state directory
and HOME of its own, and asked exactly as the light client asks it (hookclient.ask_daemon) with Claude Code
PreToolUse payloads. The commands are the corpora's distinct shell commands, cycled, so the verdict cache
fills, evicts and fills again (more distinct actions than it keeps); every tenth call repeats a recent one, as
agents do. Each call's answer is checked to be well formed.

    python bench/daemon_memory.py [--decisions 100000] [--every 10000]

Reads ../shared/corpora (public, benign_nl2bash and the NL2Bash source); without it, cycles
examples/incidents.jsonl and says so. Prints the resident set (VmRSS) and the growth after the first sample
(the warm-up: caches reach their bounds), and the growth per 10,000 decisions over the second half.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from changegate.integrations import daemon, hookclient  # noqa: E402
from decisions import load_actions  # noqa: E402
from hook import wait_for_daemon  # noqa: E402


def resident_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise SystemExit(f"no VmRSS for process {pid}")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--decisions", type=int, default=100_000)
    parser.add_argument("--every", type=int, default=10_000)
    args = parser.parse_args()
    actions, note = load_actions()
    commands = list(dict.fromkeys(a["command"] for a in actions if a.get("type") == "shell" and a.get("command")))
    print(f"{note}; {len(commands)} distinct shell commands, cycled")
    scratch = Path(tempfile.mkdtemp(prefix="cg-daemon-memory-"))
    state, home, workspace = scratch / "state", scratch / "home", scratch / "home" / "app"
    workspace.mkdir(parents=True)
    env = {"HOME": str(home), "CHANGEGATE_STATE_DIR": str(state), "PATH": os.environ.get("PATH", os.defpath),
           "PYTHONPATH": str(ROOT / "src")}
    process = subprocess.Popen([sys.executable, *hookclient.DAEMON_ARGS, "--idle", "3600"], env=env, cwd="/",
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        pid = wait_for_daemon(state / f"daemon-{daemon.__version__}.sock")
        environ = {k.encode(): v.encode() for k, v in env.items() if k != "PYTHONPATH"}
        samples: list[tuple[int, int]] = [(0, resident_kib(pid))]
        started = time.perf_counter()
        for n in range(1, args.decisions + 1):
            command = commands[(n - 9) % len(commands)] if n % 10 == 0 else commands[n % len(commands)]
            payload = json.dumps({"session_id": "bench", "hook_event_name": "PreToolUse", "tool_name": "Bash",
                                  "tool_input": {"command": command}, "cwd": str(workspace)}).encode()
            answer = hookclient.ask_daemon("claude-code", payload, 10.0, environ, str(workspace).encode())
            if answer is None:
                raise SystemExit(f"the daemon did not answer decision {n}: {command!r}")
            if n % args.every == 0:
                samples.append((n, resident_kib(pid)))
                print(f"{n:>7} decisions: VmRSS {samples[-1][1] / 1024:6.1f} MiB "
                      f"({n / (time.perf_counter() - started):,.0f} decisions/s)", flush=True)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(10)
        shutil.rmtree(scratch, ignore_errors=True)
    first, last = samples[1][1], samples[-1][1]
    half = samples[len(samples) // 2]
    steps = (samples[-1][0] - half[0]) / args.every
    print(f"after warm-up ({samples[1][0]:,} decisions) {first / 1024:.1f} MiB; after {samples[-1][0]:,} "
          f"{last / 1024:.1f} MiB: {(last - first) / 1024:+.1f} MiB; second half "
          f"{(last - half[1]) / max(steps, 1):+.0f} KiB per {args.every:,} decisions (target: flat)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
