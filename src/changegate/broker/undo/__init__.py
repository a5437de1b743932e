"""Undo: before an approved destructive action runs, keep what can be kept; put it back on request.

    changegate undo ID            put back what snapshot ID (u_…, or the request req_… it ran under) kept
    changegate undo --list        the snapshots, newest first
    changegate undo --prune       remove snapshots older than the retention

A snapshot is a folder in the gate's state directory (`undo/<id>/`, 0700) with a manifest and what was
kept; it is recorded with the action in the audit log. Snapshots live for CHANGEGATE_UNDO_RETENTION
(`7d` by default; `12h`, `30m`, `2w` or seconds) and are pruned when a new one is taken.

What can be kept, by keeper: files and directories (files.py), git state (git.py), PostgreSQL and SQLite
tables (sql.py), Kubernetes objects (kube.py). Everything else the action destroys is named in the approval
request as "irreversible: no snapshot possible", so the approver knows before saying yes.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from changegate.broker.undo.base import (
    Command,
    FamilyPlanner,
    Keeper,
    Planned,
    Restorer,
    Tools,
    UndoError,
    UndoPending,
)
from changegate.broker.undo.files import plan_files, restore_files
from changegate.broker.undo.git import GitKeeper, plan_git, restore_git
from changegate.broker.undo.kube import plan_kubectl, restore_kubernetes
from changegate.broker.undo.sql import plan_psql, plan_sqlite, restore_postgres, restore_sqlite
from changegate.model import Effect

__all__ = ["Plan", "Snapshot", "Tools", "UndoError", "UndoPending", "discard", "find", "plan", "prune", "restore",
           "settle", "snapshots", "take"]

UNDO_DIR = "undo"
MANIFEST = "manifest.json"
RETENTION_ENV = "CHANGEGATE_UNDO_RETENTION"
DEFAULT_RETENTION_S = 7 * 86400
MAX_NOTE_CHARS = 1500  # the approval request's reason field holds the note (and the agent's own reason)
MAX_SNAPSHOTS = 1000  # read when listing or searching: the oldest beyond this are pruned, not read
DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw]?)\s*$")
UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}

PLANNERS: dict[str, Callable[[list[str], str, Tools], Planned]] = {
    "psql": plan_psql, "sqlite3": plan_sqlite, "sqlite": plan_sqlite,
}
# planners that read the command through its family's own tables, and plan from its effects
FAMILY_PLANNERS: dict[str, FamilyPlanner] = {"git": plan_git, "kubectl": plan_kubectl, "oc": plan_kubectl}
RESTORERS: dict[str, Restorer] = {
    "files": restore_files, "git": restore_git, "postgres": restore_postgres, "sqlite": restore_sqlite,
    "kubernetes": restore_kubernetes,
}
# what cannot be taken back by keeping anything: said plainly, never kept
UNDOABLE_NEVER = frozenset({"publish", "exfiltrate", "execute_opaque"})


def destroys(effect: Effect) -> bool:
    """Whether an effect loses something that existed before (what a snapshot is for)."""
    if effect.operation in ("delete", "replace", "unknown"):
        return True
    if effect.operation == "modify":
        return effect.data_loss or "overwrite" in effect.tags or effect.reversible == "no"
    return False


@dataclass
class Plan:
    """What would be kept before the action runs, and what cannot be (plain sentences)."""

    keepers: list[Keeper] = field(default_factory=list)
    lost: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.keepers

    def note(self) -> str:
        """The lines the approval request carries."""
        lines = []
        if self.keepers:
            lines.append("undo: kept before it runs: " + "; ".join(k.describe() for k in self.keepers))
        if self.lost:
            lines.append("irreversible: no snapshot possible: " + "; ".join(self.lost))
        cap = MAX_NOTE_CHARS // 2  # each line its share, so a long list of kept files never hides what is lost
        return "\n".join(line if len(line) <= cap else line[:cap - 1] + "…" for line in lines)


def plan(argv: Sequence[str], cwd: str, effects: Sequence[Effect], tools: Tools) -> Plan:
    """What to keep before `argv` runs in `cwd`, from its effects and (for the tools that have a keeper)
    its arguments."""
    destructive = [e for e in effects if destroys(e)]
    never = [e for e in effects if e.operation in UNDOABLE_NEVER]
    result = Plan(lost=[f"{e.summary or e.operation + ' ' + e.resource}" for e in never])
    if not destructive:
        return result
    program = os.path.basename(argv[0]) if argv else ""
    planner = PLANNERS.get(program)
    family_planner = FAMILY_PLANNERS.get(program)
    try:
        if family_planner is not None:
            found = family_planner(Command.of(argv, cwd, destructive), tools)
        elif planner is not None:
            found = planner(list(argv), cwd, tools)
        else:
            found = Planned()
    except UndoError as exc:
        found = Planned(lost=[str(exc)])
    result.keepers += found.keepers
    result.lost += found.lost
    files = plan_files(destructive, trash=trash_root())
    result.keepers += files.keepers
    result.lost += files.lost
    for effect in destructive:
        if effect.resource.startswith("fs:") or any(k.covers(effect) for k in result.keepers):
            continue
        result.lost.append(effect.summary or f"{effect.operation} {effect.resource}")
    result.lost = list(dict.fromkeys(result.lost))
    return result


# --- snapshots -----------------------------------------------------------------------------------------

def trash_root() -> Path:
    from changegate.state import state_dir

    return state_dir() / UNDO_DIR


def retention_s() -> float:
    """CHANGEGATE_UNDO_RETENTION: `7d`, `12h`, `30m`, `2w` or seconds; the default when unreadable."""
    match = DURATION.match(os.environ.get(RETENTION_ENV, ""))
    return float(match[1]) * UNITS[match[2]] if match else DEFAULT_RETENTION_S


@dataclass
class Snapshot:
    id: str
    folder: Path
    manifest: dict[str, Any]

    def save(self) -> None:
        temporary = self.folder / f".{MANIFEST}.tmp"
        temporary.write_text(json.dumps(self.manifest, indent=1))
        temporary.chmod(0o600)
        temporary.replace(self.folder / MANIFEST)

    def summary(self) -> dict[str, Any]:
        m = self.manifest
        return {"id": self.id, "status": m["status"], "created_at": m["created_at"], "expires_at": m["expires_at"],
                "request": m.get("request"), "argv": m.get("argv"), "cwd": m.get("cwd"),
                "kept": [e.get("kind") for e in m.get("entries", [])], "lost": m.get("lost", [])}


def take(the_plan: Plan, *, argv: Sequence[str], cwd: str, tools: Tools, request_id: str | None = None,
         action_hash: str = "", agent: str = "") -> Snapshot:
    """Keep everything the plan names, before the action runs. All or nothing: a keeper that fails removes
    the snapshot and raises UndoError (the broker then does not run the action)."""
    prune(tools=tools)
    ident = "u_" + secrets.token_hex(6)
    root = trash_root()
    root.mkdir(parents=True, exist_ok=True, mode=0o700)
    folder = root / ident
    folder.mkdir(mode=0o700)
    now = time.time()
    snapshot = Snapshot(ident, folder, {
        "id": ident, "status": "keeping", "created_at": now, "expires_at": now + retention_s(),
        "request": request_id, "action_hash": action_hash, "argv": list(argv), "cwd": cwd, "agent": agent,
        "entries": [], "lost": list(the_plan.lost)})
    try:
        for keeper in the_plan.keepers:
            snapshot.manifest["entries"].append(keeper.keep(folder, tools))
    except (UndoError, OSError) as exc:
        for keeper in the_plan.keepers:  # a git keeper that failed halfway may have pinned refs already
            if isinstance(keeper, GitKeeper):
                unpin(keeper.repo, ident, tools)
        discard(snapshot, tools)
        message = str(exc) if isinstance(exc, UndoError) else f"{exc.strerror or exc}"
        raise UndoError(f"the snapshot could not be taken, so the action did not run: {message}") from exc
    snapshot.manifest["status"] = "kept"
    snapshot.save()
    return snapshot


def settle(snapshot: Snapshot, the_plan: Plan, tools: Tools) -> None:
    """After the action ran: let each keeper note what it left (undo compares against it later)."""
    for keeper, entry in zip(the_plan.keepers, snapshot.manifest["entries"], strict=True):
        try:
            keeper.settle(entry, tools)
        except (UndoError, OSError) as exc:
            entry["settle_error"] = str(exc)
    snapshot.manifest["ran_at"] = time.time()
    snapshot.save()


def find(ident: str) -> Snapshot:
    """A snapshot by its id, or by the approval request it ran under."""
    root = trash_root()
    if re.fullmatch(r"u_[0-9a-f]{12}", ident):
        folder = root / ident
        if not (folder / MANIFEST).exists():
            raise UndoError(f"no snapshot {ident} (pruned after {RETENTION_ENV}, or never taken)")
        return load(folder)
    for snapshot in _all(root):
        if snapshot.manifest.get("request") == ident:
            return snapshot
    raise UndoError(f"no snapshot for {ident!r}")


def load(folder: Path) -> Snapshot:
    try:
        manifest = json.loads((folder / MANIFEST).read_text())
    except (OSError, ValueError) as exc:
        raise UndoError(f"the snapshot in {folder} cannot be read: {exc}") from exc
    return Snapshot(folder.name, folder, manifest)


def _all(root: Path) -> list[Snapshot]:
    if not root.is_dir():
        return []
    folders = sorted((p for p in root.iterdir() if p.name.startswith("u_") and (p / MANIFEST).exists()),
                     key=lambda p: p.stat().st_mtime, reverse=True)[:MAX_SNAPSHOTS]
    found = []
    for folder in folders:
        try:
            found.append(load(folder))
        except UndoError:
            continue
    return sorted(found, key=lambda s: s.manifest.get("created_at", 0), reverse=True)


def snapshots() -> list[dict[str, Any]]:
    return [s.summary() for s in _all(trash_root())]


def restore(ident: str, tools: Tools, *, force: bool = False) -> list[str]:
    """Put back what a snapshot kept, last kept first. Each step that completes is recorded, so a restore
    stopped halfway (an approval still pending for a step) continues where it stopped when run again."""
    snapshot = find(ident)
    manifest = snapshot.manifest
    if manifest["status"] == "restored":
        raise UndoError(f"{snapshot.id} was undone already")
    if manifest["status"] != "kept" or "ran_at" not in manifest:
        raise UndoError(f"{snapshot.id} is {manifest['status']}: the action did not run, there is nothing to undo")
    messages = []
    for entry in reversed(manifest["entries"]):
        if entry.get("restored"):
            continue
        restorer = RESTORERS.get(str(entry.get("kind")))
        if restorer is None:
            raise UndoError(f"{snapshot.id}: this version cannot put back {entry.get('kind')!r}")
        messages.append(restorer(entry, snapshot.folder, tools, force))
        entry["restored"] = time.time()
        snapshot.save()
    manifest["status"] = "restored"
    manifest["restored_at"] = time.time()
    snapshot.save()
    return messages


def prune(*, now: float | None = None, tools: Tools | None = None) -> list[str]:
    """Remove snapshots past their expiry (and the git refs they pinned)."""
    moment = time.time() if now is None else now
    removed = []
    for snapshot in _all(trash_root()):
        if snapshot.manifest.get("expires_at", 0) <= moment:
            discard(snapshot, tools)
            removed.append(snapshot.id)
    return removed


def discard(snapshot: Snapshot, tools: Tools | None) -> None:
    for entry in snapshot.manifest.get("entries", []):
        if entry.get("kind") == "git":
            unpin(entry["repo"], snapshot.id, tools or Tools(env=dict(os.environ)))
    shutil.rmtree(snapshot.folder, ignore_errors=True)


def unpin(repo: str, ident: str, tools: Tools) -> None:
    try:
        listed = tools.run(["git", "for-each-ref", "--format=%(refname)", f"refs/changegate/{ident}/"], repo)
        for ref in listed.stdout.decode(errors="replace").split():
            tools.run(["git", "update-ref", "-d", ref], repo)
    except (UndoError, OSError):
        pass  # the repository moved or is gone: nothing left to unpin
