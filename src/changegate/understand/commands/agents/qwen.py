"""qwen (Qwen Code, a Gemini CLI fork): the same grammar; its approval modes are spelled `auto-edit`."""

from __future__ import annotations

from typing import ClassVar

from changegate.understand.commands.agents.gemini import Gemini


class Qwen(Gemini):
    NAMES = ("qwen", "qwen-code")
    ENV_VARIABLES = ("OPENAI_API_KEY", "OPENAI_BASE_URL", "OPENAI_MODEL", "DASHSCOPE_API_KEY")
    APPROVAL_MODES: ClassVar[dict[str, dict[str, bool]]] = {
        "--approval-mode": {"default": True, "auto-edit": True, "auto_edit": True, "plan": True, "yolo": False},
    }
