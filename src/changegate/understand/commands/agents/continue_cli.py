"""cn (Continue's CLI): `cn [OPTIONS] [PROMPT]`, `cn -p PROMPT`. Write tools and Bash ask by default (and
are left out without a person, in `-p` mode); `--auto`, or `--allow` of Bash or of everything, lets them
run without asking."""

from __future__ import annotations

from changegate.understand.base import Invocation
from changegate.understand.cli import Options
from changegate.understand.commands.agents.common import AgentCli, Approvals

ACTING = ("bash", "*", "write", "edit", "multiedit")


class ContinueCli(AgentCli):
    NAMES = ("cn",)
    ENV_VARIABLES = ("CONTINUE_API_KEY", "CONTINUE_GLOBAL_DIR")
    VALUE_OPTIONS = frozenset({"--config", "--org", "--rule", "--mcp", "--model", "--prompt", "--allow", "--ask",
                               "--exclude", "--format", "--resume-id", "--id"})
    APPROVALS_OFF_FLAGS = frozenset({"--auto"})

    def approvals(self, inv: Invocation, opts: Options) -> Approvals:
        for value in opts.values("--allow"):
            tool = value.strip().lower().split("(", 1)[0]
            if tool in ACTING and (tool != "bash" or value.strip().lower() in ("bash", "bash(*)")):
                return Approvals(False, f"--allow {value} runs without asking")
        return super().approvals(inv, opts)

    VERBS = {
        **AgentCli.VERBS,
        "login": AgentCli.own_session, "logout": AgentCli.own_session, "ls": AgentCli.read_verb,
        "serve": AgentCli.agent_verb, "remote": AgentCli.agent_verb,
    }
