"""The warm hook: `python -I -S …/hookclient.py AGENT` — the agents' hook command when the daemon is used.

It imports nothing but the standard library's socket, json and os and changegate's stdlib-only `state` and
`version` (started with -I -S it does not even load site-packages), reads the agent's hook payload, and asks the per-user daemon (integrations/daemon.py) on its
socket in the state directory. The daemon answers exactly what `changegate hook AGENT` would print and exit
with. When there is no daemon, or it does not answer within the hook's budget, or its answer is not one, this
process runs `changegate hook AGENT` itself with the same payload (deciding in a process of its own, never
failing open, never answering twice) and starts a daemon in the background for the next call.

The daemon must be ours: on Linux its process (from SO_PEERCRED) must run this interpreter as
`-m changegate.integrations.daemon`; anything else listening there is ignored.
"""

import json
import os
import socket
import struct
import sys
from collections.abc import Mapping

try:
    from changegate.state import state_dir_name
    from changegate.version import __version__
except ImportError:  # run as a script under -I -S: the package is the one this file is in
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
    from changegate.state import state_dir_name
    from changegate.version import __version__

# The hook's limits (integrations/hook.py uses these): the agent's own timeout, the watchdog's, the input's.
MAX_INPUT_BYTES = 4 * 1024 * 1024
DEFAULT_TIMEOUT_S = 5.0
AGENT_TIMEOUT_S = 10  # what `install` gives the agent as the hook's limit: the hook answers well before it
MAX_TIMEOUT_S = AGENT_TIMEOUT_S - 2.0  # the watchdog must win against the agent's own timeout
DAEMON_WAIT_S = 1.5  # at most this for the daemon, then the hook decides itself within its own budget
DAEMON_MODULE = "changegate.integrations.daemon"
# variables that make Python load code from elsewhere: a daemon never runs with them (start_daemon drops them)
CODE_VARIABLES = frozenset({b"PYTHONPATH", b"PYTHONHOME", b"PYTHONSTARTUP", b"PYTHONINSPECT", b"PYTHONUSERBASE",
                            b"PYTHONEXECUTABLE", b"PYTHONSAFEPATH", b"LD_PRELOAD", b"LD_LIBRARY_PATH",
                            b"DYLD_INSERT_LIBRARIES", b"DYLD_LIBRARY_PATH"})


def hook_timeout(env: Mapping[str, str]) -> float:
    """CHANGEGATE_HOOK_TIMEOUT, bounded (default DEFAULT_TIMEOUT_S, at most MAX_TIMEOUT_S)."""
    raw = env.get("CHANGEGATE_HOOK_TIMEOUT", "")
    try:
        value = float(raw) if raw else DEFAULT_TIMEOUT_S
    except ValueError:
        return DEFAULT_TIMEOUT_S
    return min(max(value, 0.01), MAX_TIMEOUT_S) if value == value else DEFAULT_TIMEOUT_S  # NaN -> default


def daemon_wait(env: Mapping[str, str]) -> float:
    """How long a hook waits for the daemon: short enough that deciding itself still fits the agent's limit."""
    return min(DAEMON_WAIT_S, hook_timeout(env) / 3)


def is_our_daemon(conn: socket.socket) -> bool:
    """The peer runs this interpreter as `-m changegate.integrations.daemon` (Linux); elsewhere the 0600 socket in the
    0700 state directory is the guard."""
    option = getattr(socket, "SO_PEERCRED", None)
    if option is None or not os.path.isdir("/proc/self"):
        return True
    pid, uid, _ = struct.unpack("3i", conn.getsockopt(socket.SOL_SOCKET, option, struct.calcsize("3i")))
    if uid != os.getuid():
        return False
    try:
        exe = os.path.realpath(f"/proc/{pid}/exe")
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            argv = handle.read(4096).split(b"\0")
    except OSError:
        return False
    if exe != os.path.realpath(sys.executable) or argv[1:3] != [b"-m", DAEMON_MODULE.encode()]:
        return False
    try:  # a daemon told to load code from elsewhere (PYTHONPATH=…) is not ours
        with open(f"/proc/{pid}/environ", "rb") as handle:
            names = {item.split(b"=", 1)[0] for item in handle.read(1 << 20).split(b"\0")}
    except OSError:
        return False
    return not names & CODE_VARIABLES


