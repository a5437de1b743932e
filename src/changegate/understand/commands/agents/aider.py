"""aider: `aider [OPTIONS] [FILES…]`, a prompt with `-m`/`--message`. Approvals are off with `--yes-always`
(or `AIDER_YES_ALWAYS`, or `yes-always: true` in a `.aider.conf.yml` it reads). `--test-cmd` and
`--lint-cmd` are shell commands it runs by itself after its edits: they are judged as such."""

from __future__ import annotations

import re

from changegate.model import Effect
from changegate.understand.base import Invocation
from changegate.understand.cli import Options
from changegate.understand.commands.agents.common import (
    TRUE_WORDS,
    AgentCli,
    Approvals,
    read_only,
    settings_paths,
)
from changegate.understand.facts import read_config

CONFIG_FILES = (".aider.conf.yml",)
YES_ALWAYS = re.compile(r"^\s*yes-always\s*:\s*(true|yes|on)\s*$", re.IGNORECASE | re.MULTILINE)
LANGUAGE_PREFIX = re.compile(r"^\s*[\w+#-]+:\s+")  # `--lint-cmd "python: flake8 …"`
READS = ("--version", "--help", "--list-models", "--models", "--show-repo-map", "--show-prompts",
         "--just-check-update", "--check-update")


class Aider(AgentCli):
    NAMES = ("aider", "aider-chat")
    ENV_VARIABLES = ("AIDER_YES_ALWAYS", "AIDER_MODEL", "AIDER_TEST_CMD", "AIDER_LINT_CMD", "OPENAI_API_KEY",
                     "ANTHROPIC_API_KEY")
    VALUE_OPTIONS = frozenset({
        "--model", "-m", "--message", "--msg", "-f", "--message-file", "--file", "--read", "--test-cmd",
        "--lint-cmd", "-c", "--config", "--env-file", "--edit-format", "--chat-mode", "--weak-model",
        "--editor-model", "--openai-api-key", "--anthropic-api-key", "--api-key", "--set-env", "--map-tokens",
        "--map-refresh", "--chat-history-file", "--input-history-file", "--llm-history-file", "--encoding",
        "--commit-prompt", "--load", "--voice-language", "--voice-format", "--editor", "--timeout",
        "--reasoning-effort", "--thinking-tokens", "--alias", "--model-settings-file", "--model-metadata-file",
        "--aiderignore", "--code-theme", "--chat-language", "--commit-language", "--line-endings", "--apply",
        "--openai-api-base", "--verify-ssl", "--max-chat-history-tokens", "--cache-keepalive-pings",
        "--completion-menu-color", "--user-input-color", "--tool-output-color", "--tool-error-color",
        "--assistant-output-color", "--tool-warning-color", "--models", "--list-models", "--notifications-command",
    })
    APPROVALS_OFF_FLAGS = frozenset({"--yes-always", "--yes"})
    APPROVALS_OFF_VARIABLES = {"AIDER_YES_ALWAYS": TRUE_WORDS}

    def analyze(self, inv: Invocation) -> list[Effect]:
        opts = self.walk(inv.words)
        if opts.has(*READS) and not opts.has("-m", "--message", "--msg", "-f", "--message-file"):
            return [read_only(inv, f"aider {' '.join(o for o in READS if opts.has(o))}")]
        return self.run_agent(inv, opts)

    def configured(self, inv: Invocation, opts: Options) -> Approvals | None:
        paths = [inv.ctx.resolve(p) for p in opts.values("-c", "--config")] or settings_paths(inv, CONFIG_FILES)
        for path in paths:
            text = read_config(path) if path else None
            if text and YES_ALWAYS.search(text):
                return Approvals(False, f"{path} sets yes-always")
        return None

    def payloads(self, inv: Invocation, opts: Options) -> list[Effect]:
        commands = opts.values("--test-cmd", "--lint-cmd", "--notifications-command")
        commands += [v for v in (inv.ctx.getenv("AIDER_TEST_CMD"), inv.ctx.getenv("AIDER_LINT_CMD")) if v]
        for command in commands:
            inv.run_script(LANGUAGE_PREFIX.sub("", command, count=1), origin="a command aider runs by itself")
        return []
