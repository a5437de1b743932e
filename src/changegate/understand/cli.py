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
- `ENV_VARIABLES`: the environment variables that change its target or behaviour. They bind: `bind()` puts
  the values present when the tool runs (the action's env, inline assignments, earlier exports) into the
  consulted facts, so they are part of the canonical action and its hash (secret-named ones as keyed
  digests). A name ending in `*` is a prefix (`TF_VAR_*`). `RUNTIME_VARIABLES` (what runs, for any program:
  LD_PRELOAD, BASH_ENV, PYTHONPATH, PATH, …) bind for every command;
- `SECRET_OPTIONS`, `SECRET_ATTACHED`, `SECRET_STDIN_FLAGS`, `SECRET_HEADERS`: where its words or stdin carry
  a password or token (`redis-cli -a PASS`, `mysql -pPASS`, `sudo -S`, `-H 'Authorization: …'`). `bind()`
  marks those values (`Context.mark_secret`): requests, the log and the shown effects hold their keyed
  digest, never the value.

`walk()` is the only option walker: it keeps every word, in order (`Options.items`), splits bundled short
flags, reads `--name=value`, `-n5` and `-n 5`, and stops at `--`. A tool whose grammar is not
`TOOL [GLOBALS] VERB [ARGS]` overrides `analyze()` and still walks its words with `walk()`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import msgspec

from changegate.environments import UNKNOWN, Placement
from changegate.model import Effect, Operation
from changegate.understand.base import UNKNOWN_PART, Invocation, Word, bound_value
from changegate.understand.sensitive import SECRET_HEADER

# Variables that change WHAT RUNS, whatever the program: code loaded into it (LD_PRELOAD, DYLD_*), files its
# shell runs first (BASH_ENV, ENV, exported functions), where its interpreter finds modules or which options it
# starts with (PYTHONPATH, NODE_OPTIONS, PERL5OPT, RUBYOPT, JAVA_TOOL_OPTIONS), and PATH (which program a bare
# name is). They bind every action; the broker also drops the code-loading ones from a child that holds
# injected credentials (broker/run.py).
RUNTIME_VARIABLES: tuple[str, ...] = (
    "PATH", "LD_PRELOAD", "LD_LIBRARY_PATH", "LD_AUDIT", "LD_BIND_NOW", "GCONV_PATH", "DYLD_*", "BASH_ENV", "ENV",
    "BASH_FUNC_*", "SHELLOPTS", "BASHOPTS", "PS4", "PROMPT_COMMAND", "ZDOTDIR", "IFS", "CDPATH",
    "PYTHONPATH", "PYTHONSTARTUP", "PYTHONHOME", "PYTHONINSPECT", "PYTHONUSERBASE", "PYTHONSAFEPATH",
    "NODE_OPTIONS", "NODE_PATH", "NODE_EXTRA_CA_CERTS", "PERL5OPT", "PERL5LIB", "PERLLIB", "RUBYOPT", "RUBYLIB",
    "JAVA_TOOL_OPTIONS", "_JAVA_OPTIONS", "JDK_JAVA_OPTIONS", "CLASSPATH", "GIT_EXEC_PATH", "LUA_INIT",
    "LUA_PATH", "TCLLIBPATH", "PHPRC", "PHP_INI_SCAN_DIR", "R_PROFILE_USER", "GEM_HOME", "GEM_PATH", "BUNDLE_GEMFILE",
)
# the subset that makes a program load or run code from a place the agent names (the broker drops these
# from a child that holds credentials it injected)
CODE_LOADING_VARIABLES: tuple[str, ...] = (
    "LD_PRELOAD", "LD_LIBRARY_PATH", "LD_AUDIT", "GCONV_PATH", "DYLD_*", "BASH_ENV", "ENV", "BASH_FUNC_*",
    "SHELLOPTS", "BASHOPTS", "PS4", "PROMPT_COMMAND", "ZDOTDIR", "PYTHONPATH", "PYTHONSTARTUP", "PYTHONHOME",
    "PYTHONINSPECT", "PYTHONUSERBASE", "NODE_OPTIONS", "NODE_PATH", "PERL5OPT", "PERL5LIB", "PERLLIB", "RUBYOPT",
    "RUBYLIB", "JAVA_TOOL_OPTIONS", "_JAVA_OPTIONS", "JDK_JAVA_OPTIONS", "CLASSPATH", "GIT_EXEC_PATH", "LUA_INIT",
    "LUA_PATH", "TCLLIBPATH", "PHPRC", "PHP_INI_SCAN_DIR", "R_PROFILE_USER",
)

# long options that hold a password or token in every tool that has them
LONG_SECRET_OPTIONS = frozenset({
    "--password", "--passwd", "--pass", "--token", "--api-key", "--apikey", "--api-token", "--auth-token",
    "--access-token", "--secret", "--client-secret", "--secret-key", "--access-key-secret", "--private-key-data",
})


def secrets_in(table: BindingTable, inv: Invocation) -> list[str]:
    """The passwords and tokens a call's words (and stdin) carry, by its tool's tables and the long options
    every tool spells the same way (`--password X`, `--token=X`). A light scan, not a walk: it over-marks
    rather than misses (a marked value is only hidden in what is shown, never trusted)."""
    found: list[str] = []
    words = inv.words
    reads_stdin = False
    skip = False
    for i, word in enumerate(words):
        if skip:
            skip = False
            continue
        value = word.value
        if value[:1] != "-":
            if table.before_command:
                break  # the command it runs is scanned as itself
            if table.headers and ":" in value and (match := SECRET_HEADER.match(value)):
                found.append(match["value"])  # `-H 'Authorization: …'`, httpie's `Authorization:Bearer …`
            continue
        if value == "--":
            break
        if value in table.stdin_flags:
            reads_stdin = True
        if value in table.user_password:
            if i + 1 < len(words):
                found.append(words[i + 1].value.partition(":")[2])  # `admin` alone: curl prompts
                skip = True
            continue
        if value in table.secret_options:
            if i + 1 < len(words) and words[i + 1].value[:1] != "-":  # `mongosh -p --host h`: -p prompts
                found.append(words[i + 1].value)
                skip = True
            continue
        name, eq, inline = value.partition("=")
        if eq:
            if name in table.user_password:
                found.append(inline.partition(":")[2])
            elif name in table.secret_equals:
                found.append(inline)
            elif table.headers and (match := SECRET_HEADER.match(inline)):
                found.append(match["value"])  # `--header=Authorization: …`
        elif value[1:2] != "-" and len(value) > 2 and value[:2] in table.secret_attached:
            found.append(value[2:])
    if reads_stdin and inv.stdin is not None and inv.stdin.text:
        found.extend(line.strip() for line in inv.stdin.text.splitlines()[:4] if line.strip())
    return [f for f in found if f and UNKNOWN_PART not in f]


def split_table(names: Sequence[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """A variable table as (exact names, prefixes): `TF_VAR_*` is every variable starting `TF_VAR_`."""
    return (tuple(n for n in names if not n.endswith("*")), tuple(n[:-1] for n in names if n.endswith("*")))


def matches_table(name: str, names: Sequence[str]) -> bool:
    exact, prefixes = split_table(names)
    return name in exact or name.startswith(prefixes)


class BindingTable(msgspec.Struct, frozen=True):
    """What `Cli.bind` reads of a tool, worked out once per class."""

    names: frozenset[str]  # variables bound by name (the tool's and RUNTIME_VARIABLES)
    prefixes: tuple[str, ...]  # ... and by prefix (`TF_VAR_*`, `DYLD_*`)
    secret_options: frozenset[str]  # options whose value (next word or `=`) is a secret
    secret_attached: frozenset[str]  # options whose secret may be glued on (`-pSECRET`, `-aSECRET`)
    secret_equals: frozenset[str]  # options whose `=VALUE` is a secret (`--password=X`, even where `-p` prompts)
    stdin_flags: frozenset[str]
    headers: bool
    before_command: bool
    user_password: frozenset[str]  # options whose value is `USER:PASSWORD`: the part after the colon


_BINDING_TABLES: dict[type[Cli], BindingTable] = {}


def binding_table(tool: type[Cli]) -> BindingTable:
    table = _BINDING_TABLES.get(tool)
    if table is None:
        names, prefixes = split_table((*RUNTIME_VARIABLES, *tool.ENV_VARIABLES))
        options = (tool.SECRET_OPTIONS | LONG_SECRET_OPTIONS) - tool.SECRET_ATTACHED
        table = _BINDING_TABLES[tool] = BindingTable(
            frozenset(names), tuple(dict.fromkeys(prefixes)), options, tool.SECRET_OPTIONS | tool.SECRET_ATTACHED,
            options | tool.SECRET_ATTACHED, tool.SECRET_STDIN_FLAGS, tool.SECRET_HEADERS, tool.SECRET_BEFORE_COMMAND,
            tool.USER_PASSWORD_OPTIONS)
    return table


# A verb's entry in `VERBS`: an operation for the simple cases, or the (unbound) method that handles it.
Handler = Callable[[Any, "Call"], list[Effect]]
VerbEntry = str | Handler


class Item(msgspec.Struct):
    """One word as the walker read it: an option (with its value, if it took one) or a positional."""

    word: Word
    option: str | None = None  # the option's name as written (`-f`, `--force`); None for a positional
    value: str | None = None  # the option's value (inline or the next word); None for a flag
    index: int = 0  # where the word stands in the words walked
    value_index: int | None = None  # the word the value was written in: `index` (inline) or `index + 1`


class Options(msgspec.Struct):
    """Arguments split into options and positionals, keeping every word and its order.

    `flags` maps each option as written (`-f`, `--force`) to its values (a flag without a value maps to
    ['']), in order of appearance; `items` is every word as read; `rest` the words after `--`."""

    flags: dict[str, list[str]]
    positionals: list[str]
    positional_words: list[Word]
    items: list[Item] = msgspec.field(default_factory=list)
    rest: list[Word] = msgspec.field(default_factory=list)
    dashdash: bool = False  # a `--` ended the options

    def has(self, *names: str) -> bool:
        for n in names:  # noqa: SIM110 (no generator: asked of most commands)
            if n in self.flags:
                return True
        return False

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
    SECRET_OPTIONS: ClassVar[frozenset[str]] = frozenset()  # `--password X`, `--password=X`, `-aX`
    SECRET_ATTACHED: ClassVar[frozenset[str]] = frozenset()  # only glued: `mysql -pSECRET` (`-p` alone prompts)
    SECRET_STDIN_FLAGS: ClassVar[frozenset[str]] = frozenset()  # `sudo -S`, `--password-stdin`: stdin is one
    SECRET_HEADERS: ClassVar[bool] = False  # `-H 'Authorization: Bearer …'`, `Cookie:`, `X-Api-Key:`
    SECRET_BEFORE_COMMAND: ClassVar[bool] = False  # a runner (sshpass): only its own words, not the command's
    USER_PASSWORD_OPTIONS: ClassVar[frozenset[str]] = frozenset()  # `-u USER:PASSWORD` (USER alone prompts)

    # --- what an approval binds besides the words ----------------------------------------------------------
    def bind(self, inv: Invocation) -> None:
        """Record what this call depends on that its words do not show: the values of its declared variables
        and of the variables that change what runs (for every program), and the secrets its words carry."""
        ctx = inv.ctx
        consulted = ctx.consulted
        table = binding_table(type(self))
        names, prefixes = table.names, table.prefixes
        # one pass over the environment (tens of names), not one lookup per declared name (up to a hundred)
        for name, value in ctx.env.items():
            if name in names or name.startswith(prefixes):
                key = "env:" + name
                if key not in consulted:
                    consulted[key] = bound_value(value)
        for secret in secrets_in(table, inv):
            ctx.mark_secret(secret)

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
