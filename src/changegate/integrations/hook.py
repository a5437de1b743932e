"""`changegate hook AGENT`: read an agent's hook JSON on stdin, answer in that agent's format and exit code.

    changegate hook claude-code   PreToolUse, PermissionRequest          (allow / ask / deny)
    changegate hook cursor        beforeShellExecution, beforeMCPExecution, beforeReadFile, preToolUse
    changegate hook codex         PreToolUse                              (deny only: ask becomes deny)
    changegate hook gemini        BeforeTool                              (allow / deny: ask becomes deny)
    changegate hook kiro          preToolUse                              (exit 2 blocks: ask becomes deny)

Local mode decides in this process, by the policy in CHANGEGATE_POLICY or the built-in default. Remote mode
(CHANGEGATE_URL and CHANGEGATE_TOKEN) asks a changegate server: an `ask` files an approval request there and
the answer names it; the same action retried after approval is allowed by the server (bound to its hash).
Where an approval cannot be given in the agent itself — agents without ask, any ask in remote mode, and in
local mode an ask that needs two people — the answer is a deny that says what to do.

Three promises, because every agent tool call starts this process:
- it never hangs: a watchdog answers deny after CHANGEGATE_HOOK_TIMEOUT seconds (default 5, at most 8: the
  agent's own limit, set by `install`, is 10), and so does a signal;
- its stdout carries nothing but the one answer: everything else the process prints goes to stderr;
- it never answers with a traceback: unreadable input or an internal failure is a deny with a reason, in
  the form (exit code) that blocks for that agent;
- it starts fast: this module imports only the standard library; the engine (or the client, in remote
  mode) is imported once the input has been read.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Protocol, cast

from changegate.integrations import hookclient

# the hook's limits live with the light client, which shares them (re-exported: install and tests read them here)
from changegate.integrations.hookclient import AGENT_TIMEOUT_S as AGENT_TIMEOUT_S
from changegate.integrations.hookclient import DEFAULT_TIMEOUT_S, MAX_INPUT_BYTES, daemon_wait
from changegate.integrations.hookclient import MAX_TIMEOUT_S as MAX_TIMEOUT_S
from changegate.integrations.hookclient import hook_timeout as hook_timeout

if TYPE_CHECKING:
    from changegate.answer import Answer
    from changegate.policy import Policy

MAX_EDITED_FILE_BYTES = 2 * 1024 * 1024  # a file larger than this is judged by its new text alone
MAX_MESSAGE_CHARS = 2000
SEVERITY = {"allow": 0, "ask": 1, "deny": 2}

AGENT_MODULES: dict[str, str] = {
    "claude-code": "claude_code",
    "claude": "claude_code",
    "cursor": "cursor",
    "codex": "codex",
    "gemini": "gemini",
    "gemini-cli": "gemini",
    "kiro": "kiro",
    "kiro-cli": "kiro",
}


# --- what flows between the core and an agent module ----------------------------------------------------

class HookInputError(Exception):
    """The agent's payload cannot be read or does not say what the tool would do: the hook refuses."""


@dataclass
class HookContext:
    """Where the hook runs: the agent's environment (inherited by this process) and its name."""

    agent: str
    env: dict[str, str]
    cwd: str

    def where(self, payload: Mapping[str, Any], cwd: Any = None) -> dict[str, Any]:
        """The fields every action from this call carries: cwd, env, agent, session."""
        chosen = cwd if isinstance(cwd, str) and cwd.startswith("/") else None
        if chosen is None:
            given = payload.get("cwd")
            roots = payload.get("workspace_roots")
            if isinstance(given, str) and given.startswith("/"):
                chosen = given
            elif isinstance(roots, list) and roots and isinstance(roots[0], str) and roots[0].startswith("/"):
                chosen = roots[0]
            else:
                chosen = self.cwd
        out: dict[str, Any] = {"cwd": chosen, "env": self.env, "agent": self.agent}
        session = payload.get("session_id") or payload.get("conversation_id")
        if isinstance(session, str) and session:
            out["session"] = session[:200]
        return out


