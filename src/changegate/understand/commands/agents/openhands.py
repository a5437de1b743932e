"""openhands (OpenHands CLI): `openhands [OPTIONS]`, `openhands -t TASK`, and its subcommands. Approvals
are off with `--always-approve` and in `--headless` mode (which always approves)."""

from __future__ import annotations

from changegate.understand.commands.agents.common import AgentCli


class OpenHands(AgentCli):
    NAMES = ("openhands",)
    ENV_VARIABLES = ("LLM_API_KEY", "LLM_MODEL", "LLM_BASE_URL")
    VALUE_OPTIONS = frozenset({"-t", "--task", "-f", "--file", "--resume"})
    APPROVALS_OFF_FLAGS = frozenset({"--always-approve", "--headless"})
    VERBS = {
        **AgentCli.VERBS,
        "serve": AgentCli.agent_verb, "web": AgentCli.agent_verb, "acp": AgentCli.agent_verb,
        "cloud": AgentCli.agent_verb, "mcp": AgentCli.settings_change, "login": AgentCli.own_session,
        "logout": AgentCli.own_session,
    }
