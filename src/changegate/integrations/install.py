"""Wire `changegate hook AGENT` into each agent's own configuration, and take it out again.

    changegate install claude-code [--project | --user] [--remote URL] [--dry-run]
    changegate uninstall claude-code [--project | --user]
    changegate doctor

| agent       | project                       | user                                | what is added                     |
|-------------|-------------------------------|-------------------------------------|-----------------------------------|
| claude-code | .claude/settings.json         | ~/.claude/settings.json             | hooks.PreToolUse group            |
| cursor      | .cursor/hooks.json            | ~/.cursor/hooks.json                | beforeShellExecution, beforeMCP…  |
| codex       | .codex/hooks.json             | ~/.codex/hooks.json, or [hooks] in  | hooks.PreToolUse group            |
|             |                               | ~/.codex/config.toml if it has one  |                                   |
| gemini      | .gemini/settings.json         | ~/.gemini/settings.json             | hooks.BeforeTool group            |
| kiro        | .kiro/agents/*.json           | ~/.kiro/agents/*.json               | hooks.preToolUse in every agent   |
|             | (or a new changegate.json)    |                                     | configuration                     |

Installing merges into what is there and never drops a setting: the file is parsed, changegate's own entry
is added (or replaced, if an older one is there), and the file is written in its own indentation (TOML
through tomlkit, comments kept). The first install keeps the original as `FILE.changegate-backup` (empty
when there was no file). Installing twice changes nothing. Uninstalling removes changegate's entries; when
nothing else changed since, it puts the original bytes back exactly (or removes a file install created).
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator, MutableMapping, MutableSequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from changegate.broker.shims import agent_path
from changegate.integrations.hook import AGENT_TIMEOUT_S
from changegate.integrations.hookclient import LAUNCHER, launcher_argv
from changegate.integrations.trust import skipped

BACKUP_SUFFIX = ".changegate-backup"
HOOK_TIMEOUT_S = AGENT_TIMEOUT_S  # the agent's limit; changegate's own watchdog (5 s, at most 8) answers first
OURS = re.compile(r"changegate(?:\.exe)?['\"]?\s+hook\s+(?P<agent>[\w-]+)")
# the light client: `PYTHON -I -S -c '…import hookclient…' DIR AGENT` (or `…/hookclient.py AGENT`), agent last
LIGHT = re.compile(r"hookclient\b.*\s['\"]?(?P<agent>[\w-]+)['\"]?\s*$")
SCOPES = ("project", "user")


class InstallError(Exception):
    """A configuration file that cannot be read or written safely; nothing was changed."""


@dataclass
class Change:
    agent: str
    path: Path
    action: str  # created, updated, unchanged, removed, restored, deleted, absent
    detail: str = ""

    def line(self) -> str:
        return f"{self.agent}: {self.path}: {self.action}" + (f" — {self.detail}" if self.detail else "")


def hook_command(agent: str, remote: str | None = None) -> str:
    """How the agent should start the hook: the light client (hookclient.py) under the Python of this
    installation, by absolute path (an agent's PATH is not the shell's), with the server's URL when remote
    (never the token: that stays in the environment as CHANGEGATE_TOKEN). Where the light client cannot run
    (no Unix sockets), `changegate hook AGENT` of this installation."""
    prefix = f"CHANGEGATE_URL={shlex.quote(remote)} " if remote else ""
    if os.name == "posix" and sys.executable:
        return prefix + " ".join(shlex.quote(word) for word in launcher_argv(agent))
    script = Path(sys.executable).with_name("changegate")
    found = shutil.which("changegate")
    if script.exists():
        base = shlex.quote(str(script))
    elif found:
        base = shlex.quote(str(Path(found).resolve()))
    else:
        base = f"{shlex.quote(sys.executable)} -m changegate"
    return f"{prefix}{base} hook {agent}"


def is_ours(command: Any, agent: str) -> bool:
    if not isinstance(command, str):
        return False
    match = OURS.search(command) or (LIGHT.search(command) if "hookclient" in command else None)
    return bool(match and match.group("agent") in AGENT_ALIASES.get(agent, {agent}))


AGENT_ALIASES = {"claude-code": {"claude-code", "claude"}, "gemini": {"gemini", "gemini-cli"},
                 "kiro": {"kiro", "kiro-cli"}}


# --- the agents' formats -------------------------------------------------------------------------------

class Setup:
    """One agent: where its configuration lives and how a hook is written into it."""

    name = ""
    sets_env = False  # the configuration can set the agent's environment (PATH for the shims)
    files: ClassVar[dict[str, str]] = {}  # scope -> path (relative to the project, or to the home directory)
    scaffold: ClassVar[dict[str, Any]] = {}  # what a new file holds besides the hooks

    def targets(self, scope: str, root: Path, home: Path) -> list[Path]:
        base = root if scope == "project" else home
        return [base / self.files[scope]]

    def add(self, doc: MutableMapping[str, Any], command: str) -> None:
        raise NotImplementedError

    def remove(self, doc: MutableMapping[str, Any]) -> None:
        raise NotImplementedError

    def commands(self, doc: Any) -> list[str]:
        raise NotImplementedError


class MatcherGroups(Setup):
    """The Claude Code format, also Codex's and Gemini's: hooks[EVENT] = [{matcher, hooks: [{type,
    command, timeout}]}]."""

    events: ClassVar[dict[str, str]] = {}  # event -> matcher (the tools changegate judges)
    extra: ClassVar[dict[str, Any]] = {}  # more fields for the hook entry

    def entry(self, command: str) -> dict[str, Any]:
        return {"type": "command", "command": command, **self.extra}

    def add(self, doc: MutableMapping[str, Any], command: str) -> None:
        self.remove(doc)
        hooks = child(doc, "hooks")
        for event, matcher in self.events.items():
            append_to(hooks, event, {"matcher": matcher, "hooks": [self.entry(command)]})

    def remove(self, doc: MutableMapping[str, Any]) -> None:
        hooks = doc.get("hooks")
        if not isinstance(hooks, MutableMapping):
            return
        for event in list(hooks):
            groups = hooks[event]
            if not isinstance(groups, MutableSequence):
                continue
            for group in list(groups):
                inner = group.get("hooks") if isinstance(group, MutableMapping) else None
                if not isinstance(inner, MutableSequence):
                    continue
                for hook in [h for h in inner if isinstance(h, MutableMapping) and is_ours(h.get("command"), self.name)]:
                    inner.remove(hook)
                if not inner:
                    groups.remove(group)

    def commands(self, doc: Any) -> list[str]:
        found: list[str] = []
        hooks = doc.get("hooks") if isinstance(doc, dict) else None
        for groups in (hooks or {}).values() if isinstance(hooks, dict) else ():
            for group in groups if isinstance(groups, list) else ():
                for hook in group.get("hooks", []) if isinstance(group, dict) else ():
                    if isinstance(hook, dict) and is_ours(hook.get("command"), self.name):
                        found.append(hook["command"])
        return found


SHIMS_MARK = "CHANGEGATE_SHIMS"  # beside PATH in the agent's env: says the PATH entry is changegate's


class ClaudeCode(MatcherGroups):
    """Claude Code also takes environment variables for its sessions in settings.json `env`: that is where
    the shim directory goes first on the agent's PATH (`--shims`)."""

    name = "claude-code"
    sets_env = True
    files: ClassVar[dict[str, str]] = {"project": ".claude/settings.json", "user": ".claude/settings.json"}
    events: ClassVar[dict[str, str]] = {"PreToolUse": "Bash|Monitor|PowerShell|Write|Edit|MultiEdit|NotebookEdit|"
                                                      "Read|Grep|WebFetch|mcp__.*"}
    # onFailure: a crashed or timed-out hook blocks instead of letting the call through
    extra: ClassVar[dict[str, Any]] = {"timeout": HOOK_TIMEOUT_S, "onFailure": "block"}


