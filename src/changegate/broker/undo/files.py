"""Files and directories an action would delete or overwrite: kept in the trash, put back byte for byte.

A program that only unlinks (rm, rmdir, unlink, find -delete, git clean) is let run exactly as approved,
after every file it would remove got a second name in the trash (a hard link: on the same filesystem it
costs no copying and keeps the very same bytes, modes and times, as a rename would). Anything else that
destroys a file (shred overwrites it in place, a redirect truncates it) and anything on another filesystem
is copied instead, within a size bound. Undo renames the kept tree back (or copies it, across filesystems);
whatever is at the path by then is moved aside into the snapshot, never deleted.
"""

from __future__ import annotations

import errno
import hashlib
import os
import shutil
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from changegate.broker.undo.base import Keeper, Planned, Tools, UndoError
from changegate.model import Effect
from changegate.understand.commands.fs.remove import UNLINKERS

MAX_FILES = 200_000  # entries in one kept tree
DEFAULT_MAX_BYTES = 4 * 1024**3  # bytes one snapshot may copy (hard links cost nothing)
MAX_BYTES_ENV = "CHANGEGATE_UNDO_MAX_BYTES"
# programs whose deletions only unlink: rm and its kind, `find -delete`, `git clean`
UNLINK_ONLY = UNLINKERS | {"find", "git"}
GLOB_CHARS = frozenset("*?[")
ABSENT = "absent"


def max_bytes() -> int:
    try:
        return int(os.environ.get(MAX_BYTES_ENV, "") or DEFAULT_MAX_BYTES)
    except ValueError:
        return DEFAULT_MAX_BYTES


def static_root(path: str) -> str | None:
    """The directory a path pattern cannot leave: `/srv/app/build/*` -> `/srv/app/build`; None for `?`."""
    if not path.startswith("/"):
        return None
    parts: list[str] = []
    for part in path.split("/")[1:]:
        if not part or GLOB_CHARS & set(part):
            break
        parts.append(part)
    return "/" + "/".join(parts)


@dataclass(frozen=True, slots=True)
class Size:
    files: int
    bytes: int
    complete: bool  # False when the walk stopped at MAX_FILES


def measure(root: str, limit: int = MAX_FILES) -> Size:
    """How many entries and bytes are under `root` (not following symlinks), up to `limit` entries."""
    files = total = 0
    stack = [root]
    while stack:
        current = stack.pop()
        try:
            info = os.lstat(current)
        except OSError:
            continue
        files += 1
        if files > limit:
            return Size(files, total, False)
        if stat.S_ISDIR(info.st_mode):
            try:
                with os.scandir(current) as entries:
                    stack.extend(entry.path for entry in entries)
            except OSError:
                continue
        elif stat.S_ISREG(info.st_mode):
            total += info.st_size
    return Size(files, total, True)


def fingerprint(root: str) -> str:
    """What is at `root` now, as a digest of every entry's path, type, size and modification time."""
    if not os.path.lexists(root):
        return ABSENT
    digest = hashlib.sha256()
    stack = [root]
    seen = 0
    while stack and seen < MAX_FILES:
        current = stack.pop()
        try:
            info = os.lstat(current)
        except OSError:
            continue
        seen += 1
        relative = os.path.relpath(current, root)
        digest.update(f"{relative}\0{stat.S_IFMT(info.st_mode)}\0{info.st_size}\0{info.st_mtime_ns}\n".encode())
        if stat.S_ISDIR(info.st_mode):
            try:
                with os.scandir(current) as entries:
                    stack.extend(sorted((entry.path for entry in entries), reverse=True))
            except OSError:
                continue
    return digest.hexdigest()


# --- copying a tree with everything about it -------------------------------------------------------------

