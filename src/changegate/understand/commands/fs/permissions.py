"""What chmod, chown/chgrp, chattr and setfacl share: a permission effect per target, tagged with what
the change does (`removes-access`, `setuid`, `world-writable`, `immutable`).

`removes-access` says the change can lock people out of a path: the owner losing read, write or search,
or — outside the homes — everyone else losing read or search (a machine whose /usr/bin nobody may run is
broken). The policy denies it on the root, the homes and the system's directories."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from changegate.environments import LOCAL, Placement, is_within
from changegate.model import Effect
from changegate.understand.base import Invocation, Word
from changegate.understand.commands.fs.common import FileTool, targets_of

RECURSIVE = ("-R", "--recursive")
# a symbolic clause: who, then one or more operations (`u+x`, `go-rwx`, `a=r`, `-x`)
CLAUSE = re.compile(r"([ugoa]*)((?:[-+=][rwxXstugo]*)+)")
OPERATION = re.compile(r"([-+=])([rwxXstugo]*)")
OCTAL = re.compile(r"[0-7]{1,4}")
ACCESS = frozenset("rwx")  # what the owner needs
SEARCH = frozenset("rx")  # what everyone else needs of a system directory or program


def options_end(words: Sequence[Word]) -> int:
    """Where `--` stands (the options end there), or the end."""
    return next((i for i, w in enumerate(words) if w.value == "--"), len(words))


def mode_removes_access(mode: str, others_matter: bool) -> bool:
    """Whether a chmod mode (octal or symbolic) takes read, write or search from the owner, or read or
    search from everyone else where that matters."""
    if OCTAL.fullmatch(mode):
        digits = mode.rjust(3, "0")
        return digits[-3] != "7" or (others_matter and digits[-1] not in "57")
    clauses = [CLAUSE.fullmatch(clause) for clause in mode.split(",")]
    if not all(clauses):
        return True  # a mode it cannot read: assume the worst
    return any(clause_removes(m.group(1), m.group(2), others_matter) for m in clauses if m)


def clause_removes(who: str, operations: str, others_matter: bool) -> bool:
    classes = set(who) if who and "a" not in who else {"u", "g", "o"}
    watched = {"u": ACCESS, **({"o": SEARCH} if others_matter else {})}
    for op, perms in OPERATION.findall(operations):
        if op == "+":
            continue
        given = set(perms.replace("X", "x"))
        copied = bool(given & set("ugo"))  # `u=g`: whatever another class has, maybe nothing
        for klass, needed in watched.items():
            if klass in classes and ((op == "-" and given & needed) or (op == "=" and (needed - given or copied))):
                return True
    return False


class PermissionTool(FileTool):
    """A tool that changes who may read, write or run paths."""

    def changed(self, inv: Invocation, spec: str, targets: list[Word], *, recursive: bool,
                removes_access: Callable[[bool], bool], tags: Sequence[str] = ()) -> list[Effect]:
        """One permission effect per target; `removes_access(others_matter)` says whether the change takes
        access away from it (`others_matter`: everyone else's access counts there too)."""
        effects = []
        targets = targets_of(inv, targets)
        if not targets:
            return [inv.effect("read", f"cmd:{inv.name}", Placement(LOCAL, "it is given no file"), reversible="yes",
                               summary=f"{inv.name} with a missing operand fails and changes nothing")]
        for word in targets:
            path = inv.ctx.resolve(word.value)
            removes = self.beyond_the_work(inv, path) and removes_access(self.others_matter(inv, path))
            effects.append(inv.fs("permission", word.value, recursive=recursive, glob=word.glob, reversible="unknown",
                                  tags=[*tags, "removes-access"] if removes else list(tags),
                                  kind="directory" if recursive else "file",
                                  summary=f"{inv.name} {spec} {'-R ' if recursive else ''}{word.shown()}"
                                          + (" (takes access away)" if removes else "")))
        return effects

    @staticmethod
    def beyond_the_work(inv: Invocation, path: str | None) -> bool:
        """Outside the workspace and the temporary directories, where locking people out can matter."""
        roots = [root for root in (inv.ctx.workspace, "/tmp", "/var/tmp") if root]
        return path is None or inv.ctx.remote is not None or not any(is_within(path, root) for root in roots)

    @staticmethod
    def others_matter(inv: Invocation, path: str | None) -> bool:
        """Everyone else's access matters on the system's paths, not in a home (its owner may close it)."""
        if path is None:
            return True
        homes = [home for home in (inv.ctx.home, "/home", "/Users", "/root") if home]
        return not any(is_within(path, home) for home in homes)
