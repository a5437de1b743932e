"""`changegate install / uninstall / doctor`: merging into agents' real configuration files and back."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from changegate.integrations.install import (
    AGENTS,
    InstallError,
    command_problems,
    doctor,
    hook_command,
    install,
    is_ours,
    uninstall,
)

CLAUDE_SETTINGS = """{
    "model": "opus",
    "permissions": {"allow": ["Bash(npm test)"], "deny": ["Read(./.env)"]},
    "env": {"FOO": "ünïcode"},
    "hooks": {
        "PreToolUse": [{"matcher": "Bash", "hooks": [{"type": "command", "command": "./guard.sh"}]}],
        "Stop": [{"hooks": [{"type": "command", "command": "say done"}]}]
    }
}
"""
CURSOR_HOOKS = '{"version": 1, "hooks": {"afterFileEdit": [{"command": "prettier --write"}]}}'
GEMINI_SETTINGS = '{\n  "theme": "GitHub",\n  "mcpServers": {"github": {"command": "gh-mcp"}}\n}\n'
KIRO_AGENT = '{\n  "name": "dev",\n  "tools": ["*"],\n  "hooks": {"agentSpawn": [{"command": "git status"}]}\n}\n'
CODEX_TOML = """# my codex settings
model = "gpt-5-codex"  # the good one

[features]
hooks = true

