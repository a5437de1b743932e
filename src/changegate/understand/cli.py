"""The one base for command-line tools: class-level tables merged over a base, one option walker, verbs
dispatched from a table.

A tool is one class in one file (`commands/<domain>/<tool>.py`). Its tables extend the base's the way
sqlglot's dialects extend theirs — `VERBS = {**Cli.VERBS, "status": "read", "reset": reset}` — so a reader
sees what a tool adds and nothing it inherits:

- `NAMES` / `NAME_PATTERNS`: the program names it understands (the registry is built from these);
- `VALUE_OPTIONS`: every option that takes a value (global and per-verb); `GLOBAL_OPTIONS` the subset that
  may stand before the verb; `OPTIONAL_VALUES`: options whose value is optional, with the values they take;
- `SCOPE_FLAGS` (widen to all), `DRY_RUN_FLAGS` (change nothing), `ADDRESS_OPTIONS` (name where it acts);
- `VERBS`: verb → an operation (`"read"`, `"delete"`, …) for the simple cases, or the method that handles
  it; `NOUNS`: noun → the kind of resource;
- `ENV_VARIABLES`: the environment variables that change its target or behaviour (they bind approvals).

`walk()` is the only option walker: it keeps every word, in order (`Options.items`), splits bundled short
flags, reads `--name=value`, `-n5` and `-n 5`, and stops at `--`. A tool whose grammar is not
`TOOL [GLOBALS] VERB [ARGS]` overrides `analyze()` and still walks its words with `walk()`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from changegate.environments import UNKNOWN, Placement
from changegate.model import Effect, Operation
from changegate.understand.base import Invocation, Word

# A verb's entry in `VERBS`: an operation for the simple cases, or the (unbound) method that handles it.
Handler = Callable[[Any, "Call"], list[Effect]]
VerbEntry = str | Handler


@dataclass(slots=True)
class Item:
    """One word as the walker read it: an option (with its value, if it took one) or a positional."""

    word: Word
    option: str | None = None  # the option's name as written (`-f`, `--force`); None for a positional
    value: str | None = None  # the option's value (inline or the next word); None for a flag
    index: int = 0  # where the word stands in the words walked
    value_index: int | None = None  # the word the value was written in: `index` (inline) or `index + 1`


@dataclass(slots=True)
class Options:
    """Arguments split into options and positionals, keeping every word and its order.

    `flags` maps each option as written (`-f`, `--force`) to its values (a flag without a value maps to
    ['']), in order of appearance; `items` is every word as read; `rest` the words after `--`."""

    flags: dict[str, list[str]]
    positionals: list[str]
    positional_words: list[Word]
    items: list[Item] = field(default_factory=list)
    rest: list[Word] = field(default_factory=list)
    dashdash: bool = False  # a `--` ended the options

    def has(self, *names: str) -> bool:
        return any(n in self.flags for n in names)

    def value(self, *names: str) -> str | None:
        for n in names:
            values = self.flags.get(n)
            if values:
                return values[-1]
        return None

    def values(self, *names: str) -> list[str]:
        out: list[str] = []
        for n in names:
            out.extend(self.flags.get(n, ()))
        return out

    def unknown_options(self, known: frozenset[str] | set[str]) -> list[str]:
        """Options as written that are not in `known` (the caller's table of every option it reads)."""
        return [item.option for item in self.items if item.option is not None and item.option not in known]


def parse_options(words: Sequence[Word], takes_value: frozenset[str] | set[str] = frozenset(),
                  *, stop_at_first_positional: bool = False, long_single_dash: bool = False,
                  optional_values: Mapping[str, frozenset[str]] | None = None, digit_flags: bool = False
                  ) -> Options:
    """The option walker. `takes_value` lists options (short and long) that consume a value. Combined short
    flags (`-rf`) split into `-r`, `-f`; `-n5`, `-d'a=b'` and `--n=5` carry their values inline; an option in
    `optional_values` takes the next word only when it is one of the values listed for it; with
    `digit_flags`, `-4` and `-0` are flags (nc, xargs, ip), not operands. `Item.value_index` says which word
    a value was written in (the option's own, or the next)."""
    flags: dict[str, list[str]] = {}
    positionals: list[str] = []
    positional_words: list[Word] = []
    items: list[Item] = []
    optional = optional_values or {}
    parsed = Options(flags, positionals, positional_words, items)

    def add(word: Word, index: int, name: str, value: str | None, value_index: int | None = None) -> None:
        flags.setdefault(name, []).append(value if value is not None else "")
        items.append(Item(word, name, value, index, index if value is not None and value_index is None
                           else value_index))

    def take_rest(start: int) -> None:
        for j in range(start, len(words)):
            positional_words.append(words[j])
            positionals.append(words[j].value)
            items.append(Item(words[j], None, None, j))

    i = 0
    n = len(words)
    while i < n:
        word = words[i]
        arg = word.value
        if arg == "--":
            parsed.dashdash = True
            parsed.rest = list(words[i + 1:])
            take_rest(i + 1)
            break
        is_option = len(arg) > 1 and arg[0] == "-" and (not arg[1].isdigit() or arg in takes_value
                                                          or digit_flags)
        # `-d'a=b'` is -d with the value a=b when -d takes one (GNU getopt); `--name=value` is one option
        short_with_value = (not long_single_dash and not arg.startswith("--") and arg not in takes_value
                            and arg[:2] in takes_value)
        if is_option and not short_with_value and (arg.startswith("--") or long_single_dash or arg in takes_value
                                                   or arg in optional or "=" in arg):
            # a whole-word option: `--name=value`, `--name value` (when it takes one), or a flag
            name, eq, inline = arg.partition("=")
            if eq:
                add(word, i, name, inline)
            elif (name in takes_value and i + 1 < n) or (name in optional and i + 1 < n and words[i + 1].value in optional[name]):
                add(word, i, name, words[i + 1].value)
                i += 1
            else:
                add(word, i, name, None)
        elif is_option:
            # bundled short flags: `-rf` is -r -f; `-n5` is -n with 5
            j = 1
            while j < len(arg):
                short = "-" + arg[j]
                if short in takes_value:
                    rest = arg[j + 1:]
                    if rest:
                        add(word, i, short, rest)
                    elif i + 1 < n:
                        add(word, i, short, words[i + 1].value, i + 1)
                        i += 1
                    else:
                        add(word, i, short, "")
                    break
                add(word, i, short, None)
                j += 1
        else:
            positionals.append(arg)
            positional_words.append(word)
            items.append(Item(word, None, None, i))
            if stop_at_first_positional:
                take_rest(i + 1)
                break
        i += 1
    return parsed


@dataclass
class Call:
    """One invocation of a tool once its words are walked: the verb, the words after it, the options.
    Tools with more to carry (a cluster target, a parsed connection) subclass it."""

    inv: Invocation
    opts: Options
    verb: str
    args: list[str]
    arg_words: list[Word]
    nouns: list[str] = field(default_factory=list)  # the words before the verb (`TOOL NOUN… VERB`)

    @property
    def name(self) -> str:
        return self.inv.name


class Cli:
    """A command-line tool. Subclasses extend the tables and, where a table cannot say it, write the
    method a verb's entry names."""

    NAMES: ClassVar[tuple[str, ...]] = ()
    NAME_PATTERNS: ClassVar[tuple[str, ...]] = ()
    FAMILY: ClassVar[str] = ""  # the family named in evidence (`git`, `kubectl`, `db`)
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset()
    GLOBAL_OPTIONS: ClassVar[frozenset[str]] = frozenset()
    OPTIONAL_VALUES: ClassVar[Mapping[str, frozenset[str]]] = {}
    LONG_SINGLE_DASH: ClassVar[bool] = False  # `-name value` is one option (find, java, gcc)
    DIGIT_FLAGS: ClassVar[bool] = False  # `-4`, `-0` are flags (nc, xargs, ip), not operands
    SCOPE_FLAGS: ClassVar[frozenset[str]] = frozenset()
    DRY_RUN_FLAGS: ClassVar[frozenset[str]] = frozenset()
    ADDRESS_OPTIONS: ClassVar[tuple[str, ...]] = ()
    VERBS: ClassVar[Mapping[str, VerbEntry]] = {}
    NOUNS: ClassVar[Mapping[str, str]] = {}
    ENV_VARIABLES: ClassVar[tuple[str, ...]] = ()

    # --- reading the words ----------------------------------------------------------------------------
    def walk(self, words: Sequence[Word], *, stop_at_first_positional: bool = False,
             takes_value: frozenset[str] | set[str] | None = None) -> Options:
        return parse_options(words, self.VALUE_OPTIONS if takes_value is None else takes_value,
                             stop_at_first_positional=stop_at_first_positional,
                             long_single_dash=self.LONG_SINGLE_DASH, optional_values=self.OPTIONAL_VALUES,
                             digit_flags=self.DIGIT_FLAGS)

    def split_verb(self, words: Sequence[Word]) -> tuple[Options, Word | None, list[Word]]:
        """`TOOL [GLOBALS] VERB REST`: the global options, the verb's word (None when there is none) and
        the words after it, for the verb's own walk."""
        globals_ = self.walk(words, stop_at_first_positional=True,
                             takes_value=self.GLOBAL_OPTIONS or self.VALUE_OPTIONS)
        if not globals_.positional_words:
            return globals_, None, []
        verb, *rest = globals_.positional_words
        return globals_, verb, rest

    # --- deciding -------------------------------------------------------------------------------------
    def analyze(self, inv: Invocation) -> list[Effect]:
        """`TOOL [OPTIONS] VERB [ARGS]` by default: the first positional is the verb."""
        opts = self.walk(inv.words)
        if not opts.positionals:
            return self.no_verb(inv, opts)
        call = Call(inv, opts, opts.positionals[0], opts.positionals[1:], opts.positional_words[1:])
        return self.dispatch(call)

    def dispatch(self, call: Call) -> list[Effect]:
        entry = self.VERBS.get(call.verb)
        if entry is None:
            return self.unknown_verb(call)
        if isinstance(entry, str):
            return [self.simple(call, entry)]
        return entry(self, call)

    def simple(self, call: Call, operation: str) -> Effect:
        """The effect of a verb whose table entry is only its operation."""
        op: Operation = operation  # type: ignore[assignment]
        resource = f"{call.name}:" + "/".join([*call.nouns, call.verb, *call.args[:2]])
        return call.inv.effect(op, resource, self.placement(call),
                               reversible="yes" if op == "read" else ("no" if op == "delete" else "unknown"),
                               summary=f"{call.name} {' '.join([*call.nouns, call.verb, *call.args[:2]])}")

    def placement(self, call: Call) -> Placement:
        """Where a call acts; tools override this with their address and context options."""
        return Placement(UNKNOWN, f"nothing says which {call.name} environment this is (unknown is treated as prod)")

    def no_verb(self, inv: Invocation, opts: Options) -> list[Effect]:
        return [inv.unknown(f"{inv.name} without a verb")]

    def unknown_verb(self, call: Call) -> list[Effect]:
        """A verb the tables do not know: not understood, where the tool acts (never "local" because no
        argument looks like a path)."""
        return [call.inv.effect("unknown", f"cmd:{call.name}", self.placement(call), scope="one",
                                summary=f"runs {call.name} {call.verb} (a verb changegate does not know)")]
