"""Action -> Effects. Pure: reads the action and the agent's own config files (through `facts`, which on a
server means only the facts the agent's client sent), never the store or network.

`understand()` never raises: whatever cannot be understood comes back as a `not-understood` effect that the
policy answers with ask or deny.

A session (one agent run) carries state from one action to the next (`SessionState`): tunnels an earlier
action opened (local port -> where it leads), tool state it switched (kube context, docker context, AWS
profile, …), variables it exported, the directory it moved to. The caller (gate) keeps it; understanding
takes it in and gives it back with what this action added. Carried state only ever makes a later action
stricter: traffic to a tunnelled port is placed where the tunnel leads; a switch or an export an earlier
action asked for may not have happened (it was denied, or the shell did not keep it), so an action is judged
both with and without it, and the stricter effects count.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from typing import Any, TypeVar

import msgspec

from changegate.environments import Environments, Placement
from changegate.model import Action, Effect, looks_secret, redacted_env
from changegate.understand import facts
from changegate.understand.base import (
    Context,
    NotUnderstood,
    new_context,
    not_understood,
    nothing_outside_the_shell,
)
from changegate.understand.shell import TIME_BUDGET_S, Walker

SESSION_TTL_S = 12 * 3600.0  # a session's state is forgotten this long after its last change
MAX_SESSION_ENTRIES = 64  # tunnels, switches and exports each
MAX_SESSION_VALUE = 1024  # characters of one switched or exported value
MAX_SESSION_BYTES = 32 * 1024  # the whole state, as JSON
EARLIER = "in an earlier action of this agent session, "


class SessionState(msgspec.Struct, kw_only=True, omit_defaults=True):
    """What earlier actions of one agent session left behind that changes where a later one lands."""

    tunnels: dict[str, tuple[str, str]] = msgspec.field(default_factory=dict)  # port -> (environment, why)
    switched: dict[str, str] = msgspec.field(default_factory=dict)  # Context.switched keys -> value
    exported: dict[str, str] = msgspec.field(default_factory=dict)  # variable -> value (never a secret)
    cwd: str | None = None  # the directory an earlier action moved to
    updated_at: float = 0.0

    def empty(self) -> bool:
        return not (self.tunnels or self.switched or self.exported or self.cwd)

    def expired(self, now: float) -> bool:
        return bool(self.updated_at) and now - self.updated_at > SESSION_TTL_S

    def same(self, other: SessionState) -> bool:
        return (self.tunnels, self.switched, self.exported, self.cwd) == (
            other.tunnels, other.switched, other.exported, other.cwd)


class Understanding(msgspec.Struct):
    effects: list[Effect]
    consulted: dict[str, str] = msgspec.field(default_factory=dict)  # env values and config facts it depended on
    session: SessionState | None = None  # the session's state after this action (when one was given)


class _Session(msgspec.Struct):
    """The session state in force while one action is understood: what seeds a context, what it adds."""

    before: SessionState
    seed_changes: bool  # seed switches, exports and cwd (else only tunnels)
    after: SessionState


_session: ContextVar[_Session | None] = ContextVar("changegate_session", default=None)


def understand(action: Action, environments: Environments | None = None,
               session: SessionState | None = None) -> Understanding:
    """The effects of an action. With `session`, the state earlier actions of the session left (tunnels,
    switches, exports) is taken into account, and `Understanding.session` is the state after this one."""
    environments = environments or Environments()
    if session is None or _session.get() is not None:
        reader = facts.reader_for(action.facts)
        if reader is facts.current():
            return understand_once(action, environments)  # (the disk, as before: nothing to put in force)
        with facts.reading(reader):
            return understand_once(action, environments)
    return understand_in_session(action, environments, session)


def understand_once(action: Action, environments: Environments) -> Understanding:
    analyzer = ANALYZERS.get(action.type)
    if analyzer is None:
        return Understanding([not_understood(f"actions of type {action.type!r} are not understood", "unknown-type")])
    try:
        return analyzer(action, environments)
    except NotUnderstood as exc:
        return Understanding([not_understood(exc.reason, exc.tag)])
    except RecursionError:
        return Understanding([not_understood("the action nests too deeply to follow", "too-deep")])
    except Exception as exc:  # an analyzer bug must become ask/deny, never an allow or a traceback
        return Understanding([not_understood(f"the {action.type} analyzer failed ({type(exc).__name__}: {exc})",
                                             "analyzer-error")])


def understand_in_session(action: Action, environments: Environments, session: SessionState) -> Understanding:
    """Judge with the session's state; where it carries switches or exports, judge without them too and
    keep the effects of both (the stricter wins in the decision)."""
    after = msgspec.structs.replace(session, tunnels=dict(session.tunnels), switched=dict(session.switched),
                                    exported=dict(session.exported))
    with _in_session(_Session(session, True, after)):
        seeded = understand(action, environments)
    effects, consulted = list(seeded.effects), dict(seeded.consulted)
    if session.switched or session.exported or session.cwd:
        with _in_session(_Session(session, False, msgspec.structs.replace(after))):
            plain = understand(action, environments)
        seen = set(effects)
        effects.extend(e for e in plain.effects if e not in seen)
        for key, value in plain.consulted.items():
            consulted.setdefault(key, value)
    return Understanding(effects, consulted, bounded(after))


@contextlib.contextmanager
def _in_session(state: _Session) -> Iterator[None]:
    token = _session.set(state)
    try:
        yield
    finally:
        _session.reset(token)


def session_context(cwd: str | None, env: dict[str, str] | None, environments: Environments) -> Context:
    """A new context for an action, seeded with the session's state (tunnels always; switches, exports and
    the directory when this pass of the judgement takes them). Reading a seeded entry binds the action."""
    state = _session.get()
    if state is None:
        return new_context(cwd, env, environments)
    before = state.before
    merged = dict(env or {})
    if state.seed_changes:
        for name, value in before.exported.items():
            merged.setdefault(name, value)
    ctx = new_context(cwd or (before.cwd if state.seed_changes else None), merged, environments)
    ctx.tunnels = Seeded(ctx.consulted, {int(p): Placement(e, w if w.startswith(EARLIER) else EARLIER + w)
                                         for p, (e, w) in before.tunnels.items() if p.isdigit()},
                         "tunnel", lambda placement: f"{placement.environment}: {placement.why}")
    if state.seed_changes:
        ctx.switched = Seeded(ctx.consulted, before.switched, "switched", str)
    return ctx


def record_session(ctx: Context, start_env: dict[str, str], start_cwd: str | None) -> None:
    """Keep what this action leaves behind for the session: tunnels it opened, switches, exports, cwd."""
    state = _session.get()
    if state is None or not state.seed_changes:
        return  # the second pass (without switches) adds nothing new
    after = state.after
    for port, placement in list(ctx.tunnels.items())[:MAX_SESSION_ENTRIES]:
        after.tunnels[str(port)] = (placement.environment, placement.why.removeprefix(EARLIER)[:MAX_SESSION_VALUE])
    for key, value in list(ctx.switched.items())[:MAX_SESSION_ENTRIES]:
        if isinstance(value, str):
            after.switched[key] = value[:MAX_SESSION_VALUE]
    for name, value in ctx.env.items():
        if start_env.get(name) != value and name.isidentifier() and not looks_secret(name) \
                and len(value) <= MAX_SESSION_VALUE and "\x00" not in value:
            after.exported[name] = value
    if ctx.cwd and "\x00" not in ctx.cwd and ctx.cwd != start_cwd:
        after.cwd = ctx.cwd


def bounded(state: SessionState) -> SessionState:
    """The state within its bounds: the newest entries kept."""
    def last(entries: dict[str, Any]) -> dict[str, Any]:
        return dict(list(entries.items())[-MAX_SESSION_ENTRIES:])

    state = msgspec.structs.replace(state, tunnels=last(state.tunnels), switched=last(state.switched),
                                    exported=last(state.exported))
    while len(msgspec.json.encode(state)) > MAX_SESSION_BYTES and (state.exported or state.switched):
        if state.exported:
            state.exported.pop(next(iter(state.exported)))
        else:
            state.switched.pop(next(iter(state.switched)))
    return state


K = TypeVar("K")
V = TypeVar("V")


class Seeded(dict[K, V]):
    """State an earlier action of the session left (tunnels by local port, switched tool state): looking an
    entry up binds the action to it (`session:KIND:KEY` in the consulted facts)."""

    def __init__(self, consulted: dict[str, str], seeded: dict[K, V], kind: str,
                 shown: Callable[[V], str]) -> None:
        super().__init__(seeded)
        self.consulted = consulted
        self.seeded = set(seeded)
        self.kind = kind
        self.shown = shown

    def note(self, key: object) -> None:
        if key in self.seeded and dict.__contains__(self, key):
            self.consulted.setdefault(f"session:{self.kind}:{key}", self.shown(dict.__getitem__(self, key)))

    def __contains__(self, key: object) -> bool:
        self.note(key)
        return dict.__contains__(self, key)

    def __getitem__(self, key: K) -> V:
        self.note(key)
        return dict.__getitem__(self, key)

    def get(self, key: K, default: Any = None) -> Any:
        self.note(key)
        return dict.get(self, key, default)


# --- what a client sends to a server -------------------------------------------------------------------------

CALLER_FACTS = ("mcp_server",)  # facts a caller may give itself (the MCP proxy knows how its upstream starts)


def outgoing_action(doc: dict[str, Any]) -> dict[str, Any]:
    """An action as a client sends it to a server (hooks, CLI, shims, SDK, broker): with the facts its
    understanding reads here (`facts.RecordingReader`: files, listings, plans — bounded, credential values
    digested), and secret-looking variables' values digested. The server decides on action + facts."""
    sent = dict(doc)
    given: dict[str, Any] = doc["facts"] if isinstance(doc.get("facts"), dict) else {}
    sent.pop("facts", None)
    try:
        action = msgspec.convert(sent, Action)
    except msgspec.ValidationError:
        action = None  # the server refuses it and says why; nothing to collect for it
    collected: dict[str, Any] = {}
    if action is not None:
        collected = facts.collect(lambda: understand(action))
    collected.update({k: v for k, v in given.items() if k in CALLER_FACTS})
    if collected:
        sent["facts"] = collected
    if isinstance(sent.get("env"), dict):
        sent["env"] = redacted_env(sent["env"])
    return sent