@dataclass
class HookCall:
    """What the agent is about to do, as actions changegate can judge."""

    event: str
    tool: str
    actions: list[dict[str, Any]] = field(default_factory=list)
    inert: bool = False  # a tool with nothing to judge (a todo list, a plan, a web search)
    # the agent's mode, where in that mode the agent would take an ask as a yes (Claude Code's
    # bypassPermissions): an ask is then answered deny, saying why and what to do instead
    ask_means_yes: str = ""


@dataclass
class Outcome:
    """The answer, already translated to what the agent can express."""

    decision: str  # allow | ask | deny
    message: str  # for the model and the person watching
    asked: bool = False  # the policy said ask (the decision may have become deny)
    requests: list[dict[str, Any]] = field(default_factory=list)  # remote approval requests it names
    answers: list[Answer] = field(default_factory=list)  # one per action of the call


@dataclass
class Reply:
    stdout: str = ""
    stderr: str = ""
    exit_code: int = 0


class Agent(Protocol):
    """One agent's hook contract (each `integrations/<agent>.py` module)."""

    NAME: str
    CAN_ASK: bool

    def parse(self, payload: dict[str, Any], context: HookContext) -> HookCall: ...

    def answer(self, outcome: Outcome, call: HookCall) -> Reply: ...

    def refuse(self, reason: str) -> Reply: ...


# --- entry point ------------------------------------------------------------------------------------------

def main(argv: list[str]) -> int:
    if not argv or argv[0] in ("-h", "--help"):
        sys.stdout.write(__doc__ or "")
        return 0 if argv else 2
    module_name = AGENT_MODULES.get(argv[0].lower())
    if module_name is None:
        # exit 2 blocks in every agent that reads exit codes: a misconfigured hook must not fail open
        sys.stderr.write(f"changegate hook: unknown agent {argv[0]!r}; expected one of "
                         f"{', '.join(sorted(set(AGENT_MODULES)))}\n")
        return 2
    answer_fd = own_stdout()
    stdin: Any = sys.stdin.buffer
    # the light client (hookclient.py) hands a call here when the daemon did not answer: decide, do not ask again
    spent = fallback_spent(os.environ.pop(hookclient.FALLBACK_VARIABLE, None))
    warm = os.environ.get("CHANGEGATE_DAEMON", "on") != "off"
    if warm and spent is None:
        # the per-user daemon (integrations/daemon.py) decides in a process that has the engine imported
        # already; it answers exactly what this process would, or nothing, and then this process decides
        payload = stdin.read(MAX_INPUT_BYTES + 1)
        answer = hookclient.ask_daemon(argv[0], payload, daemon_wait(os.environ), os.environb, os.getcwdb()) \
            if len(payload) <= MAX_INPUT_BYTES else None
        if answer is not None:
            code, out, err = answer
            hookclient.write_all(answer_fd, out)
            hookclient.write_all(2, err)
            os._exit(code)
        import io

        stdin = io.BytesIO(payload)
    import gc
    import importlib

    # one decision, then the process ends: cyclic garbage collection during the engine's imports is pure
    # start-up cost (a few ms on every tool call); reference counting still frees what it can
    gc.disable()
    agent = cast(Agent, importlib.import_module(f"changegate.integrations.{module_name}"))
    deadline_s = hook_timeout(os.environ)
    deadline_s = max(deadline_s - (spent or 0.0), min(deadline_s, MIN_TIMEOUT_S))  # (less what the client spent)
    answer_once = Answerer(answer_fd)
    late = agent.refuse(f"no decision within {deadline_s:g} s, so the call is blocked "
                        f"(CHANGEGATE_HOOK_TIMEOUT allows up to {MAX_TIMEOUT_S:g} s)")
    watchdog = threading.Timer(deadline_s, answer_once.final, args=(late,))
    watchdog.daemon = True
    watchdog.start()
    on_signals(answer_once, agent)
    try:
        reply = run(agent, stdin, time.monotonic() + deadline_s)
    except BaseException as exc:  # the last line of defence: a bug or an interrupt answers deny, never a traceback
        reply = agent.refuse(f"deciding failed ({type(exc).__name__}: {exc}), so the call is blocked")
    watchdog.cancel()
    code = answer_once.write(reply)
    if warm:  # none answered: start one for the next call (it exits at once if another is serving)
        hookclient.start_daemon()
    # The answer is written (unbuffered). Tearing down the interpreter (every module the engine imported)
    # costs ~10 ms more on every tool call and can change nothing the agent sees: end the process here.
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(code)


