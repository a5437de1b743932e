"""vim, vi, nvim, view, ex: an editor whose start-up commands (`-c CMD`, `--cmd CMD`, `+CMD`, `VIMINIT`,
a vimrc or script given with `-u`/`-S`, and in Ex mode the lines on its stdin) are Ex commands. `!cmd`,
`r !cmd`, `w !cmd`, `%!cmd` and `:terminal` run shell commands; `call`, `lua`, `py3`, `exe` run code."""

from __future__ import annotations

from typing import ClassVar

from changegate.model import Effect
from changegate.understand.base import Invocation, Word
from changegate.understand.cli import Options
from changegate.understand.commands.shell.editor import Editor
from changegate.understand.lex.vimex import commands

NO_RC = frozenset({"NONE", "NORC", "DEFAULTS", "NOPLUGIN"})
READ_ONLY_NAMES = frozenset({"view", "rview", "gview"})
EX_NAMES = frozenset({"ex", "exim"})
MAX_SCRIPT_LINES = 400


class Vim(Editor):
    NAMES = ("vim", "vi", "nvim", "view", "vimdiff", "nvimdiff", "rvim", "rview", "gvim", "gview", "ex", "vimx",
             "evim")
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({
        "-c", "--cmd", "-S", "-u", "-U", "-i", "-T", "-w", "-W", "-t", "-q", "--servername", "--remote-send",
        "--remote-expr", "--startuptime", "--log", "--listen", "-r", "--server"})
    ENV_VARIABLES = ("VIMINIT", "EXINIT", "MYVIMRC", "VIMRUNTIME")

    def analyze(self, inv: Invocation) -> list[Effect]:
        opts = self.walk(inv.words)
        effects: list[Effect] = []
        for text, origin in self.startup_commands(inv, opts):
            effects.extend(self.ex(inv, text, origin))
        effects.extend(self.unread_inputs(inv, opts))
        files = [w for w in opts.positional_words if not w.value.startswith("+")]
        read_only = inv.name in READ_ONLY_NAMES or opts.has("-R", "-M")
        edits = self.edits(inv, files, read_only=read_only)
        return [*effects, *edits] if effects or edits else [
            inv.effect("read", f"cmd:{inv.name}", inv.arguments_placement(), reversible="yes",
                       summary=f"{inv.name} with no file")]

    def startup_commands(self, inv: Invocation, opts: Options) -> list[tuple[str, str]]:
        """Every Ex command line it runs before (or instead of) editing, with where it came from."""
        out: list[tuple[str, str]] = []
        for variable in ("VIMINIT", "EXINIT"):
            value = inv.ctx.getenv(variable)
            if value:
                out.append((value, variable))
                break
        for item in opts.items:
            if item.option in ("-c", "--cmd") and item.value is not None:
                out.append((item.value, item.option))
            elif item.option is None and item.word.value.startswith("+") and len(item.word.value) > 1:
                out.append((item.word.value[1:], "+"))
            elif item.option in ("-u", "-S") and item.value and item.value not in NO_RC:
                out.extend(self.script_lines(inv, item.value))
        if self.ex_mode(inv, opts) and inv.stdin is not None and inv.stdin.text is not None:
            out.extend((line, "Ex commands on stdin") for line in inv.stdin.text.splitlines()[:MAX_SCRIPT_LINES])
        return out

    @staticmethod
    def script_lines(inv: Invocation, raw: str) -> list[tuple[str, str]]:
        """The lines of a vimrc or script it sources (comments left out), or one that stands for it
        when it cannot be read."""
        stream = inv.walker.file_stream(raw, inv.ctx)
        if stream.text is None:
            return [(f"source {raw}", raw)]
        lines = [ln for ln in stream.text.splitlines() if ln.strip() and not ln.lstrip().startswith('"')]
        return [(line, raw) for line in lines[:MAX_SCRIPT_LINES]]

    @staticmethod
    def ex_mode(inv: Invocation, opts: Options) -> bool:
        return inv.name in EX_NAMES or opts.has("-e", "-E")

    def unread_inputs(self, inv: Invocation, opts: Options) -> list[Effect]:
        """What it takes from elsewhere that cannot be read here: keys for another Vim, an expression
        there, Ex commands from an unseen stdin, keys from a script file; and the files it writes keys to."""
        out: list[Effect] = []
        if opts.has("--remote-send", "--remote-expr"):
            out.append(self.unread(inv, "sends keys or an expression to another running Vim"))
        if self.ex_mode(inv, opts) and inv.stdin is not None and inv.stdin.text is None:
            out.append(self.unread(inv, "runs Ex commands from its input"))
        scriptin = self.scriptin(inv, opts)
        if scriptin is not None:
            out.append(self.unread(inv, f"types the keys in {scriptin.shown()}"))
        out.extend(inv.fs("modify", value, tags=("overwrite",), summary=f"{inv.name} records keys into {value}")
                   for value in opts.values("-w", "-W"))
        return out

    def scriptin(self, inv: Invocation, opts: Options) -> Word | None:
        """`-s FILE` outside Ex mode reads normal-mode keys from FILE (in Ex mode `-s` is silent)."""
        if self.ex_mode(inv, opts):
            return None
        item = next((i for i in opts.items if i.option == "-s" and i.word.value == "-s"), None)
        if item is None or item.index + 1 >= len(inv.words):
            return None
        return inv.words[item.index + 1]

    def ex(self, inv: Invocation, text: str, origin: str) -> list[Effect]:
        out: list[Effect] = []
        for command in commands(text):
            if command.kind == "shell":
                inv.run_script(command.payload, origin=f"{inv.name} :{command.name}")
            elif command.kind == "write":
                out.append(inv.fs("modify", command.payload, tags=("overwrite",),
                                  summary=f"{inv.name} :{command.name} writes {command.payload}"))
            elif command.kind == "code":
                out.append(self.code(inv, f"{command.name} {command.payload}", f"Vim code from {origin}"))
            elif command.kind == "unknown":
                out.append(self.unread(inv, f"runs the Ex command {command.name!r} (from {origin})"))
        return out
