"""kiro-cli and its predecessor `q` (Amazon Q Developer CLI): `kiro-cli chat [OPTIONS] [PROMPT]` and the
tool's other subcommands. Approvals are off with `--trust-all-tools`, or when `--trust-tools=…` trusts a
tool that runs commands or writes (`execute_bash`, `use_aws`, `fs_write`, …), or when the prompt itself
(an argument or its input) is the slash command `/tools trust-all`."""

from __future__ import annotations

import re

from changegate.model import Effect
from changegate.understand.base import Invocation
from changegate.understand.cli import Call, Options
from changegate.understand.commands.agents.common import AgentCli, Approvals

TRUST_ALL = re.compile(r"(^|\n)\s*/(tools\s+trust-?all|acceptall)\b")
# tools that act without being asked once trusted: commands, AWS calls, file writes
ACTING_TOOLS = frozenset({"execute_bash", "execute_cmd", "shell", "use_aws", "aws", "fs_write", "write", "*",
                          "@builtin", "delegate", "use_subagent"})


class Kiro(AgentCli):
    NAMES = ("kiro-cli", "q")
    ENV_VARIABLES = ("AWS_PROFILE", "AWS_REGION", "KIRO_LOG_LEVEL")
    VALUE_OPTIONS = frozenset({"--agent", "--model", "--trust-tools", "--profile"})
    APPROVALS_OFF_FLAGS = frozenset({"--trust-all-tools", "-a"})

    def approvals(self, inv: Invocation, opts: Options) -> Approvals:
        typed = [*opts.positionals, inv.stdin.text if inv.stdin is not None and inv.stdin.text else ""]
        if any(TRUST_ALL.search(text) for text in typed):
            return Approvals(False, "the prompt trusts every tool (/tools trust-all)")
        for value in opts.values("--trust-tools"):
            acting = [t for t in value.replace(" ", ",").split(",") if t.strip().lower() in ACTING_TOOLS]
            if acting:
                return Approvals(False, f"--trust-tools trusts {acting[0]}: it runs without asking")
        return super().approvals(inv, opts)

    def settings(self, call: Call) -> list[Effect]:
        return self.read_verb(call) if len(call.args) < 2 else self.settings_change(call)

    VERBS = {
        **AgentCli.VERBS,
        "chat": AgentCli.agent_verb, "translate": AgentCli.read_verb, "doctor": AgentCli.read_verb,
        "whoami": AgentCli.read_verb, "version": AgentCli.read_verb, "diagnostic": AgentCli.read_verb,
        "issue": AgentCli.read_verb, "login": AgentCli.own_session, "logout": AgentCli.own_session,
        "update": AgentCli.own_session, "theme": AgentCli.own_session, "settings": settings,
        "mcp": AgentCli.settings_change, "agent": AgentCli.settings_change, "integrations": AgentCli.settings_change,
        "inline": AgentCli.settings_change,
    }
