"""Installing a pinned agent client from npm into the cache (once), and finding its program."""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.agents.versions import PINNED

INSTALL_TIMEOUT_S = 900


def cache_root() -> Path:
    """Outside the repository and the test's HOME (the autouse fixture replaces HOME): the real user's."""
    configured = os.environ.get("CHANGEGATE_AGENTS_CACHE")
    if configured:
        return Path(configured)
    import pwd

    return Path(pwd.getpwuid(os.getuid()).pw_dir) / ".cache" / "changegate-agents"


def client(agent: str) -> Path:
    """The pinned client's program, installing it first if the cache does not have it. Skips (with the
    reason) only when node or npm is not on this machine; an install that fails is a failure."""
    package, version, program = PINNED[agent]
    missing = [tool for tool in ("node", "npm") if shutil.which(tool) is None]
    if missing:
        pytest.skip(f"{' and '.join(missing)} not installed: the real {agent} client cannot run here")
    prefix = cache_root() / f"{agent}-{version}"
    binary = prefix / "node_modules" / ".bin" / program
    if binary.exists():
        return binary
    prefix.mkdir(parents=True, exist_ok=True)
    with open(prefix.parent / f".{agent}.lock", "w") as lock:  # parallel test workers install once
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not binary.exists():
            result = subprocess.run(
                ["npm", "install", "--prefix", str(prefix), "--no-audit", "--no-fund", "--loglevel=error",
                 f"{package}@{version}"], capture_output=True, text=True, timeout=INSTALL_TIMEOUT_S, check=False,
                env={**os.environ, "HOME": str(cache_root().parent.parent)})
            if result.returncode != 0 or not binary.exists():
                pytest.fail(f"npm install {package}@{version} failed: {result.stderr[-2000:]}")
    return binary
