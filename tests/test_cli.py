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


# --- issue 16: what a newcomer types --------------------------------------------------------------------

def test_a_missing_plan_file_is_a_usage_error_like_batch(tmp_path: Path) -> None:
    for verb in ("check", "explain"):
        done = run(verb, "--plan", "missing.json", cwd=str(tmp_path))
        assert done.returncode == 2, done.stdout
        assert "cannot read the plan missing.json: No such file" in done.stderr
    assert run("check", "--batch", "missing.jsonl", cwd=str(tmp_path)).returncode == 2


def test_policy_show_pipes_into_policy_check() -> None:
    shown = run("policy", "show")
    checked = run("policy", "check", "-", stdin=shown.stdout)
    assert checked.returncode == 0, checked.stderr
    assert checked.stdout.startswith("<stdin>: OK (")
    broken = run("policy", "check", "-", stdin="rules: [1\n")
    assert broken.returncode == 2
    assert broken.stderr.startswith("<stdin>:") and "stdin.yaml" not in broken.stderr


def test_explain_lines_its_table_up_in_a_pipe() -> None:
    plan = Path(__file__).parent / "fixtures" / "plans" / "kiro_incident.json"
    done = run("explain", "--plan", str(plan))
    lines = done.stdout.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("operation"))
    table = lines[header:header + 10]
    assert "\t" not in done.stdout
    column = table[0].index("environment")
    assert all(row[column:].startswith(("environment", "prod ")) for row in table), table
    assert table[1].split()[:3] == ["replace", "plan:plans/aws_vpc.core", "prod"]


def test_version_and_whole_help_lines() -> None:
    version = run("--version")
    assert version.returncode == 0 and version.stdout.startswith("changegate 0.")
    helped = run("--help")
    commands = helped.stdout.split("Commands:", 1)[1]
    assert not [line for line in commands.splitlines() if line.rstrip().endswith("...")]
    assert "answer an agent's hook call (the agent runs this; reads JSON on" in helped.stdout


def test_a_malformed_batch_line_says_its_line_number() -> None:
    feed = '{"id": "a", "action": {"type": "shell", "command": "ls"}}\n\nnot json\n{"id": "c", "nothing": 1}\n'
    answers = [json.loads(line) for line in run("check", "--batch", "-", stdin=feed).stdout.splitlines()]
    assert [a["id"] for a in answers] == ["a", None, "c"]
    assert "error" not in answers[0]
    assert answers[1]["error"].startswith("line 3: not JSON")  # blank lines count: the file's own numbering
    assert answers[2]["error"].startswith("line 4: ")
