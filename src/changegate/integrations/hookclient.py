"""The warm hook: the command `install` writes for every agent (see `launcher_argv`):

    PYTHON -I -S -c 'import sys;sys.path.append(sys.argv[1]);import hookclient;…' …/changegate/integrations AGENT

Every agent tool call starts it, so it is built to cost no more than Python's own start: no site-packages
(-I -S), no `socket`/`json`/`struct` (their imports — enum, re, selectors — cost twice the rest of the call),
only the interpreter's built-in modules and `_socket`; and it is imported as a module, so its bytecode is cached
(a script is compiled from source on every start). It reads the agent's hook payload and asks the per-user
daemon (integrations/daemon.py) on its socket in the state directory, in a small length-prefixed protocol
(`request_bytes`, `parse_answer`); the daemon answers exactly what `changegate hook AGENT` would print and exit
with.

When there is no daemon, or it does not answer within `daemon_wait`, or its answer is not one, this process
decides itself, exactly as `changegate hook AGENT` does (`decide_here`: it adds site-packages, imports the
engine and runs the hook's own `main` with the same payload on stdin — its watchdog, its single answer — which
starts a daemon for the next call). Nothing is written to stdout before that, so there is never a second
answer, and nothing here fails open: a failure to decide is exit 2 with the reason on stderr.

The daemon must be ours: on Linux its process (from SO_PEERCRED) must be this user's, run this interpreter as
exactly `-P -m changegate.integrations.daemon` (-P: no module from its working directory) and have no variable
in its environment that loads code from elsewhere; anything else listening there is ignored.
"""

import _socket  # the C module: `socket` imports enum, selectors and more
import posix  # `os` without its Python half (with -S nothing has imported `os` yet: ~0.8 ms)
import sys
import time

TYPE_CHECKING = False  # (typing itself costs ~2 ms)
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

# The hook's limits (integrations/hook.py uses these): the agent's own timeout, the watchdog's, the input's.
MAX_INPUT_BYTES = 4 * 1024 * 1024
DEFAULT_TIMEOUT_S = 5.0
AGENT_TIMEOUT_S = 10  # what `install` gives the agent as the hook's limit: the hook answers well before it
MAX_TIMEOUT_S = AGENT_TIMEOUT_S - 2.0  # the watchdog must win against the agent's own timeout
DAEMON_WAIT_S = 1.5  # at most this for the daemon, then the hook decides itself within its own budget
DAEMON_MODULE = "changegate.integrations.daemon"
# how the daemon is started, and the only command line a client believes (-P: sys.path gets no working directory)
DAEMON_ARGS = ("-P", "-m", DAEMON_MODULE)
# variables that make Python load code from elsewhere: a daemon never runs with them (start_daemon drops them)
CODE_VARIABLES = frozenset({b"PYTHONPATH", b"PYTHONHOME", b"PYTHONSTARTUP", b"PYTHONINSPECT", b"PYTHONUSERBASE",
                            b"PYTHONEXECUTABLE", b"PYTHONSAFEPATH", b"LD_PRELOAD", b"LD_LIBRARY_PATH",
                            b"DYLD_INSERT_LIBRARIES", b"DYLD_LIBRARY_PATH"})
# set by this client when it hands the call to `changegate hook`'s main (the seconds already spent): that
# decides without asking the daemon again, takes the time off its watchdog, and removes the variable from the
# environment (the action is judged with the agent's environment, exactly)
FALLBACK_VARIABLE = "CHANGEGATE_HOOK_SPENT"
STARTED = time.monotonic()  # (the client's start)
REQUEST_MAGIC = b"changegate-hook 1"  # + " LEN_AGENT LEN_CWD LEN_ENV LEN_PAYLOAD\n" and the four fields
ANSWER_MAGIC = b"changegate-answer 1"  # + " EXIT LEN_STDOUT LEN_STDERR\n" and the two texts
MAX_ANSWER_BYTES = 16 * 1024 * 1024
PACKAGE_DIR = __file__.rpartition("/")[0].rpartition("/")[0]  # …/changegate (__file__ is absolute)
# the installed command's code (`python -I -S -c LAUNCHER DIR AGENT`): imported, this module's bytecode is cached
LAUNCHER = "import sys;sys.path.append(sys.argv[1]);import hookclient;hookclient.run(sys.argv[2:])"


