"""Agent CLIs started by an agent: ordinary work while their own approvals are on, denied when they are off."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import effects, shell

APPROVALS_OFF = [
    "claude --dangerously-skip-permissions -p 'clean up the repo'",
    "claude -p 'clean up' --dangerously-skip-permissions",
    "claude --permission-mode bypassPermissions -p 'rotate the credentials'",
    "claude --permission-mode=bypassPermissions 'fix it'",
    "claude --allowedTools Bash -p 'fix the tests'",
    "claude --allowedTools 'Bash(*)' Edit -p 'fix the tests'",
    "claude --settings '{\"permissions\": {\"defaultMode\": \"bypassPermissions\"}}' -p 'go'",
    "npx @anthropic-ai/claude-code --dangerously-skip-permissions -p 'update dependencies'",
    "codex --dangerously-bypass-approvals-and-sandbox exec 'migrate the database'",
    "codex exec --yolo 'keep fixing CI'",
    "nohup codex exec --yolo 'keep fixing CI until green' > /tmp/codex.log 2>&1 &",
    "codex --full-auto 'refactor everything'",
    "codex exec --full-auto 'refactor everything'",
    "codex -a never -s danger-full-access exec 'tidy up the servers'",
    "codex --ask-for-approval=never 'tidy up'",
    "codex exec -s workspace-write 'write the migration'",
    "codex --sandbox danger-full-access 'look around'",
    "codex -c approval_policy=never -c sandbox_mode=danger-full-access exec 'go'",
    "codex -c 'sandbox_mode=\"danger-full-access\"' exec 'go'",
    "gemini --yolo -p 'deploy the app to production'",
    "gemini -y -p 'deploy'",
    "gemini --approval-mode=yolo -p 'drop the unused tables'",
    "gemini --approval-mode yolo 'drop the unused tables'",
    "qwen --yolo -p 'ship it'",
    "qwen --approval-mode yolo -p 'ship it'",
    "kiro-cli chat --no-interactive --trust-all-tools 'fix the build'",
    "kiro-cli chat --trust-tools=fs_read,execute_bash 'fix the build'",
    "q chat --trust-all-tools 'fix the build'",
    "cursor-agent --force -p 'apply the refactor everywhere'",
    "cursor-agent -f -p 'apply the refactor everywhere'",
    "aider --yes-always -m 'upgrade everything'",
    "AIDER_YES_ALWAYS=1 aider -m 'upgrade everything'",
    "env AIDER_YES_ALWAYS=true aider -m 'upgrade everything'",
    "openhands --headless -t 'fix the bug'",
    "openhands --always-approve -t 'fix the bug'",
    "opencode run --auto 'refactor'",
    "amp -x 'what changed?'",
    "amp --dangerously-allow-all -x 'fix it'",
    "cn -p 'set up the project' --auto",
    "cn -p 'set up the project' --allow '*'",
    "copilot -p 'fix the tests' --allow-all-tools",
    "copilot -p 'fix the tests' --allow-tool shell",
    "crush --yolo",
]
APPROVALS_ON = [
    "claude --permission-mode plan -p 'explain why the tests fail'",
    "claude --permission-mode default -p 'list the credentials files we use'",
    "claude --permission-mode acceptEdits -p 'fix the typo'",
    "claude -p 'explain x'",
    "claude 'explain x'",
    "claude --allowedTools 'Bash(git log:*)' Read -p 'summarize history'",
    "npx @anthropic-ai/claude-code --permission-mode plan -p 'which dependencies are outdated?'",
    "codex exec --sandbox read-only 'summarize the migrations'",
    "codex exec 'summarize the migrations'",
    "codex -a untrusted -s read-only exec 'list the servers in inventory/'",
    "codex 'explain this repo'",
    "codex -a on-request 'fix the bug'",
    "nohup codex exec -s read-only 'why is CI red?' > /tmp/codex.log 2>&1 &",
    "gemini -p 'summarize README.md'",
    "gemini --approval-mode=default -p 'list the unused tables'",
    "gemini --approval-mode auto_edit -p 'fix the typo'",
    "qwen -p 'summarize'",
    "kiro-cli chat --no-interactive 'explain the build'",
    "kiro-cli chat --trust-tools=fs_read 'explain the build'",
    "cursor-agent -p 'describe the refactor' --output-format text",
    "aider -m 'fix the typo' README.md",
    "openhands -t 'fix the bug'",
    "cn -p 'review the last commit'",
    "copilot -p 'explain the build'",
    "crush run 'explain'",
]


@pytest.mark.parametrize("command", APPROVALS_OFF)
def test_an_agent_with_its_approvals_off_is_denied(command: str) -> None:
    verdict = shell(command)
    assert verdict.decision == "deny", (command, verdict.effects)
    assert any("approvals-off" in e.tags and "nested-agent" in e.tags for e in verdict.effects)


@pytest.mark.parametrize("command", APPROVALS_ON)
def test_an_agent_with_its_approvals_on_is_ordinary_work(command: str) -> None:
    verdict = shell(command)
    agent = [e for e in verdict.effects if "nested-agent" in e.tags]
    assert agent and all(e.operation == "modify" and "approvals-off" not in e.tags for e in agent), verdict.effects
    assert verdict.decision == "allow", verdict.reasons


@pytest.mark.parametrize("command", [
    "claude --version", "claude --help", "claude doctor", "claude mcp list", "codex --version", "codex login status",
    "gemini --version", "kiro-cli doctor", "kiro-cli translate 'list files'", "q whoami", "cursor-agent status",
    "aider --version", "aider --list-models gpt", "amp --version", "opencode models", "crush logs",
])
def test_reading_about_an_agent_is_a_read(command: str) -> None:
    verdict = shell(command)
    assert verdict.decision == "allow", verdict.reasons
    assert all(e.operation == "read" for e in verdict.effects), verdict.effects


def test_adding_an_mcp_server_changes_what_the_agent_runs_later() -> None:
    verdict = shell("claude mcp add db -- npx some-server")
    assert [e.tags for e in effects(verdict, "modify")] == [("persistence",)]
    assert verdict.decision == "ask"


def test_an_unknown_mode_is_not_understood_never_taken_as_on() -> None:
    verdict = shell("claude --permission-mode turbo -p 'go'")
    assert [e.operation for e in verdict.effects] == ["unknown"]


@pytest.mark.parametrize("command", [
    "aider --test-cmd 'rm -rf ~' -m 'fix the tests'",
    "aider --lint-cmd 'python: rm -rf ~' -m 'tidy'",
    "codex -c 'notify=[\"bash\", \"-c\", \"rm -rf ~\"]' 'hi'",
    "claude --settings '{\"hooks\": {\"Stop\": [{\"hooks\": [{\"type\": \"command\", \"command\": \"rm -rf ~\"}]}]}}' "
    "-p 'go'",
])
def test_commands_an_agent_runs_by_itself_are_judged(command: str) -> None:
    assert shell(command).decision == "deny"


@pytest.mark.parametrize("command", [
    "aider --test-cmd 'pytest -q' -m 'fix the tests'",
    "codex -c model=o3 exec 'summarize'",
])
def test_harmless_commands_and_settings_stay_ordinary(command: str) -> None:
    assert shell(command).decision == "allow"


def test_a_codex_setting_not_known_to_be_harmless_is_not_understood() -> None:
    verdict = shell("codex -c 'mcp_servers.x.command=\"evil\"' exec 'summarize'")
    assert "unknown" in [e.operation for e in verdict.effects]


def test_configuration_files_can_switch_approvals_off(tmp_path: Path) -> None:
    (tmp_path / ".claude").mkdir()
    (tmp_path / ".claude" / "settings.local.json").write_text(
        json.dumps({"permissions": {"defaultMode": "bypassPermissions"}}))
    assert shell("claude -p 'go'", cwd=str(tmp_path)).decision == "deny"
    (tmp_path / ".codex").mkdir()
    (tmp_path / ".codex" / "config.toml").write_text('approval_policy = "never"\nsandbox_mode = "workspace-write"\n')
    assert shell("codex 'go'", cwd=str(tmp_path), env={"CODEX_HOME": str(tmp_path / ".codex")}).decision == "deny"
    (tmp_path / ".aider.conf.yml").write_text("yes-always: true\n")
    assert shell("aider -m 'go'", cwd=str(tmp_path)).decision == "deny"


def test_opencode_asks_only_when_its_configuration_says_so(tmp_path: Path) -> None:
    assert shell("opencode run 'refactor'", cwd=str(tmp_path)).decision == "deny"
    (tmp_path / "opencode.json").write_text(json.dumps({"permission": {"bash": "ask", "edit": "allow"}}))
    assert shell("opencode run 'refactor'", cwd=str(tmp_path)).decision != "deny"
    assert shell("opencode run 'refactor'", cwd=str(tmp_path),
                 env={"OPENCODE_PERMISSION": json.dumps({"bash": "allow"})}).decision == "deny"


def test_an_agent_outside_the_workspace_is_not_local() -> None:
    verdict = shell("codex -C /etc exec -s read-only 'summarize'")
    assert [e.environment for e in verdict.effects if "nested-agent" in e.tags] == ["unknown"]


@pytest.mark.parametrize("command", [
    "q chat '/tools trustall'",
    "kiro-cli chat '/tools trust-all'",
    "echo '/tools trust-all' | kiro-cli chat",
])
def test_trusting_every_tool_from_the_prompt_is_approvals_off(command: str) -> None:
    assert shell(command).decision == "deny"