MIN_TIMEOUT_S = 0.5  # what a hook the light client handed over late still gets to decide


def fallback_spent(raw: str | None) -> float | None:
    """The seconds the light client spent before handing the call over (None: it did not hand it over)."""
    if raw is None:
        return None
    try:
        value = float(raw)
    except ValueError:
        return 0.0
    return min(max(value, 0.0), MAX_TIMEOUT_S) if value == value else 0.0


def own_stdout() -> int:
    """Keep stdout for the one answer: the agent reads it as a single JSON document, and a stray line from
    a library, a warning or a print before it makes some agents let the call through. The real stdout is
    moved to a private descriptor; file descriptor 1 and `sys.stdout` then lead to stderr, where anything
    else this process prints is harmless."""
    try:
        answer_fd = os.dup(1)
        os.dup2(2, 1)
    except OSError:
        return 1  # no stdout to protect (closed): answer where it is
    sys.stdout = sys.stderr
    return answer_fd


def on_signals(answer_once: Answerer, agent: Agent) -> None:
    """A hook stopped by a signal (the agent giving up, a Ctrl-C) still answers deny before it ends."""
    import signal

    def stop(number: int, frame: Any) -> None:
        answer_once.final(agent.refuse(f"the hook was stopped by signal {number} before it decided, so the "
                                       "call is blocked"))

    for name in ("SIGTERM", "SIGINT", "SIGHUP", "SIGQUIT"):
        number = getattr(signal, name, None)
        if number is not None:
            with contextlib.suppress(OSError, ValueError):
                signal.signal(number, stop)
    with contextlib.suppress(OSError, ValueError, AttributeError):
        signal.signal(signal.SIGPIPE, signal.SIG_IGN)  # a closed pipe is an OSError in emit, not a death


class Answerer:
    """Exactly one answer per process: the decision or the watchdog's deny, whichever comes first."""

    def __init__(self, answer_fd: int = 1) -> None:
        self.lock = threading.Lock()
        self.done = False
        self.answer_fd = answer_fd

    def write(self, reply: Reply) -> int:
        with self.lock:
            if self.done:
                return reply.exit_code
            self.done = True
            emit(reply, self.answer_fd)
            return reply.exit_code

    def final(self, reply: Reply) -> None:
        """The watchdog (or a signal): answer deny and end the process now, whatever the main thread does."""
        if not self.lock.acquire(timeout=1.0):  # the answer is being written: let it finish
            return
        try:
            if not self.done:
                self.done = True
                emit(reply, self.answer_fd)
                os._exit(reply.exit_code)
        finally:
            self.lock.release()


def emit(reply: Reply, answer_fd: int = 1) -> None:
    for fd, text in ((answer_fd, reply.stdout), (2, reply.stderr)):
        data = text.encode("utf-8", "replace")
        while data:
            try:
                written = os.write(fd, data)
            except OSError:
                break
            data = data[written:]


def run(agent: Agent, stream: Any, deadline: float, env: dict[str, str] | None = None) -> Reply:
    """The answer to one call. `env`: a copy of os.environ the caller has already (the daemon's)."""
    try:
        payload = read_payload(stream)
        context = HookContext(agent=os.environ.get("CHANGEGATE_AGENT") or agent.NAME,
                              env=dict(os.environ) if env is None else env, cwd=safe_cwd())
        call = agent.parse(payload, context)
    except HookInputError as exc:
        return agent.refuse(f"the hook input cannot be read, so the call is blocked: {exc}")
    outcome = settle(decide_call(call, agent.CAN_ASK, deadline, context.agent), call)
    return agent.answer(outcome, call)


def read_payload(stream: Any) -> dict[str, Any]:
    import json

    data = stream.read(MAX_INPUT_BYTES + 1)
    if len(data) > MAX_INPUT_BYTES:
        raise HookInputError(f"the input is larger than {MAX_INPUT_BYTES // (1024 * 1024)} MiB")
    if not data.strip():
        raise HookInputError("the input is empty (expected the agent's hook JSON on stdin)")
    try:
        payload = json.loads(data)
    except (ValueError, RecursionError) as exc:
        raise HookInputError(f"the input is not JSON ({exc})") from None
    if not isinstance(payload, dict):
        raise HookInputError(f"the input is JSON but not an object ({type(payload).__name__})")
    return payload


