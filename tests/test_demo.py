"""`make demo`: the incidents table first, then a server whose inbox holds the replayed incidents, where a
printed approver can approve one and the printed CLI commands work, running until stopped (SIGTERM here) and
cleaning up after itself."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from changegate.client import Client

DEMO = Path(__file__).resolve().parent.parent / "examples" / "demo.py"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_make_demo_serves_real_pending_requests_until_interrupted() -> None:
    env = {**os.environ, "CHANGEGATE_DEMO_PORT": str(_free_port()), "COLUMNS": "200"}
    env.pop("CHANGEGATE_URL", None)
    demo = subprocess.Popen([sys.executable, str(DEMO)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env=env)
    assert demo.stdout is not None
    lines: list[str] = []
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            line = demo.stdout.readline()
            if not line:
                break
            lines.append(line)
            if "Ctrl-C stops the demo" in line:
                break
        output = "".join(lines)
        assert "changegate on real incidents" in output.split("The approver's page is at")[0]  # the table first
        url = re.search(r"The approver's page is at (http://127\.0\.0\.1:\d+)/inbox", output)
        login = re.search(r"alice / (\S+) \(approver\)", output)
        state = re.search(r"\(state in ([^)]+)\)", output)
        assert url and login and state, output
        alice = Client(url.group(1), "", basic=("alice", login.group(1)))
        pending = alice.list_requests(status="pending")
        assert len(pending) >= 5  # the incidents that ask, replayed by the demo agent
        assert {r["agent"] for r in pending} == {"demo-agent"}
        one = [r for r in pending if r["required"] == 1][-1]  # not the one the printed command approves
        assert alice.vote(one["id"], "approve", "demo")["status"] == "approved"
        with urllib.request.urlopen(url.group(1) + "/login", timeout=10) as page:
            assert page.status == 200
            assert b"Sign in" in page.read()
        cli_against_the_demo(output, url.group(1), login.group(1))
    finally:
        demo.send_signal(signal.SIGTERM)  # as a service manager or `kill` stops it
        code = demo.wait(timeout=20)
    assert code == 0
    assert not Path(state.group(1)).exists()  # the temporary state directory is gone


def cli_against_the_demo(output: str, url: str, password: str) -> None:
    """The commands the demo prints for the CLI work as printed."""
    assert f"export CHANGEGATE_URL={url}" in output
    approve = re.search(r"echo (\S+) \| \.venv/bin/changegate approvals approve (req_\w+) --as alice --password-stdin", output)
    agent = re.search(r"CHANGEGATE_TOKEN=(\S+) \.venv/bin/changegate check -- (kubectl delete ns payments --context prod-eu)",
                      output)
    assert approve and agent, output
    assert approve.group(1) == password
    env = {**os.environ, "CHANGEGATE_URL": url, "NO_COLOR": "1"}
    cli = [sys.executable, "-m", "changegate"]
    approved = subprocess.run([*cli, "approvals", "approve", approve.group(2), "--as", "alice", "--password-stdin",
                               "--comment", "checked it"], input=password + "\n", capture_output=True, text=True,
                              env=env, timeout=60, check=False)
    assert approved.returncode == 0, approved.stderr
    assert f"{approve.group(2)}: approved" in approved.stdout
    asked = subprocess.run([*cli, "check", "--", *agent.group(2).split()], capture_output=True, text=True,
                           env={**env, "CHANGEGATE_TOKEN": agent.group(1)}, timeout=60, check=False)
    assert asked.returncode == 10, asked.stdout + asked.stderr



def test_make_demo_installs_only_what_the_demo_needs() -> None:
    """`make demo` depends on the runtime install (`pip install -e .`, its lines shown), not on the dev extras."""
    makefile = (DEMO.parent.parent / "Makefile").read_text()
    demo_target = re.search(r"^demo: (.+)$", makefile, re.MULTILINE)
    assert demo_target and demo_target.group(1).strip() == "$(DEMO_STAMP)"
    recipe = makefile.split("$(DEMO_STAMP): pyproject.toml\n", 1)[1].split("\n\n", 1)[0]
    assert "pip install --progress-bar off --disable-pip-version-check -e .\n" in recipe + "\n"
    assert "[dev]" not in recipe and "--quiet" not in recipe
