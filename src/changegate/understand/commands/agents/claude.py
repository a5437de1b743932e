"""claude (Claude Code): `claude [OPTIONS] [PROMPT]`, `claude -p PROMPT`, and its subcommands (mcp, config,
doctor, update, …).

Its approvals are off with `--dangerously-skip-permissions`, `--permission-mode bypassPermissions`
(as an option, in `--settings`, or as `permissions.defaultMode` in a settings file it reads), or when every
shell command is allowed up front (`--allowedTools Bash`). Hooks in inline `--settings` are commands it
runs: they are judged as such.
"""

from __future__ import annotations

import json
from typing import Any, ClassVar

from changegate.model import Effect
from changegate.understand.base import Invocation
from changegate.understand.cli import Options
from changegate.understand.commands.agents.common import AgentCli, Approvals, read_json, settings_paths

SETTINGS_FILES = (".claude/settings.local.json", ".claude/settings.json")
UNRESTRICTED_SHELL = frozenset({"bash", "bash(*)", "bash(:*)", "*"})
MAX_HOOKS = 16


def tool_names(values: list[str]) -> list[str]:
    """`--allowedTools "Bash(git log:*) Edit"` and `--allowedTools Bash,Read`: one entry per tool."""
    names: list[str] = []
    for value in values:
        for part in value.replace(",", " ").split():
            names.append(part.strip().lower())
    return names


def bypass_in(settings: Any) -> bool:
    if not isinstance(settings, dict):
        return False
    permissions = settings.get("permissions")
    mode = permissions.get("defaultMode") if isinstance(permissions, dict) else None
    return mode == "bypassPermissions"


def hook_commands(settings: Any) -> list[str]:
    """The shell commands in a settings object's `hooks` (EVENT -> [{matcher, hooks: [{command}]}])."""
    hooks = settings.get("hooks") if isinstance(settings, dict) else None
    commands: list[str] = []
    if not isinstance(hooks, dict):
        return commands
    for groups in hooks.values():
        for group in groups if isinstance(groups, list) else []:
            entries = group.get("hooks", []) if isinstance(group, dict) else []
            for entry in entries if isinstance(entries, list) else []:
                if isinstance(entry, dict) and isinstance(entry.get("command"), str):
                    commands.append(entry["command"])
    return commands[:MAX_HOOKS]


class Claude(AgentCli):
    NAMES = ("claude", "claude-code")
    ENV_VARIABLES = ("ANTHROPIC_API_KEY", "CLAUDE_CONFIG_DIR", "ANTHROPIC_BASE_URL")
    VALUE_OPTIONS = frozenset({
        "--output-format", "--input-format", "--model", "--fallback-model", "--permission-mode",
        "--allowedTools", "--allowed-tools", "--disallowedTools", "--disallowed-tools", "--tools", "--add-dir",
        "--append-system-prompt", "--system-prompt", "--system-prompt-file", "--append-system-prompt-file",
        "--mcp-config", "--settings", "--setting-sources", "--session-id", "--max-turns",
        "--permission-prompt-tool", "--agents", "--agent", "--betas", "--plugin-dir", "--max-budget-usd",
        "--json-schema",
    })
    APPROVALS_OFF_FLAGS = frozenset({"--dangerously-skip-permissions"})
    APPROVAL_MODES: ClassVar[dict[str, dict[str, bool]]] = {
        "--permission-mode": {"default": True, "acceptEdits": True, "plan": True, "dontAsk": True, "auto": True,
                              "bypassPermissions": False},
    }

    def approvals(self, inv: Invocation, opts: Options) -> Approvals:
        shell = [t for t in tool_names(opts.values("--allowedTools", "--allowed-tools")) if t in UNRESTRICTED_SHELL]
        if shell and opts.value("--permission-mode") != "plan":
            return Approvals(False, f"--allowedTools {shell[0]} lets it run any shell command without asking")
        return super().approvals(inv, opts)

    def configured(self, inv: Invocation, opts: Options) -> Approvals | None:
        for value in opts.values("--settings"):
            if bypass_in(self.inline_or_file(inv, value)):
                return Approvals(False, "--settings sets permissions.defaultMode bypassPermissions")
        for path in settings_paths(inv, SETTINGS_FILES):
            if bypass_in(read_json(path)):
                inv.ctx.consulted.setdefault(f"file:{path}", "bypassPermissions")
                return Approvals(False, f"{path} sets permissions.defaultMode bypassPermissions")
        return None

    def payloads(self, inv: Invocation, opts: Options) -> list[Effect]:
        for value in opts.values("--settings"):
            for command in hook_commands(self.inline_or_file(inv, value)):
                inv.run_script(command, origin="a hook in claude --settings")
        return []

    @staticmethod
    def inline_or_file(inv: Invocation, value: str) -> Any:
        if value.lstrip().startswith("{"):
            try:
                return json.loads(value)
            except ValueError:
                return None
        path = inv.ctx.resolve(value)
        return read_json(path) if path else None

    VERBS = {
        **AgentCli.VERBS,
        "doctor": AgentCli.read_verb, "update": AgentCli.own_session, "install": AgentCli.own_session,
        "migrate-installer": AgentCli.own_session, "setup-token": "secret_read",
        "mcp": AgentCli.settings_change, "config": AgentCli.settings_change, "plugin": AgentCli.settings_change,
    }
