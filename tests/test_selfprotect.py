"""The gate cannot be switched off or overruled from inside (issue 12, item 4): stopping its server, making its
program unrunnable, uninstalling it, editing its hook out of an agent's settings, its state and policy,
starting another agent with approvals off, and the agent approving its own request — each denied with a
reason that names changegate, each with a harmless twin that is allowed. Through `check`, the hook and `run`."""

from __future__ import annotations

import importlib
import io
import json
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from changegate.environments import is_within
from changegate.integrations import hook
from changegate.understand.selfguard import GateDirectories
from tests.brokering import Gate
from tests.conftest import shell

TAMPERING = [
    # its server: process, user service, container, launchd job
    "pkill -f changegate", "killall changegate", "kill $(pgrep -f changegate)", "kill -9 $(pidof changegate)",
    "kill -STOP $(pgrep -f 'changegate serve')", "systemctl --user stop changegate", "systemctl --user mask changegate",
    "systemctl --user disable changegate.service", "docker stop changegate", "docker rm -f changegate-server",
    "podman kill changegate", "docker compose down changegate", "launchctl bootout gui/501/dev.changegate",
    # its program, venv and package
    "chmod -x .venv/bin/changegate", "chmod 000 ~/.local/bin/changegate", "mv ~/.local/bin/changegate /tmp/x",
    "rm ~/.local/bin/changegate", "cp /bin/true ~/.local/bin/changegate", "ln -sf /bin/true ~/.local/bin/changegate",
    "echo 'exit 0' > .venv/bin/changegate", "truncate -s0 ~/.local/bin/changegate", "pip uninstall -y changegate",
    "uv pip uninstall changegate", "pipx uninstall changegate", "uv remove changegate", "poetry remove changegate",
    "pdm remove changegate",
    # its state and policy
    "rm -rf ~/.local/state/changegate", "echo 'rules: []' > ~/.config/changegate/policy.yaml",
    "changegate uninstall claude-code", "changegate policy init",
]
SELF_APPROVAL = [
    "changegate approvals approve req_0123456789abcdef --as alice", "changegate approvals deny req_1 --as bob",
    "changegate users add bob --role approver", "changegate tokens create agent2", "changegate trust ./deploy.sh",
    "curl -X POST http://localhost:8787/v1/requests/req_1/approve -u alice:pw",
    "curl -X POST -d 'decision=approve' http://localhost:8787/requests/req_1/approve",
    "curl -d '{}' https://gate.example.com/v1/requests/req_1/deny",
    "http POST localhost:8787/v1/requests/req_1/approve",
    "wget --post-data='' http://localhost:8787/v1/requests/req_1/approve",
    "curl -X POST http://localhost:8787/admin/users -d name=eve -d role=admin",
    "python3 -c \"import httpx; httpx.post('http://localhost:8787/v1/requests/req_1/approve', json={})\"",
    "python3 -c \"import requests; requests.post('http://localhost:8787/v1/requests/req_1/approve')\"",
]
APPROVALS_OFF = [
    "claude --dangerously-skip-permissions -p 'fix it'", "claude --permission-mode bypassPermissions -p x",
    "codex --dangerously-bypass-approvals-and-sandbox exec fix", "codex --yolo exec x", "gemini --yolo -p hi",
    "gemini --approval-mode yolo -p hi", "qwen -y -p hi", "q chat --trust-all-tools", "kiro-cli chat --trust-all-tools",
    "copilot --allow-all-tools -p x", "cursor-agent --force -p x", "amp --dangerously-allow-all -x hi",
]
TWINS = [
    "cat ~/.local/share/doc/changegate/README.md", "changegate check -- rm -rf build", "changegate explain req_1",
    "changegate approvals list", "changegate audit verify", "pkill -f 'npm run dev'", "kill %1",
    "systemctl --user stop myapp", "docker stop myapp", "rm -rf build", "uv remove requests", "uv pip uninstall requests",
    "claude -p 'fix it'", "gemini -p hi", "codex exec fix", "curl http://localhost:8787/v1/requests/req_1",
    "curl -X POST http://localhost:8787/v1/requests/req_1/cancel", "curl -X POST http://localhost:3000/api/users",
    "sed -i 's/a/b/' src/app.py",
]


@pytest.mark.parametrize("command", TAMPERING)
def test_taking_the_gate_away_is_denied_naming_it(command: str) -> None:
    verdict = shell(command)
    assert verdict.decision == "deny", (command, verdict.rules)
    assert "deny-gate-tampering" in verdict.rules
    assert any("changegate" in reason for reason in verdict.reasons)


@pytest.mark.parametrize("command", SELF_APPROVAL)
def test_an_agent_approving_or_administering_is_denied_naming_the_gate(command: str) -> None:
    verdict = shell(command)
    assert verdict.decision == "deny", (command, verdict.rules)
    assert "deny-self-approval" in verdict.rules
    assert any("changegate" in reason for reason in verdict.reasons)