class Codex(MatcherGroups):
    name = "codex"
    files: ClassVar[dict[str, str]] = {"project": ".codex/hooks.json", "user": ".codex/hooks.json"}
    events: ClassVar[dict[str, str]] = {"PreToolUse": "Bash|shell|exec_command|write_stdin|apply_patch|read_file|"
                                                      "mcp__.*"}
    extra: ClassVar[dict[str, Any]] = {"timeout": HOOK_TIMEOUT_S}

    def targets(self, scope: str, root: Path, home: Path) -> list[Path]:
        base = (root if scope == "project" else home) / ".codex"
        toml = base / "config.toml"
        # a config.toml that already has a [hooks] table is where this user keeps hooks: add there
        if toml.exists() and re.search(r"(?m)^\s*\[\[?\s*hooks[\].]", read_text(toml)):
            return [toml]
        return [base / "hooks.json"]


class Gemini(MatcherGroups):
    name = "gemini"
    files: ClassVar[dict[str, str]] = {"project": ".gemini/settings.json", "user": ".gemini/settings.json"}
    # Gemini CLI names MCP tools `mcp_SERVER_TOOL` (0.61.0); `mcp_.*` also covers the older `mcp__` form
    events: ClassVar[dict[str, str]] = {"BeforeTool": "run_shell_command|write_file|replace|read_file|"
                                                      "read_many_files|grep_search|web_fetch|mcp_.*"}
    extra: ClassVar[dict[str, Any]] = {"name": "changegate", "timeout": HOOK_TIMEOUT_S * 1000}  # milliseconds in Gemini CLI


