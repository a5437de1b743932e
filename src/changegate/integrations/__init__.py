"""Every agent, one gate: hooks for Claude Code, Cursor, Codex, Gemini CLI and Kiro (`hook.py` and one module
per agent), their installation (`install.py`), and the MCP proxy (`mcp_proxy.py`).

Nothing here is imported on the way to a decision except `hook.py` and the one agent module a hook names:
every agent tool call starts a fresh process, so this package keeps its imports lazy.
"""
