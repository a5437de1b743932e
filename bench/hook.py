"""The hook as a whole process, warm (daemon up) and cold (none), against bare interpreters and cc-safety-net.

Every agent tool call starts the hook as a new process, so its cost is the process's, not a function's. All
commands of a phase alternate, case by case, on the same Claude Code PreToolUse payloads (so a busy machine
slows them alike); the payloads are cc-safety-net's own test commands from ../shared/corpora/public.jsonl
(or a built-in handful without it), each run once per command.

Warm phase (the per-user daemon running):
- light client: the command `changegate install` writes (`python -I -S -c '…import hookclient…' DIR AGENT`);
- `changegate hook claude-code` (the console script, which asks the daemon too, but starts slower);
- cc-safety-net 2.4.5 (node; `cc-safety-net hook --claude-code` and its own light entry `dist/bin/hook.js`),
  installed with npm into bench/.cache (pinned; skipped with a message when npm or the network is missing);
- bare starts in the same run: `python -c pass`, `python -I -S -c pass` (the light client's floor), `node -e 0`,
  and the floors of the other candidate clients: `python -I -S -c 'import socket, json, os'` and
  `sh -c 'curl --unix-socket …'` against a socket nobody serves.
Cold phase (no daemon): the light client with CHANGEGATE_DAEMON=off (it becomes the in-process hook), the
console script deciding in-process, and — fewer runs — the light client's real first call: an empty state
directory, no daemon, so it decides itself and starts one (stopped again before the next run).

    python bench/hook.py [--cases 100] [--first-calls 10]
    python bench/hook.py --remote URL --token TOKEN       also remote mode: a running `changegate serve` decides

Prints p50 / p90 / p99 in milliseconds, the ratios, and the issue's targets met or not. State and HOME live
in temporary directories (their own daemon, which is stopped at the end).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from changegate.integrations import daemon
from changegate.integrations.hookclient import launcher_argv

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpora" / "public.jsonl"
PEER_SOURCE = "kenryu42/claude-code-safety-net"  # cc-safety-net's own tests: its home ground
PEER_VERSION = "2.4.5"
PEER_CACHE = ROOT / "bench" / ".cache" / f"cc-safety-net-{PEER_VERSION}"
FALLBACK_COMMANDS = ["git status", "ls -la", "npm test", "rm -rf build", "git push --force origin main",
                     "kubectl --context prod delete namespace payments", "cat ~/.aws/credentials", "rm -rf ~"]
TARGETS = {"warm_p50_ms": 15.0, "warm_p90_ms": 25.0, "cold_p50_ms": 80.0}


def commands(count: int) -> tuple[list[str], str]:
    if not CORPUS.exists():
        return FALLBACK_COMMANDS, f"{CORPUS} is missing: {len(FALLBACK_COMMANDS)} built-in commands"
    found = []
    for line in CORPUS.open():
        row = json.loads(line)
        if row["source"].startswith(PEER_SOURCE) and row["action"].get("command"):
            found.append(row["action"]["command"])
    step = max(len(found) / max(count, 1), 1.0)
    chosen = [found[int(i * step)] for i in range(min(count, len(found)))]
    return chosen, f"{len(chosen)} of the {len(found)} cc-safety-net test commands in {CORPUS.name}"


def payload(command: str, cwd: str) -> bytes:
    return json.dumps({
        "session_id": "bench", "transcript_path": "/tmp/bench.jsonl", "cwd": cwd, "permission_mode": "default",
        "hook_event_name": "PreToolUse", "tool_name": "Bash", "tool_input": {"command": command},
        "tool_use_id": "toolu_bench"}).encode()


def peer_commands() -> tuple[dict[str, list[str]], str]:
    """cc-safety-net's two ways to run as a Claude Code hook, installed (pinned) on first use."""
    package = PEER_CACHE / "node_modules" / "cc-safety-net"
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None:
        return {}, "cc-safety-net skipped: no node on PATH"
    if not package.exists():
        if npm is None:
            return {}, "cc-safety-net skipped: no npm on PATH to install it"
        PEER_CACHE.mkdir(parents=True, exist_ok=True)
        try:
            done = subprocess.run([npm, "install", "--prefix", str(PEER_CACHE), "--no-audit", "--no-fund",
                                   "--ignore-scripts", "--save-exact", f"cc-safety-net@{PEER_VERSION}"],
                                  capture_output=True, timeout=300, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            return {}, f"cc-safety-net skipped: npm install failed ({exc})"
        if done.returncode != 0 or not package.exists():
            return {}, f"cc-safety-net skipped: npm install failed: {done.stderr.decode()[-300:]}"
    dist = package / "dist" / "bin"
    return {f"cc-safety-net {PEER_VERSION} (hook --claude-code)":
            [node, str(dist / "cc-safety-net.js"), "hook", "--claude-code"],
            f"cc-safety-net {PEER_VERSION} (dist/bin/hook.js)": [node, str(dist / "hook.js"), "--claude-code"]}, ""


def timed(command: list[str], stdin: bytes, env: dict[str, str], cwd: str) -> float:
    started = time.perf_counter()
    result = subprocess.run(command, input=stdin, capture_output=True, env=env, cwd=cwd, check=False)
    elapsed = (time.perf_counter() - started) * 1000
    if result.returncode not in (0, 2):  # (2: a block, for the agents that read exit codes)
        raise SystemExit(f"{command} failed ({result.returncode}): {result.stderr.decode()[:300]}")
    return elapsed


def percentile(ordered: list[float], fraction: float) -> float:
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def summary(label: str, values: list[float]) -> tuple[float, float]:
    ordered = sorted(values)
    p50, p90, p99 = statistics.median(ordered), percentile(ordered, 0.9), percentile(ordered, 0.99)
    print(f"  {label:58} p50 {p50:6.1f}   p90 {p90:6.1f}   p99 {p99:6.1f} ms   (n={len(values)})")
    return p50, p90


def wait_for_daemon(socket_file: Path, timeout: float = 20.0) -> int:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        answer = daemon.ping(socket_file)
        if answer is not None:
            return int(answer["pid"])
        time.sleep(0.02)
    raise SystemExit("the daemon did not start")


def stop_daemon(socket_file: Path, pid: int) -> None:
    with contextlib.suppress(OSError):
        socket_file.unlink()
    with contextlib.suppress(OSError):
        os.kill(pid, signal.SIGTERM)
    for _ in range(200):
        try:
            os.kill(pid, 0)
        except OSError:
            return
        time.sleep(0.01)


def run_phase(modes: dict[str, tuple[list[str], dict[str, str], bool]], stdins: list[bytes],
              cwd: str) -> dict[str, list[float]]:
    """Every mode once per payload, alternating (a mode that takes no payload gets none)."""
    results: dict[str, list[float]] = {label: [] for label in modes}
    for argv, env, takes_payload in modes.values():  # warm the OS caches and write bytecode once
        timed(argv, stdins[0] if takes_payload else b"", env, cwd)
    for stdin in stdins:
        for label, (argv, env, takes_payload) in modes.items():
            results[label].append(timed(argv, stdin if takes_payload else b"", env, cwd))
    return results


def first_calls(client: list[str], stdins: list[bytes], env: dict[str, str], cwd: str,
                runs: int) -> tuple[list[float], list[float]]:
    """The light client's first call: no daemon (its state directory used before, as on a user's machine); it
    decides itself and starts one, which is stopped before the next run. Alternating with the same payload
    decided with CHANGEGATE_DAEMON=off (commands differ in how much of the engine they load)."""
    state = tempfile.mkdtemp(prefix="cg-bench-first-")
    first_env = {**env, "CHANGEGATE_STATE_DIR": state}
    off_env = {**first_env, "CHANGEGATE_DAEMON": "off"}
    socket_file = Path(state) / f"daemon-{daemon.__version__}.sock"
    firsts, offs = [], []
    try:
        timed(client, stdins[0], off_env, cwd)  # the state directory's files
        for index in range(runs):
            stdin = stdins[index * 7 % len(stdins)]
            offs.append(timed(client, stdin, off_env, cwd))
            firsts.append(timed(client, stdin, first_env, cwd))
            stop_daemon(socket_file, wait_for_daemon(socket_file))
            time.sleep(0.2)  # (its exit is not the next run's cost)
    finally:
        shutil.rmtree(state, ignore_errors=True)
    return firsts, offs


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=100, help="payloads per phase (each mode runs each once)")
    parser.add_argument("--first-calls", type=int, default=10, help="runs of the light client's first call")
    parser.add_argument("--remote", help="URL of a running `changegate serve` (adds remote mode, cold)")
    parser.add_argument("--token", default=os.environ.get("CHANGEGATE_TOKEN", ""))
    args = parser.parse_args()
    chosen, where = commands(max(args.cases, 10))
    scratch = Path(tempfile.mkdtemp(prefix="cg-bench-hook-"))
    workspace, home, state = scratch / "app", scratch / "home", scratch / "state"
    for folder in (workspace, home):
        folder.mkdir()
    stdins = [payload(command, str(workspace)) for command in chosen]
    base_env = {k: v for k, v in os.environ.items() if not k.startswith(("CHANGEGATE_", "CC_SAFETY_NET"))}
    base_env.pop("PYTHONDONTWRITEBYTECODE", None)  # measure what users run: with cached bytecode
    base_env.update({"HOME": str(home), "CHANGEGATE_STATE_DIR": str(state)})
    warm = {**base_env, "CHANGEGATE_DAEMON": "on", "CHANGEGATE_DAEMON_IDLE": "300"}
    cold = {**base_env, "CHANGEGATE_DAEMON": "off"}
    script = Path(sys.executable).with_name("changegate")
    console = [str(script), "hook", "claude-code"] if script.exists() else \
        [sys.executable, "-m", "changegate", "hook", "claude-code"]
    client = launcher_argv("claude-code")
    peers, peer_note = peer_commands()
    closed = shlex.quote(str(scratch / "nobody.sock"))
    bare: dict[str, list[str]] = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "python -I -S -c pass (the light client's floor)": [sys.executable, "-I", "-S", "-c", "pass"],
        "floor: python -I -S -c 'import socket, json, os'": [sys.executable, "-I", "-S", "-c",
                                                            "import socket, json, os"],
    }
    if shutil.which("curl"):
        bare["floor: sh -c 'curl --unix-socket' (nobody serving)"] = [
            "/bin/sh", "-c", f"curl -s --max-time 1 --unix-socket {closed} http://changegate/ || true"]
    if shutil.which("node"):
        bare["node -e 0"] = ["node", "-e", "0"]
    socket_file = state / f"daemon-{daemon.__version__}.sock"
    pid = 0
    try:
        timed(client, stdins[0], warm, str(workspace))  # no daemon yet: decides itself and starts one
        pid = wait_for_daemon(socket_file)
        warm_modes: dict[str, tuple[list[str], dict[str, str], bool]] = {
            "changegate light client (installed command)": (client, warm, True),
            "changegate hook claude-code (console script)": (console, warm, True),
            **{label: (argv, base_env, True) for label, argv in peers.items()},
            **{label: (argv, base_env, False) for label, argv in bare.items()},
        }
        warm_results = run_phase(warm_modes, stdins, str(workspace))
        stop_daemon(socket_file, pid)
        pid = 0
        cold_modes: dict[str, tuple[list[str], dict[str, str], bool]] = {
            "changegate light client, no daemon (CHANGEGATE_DAEMON=off)": (client, cold, True),
            "changegate hook claude-code, in-process (console script)": (console, cold, True),
            "python -c pass": (bare["python -c pass"], base_env, False),
        }
        if args.remote:
            cold_modes["changegate hook claude-code (remote, in-process)"] = (
                console, {**cold, "CHANGEGATE_URL": args.remote, "CHANGEGATE_TOKEN": args.token}, True)
        cold_results = run_phase(cold_modes, stdins, str(workspace))
        first = first_calls(client, stdins, warm, str(workspace), args.first_calls) if args.first_calls else ([], [])
    finally:
        if pid:
            stop_daemon(socket_file, pid)
        shutil.rmtree(scratch, ignore_errors=True)
    report(warm_results, cold_results, first, where, peer_note)
    return 0


