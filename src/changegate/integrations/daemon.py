"""The per-user decision daemon (`changegate daemon`): hooks decide in a process that is already warm.

Every agent tool call starts a hook process, and most of its time is Python importing the engine. The daemon
imports it once and serves decisions on a Unix socket in the state directory — `daemon-VERSION.sock`, so a
hook of another version never talks to it — made 0600 in a 0700 directory; it refuses a peer of another user
(SO_PEERCRED) and exits after `idle` seconds without a request.

One request per connection, sequentially: the client (integrations/hookclient.py, or `changegate hook` itself)
sends `changegate-hook 1 LEN LEN LEN LEN` and the agent's name, its working directory, its environment and the
payload as raw bytes (no JSON to import or escape on the client's side), and closes its side; the daemon answers
`changegate-answer 1 EXIT LEN LEN` and the stdout and stderr that `changegate hook AGENT` would print — exactly,
because it runs the same `hook.run` with the caller's environment and working directory put in place for the
length of the decision (which is why requests are served one at a time). A JSON `{"ping": true}` is answered
`{"pong": VERSION, "pid": PID}`. The policy is whatever that environment names, loaded as the hook loads it and
kept while its file is unchanged (hook.current_policy), so a changed policy file is read on the next call.

It is cheap per call because everything a decision imports is imported, and the built-in policy loaded, before
the socket appears (`warm_up`): the first hook that finds the socket gets a warm answer. Several hooks that
find no daemon at once start one each; all but the first leave at once (a lock on `daemon-VERSION.lock`).

Anything wrong — the socket taken by a live daemon, a request too large or malformed, a peer of another
user — is answered with an error document or a closed connection, never with an allow: the client then
decides in its own process.
"""

from __future__ import annotations

import contextlib
import gc
import importlib
import io
import json
import os
import signal
import socket
import struct
import sys
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, cast

from changegate.integrations import hook
from changegate.integrations.hookclient import ANSWER_MAGIC, CODE_VARIABLES, DAEMON_ARGS, REQUEST_MAGIC
from changegate.state import state_dir
from changegate.version import __version__

MAX_REQUEST_BYTES = 8 * 1024 * 1024  # the hook's own input limit, and the environment beside it
DEFAULT_IDLE_S = 900.0
READ_TIMEOUT_S = 2.0  # a client that connects and sends nothing does not hold the daemon
WARM_UP_COMMAND = "git status && ls -la | grep -c x"  # read-only: loads the parser and the usual families


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
    return ping(path, timeout) is not None


def ping(path: Path, timeout: float = 0.5) -> dict[str, Any] | None:
    """The serving daemon's `{"pong": VERSION, "pid": PID}`, or None when none answers."""
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    probe.settimeout(timeout)
    try:
        probe.connect(str(path))
        probe.sendall(b'{"ping": true}')
        probe.shutdown(socket.SHUT_WR)
        doc = json.loads(probe.recv(256))
    except (OSError, ValueError):
        return None
    finally:
        probe.close()
    return doc if isinstance(doc, dict) and "pong" in doc else None


def listen(path: Path) -> socket.socket | None:
    """The listening socket, or None when another daemon already serves there. A stale socket file (no one
    answering) is replaced; the new one is bound under a private name and renamed into place, so a hook never
    sees a half-made socket."""
    prepare(path.parent)
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