# hooks I wrote myself
[[hooks.Stop]]
[[hooks.Stop.hooks]]
type = "command"
command = "notify-send done"
"""

EXISTING = {
    "claude-code": (".claude/settings.json", CLAUDE_SETTINGS),
    "cursor": (".cursor/hooks.json", CURSOR_HOOKS),
    "gemini": (".gemini/settings.json", GEMINI_SETTINGS),
    "kiro": (".kiro/agents/dev.json", KIRO_AGENT),
    "codex": (".codex/config.toml", CODEX_TOML),
}
COMMAND = "/opt/changegate/bin/changegate hook {agent}"


def project(tmp_path: Path, agent: str) -> Path:
    relative, text = EXISTING[agent]
    path = tmp_path / relative
    path.parent.mkdir(parents=True)
    path.write_bytes(text.encode())
    return path


@pytest.mark.parametrize("agent", sorted(EXISTING))
def test_round_trip_leaves_the_users_file_byte_identical(tmp_path: Path, agent: str) -> None:
    path = project(tmp_path, agent)
    original = path.read_bytes()
    [change] = install(agent, root=tmp_path, home=tmp_path / "home", command=COMMAND.format(agent=agent))
    assert change.action == "updated" and change.path == path
    assert path.read_bytes() != original
    assert (path.parent / (path.name + ".changegate-backup")).read_bytes() == original
    [change] = uninstall(agent, root=tmp_path, home=tmp_path / "home")
    assert change.action == "restored"
    assert path.read_bytes() == original
    assert not (path.parent / (path.name + ".changegate-backup")).exists()


@pytest.mark.parametrize("agent", sorted(EXISTING))
def test_install_keeps_every_other_setting(tmp_path: Path, agent: str) -> None:
    path = project(tmp_path, agent)
    install(agent, root=tmp_path, home=tmp_path / "home", command=COMMAND.format(agent=agent))
    text = path.read_text()
    if agent == "codex":
        assert text.startswith(CODEX_TOML)  # tomlkit: comments and layout kept, our tables appended
        assert "[[hooks.PreToolUse]]" in text
        return
    before, after = json.loads(EXISTING[agent][1]), json.loads(text)
    hooks_before = before.pop("hooks", {})
    hooks_after = after.pop("hooks")
    assert after == {**before, **({"version": 1} if agent == "cursor" else {})}
    for event, entries in hooks_before.items():
        assert hooks_after[event][: len(entries)] == entries  # the user's own hooks, first and untouched


def test_claude_code_entry_shape(tmp_path: Path) -> None:
    path = project(tmp_path, "claude-code")
    install("claude-code", root=tmp_path, command=COMMAND.format(agent="claude-code"))
    groups = json.loads(path.read_text())["hooks"]["PreToolUse"]
    assert groups[0] == {"matcher": "Bash", "hooks": [{"type": "command", "command": "./guard.sh"}]}
    assert groups[1]["matcher"].startswith("Bash|Monitor|PowerShell|Write|Edit|MultiEdit")
    assert "mcp__.*" in groups[1]["matcher"]
    assert groups[1]["hooks"] == [{"type": "command", "command": "/opt/changegate/bin/changegate hook claude-code",
                                   "timeout": 10, "onFailure": "block"}]
    assert path.read_text().startswith('{\n    "model"')  # the file's own four-space indentation


def test_cursor_and_gemini_and_kiro_entry_shapes(tmp_path: Path) -> None:
    cursor, gemini, kiro = (project(tmp_path, a) for a in ("cursor", "gemini", "kiro"))
    for agent in ("cursor", "gemini", "kiro"):
        install(agent, root=tmp_path, command=COMMAND.format(agent=agent))
    hooks = json.loads(cursor.read_text())["hooks"]
    assert {"beforeShellExecution", "beforeMCPExecution", "beforeReadFile", "preToolUse"} <= set(hooks)
    assert hooks["beforeShellExecution"] == [{"command": COMMAND.format(agent="cursor"), "failClosed": True}]
    [group] = json.loads(gemini.read_text())["hooks"]["BeforeTool"]
    assert group["hooks"][0]["timeout"] == 10000 and "run_shell_command" in group["matcher"]
    assert json.loads(kiro.read_text())["hooks"]["preToolUse"] == [
        {"matcher": "*", "command": COMMAND.format(agent="kiro"), "timeout_ms": 10000}]


def test_install_is_idempotent_and_replaces_an_older_hook(tmp_path: Path) -> None:
    path = project(tmp_path, "gemini")
    install("gemini", root=tmp_path, command="/old/place/changegate hook gemini")
    once = path.read_bytes()
    [again] = install("gemini", root=tmp_path, command="/old/place/changegate hook gemini")
    assert again.action == "unchanged" and path.read_bytes() == once
    [moved] = install("gemini", root=tmp_path, command="/new/place/changegate hook gemini")
    assert moved.action == "updated" and "replaced an older changegate hook" in moved.detail
    commands = [h["command"] for g in json.loads(path.read_text())["hooks"]["BeforeTool"] for h in g["hooks"]]
    assert commands == ["/new/place/changegate hook gemini"]
    # the backup is still the file from before the first install
    assert (path.parent / "settings.json.changegate-backup").read_text() == GEMINI_SETTINGS


def test_uninstall_after_the_user_edited_keeps_their_edit(tmp_path: Path) -> None:
    path = project(tmp_path, "claude-code")
    install("claude-code", root=tmp_path, command=COMMAND.format(agent="claude-code"))
    doc = json.loads(path.read_text())
    doc["model"] = "sonnet"
    path.write_text(json.dumps(doc, indent=4))
    [change] = uninstall("claude-code", root=tmp_path)
    assert change.action == "removed"
    after = json.loads(path.read_text())
    assert after["model"] == "sonnet"
    assert after["hooks"] == json.loads(CLAUDE_SETTINGS)["hooks"]
    assert "changegate" not in path.read_text()


def test_a_file_install_created_is_deleted_by_uninstall(tmp_path: Path) -> None:
    [created] = install("cursor", root=tmp_path, command=COMMAND.format(agent="cursor"))
    path = tmp_path / ".cursor" / "hooks.json"
    assert created.action == "created" and json.loads(path.read_text())["version"] == 1
    [deleted] = uninstall("cursor", root=tmp_path)
    assert deleted.action == "deleted" and not path.exists()


def test_kiro_without_agents_gets_a_changegate_agent(tmp_path: Path) -> None:
    [change] = install("kiro", scope="user", home=tmp_path, command=COMMAND.format(agent="kiro"))
    agent = json.loads((tmp_path / ".kiro" / "agents" / "changegate.json").read_text())
    assert change.action == "created" and agent["name"] == "changegate" and agent["tools"] == ["*"]
    assert agent["hooks"]["preToolUse"][0]["command"] == COMMAND.format(agent="kiro")


def test_kiro_wires_every_agent_configuration(tmp_path: Path) -> None:
    first = project(tmp_path, "kiro")
    second = first.with_name("ops.json")
    second.write_text('{"name": "ops", "tools": ["shell"]}')
    changes = install("kiro", root=tmp_path, command=COMMAND.format(agent="kiro"))
    assert {c.path for c in changes} == {first, second}


def test_codex_without_a_hooks_table_gets_hooks_json(tmp_path: Path) -> None:
    toml = tmp_path / ".codex" / "config.toml"
    toml.parent.mkdir()
    toml.write_text('model = "o3"\n')
    [change] = install("codex", root=tmp_path, command=COMMAND.format(agent="codex"))
    assert change.path == tmp_path / ".codex" / "hooks.json"
    assert toml.read_text() == 'model = "o3"\n'
    groups = json.loads(change.path.read_text())["hooks"]["PreToolUse"]
    assert "apply_patch" in groups[0]["matcher"] and "mcp__.*" in groups[0]["matcher"]


def test_a_broken_file_is_left_alone(tmp_path: Path) -> None:
    path = tmp_path / ".claude" / "settings.json"
    path.parent.mkdir()
    path.write_text('{"model": "opus",')
    with pytest.raises(InstallError, match="not valid JSON"):
        install("claude-code", root=tmp_path)
    assert path.read_text() == '{"model": "opus",'
    path.write_text('{"hooks": []}')
    with pytest.raises(InstallError, match="not an object"):
        install("claude-code", root=tmp_path)


def test_dry_run_changes_nothing(tmp_path: Path) -> None:
    path = project(tmp_path, "claude-code")
    [change] = install("claude-code", root=tmp_path, dry_run=True, command=COMMAND.format(agent="claude-code"))
    assert change.action == "updated"
    assert path.read_text() == CLAUDE_SETTINGS
    assert not (path.parent / "settings.json.changegate-backup").exists()


def test_hook_command_and_ownership() -> None:
    command = hook_command("codex", "https://gate.example.com")
    assert command.startswith("CHANGEGATE_URL=https://gate.example.com ")
    # the light client (hookclient.py) under this installation's Python, agent last
    assert command.endswith(" codex") and "import hookclient" in command and "TOKEN" not in command
    assert shlex.split(command)[1:4] == [sys.executable, "-I", "-S"]
    assert is_ours(command, "codex") and not is_ours(command, "cursor")
    assert is_ours("'/opt/my tools/changegate' hook claude", "claude-code")  # the command older installs wrote
    assert is_ours("/usr/bin/python3 -I -S '/opt/cg/changegate/integrations/hookclient.py' gemini-cli", "gemini")
    assert not is_ours("./guard.sh", "claude-code") and not is_ours(None, "codex")
    assert set(AGENTS) == {"claude-code", "cursor", "codex", "gemini", "kiro"}


def test_install_replaces_the_older_command_and_uninstall_finds_the_new_one(tmp_path: Path) -> None:
    path = project(tmp_path, "claude-code")
    original = path.read_bytes()
    home = tmp_path / "home"
    install("claude-code", root=tmp_path, home=home, command=COMMAND.format(agent="claude-code"))
    [change] = install("claude-code", root=tmp_path, home=home)
    assert change.action == "updated" and "replaced an older changegate hook" in change.detail
    commands = [h["command"] for group in json.loads(path.read_text())["hooks"]["PreToolUse"]
                for h in group["hooks"]]
    assert hook_command("claude-code") in commands and COMMAND.format(agent="claude-code") not in commands
    assert install("claude-code", root=tmp_path, home=home)[0].action == "unchanged"
    [removed] = uninstall("claude-code", root=tmp_path, home=home)
    assert removed.action == "restored" and path.read_bytes() == original


def test_the_installed_command_answers_in_a_shell_as_the_agent_runs_it(tmp_path: Path) -> None:
    payload = {"hook_event_name": "PreToolUse", "tool_name": "Bash", "tool_input": {"command": "rm -rf ~"},
               "cwd": str(tmp_path), "session_id": "s"}
    for daemon in ("off", "on"):  # deciding in-process; asking a daemon first (none here: it starts one)
        done = subprocess.run(["/bin/sh", "-c", hook_command("claude-code")], input=json.dumps(payload).encode(),
                              capture_output=True, cwd=tmp_path, timeout=60, check=False,
                              env={**os.environ, "CHANGEGATE_DAEMON": daemon, "CHANGEGATE_DAEMON_IDLE": "2"})
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout)["hookSpecificOutput"]["permissionDecision"] == "deny"


def test_doctor_sees_a_light_client_whose_changegate_is_gone(tmp_path: Path) -> None:
    assert command_problems(hook_command("claude-code")) == []
    moved = hook_command("claude-code").replace("/integrations ", "/nowhere ")
    [problem] = command_problems(moved)
    assert "has no hookclient.py" in problem and "changegate install" in problem


def test_doctor_finds_wired_agents_and_runs_their_hook(tmp_path: Path) -> None:
    project(tmp_path, "claude-code")
    install("claude-code", root=tmp_path, home=tmp_path / "home", command=hook_command("claude-code"))
    install("gemini", root=tmp_path, home=tmp_path / "home", command="/nowhere/changegate hook gemini")
    wirings = {w.agent: w for w in doctor(tmp_path, tmp_path / "home")}
    assert set(wirings) == {"claude-code", "gemini"}
    assert wirings["claude-code"].self_test.startswith("ok: `rm -rf /` is denied")
    assert wirings["gemini"].problems and "not an executable" in wirings["gemini"].problems[0]


def test_cli_install_and_doctor(tmp_path: Path) -> None:
    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "changegate", *args], cwd=tmp_path, capture_output=True,
                              text=True, env={"HOME": str(tmp_path / "home"), "PATH": "/usr/bin:/bin"}, check=False)

    installed = cli("install", "cursor")
    assert installed.returncode == 0, installed.stderr
    assert "cursor: " in installed.stdout and "created" in installed.stdout
    checked = cli("doctor")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "cursor (project)" in checked.stdout and "self-test: ok" in checked.stdout
    assert cli("install", "windsurf").returncode == 1
    assert cli("uninstall", "cursor").returncode == 0
    assert not (tmp_path / ".cursor" / "hooks.json").exists()


def test_shims_go_first_on_claude_codes_path_and_come_out_again(tmp_path: Path) -> None:
    path = project(tmp_path, "claude-code")
    original = path.read_bytes()
    shim_dir = tmp_path / "shims"
    shim_dir.mkdir()
    install("claude-code", root=tmp_path, home=tmp_path / "home", command=COMMAND.format(agent="claude-code"),
            shims=shim_dir)
    env = json.loads(path.read_text())["env"]
    assert env["PATH"].split(":")[0] == str(shim_dir.resolve())
    assert env["FOO"] == "ünïcode"
    [change] = uninstall("claude-code", root=tmp_path, home=tmp_path / "home")
    assert change.action == "restored" and path.read_bytes() == original


def test_agents_whose_configuration_cannot_set_path_say_how(tmp_path: Path) -> None:
    project(tmp_path, "gemini")
    with pytest.raises(InstallError, match="PATH="):
        install("gemini", root=tmp_path, home=tmp_path / "home", shims=tmp_path / "shims")


# --- each agent's trust model: doctor says "not active" where the agent would skip the hook -------------------

def test_doctor_reads_geminis_folder_trust(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GEMINI_CLI_TRUST_WORKSPACE", raising=False)
    home, root = tmp_path / "home", tmp_path / "work" / "app"
    root.mkdir(parents=True)
    install("gemini", root=root, home=home, command=hook_command("gemini"))
    [wiring] = doctor(root, home, self_test=False)
    assert wiring.inactive and "is not trusted" in wiring.inactive[0]
    trusted = home / ".gemini" / "trustedFolders.json"
    trusted.parent.mkdir(parents=True, exist_ok=True)
    trusted.write_text(json.dumps({str(tmp_path / "work"): "TRUST_FOLDER"}))  # a parent trusted: covers app
    assert doctor(root, home, self_test=False)[0].inactive == []
    trusted.write_text(json.dumps({str(tmp_path / "work"): "TRUST_FOLDER", str(root): "DO_NOT_TRUST"}))
    assert "DO_NOT_TRUST" in doctor(root, home, self_test=False)[0].inactive[0]
    monkeypatch.setenv("GEMINI_CLI_TRUST_WORKSPACE", "true")
    assert doctor(root, home, self_test=False)[0].inactive == []
    # at user level Gemini runs the hook under --skip-trust too: nothing to report
    monkeypatch.delenv("GEMINI_CLI_TRUST_WORKSPACE")
    uninstall("gemini", root=root, home=home)
    install("gemini", "user", root=root, home=home, command=hook_command("gemini"))
    assert [w.inactive for w in doctor(root, home, self_test=False)] == [[]]


def test_doctor_reads_codex_project_and_hook_trust(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CODEX_HOME", raising=False)
    home, root = tmp_path / "home", tmp_path / "app"
    root.mkdir()
    install("codex", root=root, home=home, command=hook_command("codex"))
    [wiring] = doctor(root, home, self_test=False)
    assert len(wiring.inactive) == 2
    assert "not trusted" in wiring.inactive[0] and "no stored trust" in wiring.inactive[1]
    config = home / ".codex" / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(f'[projects."{root}"]\ntrust_level = "trusted"\n\n'
                      f'[hooks.state."{root}/.codex/hooks.json:pre_tool_use:0:0"]\n'
                      'trusted_hash = "sha256:52ad9cb0bec7f4d0e52786c6a774d684da80305605a42f420085009ad562387f"\n')
    assert doctor(root, home, self_test=False)[0].inactive == []


def test_cli_install_says_what_the_agents_trust_needs(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "changegate", "install", "gemini"], cwd=tmp_path,
                            capture_output=True, text=True, check=False,
                            env={"HOME": str(tmp_path / "home"), "PATH": "/usr/bin:/bin"})
    assert result.returncode == 0 and "--skip-trust" in result.stdout and "--user" in result.stdout
    checked = subprocess.run([sys.executable, "-m", "changegate", "doctor", "--no-self-test"], cwd=tmp_path,
                             capture_output=True, text=True, check=False,
                             env={"HOME": str(tmp_path / "home"), "PATH": "/usr/bin:/bin"})
    assert checked.returncode == 1 and "NOT ACTIVE" in checked.stdout
