"""POST /v1/check on loopback with concurrent clients: decisions per second and p50/p99 latency.

    .venv/bin/python bench/server.py                      # SQLite, then PostgreSQL (if one answers)
    .venv/bin/python bench/server.py --store sqlite --clients 32 --seconds 10 --workers 2
    .venv/bin/python bench/server.py --store sqlite --workers 2 --flood 6   # …then again under a login flood

It starts a real `changegate serve` (a fresh store: a temporary SQLite file, or a database of its own on the
PostgreSQL at 127.0.0.1:5432, dropped afterwards), creates an agent token, and drives it with keep-alive
HTTP/1.1 connections from one asyncio process (cheap on CPU, so the server gets the cores). Every answer
is checked: a non-200 or a missing decision counts as an error. Each decision is recorded in the audit
log before it is answered, and the run ends by verifying the chain.

With `--flood N`, a second window is measured the same way while N more clients guess passwords over HTTP
Basic (wrong passwords for a real name and for made-up ones, as fast as the server answers): it prints
the check p50 and p99 under the flood beside the first window's, their ratio, what the guessers were
answered (401 wrong, 429 throttled) and how many login records the flood added to the chain.

The mix imitates an agent's day: mostly reads and ordinary workspace changes (allowed), some commands that
need an approval (ask: the request is filed once and found again after that), and a few catastrophes (deny).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
ENV = {"HOME": "/home/dev", "USER": "dev", "PATH": "/usr/bin:/bin"}
ALLOWED = ["ls -la", "git status", "cat README.md", "rg -n TODO src", "rm -rf build node_modules", "git diff HEAD~1",
           "python -m pytest -q", "mkdir -p out && cp a.txt out/", "git add -A && git commit -m wip",
           "grep -rn foo . | head", "sed -n 1,20p setup.py", "npm test", "touch notes.txt", "find . -name '*.py'"]
ASKED = ["rm -rf /srv/data", "kubectl --context prod delete namespace payments", "git push --force origin main",
         "cat ~/.aws/credentials"]
DENIED = ["rm -rf /", "chmod -R 777 /"]
PG = {"host": "127.0.0.1", "port": 5432}


def mix(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.90:
        return rng.choice(ALLOWED)
    if roll < 0.97:
        return rng.choice(ASKED)
    return rng.choice(DENIED)


def body_for(command: str) -> bytes:
    return json.dumps({"action": {"type": "shell", "command": command, "cwd": "/home/dev/app", "env": ENV}}).encode()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# --- stores --------------------------------------------------------------------------------------------

def sqlite_store(tmp: Path) -> tuple[str, Any]:
    return f"sqlite:///{tmp / 'bench.db'}", lambda: None


def postgres_store() -> tuple[str, Any] | None:
    try:
        import psycopg

        admin = psycopg.connect(host=PG["host"], port=PG["port"], user="postgres", dbname="test", autocommit=True,
                                connect_timeout=3)
    except Exception as exc:
        print(f"no PostgreSQL answers on {PG['host']}:{PG['port']} ({exc}); skipping the PostgreSQL run")
        return None
    name = f"cg_bench_{os.getpid()}_{secrets.token_hex(3)}"
    admin.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()

    return f"postgresql+psycopg://postgres@{PG['host']}:{PG['port']}/{name}", drop


def prepare(database_url: str) -> str:
    sys.path.insert(0, str(ROOT / "src"))
    from changegate.service.accounts import Accounts
    from changegate.service.store import open_store

    store = open_store(database_url)
    accounts = Accounts(store)
    accounts.add_user("operator", "approver", None, "bench")
    token = accounts.create_agent_token("bench-agent", "operator", "bench")[1]
    store.dispose()
    return token


def verify_chain(database_url: str) -> str:
    from changegate.service.audit import verify
    from changegate.service.store import open_store

    store = open_store(database_url)
    try:
        return verify(store).message()
    finally:
        store.dispose()


# --- CPU accounting (Linux /proc): the machine may be shared, so CPU per decision is the steadier figure ----

def process_tree(root: int) -> list[int]:
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            parents.setdefault(int(fields[1]), []).append(int(entry.name))
    tree, todo = [], [root]
    while todo:
        pid = todo.pop()
        tree.append(pid)
        todo.extend(parents.get(pid, []))
    return tree


def cpu_seconds(root: int) -> float:
    """User + system CPU of a process and its children (the server's workers)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in process_tree(root):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / ticks


def connections_per_worker(root: int, port: int) -> list[int]:
    """How the clients' connections are spread over the server's processes (Linux /proc), fewest first. The
    kernel hands a new connection to whichever worker accepts first, and a keep-alive connection stays there:
    a lopsided spread ([4, 28]) makes one worker do most of the work, so it is printed beside the figures."""
    inodes: set[str] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == "01":  # 01: established
                inodes.add(fields[9])
    counts = []
    for pid in process_tree(root):
        try:
            links = [os.readlink(f"/proc/{pid}/fd/{fd}") for fd in os.listdir(f"/proc/{pid}/fd")]
        except OSError:
            continue
        held = sum(1 for link in links if link.startswith("socket:[") and link[8:-1] in inodes)
        if held:
            counts.append(held)
    return sorted(counts)


# --- load ----------------------------------------------------------------------------------------------

async def client_loop(port: int, token: str, seed: int, stop_at: float, measure_from: float,
                      latencies: list[float], counts: dict[str, int]) -> None:
    rng = random.Random(seed)
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    head = (f"POST /v1/check HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Bearer {token}\r\n"
            "Content-Type: application/json\r\n").encode()
    try:
        while time.perf_counter() < stop_at:
            body = body_for(mix(rng))
            started = time.perf_counter()
            writer.write(head + f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
            status_line = await reader.readline()
            length = 0
            while True:
                line = await reader.readline()
                if line in (b"\r\n", b""):
                    break
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":", 1)[1])
            payload = await reader.readexactly(length)
            took = time.perf_counter() - started
            if started < measure_from:
                continue
            if not status_line.startswith(b"HTTP/1.1 200"):
                counts["error"] += 1
                continue
            decision = json.loads(payload).get("decision", "error")
            counts[decision] = counts.get(decision, 0) + 1
            latencies.append(took)
    finally:
        writer.close()