class Cursor(Setup):
    """hooks.json: {"version": 1, "hooks": {EVENT: [{command, …}]}}."""

    name = "cursor"
    files: ClassVar[dict[str, str]] = {"project": ".cursor/hooks.json", "user": ".cursor/hooks.json"}
    events: ClassVar[dict[str, str | None]] = {
        "beforeShellExecution": None,
        "beforeMCPExecution": None,
        "beforeReadFile": None,
        "preToolUse": "Write|Edit|MultiEdit|Delete|StrReplace",  # file edits (shell and MCP are above)
    }

    scaffold: ClassVar[dict[str, Any]] = {"version": 1}

    def add(self, doc: MutableMapping[str, Any], command: str) -> None:
        self.remove(doc)
        doc.setdefault("version", 1)
        hooks = child(doc, "hooks")
        for event, matcher in self.events.items():
            entry: dict[str, Any] = {"command": command, "failClosed": True}
            if matcher:
                entry["matcher"] = matcher
            append_to(hooks, event, entry)

    def remove(self, doc: MutableMapping[str, Any]) -> None:
        remove_flat(doc, self.name)

    def commands(self, doc: Any) -> list[str]:
        return flat_commands(doc, self.name)


class Kiro(Setup):
    """Agent configurations (.kiro/agents/NAME.json): hooks.preToolUse = [{matcher, command, timeout_ms}].
    Hooks belong to an agent configuration, so every configuration in the directory gets one; with none
    there, a `changegate` agent is created (use it with `kiro-cli chat --agent changegate`)."""

    name = "kiro"
    files: ClassVar[dict[str, str]] = {"project": ".kiro/agents", "user": ".kiro/agents"}
    scaffold: ClassVar[dict[str, Any]] = {
        "name": "changegate", "description": "Kiro's tools, every call checked by changegate first", "tools": ["*"]}

    def targets(self, scope: str, root: Path, home: Path) -> list[Path]:
        directory = (root if scope == "project" else home) / self.files[scope]
        existing = sorted(p for p in directory.glob("*.json") if p.is_file())[:64] if directory.is_dir() else []
        return existing or [directory / "changegate.json"]

    def add(self, doc: MutableMapping[str, Any], command: str) -> None:
        self.remove(doc)
        if not doc:
            doc.update(self.scaffold)
        append_to(child(doc, "hooks"), "preToolUse",
                  {"matcher": "*", "command": command, "timeout_ms": HOOK_TIMEOUT_S * 1000})

    def remove(self, doc: MutableMapping[str, Any]) -> None:
        remove_flat(doc, self.name)

    def commands(self, doc: Any) -> list[str]:
        return flat_commands(doc, self.name)


def remove_flat(doc: MutableMapping[str, Any], agent: str) -> None:
    """Cursor's and Kiro's shape: hooks[EVENT] = [{command, …}]."""
    hooks = doc.get("hooks")
    if not isinstance(hooks, MutableMapping):
        return
    for entries in hooks.values():
        if isinstance(entries, MutableSequence):
            for entry in [e for e in entries if isinstance(e, MutableMapping) and is_ours(e.get("command"), agent)]:
                entries.remove(entry)


def flat_commands(doc: Any, agent: str) -> list[str]:
    hooks = doc.get("hooks") if isinstance(doc, dict) else None
    return [e["command"] for entries in (hooks.values() if isinstance(hooks, dict) else ())
            if isinstance(entries, list) for e in entries
            if isinstance(e, dict) and is_ours(e.get("command"), agent)]


