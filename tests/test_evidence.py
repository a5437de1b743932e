"""Evidence the agent cannot write (issue 12, item 2): a saved plan is read from the plan itself (the gate runs
`terraform show -json PLAN`, bounded, or refuses), never from a JSON file beside it; an MCP server's environment
comes from the policy and from how it is started, never from its name alone; a tool's own effect and the
effects its arguments carry both count."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from changegate.gate import evaluate
from changegate.understand import facts, outgoing_action
from tests.test_server import Api, api, quick_argon2  # noqa: F401  (fixtures)

HOME = "/home/dev"
TERRAFORM = shutil.which("terraform")
needs_terraform = pytest.mark.skipif(TERRAFORM is None, reason="terraform is not installed")
NOTHING_CHANGES = {"format_version": "1.2", "resource_changes": [
    {"address": "terraform_data.db", "mode": "managed", "type": "terraform_data", "name": "db",
     "change": {"actions": ["no-op"]}}]}


@pytest.fixture
def saved_plan(tmp_path: Path) -> Path:
    """A real binary plan that replaces `terraform_data.db` (the built-in provider: nothing to download)."""
    assert TERRAFORM is not None
    project = tmp_path / "infra"
    project.mkdir()
    (project / "main.tf").write_text('resource "terraform_data" "db" {\n  input = "a"\n  triggers_replace = ["v1"]\n}\n')
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "TF_IN_AUTOMATION": "1", "CHECKPOINT_DISABLE": "1"}
    for step in (["init", "-input=false"], ["apply", "-auto-approve", "-input=false"]):
        subprocess.run([TERRAFORM, *step, "-no-color"], cwd=project, env=env, check=True, capture_output=True,
                       timeout=120)
    (project / "main.tf").write_text((project / "main.tf").read_text().replace("v1", "v2"))
    subprocess.run([TERRAFORM, "plan", "-out", "tf.plan", "-input=false", "-no-color"], cwd=project, env=env,
                   check=True, capture_output=True, timeout=120)
    # what an agent would leave beside it: a JSON that says nothing changes
    (project / "tf.plan.json").write_text(json.dumps(NOTHING_CHANGES))
    return project


def apply_action(project: Path, command: str = "terraform apply tf.plan", **env: str) -> dict[str, Any]:
    return {"type": "shell", "command": command, "cwd": str(project), "env": {"HOME": HOME, **env}}


# --- plans ---------------------------------------------------------------------------------------------------

@needs_terraform
def test_a_saved_plan_is_read_from_the_plan_itself(saved_plan: Path) -> None:
    verdict = evaluate(apply_action(saved_plan))
    replaced = [e for e in verdict.effects if e.operation == "replace"]
    assert replaced and "terraform_data.db" in replaced[0].resource, verdict.effects
    assert "unseen-changes" not in replaced[0].tags  # what terraform shows, not the JSON beside it
    # the plan's JSON binds the approval: the same command on another plan is another action
    (saved_plan / "main.tf").write_text((saved_plan / "main.tf").read_text().replace('"a"', '"b"'))
    subprocess.run([str(TERRAFORM), "plan", "-out", "tf.plan", "-input=false", "-no-color"], cwd=saved_plan,
                   capture_output=True, check=True, timeout=120, env={**os.environ, "TF_IN_AUTOMATION": "1"})
    assert evaluate(apply_action(saved_plan)).action_hash != verdict.action_hash


@needs_terraform
def test_check_plan_of_a_binary_plan_runs_terraform_show(saved_plan: Path) -> None:
    verdict = evaluate({"type": "terraform_plan", "path": "tf.plan", "cwd": str(saved_plan), "env": {"HOME": HOME}})
    assert any(e.operation == "replace" and "terraform_data.db" in e.resource for e in verdict.effects)


def test_without_terraform_a_binary_plan_is_refused_not_guessed(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "tf.plan").write_bytes(b"PK\x03\x04binary")
    (tmp_path / "tf.plan.json").write_text(json.dumps(NOTHING_CHANGES))
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    verdict = evaluate(apply_action(tmp_path, TF_WORKSPACE="prod"))
    (effect,) = verdict.effects
    assert verdict.decision == "ask" and "plan-unreadable" in effect.tags
    assert "cannot read" in effect.summary and "not installed" in effect.summary
    tofu = evaluate(apply_action(tmp_path, "tofu apply tf.plan", TF_WORKSPACE="prod"))
    assert tofu.decision == "ask" and "tofu is not installed" in tofu.effects[0].summary


def test_terraform_show_is_bounded_in_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "tf.plan").write_bytes(b"PK\x03\x04")
    slow = tmp_path / "bin" / "terraform"
    slow.parent.mkdir()
    slow.write_text("#!/bin/sh\nexec sleep 30\n")
    slow.chmod(0o755)
    monkeypatch.setenv("PATH", f"{slow.parent}:{os.environ['PATH']}")
    monkeypatch.setattr(facts, "PLAN_SECONDS", 0.5)
    with pytest.raises(facts.Unreadable, match=r"took longer than 0\.5 s"):
        facts.show_plan("terraform", str(tmp_path / "tf.plan"), str(tmp_path))


@needs_terraform
def test_the_server_decides_on_the_plan_the_client_read(api: Api, saved_plan: Path) -> None:  # noqa: F811
    sent = outgoing_action(apply_action(saved_plan))
    key = facts.plan_key("terraform", str(saved_plan / "tf.plan"))
    assert '"terraform_data.db"' in sent["facts"]["plans"][key]
    decided = api.check(sent).json()
    assert any(e["operation"] == "replace" and "terraform_data.db" in e["resource"] for e in decided["effects"])
    # without the client's facts the server cannot read the agent's plan: it says so, and asks
    bare = api.check(apply_action(saved_plan)).json()
    (unread,) = bare["effects"]
    assert "plan-unreadable" in unread["tags"] and "did not send" in unread["summary"]


# --- MCP servers ---------------------------------------------------------------------------------------------

def mcp(server: str, tool: str, arguments: dict[str, Any], started: dict[str, Any] | None = None) -> Any:
    action: dict[str, Any] = {"type": "mcp_tool", "server": server, "tool": tool, "arguments": arguments,
                              "cwd": "/home/dev/app", "env": {"HOME": HOME}}
    if started is not None:
        action["facts"] = {"mcp_server": started}
    return evaluate(action)


def test_how_an_mcp_server_is_started_places_it() -> None:
    prod = {"command": ["npx", "-y", "@modelcontextprotocol/server-postgres", "postgresql://app@db.prod.internal/app"]}
    dropped = mcp("db-local", "query", {"sql": "DROP TABLE users"}, prod)
    assert dropped.decision != "allow"
    assert any(e.environment == "prod" and e.operation == "delete" for e in dropped.effects)
    local = {"command": ["npx", "-y", "@modelcontextprotocol/server-postgres", "postgresql://localhost/app_dev"]}
    assert mcp("db", "query", {"sql": "DROP TABLE scratch"}, local).decision == "allow"
    kube = {"command": ["kubectl-mcp", "--context", "prod-eu"]}
    assert mcp("k8s-local", "delete_pod", {"name": "web-1"}, kube).effects[0].environment == "prod"
    via_env = {"command": ["mcp-server-k8s"], "env": {"KUBE_CONTEXT": "kind-dev"}}
    assert mcp("k8s", "delete_pod", {"name": "web-1"}, via_env).effects[0].environment == "dev"


def test_a_server_name_alone_is_not_evidence() -> None:
    named = mcp("payments-local", "delete_pod", {"name": "web-1"})
    assert named.effects[0].environment == "unknown" and named.decision == "ask"


def test_a_tools_own_effect_and_its_arguments_both_count() -> None:
    disguised = mcp("ops", "drop_database", {"command": "echo done", "name": "orders"})
    assert {"delete", "read"} <= {e.operation for e in disguised.effects}
    assert disguised.decision != "allow"
    # a tool that only runs what it is given is that command
    assert mcp("shell", "run_command", {"command": "git status"}).decision == "allow"
    assert mcp("shell", "run_command", {"command": "rm -rf /srv/data"}).decision != "allow"


def test_the_proxy_facts_travel_to_the_server(api: Api) -> None:  # noqa: F811
    action = {"type": "mcp_tool", "server": "db-local", "tool": "query", "arguments": {"sql": "DROP TABLE users"},
              "cwd": "/home/dev/app", "env": {"HOME": HOME},
              "facts": {"mcp_server": {"command": ["mcp-postgres", "postgresql://db.prod.internal/app"]},
                        "files": {"/etc/passwd": "root:x:0:0"}}}  # a caller cannot hand in file facts
    sent = outgoing_action(action)
    assert sent["facts"]["mcp_server"]["command"][0] == "mcp-postgres"
    assert "/etc/passwd" not in sent["facts"].get("files", {})
    answer = api.check(sent).json()
    assert answer["decision"] == "ask" and any(e["environment"] == "prod" for e in answer["effects"])
