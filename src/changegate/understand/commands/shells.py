"""Shells, eval and source: their payload is more shell, which the walker parses again.

What a shell would run but cannot be seen — a string computed at run time, a script downloaded or decoded
on its way in — is opaque code (`execute_opaque`), which the default policy asks about everywhere.
"""

from __future__ import annotations

from typing import ClassVar

from changegate.environments import UNKNOWN, Placement
from changegate.model import Effect
from changegate.understand.base import Invocation, Stream, Word
from changegate.understand.cli import Cli


def opaque(inv: Invocation, origin: str, evidence: str = "") -> Effect:
    return inv.effect(
        "execute_opaque",
        f"code:{origin}",
        inv.ctx.remote_placement or Placement(UNKNOWN, "code that cannot be read before it runs could do anything"),
        reversible="unknown",
        kind="code",
        evidence=evidence or inv.text,
        summary=f"runs code that cannot be inspected: {origin}",
        suggestions=("download or decode it to a file first, show it, and run it only once it has been read",),
    )


def run_stream(inv: Invocation, stream: Stream | None, what: str) -> list[Effect]:
    """A shell reading its script from stdin."""
    if stream is None:
        return [inv.effect("unknown", f"cmd:{inv.name}", inv.ctx.remote_placement or inv.arguments_placement(),
                           summary=f"starts an interactive {inv.name}")]
    if stream.text is not None and not stream.opaque:
        inv.run_script(stream.text, origin=f"{what} script")
        return []
    return [opaque(inv, stream.origin or f"the input of {inv.name}")]


class Shell(Cli):
    NAMES = ("bash", "sh", "zsh", "dash", "ksh", "ash", "mksh", "fish", "rbash", "yash", "posh")
    FAMILY = "shell"
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({"-o", "+o", "-O", "+O", "--rcfile", "--init-file"})

    def analyze(self, inv: Invocation) -> list[Effect]:
        words = inv.words
        command_mode = False
        syntax_only = False
        from_stdin = False  # -s: commands come from stdin, the arguments are positional parameters
        i = 0
        while i < len(words):
            arg = words[i].value
            if arg == "--" or arg == "-":
                i += 1
                break
            if arg in self.VALUE_OPTIONS:
                i += 2
                continue
            if arg.startswith("--"):
                i += 1
                continue
            if len(arg) > 1 and arg[0] in "-+":
                command_mode = command_mode or "c" in arg[1:]
                syntax_only = syntax_only or "n" in arg[1:]
                from_stdin = from_stdin or "s" in arg[1:]
                i += 1
                continue
            break
        rest = words[i:]
        if syntax_only:
            return [inv.effect("read", f"cmd:{inv.name}", Placement("local", "-n only checks syntax"),
                               reversible="yes", summary=f"{inv.name} -n checks syntax")]
        if command_mode:
            if not rest:
                return [inv.unknown("-c without a command")]
            # a payload with run-time parts (`sh -c 'rm {}'` under find) is still parsed: those parts
            # become run-time words, and a wholly computed payload a command computed at run time
            params = {str(n): w.value for n, w in enumerate(rest[1:10])}
            ctx = inv.ctx.clone(env={**inv.ctx.env, **params}) if params else inv.ctx
            inv.run_script(rest[0].value, ctx=ctx, origin=f"{inv.name} -c")
            return []
        if rest and not from_stdin:
            return self.script_file(inv, rest[0])
        return run_stream(inv, inv.stdin, inv.name)

    @staticmethod
    def script_file(inv: Invocation, script: Word) -> list[Effect]:
        if not script.known:
            return [opaque(inv, f"a script path only known at run time ({script.shown()})")]
        stream = inv.walker.file_stream(script.value, inv.ctx)
        if stream.opaque:
            return [opaque(inv, stream.origin)]
        if stream.text is not None:
            inv.run_script(stream.text, origin=f"the script {script.value}")
            return []
        path = inv.ctx.resolve(script.value)
        placement = inv.ctx.place_path(path)
        return [inv.effect("unknown", f"script:{path or script.value}", placement, kind="script",
                           summary=f"runs the script {script.value}, which could not be read")]


class Eval(Cli):
    NAMES = ("eval",)
    FAMILY = "shell"

    def analyze(self, inv: Invocation) -> list[Effect]:
        inv.run_script(" ".join(w.value for w in inv.words), origin="eval")
        return []


class Source(Cli):
    NAMES = ("source", ".")
    FAMILY = "shell"

    def analyze(self, inv: Invocation) -> list[Effect]:
        if not inv.words:
            return [inv.unknown("source without a file")]
        script = inv.words[0]
        if not script.known:
            return [opaque(inv, f"a script path only known at run time ({script.shown()})")]
        stream = inv.walker.file_stream(script.value, inv.ctx)
        if stream.text is not None:
            # sourced scripts run in the current shell: their assignments and cd stay
            inv.walker.run_script(stream.text, inv.ctx, origin=f"the sourced file {script.value}")
            return []
        path = inv.ctx.resolve(script.value)
        return [inv.effect("unknown", f"script:{path or script.value}", inv.ctx.place_path(path), kind="script",
                           summary=f"sources {script.value}, which could not be read")]
