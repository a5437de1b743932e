"""MCP tool calls: names, annotations (hints only) and arguments that carry an action of their own."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from changegate.gate import evaluate
from changegate.model import Verdict
from changegate.understand.mcp import tool_words

FIXTURES = Path(__file__).parent / "fixtures" / "mcp"
WORKSPACE = "/home/dev/app"


def call(server: str, tool: str, arguments: dict[str, Any] | None = None,
         annotations: dict[str, Any] | None = None) -> Verdict:
    action: dict[str, Any] = {"type": "mcp_tool", "server": server, "tool": tool, "arguments": arguments or {},
                              "cwd": WORKSPACE, "env": {"HOME": "/home/dev"}}
    if annotations is not None:
        action["annotations"] = annotations
    return evaluate(action)


def operations(verdict: Verdict) -> list[str]:
    return [e.operation for e in verdict.effects]


def load_tools() -> list[dict[str, Any]]:
    return [json.loads(line) for line in (FIXTURES / "tool_annotations.jsonl").read_text().splitlines()]


# --- names -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "words"), [
    ("delete_repository", ["delete", "repository"]),
    ("deleteRepository", ["delete", "repository"]),
    ("create-or-update-file", ["create", "or", "update", "file"]),
    ("HTTPGetURL", ["http", "get", "url"]),
])
def test_tool_names_split_into_words(name: str, words: list[str]) -> None:
    assert tool_words(name) == words


@pytest.mark.parametrize(("tool", "operation"), [
    ("get_commit", "read"),  # `commit` is a noun here: the leading verb decides
    ("get_latest_release", "read"),
    ("list_label", "read"),
    ("pull_request_read", "read"),  # verb last
    ("issue_write", "modify"),
    ("create_or_update_file", "modify"),  # the more severe of two joined verbs
    ("github_delete_repository", "delete"),  # verb after a namespace
    ("drop_table", "delete"),
    ("git_push", "modify"),
    ("send_email", "publish"),
    ("grant_role", "permission"),
    ("get_secret", "secret_read"),
])
def test_the_name_says_the_operation(tool: str, operation: str) -> None:
    verdict = call("svc", tool)
    assert operations(verdict) == [operation]


def test_a_destructive_name_is_never_made_safe_by_read_only_hint() -> None:
    verdict = call("github", "delete_repository", {"owner": "octo", "repo": "app"}, {"readOnlyHint": True})
    assert verdict.decision == "ask"
    assert operations(verdict) == ["delete"]
    # a repository holds data: two people must agree
    assert verdict.approvals_required == 2
    assert verdict.effects[0].data_loss
    assert verdict.effects[0].resource == "mcp:github/delete_repository/octo/app"


def test_a_name_without_a_verb_is_not_understood_unless_hinted() -> None:
    assert call("acme", "frobnicate").decision == "ask"
    assert "not-understood" in call("acme", "frobnicate").effects[0].tags
    assert call("acme", "frobnicate", annotations={"readOnlyHint": True}).decision == "allow"
    # destructiveHint on a verbless name makes it a delete
    assert operations(call("acme", "frobnicate", annotations={"destructiveHint": True})) == ["delete"]


def test_destructive_hint_raises_a_read_name() -> None:
    verdict = call("acme", "get_report", annotations={"readOnlyHint": False, "destructiveHint": True})
    assert verdict.decision == "ask"
    assert operations(verdict) == ["modify"]


def test_reads_are_allowed_and_changes_to_unseen_systems_ask() -> None:
    assert call("github", "list_issues", {"owner": "o", "repo": "r"}).decision == "allow"
    created = call("github", "create_issue", {"owner": "o", "repo": "r", "title": "t"})
    assert created.decision == "ask"
    assert created.effects[0].environment == "unknown"


def test_arguments_and_server_names_place_the_target() -> None:
    prod = call("db", "update_row", {"url": "postgresql://db.prod.internal/app"})
    assert prod.effects[0].environment == "prod"
    prod_server = call("payments-prod", "delete_pod", {"name": "web-1"})
    assert prod_server.effects[0].environment == "prod"


def test_a_server_name_alone_never_makes_it_dev() -> None:
    """Anyone can name a server `…-local`: its name only ever makes it stricter (issue 12, item 2)."""
    for server in ("k8s-dev", "db-local", "sandbox"):
        named = call(server, "delete_pod", {"name": "web-1"})
        assert named.effects[0].environment == "unknown" and named.decision == "ask", server


def test_the_policy_maps_a_server_name(tmp_path: Path) -> None:
    from changegate.policy import load_policy

    (tmp_path / "policy.yaml").write_text("extends: default\nenvironments:\n  dev:\n    names: [k8s-dev]\n")
    policy = load_policy(tmp_path / "policy.yaml")
    action = {"type": "mcp_tool", "server": "k8s-dev", "tool": "delete_pod", "arguments": {"name": "web-1"},
              "cwd": WORKSPACE, "env": {"HOME": "/home/dev"}}
    verdict = evaluate(action, policy)
    assert verdict.effects[0].environment == "dev" and "by the policy" in verdict.effects[0].why_environment
    assert verdict.decision == "allow"


def test_many_targets_and_all_widen_the_scope() -> None:
    many = call("memory", "delete_entities", {"entityNames": ["a", "b", "c"]})
    assert many.effects[0].scope == "many" and many.effects[0].count == 3
    everything = call("cache", "delete_keys", {"all": True})
    assert everything.effects[0].scope == "all"


# --- arguments that carry an action ------------------------------------------------------------------------

def test_a_command_argument_is_understood_as_that_command() -> None:
    held = call("shell", "run_command", {"command": "rm -rf /srv/data"})
    assert held.decision != "allow"
    assert "fs:/srv/data" in {e.resource for e in held.effects}
    harmless = call("shell", "run_command", {"command": "git status"})
    assert harmless.decision == "allow"


def test_a_command_argument_reaches_the_catastrophe_rules() -> None:
    assert call("terminal", "execute", {"cmd": "rm -rf /"}).decision == "deny"


def test_a_local_servers_paths_are_files_on_this_machine() -> None:
    secret = call("filesystem", "read_text_file", {"path": "/home/dev/.ssh/id_rsa"}, {"readOnlyHint": True})
    assert operations(secret) == ["secret_read"]
    assert secret.decision == "ask"
    source = call("filesystem", "read_text_file", {"path": "src/main.py"}, {"readOnlyHint": True})
    assert source.decision == "allow"
    assert source.effects[0].resource == "fs:/home/dev/app/src/main.py"
    moved = call("filesystem", "move_file", {"source": "/home/dev/app/a", "destination": "/etc/passwd"})
    assert moved.decision == "deny"


def test_a_path_next_to_a_remote_locator_is_not_a_local_file() -> None:
    # github's delete_file: `path` is inside the repository, not in the agent's workspace
    verdict = call("github", "delete_file", {"owner": "o", "repo": "r", "path": "README.md", "branch": "main"},
                   {"destructiveHint": True})
    assert verdict.decision == "ask"
    assert all(not e.resource.startswith("fs:") for e in verdict.effects)


def test_a_git_servers_repository_inside_the_workspace_is_local_work() -> None:
    verdict = call("git", "git_commit", {"repo_path": WORKSPACE, "message": "wip"})
    assert verdict.decision == "allow"
    assert verdict.effects[0].environment == "local"


def test_query_is_sql_only_when_it_reads_as_sql() -> None:
    search = call("github", "search_issues", {"query": "is:open label:bug"})
    assert search.decision == "allow"
    assert all(e.family == "mcp" for e in search.effects)
    dropped = call("postgres", "run_query", {"query": "DROP TABLE users"})
    assert dropped.decision != "allow"


# --- bounds and malformed calls ----------------------------------------------------------------------------

def test_arguments_too_large_or_too_deep_are_not_allowed() -> None:
    deep: dict[str, Any] = {}
    node = deep
    for _ in range(40):
        node["x"] = {}
        node = node["x"]
    assert call("svc", "list_things", deep).decision != "allow"
    assert call("svc", "list_things", {"blob": "x" * (300 * 1024)}).decision != "allow"


def test_a_call_without_a_tool_name_is_not_allowed() -> None:
    verdict = evaluate({"type": "mcp_tool", "server": "svc", "arguments": {}})
    assert verdict.decision != "allow"


# --- real tool definitions -----------------------------------------------------------------------------------

def test_real_tool_definitions_only_reads_pass() -> None:
    """152 real tools (GitHub's server, the reference servers): read-only tools pass, every other asks."""
    misses = []
    for tool in load_tools():
        verdict = call(tool["server"], tool["tool"], annotations=tool["annotations"])
        read_only = tool["tool_class"] == "read_only"
        if (verdict.decision == "allow") != read_only:
            misses.append((tool["tool"], tool["tool_class"], verdict.decision))
    assert misses == []


def test_real_destructive_tools_are_held_even_with_their_hints_removed() -> None:
    for tool in load_tools():
        if tool["tool_class"] == "read_only":
            continue
        verdict = call(tool["server"], tool["tool"])
        assert verdict.decision != "allow", tool["tool"]
