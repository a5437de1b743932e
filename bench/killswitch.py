"""The kill switch's time to effect: from `freeze now` to the first deny, across two server processes and a
local hook.

    .venv/bin/python bench/killswitch.py [--trials 10]

It starts two real `changegate serve` processes on one store (a temporary SQLite file: what `--workers 2`
shares), creates a person's token and an agent token, and then, per trial: turns the kill switch on through
the FIRST server, and from that moment polls, in parallel, /v1/check on the first server, /v1/check on the
SECOND, and a real hook process (`changegate hook claude-code`) connected to the second server — each until
it answers deny. Then it lifts the switch and waits for every one to allow again. The same for local mode:
`changegate freeze now` (the state-directory file) and a local hook.

It prints the median and the worst time to effect per path (the promise: within 2 s everywhere; a server
process reads the switch through a cache of at most 1 s).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BIN = str(ROOT / ".venv/bin/changegate")
CHANGE = {"type": "shell", "command": "kubectl --context dev-eu create namespace scratch", "cwd": "/home/dev/app",
          "env": {"HOME": "/home/dev"}}
HOOK_INPUT = json.dumps({"session_id": "bench", "cwd": "/home/dev/app", "hook_event_name": "PreToolUse",
                         "tool_name": "Bash", "tool_input": {"command": CHANGE["command"]}})
DEADLINE_S = 10.0


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def post(url: str, token: str, body: dict[str, Any]) -> dict[str, Any]:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST", headers={
        "Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        doc: dict[str, Any] = json.loads(response.read())
        return doc


def prepare(database_url: str) -> tuple[str, str]:
    sys.path.insert(0, str(ROOT / "src"))
    from changegate.service.accounts import Accounts
    from changegate.service.store import open_store

    store = open_store(database_url)
    accounts = Accounts(store)
    accounts.add_user("ops", "approver", None, "bench")
    person = accounts.create_user_token("ops", "bench")[1]
    agent = accounts.create_agent_token("bench-agent", "ops", "bench")[1]
    store.dispose()
    return person, agent


def start(port: int, database_url: str, env: dict[str, str]) -> subprocess.Popen[bytes]:
    server = subprocess.Popen([BIN, "serve", "--port", str(port), "--database-url", database_url], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1):
                return server
        except OSError as exc:
            if time.monotonic() > deadline or server.poll() is not None:
                raise SystemExit(f"the server on port {port} did not start") from exc
            time.sleep(0.1)


def hook_decision(env: dict[str, str]) -> str:
    done = subprocess.run([BIN, "hook", "claude-code"], input=HOOK_INPUT.encode(), capture_output=True, env=env,
                          timeout=30, check=False)
    try:
        return str(json.loads(done.stdout)["hookSpecificOutput"]["permissionDecision"])
    except (ValueError, KeyError):
        return "error"


def until(decide: Any, wanted: str, started: float, out: dict[str, float], name: str) -> None:
    """Poll `decide()` until it answers `wanted`; the seconds from `started` to that answer."""
    while time.monotonic() - started < DEADLINE_S:
        if decide() == wanted:
            out[name] = time.monotonic() - started
            return
    out[name] = float("inf")


def race(paths: dict[str, Any], wanted: str, started: float) -> dict[str, float]:
    out: dict[str, float] = {}
    threads = [threading.Thread(target=until, args=(decide, wanted, started, out, name)) for name, decide in paths.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return out


def summary(label: str, samples: list[float]) -> str:
    finite = [s for s in samples if s != float("inf")]
    missed = len(samples) - len(finite)
    worst = max(finite) if finite else float("nan")
    return (f"{label:<34} median {statistics.median(finite) * 1000:7.0f} ms   worst {worst * 1000:7.0f} ms"
            + (f"   ({missed} never within {DEADLINE_S:g} s)" if missed else ""))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trials", type=int, default=10)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="cg-killswitch-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHANGEGATE_")}
    env.update({"CHANGEGATE_STATE_DIR": str(tmp / "state"), "HOME": str(tmp), "CHANGEGATE_DAEMON": "off",
                "CHANGEGATE_CHECKPOINT_KEY": str(tmp / "checkpoint.key")})
    os.environ.update({"CHANGEGATE_STATE_DIR": env["CHANGEGATE_STATE_DIR"], "HOME": env["HOME"]})
    database_url = f"sqlite:///{tmp / 'store.db'}"
    person, agent = prepare(database_url)
    ports = [free_port(), free_port()]
    servers = [start(port, database_url, env) for port in ports]
    urls = [f"http://127.0.0.1:{port}" for port in ports]
    remote_hook = {**env, "CHANGEGATE_URL": urls[1], "CHANGEGATE_TOKEN": agent}
    paths = {"server 1 (where it was turned on)": lambda: post(urls[0] + "/v1/check", agent, {"action": CHANGE})["decision"],
             "server 2 (another process)": lambda: post(urls[1] + "/v1/check", agent, {"action": CHANGE})["decision"],
             "hook connected to server 2": lambda: hook_decision(remote_hook)}
    results: dict[str, list[float]] = {name: [] for name in paths}
    local: list[float] = []
    try:
        for trial in range(args.trials):
            assert all(v != float("inf") for v in race(paths, "allow", time.monotonic()).values()), "not allowed at first"
            started = time.monotonic()
            post(urls[0] + "/v1/guardrails/freeze", person, {"reason": f"bench trial {trial}"})
            for name, seconds in race(paths, "deny", started).items():
                results[name].append(seconds)
            post(urls[1] + "/v1/guardrails/freeze/lift", person, {"comment": "bench"})
        for trial in range(args.trials):
            started = time.monotonic()
            subprocess.run([BIN, "freeze", "now", "--reason", f"bench local {trial}"], env=env, check=True,
                           capture_output=True)
            local.append(race({"local": lambda: hook_decision(env)}, "deny", started)["local"])
            (tmp / "state" / "guardrails" / "state.json").unlink()  # what `freeze lift --as NAME` does
    finally:
        for server in servers:
            server.terminate()
            server.wait(15)
    print(f"# kill switch: time from turning it on to the first deny ({args.trials} trials; {os.cpu_count()} cores)")
    for name, samples in results.items():
        print(summary(name, samples))
    print(summary("local: `freeze now` to a local hook", local))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
