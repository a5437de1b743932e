"""`make demo`: replay real incidents through changegate, then serve them to a person who can approve one.

First the table: each row of examples/incidents.jsonl is an action an agent (or a person) really took,
reconstructed, with changegate's decision, the approvals it needs, and the reason it gives.

Then a server: on a SQLite store in a temporary directory, with examples/demo-policy.yaml, a demo operator,
two approvers and an admin, and an agent token. The incidents are replayed through the HTTP API as that agent
would send them, so the printed URL opens an inbox of real pending requests. It prints the commands that
use the CLI against this server (CHANGEGATE_URL, --as). Ctrl-C or SIGTERM stops it and removes the
temporary directory. `CHANGEGATE_DEMO_PORT` picks the port (default 8787, or a free one).
"""

from __future__ import annotations

import json
import os
import secrets
import shlex
import shutil
import signal
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from changegate.gate import evaluate

INCIDENTS = Path(__file__).with_name("incidents.jsonl")
DEMO_POLICY = Path(__file__).with_name("demo-policy.yaml")
COLOUR = {"allow": "green", "ask": "yellow", "deny": "bold red"}
HOST = "127.0.0.1"
DEFAULT_PORT = 8787
AGENT = "demo-agent"
OPERATOR = "dev"
PEOPLE = (("alice", "approver"), ("bob", "approver"), ("admin", "admin"), (OPERATOR, "approver"))


def describe(action: dict) -> str:
    if action["type"] == "shell":
        return str(action["command"])
    if action["type"] == "terraform_plan":
        changes = action.get("plan", {}).get("resource_changes", [])
        return f"terraform plan ({len(changes)} resource changes)"
    return json.dumps(action)[:120]


def incidents() -> list[dict[str, Any]]:
    return [json.loads(line) for line in INCIDENTS.open() if line.strip()]


def print_table(console: Console, rows: list[dict[str, Any]]) -> None:
    table = Table(title="changegate on real incidents", show_lines=True, expand=True)
    table.add_column("incident", style="bold", no_wrap=True)
    table.add_column("what the agent ran", overflow="fold", ratio=3)
    table.add_column("decision", no_wrap=True)
    table.add_column("why", overflow="fold", ratio=4)
    stopped = 0
    for row in rows:
        verdict = evaluate(row["action"])
        stopped += verdict.decision != "allow"
        decision = verdict.decision.upper()
        if verdict.decision == "ask" and verdict.approvals_required > 1:
            decision += f" ×{verdict.approvals_required}"
        reason = verdict.reasons[0].split(" — ")[0] if verdict.reasons else ""
        detail = f"{verdict.summary}\n{reason}" if verdict.summary else reason
        table.add_row(row["id"], describe(row["action"]), f"[{COLOUR[verdict.decision]}]{decision}[/]", detail)
    console.print(table)
    console.print(f"{stopped} of {len(rows)} incidents stopped before they ran. Try your own: "
                  f"[bold].venv/bin/changegate explain -- 'kubectl delete ns payments --context prod-eu'[/]")


# --- the server ----------------------------------------------------------------------------------------

def free_port(preferred: int) -> int:
    """The preferred port when it is free, else any free one."""
    for port in (preferred, 0):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            try:
                probe.bind((HOST, port))
            except OSError:
                continue
            return int(probe.getsockname()[1])
    raise OSError("no free port on 127.0.0.1")


def seed(services: Any) -> tuple[dict[str, str], str]:
    """The demo's people (name -> password) and the agent's token."""
    passwords = {name: secrets.token_urlsafe(9) for name, _ in PEOPLE}
    for name, role in PEOPLE:
        services.accounts.add_user(name, role, passwords[name], "system:demo")
    _id, token = services.accounts.create_agent_token(AGENT, OPERATOR, "system:demo")
    return passwords, token


def replay(url: str, token: str, rows: list[dict[str, Any]]) -> dict[str, int]:
    """Send every incident to the server as the agent would (POST /v1/check with its token)."""
    from changegate.client import Client

    client = Client(url, token, timeout=30)
    counts: dict[str, int] = {}
    for row in rows:
        action = {**row["action"], "reason": f"(replayed incident {row['id']}) {row.get('note', '')}".strip()}
        answer = client.check(action)
        counts[answer["decision"]] = counts.get(answer["decision"], 0) + 1
    return counts