def report(warm: dict[str, list[float]], cold: dict[str, list[float]], first: tuple[list[float], list[float]],
           where: str, peer_note: str) -> None:
    print(f"payloads: {where}; {os.cpu_count()} cores; milliseconds per whole process")
    print("warm (the daemon running):")
    figures = {label: summary(label, values) for label, values in warm.items()}
    print("cold (no daemon):")
    cold_figures = {label: summary(label, values) for label, values in cold.items()}
    if first[0]:
        print("  alternating, the same payloads:")
        starts = summary("changegate light client, first call (starts the daemon)", first[0])
        same = summary("changegate light client, CHANGEGATE_DAEMON=off", first[1])
        print(f"  {'':58} first call / daemon off: p50 {starts[0] / same[0]:.2f}x")
    if peer_note:
        print(peer_note)
    light = figures["changegate light client (installed command)"]
    python = figures["python -c pass"]
    print("ratios:")
    print(f"  light client / python -c pass:            p50 {light[0] / python[0]:.2f}x")
    print(f"  light client / console script (warm):      p50 "
          f"{light[0] / figures['changegate hook claude-code (console script)'][0]:.2f}x")
    peers = [label for label in figures if label.startswith("cc-safety-net")]
    for label in peers:
        print(f"  light client / {label}: p50 {light[0] / figures[label][0]:.2f}x, "
              f"p90 {light[1] / figures[label][1]:.2f}x")
    light_cold = cold_figures["changegate light client, no daemon (CHANGEGATE_DAEMON=off)"]
    in_process = cold_figures["changegate hook claude-code, in-process (console script)"]
    print(f"  cold light client / in-process console script: p50 {light_cold[0] / in_process[0]:.2f}x")
    print(f"  warm light client / cold light client:         p50 {light[0] / light_cold[0]:.2f}x")
    best_peer = min((figures[label] for label in peers), default=None)
    checks = [
        (f"warm p50 <= {TARGETS['warm_p50_ms']:g} ms", light[0] <= TARGETS["warm_p50_ms"]),
        ("warm p50 <= python -c pass (same run)", light[0] <= python[0]),
        (f"warm p90 <= {TARGETS['warm_p90_ms']:g} ms", light[1] <= TARGETS["warm_p90_ms"]),
        (f"cold p50 <= {TARGETS['cold_p50_ms']:g} ms", light_cold[0] <= TARGETS["cold_p50_ms"]),
    ]
    if best_peer is not None:
        checks.append(("warm faster than cc-safety-net at p50 and p90",
                       light[0] < best_peer[0] and light[1] < best_peer[1]))
    print("targets (issue 17): " + "; ".join(f"{name}: {'yes' if ok else 'NO'}" for name, ok in checks))


if __name__ == "__main__":
    sys.exit(main())
