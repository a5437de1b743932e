"""`make demo`: the incidents table first, then a server whose inbox holds the replayed incidents, where a
printed approver can approve one, running until Ctrl-C and cleaning up after itself."""

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
        one = next(r for r in pending if r["required"] == 1)
        assert alice.vote(one["id"], "approve", "demo")["status"] == "approved"
        with urllib.request.urlopen(url.group(1) + "/login", timeout=10) as page:
            assert page.status == 200
            assert b"Sign in" in page.read()
    finally:
        demo.send_signal(signal.SIGINT)
        code = demo.wait(timeout=20)
    assert code == 0
    assert not Path(state.group(1)).exists()  # the temporary state directory is gone