def serve_demo(console: Console, rows: list[dict[str, Any]]) -> int:
    import uvicorn

    from changegate.server import Settings, create_app

    state = Path(tempfile.mkdtemp(prefix="changegate-demo-"))
    os.environ["CHANGEGATE_STATE_DIR"] = str(state)
    port = free_port(int(os.environ.get("CHANGEGATE_DEMO_PORT") or DEFAULT_PORT))
    url = f"http://{HOST}:{port}"
    try:
        app = create_app(Settings(database_url=f"sqlite:///{state / 'changegate.db'}", policy_path=str(DEMO_POLICY),
                                  public_url=url))
        passwords, token = seed(app.state.services)
        server = uvicorn.Server(uvicorn.Config(app, host=HOST, port=port, log_level="warning", access_log=False))
        thread = threading.Thread(target=server.run, name="changegate-demo-server", daemon=True)
        thread.start()
        deadline = time.monotonic() + 30
        while not server.started and thread.is_alive() and time.monotonic() < deadline:
            time.sleep(0.05)
        if not server.started:
            console.print(f"[bold red]the demo server did not start on {url}[/]")
            return 1
        counts = replay(url, token, rows)
        console.print()
        console.print(f"[bold]The approver's page is at {url}/inbox[/]  (state in {state})", soft_wrap=True)
        console.print(f"The agent {AGENT} (operator {OPERATOR}) replayed {len(rows)} incidents through the API: "
                      + ", ".join(f"{n} {decision}" for decision, n in sorted(counts.items())) + ".", soft_wrap=True)
        console.print("Sign in as an approver and approve one: "
                      + "; ".join(f"[bold]{name}[/] / [bold]{passwords[name]}[/] ({role})" for name, role in PEOPLE),
                      soft_wrap=True, highlight=False)
        console.print(f"A request that needs two approvals needs two of these people, one of them not {OPERATOR}.",
                      highlight=False, soft_wrap=True)
        print_cli_commands(console, url, passwords, token)
        console.print("Ctrl-C stops the demo.", highlight=False, soft_wrap=True)
        sys.stdout.flush()
        try:
            while thread.is_alive():
                thread.join(0.5)
        except KeyboardInterrupt:
            console.print("stopping…")
            server.should_exit = True
            thread.join(10)
        return 0
    finally:
        shutil.rmtree(state, ignore_errors=True)


def print_cli_commands(console: Console, url: str, passwords: dict[str, str], token: str) -> None:
    """The exact commands that use the CLI against this server, for another shell in this directory."""
    from changegate.client import Client

    pending = Client(url, "", timeout=30, basic=("alice", passwords["alice"])).list_requests(status="pending")
    one = next((r["id"] for r in pending if r["required"] == 1), "REQUEST_ID")
    cli = ".venv/bin/changegate"
    lines = [
        f"export CHANGEGATE_URL={url}",
        f"{cli} approvals list --status pending --as alice    # password: {passwords['alice']}",
        f"echo {shlex.quote(passwords['alice'])} | {cli} approvals approve {one} --as alice --password-stdin "
        "--comment 'checked it'",
        f"CHANGEGATE_TOKEN={token} {cli} check -- kubectl delete ns payments --context prod-eu   "
        f"# as the agent: exit 10, a new request",
        f"{cli} audit tail --as admin    # password: {passwords['admin']}",
    ]
    console.print("Use the CLI against this server: in another shell, in this directory, paste", highlight=False,
                  soft_wrap=True)
    for line in lines:
        console.print("  " + line, markup=False, highlight=False, soft_wrap=True)


def stop_on_sigterm() -> None:
    """SIGTERM (and SIGHUP: the terminal closed) stop the demo like Ctrl-C, so its temporary store is removed."""
    def interrupt(signum: int, _frame: object) -> None:
        raise KeyboardInterrupt(signal.Signals(signum).name)

    signal.signal(signal.SIGTERM, interrupt)
    signal.signal(signal.SIGHUP, interrupt)


def main() -> int:
    stop_on_sigterm()
    console = Console()
    rows = incidents()
    print_table(console, rows)
    sys.stdout.flush()
    try:
        return serve_demo(console, rows)
    except KeyboardInterrupt:  # stopped while starting: serve_demo has removed its temporary store
        return 0


if __name__ == "__main__":
    sys.exit(main())