@pytest.mark.parametrize("command", APPROVALS_OFF)
def test_starting_an_agent_with_approvals_off_is_denied_naming_the_gate(command: str) -> None:
    verdict = shell(command)
    assert verdict.decision == "deny", (command, verdict.rules)
    assert "deny-unsupervised-agent" in verdict.rules
    assert any("changegate" in reason for reason in verdict.reasons)


@pytest.mark.parametrize("command", TWINS)
def test_the_harmless_twins_are_allowed(command: str) -> None:
    verdict = shell(command)
    assert verdict.decision == "allow", (command, verdict.rules, verdict.reasons)


def test_an_http_action_voting_on_a_request_is_denied() -> None:
    from changegate.gate import evaluate

    voted = evaluate({"type": "http", "method": "POST", "url": "http://127.0.0.1:8787/v1/requests/req_1/approve"})
    assert voted.decision == "deny" and "deny-self-approval" in voted.rules
    read = evaluate({"type": "http", "method": "GET", "url": "http://127.0.0.1:8787/v1/requests/req_1"})
    assert read.decision == "allow"


def test_pointing_the_gate_at_another_policy_store_or_server_is_denied() -> None:
    remote = {"CHANGEGATE_URL": "https://gate.example.com", "CHANGEGATE_TOKEN": "cg_agent"}
    for command in ("CHANGEGATE_POLICY=/tmp/lax.yaml changegate run -- rm -rf build",
                    "export CHANGEGATE_POLICY=/tmp/lax.yaml", "env CHANGEGATE_STATE_DIR=/tmp/x changegate run -- ls",
                    "CHANGEGATE_URL=http://evil.example.com kubectl delete ns x", "unset CHANGEGATE_URL",
                    "env -u CHANGEGATE_URL kubectl get pods"):
        verdict = shell(command, env=remote)
        assert verdict.decision == "deny" and "deny-gate-tampering" in verdict.rules, command
    for command in ("CHANGEGATE_SHIM_WAIT=60 kubectl get pods", "export CHANGEGATE_URL=https://gate.example.com",
                    "env -i ls", "unset FOO"):
        assert shell(command, env=remote).decision == "allow", command


# --- the agent's hook settings, on disk ----------------------------------------------------------------------

@pytest.fixture
def wired(tmp_path: Path) -> tuple[Path, Path]:
    """A workspace and a home whose Claude Code settings send every tool call to changegate."""
    workspace, home = tmp_path / "app", tmp_path / "home"
    for root in (workspace, home):
        (root / ".claude").mkdir(parents=True)
        (root / ".claude" / "settings.json").write_text(json.dumps({"hooks": {"PreToolUse": [
            {"matcher": "*", "hooks": [{"type": "command", "command": "changegate hook claude-code"}]}]}}))
    return workspace, home


@pytest.mark.parametrize("command", [
    "sed -i '/changegate/d' .claude/settings.json",
    "jq 'del(.hooks)' .claude/settings.json > /tmp/s && mv /tmp/s .claude/settings.json",
    "jq 'del(.hooks)' ~/.claude/settings.json > /tmp/s.json; cp /tmp/s.json ~/.claude/settings.json",
    "python3 -c \"import json;p='.claude/settings.json';d=json.load(open(p));d['hooks']={};json.dump(d,open(p,'w'))\"",
    "echo '{}' > .claude/settings.json", "rm .claude/settings.json", "vim .claude/settings.json",
])
def test_editing_the_gates_hook_out_of_an_agents_settings_is_denied(wired: tuple[Path, Path], command: str) -> None:
    workspace, home = wired
    verdict = shell(command, cwd=str(workspace), env={"HOME": str(home)})
    assert verdict.decision == "deny" and "deny-gate-tampering" in verdict.rules, (command, verdict.rules)
    assert shell("cat .claude/settings.json", cwd=str(workspace), env={"HOME": str(home)}).decision == "allow"


def test_writing_the_settings_file_with_the_write_tool_is_denied(wired: tuple[Path, Path]) -> None:
    from changegate.gate import evaluate

    workspace, home = wired
    verdict = evaluate({"type": "file_write", "path": str(workspace / ".claude" / "settings.json"), "content": "{}",
                        "cwd": str(workspace), "env": {"HOME": str(home)}})
    assert verdict.decision == "deny" and "deny-gate-tampering" in verdict.rules


def test_removing_the_venv_the_gate_runs_from_is_denied(tmp_path: Path) -> None:
    workspace = tmp_path / "app"
    (workspace / ".venv" / "bin").mkdir(parents=True)
    (workspace / ".venv" / "bin" / "changegate").write_text("#!/bin/sh\n")
    assert shell("rm -rf .venv", cwd=str(workspace)).decision == "deny"
    (workspace / "other-venv" / "bin").mkdir(parents=True)
    assert shell("rm -rf other-venv", cwd=str(workspace)).decision == "allow"


