"""Two real `changegate serve` processes on one database, concurrent writers through the API: the audit log
must still be one unbroken chain, with one record per decision (PostgreSQL, and SQLite for good measure)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from changegate.client import Client
from changegate.service.accounts import Accounts
from changegate.service.audit import verify
from changegate.service.store import open_store
from changegate.service.store.tables import audit

CHECKS_PER_WRITER = 30
WRITERS = 4


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(database_url: str, port: int, log: Any) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHANGEGATE_")}
    return subprocess.Popen([sys.executable, "-m", "changegate", "serve", "--port", str(port), "--database-url",
                             database_url], env=env, stdout=log, stderr=subprocess.STDOUT)


def wait_healthy(url: str, process: subprocess.Popen[bytes], timeout_s: float = 30.0) -> None:
    import urllib.request

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the server at {url} exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=1) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"the server at {url} did not become healthy in {timeout_s} s")


@pytest.fixture
def two_servers(store_url: str, tmp_path: Any) -> Iterator[tuple[list[str], dict[str, str], str]]:
    store = open_store(store_url)
    accounts = Accounts(store)
    accounts.add_user("alice", "approver", None, "test")
    accounts.add_user("bob", "approver", None, "test")
    tokens = {"agent": accounts.create_agent_token("claude", "alice", "test")[1],
              "bob": accounts.create_user_token("bob", "test")[1]}
    store.dispose()
    processes, urls = [], []
    with open(tmp_path / "servers.log", "wb") as log:
        try:
            for _ in range(2):
                port = free_port()
                processes.append(start_server(store_url, port, log))
                urls.append(f"http://127.0.0.1:{port}")
            for url, process in zip(urls, processes, strict=True):
                wait_healthy(url, process)
            yield urls, tokens, store_url
        finally:
            for process in processes:
                process.terminate()
            for process in processes:
                try:
                    process.wait(10)
                except subprocess.TimeoutExpired:
                    process.kill()


def test_two_server_processes_write_one_unbroken_chain(two_servers: tuple[list[str], dict[str, str], str]) -> None:
    urls, tokens, store_url = two_servers
    errors: list[str] = []
    decisions = {"allow": 0, "ask": 0, "deny": 0}
    asked: list[tuple[str, str]] = []  # (server url, request id)
    lock = threading.Lock()

    def writer(k: int) -> None:
        for i in range(CHECKS_PER_WRITER):
            url = urls[(k + i) % 2]  # alternate between the two processes
            command = "ls -la" if i % 3 else f"rm -rf /srv/data/{k}-{i}"
            try:
                answer = Client(url, tokens["agent"], timeout=30).check(
                    {"type": "shell", "command": command, "cwd": "/home/dev/app", "env": {"HOME": "/home/dev"}})
            except Exception as exc:
                with lock:
                    errors.append(f"{url}: {exc}")
                continue
            with lock:
                decisions[answer["decision"]] += 1
                if answer["decision"] == "ask":
                    asked.append((url, answer["request"]["id"]))

    def approver() -> None:
        done: set[str] = set()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and len(done) < WRITERS * CHECKS_PER_WRITER // 3:
            with lock:
                todo = [(u, r) for u, r in asked if r not in done]
            for i, (_url, request_id) in enumerate(todo):
                other = urls[i % 2]  # approve through either process, whichever filed it
                try:
                    Client(other, tokens["bob"], timeout=30).vote(request_id, "approve", "ok")
                except Exception as exc:
                    with lock:
                        errors.append(f"approve {request_id}: {exc}")
                done.add(request_id)
            time.sleep(0.05)

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(WRITERS)]
    threads.append(threading.Thread(target=approver))
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors, errors[:5]
    total = WRITERS * CHECKS_PER_WRITER
    assert sum(decisions.values()) == total and decisions["ask"] == total // 3

    store = open_store(store_url)
    try:
        result = verify(store)
        assert result.ok, result.message()
        with store.read() as conn:
            kinds = dict(conn.execute(sa.select(audit.c.kind, sa.func.count()).group_by(audit.c.kind)).all())
        assert kinds["decision"] == total
        assert kinds["request.created"] == total // 3 and kinds["request.approved"] == total // 3
        assert result.records == sum(kinds.values())
    finally:
        store.dispose()
