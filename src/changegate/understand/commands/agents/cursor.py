"""cursor-agent (Cursor's CLI): `cursor-agent [OPTIONS] [PROMPT]` and its subcommands. Approvals are off
with `--force`/`-f` (every command allowed unless denied) or `--yolo`."""

from __future__ import annotations

from changegate.understand.commands.agents.common import AgentCli


class CursorAgent(AgentCli):
    NAMES = ("cursor-agent",)
    ENV_VARIABLES = ("CURSOR_API_KEY",)
    VALUE_OPTIONS = frozenset({"-m", "--model", "--output-format", "--api-key", "-H", "--header", "--workspace"})
    WORKDIR_OPTIONS = ("--workspace",)
    APPROVALS_OFF_FLAGS = frozenset({"--force", "-f", "--yolo"})
    VERBS = {
        **AgentCli.VERBS,
        "agent": AgentCli.agent_verb, "resume": AgentCli.agent_verb, "create-chat": AgentCli.read_verb,
        "ls": AgentCli.read_verb, "status": AgentCli.read_verb, "whoami": AgentCli.read_verb,
        "help": AgentCli.read_verb, "login": AgentCli.own_session, "logout": AgentCli.own_session,
        "update": AgentCli.own_session, "upgrade": AgentCli.own_session, "mcp": AgentCli.settings_change,
        "install-shell-integration": AgentCli.settings_change,
        "uninstall-shell-integration": AgentCli.settings_change,
    }
