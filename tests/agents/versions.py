"""The agent clients the real-client tests run, pinned: a newer client is a one-line change here.

Each is installed from npm once into a cache outside the repository and outside the test's HOME
($CHANGEGATE_AGENTS_CACHE, default ~/.cache/changegate-agents of the real user), so reruns start at once.
"""

from __future__ import annotations

CLAUDE_CODE = ("@anthropic-ai/claude-code", "2.1.332", "claude")
GEMINI_CLI = ("@google/gemini-cli", "0.61.0", "gemini")
CODEX_CLI = ("@openai/codex", "0.171.0", "codex")

PINNED = {"claude-code": CLAUDE_CODE, "gemini": GEMINI_CLI, "codex": CODEX_CLI}