def safe_cwd() -> str:
    try:
        return os.getcwd()
    except OSError:
        return "/"


# --- deciding -----------------------------------------------------------------------------------------------

def decide_call(call: HookCall, can_ask: bool, deadline: float, agent: str = "agent") -> Outcome:
    if call.inert:
        return Outcome("allow", f"changegate: {call.tool or 'this tool'} changes nothing it checks")
    if not call.actions:
        return Outcome("ask" if can_ask else "deny", f"changegate: {call.tool or 'this tool'} is not one it "
                       "understands, so a person must decide", asked=True)
    url = os.environ.get("CHANGEGATE_URL", "").strip()
    check = remote_checker(url, deadline) if url else local_checker(agent)
    answers = [check(action) for action in call.actions]
    return combine(answers, can_ask=can_ask, remote=bool(url))


def settle(outcome: Outcome, call: HookCall) -> Outcome:
    """An ask the agent would not put to a person is a deny that says why and what to do: where the agent's
    mode takes an ask as a yes, and for a write that could switch the gate off (an agent's settings or hook
    files, the gate itself), which no dialog click may approve."""
    if outcome.decision != "ask":
        return outcome
    why = outcome.message.removeprefix("changegate: approval needed — ")
    guarded = guards_the_gate(outcome.answers)
    if guarded:
        return replace(outcome, decision="deny", message=clip(
            f"changegate: denied — it writes {guarded}, which could switch the gate off; that is never approved "
            f"from inside the agent. {why}. If the change is really wanted, the user makes it themselves "
            "outside the agent."))
    if call.ask_means_yes:
        return replace(outcome, decision="deny", message=clip(
            f"changegate: ask refused in {call.ask_means_yes} mode, where the agent would not put it to a person — "
            f"{why}. "
            "Tell the user what you want to do and why: they can run it themselves, file it for approval with "
            "`changegate run -- COMMAND` (or a changegate server, CHANGEGATE_URL), or rerun this session in "
            "the default permission mode to be asked."))
    return outcome


GATE_TAGS = frozenset({"gate-tampering", "self-approval", "approvals-off"})
AGENT_SETTINGS = "agent's"  # the words persistence_kind uses for agent settings, hook and tool-server files


def guards_the_gate(answers: list[Answer]) -> str:
    """What the gate-protecting part of these answers writes ("" when none): an effect tagged as tampering
    with the gate, or a change to a file that configures an agent (its settings, hooks or tool servers)."""
    from changegate.understand.sensitive import persistence_kind  # inside `run`'s guard, like the engine

    for answer in answers:
        for effect in answer.verdict.effects:
            if effect.operation == "read":
                continue
            path = effect.resource.removeprefix("fs:")
            if GATE_TAGS.intersection(effect.tags):
                return path or effect.resource
            if effect.resource.startswith("fs:") and AGENT_SETTINGS in (persistence_kind(path) or ""):
                return path
    return ""


Checker = Callable[[dict[str, Any]], "Answer"]


def local_checker(agent: str) -> Checker:
    # imported here, inside `run`'s guard and only in local mode: the engine is most of a hook's start-up, and
    # remote mode never needs it
    from changegate.answer import Answer
    from changegate.gate import judge
    from changegate.policy import PolicyError
    from changegate.service.spool import spool_decision

    path = os.environ.get("CHANGEGATE_POLICY") or None
    try:
        policy = current_policy(path)
    except PolicyError as exc:
        problems = "; ".join(exc.problems[:3])
        return lambda action: denial(f"the policy {path} cannot be used: {problems}")

    def check(action: dict[str, Any]) -> Answer:
        judgement = judge(action, policy)
        answer = Answer.of(judgement.verdict)
        spool_decision(answer, judgement, via=f"hook:{agent}")  # every decision reaches the audit chain
        return answer

    return check


# the policies loaded in this process, by file and the state of that file and of the built-in policy: a
# daemon decides many calls, and a policy is read again only when one of its files changed
_policies: dict[tuple[str | None, tuple[int, ...], tuple[int, ...]], Policy] = {}
MAX_KEPT_POLICIES = 8


