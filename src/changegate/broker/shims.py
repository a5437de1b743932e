"""Shims: executables named after the tools agents use on real systems, which hand their real argv to the gate.

A shim is a two-line shell script. By the time it runs, the agent's shell has done all its expanding
(`X=delete; kubectl $X ns payments` arrives as `kubectl delete ns payments`), so the gate checks the exact
argument vector the tool would receive — no parsing ambiguity. `changegate run` then finds the real tool
later on PATH, skipping every shim directory and every other changegate shim, so a shim can never call
itself, and fails closed (exit 127, nothing runs) when there is no real tool.

    changegate shims install [DIR] [--tool kubectl …] [--add pulumi …]
    export PATH="DIR:$PATH"            # or let `changegate install AGENT` do it: `agent_path()`

The shim runs Python with `-I` (isolated: PYTHONPATH and user site-packages are ignored), so an agent cannot
put its own `changegate` module in front of the real one.
"""

from __future__ import annotations

import os
import shlex
import stat
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from changegate.state import state_dir

MARKER = "# changegate-shim"  # in every shim's first lines: how a shim recognises another shim
DIR_MARKER = ".changegate-shims"  # in every shim directory: how the broker recognises one on PATH
MARKER_SCAN_BYTES = 512
DEFAULT_TOOLS = ("kubectl", "helm", "terraform", "tofu", "aws", "gcloud", "az", "psql", "mysql", "redis-cli",
                 "mongosh")
SHIM_DIR_NAME = "shims"
MAX_PATH_ENTRIES = 256  # a PATH longer than this is cut: nothing loops over an unbounded variable
TOOL_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-+")


class ShimError(Exception):
    """A shim cannot be installed or the real tool cannot be found; the message says which and why."""


def default_dir() -> Path:
    """Where `shims install` puts the shims when no directory is given: the gate's state directory."""
    return state_dir() / SHIM_DIR_NAME


def valid_tool_name(name: str) -> bool:
    return bool(name) and len(name) <= 64 and set(name) <= TOOL_NAME_CHARS and not name.startswith(("-", "."))


def shim_text(tool: str, python: str | None = None) -> str:
    """The shim script for `tool`: exec the gate with the tool's name and the arguments exactly as given."""
    interpreter = shlex.quote(python or sys.executable)
    program = "import sys; from changegate.broker.run import shim_main; sys.exit(shim_main(sys.argv[1:]))"
    return (f"#!/bin/sh\n{MARKER}: {tool}\n"
            f"# Hands the exact arguments to `changegate run`, which checks them and runs the real {tool}.\n"
            f"exec {interpreter} -I -c {shlex.quote(program)} {shlex.quote(tool)} \"$@\"\n")


def is_shim(path: Path) -> bool:
    """Whether a file is a changegate shim (ours or another installation's)."""
    try:
        with path.open("rb") as handle:
            head = handle.read(MARKER_SCAN_BYTES)
    except OSError:
        return False
    return MARKER.encode() in head


def install(directory: Path, tools: Iterable[str], python: str | None = None) -> list[Path]:
    """Write one shim per tool into `directory` (created 0755). A file there that is not a shim is never
    overwritten."""
    names = list(dict.fromkeys(tools))
    for name in names:
        if not valid_tool_name(name):
            raise ShimError(f"{name!r} is not a tool name (letters, digits, '.', '_', '-', '+')")
    directory.mkdir(parents=True, exist_ok=True)
    (directory / DIR_MARKER).write_text("changegate shims live here: the broker removes this directory from the "
                                        "PATH of the commands it runs\n")
    written: list[Path] = []
    for name in names:
        target = directory / name
        if target.exists() and not is_shim(target):
            raise ShimError(f"{target} exists and is not a changegate shim; not overwriting it")
        temporary = directory / f".{name}.tmp"
        temporary.write_text(shim_text(name, python))
        temporary.chmod(0o755)
        temporary.replace(target)  # atomic: a tool call never sees a half-written shim
        written.append(target)
    return written


def installed(directory: Path) -> list[str]:
    """The tools that have a shim in `directory`."""
    if not directory.is_dir():
        return []
    return sorted(entry.name for entry in directory.iterdir() if entry.is_file() and is_shim(entry))


def remove(directory: Path, tools: Iterable[str] | None = None) -> list[str]:
    """Remove shims (only files that are shims) from `directory`; all of them when `tools` is None."""
    chosen = set(tools) if tools is not None else None
    removed = []
    for name in installed(directory):
        if chosen is None or name in chosen:
            (directory / name).unlink()
            removed.append(name)
    return removed


# --- PATH ----------------------------------------------------------------------------------------------

def path_entries(path: str | None) -> list[str]:
    return [entry for entry in (path or "").split(os.pathsep) if entry][:MAX_PATH_ENTRIES]


def agent_path(shim_dir: Path | None = None, path: str | None = None) -> str:
    """The PATH an agent should run with: the shim directory first, then `path` (default: this process's
    PATH) without any other copy of it. For `changegate install AGENT`."""
    directory = str((shim_dir or default_dir()).resolve())
    rest = [entry for entry in path_entries(os.environ.get("PATH", "") if path is None else path)
            if not _same_dir(entry, directory)]
    return os.pathsep.join([directory, *rest])


def _same_dir(entry: str, directory: str) -> bool:
    try:
        return os.path.realpath(entry) == os.path.realpath(directory)
    except OSError:
        return False


def _is_shim_dir(entry: str) -> bool:
    """A PATH entry that holds changegate shims: it has the directory marker, or one of the usual tools in it
    is a shim (a directory someone filled by hand)."""
    folder = Path(entry)
    if (folder / DIR_MARKER).exists():
        return True
    return any(is_shim(folder / name) for name in DEFAULT_TOOLS if (folder / name).is_file())


def path_without_shims(path: str | None) -> str:
    """PATH with every shim directory removed: what an approved action's child runs with, so the tools it
    calls are the real ones (the whole action was checked already)."""
    return os.pathsep.join(entry for entry in path_entries(path) if not _is_shim_dir(entry))


@dataclass(frozen=True, slots=True)
class Resolved:
    path: str  # the real executable
    skipped: tuple[str, ...]  # shims passed over on the way (for messages)


def candidates(tool: str, path: str | None) -> Iterator[Path]:
    for entry in path_entries(path):
        candidate = Path(entry) / tool
        try:
            mode = candidate.stat().st_mode
        except OSError:
            continue
        if stat.S_ISREG(mode) and os.access(candidate, os.X_OK):
            yield candidate


def resolve(tool: str, path: str | None) -> Resolved:
    """The real `tool`: the first executable of that name on PATH that is not a changegate shim (nor a
    symlink to one). A name with a slash is taken as given, unless it is a shim. Raises ShimError."""
    if "/" in tool:
        given = Path(tool)
        if not is_shim(given.resolve()):
            if os.access(given, os.X_OK) and given.is_file():
                return Resolved(str(given), ())
            raise ShimError(f"{tool}: no such executable")
        tool = given.name
    skipped: list[str] = []
    for candidate in candidates(tool, path):
        if is_shim(candidate.resolve()):
            skipped.append(str(candidate))
            continue
        return Resolved(str(candidate), tuple(skipped))
    where = f" (passed over the shims {', '.join(skipped)})" if skipped else ""
    raise ShimError(f"{tool}: the real {tool} was not found on PATH{where}; nothing ran")
