"""Shells: `bash -c CODE`, `sh SCRIPT`, `… | sh`. Their payload is more shell, which the walker parses again.

A script on disk is read (bounded) and walked; one that does not exist runs nothing; one that cannot be
read (too large, not a regular file, a binary) is not understood. Before the payload, a shell runs its
start-up file when told to: `BASH_ENV` for a non-interactive bash, `--rcfile`/`ENV` for an interactive
one, `$ZDOTDIR/.zshenv` for zsh. What a shell would run but cannot be seen — a string computed at run
time, a script downloaded or decoded on its way in — is opaque code (`execute_opaque`), which the default
policy asks about everywhere.
"""

from __future__ import annotations

import posixpath
from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from changegate.environments import LOCAL, Placement
from changegate.model import Effect
from changegate.understand.base import Context, Invocation, Stream, Word
from changegate.understand.cli import Cli, Options
from changegate.understand.commands.shell.common import opaque
from changegate.understand.facts import Unreadable, read_config_bytes

# `+o` and `+O` unset what `-o` and `-O` set, and take a value as they do
PLUS_VALUE_OPTIONS = frozenset({"+o", "+O"})
MAX_SCRIPT_BYTES = 256 * 1024  # a script read to see what running it would do
MAX_PARAMETERS = 9
STDIN_PATHS = frozenset({"/dev/stdin", "/dev/fd/0", "/proc/self/fd/0"})
PIPES = ("/dev/fd/", "/proc/self/fd/", "/proc/")  # what `<(…)` stands for: another command's output
BINARY_MAGIC = (b"\x7fELF", b"\xcf\xfa\xed\xfe", b"\xce\xfa\xed\xfe", b"\xca\xfe\xba\xbe", b"MZ")
POSIX_SHELLS = frozenset({"sh", "dash", "ksh", "ash", "mksh", "yash", "posh"})


def with_parameters(ctx: Context, zero: Word | None, args: Sequence[Word]) -> Context:
    """A context where `$0`, `$1`, … are the script's name and arguments (as `sh -c CODE NAME ARGS`)."""
    params = {"0": zero.value} if zero is not None else {}
    params.update({str(n): w.value for n, w in enumerate(args[:MAX_PARAMETERS], start=1)})
    # exactly these: `$N` past the last argument is unset (`sh -c 'rm -rf "${1:-/}"' _` removes /)
    params["@"] = params["*"] = " ".join(w.value for w in args)
    params["#"] = str(len(args))
    stale = {k for k in ctx.env if k.isdigit() and k != "0"}
    return ctx.clone(env={**{k: v for k, v in ctx.env.items() if k not in stale}, **params})


def run_stream(inv: Invocation, stream: Stream | None, what: str, ctx: Context | None = None) -> list[Effect]:
    """A shell reading its script from stdin."""
    if stream is None:
        return [inv.effect("unknown", f"cmd:{inv.name}", inv.ctx.remote_placement or inv.arguments_placement(),
                           tags=("interactive",), summary=f"starts an interactive {inv.name}: what is typed "
                                                          "into it cannot be seen")]
    if stream.text is not None and not stream.opaque:
        inv.run_script(stream.text, ctx=ctx, origin=f"{what} script")
        return []
    return [opaque(inv, stream.origin or f"the input of {inv.name}")]


@dataclass(frozen=True, slots=True)
class ScriptFile:
    """What a path given to a shell holds: its text, or why there is none (`absent`, `opaque`, `unread`)."""

    path: str | None
    text: str | None = None
    absent: bool = False
    opaque: str = ""  # where unseeable content came from
    unread: str = ""  # why it could not be read


def script_file(inv: Invocation, raw: str, ctx: Context) -> ScriptFile:
    """The script at `raw`: written earlier on this line, or read from this machine's disk (bounded)."""
    path = ctx.resolve(raw)
    if path is None:
        return ScriptFile(None, unread="its path is only known at run time")
    if path in ctx.files:
        stream = inv.walker.file_stream(raw, ctx)
        return ScriptFile(path, text=stream.text) if not stream.opaque else ScriptFile(path, opaque=stream.origin)
    if ctx.remote is not None:
        return ScriptFile(path, unread=f"it is a file on {ctx.remote}")
    if path.startswith(PIPES):
        return ScriptFile(path, unread=f"{path} is a pipe from another command (a process substitution)")
    try:
        data = read_config_bytes(path, limit=MAX_SCRIPT_BYTES)
    except Unreadable as exc:
        return ScriptFile(path, unread=str(exc))
    if data is None:
        if inv.absent_here(path):
            return ScriptFile(path, absent=True)
        return ScriptFile(path, unread=f"{path} cannot be opened yet (it may be written earlier on this line)")
    if data.startswith(BINARY_MAGIC) or b"\x00" in data[:4096]:
        return ScriptFile(path, unread=f"{path} is a binary program")
    return ScriptFile(path, text=data.decode("utf-8", "replace"))


