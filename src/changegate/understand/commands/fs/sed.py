"""sed: prints (harmless, unless it reads a secret), or with -i edits files in place. Its script may
reach outside the text: `e CMD` runs a shell command, `e` and `s///e` run the text itself as one,
`w FILE` writes a file (`--sandbox` forbids all three)."""

from __future__ import annotations

import re
from typing import ClassVar

from changegate.environments import Placement
from changegate.model import Effect
from changegate.understand.base import Invocation, Stream
from changegate.understand.cli import Options
from changegate.understand.commands.fs.common import FileTool
from changegate.understand.lex.sed import actions
from changegate.understand.sensitive import secret_kind

TEXT_COMMAND = re.compile(r"^\s*(?:[0-9$]+|/[^/]*/)?(?:,(?:[0-9$]+|/[^/]*/))?\s*[aic]\\?\s*(?P<text>.+)$")
SUBSTITUTE = re.compile(r"s(?P<d>[^\w\s\\])(?:\\.|(?!(?P=d)).)*(?P=d)(?P<new>(?:\\.|(?!(?P=d)).)*)(?P=d)")


def inserted_text(script: str) -> str:
    """The text a sed script writes into its output: `i`/`a`/`c` text and `s` replacements."""
    out: list[str] = []
    for line in script.split("\n")[:200]:
        for part in line.split(";") if not TEXT_COMMAND.match(line) else [line]:
            text = TEXT_COMMAND.match(part)
            if text:
                out.append(text.group("text"))
        out.extend(m.group("new") for m in SUBSTITUTE.finditer(line))
    return "\n".join(out)


class Sed(FileTool):
    NAMES = ("sed", "gsed")
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({"-e", "-f", "--expression", "--file", "-l",
                                                       "--line-length"})

    def analyze(self, inv: Invocation) -> list[Effect]:
        opts = self.walk(inv.words)
        # `-i`, `-i.bak` (bundled: -i -. -b …) and `--in-place[=SUFFIX]`
        in_place = any(f == "-i" or f.startswith("--in-place") for f in opts.flags)
        # without -e or -f the first operand is the script
        given = opts.has("-e", "-f", "--expression", "--file")
        files = opts.positional_words if given else opts.positional_words[1:]
        effects = [] if opts.has("--sandbox") else self.script_effects(inv, self.scripts(inv, opts))
        if in_place:
            # text it puts into a file that runs later (a hook, node_modules, package scripts) is code
            inserted = "\n".join(inserted_text(t) for t in self.scripts(inv, opts) if t)
            for w in files if inserted.strip() else ():
                path = inv.ctx.resolve(w.value)
                if path is not None:
                    effects.extend(e for e in inv.walker.planted(path, inserted, inv.ctx) if e.operation != "read")
            return [*effects, *(inv.fs("modify", w.value, glob=w.glob, reversible="unknown",
                                       summary=f"edits {w.shown()} in place") for w in files)] or [
                inv.effect("read", "cmd:sed", Placement("local", "nothing to edit"), reversible="yes",
                           summary="sed -i without files changes nothing")]
        if inv.stdin is not None and inv.stdin.opaque:
            inv.stdout = Stream(origin=inv.stdin.origin, opaque=True)
        effects.extend(inv.fs("secret_read", w.value, kind="secret", reversible="yes") for w in files
                       if (path := inv.ctx.resolve(w.value)) and secret_kind(path, inv.ctx.home))
        return effects or [inv.effect("read", "cmd:sed", Placement("local", "sed prints"), reversible="yes",
                                      summary="sed (prints)")]

    @staticmethod
    def scripts(inv: Invocation, opts: Options) -> list[str | None]:
        """The script's parts: `-e` texts, the text of `-f` files (None for one that cannot be read), or
        the first operand; parts only known at run time are left out (they edit text as far as can be told)."""
        if not opts.has("-e", "-f", "--expression", "--file"):
            return [w.value for w in opts.positional_words[:1] if w.known]
        parts: list[str | None] = []
        for item in opts.items:
            if item.option in ("-e", "--expression") and item.value is not None:
                parts.append(item.value)
            elif item.option in ("-f", "--file") and item.value is not None:
                parts.append(inv.walker.file_stream(item.value, inv.ctx).text)
        return parts

    @staticmethod
    def script_effects(inv: Invocation, parts: list[str | None]) -> list[Effect]:
        effects: list[Effect] = []
        for text in parts:
            if text is None:
                effects.append(inv.effect("unknown", "cmd:sed", inv.arguments_placement(),
                                          summary="sed runs a script file that could not be read"))
                continue
            for action in actions(text):
                if action.kind == "exec":
                    inv.run_script(action.payload, origin="sed e")
                elif action.kind == "exec-text":
                    if action.payload:
                        inv.run_script(action.payload, origin="sed s///e")
                    effects.append(inv.effect("execute_opaque", "code:sed", inv.arguments_placement(), kind="code",
                                              summary="sed runs the text it edits as a shell command"))
                elif action.kind == "write":
                    effects.append(inv.fs("modify", action.payload, tags=("overwrite",),
                                          summary=f"sed writes to {action.payload}"))
                elif action.kind == "read":
                    path = inv.ctx.resolve(action.payload)
                    if path and secret_kind(path, inv.ctx.home):
                        effects.append(inv.fs("secret_read", action.payload, kind="secret", reversible="yes"))
        return effects
