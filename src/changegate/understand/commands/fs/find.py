"""find: reads, unless its expression deletes (`-delete`), runs commands on what it finds (`-exec`), or
writes a listing (`-fprint`). What it prints is a list of paths under its roots, which xargs may use."""

from __future__ import annotations

import posixpath
from itertools import dropwhile, takewhile
from typing import ClassVar

import msgspec

from changegate.environments import is_within
from changegate.model import Effect
from changegate.understand.base import Invocation, Stream, Word, is_block_device, stand_in
from changegate.understand.cli import Item
from changegate.understand.commands.fs.common import FileTool
from changegate.understand.sensitive import secret_kind

# options before the starting points: -H -L -P, `-D debugopts`, `-Olevel`
PREFIX_OPTIONS = frozenset({"-H", "-L", "-P", "-O", "-D"})
VALUE_TESTS = frozenset({
    "-name", "-iname", "-path", "-ipath", "-wholename", "-iwholename", "-regex", "-iregex", "-type", "-xtype",
    "-user", "-group", "-uid", "-gid", "-perm", "-size", "-mtime", "-mmin", "-atime", "-amin", "-ctime",
    "-cmin", "-newer", "-anewer", "-cnewer", "-newermt", "-maxdepth", "-mindepth", "-links", "-inum",
    "-samefile", "-lname", "-ilname", "-fstype", "-used", "-printf", "-fprint", "-fprint0", "-fprintf",
    "-fls", "-context", "-regextype", "-files0-from", "-D", "-O",
})
# tests that narrow what is found to a selection (unless negated)
SELECTIVE = frozenset({"-name", "-iname", "-path", "-ipath", "-wholename", "-iwholename", "-regex",
                       "-iregex", "-newer", "-mtime", "-mmin", "-atime", "-amin", "-ctime", "-cmin",
                       "-size", "-user", "-group", "-perm", "-inum", "-samefile", "-lname", "-empty",
                       "-newermt", "-links", "-uid", "-gid"})
EXEC_ACTIONS = frozenset({"-exec", "-execdir", "-ok", "-okdir"})
EXEC_ENDS = (";", "+")
WRITES_LISTING = frozenset({"-fprint", "-fprint0", "-fprintf", "-fls"})
NEGATIONS = frozenset({"!", "-not"})
EXPRESSION_STARTS = ("-", "(", "!", ")")


SYSTEM_DIRS = ("/etc", "/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/boot", "/var/lib", "/System",
               "/Library")

