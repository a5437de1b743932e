"""env: runs a command with variables set, unset or cleared, maybe in another directory; `-S` splits a
string into more of env's own words."""

from __future__ import annotations

from itertools import takewhile
from typing import ClassVar

from changegate.environments import Placement
from changegate.model import Effect
from changegate.understand.base import Invocation, Word, lit
from changegate.understand.cli import Item
from changegate.understand.commands.shell.common import (
    CommandRunner,
    is_assignment,
    safe_split,
    walk_before_operands,
    words_after,
)
from changegate.understand.commands.shell.readonly import ReadOnly
from changegate.understand.selfguard import gate_settings_changed, settings_tampering

MAX_SPLITS = 4  # `env -S` within `env -S` this deep is not followed


def is_setting(word: Word) -> bool:
    """`NAME=value`, or `-` (the old spelling of -i)."""
    return word.value == "-" or is_assignment(word)


def split_string(item: Item) -> str | None:
    """The string of `-S STRING`, `-SSTRING` or `--split-string=STRING`. An inline string with a `=` in it
    (`-S'A=1 cmd'`) reads to the walker as an option named `-SA`: it is taken from the word."""
    if item.option in ("-S", "--split-string"):
        return item.value
    if item.option is not None and item.option.startswith("-S") and item.value is not None:
        return item.word.value[2:]
    return None


class Env(CommandRunner):
    NAMES = ("env",)
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({"-u", "--unset", "-C", "--chdir", "-P", "-S",
                                                       "--split-string"})

    def analyze(self, inv: Invocation) -> list[Effect]:
        return self.settings(inv, list(inv.words), dict(inv.ctx.env), inv.ctx.cwd, depth=0)

    def settings(self, inv: Invocation, words: list[Word], env: dict[str, str], cwd: str | None,
                 depth: int) -> list[Effect]:
        """env's own words — options and `NAME=value` settings, in any order — up to the command."""
        unset: set[str] = set()
        while True:
            opts, words = walk_before_operands(self, words)
            for item in opts.items:
                if item.option in ("-i", "--ignore-environment"):
                    env = {}
                elif item.option in ("-u", "--unset") and item.value is not None:
                    env.pop(item.value, None)
                    unset.add(item.value)
                elif item.option in ("-C", "--chdir") and item.value:
                    cwd = inv.ctx.resolve(item.value)
                elif (string := split_string(item)) is not None:
                    if depth >= MAX_SPLITS:
                        return [inv.unknown(f"env -S nested more than {MAX_SPLITS} deep")]
                    split = [lit(part) for part in safe_split(string)]
                    return self.settings(inv, split + words_after(words, opts, item), env, cwd, depth + 1)
            if opts.dashdash:
                return self.run(inv, opts.rest, env, cwd, frozenset(unset))
            rest = opts.positional_words
            settings = list(takewhile(is_setting, rest))
            if not settings:
                return self.run(inv, rest, env, cwd, frozenset(unset))
            for word in settings:
                if word.value == "-":
                    env = {}
                else:
                    key, _, value = word.value.partition("=")
                    env[key] = value
            words = rest[len(settings):]

    @staticmethod
    def run(inv: Invocation, command: list[Word], env: dict[str, str], cwd: str | None,
            unset: frozenset[str] = frozenset()) -> list[Effect]:
        if not command:
            if not env:
                return [inv.effect("read", "env:", Placement("local", "an empty environment"), reversible="yes",
                                   summary="env -i prints nothing")]
            return [ReadOnly.whole_environment(inv)]
        # set, changed, or unset by name (`-u`); `env -i` clears everything and is not aimed at the gate
        changed = [n for n in gate_settings_changed(inv.ctx.env, env) if n in env or n in unset]
        ctx = inv.ctx.clone(env=env, cwd=cwd)
        inv.run_argv(command, ctx=ctx, stdin=inv.stdin)
        # `env CHANGEGATE_POLICY=… cmd`, `env -u CHANGEGATE_URL cmd`, `env -i …`: the gate reconfigured
        return [settings_tampering(changed, inv.text)] if changed else []