async def flood_loop(port: int, seed: int, stop_at: float, answers: dict[str, int]) -> None:
    """One password guesser: HTTP Basic with wrong passwords, for a real name and for made-up ones."""
    import base64

    rng = random.Random(seed)
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        while time.perf_counter() < stop_at:
            name = rng.choice(["operator", "admin", "root", f"user{rng.randrange(1000)}"])
            basic = base64.b64encode(f"{name}:guess-{rng.randrange(10**9)}".encode()).decode()
            writer.write(f"GET /v1/whoami HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Basic {basic}\r\n"
                         "\r\n".encode())
            status = (await reader.readline()).split(b" ")[1].decode()
            length = 0
            while True:
                line = await reader.readline()
                if line in (b"\r\n", b""):
                    break
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":", 1)[1])
            await reader.readexactly(length)
            answers[status] = answers.get(status, 0) + 1
    finally:
        writer.close()


async def flooded(port: int, token: str, args: argparse.Namespace) -> tuple[list[float], dict[str, int]]:
    answers: dict[str, int] = {}
    stop_at = time.perf_counter() + args.warmup + args.seconds
    measured = drive(port, token, args.clients, args.seconds, args.warmup)
    (latencies, _counts), *_ = await asyncio.gather(
        measured, *(flood_loop(port, 1000 + i, stop_at, answers) for i in range(args.flood)))
    return latencies, answers


def login_records(database_url: str) -> int:
    import sqlalchemy as sa

    from changegate.service.store import open_store
    from changegate.service.store.tables import audit

    store = open_store(database_url)
    try:
        with store.read() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(audit)
                                    .where(audit.c.kind.like("login%"))).scalar() or 0)
    finally:
        store.dispose()


def percentiles(latencies: list[float]) -> tuple[float, float]:
    latencies.sort()
    return (round(statistics.median(latencies) * 1000, 2),
            round(latencies[max(0, int(len(latencies) * 0.99) - 1)] * 1000, 2))