def run_script_file(inv: Invocation, script: Word, *, ctx: Context | None = None, verb: str = "runs") -> list[Effect]:
    """A shell running (or sourcing) the script at a path: what it does, as far as it can be read."""
    ctx = ctx or inv.ctx
    if not script.known:
        return [opaque(inv, f"a script path only known at run time ({script.shown()})")]
    if script.value in STDIN_PATHS or script.value == "-":
        return run_stream(inv, inv.stdin, inv.name, ctx)
    found = script_file(inv, script.value, ctx)
    if found.opaque:
        return [opaque(inv, found.opaque)]
    if found.text is not None:
        inv.run_script(found.text, ctx=ctx, origin=f"the script {script.value}")
        return []
    if found.absent:
        return [inv.effect("read", f"script:{found.path}", Placement(LOCAL, f"{found.path} does not exist"),
                           reversible="yes", tags=("absent-program",),
                           summary=f"{inv.name} {script.value}: there is no such file, so nothing runs")]
    return [inv.effect("unknown", f"script:{found.path or script.value}", ctx.remote_placement or
                       ctx.place_path(found.path), kind="script",
                       summary=f"{verb} the script {script.value}, which could not be read ({found.unread})")]


class Shell(Cli):
    NAMES = ("bash", "sh", "zsh", "dash", "ksh", "ash", "mksh", "fish", "rbash", "yash", "posh")
    FAMILY = "shell"
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({"-o", "-O", "--rcfile", "--init-file"})
    ENV_VARIABLES = ("BASH_ENV", "ENV", "ZDOTDIR")

    def analyze(self, inv: Invocation) -> list[Effect]:
        opts, letters, rest = self.options(inv.words)
        if "n" in letters:
            return [inv.effect("read", f"cmd:{inv.name}", Placement("local", "-n only checks syntax"),
                               reversible="yes", summary=f"{inv.name} -n checks syntax")]
        interactive = "i" in letters or ("c" not in letters and not rest and inv.stdin is None)
        effects = self.startup(inv, opts, interactive=interactive)
        if "c" in letters:
            if not rest:
                return [*effects, inv.effect("read", f"cmd:{inv.name}", Placement(LOCAL, "-c needs a command"),
                                             reversible="yes", summary=f"{inv.name} -c without a command fails")]
            # a payload with run-time parts (`sh -c 'rm {}'` under find) is still parsed: those parts
            # become run-time words, and a wholly computed payload a command computed at run time
            ctx = with_parameters(inv.ctx, rest[1] if len(rest) > 1 else None, rest[2:])
            inv.run_script(rest[0].value, ctx=ctx, origin=f"{inv.name} -c")
            return effects
        if rest and "s" not in letters:
            ctx = with_parameters(inv.ctx, rest[0], rest[1:])
            return [*effects, *run_script_file(inv, rest[0], ctx=ctx)]
        # -s (or no operand): commands come from stdin, the operands are positional parameters
        return [*effects, *run_stream(inv, inv.stdin, inv.name, with_parameters(inv.ctx, None, rest))]

    def startup(self, inv: Invocation, opts: Options, *, interactive: bool) -> list[Effect]:
        """The start-up file this shell runs first, when one is named by an option or variable."""
        files: list[str] = []
        if inv.name in ("bash", "rbash"):
            if interactive:
                files.extend(opts.values("--rcfile", "--init-file"))
            elif inv.ctx.getenv("BASH_ENV"):
                files.append(inv.ctx.env["BASH_ENV"])
        if inv.name in POSIX_SHELLS and interactive and inv.ctx.getenv("ENV"):
            files.append(inv.ctx.env["ENV"])
        if inv.name == "zsh" and inv.ctx.getenv("ZDOTDIR"):
            files.append(posixpath.join(inv.ctx.env["ZDOTDIR"], ".zshenv"))
        effects: list[Effect] = []
        for raw in files:
            found = script_file(inv, raw, inv.ctx)
            if found.absent:
                continue  # a start-up file that does not exist is skipped
            effects.extend(run_script_file(inv, Word(raw, text=raw), verb="runs first"))
        return effects

    def options(self, words: Sequence[Word]) -> tuple[Options, set[str], list[Word]]:
        """The options as walked, the letters of the short options (`-ec` is e and c; `+x` counts as x) and
        the words after the options. `-` and `--` end the options; `+x` options (which the walker reads as
        operands) are taken here and the walk goes on after them."""
        opts = self.walk(words, stop_at_first_positional=True)
        letters = {letter for name in opts.flags if not name.startswith("--") for letter in name[1:]}
        rest = opts.positional_words
        if opts.dashdash or not rest:
            return opts, letters, rest
        first = rest[0].value
        if first == "-":
            return opts, letters, rest[1:]
        if first.startswith("+") and len(first) > 1:
            more_opts, more, after = self.options(rest[2 if first in PLUS_VALUE_OPTIONS else 1:])
            return more_opts, letters | set(first[1:]) | more, after
        return opts, letters, rest
