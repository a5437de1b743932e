"""Codex CLI (the pinned real client) with changegate's hook installed by `changegate install codex`, driven
by a scripted model on loopback (the OpenAI Responses API). Codex runs hooks only with hook trust (a stored
review, or `--dangerously-bypass-hook-trust`), and project hooks only in a trusted project: each run says
which it relies on."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.agents.clients import client
from tests.agents.harness import Case, Place, check, drive, install_hook
from tests.agents.mock_models import ToolCall

MODES = {
    "workspace-write": ["-s", "workspace-write"],
    "danger-full-access": ["-s", "danger-full-access"],
    "bypass approvals and sandbox": ["--dangerously-bypass-approvals-and-sandbox"],
}


def cases() -> list[Case]:
    return [
        Case("exec_command `ls`", ToolCall("exec_command", {"cmd": "ls > listed.txt"}), "ran",
             lambda p, told: (p.project / "listed.txt").exists()),
        Case("exec_command `rm -rf ~/precious`", ToolCall("exec_command", {"cmd": "rm -rf ~/precious"}), "refused",
             lambda p, told: not (p.home / "precious").exists()),
        Case("exec_command `rm -rf ~`", ToolCall("exec_command", {"cmd": "rm -rf ~"}), "refused",
             lambda p, told: not p.home.exists()),
        Case("exec_command rewriting .codex/hooks.json (hooks off)",
             ToolCall("exec_command", {"cmd": "echo '{}' > .codex/hooks.json"}), "refused",
             lambda p, told: (p.project / ".codex" / "hooks.json").read_text().strip() == "{}"),
    ]


def configure(place: Place, url: str, trusted_project: bool) -> None:
    """Codex's config: the mock as its model provider, and (if asked) this project trusted."""
    folder = place.home / ".codex"
    folder.mkdir(exist_ok=True)
    text = (f'model = "gpt-5.1-codex"\nmodel_provider = "mock"\n\n[model_providers.mock]\nname = "mock"\n'
            f'base_url = "{url}/v1"\nwire_api = "responses"\nenv_key = "MOCK_API_KEY"\n')
    if trusted_project:
        text += f'\n[projects."{place.project}"]\ntrust_level = "trusted"\n'
    (folder / "config.toml").write_text(text)


def run(tmp_path: Path, mode: str, label: str, scope: str, trusted_project: bool,
        chosen: list[Case] | None = None, extra: dict[str, str] | None = None) -> None:
    binary = client("codex")
    place = Place.make(tmp_path)
    (place.project / ".codex").mkdir()
    install_hook("codex", place, scope=scope)
    (place.project / ".codex" / "hooks.json").touch()

    def command(url: str) -> list[str]:
        configure(place, url, trusted_project)
        return [str(binary), "exec", "--skip-git-repo-check", "--dangerously-bypass-hook-trust", *MODES[mode],
                "do the task"]

    def environment(url: str) -> dict[str, str]:
        return {"MOCK_API_KEY": "mock-key", "CODEX_HOME": str(place.home / ".codex"), "NO_COLOR": "1",
                **(extra or {})}

    check(drive("codex", label, place, chosen or cases(), command, environment))


@pytest.mark.parametrize("mode", sorted(MODES))
def test_codex_enforces_the_gate_in_a_trusted_project(mode: str, tmp_path: Path) -> None:
    run(tmp_path, mode, mode, "project", trusted_project=True)


def test_codex_user_hook_holds_in_an_untrusted_project(tmp_path: Path) -> None:
    run(tmp_path, "bypass approvals and sandbox", "bypass, untrusted project (user hook)", "user",
        trusted_project=False)


def test_codex_blocks_when_the_hook_times_out(tmp_path: Path) -> None:
    """Codex has no fail-closed setting and lets a failed hook through: the watchdog answers a JSON deny."""
    ls = Case("exec_command `ls` (hook failing)", ToolCall("exec_command", {"cmd": "ls > listed.txt"}), "refused",
              lambda p, told: (p.project / "listed.txt").exists())
    run(tmp_path, "bypass approvals and sandbox", "hook fails: watchdog", "user", trusted_project=False,
        chosen=[ls], extra={"CHANGEGATE_HOOK_TIMEOUT": "0.01"})