def current_policy(path: str | None) -> Policy:
    """load_policy(path), kept while the file's (device, inode, mtime_ns, size) and the built-in policy's are
    unchanged; a policy that cannot be loaded raises PolicyError every time."""
    from changegate.policy import load_policy
    from changegate.policy.cache import DEFAULT_FILE

    key = (path, file_state(path) if path else (), file_state(str(DEFAULT_FILE)))
    policy = _policies.get(key)
    if policy is None:
        policy = load_policy(path)
        if key[2] and (key[1] or path is None):  # (a file that cannot be stat'ed is never kept)
            if len(_policies) >= MAX_KEPT_POLICIES:
                _policies.clear()
            _policies[key] = policy
    return policy


def file_state(path: str) -> tuple[int, ...]:
    """(device, inode, mtime_ns, size), or () for a file that cannot be read (never kept)."""
    try:
        info = os.stat(path)
    except OSError:
        return ()
    return (info.st_dev, info.st_ino, info.st_mtime_ns, info.st_size)


def remote_checker(url: str, deadline: float) -> Checker:
    from changegate.answer import Answer  # inside `run`'s guard, like the engine in local mode

    token = os.environ.get("CHANGEGATE_TOKEN", "")
    if not token:
        return lambda action: denial(f"CHANGEGATE_URL is set ({url}) but CHANGEGATE_TOKEN is not")
    if not token.isascii() or not token.isprintable() or " " in token:
        return lambda action: denial("CHANGEGATE_TOKEN holds characters a token cannot have")
    post = plain_http_poster(url, token) or client_poster(url, token)

    def check(action: dict[str, Any]) -> Answer:
        remaining = deadline - time.monotonic() - 0.25  # leave time to answer before the watchdog
        if remaining <= 0.05:
            return denial(f"no time was left to ask the changegate server at {url}")
        try:
            doc = post(action, min(remaining, DEFAULT_TIMEOUT_S))
            if not isinstance(doc, dict) or doc.get("decision") not in SEVERITY:
                return denial(f"the changegate server at {url} answered without a decision")
            return Answer.from_contract(doc)
        except RemoteError as exc:
            return denial(f"{exc}; without the server nothing is allowed")
        except RemoteRefusal as exc:
            return denial(str(exc))
        except Exception as exc:  # a malformed answer or a bug: never an allow
            return denial(f"the changegate server at {url} did not answer usably ({type(exc).__name__}: {exc})")

    return check


class RemoteError(Exception):
    """The server could not be asked, or did not answer like changegate (its message names the URL)."""


class RemoteRefusal(Exception):
    """The server refused the check (4xx: a bad token, a malformed action); the message says why."""


Poster = Callable[[dict[str, Any], float], dict[str, Any]]


def client_poster(url: str, token: str) -> Poster:
    """Any URL, through changegate.client (https, proxies, everything urllib does)."""

    def post(action: dict[str, Any], timeout: float) -> dict[str, Any]:
        # urllib.request, http.client, email and ssl cost a hook more than the server takes to decide: only
        # for the URLs the plain poster does not handle
        from changegate.client import Client, Unreachable

        try:
            answer: dict[str, Any] = Client(url, token, timeout=timeout).check(action)
        except Unreachable as exc:
            raise RemoteError(str(exc)) from None
        return answer

    return post


