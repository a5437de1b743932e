"""The per-user decision daemon (`changegate daemon`): hooks decide in a process that is already warm.

Every agent tool call starts a hook process, and most of its time is Python importing the engine. The daemon
imports it once and serves decisions on a Unix socket in the state directory — `daemon-VERSION.sock`, so a
hook of another version never talks to it — made 0600 in a 0700 directory; it refuses a peer of another user
(SO_PEERCRED) and exits after `idle` seconds without a request.

One request per connection, sequentially: the client (integrations/hookclient.py, or `changegate hook` itself)
sends one JSON document `{"agent", "cwd", "env", "payload"}` and closes its side; the daemon answers
`{"stdout", "stderr", "exit"}` — exactly what `changegate hook AGENT` would print and exit with, because it
runs the same `hook.run` with the caller's environment and working directory put in place for the length of
the decision (which is why requests are served one at a time). The policy is whatever that environment names,
loaded as the hook loads it, so a changed policy file is read on the next call.

Anything wrong — the socket taken by a live daemon, a request too large or not JSON, a peer of another
user — is answered with an error document or a closed connection, never with an allow: the client then
decides in its own process.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import socket
import struct
import sys
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, cast

from changegate.state import state_dir
from changegate.version import __version__

MAX_REQUEST_BYTES = 8 * 1024 * 1024  # the hook's own input limit, and the environment beside it
DEFAULT_IDLE_S = 900.0
READ_TIMEOUT_S = 2.0  # a client that connects and sends nothing does not hold the daemon


def socket_path(directory: Path | None = None) -> Path:
    return (directory or state_dir()) / f"daemon-{__version__}.sock"


def peer_uid(conn: socket.socket) -> int | None:
    """The uid of the process at the other end (Linux SO_PEERCRED; None where the platform has no such
    option, and then the 0600 socket in a 0700 directory is the only guard)."""
    option = getattr(socket, "SO_PEERCRED", None)
    if option is None:
        return None
    creds = conn.getsockopt(socket.SOL_SOCKET, option, struct.calcsize("3i"))
    _, uid, _ = struct.unpack("3i", creds)
    return int(uid)


def answers(path: Path, timeout: float = 0.5) -> bool:
    """Whether a daemon is serving on this socket."""
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    probe.settimeout(timeout)
    try:
        probe.connect(str(path))
        probe.sendall(b'{"ping": true}')
        probe.shutdown(socket.SHUT_WR)
        return probe.recv(64).startswith(b'{"pong"')
    except OSError:
        return False
    finally:
        probe.close()


def listen(path: Path) -> socket.socket | None:
    """The listening socket, or None when another daemon already serves there. A stale socket file (no one
    answering) is replaced; the new one is bound under a private name and renamed into place, so a hook never
    sees a half-made socket."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    with contextlib.suppress(OSError):
        os.chmod(path.parent, 0o700)
    if path.exists():
        if answers(path):
            return None
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
    temporary = path.with_name(f".{path.name}.{os.getpid()}")
    with contextlib.suppress(FileNotFoundError):
        temporary.unlink()
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    old_umask = os.umask(0o177)
    try:
        server.bind(str(temporary))
    finally:
        os.umask(old_umask)
    os.chmod(temporary, 0o600)
    server.listen(64)
    os.replace(temporary, path)
    return server


def serve(path: Path | None = None, idle_s: float = DEFAULT_IDLE_S) -> int:
    """Serve until idle for `idle_s` seconds (or until the socket file is gone or taken). Exit code 0."""
    where = path or socket_path()
    server = listen(where)
    if server is None:
        return 0
    identity = os.stat(where).st_ino
    server.settimeout(min(idle_s, 30.0))
    last = time.monotonic()
    try:
        while time.monotonic() - last < idle_s:
            try:
                conn, _ = server.accept()
            except TimeoutError:
                if not still_ours(where, identity):
                    return 0
                continue
            with conn:
                handle(conn)
            last = time.monotonic()
    finally:
        server.close()
        if still_ours(where, identity):
            with contextlib.suppress(OSError):
                where.unlink()
    return 0


def still_ours(path: Path, identity: int) -> bool:
    try:
        return os.stat(path).st_ino == identity
    except OSError:
        return False