async def drive(port: int, token: str, clients: int, seconds: float, warmup: float,
                server_pid: int | None = None) -> tuple[list[float], dict[str, Any]]:
    latencies: list[float] = []
    counts: dict[str, Any] = {"allow": 0, "ask": 0, "deny": 0, "error": 0}
    now = time.perf_counter()

    async def meter() -> None:  # the server's CPU over exactly the measured window
        await asyncio.sleep(warmup)
        counts["spread"] = connections_per_worker(server_pid, port) if server_pid else None
        start_cpu = cpu_seconds(server_pid) if server_pid else 0.0
        start_own = time.process_time()
        await asyncio.sleep(seconds)
        counts["server_cpu_s"] = (cpu_seconds(server_pid) - start_cpu) if server_pid else None
        counts["client_cpu_s"] = time.process_time() - start_own

    await asyncio.gather(meter(), *(client_loop(port, token, i, now + warmup + seconds, now + warmup, latencies,
                                                counts) for i in range(clients)))
    return latencies, counts


def run(label: str, database_url: str, args: argparse.Namespace) -> dict[str, Any]:
    token = prepare(database_url)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHANGEGATE_")}
    env["CHANGEGATE_CHECKPOINT_KEY"] = str(Path(args.tmp) / f"checkpoint-{label}.key")  # not the real state dir
    log = tempfile.TemporaryFile()  # noqa: SIM115 - a file, not a pipe: a chatty server never blocks on it
    server = subprocess.Popen([str(ROOT / ".venv/bin/changegate"), "serve", "--port", str(port), "--database-url",
                               database_url, "--workers", str(args.workers)], env=env,
                              stdout=subprocess.DEVNULL, stderr=log)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1):
                    break
            except OSError as exc:
                if time.monotonic() > deadline or server.poll() is not None:
                    log.seek(0)
                    raise SystemExit(f"the server did not start: {log.read().decode(errors='replace')}") from exc
                time.sleep(0.1)
        latencies, counts = asyncio.run(drive(port, token, args.clients, args.seconds, args.warmup, server.pid))
        if args.flood:
            logins_before = login_records(database_url)
            under_flood, answers = asyncio.run(flooded(port, token, args))
            flood = {"flood_clients": args.flood, "guesses_answered": answers,
                     "login_records_added": login_records(database_url) - logins_before}
    finally:
        server.terminate()
        server.wait(15)
        log.close()
    latencies.sort()
    decided = len(latencies)
    server_cpu, client_cpu, spread = counts.pop("server_cpu_s"), counts.pop("client_cpu_s"), counts.pop("spread")
    result = {
        "store": label, "workers": args.workers, "clients": args.clients, "seconds": args.seconds,
        "decisions_per_s": round(decided / args.seconds), "p50_ms": round(statistics.median(latencies) * 1000, 2),
        "p99_ms": round(latencies[int(decided * 0.99) - 1] * 1000, 2), "max_ms": round(latencies[-1] * 1000, 2),
        "server_cpu_ms_per_decision": round(server_cpu * 1000 / max(decided, 1), 3),
        "client_cpu_share": round(client_cpu / args.seconds, 2), "load_average": os.getloadavg()[0],
        "connections_per_worker": spread,
        "counts": counts, "chain": verify_chain(database_url),
    }
    if args.flood:
        p50, p99 = percentiles(under_flood)
        result["under_flood"] = {**flood, "decisions_per_s": round(len(under_flood) / args.seconds),
                                 "p50_ms": p50, "p99_ms": p99, "p50_ratio": round(p50 / result["p50_ms"], 2)}
    print(json.dumps(result))
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--store", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--flood", type=int, default=0, help="then measure again with N password guessers")
    args = parser.parse_args()
    print(f"# {os.cpu_count()} cores; {args.clients} clients; {args.workers} server worker(s)")
    with tempfile.TemporaryDirectory(prefix="cg-bench-") as tmp:
        args.tmp = tmp
        if args.store in ("sqlite", "both"):
            url, cleanup = sqlite_store(Path(tmp))
            run("sqlite", url, args)
            cleanup()
        if args.store in ("postgresql", "both"):
            found = postgres_store()
            if found is not None:
                url, cleanup = found
                try:
                    run("postgresql", url, args)
                finally:
                    cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
