"""mv, cp, install, rename: moving paths away, and replacing what stands at the destination.

Moving a path away deletes it from where it was: `mv /etc /etc.bak` leaves a machine without /etc, so the
source of a move is a `delete` of that path (reversible: it can be moved back), judged by the same rules
as `rm`. `cp -s` makes symlinks, which later commands of the line resolve through (see `ln`).
"""

from __future__ import annotations

import posixpath
import re
from typing import ClassVar

from changegate.model import Effect
from changegate.understand.base import UNKNOWN_PART, Invocation, Word, is_block_device, lit
from changegate.understand.cli import Options
from changegate.understand.commands.fs.common import FileTool, record_link, targets_of
from changegate.understand.facts import is_dir, is_file, read_config
from changegate.understand.planting import place_of
from changegate.understand.sensitive import persistence_kind, secret_kind

VERB_OF = {"mv": "moves", "cp": "copies", "ln": "links", "install": "installs"}
# perl's rename (prename, file-rename) takes one Perl expression, util-linux's FROM and TO: `s/a/b/`, `y/a-z/A-Z/`
PERL_EXPRESSION = re.compile(r"^(s|y|tr)[^\w\s]")


class MoveCopy(FileTool):
    NAMES: ClassVar[tuple[str, ...]] = ("mv", "cp", "install", "rename")
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({"-t", "--target-directory", "-S", "--suffix", "-m", "-e", "-E",
                                                       "--mode", "-o", "--owner", "-g", "--group", "--backup"})
    NO_CLOBBER: ClassVar[frozenset[str]] = frozenset({"-n", "--no-clobber", "--update=none"})

    def analyze(self, inv: Invocation) -> list[Effect]:
        opts = self.walk(inv.words)
        words = opts.positional_words
        if inv.name == "install" and opts.has("-d", "--directory"):  # install -d DIR…: makes directories
            return [inv.fs("create", w.value, kind="directory", reversible="yes", summary=f"install -d {w.shown()}")
                    for w in words] or [self.nothing(inv)]
        if inv.name == "rename":
            return self.renamed(inv, opts, words)
        operands = self.operands(inv, opts, words)
        if operands is None:
            return [self.nothing(inv)]
        sources, dest = operands
        effects = self.sources(inv, sources)
        dest_path = inv.ctx.resolve(dest.value)
        if dest_path and is_block_device(dest_path):
            return [*effects, inv.disk(dest_path, "writes over")]
        overwrites = not self.no_clobber(opts) and self.overwrites(dest_path, sources, inv)
        effects.append(self.destination(inv, dest, dest_path, overwrites=overwrites,
                                        backup=opts.has("-b", "--backup")))
        if inv.name == "cp" and opts.has("-s", "--symbolic-link"):
            self.record_links(inv, sources, dest_path)
        elif dest_path and len(sources) == 1 and sources[0].known:
            self.plant(inv, sources[0], dest_path)
        return effects

    @staticmethod
    def plant(inv: Invocation, source: Word, dest_path: str) -> None:
        """`cp evil.sh .git/hooks/pre-commit`: what arrives where it runs later is judged as the code it is —
        the text this line wrote there, else the source file's (a regular file, bounded)."""
        src_path = inv.ctx.resolve(source.value)
        if src_path is None or inv.ctx.remote is not None:
            return
        target = posixpath.join(dest_path, posixpath.basename(src_path)) if is_dir(dest_path) else dest_path
        if place_of(target, inv.ctx.home) is None and not target.endswith(".pth"):
            return
        content = inv.ctx.files.get(src_path)
        if content is None:
            content = read_config(src_path)
        if content is not None and content != UNKNOWN_PART:
            inv.walker.planted(target, content, inv.ctx)

    @staticmethod
    def operands(inv: Invocation, opts: Options, words: list[Word]) -> tuple[list[Word], Word] | None:
        """The sources and the destination: `-t DIR SRC…` or `SRC… DEST`. Under xargs the paths that arrive
        at run time come after the words written: sources, and the last of them the destination."""
        target_dir = opts.value("-t", "--target-directory")
        arriving = targets_of(inv, []) if inv.args_unknown else []
        if target_dir is not None:
            return [*words, *arriving], lit(target_dir)
        if arriving:
            return [*words, *arriving], Word(UNKNOWN_PART, text="(a path read from stdin)")
        if len(words) >= 2:
            return words[:-1], words[-1]
        return None

    def no_clobber(self, opts: Options) -> bool:
        return opts.has(*self.NO_CLOBBER)

    def renamed(self, inv: Invocation, opts: Options, words: list[Word]) -> list[Effect]:
        """`rename FROM TO FILES…` (util-linux) or `rename EXPR FILES…` (perl's): the files are renamed in
        place; with none given it renames nothing; -n only shows what it would do."""
        perl = opts.has("-e", "-E") or (bool(words) and PERL_EXPRESSION.match(words[0].value) is not None)
        files = targets_of(inv, words if opts.has("-e", "-E") else words[1:] if perl else words[2:])
        if opts.has("-n", "--no-act", "--nono", "--dry-run") or not files:
            return [inv.effect("read", f"cmd:{inv.name}", inv.arguments_placement(), reversible="yes",
                               summary=f"{inv.name} " + ("shows what it would rename" if files
                                                           else "with no files renames nothing"))]
        return [inv.fs("modify", w.value, glob=w.glob, reversible="yes", summary=f"renames {w.shown()}")
                for w in files]

    @staticmethod
    def nothing(inv: Invocation) -> Effect:
        """A missing operand: the tool prints its usage and changes nothing."""
        return inv.effect("read", f"cmd:{inv.name}", inv.arguments_placement(), reversible="yes",
                          summary=f"{inv.name} with a missing operand fails and changes nothing")

    @staticmethod
    def sources(inv: Invocation, sources: list[Word]) -> list[Effect]:
        effects: list[Effect] = []
        for src in sources:
            src_path = inv.ctx.resolve(src.value)
            if src_path and secret_kind(src_path, inv.ctx.home):
                effects.append(inv.fs("secret_read", src.value, kind="secret", reversible="yes",
                                      summary=f"copies {src_path}: {secret_kind(src_path, inv.ctx.home)}"))
            if inv.name == "mv":
                # gone from where it was: for that place, a move is a delete (that can be moved back)
                effects.append(inv.fs("delete", src.value, glob=src.glob, recursive=src.glob, reversible="yes",
                                      kind="moved", summary=f"moves {src.shown()} away (it is no longer there)"))
        return effects

    @staticmethod
    def destination(inv: Invocation, dest: Word, dest_path: str | None, *, overwrites: bool,
                    backup: bool) -> Effect:
        persistence = persistence_kind(dest_path, inv.ctx.home) if dest_path else None
        tags = ["overwrite"] if overwrites else []
        if persistence:
            tags.append("persistence")
        verb = VERB_OF.get(inv.name, inv.name)
        if overwrites:
            return inv.fs("replace", dest.value, kind="file", reversible="yes" if backup else "no", tags=tags,
                          summary=f"{verb} onto {dest_path or dest.shown()}, replacing what is there")
        return inv.fs("create", dest.value, kind="file", reversible="yes", tags=tags,
                      summary=f"{verb} into {dest_path or dest.shown()}" + (f" ({persistence})" if persistence else ""))

    @staticmethod
    def overwrites(dest: str | None, sources: list[Word], inv: Invocation) -> bool:
        """Whether an existing file would be replaced: the destination file, or a same-named file inside
        the destination directory. Checked on disk, where the paths are this machine's."""
        if dest is None or inv.ctx.remote:
            return False
        if is_dir(dest):
            return any(src.known and not src.glob and is_file(posixpath.join(dest, posixpath.basename(
                src.value.rstrip("/")))) for src in sources)
        return is_file(dest)

    @staticmethod
    def record_links(inv: Invocation, targets: list[Word], dest_path: str | None) -> None:
        """`cp -s TARGET… DIR` (or `cp -s TARGET LINK`) makes symlinks: later commands resolve through them."""
        for target in targets:
            record_link(inv, target, dest_path, into_directory=len(targets) > 1)