def ask_daemon(agent: str, payload: bytes, timeout: float) -> dict | None:  # type: ignore[type-arg]
    path = os.path.join(state_dir_name(), f"daemon-{__version__}.sock")
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    conn.settimeout(timeout)
    try:
        conn.connect(path)
        if not is_our_daemon(conn):
            return None
        request = {"agent": agent, "cwd": os.getcwd(), "env": dict(os.environ),
                   "payload": payload.decode("utf-8", "surrogateescape")}
        conn.sendall(json.dumps(request).encode("utf-8", "surrogateescape"))
        conn.shutdown(socket.SHUT_WR)
        chunks = []
        while True:
            chunk = conn.recv(1 << 16)
            if not chunk:
                break
            chunks.append(chunk)
        answer = json.loads(b"".join(chunks))
    except (OSError, ValueError):
        return None
    finally:
        conn.close()
    if not isinstance(answer, dict) or not isinstance(answer.get("stdout"), str) \
            or not isinstance(answer.get("exit"), int) or not isinstance(answer.get("stderr", ""), str):
        return None
    return answer


def write_all(fd: int, text: str) -> None:
    data = text.encode("utf-8", "replace")
    while data:
        try:
            data = data[os.write(fd, data):]
        except OSError:
            return


def decide_here(agent: str, payload: bytes) -> int:
    """`changegate hook AGENT` in a process of its own, with the same payload; then a daemon for next time."""
    import subprocess

    try:  # (the hook itself must not ask the daemon again: it did not answer)
        done = subprocess.run([sys.executable, "-m", "changegate", "hook", agent], input=payload,
                              capture_output=True, timeout=hook_timeout(os.environ) + 1.0, check=False,
                              env={**os.environ, "CHANGEGATE_DAEMON": "off"})
    except (OSError, subprocess.SubprocessError) as exc:
        write_all(2, f"changegate hook: cannot decide ({exc}); the call is blocked\n")
        return 2
    write_all(1, done.stdout.decode("utf-8", "replace"))
    write_all(2, done.stderr.decode("utf-8", "replace"))
    start_daemon()
    return done.returncode


def start_daemon() -> None:
    """A daemon for the next call, detached from this one (it exits at once if another is serving).
    CHANGEGATE_DAEMON_IDLE: the seconds it stays without a request (default 900)."""
    import contextlib
    import subprocess

    idle = os.environ.get("CHANGEGATE_DAEMON_IDLE", "")
    argv = [sys.executable, "-m", DAEMON_MODULE] + (["--idle", idle] if idle else [])
    # (each request brings its caller's environment; the daemon's own loads no code from elsewhere)
    env = {k: v for k, v in os.environ.items() if k.encode() not in CODE_VARIABLES}
    with contextlib.suppress(OSError):
        subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                         start_new_session=True, close_fds=True, env=env)


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        write_all(2, "usage: hookclient.py AGENT (the agent's hook payload on stdin)\n")
        return 2
    payload = sys.stdin.buffer.read(MAX_INPUT_BYTES + 1)
    if len(payload) <= MAX_INPUT_BYTES and os.environ.get("CHANGEGATE_DAEMON", "on") != "off":
        answer = ask_daemon(argv[0], payload, daemon_wait(os.environ))
        if answer is not None:
            write_all(1, answer["stdout"])
            write_all(2, answer.get("stderr", ""))
            return int(answer["exit"])
    return decide_here(argv[0], payload)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
