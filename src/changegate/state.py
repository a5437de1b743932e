"""Where changegate keeps its local state. No heavy imports: hooks read this on every call."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

STATE_DIR_ENV = "CHANGEGATE_STATE_DIR"


def state_dir_name() -> str:
    """`CHANGEGATE_STATE_DIR`, else `$XDG_STATE_HOME/changegate`, else `~/.local/state/changegate`.

    Worked out once per value of those variables and HOME: every decision asks (the digest key, the
    guardrails). They are read from os.environ's own bytes mapping where it has one (CPython's, kept in step
    with every change to os.environ): three lookups, not three trips through the Mapping API with an encode
    and a decode each."""
    raw = getattr(os.environ, "_data", None)
    settings: tuple[object, object, object]
    if isinstance(raw, dict):
        settings = (raw.get(b"CHANGEGATE_STATE_DIR"), raw.get(b"XDG_STATE_HOME"), raw.get(b"HOME"))
    else:
        environ = os.environ
        settings = (environ.get(STATE_DIR_ENV), environ.get("XDG_STATE_HOME"), environ.get("HOME"))
    found = _NAMES.get(settings)
    if found is None:
        if len(_NAMES) > 64:
            _NAMES.clear()
        found = _NAMES[settings] = _worked_out()
    return found


_NAMES: dict[tuple[object, object, object], str] = {}  # a handful: one per state directory


def _worked_out() -> str:
    configured = os.environ.get(STATE_DIR_ENV)
    if configured:
        return os.path.expanduser(configured)
    base = os.environ.get("XDG_STATE_HOME") or os.path.join(os.path.expanduser("~"), ".local", "state")
    return os.path.join(base, "changegate")


def state_dir() -> Path:
    from pathlib import Path

    return Path(state_dir_name())
