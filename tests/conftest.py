"""Shared helpers: decide an action the way `check --batch` would, with an agent-like cwd and HOME; and every
test in a home and state directory of its own (`own_state`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from changegate.gate import evaluate
from changegate.model import Effect, Verdict
from changegate.policy import Policy
from changegate.state import STATE_DIR_ENV, state_dir_name

pytest_plugins = ["tests.stores",  # store fixtures (SQLite and PostgreSQL) for the approval/audit/server tests
                  "tests.brokering"]  # a gate of the test's own for the broker tests

WORKSPACE = "/home/dev/app"
HOME = "/home/dev"
REAL_STATE_DIR = state_dir_name()  # where this machine's changegate keeps its state: no test may touch it
# Variables that point changegate at another store, server, policy or identity: a developer's shell may set
# them, and a test must not follow them.
OUTSIDE_SETTINGS = ("CHANGEGATE_URL", "CHANGEGATE_TOKEN", "CHANGEGATE_DATABASE_URL", "CHANGEGATE_POLICY",
                    "CHANGEGATE_AGENT", "CHANGEGATE_PUBLIC_URL", "CHANGEGATE_WEBHOOKS", "CHANGEGATE_HOOK_TIMEOUT",
                    "CHANGEGATE_SHIM_WAIT", "CHANGEGATE_CHECKPOINT_KEY", "CHANGEGATE_WITNESSES",
                    "CHANGEGATE_CHECKPOINT_EVERY", "CHANGEGATE_CHECKPOINT_EVERY_S", "CHANGEGATE_SESSION_SECRET",
                    "CHANGEGATE_DAEMON_IDLE")


@pytest.fixture(autouse=True)
def own_state(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A home and a state directory of the test's own, by each way changegate finds its state
    (CHANGEGATE_STATE_DIR, then XDG_STATE_HOME, then HOME): a spool, store, vault or shim directory left in
    the real ones by an earlier run cannot leak into a test, and no test can add to them. Subprocesses
    inherit it (including those that drop the CHANGEGATE_ variables)."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    for variable, folder in (("XDG_STATE_HOME", ".local/state"), ("XDG_CONFIG_HOME", ".config"),
                             ("XDG_CACHE_HOME", ".cache"), ("XDG_DATA_HOME", ".local/share")):
        monkeypatch.setenv(variable, str(home / folder))
    monkeypatch.setenv(STATE_DIR_ENV, str(home / ".local/state/changegate"))
    for variable in OUTSIDE_SETTINGS:
        monkeypatch.delenv(variable, raising=False)
    # hooks started by tests decide in their own process and start no daemon (tests/test_daemon.py and the
    # real-client tests in tests/agents turn it on)
    monkeypatch.setenv("CHANGEGATE_DAEMON", "off")
    return home


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
