"""Whether a word of a command names changegate itself — the one question every family that can stop,
remove, rewire or weaken the gate asks (kill/pkill, systemctl, docker, rm/mv/chmod/ln, pip uninstall, …).

`gate_target(text, ctx)` answers for a name or a path: its program (`~/.local/bin/changegate`,
`.venv/bin/changegate`), the virtual environment or package it is installed in, its state directory
(`$CHANGEGATE_STATE_DIR`, `$XDG_STATE_HOME/changegate`, `~/.local/state/changegate`), its configuration
directory and policy file, an agent settings file that holds its hook (`.claude/settings.json`,
`.gemini/settings.json`, `.codex/config.toml`, `.codex/hooks.json`, `.cursor/hooks.json`, `.kiro/agents/*.json`)
or a directory holding one of these; a service unit, container or package called changegate
(`changegate.service`, `changegate-server`, `changegate==1.2`). With `pattern=True` the text is a process
pattern (`pkill -f PATTERN`, `pgrep`, `killall -r`) and the answer says whether it matches the gate's
processes (`chang.gate`, `gate serve`, `python -m changegate`).

It returns what it names, in words, or None. Callers emit their own effect with the tag `gate-tampering`.
"""

from __future__ import annotations

import os
import posixpath
import re
import sys
from typing import TYPE_CHECKING

from changegate.environments import UNKNOWN, is_within
from changegate.model import Effect
from changegate.understand.facts import exists, is_dir, is_file, list_dir, read_config

if TYPE_CHECKING:
    from changegate.understand.base import Context

TAMPERING = "gate-tampering"
SELF_APPROVAL = "self-approval"
NAME = re.compile(r"(?<![a-z0-9])changegate(?![a-z0-9])")
# what the gate's processes look like in `ps -o args`: a pattern that matches one of these stops the gate
PROCESS_LINES = (
    "changegate hook claude-code", "changegate serve --port 8787", "changegate mcp-proxy --name x",
    "python3 -m changegate serve", "/home/user/.venv/bin/python3 /home/user/.venv/bin/changegate serve",
    "/home/user/.local/bin/changegate daemon",
)
# agent settings files that hold the gate's hook (see integrations/install.py), relative to a project or home
HOOK_FILES = (".claude/settings.json", ".claude/settings.local.json", ".gemini/settings.json",
              ".codex/config.toml", ".codex/hooks.json", ".cursor/hooks.json", ".kiro/agents")
HOOK_TOPS = frozenset(relative.split("/", 1)[0] for relative in HOOK_FILES)
NESTED_QUANTIFIER = re.compile(r"[*+}?]\)[*+{?]")
MAX_KIRO_AGENTS = 32
# this copy of changegate: src/changegate, or site-packages/changegate (understand/ -> it)
PACKAGE = posixpath.dirname(posixpath.dirname(posixpath.abspath(__file__)))


def gate_target(text: str, ctx: Context | None = None, *, pattern: bool = False) -> str | None:
    """What of changegate `text` names (see the module's docstring); None when it names none of it."""
    value = text.strip().strip("'\"")
    if not value:
        return None
    if pattern:
        return gate_process(value)
    if value.startswith(("/", "~", ".")) or "/" in value:
        found = gate_path(value, ctx)
        if found:
            return found
    if NAME.search(value.lower()):
        return f"{value} is changegate (its program, service, container or package)"
    return None


# The gate's approval API and pages: a vote on a request (`POST /v1/requests/ID/approve`, the form's
# `/requests/ID/approve`) is one anywhere (no other API spells it so); its administration paths only where
# the gate answers (CHANGEGATE_URL's host, a host named changegate, or its default port on this machine).
VOTE_PATH = re.compile(r"(?i)^/+(?:api/+)?(?:v1/+)?requests/+[^/]+/+(?:approve|deny|vote|votes)/*$")
ADMIN_PATH = re.compile(r"(?i)^/+(?:api/+)?(?:v1/+)?(?:admin/+)?(?:users|tokens|credentials|access|breakglass|"
                        r"break-glass|trust|freeze|policy)(?:/|$)")
DEFAULT_PORT = 8787
LOCAL_NAMES = frozenset({"localhost", "127.0.0.1", "::1", "0.0.0.0", "[::1]"})


def gate_endpoint(host: str, port: int | None, path: str, env: dict[str, str]) -> str | None:
    """Whether a changing request to host:port/path votes on or administers the gate; what, in words."""
    if VOTE_PATH.match(path):
        return f"{path} votes on one of changegate's approval requests"
    if not ADMIN_PATH.match(path):
        return None
    gate_url = env.get("CHANGEGATE_URL", "")
    gate_host = gate_url.split("://", 1)[-1].split("/", 1)[0].rsplit("@", 1)[-1].lower()
    where = f"{host}:{port}" if port else host
    if (gate_host and (where == gate_host or host == gate_host)) or NAME.search(host) or (
            host in LOCAL_NAMES and port == DEFAULT_PORT):
        return f"{path} administers changegate (users, tokens, credentials or policy)"
    return None