AGENTS: dict[str, Setup] = {setup.name: setup for setup in (ClaudeCode(), Cursor(), Codex(), Gemini(), Kiro())}
ALIASES = {"claude": "claude-code", "gemini-cli": "gemini", "kiro-cli": "kiro"}


def setup_for(agent: str) -> Setup:
    name = ALIASES.get(agent.lower(), agent.lower())
    if name not in AGENTS:
        raise InstallError(f"unknown agent {agent!r}; expected one of {', '.join(AGENTS)}")
    return AGENTS[name]


def append_to(hooks: MutableMapping[str, Any], event: str, entry: dict[str, Any]) -> None:
    entries = hooks.get(event)
    if entries is None:
        hooks[event] = [entry]  # assigned whole: tomlkit turns a list of tables into [[hooks.EVENT]]
        return
    if not isinstance(entries, MutableSequence):
        raise InstallError(f"hooks.{event} is not a list")
    entries.append(entry)


def child(doc: MutableMapping[str, Any], key: str) -> MutableMapping[str, Any]:
    value = doc.get(key)
    if value is None:
        doc[key] = {}
        value = doc[key]
    if not isinstance(value, MutableMapping):
        raise InstallError(f"`{key}` is not an object")
    return value


# --- reading and writing the files, keeping what is there ------------------------------------------------

class Document:
    """A configuration file: its exact bytes, its parsed form, and how to write it back in its own style."""

    def __init__(self, path: Path, *, toml: bool | None = None) -> None:
        self.path = path
        self.exists = path.exists()
        self.text = read_text(path) if self.exists else ""
        self.toml = path.suffix == ".toml" if toml is None else toml
        self.data: MutableMapping[str, Any] = self.parse(self.text)

    def parse(self, text: str) -> MutableMapping[str, Any]:
        if not text.strip():
            return {}
        if self.toml:
            import tomlkit

            try:
                return tomlkit.parse(text)
            except Exception as exc:  # tomlkit raises its own ParseError family
                raise InstallError(f"{self.path} is not valid TOML ({exc}); fix it first") from None
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise InstallError(f"{self.path} is not valid JSON ({exc}); fix it first") from None
        if not isinstance(data, dict):
            raise InstallError(f"{self.path} holds JSON but not an object")
        return data

    def render(self) -> str:
        if self.toml:
            import tomlkit

            return tomlkit.dumps(self.data)
        return json.dumps(self.data, indent=indent_of(self.text), ensure_ascii=False) + (
            "\n" if self.text.endswith("\n") or not self.exists else "")

    def plain(self) -> Any:
        """The parsed content as plain values (for comparing)."""
        unwrap = getattr(self.data, "unwrap", None)
        return unwrap() if callable(unwrap) else json.loads(json.dumps(self.data))


def read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InstallError(f"cannot read {path}: {exc}") from None


def indent_of(text: str) -> int | str:
    """The indentation a JSON file uses (2 when it says nothing)."""
    for line in text.splitlines()[1:50]:
        stripped = line.lstrip(" \t")
        if stripped and len(stripped) < len(line):
            lead = line[: len(line) - len(stripped)]
            return "\t" if lead.startswith("\t") else len(lead)
    return 2


def write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    mode = path.stat().st_mode & 0o777 if path.exists() else 0o644
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.replace(temporary, path)


def backup_path(path: Path) -> Path:
    return path.with_name(path.name + BACKUP_SUFFIX)


def pruned(value: Any) -> Any:
    """Without empty objects and lists (install may have created them): for comparing documents."""
    if isinstance(value, dict):
        kept = {k: pruned(v) for k, v in value.items()}
        return {k: v for k, v in kept.items() if v not in ({}, [])}
    if isinstance(value, list):
        return [pruned(v) for v in value]
    return value


# --- install, uninstall, doctor ------------------------------------------------------------------------------

def put_shims_first(doc: MutableMapping[str, Any], shim_dir: Path) -> str:
    """The agent's PATH with changegate's shims first (`changegate shims install DIR`), marked as ours."""
    env = child(doc, "env")
    env["PATH"] = agent_path(shim_dir)
    env[SHIMS_MARK] = str(shim_dir.resolve())
    return f"; PATH starts with the shims in {shim_dir}"


