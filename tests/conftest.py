"""Shared helpers: decide an action the way `check --batch` would, with an agent-like cwd and HOME."""

from __future__ import annotations

from typing import Any

import pytest

from changegate.gate import evaluate
from changegate.model import Effect, Verdict
from changegate.policy import Policy

pytest_plugins = ["tests.stores",  # store fixtures (SQLite and PostgreSQL) for the approval/audit/server tests
                  "tests.brokering"]  # a gate of the test's own for the broker tests

WORKSPACE = "/home/dev/app"
HOME = "/home/dev"


def shell(command: str, *, cwd: str = WORKSPACE, env: dict[str, str] | None = None,
          policy: Policy | None = None, agent: str | None = None) -> Verdict:
    """The verdict for a shell command run by an agent in WORKSPACE with HOME."""
    action: dict[str, Any] = {"type": "shell", "command": command, "cwd": cwd,
                              "env": {"HOME": HOME, "USER": "dev", **(env or {})}}
    if agent:
        action["agent"] = agent
    return evaluate(action, policy)


def effects(verdict: Verdict, operation: str | None = None) -> list[Effect]:
    return [e for e in verdict.effects if operation is None or e.operation == operation]


def resources(verdict: Verdict, operation: str | None = None) -> set[str]:
    return {e.resource for e in effects(verdict, operation)}


@pytest.fixture
def check():
    return shell