# The gate's own settings (`CHANGEGATE_POLICY`, `_STATE_DIR`, `_URL`, `_TOKEN`, `_DATABASE_URL`, `_AGENT`, …):
# an agent that sets, changes or unsets one points `changegate run`, its shims and its hook at a policy, store,
# server or identity of its choosing. How long a shim waits for an approval changes nothing it decides.
GATE_SETTING_PREFIX = "CHANGEGATE_"
HARMLESS_SETTINGS = frozenset({"CHANGEGATE_SHIM_WAIT"})


def gate_settings_changed(before: dict[str, str], after: dict[str, str]) -> list[str]:
    """The gate's settings whose value differs between two environments (set, changed or unset)."""
    names = {n for n in (*before, *after) if n.startswith(GATE_SETTING_PREFIX) and n not in HARMLESS_SETTINGS}
    return sorted(n for n in names if before.get(n) != after.get(n))


def settings_tampering(names: list[str], evidence: str) -> Effect:
    """The effect of an agent changing the gate's own settings in its shell."""
    shown = ", ".join(names[:4])
    return Effect(operation="modify", resource=f"changegate:settings/{names[0]}", environment=UNKNOWN,
                  why_environment="the gate every action of this agent goes through", reversible="unknown",
                  kind="changegate", family="shell", evidence=evidence[:200], tags=(TAMPERING,),
                  summary=f"changes changegate's own settings ({shown}): it points the gate at a policy, store, "
                          "server or identity the agent chose",
                  suggestions=("ask a person to change the gate's setup; an agent cannot",))


def gate_process(expression: str) -> str | None:
    """Whether a process pattern matches one of the gate's processes."""
    lowered = expression.lower()
    if NAME.search(lowered):
        return f"the pattern {expression!r} names changegate's processes"
    if NESTED_QUANTIFIER.search(expression):
        pieces = [p for p in re.split(r"[^a-z0-9 _/-]+", lowered) if p]
        matched = bool(pieces) and any(all(p in line for p in pieces) for line in PROCESS_LINES)
    else:
        try:
            compiled = re.compile(expression, re.IGNORECASE)
        except re.error:
            compiled = re.compile(re.escape(expression), re.IGNORECASE)
        matched = any(compiled.search(line) for line in PROCESS_LINES)
    return f"the pattern {expression!r} also matches changegate's processes" if matched else None


def gate_path(raw: str, ctx: Context | None, *, ancestors: bool = True) -> str | None:
    """What of the gate a path is (or holds). `ancestors`: a directory above the gate's own counts too —
    deleting, replacing or re-permissioning it takes the gate's along; creating something in it does not."""
    path = ctx.resolve(raw) if ctx is not None else posixpath.normpath(os.path.expanduser(raw))
    if path is None:
        return None
    if ctx is not None:
        path = ctx.through_links(path)
    home = ctx.home if ctx is not None else os.path.expanduser("~")
    own = gate_directories(ctx, home)
    if own.may_hold(path, ancestors=ancestors):
        for directory, what in own.entries:
            if is_within(path, directory) or (ancestors and is_within(directory, path) and path not in ("/", home)):
                return f"{path} holds {what} ({directory})"
    if posixpath.basename(path.rstrip("/")) == "changegate":
        return f"{path} is changegate's program"
    if exists(posixpath.join(path, "bin", "changegate")):
        return f"{path} is a virtual environment changegate is installed in"
    venv = gate_venv_above(path)
    if venv is not None:
        return f"{path} is inside {venv}, a virtual environment changegate is installed in"
    return hook_file(path, ctx, home, ancestors=ancestors)


VENV_PARTS = ("/site-packages/", "/dist-packages/", "/bin/", "/lib", "/pyvenv.cfg", "venv")
MAX_VENV_DEPTH = 8


def gate_venv_above(path: str) -> str | None:
    """The virtual environment with changegate in it that `path` is inside (its packages, its bin, its
    config): editing one changes the gate's own code or what its program runs. Only paths shaped like a
    venv's are looked up (a few stats each)."""
    if not any(part in path for part in VENV_PARTS):
        return None
    directory = posixpath.dirname(path)
    for _ in range(MAX_VENV_DEPTH):
        if directory in ("", "/"):
            return None
        if is_file(posixpath.join(directory, "pyvenv.cfg")):
            return directory if exists(posixpath.join(directory, "bin", "changegate")) else None
        directory = posixpath.dirname(directory)
    return None


GATE_SETTINGS = ("CHANGEGATE_STATE_DIR", "XDG_STATE_HOME", "XDG_CONFIG_HOME", "CHANGEGATE_POLICY")


