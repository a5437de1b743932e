"""copilot (GitHub Copilot CLI): `copilot [OPTIONS]`, `copilot -p PROMPT`. Approvals are off with
`--allow-all-tools`, `--allow-all`, `--yolo`, or `--allow-tool` of the unrestricted shell."""

from __future__ import annotations

from changegate.understand.base import Invocation
from changegate.understand.cli import Options
from changegate.understand.commands.agents.common import AgentCli, Approvals

UNRESTRICTED = frozenset({"shell", "shell(*)", "write", "*"})


class Copilot(AgentCli):
    NAMES = ("copilot",)
    ENV_VARIABLES = ("GH_TOKEN", "GITHUB_TOKEN", "COPILOT_MODEL")
    VALUE_OPTIONS = frozenset({"-p", "--prompt", "--model", "--allow-tool", "--deny-tool", "--add-dir",
                               "--log-dir", "--log-level", "--resume", "--agent", "--additional-mcp-config"})
    APPROVALS_OFF_FLAGS = frozenset({"--allow-all-tools", "--allow-all", "--yolo"})

    def prompted(self, opts: Options) -> bool:
        return opts.has("-p", "--prompt")

    def approvals(self, inv: Invocation, opts: Options) -> Approvals:
        for value in opts.values("--allow-tool"):
            if value.strip().lower() in UNRESTRICTED:
                return Approvals(False, f"--allow-tool {value} runs without asking")
        return super().approvals(inv, opts)