def launcher_argv(agent: str, executable: str = sys.executable) -> list[str]:
    """The installed hook command for AGENT, as argv."""
    return [executable, "-I", "-S", "-c", LAUNCHER, PACKAGE_DIR + "/integrations", agent]


def hook_timeout(env: "Mapping[str, str]") -> float:
    """CHANGEGATE_HOOK_TIMEOUT, bounded (default DEFAULT_TIMEOUT_S, at most MAX_TIMEOUT_S)."""
    raw = env.get("CHANGEGATE_HOOK_TIMEOUT", "")
    try:
        value = float(raw) if raw else DEFAULT_TIMEOUT_S
    except ValueError:
        return DEFAULT_TIMEOUT_S
    return min(max(value, 0.01), MAX_TIMEOUT_S) if value == value else DEFAULT_TIMEOUT_S  # NaN -> default


def daemon_wait(env: "Mapping[str, str]") -> float:
    """How long a hook waits for the daemon: short enough that deciding itself still fits the agent's limit."""
    return min(DAEMON_WAIT_S, hook_timeout(env) / 3)


def state_dir(environ: "Mapping[bytes, bytes]") -> bytes:
    """changegate.state.state_dir_name in bytes, repeated here: importing the package costs `typing` (a test
    compares the two)."""
    configured = environ.get(b"CHANGEGATE_STATE_DIR")
    if configured:
        return expand_user(configured, environ)
    base = environ.get(b"XDG_STATE_HOME") or join(expand_user(b"~", environ), b".local/state")
    return join(base, b"changegate")


def join(directory: bytes, name: bytes) -> bytes:
    """os.path.join of two (without importing it)."""
    return directory + name if directory.endswith(b"/") else directory + b"/" + name


def expand_user(path: bytes, environ: "Mapping[bytes, bytes]") -> bytes:
    """os.path.expanduser, without importing it for the usual case (~ or ~/… with HOME set)."""
    home = environ.get(b"HOME")
    if not path.startswith(b"~"):
        return path
    if home is None or not (path == b"~" or path.startswith(b"~/")):
        import posixpath  # ~user, or no HOME: the password database

        return posixpath.expanduser(path)
    return (home.rstrip(b"/") + path[1:]) or b"/"


def version() -> bytes:
    """changegate.version.__version__, read from its file (importing the package costs `typing`)."""
    with open(PACKAGE_DIR + "/version.py", "rb") as handle:
        for line in handle:
            if line.startswith(b"__version__ = "):
                return line.split(b"=", 1)[1].strip().strip(b"\"'")
    raise ValueError("changegate/version.py names no version")


def socket_name(environ: "Mapping[bytes, bytes]") -> bytes:
    return state_dir(environ) + b"/daemon-" + version() + b".sock"


def is_our_daemon(conn: _socket.socket) -> bool:
    """The peer is this user's, runs this interpreter as DAEMON_ARGS, and loads no code from elsewhere (Linux);
    elsewhere the 0600 socket in the 0700 state directory is the guard."""
    option = getattr(_socket, "SO_PEERCRED", None)
    if option is None or not path_exists("/proc/self"):
        return True
    creds = conn.getsockopt(_socket.SOL_SOCKET, option, 12)  # struct ucred: pid, uid, gid (C ints)
    pid = int.from_bytes(creds[0:4], sys.byteorder, signed=True)
    uid = int.from_bytes(creds[4:8], sys.byteorder)
    if uid != posix.getuid() or pid <= 0:
        return False
    try:
        theirs, mine = posix.stat(f"/proc/{pid}/exe"), posix.stat(sys.executable)
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            argv = handle.read(4096).split(b"\0")
        with open(f"/proc/{pid}/environ", "rb") as handle:
            names = {item.split(b"=", 1)[0] for item in handle.read(1 << 20).split(b"\0")}
    except OSError:
        return False
    expected = [arg.encode() for arg in DAEMON_ARGS]
    return (theirs.st_dev, theirs.st_ino) == (mine.st_dev, mine.st_ino) \
        and argv[1:1 + len(expected)] == expected and not names & CODE_VARIABLES


