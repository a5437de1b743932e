"""crush (Charm's agent): `crush [OPTIONS]`, `crush run PROMPT`. Approvals are off with `--yolo`/`-y`."""

from __future__ import annotations

from changegate.understand.commands.agents.common import AgentCli


class Crush(AgentCli):
    NAMES = ("crush",)
    VALUE_OPTIONS = frozenset({"-c", "--cwd", "-D", "--data-dir"})
    WORKDIR_OPTIONS = ("-c", "--cwd")
    APPROVALS_OFF_FLAGS = frozenset({"--yolo", "-y"})
    VERBS = {**AgentCli.VERBS, "run": AgentCli.agent_verb, "logs": AgentCli.read_verb,
             "schema": AgentCli.read_verb, "update-providers": AgentCli.own_session}
