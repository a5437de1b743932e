"""The broker: `changegate run -- COMMAND…` runs an action exactly as it was checked (and approved), with
credentials the agent never holds, after keeping what it would destroy.

    changegate run [--wait SECONDS] [--policy FILE] [--keep] [--reason TEXT] -- kubectl delete ns payments

1. The exact argv and cwd are checked (`Action(type="shell", argv=…)`; the action hash binds both, so a
   command changed by one byte after its approval is another action, with its own request).
2. deny: exit 20 with the reasons. ask: the approval request is filed — with what undo will keep and what
   it cannot (`undo.Plan.note`) — and the broker waits up to --wait seconds or exits 10 naming the request.
   An approved request for exactly this action is used once: a second run asks again.
3. allow (or approved): the real program is found on PATH (never a shim); the agent's credentials are
   scrubbed from its environment and the gate's profile for the action's tool and environment injected
   (`credentials.py`); for an approved destructive action the snapshot is taken (`undo`) — a snapshot that
   fails means the action does not run.
4. It runs without a shell, output streamed live, and the audit log gets the result: exit code, duration,
   size and sha256 of stdout and stderr, their first and last bytes, the request and the snapshot.

Remote mode (CHANGEGATE_URL): the check and the approval go to the server; the action still runs here, with
the credential profiles of this machine's gate, and its result is recorded in the local audit log (the
server's API has no endpoint for execution results yet). Shims call `shim_main`, which skips Typer.
"""

from __future__ import annotations

import getpass
import hashlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, BinaryIO

import msgspec
from msgspec.structs import replace

from changegate.answer import Answer, Judgement
from changegate.broker import credentials, undo
from changegate.broker.shims import ShimError, path_without_shims, resolve
from changegate.gate import judge
from changegate.gate.remote import check_remote, remote_target
from changegate.model import Action, Effect, Verdict
from changegate.policy import Policy, PolicyError, load_policy
from changegate.service.identity import Identity
from changegate.service.spool import spool_decision, spool_entry
from changegate.state import state_dir_name

if TYPE_CHECKING:
    from changegate.service.approvals import Request
    from changegate.service.store import Store

EXIT_ASK, EXIT_DENY, EXIT_FAILURE, EXIT_USAGE, EXIT_NOT_FOUND = 10, 20, 1, 2, 127
POLICY_ENV, AGENT_ENV = "CHANGEGATE_POLICY", "CHANGEGATE_AGENT"
SHIM_WAIT_ENV = "CHANGEGATE_SHIM_WAIT"  # how long a shim waits for an approval (default: not at all)
DEPTH_ENV = "CHANGEGATE_RUN_DEPTH"  # how deep runs nest; a loop stops here
MAX_DEPTH = 4
MAX_WAIT_S = 600.0
CHUNK = 64 * 1024
HEAD_BYTES = TAIL_BYTES = 2048  # of each output stream, kept in the audit record


class RunError(Exception):
    """The action cannot be run (nothing ran); the message says why."""

    def __init__(self, message: str, code: int = EXIT_FAILURE) -> None:
        super().__init__(message)
        self.code = code


@dataclass
class RunRequest:
    argv: list[str]
    cwd: str
    env: dict[str, str]
    wait: float = 0.0
    policy: str | None = None
    agent: str | None = None
    reason: str = ""
    keep: bool = False  # take a snapshot even when the action is allowed without an approval


# --- output: streamed, counted, hashed --------------------------------------------------------------------

@dataclass
class Capture:
    """One output stream as the audit log keeps it: its size, its sha256, its first and last bytes."""

    size: int = 0
    digest: Any = field(default_factory=hashlib.sha256)
    head: bytearray = field(default_factory=bytearray)
    tail: bytearray = field(default_factory=bytearray)

    def add(self, chunk: bytes) -> None:
        self.size += len(chunk)
        self.digest.update(chunk)
        if len(self.head) < HEAD_BYTES:
            self.head += chunk[:HEAD_BYTES - len(self.head)]
        self.tail += chunk[-TAIL_BYTES:]
        del self.tail[:-TAIL_BYTES]

    def record(self, secrets: dict[str, str] | None = None) -> dict[str, Any]:
        """For the audit log; `secrets` (name -> value, the credentials the broker injected) never appear in
        it: each is replaced by `[injected NAME]`, and so is a piece of one cut by the head's or tail's edge."""
        out: dict[str, Any] = {"bytes": self.size, "sha256": self.digest.hexdigest(),
                               "head": without_secrets(self.head.decode("utf-8", "replace"), secrets, "head")}
        if self.size > HEAD_BYTES:
            out["tail"] = without_secrets(self.tail.decode("utf-8", "replace"), secrets, "tail")
            out["truncated"] = True
        return out