def prepare(directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    with contextlib.suppress(OSError):
        os.chmod(directory, 0o700)


@contextlib.contextmanager
def starting_alone(path: Path) -> Iterator[bool]:
    """Whether this is the only daemon starting for this socket (an exclusive lock while it warms up and binds):
    hooks that found no daemon at once each start one, and only the first need pay for warming up."""
    import fcntl

    prepare(path.parent)
    fd = os.open(path.with_suffix(".lock"), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            yield False
            return
        yield True
    finally:
        os.close(fd)  # (releases the lock)


def serve(path: Path | None = None, idle_s: float = DEFAULT_IDLE_S) -> int:
    """Serve until idle for `idle_s` seconds (or until the socket file is gone or taken). Exit code 0."""
    where = path or socket_path()
    with starting_alone(where) as alone:
        if not alone or answers(where):
            return 0
        warm_up()
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


def warm_up() -> None:
    """Import what decisions need and load the built-in policy before the socket appears, then keep what
    exists now out of the garbage collector's way (it would walk the engine's objects on every collection)."""
    for module in sorted(set(hook.AGENT_MODULES.values())):
        importlib.import_module(f"changegate.integrations.{module}")
    with contextlib.suppress(Exception):  # a policy that cannot be loaded is reported per call, as in the hook
        from changegate.gate import judge
        from changegate.service import spool  # noqa: F401  (what every decision writes to)

        judge({"type": "shell", "command": WARM_UP_COMMAND, "cwd": "/", "env": {}},
              hook.current_policy(os.environ.get("CHANGEGATE_POLICY") or None))
    gc.collect()
    gc.freeze()


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
        reply(conn, error(f"the request cannot be read: {exc}"))
        return
    if raw.startswith(REQUEST_MAGIC + b" "):
        try:
            answer = decide(raw)
        except Exception as exc:  # an answer the client can recognise as none: it then decides itself
            answer = error(f"deciding failed: {type(exc).__name__}: {exc}")
        reply(conn, answer)
        return
    try:
        request = json.loads(raw)
    except (ValueError, RecursionError) as exc:
        reply(conn, error(f"the request is not one: {exc}"))
        return
    if isinstance(request, dict) and request.get("ping"):
        reply(conn, json.dumps({"pong": __version__, "pid": os.getpid()}).encode())
        return
    reply(conn, error("the request is not one (a hook request or a ping)"))


def error(message: str) -> bytes:
    return json.dumps({"error": message}).encode()


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


def reply(conn: socket.socket, data: bytes) -> None:
    with contextlib.suppress(OSError):
        conn.sendall(data)


class BadRequest(ValueError):
    pass


def parse_request(raw: bytes) -> tuple[str, str, bytes, bytes]:
    """(agent, cwd, environment block, payload) of a hook request (hookclient.request_bytes); the name and
    directory decoded as Python decodes its own (the file system encoding)."""
    head, _, body = raw.partition(b"\n")
    words = head.split(b" ")
    if len(words) != 6 or not all(word.isdigit() for word in words[2:]):
        raise BadRequest("the request's header is not `changegate-hook 1 LEN LEN LEN LEN`")
    sizes = [int(word) for word in words[2:]]
    if sum(sizes) != len(body):
        raise BadRequest("the request's fields do not have the lengths its header gives")
    fields, start = [], 0
    for size in sizes:
        fields.append(body[start:start + size])
        start += size
    agent, cwd, env_block, payload = fields
    return agent.decode("utf-8", "surrogateescape"), os.fsdecode(cwd), env_block, payload


def parse_environment(block: bytes) -> dict[str, str]:
    """NAME=VALUE items separated by NUL, decoded as os.environ decodes its own."""
    encoding = sys.getfilesystemencoding()
    env: dict[str, str] = {}
    for item in block.split(b"\0") if block else []:
        name, equals, value = item.partition(b"=")
        if not equals or not name:
            raise BadRequest("the request's environment is malformed")
        env[name.decode(encoding, "surrogateescape")] = value.decode(encoding, "surrogateescape")
    return env


class Environments:
    """The caller's environment in os.environ for its decision. Calls from one agent send the same one, so the
    last is kept in place (parsed, and set) and the next identical one costs nothing. Nothing in a decision
    writes os.environ, and nothing in the daemon reads it between decisions."""

    def __init__(self) -> None:
        self.block: bytes | None = None
        self.parsed: dict[str, str] = {}

    def put_in_place(self, block: bytes) -> dict[str, str]:
        """os.environ made the caller's; returns a copy for the hook's context."""
        if block != self.block:
            self.block = None  # (a malformed block below leaves nothing believed in place)
            self.parsed = parse_environment(block)
            swap_environment(self.parsed)
            self.block = block
        return dict(self.parsed)


ENVIRONMENTS = Environments()


def decide(raw: bytes) -> bytes:
    """The answer `changegate hook AGENT` would give, as `changegate-answer 1 EXIT LEN LEN` + stdout + stderr,
    for this caller's environment and working directory; an error document for a request that is not one."""
    try:
        agent_name, cwd, env_block, payload = parse_request(raw)
        env = ENVIRONMENTS.put_in_place(env_block)
    except (BadRequest, UnicodeError) as exc:
        return error(str(exc))
    module_name = hook.AGENT_MODULES.get(agent_name.lower())
    if module_name is None:
        return error(f"unknown agent {agent_name!r}")
    agent = cast(hook.Agent, sys.modules.get(f"changegate.integrations.{module_name}")
                 or importlib.import_module(f"changegate.integrations.{module_name}"))
    with in_directory(cwd):
        budget = hook.hook_timeout(os.environ)
        with alarm(budget + 1.0):  # a decision stuck in a read must not hold the daemon for good
            answer = hook.run(agent, io.BytesIO(payload), time.monotonic() + budget, env)
    # encoded as the hook's own `emit` encodes what it writes: byte for byte what it would print
    out, err = answer.stdout.encode("utf-8", "replace"), answer.stderr.encode("utf-8", "replace")
    return ANSWER_MAGIC + b" %d %d %d\n" % (answer.exit_code, len(out), len(err)) + out + err


class Overtime(Exception):
    pass


@contextlib.contextmanager
def alarm(seconds: float) -> Iterator[None]:
    """Interrupt the decision after `seconds` (the main thread's real-time timer): the client, which has given
    up by then, decides in its own process."""

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
def in_directory(cwd: str) -> Iterator[None]:
    """The caller's working directory for one decision (requests are served one at a time); then "/" again,
    so the daemon holds no directory of the caller's."""
    with contextlib.suppress(OSError):
        os.chdir(cwd)
    try:
        yield
    finally:
        with contextlib.suppress(OSError):
            os.chdir("/")


def swap_environment(wanted: Mapping[str, str]) -> None:
    """Make os.environ equal `wanted`, touching only what differs (each change is a putenv)."""
    current = os.environ
    for name in [n for n in current if n not in wanted]:
        del current[name]
    for name, value in wanted.items():
        if current.get(name) != value:
            current[name] = value


def main(argv: list[str]) -> int:
    """`python -P -m changegate.integrations.daemon [--idle SECONDS]` (what the warm hook starts)."""
    idle = DEFAULT_IDLE_S
    if argv[:1] == ["--idle"] and len(argv) == 2:
        try:
            idle = max(float(argv[1]), 1.0)
        except ValueError:
            sys.stderr.write(f"changegate daemon: --idle takes seconds, not {argv[1]!r}\n")
            return 2
    elif argv:
        sys.stderr.write("usage: python -P -m changegate.integrations.daemon [--idle SECONDS]\n")
        return 2
    if not sys.flags.safe_path or any(name.encode() in CODE_VARIABLES for name in os.environ):
        # started otherwise (`changegate daemon`, by hand): become exactly the process hooks believe
        env = {k: v for k, v in os.environ.items() if k.encode() not in CODE_VARIABLES}
        os.execve(sys.executable, [sys.executable, *DAEMON_ARGS, *argv], env)
    where = socket_path().absolute()
    os.chdir("/")  # (hold no directory of whoever started it)
    return serve(where, idle_s=idle)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