class Replica:
    """Makes `dst` a replica of `src`: hard links where asked and possible, else copies; directories made
    first and given their modes, owners and times last (creating entries changes a directory's mtime)."""

    def __init__(self, *, link: bool, byte_budget: int) -> None:
        self.link = link
        self.byte_budget = byte_budget
        self.copied = 0
        self.entries = 0
        self.skipped: list[str] = []
        self.as_root = os.geteuid() == 0

    def make(self, src: str, dst: str) -> None:
        directories: list[tuple[str, os.stat_result]] = []
        stack = [(src, dst)]
        while stack:
            source, target = stack.pop()
            info = os.lstat(source)
            self.entries += 1
            if self.entries > MAX_FILES:
                raise UndoError(f"{src} has more than {MAX_FILES} entries")
            if stat.S_ISDIR(info.st_mode):
                os.mkdir(target, 0o700)
                directories.append((target, info))
                with os.scandir(source) as entries:
                    stack.extend((entry.path, os.path.join(target, entry.name)) for entry in entries)
            else:
                self.entry(source, target, info)
        for target, info in reversed(directories):  # children before their parents
            self.metadata(target, info)

    def entry(self, source: str, target: str, info: os.stat_result) -> None:
        if self.link:
            try:
                os.link(source, target, follow_symlinks=False)
                return
            except OSError as exc:  # another filesystem below a mount point, or protected hard links
                if exc.errno not in (errno.EXDEV, errno.EPERM, errno.EMLINK):
                    raise
        if stat.S_ISLNK(info.st_mode):
            os.symlink(os.readlink(source), target)
            self.metadata(target, info)
        elif stat.S_ISREG(info.st_mode):
            self.copied += info.st_size
            if self.copied > self.byte_budget:
                raise UndoError(f"keeping it would copy more than {self.byte_budget // 2**20} MiB "
                                f"({MAX_BYTES_ENV})")
            shutil.copyfile(source, target, follow_symlinks=False)
            self.metadata(target, info)
        else:
            self.skipped.append(source)  # a device, socket or fifo: nothing to copy

    def metadata(self, target: str, info: os.stat_result) -> None:
        link = stat.S_ISLNK(info.st_mode)
        if self.as_root:
            os.chown(target, info.st_uid, info.st_gid, follow_symlinks=False)
        if not link:
            os.chmod(target, stat.S_IMODE(info.st_mode))
        os.utime(target, ns=(info.st_atime_ns, info.st_mtime_ns), follow_symlinks=False)


# --- the keeper ----------------------------------------------------------------------------------------

class FileKeeper(Keeper):
    kind: ClassVar[str] = "files"

    def __init__(self, root: str, *, link: bool, size: Size, slot: int = 0) -> None:
        self.root = root
        self.link = link
        self.size = size
        self.slot = slot

    def describe(self) -> str:
        what = "the directory" if os.path.isdir(self.root) and not os.path.islink(self.root) else "the file"
        return f"{what} {self.root} ({self.size.files} entries, {human(self.size.bytes)}) goes to the trash first"

    def covers(self, effect: Effect) -> bool:
        if not effect.resource.startswith("fs:/"):
            return False
        root = static_root(effect.resource[3:])
        return root is not None and (root == self.root or root.startswith(self.root.rstrip("/") + "/"))

    def keep(self, folder: Path, tools: Tools) -> dict[str, Any]:
        stored = folder / "files" / str(self.slot)
        stored.parent.mkdir(exist_ok=True, mode=0o700)
        if not os.path.lexists(self.root):
            return {"kind": self.kind, "path": self.root, "stored": None, "method": "nothing"}
        same_device = os.lstat(self.root).st_dev == os.stat(stored.parent).st_dev
        replica = Replica(link=self.link and same_device, byte_budget=max_bytes())
        try:
            replica.make(self.root, str(stored))
        except OSError as exc:
            raise UndoError(f"{self.root} could not be kept: {exc.strerror or exc}") from exc
        info = os.lstat(self.root)
        return {"kind": self.kind, "path": self.root, "stored": str(stored.relative_to(folder)),
                "method": "link" if replica.link else "copy", "entries": replica.entries, "copied": replica.copied,
                "skipped": replica.skipped[:50], "mtime_ns": info.st_mtime_ns, "atime_ns": info.st_atime_ns}

    def settle(self, entry: dict[str, Any], tools: Tools) -> None:
        entry["after"] = fingerprint(self.root)


