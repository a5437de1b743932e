"""Where changegate keeps its local state. No heavy imports: hooks read this on every call."""

from __future__ import annotations

import os
from pathlib import Path

STATE_DIR_ENV = "CHANGEGATE_STATE_DIR"


def state_dir() -> Path:
    """`CHANGEGATE_STATE_DIR`, else `$XDG_STATE_HOME/changegate`, else `~/.local/state/changegate`."""
    configured = os.environ.get(STATE_DIR_ENV)
    if configured:
        return Path(configured).expanduser()
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "changegate"
