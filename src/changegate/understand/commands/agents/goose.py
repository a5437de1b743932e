"""goose (Block's agent): `goose run -t TEXT`, `goose session`, and its other subcommands.

Its approvals follow GOOSE_MODE (`auto`, the default, asks for nothing; `approve`, `smart_approve` and
`chat` ask or do not act), from the environment or `~/.config/goose/config.yaml`.

`goose` is also the database migration tool (`migrations/goose.py` declares the name): that family hands
the agent's subcommands here (see `AGENT_VERBS`).
"""

from __future__ import annotations

import posixpath
import re

from changegate.model import Effect
from changegate.understand.base import Invocation
from changegate.understand.cli import Call, Options
from changegate.understand.commands.agents.common import AgentCli, Approvals
from changegate.understand.facts import read_config

MODE_LINE = re.compile(r"^\s*GOOSE_MODE\s*:\s*['\"]?([\w-]+)", re.MULTILINE)
MODES = {"auto": False, "approve": True, "smart_approve": True, "chat": True}


class GooseAgent(AgentCli):
    """No NAMES of its own: the migration tool's family owns `goose` and hands these verbs over."""

    ENV_VARIABLES = ("GOOSE_MODE", "GOOSE_PROVIDER", "GOOSE_MODEL")
    VALUE_OPTIONS = frozenset({"-t", "--text", "-i", "--instructions", "--recipe", "-n", "--name", "-r",
                               "--resume", "--path", "--with-extension", "--with-builtin",
                               "--with-remote-extension", "--params", "--provider", "--model", "-s"})

    def approvals(self, inv: Invocation, opts: Options) -> Approvals:
        mode = inv.ctx.getenv("GOOSE_MODE") or self.configured_mode(inv)
        if mode is None:
            return Approvals(False, "goose's default mode (auto) asks for nothing")
        on = MODES.get(mode.strip().lower())
        if on is None:
            return Approvals(None, f"changegate does not know GOOSE_MODE {mode}")
        return Approvals(on, f"GOOSE_MODE {mode}")

    @staticmethod
    def configured_mode(inv: Invocation) -> str | None:
        root = inv.ctx.getenv("XDG_CONFIG_HOME") or (posixpath.join(inv.ctx.home, ".config") if inv.ctx.home else None)
        text = read_config(posixpath.join(root, "goose", "config.yaml")) if root else None
        found = MODE_LINE.search(text) if text else None
        return found.group(1) if found else None

    def analyze(self, inv: Invocation) -> list[Effect]:
        opts = self.walk(inv.words)
        verb = opts.positionals[0] if opts.positionals else "session"
        call = Call(inv, opts, verb, opts.positionals[1:], opts.positional_words[1:])
        return self.dispatch(call)

    VERBS = {
        **AgentCli.VERBS,
        "run": AgentCli.agent_verb, "session": AgentCli.agent_verb, "s": AgentCli.agent_verb,
        "web": AgentCli.agent_verb, "acp": AgentCli.agent_verb, "info": AgentCli.read_verb,
        "version": AgentCli.read_verb, "help": AgentCli.read_verb, "configure": AgentCli.settings_change,
        "mcp": AgentCli.settings_change, "recipe": AgentCli.read_verb, "project": AgentCli.agent_verb,
        "projects": AgentCli.read_verb, "schedule": AgentCli.settings_change, "update": AgentCli.own_session,
        "bench": AgentCli.agent_verb,
    }


AGENT_VERBS = frozenset(GooseAgent.VERBS) - {"version", "help"}
