"""amp (Amp's CLI): `amp [OPTIONS]`, `amp -x PROMPT`, and its subcommands. Amp runs its tools without
asking unless a permission rule says otherwise, so an agent run is an agent with its approvals off unless
its settings (`amp.permissions`) ask before shell commands."""

from __future__ import annotations

import posixpath
from typing import Any

from changegate.understand.base import Invocation
from changegate.understand.cli import Options
from changegate.understand.commands.agents.common import AgentCli, Approvals, read_json


def asks_before_shell(settings: Any) -> bool:
    rules = settings.get("amp.permissions") if isinstance(settings, dict) else None
    return isinstance(rules, list) and any(
        isinstance(rule, dict) and rule.get("action") in ("ask", "reject")
        and str(rule.get("tool", "")).lower() in ("bash", "*") for rule in rules)


class Amp(AgentCli):
    NAMES = ("amp",)
    ENV_VARIABLES = ("AMP_API_KEY", "AMP_URL", "AMP_SETTINGS_FILE")
    VALUE_OPTIONS = frozenset({"-x", "--execute", "-m", "--mode", "--settings-file", "--log-level", "--log-file",
                               "--executor", "--visibility", "--mcp-config"})
    APPROVALS_OFF_FLAGS = frozenset({"--dangerously-allow-all"})

    def prompted(self, opts: Options) -> bool:
        return opts.has("-x", "--execute")

    def approvals(self, inv: Invocation, opts: Options) -> Approvals:
        found = super().approvals(inv, opts)
        if found.on is False:
            return found
        named = opts.value("--settings-file") or inv.ctx.getenv("AMP_SETTINGS_FILE")
        path = inv.ctx.resolve(named) if named else (
            posixpath.join(inv.ctx.home, ".config", "amp", "settings.json") if inv.ctx.home else None)
        if path and asks_before_shell(read_json(path)):
            return Approvals(True, f"{path} asks before shell commands")
        return Approvals(False, "amp runs its tools without asking unless a permission rule says so")

    VERBS = {
        **AgentCli.VERBS,
        "login": AgentCli.own_session, "logout": AgentCli.own_session, "update": AgentCli.own_session,
        "threads": AgentCli.read_verb, "tools": AgentCli.read_verb, "permissions": AgentCli.settings_change,
        "mcp": AgentCli.settings_change, "usage": AgentCli.read_verb, "doctor": AgentCli.read_verb,
    }
