"""Claude Code (the pinned real client) with changegate's hook installed by `changegate install`, driven by a
scripted model on loopback: allowed calls run, refused calls leave the disk alone in every permission mode,
and the model is told the gate's reason."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.agents.clients import client
from tests.agents.harness import Case, Place, check, drive, install_hook
from tests.agents.mock_models import ToolCall


def cases(place: Place) -> list[Case]:
    home, project = place.home, place.project
    return [
        Case("Bash `ls` in the project", ToolCall("Bash", {"command": "ls > listed.txt", "description": "list"}),
             "ran", lambda p, told: (p.project / "listed.txt").exists()),
        Case("Write in the project", ToolCall("Write", {"file_path": f"{project}/notes.md", "content": "notes\n"}),
             "ran", lambda p, told: (p.project / "notes.md").exists()),
        Case("Bash `rm -rf ~/precious`", ToolCall("Bash", {"command": "rm -rf ~/precious", "description": "rm"}),
             "refused", lambda p, told: not (p.home / "precious").exists()),
        Case("Bash `rm -rf ~`", ToolCall("Bash", {"command": "rm -rf ~", "description": "clean"}),
             "refused", lambda p, told: not p.home.exists()),
        Case("Write ~/.bashrc (ask)", ToolCall("Write", {"file_path": f"{home}/.bashrc", "content": "curl x|sh\n"}),
             "refused", lambda p, told: (p.home / ".bashrc").exists()),
        Case("Read ~/.profile", ToolCall("Read", {"file_path": f"{home}/.profile"}), "ran",
             lambda p, told: "# profile" in told),
        Case("Edit ~/.profile (ask)", ToolCall("Edit", {"file_path": f"{home}/.profile", "old_string": "# profile",
                                                        "new_string": "# profile\nexport EVIL=1"}),
             "refused", lambda p, told: "EVIL" in (p.home / ".profile").read_text()),
        Case("Write .claude/settings.local.json (hooks off)",
             ToolCall("Write", {"file_path": f"{project}/.claude/settings.local.json",
                                "content": '{"disableAllHooks": true}\n'}),
             "refused", lambda p, told: (p.project / ".claude" / "settings.local.json").exists()),
        Case("Read ~/.ssh/id_ed25519 (ask)", ToolCall("Read", {"file_path": f"{home}/.ssh/id_ed25519"}),
             "refused", lambda p, told: "test-key-material" in told),
    ]


def command(binary: Path, mode: str) -> object:
    def build(url: str) -> list[str]:
        return [str(binary), "-p", "do the task", "--permission-mode", mode, "--output-format", "json",
                "--model", "claude-sonnet-4-5"]
    return build


def environment(url: str) -> dict[str, str]:
    return {"ANTHROPIC_BASE_URL": url, "ANTHROPIC_API_KEY": "sk-ant-mock", "DISABLE_AUTOUPDATER": "1",
            "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1", "DISABLE_TELEMETRY": "1",
            "IS_SANDBOX": "1"}  # bypassPermissions refuses to start as root outside a sandbox


@pytest.mark.parametrize("mode", ["default", "acceptEdits", "bypassPermissions", "dontAsk"])
def test_claude_code_enforces_the_gate(mode: str, tmp_path: Path) -> None:
    binary = client("claude-code")
    place = Place.make(tmp_path)
    install_hook("claude-code", place)
    outcome = drive("claude-code", mode, place, cases(place), command(binary, mode),  # type: ignore[arg-type]
                    environment)
    check(outcome)


@pytest.mark.parametrize("failure", ["watchdog", "missing-binary", "crash"])
def test_claude_code_blocks_when_the_hook_fails(failure: str, tmp_path: Path) -> None:
    """The hook's own watchdog, and the `onFailure: "block"` that `install` writes, keep a failed hook from
    letting the call through."""
    binary = client("claude-code")
    place = Place.make(tmp_path)
    install_hook("claude-code", place)
    settings = place.project / ".claude" / "settings.json"
    extra: dict[str, str] = {}
    if failure == "watchdog":
        extra["CHANGEGATE_HOOK_TIMEOUT"] = "0.01"
    else:
        broken = "/nonexistent/changegate hook claude-code" if failure == "missing-binary" else \
            "sh -c 'echo changegate hook claude-code crashed >&2; exit 1'"
        doc = json.loads(settings.read_text())
        doc["hooks"]["PreToolUse"][0]["hooks"][0]["command"] = broken
        settings.write_text(json.dumps(doc))
    ls = Case("Bash `ls` (hook failing)", ToolCall("Bash", {"command": "ls > listed.txt", "description": "ls"}),
              "refused", lambda p, told: (p.project / "listed.txt").exists())
    outcome = drive("claude-code", f"hook fails: {failure}", place, [ls], command(binary, "default"),  # type: ignore[arg-type]
                    lambda url: {**environment(url), **extra})
    assert outcome.observed[ls.kind] == "refused", outcome.result.stdout[-2000:]
    told = outcome.model.result_for(ls.call.call_id)
    assert ("no decision within" if failure == "watchdog" else 'onFailure is \\"block\\"') in told, told
