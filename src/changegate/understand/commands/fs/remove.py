"""rm, rmdir, unlink, shred, srm, trash: deleting paths (and, for shred, disks)."""

from __future__ import annotations

import posixpath
from typing import ClassVar

from changegate.environments import Placement
from changegate.model import Effect, Reversible
from changegate.understand.base import Invocation, Word, is_block_device, is_harmless_path
from changegate.understand.commands.fs.common import FileTool, targets_of

LIST_FIRST_STEP = "list what would go first: ls -la {}"
# What `rm -rf` of these takes with it is a repository's history (`.git`, or every dot-file).
HISTORY_GLOBS = (".*", ".[!.]*", ".??*", "{*,.*}")
RECURSIVE_REMOVERS = frozenset({"rm", "srm"})
# they only unlink, leaving the bytes as they were (shred and srm overwrite them first): undo keeps a hard link
UNLINKERS = frozenset({"rm", "rmdir", "unlink", "trash", "trash-put"})
# trash keeps what it removes; rmdir only removes empty directories
REVERSIBLE_REMOVERS = frozenset({"trash", "trash-put", "rmdir"})


class Remove(FileTool):
    NAMES = ("rm", "rmdir", "unlink", "shred", "srm", "trash", "trash-put")
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({"--interactive", "--one-file-system-x", "-n", "--iterations",
                                                       "-s", "--size", "--random-source"})

    def analyze(self, inv: Invocation) -> list[Effect]:
        opts = self.walk(inv.words)
        recursive = inv.name in RECURSIVE_REMOVERS and opts.has("-r", "-R", "--recursive")
        tags = ["force"] if opts.has("-f", "--force") else []
        if opts.has("--no-preserve-root"):
            tags.append("no-preserve-root")
        reversible: Reversible = "yes" if inv.name in REVERSIBLE_REMOVERS else "no"
        effects: list[Effect] = []
        for word in targets_of(inv, opts.positional_words):
            path = inv.ctx.resolve(word.value)
            if inv.name == "shred" and is_block_device(path):
                effects.append(inv.disk(path or word.value, "shreds the disk"))
            elif path is None or not is_harmless_path(path):
                effects.append(self.deleted(inv, word, path, recursive=recursive, reversible=reversible, tags=tags))
        return effects or [inv.effect("read", f"cmd:{inv.name}", Placement("local", "no operands"),
                                      summary=f"{inv.name} with nothing to remove")]

    @staticmethod
    def deleted(inv: Invocation, word: Word, path: str | None, *, recursive: bool, reversible: Reversible,
                tags: list[str]) -> Effect:
        kind = "directory" if recursive or inv.name == "rmdir" else "file"
        base = posixpath.basename((path or word.value).rstrip("/"))
        history = recursive and (base == ".git" or (word.glob and base in HISTORY_GLOBS))
        return inv.fs(
            "delete",
            word.value,
            kind=kind,
            recursive=recursive,
            glob=word.glob,
            reversible=reversible,
            tags=[*tags, "unrecoverable"] if history else tags,
            summary=f"deletes {'recursively ' if recursive else ''}{word.shown() if path is None else path}"
                    + (" (every match of the pattern)" if word.glob else "")
                    + (", including the repository's history (.git)" if history else ""),
            suggestions=(LIST_FIRST_STEP.format(word.shown()),
                         "move it aside instead (mv PATH PATH.bak) so it can be restored"),
        )
