"""Where changegate keeps its local state. No heavy imports: hooks read this on every call."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

STATE_DIR_ENV = "CHANGEGATE_STATE_DIR"


def state_dir_name() -> str:
    """`CHANGEGATE_STATE_DIR`, else `$XDG_STATE_HOME/changegate`, else `~/.local/state/changegate`."""
    configured = os.environ.get(STATE_DIR_ENV)
    if configured:
        return os.path.expanduser(configured)
    base = os.environ.get("XDG_STATE_HOME") or os.path.join(os.path.expanduser("~"), ".local", "state")
    return os.path.join(base, "changegate")


def state_dir() -> Path:
    from pathlib import Path

    return Path(state_dir_name())
