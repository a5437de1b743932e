"""gemini (Gemini CLI): `gemini [OPTIONS] [PROMPT]`, `gemini -p PROMPT`, and its `mcp` and `extensions`
subcommands. Approvals are off with `--yolo`/`-y` or `--approval-mode yolo`."""

from __future__ import annotations

from typing import ClassVar

from changegate.understand.cli import Options
from changegate.understand.commands.agents.common import AgentCli


class Gemini(AgentCli):
    NAMES = ("gemini", "gemini-cli")
    ENV_VARIABLES = ("GEMINI_API_KEY", "GOOGLE_API_KEY", "GOOGLE_CLOUD_PROJECT", "GEMINI_MODEL")
    VALUE_OPTIONS = frozenset({
        "-m", "--model", "-p", "--prompt", "-i", "--prompt-interactive", "--approval-mode", "-e", "--extensions",
        "--include-directories", "--allowed-tools", "--allowed-mcp-server-names", "-o", "--output-format",
        "--sandbox-image", "--proxy", "--telemetry-target", "--telemetry-otlp-endpoint", "--delete-session",
    })
    APPROVALS_OFF_FLAGS = frozenset({"--yolo", "-y"})
    APPROVAL_MODES: ClassVar[dict[str, dict[str, bool]]] = {
        "--approval-mode": {"default": True, "auto_edit": True, "plan": True, "yolo": False},
    }

    def prompted(self, opts: Options) -> bool:
        return opts.has("-p", "--prompt", "-i", "--prompt-interactive")

    VERBS = {**AgentCli.VERBS, "mcp": AgentCli.settings_change, "extensions": AgentCli.settings_change,
             "extension": AgentCli.settings_change}