def plain_http_poster(url: str, token: str) -> Poster | None:
    """The warm path for a server on plain http (a `changegate serve` on this machine or the local network):
    one HTTP/1.1 exchange over a socket. It speaks the same /v1/check contract as changegate.client, but
    skips importing urllib.request, http.client, email and ssl, which cost a hook more than the server takes
    to decide. Anything it does not handle (https, credentials in the URL) goes through the client."""
    if not url.startswith("http://"):
        return None
    netloc, _, prefix = url[len("http://"):].partition("/")
    if not netloc or "@" in netloc:
        return None
    host, port = netloc, 80
    if netloc.startswith("["):
        host, _, rest = netloc[1:].partition("]")
        if rest.startswith(":"):
            port_text = rest[1:]
        elif rest:
            return None
        else:
            port_text = "80"
    else:
        host, _, port_text = netloc.partition(":")
        port_text = port_text or "80"
    if not port_text.isdigit() or not host:
        return None
    port = int(port_text)
    path = "/" + prefix.strip("/") + "/v1/check" if prefix.strip("/") else "/v1/check"
    shown = url.rstrip("/")

    def post(action: dict[str, Any], timeout: float) -> dict[str, Any]:
        import json
        import socket

        body = json.dumps({"action": outgoing(action)}).encode()
        head = (f"POST {path} HTTP/1.1\r\nHost: {netloc}\r\nUser-Agent: changegate-hook/1\r\n"
                f"Accept: application/json\r\nContent-Type: application/json\r\n"
                f"Authorization: Bearer {token}\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n")
        chunks: list[bytes] = []
        size = 0
        try:
            with socket.create_connection((host, port), timeout=timeout) as sock:
                sock.sendall(head.encode("ascii") + body)
                while data := sock.recv(65536):
                    size += len(data)
                    if size > MAX_ANSWER_BYTES:
                        raise RemoteError(f"the changegate server at {shown} sent an answer that is too large")
                    chunks.append(data)
        except OSError as exc:
            raise RemoteError(f"the changegate server at {shown} could not be reached: {exc}") from None
        status, payload = http_response(b"".join(chunks), shown)
        try:
            doc = json.loads(payload)
        except ValueError:
            raise RemoteError(f"{shown} did not answer like a changegate server (HTTP {status}, not JSON)") from None
        if not isinstance(doc, dict):
            raise RemoteError(f"{shown} did not answer like a changegate server (HTTP {status})")
        if 400 <= status < 500:  # refused (bad token, malformed action): a deny that says why
            error = doc.get("error") or doc.get("detail") or f"HTTP {status}"
            raise RemoteRefusal(f"the changegate server at {shown} refused the check: HTTP {status}: {error}")
        if status >= 300:
            raise RemoteError(f"the changegate server at {shown} failed (HTTP {status})")
        return doc

    return post


MAX_ANSWER_BYTES = 8 * 1024 * 1024


def http_response(raw: bytes, shown: str) -> tuple[int, bytes]:
    """(status, body) of an HTTP/1.1 response read to the end of the connection."""
    head, sep, body = raw.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    parts = lines[0].split(b" ", 2) if lines else []
    if not sep or len(parts) < 2 or not parts[0].startswith(b"HTTP/1.") or not parts[1].isdigit():
        raise RemoteError(f"{shown} did not answer like an HTTP server")
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        headers[name.strip().lower()] = value.strip().lower()
    if headers.get(b"transfer-encoding") == b"chunked":
        body = dechunk(body, shown)
    elif headers.get(b"content-length", b"").isdigit():
        body = body[: int(headers[b"content-length"])]
    return int(parts[1]), body


def dechunk(data: bytes, shown: str) -> bytes:
    out: list[bytes] = []
    position = 0
    for _ in range(100_000):
        line_end = data.find(b"\r\n", position)
        if line_end < 0:
            break
        size_text = data[position:line_end].split(b";", 1)[0].strip()
        try:
            size = int(size_text, 16)
        except ValueError:
            raise RemoteError(f"{shown} sent a malformed chunked answer") from None
        if size == 0:
            return b"".join(out)
        start = line_end + 2
        out.append(data[start:start + size])
        position = start + size + 2
    raise RemoteError(f"{shown} sent a truncated answer")


def outgoing(action: dict[str, Any]) -> dict[str, Any]:
    """The action as sent to a server, as changegate.client sends it: with the facts its understanding reads
    here, where the agent runs (kubeconfig, git, package scripts, plans — the server never opens an
    agent-named path), and secret values replaced by a keyed digest."""
    # inside `run`'s guard, like the rest of the engine (the daemon keeps it imported)
    from changegate.understand import outgoing_action

    return outgoing_action(action)


def denial(reason: str) -> Answer:
    """A deny that says why, where no verdict could be had (no server, no policy, a failure)."""
    from changegate.answer import Answer  # inside `run`'s guard, like the rest of the engine
    from changegate.model import Verdict

    return Answer.of(Verdict(decision="deny", risk="high", reasons=[reason], suggestions=[], effects=[],
                             approvals_required=0, action_hash="", error=reason))


