"""xargs: runs its command with arguments read from stdin (or from `-a FILE`) — known when the input is,
else stand-ins for the paths a producer (find, ls) lists: all of them where it lists everything.
`-I R` (and `-i`, `--replace`) put each input line where R stands; BSD's `-J R` puts all of them there."""

from __future__ import annotations

from typing import ClassVar

from changegate.model import Effect
from changegate.understand.base import UNKNOWN_PART, Invocation, Stream, Word, lit, stand_in
from changegate.understand.cli import Options
from changegate.understand.commands.shell.common import MAX_PARALLEL, CommandRunner, safe_split

DEFAULT_REPLACE = "{}"
MAX_ARGUMENTS = 64  # known arguments handed to one command


class Xargs(CommandRunner):
    NAMES = ("xargs",)
    DIGIT_FLAGS = True  # `-0`: the input is NUL-separated
    # --replace[=R] and -i[R] take their value only inline
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({"-I", "-J", "-n", "-L", "-P", "-s", "-d", "-E", "-a", "-R",
                                                       "-S", "--arg-file", "--max-args", "--max-lines",
                                                       "--max-procs", "--max-chars", "--delimiter", "--eof",
                                                       "--process-slot-var"})

    def analyze(self, inv: Invocation) -> list[Effect]:
        opts, _, command = self.split(inv.words)
        replace = self.replace_string(opts)
        every = opts.value("-J")  # BSD: the whole input where this word stands
        if not command:
            command = [lit("echo")]
        stdin = self.input(inv, opts)
        if stdin.text is not None and not stdin.opaque:
            return self.known_arguments(inv, command, replace, every, stdin.text, self.delimiter(opts))
        placeholder = replace or every
        if placeholder:
            item = stand_in(stdin.path_roots[0], stdin.every_path) if stdin.path_roots else Word(UNKNOWN_PART)
            command = [Word(w.value.replace(placeholder, item.value), glob=item.glob and w.value == placeholder,
                            text=w.text) if placeholder in w.value else w for w in command]
        stream = Stream(origin="arguments from stdin", path_roots=stdin.path_roots, every_path=stdin.every_path,
                        lists=stdin.lists)
        inv.run_argv(command, stdin=stream, args_unknown=placeholder is None)
        return []

    @staticmethod
    def input(inv: Invocation, opts: Options) -> Stream:
        """Where the arguments come from: `-a FILE` (`--arg-file`), else stdin."""
        arg_file = opts.value("-a", "--arg-file")
        if arg_file is not None:
            return inv.walker.file_stream(arg_file, inv.ctx)
        return inv.stdin or Stream()

    @staticmethod
    def replace_string(opts: Options) -> str | None:
        """What -I R, --replace[=R] or -i[R] replace with each input line; the last one given counts."""
        replace = None
        for item in opts.items:
            if item.option == "-I" and item.value:
                replace = item.value
            elif item.option == "--replace":
                replace = item.value or DEFAULT_REPLACE
            elif item.option == "-i":
                word = item.word.value
                replace = (word[2:] if word.startswith("-i") else "") or DEFAULT_REPLACE
        return replace

    @staticmethod
    def delimiter(opts: Options) -> str | None:
        """What separates the input items: NUL with -0/--null, the character -d/--delimiter names; None for
        xargs's own splitting (blanks and newlines, with quotes)."""
        if opts.has("-0", "--null"):
            return "\0"
        given = opts.value("-d", "--delimiter")
        if given is None:
            return None
        if given.startswith("\\") and len(given) > 1:
            return given.encode("utf-8", "surrogatepass").decode("unicode_escape", "replace")[:1] or None
        return given[:1] or None

    @staticmethod
    def known_arguments(inv: Invocation, command: list[Word], replace: str | None, every: str | None,
                        text: str, delimiter: str | None = None) -> list[Effect]:
        """`echo a b | xargs rm`: the arguments are known, so the command is too. With a `delimiter` (-0,
        -d) the input splits only there; else -I takes lines and plain xargs blanks and quotes."""
        if delimiter is not None:
            pieces = text.split(delimiter)
            if pieces and pieces[-1] in ("", "\n"):
                pieces.pop()  # the terminator after the last item
        else:
            pieces = [ln.strip() for ln in text.splitlines() if ln.strip()] if replace else safe_split(text)
        if replace:
            for piece in pieces[:MAX_PARALLEL]:
                inv.run_argv([Word(w.value.replace(replace, piece), text=w.text) for w in command])
            return []
        items = [lit(piece) for piece in pieces[:MAX_ARGUMENTS]]
        at = next((i for i, w in enumerate(command) if every is not None and w.value == every), None)
        inv.run_argv([*command[:at], *items, *command[at + 1:]] if at is not None else [*command, *items])
        return []