def without_written_secrets(text: str, argv: list[str], shown: list[str]) -> str:
    """`text` (undo's note, which may quote the command: `kubectl get --token=…`) with each word of `argv`
    that carries a secret replaced by the word as the canonical action shows it."""
    if not text or len(shown) != len(argv):
        return text
    for raw, redacted in sorted(zip(argv, shown, strict=True), key=lambda pair: len(pair[0]), reverse=True):
        if raw != redacted and raw in text:
            text = text.replace(raw, redacted)
    return text


MIN_EDGE_PIECE = 4  # a piece of a secret this long at the cut edge of a head or tail is taken out too


def without_secrets(text: str, secrets: dict[str, str] | None, edge: str) -> str:
    """`text` with every injected value (and each line of an injected file) replaced by `[injected NAME]`."""
    if not secrets:
        return text
    pieces = sorted(((line.strip(), name) for name, value in secrets.items() for line in {value, *value.splitlines()}
                     if len(line.strip()) >= MIN_EDGE_PIECE), key=lambda p: len(p[0]), reverse=True)
    for value, name in pieces:
        if value in text:
            text = text.replace(value, f"[injected {name}]")
    for value, name in pieces:
        # the head ends (or the tail starts) inside a secret: its first (last) characters are there alone
        for size in range(len(value) - 1, MIN_EDGE_PIECE - 1, -1):
            if edge == "head" and text.endswith(value[:size]):
                return text[:-size] + f"[injected {name}]"
            if edge == "tail" and text.startswith(value[-size:]):
                return f"[injected {name}]" + text[size:]
    return text


@dataclass
class Outcome:
    exit_code: int
    duration_s: float
    stdout: Capture
    stderr: Capture


def pump(source: BinaryIO, sink: BinaryIO | None, capture: Capture) -> None:
    """Copy a child's stream to ours as it arrives (read1: whatever is there, no waiting for a full chunk)."""
    read = getattr(source, "read1", source.read)
    while chunk := read(CHUNK):
        capture.add(chunk)
        if sink is not None:
            with suppress(OSError, ValueError):  # our reader went away; the child's result still counts
                sink.write(chunk)
                sink.flush()


