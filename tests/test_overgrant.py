"""The over-grant audit reads each agent's own permission settings and the credentials within reach."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from changegate.integrations.overgrant import HIGH, MEDIUM, Report, audit, describe
from changegate.policy import load_policy

ENVIRONMENTS = load_policy(None).environments


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def run(tmp_path: Path, env: dict[str, str] | None = None, wired: dict[str, bool] | None = None) -> Report:
    return audit(tmp_path / "proj", tmp_path / "home", env or {}, ENVIRONMENTS, wired)


def findings(report: Report, agent: str) -> list[tuple[str, str]]:
    return [(f.severity, f.what) for a in report.agents if a.agent == agent for f in a.findings]


def test_claude_code_blanket_bash_and_bypass_mode_are_high(tmp_path: Path) -> None:
    write(tmp_path / "home/.claude/settings.json", json.dumps({"permissions": {
        "allow": ["Bash(*)", "Bash(git status)", "Read"], "defaultMode": "bypassPermissions"}}))
    got = findings(run(tmp_path), "claude-code")
    assert any(s == HIGH and "Bash(*)" in w for s, w in got)
    assert any(s == HIGH and "bypassPermissions" in w for s, w in got)
    assert not any("git status" in w for _, w in got)  # a read-only command by name grants nothing to worry about


def test_claude_code_program_wide_rules_name_the_program(tmp_path: Path) -> None:
    write(tmp_path / "proj/.claude/settings.local.json", json.dumps({"permissions": {
        "allow": ["Bash(kubectl:*)", "Bash(npm test)", "Write", "mcp__github__*"]}, "disableAllHooks": True}))
    got = findings(run(tmp_path), "claude-code")
    assert any(s == HIGH and "kubectl" in w for s, w in got)
    assert any(s == HIGH and "disableAllHooks" in w for s, w in got)
    assert any(s == MEDIUM and w.startswith("Write") for s, w in got)
    assert any(s == MEDIUM and "mcp__github__*" in w for s, w in got)
    assert not any("npm test" in w for _, w in got)


def test_codex_never_and_full_access_including_profiles(tmp_path: Path) -> None:
    write(tmp_path / "home/.codex/config.toml", 'approval_policy = "on-request"\n\n[profiles.fast]\n'
                                                'approval_policy = "never"\nsandbox_mode = "danger-full-access"\n')
    got = findings(run(tmp_path), "codex")
    assert [s for s, _ in got] == [HIGH, HIGH]
    assert all("profiles.fast" not in w for _, w in got)  # the what says what; the where says which profile


def test_gemini_shell_allowance_and_yolo_not_disabled(tmp_path: Path) -> None:
    write(tmp_path / "home/.gemini/settings.json", json.dumps({"tools": {"allowed": [
        "run_shell_command", "run_shell_command(git status)"]}}))
    got = findings(run(tmp_path), "gemini")
    assert any(s == HIGH and "run_shell_command:" in w for s, w in got)
    assert any("disableYoloMode" in w or "yolo" in w for _, w in got)
    write(tmp_path / "home/.gemini/settings.json", json.dumps({"security": {"disableYoloMode": True},
                                                                 "tools": {"allowed": ["run_shell_command(ls)"]}}))
    assert findings(run(tmp_path), "gemini") == []


def test_kiro_trust_all_and_cursor_shell(tmp_path: Path) -> None:
    write(tmp_path / "home/.kiro/agents/dev.json", json.dumps({"allowedTools": ["*"]}))
    write(tmp_path / "home/.cursor/cli-config.json", json.dumps({"permissions": {"allow": ["Shell(terraform)"]}}))
    report = run(tmp_path)
    assert any(s == HIGH for s, _ in findings(report, "kiro"))
    assert any(s == HIGH and "terraform" in w for s, w in findings(report, "cursor"))


def test_an_unwired_agent_is_high_and_a_wired_one_is_not(tmp_path: Path) -> None:
    write(tmp_path / "home/.codex/config.toml", 'approval_policy = "on-request"\n')
    assert findings(run(tmp_path, wired={"codex": False}), "codex")[0][0] == HIGH
    assert findings(run(tmp_path, wired={"codex": True}), "codex") == []


def test_credentials_that_reach_prod(tmp_path: Path) -> None:
    write(tmp_path / "home/.kube/config", """