NO_ASK_IN_HOOK = "This agent cannot ask its user from a hook, so the call is blocked"


def combine(answers: list[Answer], *, can_ask: bool, remote: bool, cannot_ask: str = NO_ASK_IN_HOOK) -> Outcome:
    """One answer for all the actions of a call: the most severe decides."""
    decision = max((v.decision for v in answers), key=lambda d: SEVERITY.get(d, 2))
    deciding = [v for v in answers if v.decision == decision]
    requests = [v.request for v in answers if v.request is not None]
    if decision == "allow":
        approved = [r for r in requests if r.get("id")]
        note = f" (approved: request {', '.join(str(r['id']) for r in approved)})" if approved else ""
        return Outcome("allow", clip(f"changegate: allowed{note} — {explain(deciding, suggest=False)}"),
                       requests=requests, answers=answers)
    if decision == "deny":
        return Outcome("deny", clip(f"changegate: denied — {explain(deciding)}"), answers=answers)
    approvals = max(v.approvals_required or 1 for v in deciding)
    why = explain(deciding)
    if remote:
        return Outcome("deny", clip(pending_message(requests, why)), asked=True, requests=requests,
                       answers=answers)
    if approvals >= 2:
        return Outcome("deny", clip(
            f"changegate: this needs {approvals} people to approve — {why}. This machine decides alone (no "
            "changegate server is configured), so it cannot be approved here: show the user the exact action "
            "and ask them to file it with changegate (CHANGEGATE_URL) or do it themselves."), asked=True,
            answers=answers)
    if not can_ask:
        return Outcome("deny", clip(
            f"changegate: this needs a person's approval — {why}. {cannot_ask}: tell the user exactly what you "
            "want to run and why, and let them run it or approve it through a changegate server "
            "(CHANGEGATE_URL), then retry the same call."),
            asked=True, answers=answers)
    return Outcome("ask", clip(f"changegate: approval needed — {why}"), asked=True, answers=answers)


def pending_message(requests: list[dict[str, Any]], why: str) -> str:
    if not requests:
        return (f"changegate: this needs approval — {why}. The server filed no request it could name; ask "
                "the user to check changegate, then retry the same call.")
    named = []
    for request in requests:
        ident = request.get("id", "?")
        got, needed = request.get("approvals", 0), request.get("required", 1)
        if isinstance(got, list):
            got = len(got)
        where = f" at {request['url']}" if request.get("url") else ""
        expires = f", expires {request['expires_at']}" if request.get("expires_at") else ""
        named.append(f"request {ident} ({got}/{needed} approvals{expires}){where}")
    return (f"changegate: waiting for approval — {'; '.join(named)}. {why}. Do not look for another way to do "
            "this: tell the user the request is waiting, and once it is approved retry exactly the same call "
            "(the approval is bound to this exact action).")


def explain(answers: list[Answer], *, suggest: bool = True) -> str:
    """Summary, reasons and safer alternatives of the deciding answers, in one paragraph."""
    summaries: list[str] = []
    reasons: list[str] = []
    suggestions: list[str] = []
    for answer in answers:
        add_unique(summaries, [answer.verdict.summary])
        add_unique(reasons, answer.reasons)
        add_unique(suggestions, answer.suggestions)
    # a reason already names the rule, the effect and where it is; the summary is for verdicts without one
    text = " ".join(sentence(r) for r in reasons[:4]) if reasons else sentence("; ".join(summaries[:3]))
    if suggest and suggestions:
        text += " Safer: " + sentence("; ".join(suggestions[:3]))
    return text.rstrip(".") or "no reason given"


def sentence(text: str) -> str:
    text = text.strip()
    return text if not text or text.endswith((".", "!", "?", "…")) else text + "."


def add_unique(into: list[str], items: Any) -> None:
    for item in items if isinstance(items, list) else []:
        if isinstance(item, str) and item and item not in into:
            into.append(item)


def clip(text: str) -> str:
    return text if len(text) <= MAX_MESSAGE_CHARS else text[: MAX_MESSAGE_CHARS - 1] + "…"


# --- building actions from tool inputs (shared by the agent modules) ---------------------------------------

