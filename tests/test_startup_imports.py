"""The paths that run on every agent tool call import nothing heavy: no SQLAlchemy, FastAPI, pydantic, Typer,
Rich or urllib.request on the hook's path. (The lazy imports that keep
them off are marked in the code; this is what they are for.)"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ("sqlalchemy", "fastapi", "starlette", "pydantic", "httpx", "typer", "rich", "urllib.request",
         "changegate.service.store", "changegate.gate.checkpoint", "changegate.server", "changegate.cli")
ENGINE = ("changegate.gate", "changegate.understand", "changegate.decide", "changegate.policy")
ACTION = {"type": "shell", "command": "rm -rf /srv/data", "cwd": "/home/dev/app", "env": {"HOME": "/home/dev"}}


def loaded_after(code: str, watch: tuple[str, ...]) -> list[str]:
    """Which of `watch` a fresh interpreter has imported after running `code`."""
    probe = f"{code}\nimport json, sys\nprint(json.dumps([m for m in {list(watch)!r} if m in sys.modules]))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True)
    return list(json.loads(done.stdout.strip().splitlines()[-1]))


def test_a_local_hook_decision_imports_nothing_heavy() -> None:
    code = (f"from changegate.integrations import hook, claude_code\n"
            f"assert hook.local_checker('t')({ACTION!r}).decision == 'ask'")
    assert loaded_after(code, HEAVY) == []


def test_a_remote_hook_decision_imports_nothing_heavy() -> None:
    """Remote mode sends the facts understanding reads where the agent runs (the server never opens an
    agent-named path), so the hook understands the action before it asks: the engine, not the store or the
    server (and the warm path's daemon keeps the engine imported)."""
    code = ("from changegate.integrations import hook, claude_code\n"
            f"assert hook.remote_checker('http://127.0.0.1:9', 1e12)({ACTION!r}).decision == 'deny'")
    assert loaded_after(code, HEAVY) == []


@pytest.mark.parametrize(("code", "expected"), [
    ("from changegate.cli import build; build('check')", {"typer", "changegate.cli"}),  # `check`, no --wait
    ("from changegate.broker.run import shim_main", set()),  # every shim call
    ("from changegate.integrations.mcp_proxy import judge", set()),
])
def test_the_other_per_call_paths_import_nothing_heavy(code: str, expected: set[str]) -> None:
    assert set(loaded_after(code, HEAVY)) == expected