def remove_shims(doc: MutableMapping[str, Any]) -> None:
    env = doc.get("env")
    if isinstance(env, MutableMapping) and SHIMS_MARK in env:
        env.pop(SHIMS_MARK, None)
        env.pop("PATH", None)
        if not env:
            doc.pop("env", None)


def install(agent: str, scope: str = "project", *, root: Path | None = None, home: Path | None = None,
            remote: str | None = None, dry_run: bool = False, command: str | None = None,
            shims: Path | None = None) -> list[Change]:
    setup = setup_for(agent)
    if shims is not None and not setup.sets_env:
        raise InstallError(f"{setup.name}'s configuration cannot set its PATH: start {setup.name} with "
                           f"PATH=\"{shims}:$PATH\" instead")
    root, home = root or Path.cwd(), home or Path.home()
    command = command or hook_command(setup.name, remote)
    changes: list[Change] = []
    for path in setup.targets(scope, root, home):
        document = Document(path)
        present = setup.commands(document.plain())
        if present and set(present) == {command} and len(present) == len(events_of(setup)) and shims is None:
            changes.append(Change(setup.name, path, "unchanged", "changegate's hook is already there"))
            continue
        setup.add(document.data, command)
        detail = ("replaced an older changegate hook with " if present else "added ") + \
            f"`{command}` on {', '.join(events_of(setup))}"
        if shims is not None:
            detail += put_shims_first(document.data, shims)
        if not dry_run:
            backup = backup_path(path)
            if not backup.exists():
                write_atomically(backup, document.text if document.exists else "")
                detail += f"; the original is kept in {backup.name}"
            write_atomically(path, document.render())
        changes.append(Change(setup.name, path, "updated" if document.exists else "created", detail))
    return changes


def events_of(setup: Setup) -> list[str]:
    if isinstance(setup, MatcherGroups | Cursor):
        return list(setup.events)
    return ["preToolUse"]


def uninstall(agent: str, scope: str = "project", *, root: Path | None = None, home: Path | None = None,
              dry_run: bool = False) -> list[Change]:
    setup = setup_for(agent)
    root, home = root or Path.cwd(), home or Path.home()
    changes: list[Change] = []
    for path in setup.targets(scope, root, home):
        if not path.exists():
            changes.append(Change(setup.name, path, "absent", "no configuration here"))
            continue
        document = Document(path)
        if not setup.commands(document.plain()):
            changes.append(Change(setup.name, path, "unchanged", "changegate's hook is not there"))
            continue
        setup.remove(document.data)
        if setup.sets_env:
            remove_shims(document.data)
        backup = backup_path(path)
        original = read_text(backup) if backup.exists() else None
        action, text = "removed", document.render()
        if original is not None:
            saved = Document(backup, toml=document.toml)
            saved_plain = pruned(saved.plain() if original.strip() else setup.scaffold)
            if pruned(document.plain()) == saved_plain:
                # nothing else changed since install: put back exactly what was there
                action, text = ("deleted", "") if not original.strip() else ("restored", original)
        if not dry_run:
            if action == "deleted":
                path.unlink()
            else:
                write_atomically(path, text)
            if backup.exists() and action in ("restored", "deleted"):
                backup.unlink()
        detail = {"restored": "the original file is back, byte for byte",
                  "deleted": "install had created it",
                  "removed": "changegate's entries removed; the rest of the file is kept"}[action]
        changes.append(Change(setup.name, path, action, detail))
    return changes


@dataclass
class Wiring:
    agent: str
    scope: str
    path: Path
    commands: list[str]
    problems: list[str]
    self_test: str = ""
    inactive: list[str] = field(default_factory=list)  # why the agent would skip this hook (its trust rules)


def doctor(root: Path | None = None, home: Path | None = None, *, self_test: bool = True) -> list[Wiring]:
    """Which agents are wired (per scope), whether their hook command resolves and answers, and whether the
    agent would run it at all (its trust rules, read from its own state: see trust.py)."""
    root, home = root or Path.cwd(), home or Path.home()
    found: list[Wiring] = []
    for setup in AGENTS.values():
        for scope in SCOPES:
            for path in setup.targets(scope, root, home):
                if not path.exists():
                    continue
                try:
                    commands = setup.commands(Document(path).plain())
                except InstallError as exc:
                    found.append(Wiring(setup.name, scope, path, [], [str(exc)]))
                    continue
                if not commands:
                    continue
                problems = [p for c in dict.fromkeys(commands) for p in command_problems(c)]
                wiring = Wiring(setup.name, scope, path, list(dict.fromkeys(commands)), problems,
                                inactive=skipped(setup.name, scope, path, root, home))
                if self_test and not problems:
                    wiring.self_test = run_self_test(setup.name, wiring.commands[0], root)
                found.append(wiring)
    return found


