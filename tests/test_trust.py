"""`changegate trust`: a person vouches for a project's own tool; the policy file keeps its comments, the run
becomes ordinary work where its arguments point, and the change is in the audit log."""

from __future__ import annotations

import os
from pathlib import Path

from tests.test_cli import run


def test_trust_writes_the_policy_and_the_tool_then_flows_only_where_it_was_trusted(tmp_path: Path) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text("# the team's policy\nextends: default\n")
    tool = tmp_path / "bin" / "deploytool"
    tool.parent.mkdir()
    tool.write_text("#!/bin/sh\n")
    tool.chmod(0o755)
    env_path = f"{tool.parent}:{os.environ.get('PATH', '')}"
    before = run("check", "--policy", str(policy), "--cwd", str(tmp_path), "--", f"PATH={env_path} deploytool --env dev")
    assert before.returncode == 10  # an unknown program asks, even in the workspace
    added = run("trust", "deploytool", "--args", "--env dev*", "--reason", "ours", "--policy", str(policy))
    assert added.returncode == 0, added.stderr
    text = policy.read_text()
    assert text.startswith("# the team's policy\n") and "deploytool" in text
    assert run("check", "--policy", str(policy), "--cwd", str(tmp_path), "--",
               f"PATH={env_path} deploytool --env dev").returncode == 0
    assert run("check", "--policy", str(policy), "--cwd", str(tmp_path), "--",
               f"PATH={env_path} deploytool --env prod").returncode == 10
    log = run("audit", "tail")
    assert "policy.trusted" in log.stdout


def test_trust_needs_a_policy_file_and_refuses_one_that_would_not_validate(tmp_path: Path) -> None:
    assert run("trust", "x").returncode == 2
    broken = tmp_path / "policy.yaml"
    broken.write_text("rules: [\n")
    assert run("trust", "x", "--policy", str(broken)).returncode == 2
    assert broken.read_text() == "rules: [\n"  # nothing was changed


def test_an_agent_cannot_trust_for_itself() -> None:
    assert run("check", "--", "changegate trust rm --policy p.yaml").returncode == 20