apiVersion: v1
kind: Config
clusters:
- {name: eu, cluster: {server: "https://k8s.prod.internal:6443"}}
- {name: kind, cluster: {server: "https://127.0.0.1:6443"}}
contexts:
- {name: ops, context: {cluster: eu, user: a}}
- {name: kind-dev, context: {cluster: kind, user: b}}
current-context: ops
""")
    write(tmp_path / "home/.aws/config", "[profile dev]\nregion = eu-west-1\n\n[profile prod]\nregion = eu-west-1\n"
                                          "\n[profile tools]\nrole_arn = arn:aws:iam::1:role/AdministratorAccess\n")
    write(tmp_path / "proj/.env", "DATABASE_URL=postgresql://app@db.prod.internal:5432/app\n"
                                  "CACHE_URL=redis://localhost:6379\n")
    write(tmp_path / "home/.config/gh/hosts.yml", "github.com:\n  oauth_token: x\n")
    report = run(tmp_path, env={"ANALYTICS_DB_URL": "postgresql://localhost/analytics"})
    text = [f.what for f in report.credentials]
    assert any("kube context ops (the current context) reaches prod" in t for t in text)
    assert not any("kind-dev" in t for t in text)
    assert any(t.startswith("AWS profile prod") for t in text)
    assert any(t.startswith("AWS profile tools") and "Administrator" in t for t in text)
    assert not any(t.startswith("AWS profile dev") for t in text)
    assert any(t.startswith("DATABASE_URL points at prod") for t in text)
    assert not any("ANALYTICS" in t or "CACHE_URL" in t for t in text)
    assert any("gh holds a GitHub token" in t for t in text)
    assert report.worst() == HIGH
    assert any("reaches prod" in line for line in describe(report))


def test_unreadable_configuration_is_a_finding_not_a_hang(tmp_path: Path) -> None:
    fifo = tmp_path / "home/.claude/settings.json"
    fifo.parent.mkdir(parents=True)
    os.mkfifo(fifo)
    write(tmp_path / "home/.codex/config.toml", "approval_policy = [unterminated\n")
    write(tmp_path / "home/.gemini/settings.json", "x" * (2 << 20))
    report = run(tmp_path)
    for agent in ("claude-code", "codex", "gemini"):
        got = findings(report, agent)
        assert any(s == MEDIUM and "cannot be read" in w for s, w in got), (agent, got)


@pytest.mark.parametrize("rule", ["Bash(rm:*)", "Bash(sudo *)", "Bash(git push:*)", "Bash(aws:*)"])
def test_phrasings_of_dangerous_allowances(tmp_path: Path, rule: str) -> None:
    write(tmp_path / "home/.claude/settings.json", json.dumps({"permissions": {"allow": [rule]}}))
    assert any(s == HIGH for s, _ in findings(run(tmp_path), "claude-code"))


def test_doctor_permissions_through_the_cli(tmp_path: Path, own_state: Path) -> None:
    import subprocess
    import sys

    project = tmp_path / "proj"
    project.mkdir()
    env = {**os.environ, "HOME": str(own_state)}
    clean = subprocess.run([sys.executable, "-m", "changegate", "doctor", "--permissions", "--json"], cwd=project,
                           env=env, capture_output=True, text=True, timeout=60)
    assert clean.returncode == 0, clean.stderr
    assert json.loads(clean.stdout)["worst"] is None
    write(own_state / ".claude/settings.json", json.dumps({"permissions": {"allow": ["Bash(*)"]}}))
    granted = subprocess.run([sys.executable, "-m", "changegate", "doctor", "--permissions"], cwd=project,
                             env=env, capture_output=True, text=True, timeout=60)
    assert granted.returncode == 1
    assert "Bash(*): every shell command runs without asking" in granted.stdout
    assert "hook is not installed" in granted.stdout