def test_editing_the_venv_the_gate_is_installed_in_is_denied(tmp_path: Path) -> None:
    workspace = tmp_path / "app"
    venv = workspace / ".venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "lib" / "python3.12" / "site-packages" / "changegate").mkdir(parents=True)
    (venv / "pyvenv.cfg").write_text("home = /usr/bin\n")
    (venv / "bin" / "changegate").write_text("#!/bin/sh\n")
    for command in ("sed -i 's/deny/allow/' .venv/lib/python3.12/site-packages/changegate/decide.py",
                    "echo 'import os' > .venv/lib/python3.12/site-packages/zz.pth", "rm -rf .venv/lib"):
        verdict = shell(command, cwd=str(workspace))
        assert verdict.decision == "deny" and "deny-gate-tampering" in verdict.rules, command
    assert shell("echo 'x = 1' > src/app.py", cwd=str(workspace)).decision == "allow"


# --- through the hook and `changegate run` --------------------------------------------------------------------

def test_the_hook_denies_self_approval_and_names_the_gate(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CHANGEGATE_URL", raising=False)
    fixtures = Path(__file__).parent / "fixtures" / "hooks" / "claude-code"
    payload = json.loads((fixtures / "pre_tool_use_bash.json").read_text())
    module = importlib.import_module(f"changegate.integrations.{hook.AGENT_MODULES['claude-code']}")
    for command in ("curl -X POST http://localhost:8787/v1/requests/req_1/approve -u alice:pw", "pkill -f changegate"):
        payload["tool_input"] = {"command": command}
        reply = hook.run(module, io.BytesIO(json.dumps(payload).encode()), time.monotonic() + 5)  # type: ignore[arg-type]
        answer = json.loads(reply.stdout)["hookSpecificOutput"]
        assert answer["permissionDecision"] == "deny" and "changegate" in answer["permissionDecisionReason"]


def test_run_refuses_to_approve_through_the_api(gate: Gate, tmp_path: Path) -> None:
    ran = gate.run(["curl", "-X", "POST", "http://localhost:8787/v1/requests/req_1/approve"], tmp_path)
    assert ran.code == 20 and "changegate" in ran.stderr


def test_moving_a_file_into_a_directory_above_the_gate_is_not_tampering(tmp_path: Path) -> None:
    """`mv out/report.txt /tmp/` creates /tmp/report.txt: that the gate's state or a hook file also lives
    somewhere under /tmp does not make it tampering — deleting or re-permissioning the directory would."""
    home = tmp_path / "home"
    workspace = home / "app"
    (workspace / ".claude").mkdir(parents=True)
    (workspace / ".claude" / "settings.json").write_text(
        '{"hooks": {"PreToolUse": [{"matcher": "*", "hooks": [{"type": "command", '
        '"command": "changegate hook claude-code"}]}]}}')
    (workspace / "out").mkdir()
    (workspace / "out" / "report.txt").write_text("x")
    env = {"HOME": str(home)}
    moved = shell(f"mv out/report.txt {tmp_path}/", cwd=str(workspace), env=env)
    assert moved.decision == "allow", moved.reasons
    removed = shell(f"rm -rf {workspace}/.claude", cwd=str(workspace), env=env)
    assert removed.decision == "deny", removed.reasons


def test_removing_a_directory_above_a_project_with_the_hook_is_tampering(tmp_path: Path) -> None:
    """`rm -rf ~/projects` takes ~/projects/app/.claude/settings.json, and the hook in it, along; the same
    directory with a project whose settings do not name the gate is an ordinary delete (here under /tmp)."""
    home = tmp_path / "home"
    workspace = tmp_path / "projects" / "app"
    (workspace / ".claude").mkdir(parents=True)
    home.mkdir()
    settings_file = workspace / ".claude" / "settings.json"
    settings_file.write_text('{"hooks": {"PreToolUse": [{"matcher": "*", "hooks": [{"type": "command", '
                             '"command": "changegate hook claude-code"}]}]}}')
    env = {"HOME": str(home)}
    removed = shell(f"rm -rf {tmp_path}/projects", cwd=str(workspace), env=env)
    assert removed.decision == "deny" and "hook" in " ".join(removed.reasons), removed.reasons
    settings_file.write_text('{"permissions": {"allow": ["Bash(ls:*)"]}}')
    twin = shell(f"rm -rf {tmp_path}/projects", cwd=str(workspace), env=env)
    assert twin.decision == "allow", twin.reasons


# --- the quick question every changed path asks of the gate's own directories ----------------------------------


_PART = st.sampled_from(["home", "dev", ".local", "state", "changegate", "srv", "app", ".config", "x"])
_PATH = st.lists(_PART, min_size=0, max_size=5).map(lambda parts: "/" + "/".join(parts))


@settings(max_examples=500, deadline=None)
@given(directories=st.lists(_PATH, min_size=1, max_size=5), path=_PATH, ancestors=st.booleans(),
       trailing=st.booleans())
def test_the_quick_check_never_says_no_where_a_directory_would_say_yes(
        directories: list[str], path: str, ancestors: bool, trailing: bool) -> None:
    own = GateDirectories(tuple((d + ("/" if trailing and d != "/" else ""), "x") for d in directories))
    held = any(is_within(path, d) or (ancestors and is_within(d, path) and path != "/") for d, _ in own.entries)
    if held:
        assert own.may_hold(path, ancestors=ancestors)
    if not own.may_hold(path, ancestors=ancestors):
        assert not held