def path_exists(path: str) -> bool:
    try:
        posix.stat(path)
    except OSError:
        return False
    return True


def request_bytes(agent: str, payload: bytes, environ: "Mapping[bytes, bytes]", cwd: bytes) -> bytes:
    """The request: the agent's name, the working directory and environment the hook would see, and the
    payload, each as raw bytes after a header of their lengths."""
    env = b"\0".join(name + b"=" + value for name, value in environ.items())
    fields = (agent.encode("utf-8", "surrogateescape"), cwd, env, payload)
    return REQUEST_MAGIC + b"".join(b" %d" % len(field) for field in fields) + b"\n" + b"".join(fields)


def parse_answer(raw: bytes) -> tuple[int, bytes, bytes] | None:
    """(exit code, stdout, stderr) of a well-formed answer; None for anything else (an error, a foreign peer)."""
    head, newline, body = raw.partition(b"\n")
    words = head.split(b" ")
    if not newline or b" ".join(words[:2]) != ANSWER_MAGIC or len(words) != 5 \
            or not all(word.isdigit() and len(word) <= 9 for word in words[2:]):
        return None
    code, out_size, err_size = int(words[2]), int(words[3]), int(words[4])
    if code > 255 or out_size + err_size != len(body):
        return None
    return code, body[:out_size], body[out_size:]


def ask_daemon(agent: str, payload: bytes, timeout: float, environ: "Mapping[bytes, bytes]",
               cwd: bytes) -> tuple[int, bytes, bytes] | None:
    """The daemon's answer (exit code, stdout, stderr), or None: no daemon, not ours, too slow, malformed."""
    deadline = time.monotonic() + timeout
    conn = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
    try:
        conn.settimeout(timeout)
        conn.connect(socket_name(environ))
        if not is_our_daemon(conn):
            return None
        conn.sendall(request_bytes(agent, payload, environ, cwd))
        conn.shutdown(_socket.SHUT_WR)
        chunks: list[bytes] = []
        size = 0
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            conn.settimeout(left)  # the whole exchange within `timeout`, however the daemon trickles
            chunk = conn.recv(1 << 16)
            if not chunk:
                break
            size += len(chunk)
            if size > MAX_ANSWER_BYTES:
                return None
            chunks.append(chunk)
    except (OSError, ValueError):  # (socket timeouts are OSErrors)
        return None
    finally:
        conn.close()
    return parse_answer(b"".join(chunks))


def write_all(fd: int, data: bytes) -> None:
    while data:
        try:
            data = data[posix.write(fd, data):]
        except InterruptedError:
            continue
        except OSError:
            return


def read_input() -> bytes:
    """stdin, up to one byte more than the hook accepts (the hook refuses a payload that large)."""
    chunks: list[bytes] = []
    size = 0
    while size <= MAX_INPUT_BYTES:
        try:
            chunk = posix.read(0, MAX_INPUT_BYTES + 1 - size)
        except InterruptedError:
            continue
        except OSError:
            break
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def decide_here(agent: str, payload: bytes) -> int:
    """Decide in this process, as `changegate hook AGENT` does: site-packages and the engine are imported now
    (still isolated: -I ignores PYTHONPATH and the like), the payload put back on stdin, and the hook's own
    `main` run — its watchdog, its single answer, a daemon started for the next call. Starting a second
    interpreter instead would cost another ~8 ms on every call that finds no daemon."""
    try:
        posix.dup2(payload_reader(payload), 0)
        try:
            main_of_hook = load_hook()
        except ImportError:  # not where an isolated start looks (a --user install): a normal start finds it
            posix.execv(sys.executable, [sys.executable, "-P", "-m", "changegate", "hook", agent])
    except Exception as exc:  # (no traceback: some agents let a call through on one)
        write_all(2, f"changegate hook: cannot decide ({type(exc).__name__}: {exc}); the call is blocked\n"
                  .encode())
        return 2  # blocks in every agent that reads exit codes
    return main_of_hook([agent])