def restore_files(entry: dict[str, Any], folder: Path, tools: Tools, force: bool) -> str:
    path = entry["path"]
    if entry.get("stored") is None:
        return f"{path}: nothing was there to keep"
    stored = folder / entry["stored"]
    if not os.path.lexists(stored):
        raise UndoError(f"{path}: the kept copy is gone (put back already, or pruned)")
    now = fingerprint(path)
    if now != entry.get("after", ABSENT) and not force:
        raise UndoError(f"{path} changed after the action ran; putting it back would replace those changes "
                        "(they would be kept in the snapshot): use --force to do it anyway")
    if os.path.lexists(path):
        aside = folder / "displaced" / Path(entry["stored"]).name
        aside.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        shutil.move(path, aside)
    os.makedirs(os.path.dirname(path) or "/", exist_ok=True)
    try:
        os.rename(stored, path)
    except OSError as exc:
        if exc.errno != errno.EXDEV:
            raise UndoError(f"{path} could not be put back: {exc.strerror}") from exc
        Replica(link=False, byte_budget=2**62).make(str(stored), path)
    if "mtime_ns" in entry:  # moving a directory to another parent may touch it
        os.utime(path, ns=(entry["atime_ns"], entry["mtime_ns"]), follow_symlinks=False)
    return f"put back {path}" + (" (what was there since is in the snapshot's displaced/)" if now != ABSENT else "")


def plan_files(effects: list[Effect], *, trash: Path) -> Planned:
    """A keeper for every path the effects delete or overwrite, nested paths folded into their parent."""
    planned = Planned()
    roots: dict[str, bool] = {}  # root -> may hard-link
    for effect in effects:
        if not effect.resource.startswith("fs:"):
            continue
        if effect.resource.startswith("fs://"):
            planned.lost.append(f"{effect.resource}: files on another machine are not kept")
            continue
        root = static_root(effect.resource[3:])
        if root is None or root == "/":
            planned.lost.append(f"{effect.summary or effect.resource}: the path is only known when it runs")
            continue
        link = effect.family in UNLINK_ONLY and effect.operation == "delete"
        roots[root] = roots.get(root, True) and link
    outer = sorted(roots, key=len)
    kept: list[str] = []
    for root in outer:
        parent = next((k for k in kept if root.startswith(k.rstrip("/") + "/")), None)
        if parent is not None:
            roots[parent] = roots[parent] and roots[root]
            continue
        kept.append(root)
    trash.mkdir(parents=True, exist_ok=True, mode=0o700)
    own = os.path.realpath(trash)
    for slot, root in enumerate(kept):
        if not os.path.lexists(root):
            continue
        real = os.path.realpath(root)
        if own == real or own.startswith(real.rstrip("/") + "/") or real.startswith(own + "/"):
            planned.lost.append(f"{root}: it holds the gate's own snapshots, which cannot keep themselves")
            continue
        size = measure(root)
        same_device = os.lstat(root).st_dev == os.stat(trash).st_dev
        if not size.complete:
            planned.lost.append(f"{root}: more than {MAX_FILES} entries, too many to keep")
        elif not (roots[root] and same_device) and size.bytes > max_bytes():
            planned.lost.append(f"{root}: {human(size.bytes)} is more than the trash keeps ({MAX_BYTES_ENV})")
        else:
            planned.keepers.append(FileKeeper(root, link=roots[root], size=size, slot=slot))
    return planned


def human(size: int) -> str:
    value = float(size)
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} bytes"
