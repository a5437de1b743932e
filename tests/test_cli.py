"""The CLI as scripts use it: exit codes, --json, and the `check --batch` contract."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

BIN = [sys.executable, "-m", "changegate"]


def run(*args: str, stdin: str | None = None, cwd: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_COLOR": "1"}
    env.pop("CHANGEGATE_URL", None)
    return subprocess.run([*BIN, *args], input=stdin, capture_output=True, text=True, timeout=60, cwd=cwd, env=env,
                          check=False)


def test_exit_codes_allow_ask_deny(tmp_path: Path) -> None:
    assert run("check", "--", "ls", "-la", cwd=str(tmp_path)).returncode == 0
    assert run("check", "--", "git reset --hard", cwd=str(tmp_path)).returncode == 10
    assert run("check", "--", "rm", "-rf", "/", cwd=str(tmp_path)).returncode == 20


def test_usage_error_exits_2() -> None:
    assert run("check", "--no-such-flag").returncode == 2
    assert run("check").returncode == 2


def test_json_output_is_the_contract(tmp_path: Path) -> None:
    done = run("check", "--json", "--", "rm -rf /srv/data", cwd=str(tmp_path))
    answer = json.loads(done.stdout)
    assert answer["decision"] == "ask" and answer["approvals_required"] == 1
    assert answer["effects"][0] == {**answer["effects"][0], "operation": "delete", "resource": "fs:/srv/data",
                                    "environment": "unknown", "scope": "many", "reversible": "no"}
    assert len(answer["action_hash"]) == 64 and answer["reasons"]


def test_argv_is_joined_exactly(tmp_path: Path) -> None:
    # several arguments are an argv: the space inside one stays inside it
    answer = json.loads(run("check", "--json", "--", "rm", "-rf", "my dir", cwd=str(tmp_path)).stdout)
    assert answer["effects"][0]["resource"] == f"fs:{tmp_path}/my dir"


def test_batch_contract_keeps_order_and_survives_bad_lines() -> None:
    lines = [
        {"id": "c1", "action": {"type": "shell", "command": "rm -rf /srv/data", "cwd": "/home/dev/app",
                                "env": {"HOME": "/home/dev"}}},
        "this is not json",
        {"id": "c3", "action": {"type": "shell", "command": "ls", "cwd": "/home/dev/app"}},
        {"id": "c4", "action": {"type": "teleport"}},
        {"id": "c5", "nothing": 1},
        {"id": "c6", "action": {"type": "shell", "command": "rm -rf /", "cwd": "/home/dev/app"}},
    ]
    feed = "".join((json.dumps(x) if not isinstance(x, str) else x) + "\n" for x in lines)
    done = run("check", "--batch", "-", stdin=feed)
    assert done.returncode == 0
    answers = [json.loads(line) for line in done.stdout.splitlines()]
    assert [a["id"] for a in answers] == ["c1", None, "c3", "c4", "c5", "c6"]
    assert [a["decision"] for a in answers] == ["ask", "deny", "allow", "deny", "deny", "deny"]
    assert "error" in answers[1] and "error" in answers[3] and "error" in answers[4]
    assert answers[0]["approvals_required"] == 1 and answers[2]["approvals_required"] == 0
    assert answers[5]["approvals_required"] == 0 and "error" not in answers[5]


def test_batch_from_a_missing_file_is_a_usage_error() -> None:
    done = run("check", "--batch", "/nonexistent/file.jsonl")
    assert done.returncode == 2 and "cannot read" in done.stderr


def test_bad_policy_file_is_reported_with_its_line(tmp_path: Path) -> None:
    bad = tmp_path / "p.yaml"
    bad.write_text("rules:\n  - id: x\n    decide: later\n    reason: r\n")
    done = run("check", "--policy", str(bad), "--", "ls")
    assert done.returncode == 2
    assert f"{bad}:3" in done.stderr


def test_explain_names_effects_environment_and_rule(tmp_path: Path) -> None:
    done = run("explain", "--", "rm -rf /srv/data", cwd=str(tmp_path))
    assert done.returncode == 10
    assert "fs:/srv/data" in done.stdout and "unknown" in done.stdout and "ask-prod-change" in done.stdout
    assert "\x1b[" not in done.stdout  # no colour in a pipe


def test_policy_show_and_check(tmp_path: Path) -> None:
    shown = run("policy", "show")
    assert shown.returncode == 0 and "deny-root-home-system" in shown.stdout
    good = tmp_path / "good.yaml"
    good.write_text("extends: default\n")
    assert run("policy", "check", str(good)).returncode == 0


def test_every_verb_table_is_in_the_cli_dispatch_table() -> None:
    import importlib

    from changegate.cli import COMMANDS

    for module_name in set(COMMANDS.values()):
        verbs = importlib.import_module(f"changegate.cli.{module_name}").VERBS
        assert {v for v, m in COMMANDS.items() if m == module_name} == set(verbs), module_name


def test_serve_alone_is_a_command() -> None:
    done = run("serve", "--help")
    assert done.returncode == 0 and "--port" in done.stdout


def test_explain_names_every_part_it_did_not_understand() -> None:
    out = run("explain", "--", "frobnicate --all && argocd app frob pods && ls").stdout
    lines = [line for line in out.splitlines() if line.strip().startswith("not understood:")]
    assert len(lines) == 2 and "frobnicate" in lines[0] and "frob" in lines[1]