def load_hook() -> "Callable[[list[str]], int]":
    """changegate's `hook.main`, with site-packages added as a normal start adds them; FALLBACK_VARIABLE tells
    it the daemon was asked already."""
    import gc

    gc.disable()  # one decision, then the process ends: collecting during the imports is start-up cost (hook.main)
    if PACKAGE_DIR + "/integrations" in sys.path:  # (the launcher's: its modules must not shadow any others)
        sys.path.remove(PACKAGE_DIR + "/integrations")
    if sys.flags.no_site:
        import site

        site.main()
    import os

    os.environ[FALLBACK_VARIABLE] = f"{time.monotonic() - STARTED:.3f}"
    # by name, at run time: hook.py imports this module (for the limits and the daemon's protocol), and only
    # this fallback needs it the other way round
    hook = __import__("changegate.integrations.hook", fromlist=["main"])
    main_of_hook: Callable[[list[str]], int] = hook.main
    return main_of_hook


def payload_reader(payload: bytes) -> int:
    """A descriptor that reads `payload` to its end: a pipe filled now, or (larger than the pipe holds) fed by
    a child process while the hook reads."""
    read_end, write_end = posix.pipe()
    posix.set_blocking(write_end, False)
    try:
        written = posix.write(write_end, payload) if payload else 0
    except BlockingIOError:
        written = 0
    if written < len(payload) and posix.fork() == 0:  # the child: write the rest, then end
        try:
            posix.close(read_end)
            posix.set_blocking(write_end, True)
            null = posix.open("/dev/null", posix.O_RDWR)
            for fd in (0, 1, 2):  # hold none of the agent's pipes open
                posix.dup2(null, fd)
            write_all(write_end, payload[written:])
        finally:
            posix._exit(0)
    posix.close(write_end)
    return read_end


def start_daemon() -> None:
    """A daemon for the next call, detached from this one (it exits at once if another is serving or starting).
    CHANGEGATE_DAEMON_IDLE: the seconds it stays without a request (default 900)."""
    import contextlib
    import os
    import subprocess

    idle = os.environ.get("CHANGEGATE_DAEMON_IDLE", "")
    argv = [sys.executable, *DAEMON_ARGS] + (["--idle", idle] if idle else [])
    # (each request brings its caller's environment; the daemon's own loads no code from elsewhere)
    env = {k: v for k, v in os.environ.items() if k.encode() not in CODE_VARIABLES}
    with contextlib.suppress(OSError):
        subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                         start_new_session=True, close_fds=True, env=env, cwd="/")


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        write_all(2, b"usage: hookclient AGENT (the agent's hook payload on stdin)\n")
        return 2
    payload = read_input()
    environ = posix.environ
    answer = None
    if len(payload) <= MAX_INPUT_BYTES and environ.get(b"CHANGEGATE_DAEMON", b"on") != b"off":
        try:
            wait = daemon_wait({"CHANGEGATE_HOOK_TIMEOUT": environ.get(b"CHANGEGATE_HOOK_TIMEOUT", b"").decode(
                "utf-8", "replace")})
            answer = ask_daemon(argv[0], payload, wait, environ, posix.getcwdb())
        except Exception:  # a bug here must not end in a traceback, which some agents let through
            answer = None
    if answer is not None:
        write_all(1, answer[1])
        write_all(2, answer[2])
        return answer[0]
    return decide_here(argv[0], payload)


def run(argv: list[str]) -> None:
    """main, then the process ends at once: everything was written unbuffered, and tearing the interpreter
    down would cost more than the rest of the call (~1 ms)."""
    posix._exit(main(argv))


if __name__ == "__main__":  # `python -I -S …/hookclient.py AGENT` works too (compiled on every start)
    run(sys.argv[1:])