def execute(program: str, argv: list[str], cwd: str, env: dict[str, str], out: BinaryIO | None,
            err: BinaryIO | None) -> Outcome:
    """Run exactly `argv` (no shell) as `program` in `cwd`; stream its output; its exit code (128+N for a
    signal, as a shell reports it)."""
    started = time.monotonic()
    try:
        process = subprocess.Popen([argv[0], *argv[1:]], executable=program, cwd=cwd, env=env,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    except OSError as exc:
        raise RunError(f"{program} could not be started in {cwd}: {exc.strerror}", EXIT_NOT_FOUND) from exc
    assert process.stdout is not None and process.stderr is not None
    captured = Capture(), Capture()
    pumps = [threading.Thread(target=pump, args=(process.stdout, out, captured[0]), daemon=True),
             threading.Thread(target=pump, args=(process.stderr, err, captured[1]), daemon=True)]
    for thread in pumps:
        thread.start()
    try:
        code = process.wait()
    except KeyboardInterrupt:
        process.send_signal(signal.SIGINT)
        code = process.wait()
    for thread in pumps:
        thread.join()
    return Outcome(code if code >= 0 else 128 - code, round(time.monotonic() - started, 3), *captured)


# --- one run ---------------------------------------------------------------------------------------------

class Run:
    """One `changegate run`: check, (file or use an approval), keep, inject, execute, record."""

    def __init__(self, request: RunRequest, *, out: BinaryIO | None = None, err: BinaryIO | None = None) -> None:
        self.request = request
        self.out = out if out is not None else sys.stdout.buffer
        self.err = err if err is not None else sys.stderr.buffer
        self.agent = request.agent or request.env.get(AGENT_ENV) or "cli"
        self.policy_path = request.policy or request.env.get(POLICY_ENV) or None
        self.store: Store | None = None
        self.spooled = False  # an allowed run: its records go to the audit spool, not the store
        self.remote = remote_target(request.env)
        self.shown_argv: list[str] = []  # the argv as the canonical action holds it (secrets as digests)

    def say(self, text: str) -> None:
        self.err.write(f"changegate: {text}\n".encode())
        self.err.flush()

    # --- the whole run ---------------------------------------------------------------------------------

    def __call__(self) -> int:
        try:
            return self.run()
        except RunError as exc:
            self.say(str(exc))
            return exc.code
        finally:
            if self.store is not None:
                self.store.dispose()

    def run(self) -> int:
        request = self.request
        if not request.argv:
            raise RunError("give the command to run after --", EXIT_USAGE)
        raw_depth = request.env.get(DEPTH_ENV, "") or "0"
        depth = int(raw_depth) if raw_depth.isdigit() else MAX_DEPTH
        if depth >= MAX_DEPTH:
            raise RunError(f"runs nest {depth} deep: a shim is calling itself; nothing ran", EXIT_NOT_FOUND)
        child_path = path_without_shims(request.env.get("PATH", ""))
        try:
            program = resolve(request.argv[0], child_path).path
        except ShimError as exc:
            raise RunError(str(exc), EXIT_NOT_FOUND) from exc
        judgement = self.judge()
        self.shown_argv = (judgement.canonical or {}).get("argv") or []
        plan = self.plan(judgement, child_path)
        answer = self.decide(plan)
        if answer.decision == "deny":
            self.denied(answer)
            return EXIT_DENY
        if answer.decision == "ask":
            self.pending(answer)
            return EXIT_ASK
        return self.allowed(answer, program, child_path, judgement, plan, depth)

    def judge(self) -> Judgement:
        try:
            policy: Policy = load_policy(self.policy_path)
        except PolicyError as exc:
            raise RunError("the policy cannot be used:\n  " + "\n  ".join(exc.problems), EXIT_USAGE) from exc
        return judge(self.action(), policy)

    def action(self, note: str = "") -> Action:
        request = self.request
        reason = "\n".join(part for part in (request.reason, without_written_secrets(note, request.argv,
                                                                                       self.shown_argv))
                           if part) or None
        return Action(type="shell", argv=list(request.argv), cwd=request.cwd, env=dict(request.env),
                      agent=self.agent, reason=reason)

    def plan(self, judgement: Judgement, child_path: str) -> undo.Plan:
        """What undo would keep: planned when the action asks (the approver reads it) or --keep."""
        if judgement.verdict.decision != "ask" and not self.request.keep:
            return undo.Plan()
        child = credentials.child_environment(self.request.env, path=child_path)
        try:
            return undo.plan(self.request.argv, self.request.cwd, judgement.verdict.effects, undo.Tools(env=child.env))
        finally:
            child.cleanup()

    # --- deciding --------------------------------------------------------------------------------------

    def decide(self, plan: undo.Plan) -> Answer:
        action = self.action(plan.note())
        doc = msgspec.to_builtins(action)
        if self.remote is not None:
            return Answer.from_contract(check_remote(doc, *self.remote, wait=min(self.request.wait, MAX_WAIT_S)))
        return self.decide_locally(doc)

    def decide_locally(self, doc: dict[str, Any]) -> Answer:
        # an allow needs no store (no request to find or use): its records go to the audit spool, which the
        # next reader of the log drains into the chain. Every shim call takes this path, and opening the
        # store costs more than the decision.
        judgement = judge(doc, self.judge_policy())
        if judgement.verdict.decision == "allow":
            answer = Answer.of(judgement.verdict)
            if spool_decision(answer, judgement, via="run"):
                self.spooled = True
                return answer
        # SQLAlchemy, only now that the store is needed (see above)
        from changegate.gate.checkpoint import Checkpoint
        from changegate.service.store import StoreError, open_store

        try:
            self.store = open_store()
        except StoreError as exc:
            verdict = judge(doc, None if self.policy_path is None else self.judge_policy()).verdict
            return store_down(verdict, str(exc))
        checkpoint = Checkpoint(self.store, policy_path=self.policy_path)
        return checkpoint.check(doc, self.identity(), wait=min(self.request.wait, MAX_WAIT_S), peek=True,
                                on_pending=self.announce)

    def judge_policy(self) -> Policy:
        return load_policy(self.policy_path)

    def identity(self) -> Identity:
        return Identity("agent", self.agent, "agent", operator=getpass.getuser(), via="cli")

    def announce(self, request: Request) -> None:
        self.say(f"waiting up to {self.request.wait:.0f} s for approval of {request.id} "
                 f"({request.approvals} of {request.required}); a person approves it with: "
                 f"changegate approvals approve {request.id} --as NAME")

    def denied(self, answer: Answer) -> None:
        self.say(f"denied: {answer.verdict.summary or ' '.join(self.request.argv[:3])} (nothing ran)")
        for reason in answer.reasons:
            self.err.write(f"  why: {reason}\n".encode())
        for suggestion in answer.suggestions:
            self.err.write(f"  instead: {suggestion}\n".encode())

    def pending(self, answer: Answer) -> None:
        request = answer.request or {}
        self.say(f"needs approval: request {request.get('id', '?')} ({request.get('approvals', 0)} of "
                 f"{request.get('required', 1)} approvals, expires {request.get('expires_at', '?')}); nothing ran")
        for reason in answer.reasons:
            self.err.write(f"  why: {reason}\n".encode())
        self.err.write(b"  once approved, run exactly the same command again (or add --wait SECONDS)\n")

    # --- running ---------------------------------------------------------------------------------------

    def allowed(self, answer: Answer, program: str, child_path: str, judgement: Judgement,
                plan: undo.Plan, depth: int) -> int:
        approval = answer.request or None
        request_id = approval["id"] if approval else None
        action_hash = answer.verdict.action_hash
        effects = judgement.verdict.effects
        child = self.child_environment(program, child_path, effects, request_id or action_hash)
        try:
            child.env[DEPTH_ENV] = str(depth + 1)
            tools = undo.Tools(env=child.env)
            snapshot = None
            if (approval or self.request.keep) and not plan.empty:
                snapshot = self.keep(plan, tools, request_id, action_hash)
            if approval and approval.get("status") == "approved" and not self.consume(answer):
                if snapshot is not None:
                    undo.discard(snapshot, tools)
                raise RunError(f"request {request_id} was used by another run a moment ago; nothing ran", EXIT_DENY)
            # the argv as the canonical action holds it: a password written in it is a keyed digest there
            shown_argv = (judgement.canonical or {}).get("argv") or self.request.argv
            started = {"request": request_id, "action_hash": action_hash, "argv": shown_argv,
                       "cwd": self.request.cwd, "program": program, "credentials": child.record(),
                       "snapshot": snapshot.id if snapshot else None}
            self.record("execution.started", started, required=True)
            outcome = execute(program, self.request.argv, self.request.cwd, child.env, self.out, self.err)
            if snapshot is not None:
                undo.settle(snapshot, plan, tools)
            self.record("execution.finished", {
                "request": request_id, "action_hash": action_hash, "exit_code": outcome.exit_code,
                "duration_s": outcome.duration_s, "stdout": outcome.stdout.record(child.secret_values),
                "stderr": outcome.stderr.record(child.secret_values), "snapshot": snapshot.id if snapshot else None})
            if snapshot is not None:
                self.say(f"what it destroyed was kept: undo it with `changegate undo {snapshot.id}`")
            return outcome.exit_code
        finally:
            child.cleanup()

    def child_environment(self, program: str, child_path: str, effects: list[Effect],
                          session: str) -> credentials.ChildEnvironment:
        """The child's environment: the agent's credentials out, the profile for this action in."""
        child = credentials.child_environment(self.request.env, path=child_path)
        try:
            vault = credentials.Vault()
            profile = credentials.choose(vault.profiles(), credentials.Need.of(self.request.argv, effects))
            if profile is not None:
                untrusted = credentials.trusted_program(program)
                if untrusted:
                    raise RunError(f"the credentials of profile {profile.name!r} are not given to {program}: "
                                   f"{untrusted}; nothing ran")
                credentials.inject(child, vault, profile, argv=self.request.argv, effects=effects,
                                   session_name=f"changegate-{session[:40]}")
        except credentials.CredentialError as exc:
            child.cleanup()
            raise RunError(f"{exc}; nothing ran") from exc
        except BaseException:
            child.cleanup()
            raise
        return child

    def keep(self, plan: undo.Plan, tools: undo.Tools, request_id: str | None, action_hash: str) -> undo.Snapshot:
        try:
            return undo.take(plan, argv=self.request.argv, cwd=self.request.cwd, tools=tools,
                             request_id=request_id, action_hash=action_hash, agent=self.agent)
        except undo.UndoError as exc:
            raise RunError(str(exc)) from exc

    def consume(self, answer: Answer) -> bool:
        """Use the approval this run peeked at (locally; the server used it already in remote mode)."""
        if self.remote is not None or self.store is None:
            return True
        from changegate.service.approvals import Approvals  # SQLAlchemy: only with a store open (see record)

        who = self.identity()
        return Approvals(self.store).consume(answer.verdict.action_hash, who.name, who.operator or who.name) is not None

    def record(self, kind: str, data: dict[str, Any], *, required: bool = False) -> None:
        """Append to the audit log. Before the action runs a failure stops it (nothing runs unrecorded); after
        it ran, the failure is reported and the exit code stays the command's."""
        if self.spooled:
            if spool_entry(kind, f"agent:{self.agent}", data):
                return
            if required:
                raise RunError(f"the audit spool in {state_dir_name()} cannot be written; nothing ran")
            self.say(f"could not record {kind} in the audit spool")
            return
        # SQLAlchemy, only for a run that was not spooled (an allowed run records without it)
        from changegate.service.audit import AuditLog
        from changegate.service.store import StoreError, open_store

        try:
            if self.store is None:
                self.store = open_store()
            AuditLog(self.store).record(kind, f"agent:{self.agent}", data)
        except StoreError as exc:
            if required and self.remote is None:
                raise RunError(f"the audit log cannot be written ({exc}); nothing ran") from exc
            self.say(f"could not record {kind} in the local audit log: {exc}")


def store_down(verdict: Verdict, error: str) -> Answer:
    """Without the store nothing is recorded: only reads the policy allows may still run."""
    answer = Answer.of(verdict)
    if answer.decision == "deny" or (answer.decision == "allow" and answer.changes_nothing):
        return answer
    return replace(answer, decision="deny", error=f"store unavailable: {error}", reasons=[
        f"the store is unavailable ({error}): approvals and the audit log need it, so nothing that changes "
        "anything runs", *answer.reasons])


def run(request: RunRequest, *, out: BinaryIO | None = None, err: BinaryIO | None = None) -> int:
    """`changegate run`: the exit code to return (the command's own, or 10 ask, 20 deny, 127 not found)."""
    return Run(request, out=out, err=err)()


# --- shims and undo --------------------------------------------------------------------------------------

def shim_main(args: list[str]) -> int:
    """What a shim execs: `TOOL ARG…` exactly as the agent's shell passed them."""
    if not args:
        sys.stderr.write("changegate: a shim must name its tool\n")
        return EXIT_USAGE
    env = dict(os.environ)
    try:
        wait = max(0.0, min(float(env.get(SHIM_WAIT_ENV, "0") or 0), MAX_WAIT_S))
    except ValueError:
        wait = 0.0
    return run(RunRequest(argv=list(args), cwd=os.getcwd(), env=env, wait=wait))


def gated_step(base: RunRequest) -> Callable[[list[str], str], int]:
    """How undo puts back what lives on another system: each step is an action of its own, checked and run
    by the broker (a restore into prod asks like any other change)."""
    def step(argv: list[str], cwd: str) -> int:
        return run(RunRequest(argv=argv, cwd=cwd, env=base.env, wait=base.wait, policy=base.policy,
                              agent=base.agent, reason=base.reason))
    return step


@contextmanager
def undo_tools(base: RunRequest) -> Iterator[undo.Tools]:
    """The tools `changegate undo` works with: the caller's environment without credentials, for local
    work; the gate for anything else."""
    child = credentials.child_environment(base.env, path=path_without_shims(base.env.get("PATH", "")))
    try:
        yield undo.Tools(env=child.env, gated=gated_step(base))
    finally:
        child.cleanup()