class Find(FileTool):
    NAMES = ("find",)
    LONG_SINGLE_DASH = True
    VALUE_OPTIONS: ClassVar[frozenset[str]] = VALUE_TESTS

    def analyze(self, inv: Invocation) -> list[Effect]:
        opts = self.walk(inv.words)
        after_prefix = list(dropwhile(lambda item: item.option in PREFIX_OPTIONS, opts.items))
        root_items = list(takewhile(self.is_root, after_prefix))
        rest = after_prefix[len(root_items):]
        roots = [item.word.value for item in root_items] or ["."]
        expression = inv.words[rest[0].index:] if rest else []
        effects, selective = self.expression(inv, expression, roots)
        if not effects:
            effects = [inv.fs("read", roots[0], kind="directory", reversible="yes", summary=f"find in {roots[0]}")]
        inv.stdout = Stream(origin="find output", path_roots=tuple(roots), every_path=not selective)
        return effects

    @staticmethod
    def is_root(item: Item) -> bool:
        return item.option is None and not item.word.value.startswith(EXPRESSION_STARTS)

    def expression(self, inv: Invocation, expression: list[Word], roots: list[str]) -> tuple[list[Effect], bool]:
        """The effects of find's expression, and whether it selects (rather than takes everything)."""
        selective = False
        negated = False
        effects: list[Effect] = []
        names: list[str] = []  # -name patterns: what kind of file it selects
        skip_to = 0  # the words of an -exec command, and a test's value, are not tokens of the expression
        for j, word in enumerate(expression):
            if j < skip_to:
                continue
            token = word.value
            if token in NEGATIONS:
                negated = True
                continue
            if token in SELECTIVE and not negated:
                selective = True
            negated = False
            if token == "-delete":
                effects.extend(self.deleted(inv, roots, selective))
            elif token in EXEC_ACTIONS:
                end = next((k for k in range(j + 1, len(expression)) if expression[k].value in EXEC_ENDS),
                           len(expression))
                self.executed(inv, expression[j + 1:end], roots, selective)
                effects.extend(self.secrets_handed_on(inv, roots, names))
                skip_to = end + 1
            elif token in WRITES_LISTING and j + 1 < len(expression):
                effects.append(self.listing_written(inv, expression[j + 1]))
            if token in VALUE_TESTS:
                skip_to = j + 2
            if token in ("-name", "-iname") and j + 1 < len(expression):
                names.append(expression[j + 1].value)
        return effects, selective

    @staticmethod
    def secrets_handed_on(inv: Invocation, roots: list[str], names: list[str]) -> list[Effect]:
        """`find ~ -name '*.env' -exec cat {} +`: every credential file of that name under a directory outside
        the workspace goes to the command (and so to the agent)."""
        found: list[Effect] = []
        for root in roots[:4]:
            path = inv.ctx.resolve(root)
            if path is None or (inv.ctx.workspace and is_within(path, inv.ctx.workspace)):
                continue
            for name in names:
                what = secret_kind(posixpath.join(path, name.replace("*", "").replace("?", "x")), inv.ctx.home)
                if what:
                    found.append(inv.fs("secret_read", root, kind="secret", recursive=True, reversible="yes",
                                        summary=f"hands every {name} under {path} to a command: {what}"))
        return found

    @staticmethod
    def listing_written(inv: Invocation, target: Word) -> Effect:
        """`-fprint FILE` (and -fprint0, -fls, -fprintf) truncates FILE and writes the listing into it."""
        path = inv.ctx.resolve(target.value)
        if is_block_device(path):
            return inv.disk(path or target.value, "writes a file listing over")
        return inv.fs("modify", target.value, tags=("overwrite",), summary=f"find writes its listing to {target.shown()}")

    @staticmethod
    def deleted(inv: Invocation, roots: list[str], selective: bool) -> list[Effect]:
        out = []
        for root in roots:
            target = stand_in(root, not selective)
            system = ("system-files",) if Find.across_the_system(inv, root) else ()
            out.append(inv.fs("delete", target.value, glob=target.glob, recursive=True, tags=system,
                              summary=f"deletes {'matching' if selective else 'every'} file under {root}",
                              suggestions=("run the same find without -delete first to see what it matches",)))
        return out

    @staticmethod
    def across_the_system(inv: Invocation, root: str) -> bool:
        """A selection made across the machine's own directories (`find / -name '*.conf' -delete`) takes the
        operating system's matching files with it."""
        resolved = inv.ctx.resolve(root)
        return resolved is not None and not inv.ctx.remote and (
            resolved == "/" or any(is_within(resolved, d) for d in SYSTEM_DIRS))

    @staticmethod
    def executed(inv: Invocation, command: list[Word], roots: list[str], selective: bool) -> None:
        if not command:
            return
        # {} becomes each path find selects: everything under the root, or a selection known at run time
        for root in roots[:4]:
            path = stand_in(root, not selective)
            words = [Word(w.value.replace("{}", path.value), glob=path.glob and w.value == "{}", text=w.text)
                     if "{}" in w.value else w for w in command]
            stream = Stream(origin="find output", path_roots=(root,), every_path=not selective)
            start = len(inv.walker.effects)
            inv.run_argv(words, stdin=stream)
            if Find.across_the_system(inv, root):
                effects = inv.walker.effects
                effects[start:] = [msgspec.structs.replace(e, tags=(*e.tags, "system-files"))
                                   if e.operation in ("delete", "replace") and e.resource.startswith("fs:") else e
                                   for e in effects[start:]]
