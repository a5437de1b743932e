"""less (and zless, bzless, xzless, which hand their files to it): a pager that reads, except where it is
told to run something. `+CMD` runs less commands at start — `+!CMD` a shell command, `+|XCMD` pipes to
one, `+sFILE` saves to a file; `LESSOPEN`/`LESSCLOSE` name an input preprocessor it runs on each file;
`LESS` holds options (and `+` commands) given on every run; `-o`/`-O FILE` write a log."""

from __future__ import annotations

import shlex
from typing import ClassVar

from changegate.model import Effect
from changegate.understand.base import Invocation, Word, lit
from changegate.understand.cli import Options
from changegate.understand.commands.shell.common import safe_split
from changegate.understand.commands.shell.readonly import ReadOnly

PREPROCESSORS = ("LESSOPEN", "LESSCLOSE")
NO_PREPROCESSOR = ("-L", "--no-lessopen")


class Less(ReadOnly):
    NAMES = ("less", "zless", "bzless", "xzless", "lzless", "zstdless")
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({
        "-b", "--buffers", "-h", "--max-back-scroll", "-j", "--jump-target", "-k", "--lesskey-file", "-o",
        "--log-file", "-O", "--LOG-FILE", "-p", "--pattern", "-P", "--prompt", "-t", "--tag", "-T", "--tag-file",
        "-x", "--tabs", "-y", "--max-forw-scroll", "-z", "--window", "-#", "--shift", "--lesskey-src",
        "--rscroll", "--line-num-width", "--status-col-width", "--header", "--wordwrap"})
    ENV_VARIABLES = ("LESS", "LESSOPEN", "LESSCLOSE", "LESSKEY", "LESSKEYIN", "LESSEDIT", "VISUAL", "EDITOR")

    def analyze(self, inv: Invocation) -> list[Effect]:
        opts = self.walk([*self.default_options(inv), *inv.words])
        effects = self.commands(inv, opts)
        effects.extend(inv.fs("modify", value, tags=("overwrite",), summary=f"less writes a log to {value}")
                       for value in opts.values("-o", "--log-file", "-O", "--LOG-FILE"))
        if not opts.has(*NO_PREPROCESSOR):
            self.preprocess(inv, self.paths(inv, opts))
        return [*effects, *super().analyze(inv)]

    def paths(self, inv: Invocation, opts: Options) -> list[str]:
        return [p for p in opts.positionals if not p.startswith("+")]

    @staticmethod
    def default_options(inv: Invocation) -> list[Word]:
        """The options in `LESS`, read before those on the command line."""
        value = inv.ctx.getenv("LESS") or ""
        return [lit(part) for part in safe_split(value)]

    @staticmethod
    def commands(inv: Invocation, opts: Options) -> list[Effect]:
        """The `+` commands it runs at start: a shell command, a pipe to one, or a saved copy."""
        out: list[Effect] = []
        for word in opts.positional_words:
            command = word.value.lstrip("+")
            if not word.value.startswith("+") or not command:
                continue
            if command.startswith("!"):
                inv.run_script(command[1:], origin="less +!")
            elif command.startswith("|") and len(command) > 2:
                inv.run_script(command[2:], origin="less +|")  # `|X`: X names the mark the pipe starts at
            elif command.startswith("s") and command[1:].strip():
                out.append(inv.fs("modify", command[1:].strip(), tags=("overwrite",),
                                  summary=f"less saves its input to {command[1:].strip()}"))
            elif command.startswith("v"):
                out.append(inv.effect("unknown", f"cmd:{inv.name}", inv.arguments_placement(),
                                      summary="less +v opens the file in the editor named by VISUAL or EDITOR"))
        return out

    @staticmethod
    def preprocess(inv: Invocation, files: list[str]) -> None:
        """`LESSOPEN='|lesspipe %s'` runs that command on each file (`%s` stands for the file)."""
        for variable in PREPROCESSORS:
            template = inv.ctx.getenv(variable)
            if not template:
                continue
            command = template.lstrip("|-").strip()
            for path in files[:4] or ["-"]:
                inv.run_script(command.replace("%s", shlex.quote(path)), origin=variable)