def handle(conn: socket.socket) -> None:
    uid = peer_uid(conn)
    if uid is not None and uid != os.getuid():
        return  # another user's process: closed without a word
    conn.settimeout(READ_TIMEOUT_S)
    try:
        raw = receive(conn)
    except (OSError, ValueError) as exc:
        reply(conn, {"error": f"the request cannot be read: {exc}"})
        return
    try:
        request = json.loads(raw)
    except (ValueError, RecursionError) as exc:
        reply(conn, {"error": f"the request is not JSON: {exc}"})
        return
    if isinstance(request, dict) and request.get("ping"):
        reply(conn, {"pong": __version__, "pid": os.getpid()})
        return
    try:
        reply(conn, decide(request))
    except Exception as exc:  # an answer the client can recognise as none: it then decides itself
        reply(conn, {"error": f"deciding failed: {type(exc).__name__}: {exc}"})


def receive(conn: socket.socket) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        chunk = conn.recv(1 << 16)
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > MAX_REQUEST_BYTES:
            raise ValueError(f"larger than {MAX_REQUEST_BYTES // (1024 * 1024)} MiB")
        chunks.append(chunk)


def reply(conn: socket.socket, doc: Mapping[str, Any]) -> None:
    with contextlib.suppress(OSError):
        conn.sendall(json.dumps(doc).encode("utf-8"))


def decide(request: Any) -> dict[str, Any]:
    """What `changegate hook AGENT` would print and exit with, for this caller's environment and cwd."""
    import importlib

    from changegate.integrations import hook

    if not isinstance(request, dict):
        return {"error": "the request is not an object"}
    agent_name, cwd, env, payload = (request.get("agent"), request.get("cwd"), request.get("env"),
                                     request.get("payload"))
    if not isinstance(agent_name, str) or not isinstance(cwd, str) or not isinstance(payload, str) \
            or not isinstance(env, dict) or not all(isinstance(v, str) for v in env.values()):
        return {"error": "the request lacks agent, cwd, env or payload"}
    module_name = hook.AGENT_MODULES.get(agent_name.lower())
    if module_name is None:
        return {"error": f"unknown agent {agent_name!r}"}
    agent = cast(hook.Agent, importlib.import_module(f"changegate.integrations.{module_name}"))
    with caller_context(env, cwd):
        budget = hook.hook_timeout(os.environ)
        with alarm(budget + 1.0):  # a decision stuck in a read must not hold the daemon for good
            answer = hook.run(agent, io.BytesIO(payload.encode("utf-8", "surrogateescape")),
                              time.monotonic() + budget)
    return {"stdout": answer.stdout, "stderr": answer.stderr, "exit": answer.exit_code}


class Overtime(Exception):
    pass


@contextlib.contextmanager
def alarm(seconds: float) -> Iterator[None]:
    """Interrupt the decision after `seconds` (the main thread's real-time timer): the client, which has given
    up by then, decides in its own process."""
    import signal

    def overtime(number: int, frame: Any) -> None:
        raise Overtime(f"no decision within {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, overtime)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@contextlib.contextmanager
def caller_context(env: Mapping[str, str], cwd: str) -> Iterator[None]:
    """The caller's environment and working directory, for one decision (requests are served one at a time)."""
    saved_env = dict(os.environ)
    saved_cwd = os.getcwd()
    os.environ.clear()
    os.environ.update(env)
    try:
        with contextlib.suppress(OSError):
            os.chdir(cwd)
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved_env)
        with contextlib.suppress(OSError):
            os.chdir(saved_cwd)


def start_in_background(executable: str = sys.executable) -> None:
    """Start a daemon detached from the caller (a hook that found none); it exits at once if one is running."""
    import subprocess

    with contextlib.suppress(OSError):
        subprocess.Popen([executable, "-m", "changegate.integrations.daemon"], stdin=subprocess.DEVNULL,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
                         close_fds=True)


def main(argv: list[str]) -> int:
    """`python -m changegate.integrations.daemon [--idle SECONDS]` (what the warm hook starts)."""
    idle = DEFAULT_IDLE_S
    if argv[:1] == ["--idle"] and len(argv) == 2:
        try:
            idle = max(float(argv[1]), 1.0)
        except ValueError:
            sys.stderr.write(f"changegate daemon: --idle takes seconds, not {argv[1]!r}\n")
            return 2
    elif argv:
        sys.stderr.write("usage: python -m changegate.integrations.daemon [--idle SECONDS]\n")
        return 2
    return serve(idle_s=idle)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