def command_problems(command: str) -> list[str]:
    try:
        words = shlex.split(command)
    except ValueError as exc:
        return [f"the hook command cannot be split ({exc})"]
    words = [w for w in words if not re.match(r"^[A-Z_][A-Z0-9_]*=", w)]  # VAR=value prefixes
    if not words:
        return ["the hook command is empty"]
    program = words[0]
    resolved = program if "/" in program else shutil.which(program)
    if not resolved or not os.access(resolved, os.X_OK):
        return [f"{program} is not an executable (the agent would fail to start the hook, and most agents "
                "then let the call through)"]
    if LAUNCHER in words:  # the light client imports hookclient from the directory after its code
        where = words[words.index(LAUNCHER) + 1:words.index(LAUNCHER) + 2]
        if not where or not os.path.isfile(os.path.join(where[0], "hookclient.py")):
            return [f"{where[0] if where else 'the hook command'} has no hookclient.py (changegate moved or "
                    "was removed: the hook would fail, and most agents then let the call through); run "
                    "`changegate install` again"]
    return []


SELF_TEST: dict[str, dict[str, Any]] = {
    "claude-code": {"hook_event_name": "PreToolUse", "tool_name": "Bash", "tool_input": {"command": "rm -rf /"}},
    "codex": {"hook_event_name": "PreToolUse", "tool_name": "Bash", "tool_input": {"command": "rm -rf /"}},
    "cursor": {"hook_event_name": "beforeShellExecution", "command": "rm -rf /"},
    "gemini": {"hook_event_name": "BeforeTool", "tool_name": "run_shell_command",
               "tool_input": {"command": "rm -rf /"}},
    "kiro": {"hook_event_name": "preToolUse", "tool_name": "execute_bash", "tool_input": {"command": "rm -rf /"}},
}


def run_self_test(agent: str, command: str, root: Path) -> str:
    """Start the hook as the agent would, with `rm -rf /`: it must answer deny in the agent's format."""
    payload = {**SELF_TEST[agent], "cwd": str(root), "session_id": "changegate-doctor"}
    started = time.perf_counter()
    try:
        result = subprocess.run(["/bin/sh", "-c", command], input=json.dumps(payload).encode(), capture_output=True,
                                timeout=HOOK_TIMEOUT_S, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"FAILED: the hook did not answer ({exc})"
    elapsed = (time.perf_counter() - started) * 1000
    if blocked(agent, result.returncode, result.stdout):
        return f"ok: `rm -rf /` is denied ({elapsed:.0f} ms)"
    return (f"FAILED: `rm -rf /` was not denied (exit {result.returncode}: "
            f"{(result.stdout or result.stderr).decode(errors='replace')[:200]})")


def blocked(agent: str, code: int, stdout: bytes) -> bool:
    if agent == "kiro":
        return code == 2
    try:
        doc = json.loads(stdout) if stdout.strip() else {}
    except ValueError:
        return False
    if agent == "cursor":
        return bool(doc.get("permission") == "deny")
    if agent == "gemini":
        return bool(doc.get("decision") == "deny") or code == 2
    decision = (doc.get("hookSpecificOutput") or {}).get("permissionDecision")
    return decision == "deny" or (agent == "claude-code" and code == 2)


def describe(wirings: list[Wiring]) -> Iterator[str]:
    if not wirings:
        yield "no agent is wired to changegate here (try `changegate install claude-code`)"
    for w in wirings:
        yield f"{w.agent} ({w.scope}): {w.path}"
        for command in w.commands:
            yield f"    hook: {command}"
        for problem in w.problems:
            yield f"    PROBLEM: {problem}"
        if w.self_test:
            yield f"    self-test: {w.self_test}"
        for reason in w.inactive:
            yield f"    NOT ACTIVE: {reason}"
