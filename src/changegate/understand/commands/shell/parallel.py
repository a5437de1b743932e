"""GNU parallel: a command template run once per input (`::: a b`, `:::: FILE`, or stdin lines); with no
command, each input line is a command of its own."""

from __future__ import annotations

import shlex
from typing import ClassVar

from changegate.environments import Placement
from changegate.model import Effect
from changegate.understand.base import UNKNOWN_PART, Invocation, stand_in
from changegate.understand.commands.shell.common import MAX_PARALLEL, CommandRunner

INPUT_SEPARATORS = frozenset({":::", "::::", ":::+", "::::+"})


class Parallel(CommandRunner):
    NAMES = ("parallel",)
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({"-j", "--jobs", "-S", "--sshlogin", "--joblog", "--delay",
                                                       "--timeout", "-a", "--arg-file", "--results", "--tmpdir",
                                                       "-d", "--delimiter"})
    # -q/--quote is a flag

    def analyze(self, inv: Invocation) -> list[Effect]:
        values = inv.args
        cut = next((i for i, v in enumerate(values) if v in INPUT_SEPARATORS), len(values))
        _, _, command = self.split(inv.words[:cut])
        args = values[cut + 1:]
        stdin_text = inv.stdin.text if inv.stdin is not None else None
        if not command and cut == len(values) and stdin_text is not None:
            for line in [ln for ln in stdin_text.splitlines() if ln.strip()][:MAX_PARALLEL]:
                inv.run_script(line, origin="parallel input")
            return []
        if not command and not args and cut < len(values):
            return [inv.effect("read", "cmd:parallel", Placement("local", "nothing to run"), reversible="yes",
                               summary="parallel with nothing to run")]
        if not args and cut == len(values) and stdin_text is not None:
            args = [ln for ln in stdin_text.splitlines() if ln.strip()]  # inputs from stdin
        # GNU parallel joins the command's words with spaces and runs the line through a shell, quoting only
        # the inputs it substitutes (`parallel bash -c {}` runs each input as a script); -q quotes the words
        quote = any(w.value in ("-q", "--quote") for w in inv.words[:cut])
        template = " ".join(shlex.quote(w.value) if quote else w.value for w in command) if command else "{}"
        targets = args[:MAX_PARALLEL] if args and all(UNKNOWN_PART not in a for a in args) else [UNKNOWN_PART]
        roots = inv.stdin.path_roots if inv.stdin is not None and not args else ()
        if targets == [UNKNOWN_PART] and roots:  # `find DIR … | parallel CMD {}`: the paths find lists
            targets = [stand_in(roots[0], inv.stdin.every_path if inv.stdin else False).value]
        for target in targets:
            if not command:
                # no command: each input is the command line itself (`parallel ::: 'echo ok' 'make'`)
                inv.run_script(target, origin="parallel input")
                continue
            quoted = target if UNKNOWN_PART in target or target.endswith("/*") else shlex.quote(target)
            script = template.replace("{}", quoted) if "{}" in template else f"{template} {quoted}"
            inv.run_script(script, origin="parallel")
        return []
