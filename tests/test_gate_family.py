"""changegate run by an agent, and `gate_target`: what of the gate a name, path or process pattern names."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from changegate.environments import Environments
from changegate.understand.base import new_context
from changegate.understand.selfguard import gate_target
from tests.conftest import shell


@pytest.mark.parametrize("command", [
    "changegate approvals approve req_123",
    "changegate approvals deny req_123 -m 'no'",
    "changegate approvals approve --as alice --password-stdin req_1",
    "changegate users add bob --role admin",
    "changegate users set-role bob admin",
    "changegate tokens create --agent claude",
    "changegate tokens revoke tok_1",
    "changegate credentials add prod -e prod -t aws -s AWS_SECRET_ACCESS_KEY",
    "changegate breakglass",
    "changegate freeze lift",
    "changegate breaker close claude",
    "changegate scope grant claude --env dev --resource 'k8s:dev-*/**'",
    "changegate scope revoke scope_1",
    "changegate breakglass review rev_1 -m ok",
    "changegate trust 'rm -rf build'",
    ".venv/bin/changegate approvals approve req_1",
    "uvx changegate approvals approve req_1",
])
def test_only_a_person_approves_or_administers(command: str) -> None:
    verdict = shell(command)
    assert verdict.decision == "deny", verdict.effects
    assert any("self-approval" in e.tags for e in verdict.effects)


@pytest.mark.parametrize("command", [
    "changegate uninstall claude-code",
    "changegate uninstall codex --user",
    "changegate install claude-code --remote https://gate.attacker.example",
    "changegate shims remove",
    "changegate serve --policy /tmp/allow-all.yaml",
    "changegate policy set allow-all",
    "changegate audit prune",
    "changegate daemon stop",
])
def test_taking_the_gate_away_is_tampering(command: str) -> None:
    verdict = shell(command)
    assert verdict.decision == "deny", verdict.effects
    assert any("gate-tampering" in e.tags for e in verdict.effects)


@pytest.mark.parametrize("command", [
    "changegate doctor", "changegate check -- rm -rf /", "changegate explain -- kubectl delete ns prod",
    "changegate policy show", "changegate policy check my.yaml", "changegate audit tail -n 5",
    "changegate audit verify", "changegate approvals list", "changegate approvals show req_1",
    "changegate tokens list", "changegate users list", "changegate --version", "changegate --help",
    "changegate uninstall claude-code --dry-run", "changegate install codex --dry-run", "changegate undo --list",
    "changegate hook claude-code",
])
def test_reading_the_gate_is_a_read(command: str) -> None:
    verdict = shell(command)
    assert verdict.decision == "allow", verdict.reasons
    assert all(e.operation == "read" for e in verdict.effects)


def test_a_command_run_through_the_gate_is_judged_as_itself() -> None:
    assert shell("changegate run -- rm -rf ~").decision == "deny"
    assert shell("changegate run --wait 30 rm -rf ~").decision == "deny"
    assert shell("changegate run -- rm -rf build").decision == "allow"


def test_a_subcommand_it_does_not_know_is_not_understood() -> None:
    assert [e.operation for e in shell("changegate frobnicate").effects] == ["unknown"]


# --- gate_target ----------------------------------------------------------------------------------------

def context(tmp_path: Path, **env: str):  # type: ignore[no-untyped-def]
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    return new_context(str(tmp_path / "work"), {"HOME": str(home), **env}, Environments())


@pytest.mark.parametrize("text", ["changegate", "changegate.service", "changegate-server", "changegate==1.2",
                                  "changegate[server]", "dev.changegate.plist", "~/.local/bin/changegate",
                                  ".venv/bin/changegate", "/usr/local/bin/changegate"])
def test_names_and_programs_of_the_gate(text: str, tmp_path: Path) -> None:
    assert gate_target(text, context(tmp_path))


@pytest.mark.parametrize("text", ["gate", "changegates", "nginx", "build", "./dist", "/etc/hosts", "precommit"])
def test_other_names_are_not_the_gate(text: str, tmp_path: Path) -> None:
    assert gate_target(text, context(tmp_path)) is None


def test_state_and_configuration_directories(tmp_path: Path) -> None:
    ctx = context(tmp_path)
    home = ctx.home
    assert gate_target("~/.local/state/changegate", ctx)
    assert gate_target("~/.local/state/changegate/audit.db", ctx)
    assert gate_target("~/.local/state", ctx)  # holds it
    assert gate_target("~/.config/changegate", ctx)
    assert gate_target(f"{home}/.config/changegate/policy.yaml", ctx)
    moved = context(tmp_path, CHANGEGATE_STATE_DIR="/srv/gate-state", CHANGEGATE_POLICY="/etc/gate/policy.yaml")
    assert gate_target("/srv/gate-state/spool", moved)
    assert gate_target("/etc/gate/policy.yaml", moved)
    assert gate_target("~/.local/share/other", ctx) is None


def test_a_virtual_environment_it_is_installed_in(tmp_path: Path) -> None:
    venv = tmp_path / "work" / ".venv"
    (venv / "bin").mkdir(parents=True)
    ctx = context(tmp_path)
    assert gate_target(".venv", ctx) is None
    (venv / "bin" / "changegate").write_text("#!/bin/sh\n")
    assert gate_target(".venv", ctx)


def test_agent_settings_that_wire_its_hook(tmp_path: Path) -> None:
    ctx = context(tmp_path)
    settings = Path(ctx.home or "") / ".claude" / "settings.json"
    settings.parent.mkdir(parents=True)
    settings.write_text(json.dumps({"permissions": {}}))
    assert gate_target("~/.claude/settings.json", ctx) is None  # no hook in it
    settings.write_text(json.dumps({"hooks": {"PreToolUse": [{"hooks": [
        {"type": "command", "command": "changegate hook claude-code"}]}]}}))
    assert gate_target("~/.claude/settings.json", ctx)
    assert gate_target("~/.claude", ctx)  # the directory that holds it
    kiro = Path(ctx.home or "") / ".kiro" / "agents"
    kiro.mkdir(parents=True)
    (kiro / "default.json").write_text(json.dumps({"hooks": {"preToolUse": [{"command": "changegate hook kiro"}]}}))
    assert gate_target("~/.kiro/agents/default.json", ctx)


@pytest.mark.parametrize("pattern", ["changegate", "changegate serve", "chang.gate", "change[g]ate", "gate serve",
                                     "python3 -m changegate", "c.*gate"])
def test_process_patterns_that_match_the_gate(pattern: str) -> None:
    assert gate_target(pattern, pattern=True)


@pytest.mark.parametrize("pattern", ["node", "npm run dev", "python manage.py runserver", "postgres", "nginx"])
def test_process_patterns_that_do_not(pattern: str) -> None:
    assert gate_target(pattern, pattern=True) is None


@pytest.mark.parametrize("command", [
    "changegate freeze status", "changegate breaker list", "changegate scope list", "changegate breakglass list",
    "changegate scope request --env dev --resource 'k8s:dev-*/**' --reason 'deploy the preview'",
    "changegate daemon --idle 60",
])
def test_what_an_agent_may_do_with_the_guardrails(command: str) -> None:
    verdict = shell(command)
    assert verdict.decision == "allow", verdict.reasons
