"""expect: `expect -c 'spawn ssh db1; send "rm -rf /data\\r"; interact'` (or a script file) starts a program and
types into it. What it types into a shell — a local shell, `su`, `sudo -i`, or `ssh HOST` — runs as commands
there; the program it spawns runs as itself. Text typed into any other program, and Tcl that changegate does
not read (procs, loops, `exec`, `eval`), is not understood.
"""

from __future__ import annotations

import re
import shlex
from typing import ClassVar

from changegate.model import Effect
from changegate.understand.base import Invocation, lit
from changegate.understand.cli import Cli

SHELLS = frozenset({"sh", "bash", "zsh", "dash", "ksh", "fish", "su", "ssh"})
IGNORED = frozenset({"expect", "interact", "set", "log_user", "exp_internal", "sleep", "wait", "close", "puts",
                     "send_user", "exit", "expect_after", "expect_before", "stty", "#"})
MAX_COMMANDS = 64
MAX_SCRIPT_BYTES = 64 * 1024


def tcl_commands(script: str) -> list[list[str]]:
    """The script's commands as words (lines and `;` split; braces and quotes as Tcl groups words)."""
    out: list[list[str]] = []
    for line in re.split(r"[;\n]", script.replace("{", '"').replace("}", '"'))[:MAX_COMMANDS * 2]:
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        try:
            words = shlex.split(line)
        except ValueError:
            return [["?unparsable?", line]]
        if words:
            out.append(words)
    return out[:MAX_COMMANDS]


def typed(text: str) -> str:
    """What `send "…"` types, as the program reads it: Tcl's escapes for Return and newline become lines."""
    return text.replace("\\r", "\n").replace("\\n", "\n").replace("\r", "\n")


class Expect(Cli):
    NAMES = ("expect",)
    FAMILY = "shell"
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({"-c", "-f", "-b"})

    def analyze(self, inv: Invocation) -> list[Effect]:
        opts = self.walk(inv.words)
        script = opts.value("-c")
        file = opts.value("-f", "-b") or (opts.positionals[0] if opts.positionals and script is None else None)
        if script is None and file is not None:
            stream = inv.walker.file_stream(file, inv.ctx)
            script = stream.text
            if script is None:
                return [inv.unknown(f"runs the expect script {file}, which cannot be read")]
        if script is None:
            return [inv.unknown("expect reading its script from stdin")]
        if len(script) > MAX_SCRIPT_BYTES:
            return [inv.unknown("an expect script too large to read")]
        spawned: list[str] = []
        start = len(inv.walker.effects)
        commands = tcl_commands(script)
        for words in commands:
            head = words[0]
            if head == "spawn":
                spawned = [w for w in words[1:] if not w.startswith("-noecho")]
                if spawned:
                    inv.run_argv([lit(w) for w in spawned])
            elif head == "send":
                text = typed(" ".join(w for w in words[1:] if w not in ("--", "-s", "-h")))
                self.typed_into(inv, spawned, text)
            elif head not in IGNORED:
                return [inv.unknown(f"expect runs Tcl changegate does not read ({head})")]
        if len(inv.walker.effects) == start:  # nothing spawned or typed: say so, never an empty answer
            return [inv.effect("read", "cmd:expect", inv.arguments_placement(), reversible="yes",
                               summary="expect with nothing to run" if not commands else "expect (only waits)")]
        return []

    @staticmethod
    def typed_into(inv: Invocation, spawned: list[str], text: str) -> None:
        program = spawned[0].rsplit("/", 1)[-1] if spawned else ""
        if not text.strip():
            return
        if program == "ssh" and len(spawned) > 1:
            host = next((w for w in spawned[1:] if not w.startswith("-")), None)
            if host is not None:
                inv.run_argv([lit("ssh"), lit(host), lit(text)])
                return
        if program in SHELLS or (program == "sudo" and any(w in ("-i", "-s", "su") for w in spawned[1:])):
            inv.run_script(text, origin="what expect types into the shell")
            return
        inv.walker.effects.append(inv.unknown(f"types into {program or 'a program'}, which changegate does not "
                                              "read as commands"))
