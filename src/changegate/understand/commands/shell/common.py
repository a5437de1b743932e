"""What the shell's tools share: opaque code, splitting a runner's own words from the command it runs,
and the word an option's value came from."""

from __future__ import annotations

import re
import shlex
from collections.abc import Sequence
from typing import ClassVar

from changegate.environments import UNKNOWN, Placement
from changegate.model import Effect
from changegate.understand.base import Invocation, Stream, Word
from changegate.understand.cli import Cli, Item, Options
from changegate.understand.facts import which

MAX_PARALLEL = 8  # commands followed for one xargs or parallel (one per input line)
# `-0`, `-10`, `-0777`: options (xargs -0, nice -10, ssh -4, perl -0777) the walker reads as operands,
# since elsewhere a dash and digits is a negative number
DIGIT_OPTION = re.compile(r"-\d.*")


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


def program_paths(inv: Invocation, names: Sequence[str]) -> Stream:
    """What `which NAME`, `type -P NAME` and `command -v NAME` print: where each program is found on the
    PATH (a program not found here is shown where it usually is, so the name still reaches whoever runs it)."""
    search = inv.ctx.env.get("PATH") if inv.ctx.remote is None else None
    lines = []
    for name in names:
        found = which(name, search) if search and "/" not in name else None
        lines.append(found or (name if "/" in name else f"/usr/bin/{name}"))
    return Stream(text="".join(f"{line}\n" for line in lines), origin="a program lookup")


def is_assignment(word: Word) -> bool:
    """`NAME=value`: a variable for the command's environment (env, sudo), not the command itself."""
    name, eq, _ = word.value.partition("=")
    return bool(eq) and bool(name) and not name[0].isdigit() and name.replace("_", "a").isalnum()


def safe_split(text: str) -> list[str]:
    try:
        return shlex.split(text)
    except ValueError:
        return text.split()


def value_word(words: Sequence[Word], opts: Options, item: Item) -> Word | None:
    """The word an option's value came from: the next word (`-c CODE`), or one made of the inline value
    (`-cCODE`, `--eval=CODE`); None when the option got no value. The walker keeps values as text; where a
    value is code or a path, its word (unknown parts, glob) matters."""
    if item.value is None:
        return None
    following = item.index + 1
    walked_next = any(later.index == following for later in opts.items)
    if not walked_next and following < len(words) and words[following].value == item.value:
        return words[following]
    if not item.value:
        return None
    return Word(item.value, text=item.value)


def words_after(words: Sequence[Word], opts: Options, item: Item) -> list[Word]:
    """The words after an option and its value."""
    value = value_word(words, opts, item)
    consumed = value is not None and item.index + 1 < len(words) and value is words[item.index + 1]
    return list(words[item.index + (2 if consumed else 1):])


def walk_before_operands(cli: Cli, words: Sequence[Word]) -> tuple[Options, list[Word]]:
    """`cli.walk(words, stop_at_first_positional=True)`, where a dash-and-digits word before the first
    operand is an option: such words are left out, and the walk is of the words that remain (returned
    with it, for the indexes of its items)."""
    remaining = list(words)
    while True:
        opts = cli.walk(remaining, stop_at_first_positional=True)
        first = next((item for item in opts.items if item.option is None), None)
        if opts.dashdash or first is None or not DIGIT_OPTION.fullmatch(first.word.value):
            return opts, remaining
        del remaining[first.index]


class CommandRunner(Cli):
    """`RUNNER [OPTIONS] [LEADING…] COMMAND…`: a tool that runs the command after its own words."""

    FAMILY = "runner"
    ENV_VARIABLES: ClassVar[tuple[str, ...]] = ("LD_PRELOAD", "LD_LIBRARY_PATH")  # code loaded into whatever it runs
    LEADING: ClassVar[int] = 0  # positionals before the command: `timeout 10 cmd`, `chroot DIR cmd`

    def split(self, words: Sequence[Word]) -> tuple[Options, list[Word], list[Word]]:
        """The runner's options, its leading positionals, and the command."""
        opts, _ = walk_before_operands(self, words)
        leading = self.leading(opts)
        return opts, opts.positional_words[:leading], opts.positional_words[leading:]

    def leading(self, opts: Options) -> int:
        return self.LEADING