def understand_shell(action: Action, environments: Environments) -> Understanding:
    text = action.shell_text()
    if "\x00" in text:
        # bash cannot even receive a NUL byte in a command line; whatever sent one is not a shell command
        return Understanding([not_understood("the command contains a NUL byte", "parse-error", text)])
    ctx = session_context(action.cwd, action.env, environments)
    start_env, start_cwd = dict(ctx.env), ctx.cwd
    walker = Walker(deadline=time.thread_time() + TIME_BUDGET_S)
    walker.preloaded(ctx, text, inherited=True)
    walker.run_script(text, ctx)
    record_session(ctx, start_env, start_cwd)
    effects = walker.effects
    if not effects:
        # every command a family reads says what it does (the walker makes sure): nothing ran at all
        effects = [nothing_outside_the_shell()]
    return Understanding(effects, ctx.consulted)


def _lazy(module: str, function: str) -> Callable[[Action, Environments], Understanding]:
    def run(action: Action, environments: Environments) -> Understanding:
        import importlib

        try:
            mod = importlib.import_module(f"changegate.understand.{module}")
        except ModuleNotFoundError as exc:
            if exc.name != f"changegate.understand.{module}":
                raise
            raise NotUnderstood(f"{action.type} actions are not supported by this build", "unsupported") from exc
        result: Understanding = getattr(mod, function)(action, environments)
        return result

    return run


ANALYZERS: dict[str, Callable[[Action, Environments], Understanding]] = {
    "shell": understand_shell,
    "sql": _lazy("sql", "understand_sql_action"),
    "terraform_plan": _lazy("plans", "understand_plan_action"),
    "k8s_manifest": _lazy("plans", "understand_manifest_action"),
    "mcp_tool": _lazy("mcp", "understand_mcp_action"),
    "file_write": _lazy("files", "understand_file_write"),
    "http": _lazy("files", "understand_http"),
}