class GateDirectories:
    """The gate's own directories with what each holds, and the question every path a command changes asks of
    them — is it one of them, inside one, or (`ancestors`) above one — in a few calls into C, before the
    directory-by-directory answer that names which."""

    def __init__(self, entries: tuple[tuple[str, str], ...]) -> None:
        self.entries = entries
        own = [directory.rstrip("/") or "/" for directory, _ in entries]
        self.exactly = frozenset(own)
        self.inside = tuple(directory.rstrip("/") + "/" for directory in own)
        above: set[str] = set()
        for directory in own:
            parent = posixpath.dirname(directory)
            while parent not in above and parent != directory:
                above.add(parent)
                directory, parent = parent, posixpath.dirname(parent)
        self.above = frozenset(above)

    def may_hold(self, path: str, *, ancestors: bool) -> bool:
        """False where the path is none of the directories, in none and (with `ancestors`) above none."""
        path = path.rstrip("/") or "/"
        return path in self.exactly or path.startswith(self.inside) or (ancestors and path in self.above)


_DIRECTORIES: dict[tuple[str | None, ...], GateDirectories] = {}  # a handful: one per setup


def gate_directories(ctx: Context | None, home: str | None) -> GateDirectories:
    """The gate's own directories: state, configuration, policy, and where this copy of it is installed.
    Worked out once per value of the variables that name them (every path a command changes asks)."""
    env = ctx.env if ctx is not None else os.environ
    settings = (env.get(GATE_SETTINGS[0]), env.get(GATE_SETTINGS[1]), env.get(GATE_SETTINGS[2]),
                env.get(GATE_SETTINGS[3]), home)
    found = _DIRECTORIES.get(settings)
    if found is None:
        if len(_DIRECTORIES) > 64:
            _DIRECTORIES.clear()
        found = _DIRECTORIES[settings] = GateDirectories(_worked_out(*settings))
    return found


def _worked_out(state: str | None, xdg_state: str | None, xdg_config: str | None, policy: str | None,
                home: str | None) -> tuple[tuple[str, str], ...]:
    found: list[tuple[str, str]] = []
    xdg_state = xdg_state or (posixpath.join(home, ".local", "state") if home else None)
    for directory in (state, posixpath.join(xdg_state, "changegate") if xdg_state else None):
        if directory:
            found.append((normal(directory, home), "changegate's state (approvals, audit log, spool)"))
    xdg_config = xdg_config or (posixpath.join(home, ".config") if home else None)
    if xdg_config:
        found.append((posixpath.join(normal(xdg_config, home), "changegate"), "changegate's configuration"))
    if policy:
        found.append((normal(policy, home), "changegate's policy"))
    found.append((PACKAGE, "changegate's installation"))
    if sys.prefix != sys.base_prefix:
        found.append((sys.prefix, "the virtual environment changegate runs from"))
    return tuple(found)


def normal(path: str, home: str | None) -> str:
    if home and (path == "~" or path.startswith("~/")):
        path = home + path[1:]
    return posixpath.normpath(path)


def hook_file(path: str, ctx: Context | None, home: str | None, *, ancestors: bool = True) -> str | None:
    """An agent settings file (or, with `ancestors`, a directory holding one) whose content wires the gate's
    hook."""
    roots = dict.fromkeys(r for r in ((ctx.cwd if ctx else None), (ctx.workspace if ctx else None), home) if r)
    # the question every changed path asks, answered at once for most: a path that is or is in a settings
    # file names an agent's settings directory; one that holds one (`ancestors`) is a root or above one
    if HOOK_TOPS.isdisjoint(path.split("/")) and not (ancestors and any(is_within(r, path) for r in roots)):
        return None
    for root in roots:
        if path in ("/", home, root):
            continue
        if is_within(path, root):
            top = path[len(root.rstrip("/")) + 1:].split("/", 1)[0]
            if top not in HOOK_TOPS:
                continue  # under root, but in none of the agents' settings directories
        elif not (ancestors and is_within(root, path)):
            continue  # every candidate lies under root: a path beside it neither holds nor is one
        for relative in HOOK_FILES:
            candidate = posixpath.join(root, relative)
            holds = ancestors and is_within(candidate, path)
            if not (holds or is_within(path, candidate)) or path in ("/", home, root):
                continue
            if wires_gate(candidate if is_within(candidate, path) else path):
                return f"{path} holds the hook that sends this agent's actions to changegate ({candidate})"
    return None


def wires_gate(path: str) -> bool:
    """Whether a settings file, or any agent file in a directory, mentions the gate."""
    if is_dir(path):
        names = (list_dir(path) or [])[:MAX_KIRO_AGENTS]
        return any(wires_gate(posixpath.join(path, n)) for n in names if n.endswith((".json", ".toml")))
    text = read_config(path)
    return text is not None and NAME.search(text.lower()) is not None
