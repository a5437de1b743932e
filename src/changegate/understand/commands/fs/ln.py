"""ln: makes a link. A symbolic link made on this command line changes where later paths lead
(`ln -s / x && rm -rf x/` deletes the root), so it is recorded in the context (`ctx.links`), which every
later path is resolved through."""

from __future__ import annotations

from typing import ClassVar

from changegate.model import Effect
from changegate.understand.base import Invocation, Word
from changegate.understand.cli import Options
from changegate.understand.commands.fs.common import record_link
from changegate.understand.commands.fs.movecopy import MoveCopy
from changegate.understand.facts import is_dir, is_link


class Ln(MoveCopy):
    NAMES = ("ln",)
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({"-t", "--target-directory", "-S", "--suffix", "--backup"})

    def analyze(self, inv: Invocation) -> list[Effect]:
        opts = self.walk(inv.words)
        words = opts.positional_words
        if len(words) == 1 and opts.value("-t", "--target-directory") is None:
            words = [*words, Word(".", text=".")]  # `ln -s TARGET`: the link is made here, named as the target
        operands = self.operands(inv, opts, words)
        if operands is None:
            return [self.nothing(inv)]
        targets, link = operands
        link_path = inv.ctx.resolve(link.value)
        # the effect is judged before the link exists: the link's own path, not where it will lead
        effects = [*self.sources(inv, targets),
                   self.destination(inv, link, link_path, overwrites=not self.no_clobber(opts)
                                    and self.overwrites(link_path, targets, inv), backup=opts.has("-b", "--backup"))]
        if opts.has("-s", "--symbolic"):
            into = self.into_directory(opts, link_path, many=len(targets) > 1)
            for target in targets:
                record_link(inv, target, link_path, into_directory=into)
        return effects

    def no_clobber(self, opts: Options) -> bool:
        return not opts.has("-f", "--force")  # ln refuses to replace an existing file unless forced

    @staticmethod
    def into_directory(opts: Options, link_path: str | None, *, many: bool) -> bool:
        """Whether the links go inside LINK (an existing directory, `-t`, or several targets) rather than
        being LINK itself; `-T` and `-n` (do not follow a LINK that is a symlink) say it is LINK itself."""
        if opts.value("-t", "--target-directory") is not None or many:
            return True
        if opts.has("-T", "--no-target-directory") or link_path is None:
            return False
        if opts.has("-n", "--no-dereference") and is_link(link_path):
            return False
        return is_dir(link_path)
