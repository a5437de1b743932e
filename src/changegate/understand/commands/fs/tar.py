"""tar: extracting writes into a directory; creating may take secrets along, and `--remove-files`
deletes what it archived."""

from __future__ import annotations

from typing import ClassVar

from changegate.model import Effect
from changegate.understand.base import Invocation, Word, is_harmless_path, lit
from changegate.understand.cli import Options
from changegate.understand.commands.fs.common import FileTool, secret_sources

# the letters of an old-style bundle (`tar xzf FILE`) that take the next word as their value
BUNDLE_VALUE_LETTERS = "fCTXbN"


def unbundled(words: list[Word]) -> list[Word]:
    """`tar xzf file.tgz` as `tar -x -z -f file.tgz`: the old-style first word is a bundle of letters."""
    if not words or words[0].value.startswith("-") or not words[0].value.isalpha():
        return words
    rest = words[1:]
    expanded: list[Word] = []
    for letter in words[0].value:
        expanded.append(lit("-" + letter))
        if letter in BUNDLE_VALUE_LETTERS and rest:
            expanded.append(rest.pop(0))
    return expanded + rest


class Tar(FileTool):
    NAMES = ("tar",)
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({"-f", "--file", "-C", "--directory", "-T",
                                                       "--files-from", "-X", "--exclude-from", "--exclude", "-b",
                                                       "-N", "--newer", "-I", "--use-compress-program", "-F",
                                                       "--info-script", "--new-volume-script", "--to-command",
                                                       "--checkpoint-action", "--rsh-command", "--rmt-command",
                                                       "-H", "--format", "--transform", "--xform", "--owner",
                                                       "--group", "--mode", "--mtime", "-V", "--label"})
    ENV_VARIABLES = ("TAR_OPTIONS", "TAPE")

    def analyze(self, inv: Invocation) -> list[Effect]:
        opts = self.walk(unbundled(list(inv.words)))
        self.run_commands(inv, opts)
        archive = opts.value("-f", "--file") or "-"
        if opts.has("-x", "--extract", "--get"):
            dest = opts.value("-C", "--directory") or "."
            effects = [inv.fs("modify", dest, recursive=True, reversible="unknown",
                              summary=f"extracts {archive} into {dest}")]
        elif opts.has("-c", "--create", "-r", "--append", "-u", "--update"):
            effects = self.created(inv, opts, archive)
        elif opts.has("--delete"):
            effects = [inv.fs("modify", archive, reversible="no", summary=f"deletes members of {archive}")]
        else:
            effects = []
        return effects or [inv.fs("read", archive if archive != "-" else ".", reversible="yes",
                                  summary=f"lists {archive}")]

    @staticmethod
    def run_commands(inv: Invocation, opts: Options) -> None:
        """The commands tar runs: a compressor (`-I CMD`), one per member (`--to-command`), at checkpoints
        (`--checkpoint-action=exec=CMD`), between volumes (`-F SCRIPT`), and a remote shell (`--rsh-command`)."""
        commands = opts.values("-I", "--use-compress-program", "--to-command", "-F", "--info-script",
                               "--new-volume-script", "--rsh-command")
        commands.extend(value.partition("=")[2] for value in opts.values("--checkpoint-action")
                        if value.startswith("exec="))
        for command in commands:
            if command:
                inv.run_script(command, origin="a command tar runs")

    @staticmethod
    def created(inv: Invocation, opts: Options, archive: str) -> list[Effect]:
        secret = secret_sources(inv, opts.positional_words)
        effects = [secret] if secret is not None else []
        path = inv.ctx.resolve(archive)
        if archive != "-" and not (path and is_harmless_path(path)):
            effects.append(inv.fs("create", archive, reversible="yes", summary=f"creates the archive {archive}"))
        if opts.has("--remove-files"):
            effects.extend(inv.fs("delete", w.value, recursive=True, glob=w.glob,
                                  summary=f"tar --remove-files deletes {w.shown()}")
                           for w in opts.positional_words)
        return effects