def shell_action(command: Any, where: dict[str, Any]) -> dict[str, Any]:
    if isinstance(command, str) and command.strip():
        return {"type": "shell", "command": command, **where}
    if isinstance(command, list) and command and all(isinstance(a, str) for a in command):
        return {"type": "shell", "argv": command, **where}
    raise HookInputError("the shell tool input has no command")


def argv_action(argv: list[str], where: dict[str, Any]) -> dict[str, Any]:
    return {"type": "shell", "argv": argv, **where}


def file_write_action(path: Any, content: str | None, where: dict[str, Any]) -> dict[str, Any]:
    if not isinstance(path, str) or not path.strip():
        raise HookInputError("the file tool input has no file path")
    action: dict[str, Any] = {"type": "file_write", "path": absolute(path, where.get("cwd")), **where}
    if content is not None:
        action["content"] = content
    return action


def read_action(paths: list[str], where: dict[str, Any]) -> dict[str, Any]:
    """Reading files, judged as `cat` would be: reads are allowed, credential files are secrets."""
    return argv_action(["cat", "--", *paths[:64]], where)


def mcp_action(server: str, tool: str, arguments: Any, where: dict[str, Any],
               annotations: dict[str, Any] | None = None) -> dict[str, Any]:
    if not tool:
        raise HookInputError("the MCP tool name is empty")
    if arguments is None:
        arguments = {}
    if isinstance(arguments, str):  # some agents pass the arguments as a JSON string
        import json

        try:
            arguments = json.loads(arguments) if arguments.strip() else {}
        except ValueError:
            raise HookInputError("the MCP tool input is not a JSON object") from None
    if not isinstance(arguments, dict):
        raise HookInputError("the MCP tool input is not an object")
    action: dict[str, Any] = {"type": "mcp_tool", "server": server or "mcp", "tool": tool,
                              "arguments": arguments, **where}
    if annotations:
        action["annotations"] = annotations
    return action


def split_mcp_name(name: str) -> tuple[str, str] | None:
    """`mcp__github__delete_repository` -> ("github", "delete_repository")."""
    if not name.startswith("mcp__"):
        return None
    server, _, tool = name[5:].partition("__")
    return (server, tool) if server and tool else None


def http_action(url: Any, where: dict[str, Any], method: str = "GET") -> dict[str, Any]:
    if not isinstance(url, str) or not url.strip():
        raise HookInputError("the web tool input has no URL")
    return {"type": "http", "method": method, "url": url.strip(), **where}


def absolute(path: str, cwd: Any) -> str:
    if path.startswith(("/", "~")) or not isinstance(cwd, str):
        return path
    return cwd.rstrip("/") + "/" + path


def edited_content(path: str, cwd: Any, edits: list[tuple[str, str, bool]]) -> str:
    """The file's text after string replacements (what an Edit tool would write), so the write is judged by
    its result. A file that cannot be read (new, too large, not text) is judged by the new text alone."""
    full = os.path.expanduser(absolute(path, cwd))
    try:
        if os.path.getsize(full) > MAX_EDITED_FILE_BYTES:
            raise OSError("too large")
        with open(full, encoding="utf-8") as handle:
            text = handle.read(MAX_EDITED_FILE_BYTES + 1)
    except (OSError, UnicodeDecodeError, ValueError):
        return "\n".join(new for _, new, _ in edits)
    for old, new, replace_all in edits[:512]:
        if old and old in text:
            text = text.replace(old, new) if replace_all else text.replace(old, new, 1)
        else:  # an edit that does not apply: judge what it would add
            text += "\n" + new
    return text


def string_field(mapping: Mapping[str, Any], *names: str) -> str | None:
    for name in names:
        value = mapping.get(name)
        if isinstance(value, str):
            return value
    return None


def tool_input(payload: Mapping[str, Any]) -> dict[str, Any]:
    value = payload.get("tool_input")
    if value is None:
        return {}
    if isinstance(value, str):  # Cursor passes MCP inputs as a JSON string
        import json

        try:
            value = json.loads(value) if value.strip() else {}
        except ValueError:
            raise HookInputError("tool_input is a string that is not JSON") from None
    if not isinstance(value, dict):
        raise HookInputError("tool_input is not an object")
    return value


def json_text(doc: Any) -> str:
    import json

    return json.dumps(doc, ensure_ascii=False)
