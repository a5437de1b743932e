"""Bash's word expansion where it can be evaluated before a command runs: parameter operators, arrays,
positional parameters, the builtins that assign (`read`, `printf -v`, `mapfile`, `set --`, `shift`), field
splitting by IFS, brace expansion, and whether a word carries a glob. A value that cannot be computed is
UNKNOWN_PART, never the empty string an unset variable would be."""

from __future__ import annotations

import posixpath
import re

from changegate.understand.base import GLOB_CHARS, UNKNOWN_PART, Context, Stream, Word
from changegate.understand.facts import is_dir
from changegate.understand.lex.encodings import decode_ansi_c

BRACE = re.compile(r"\{([^{}]*)\}")
MAX_BRACE_WORDS = 64


def expand_braces(text: str) -> list[str]:
    """Bash brace expansion of unquoted text: a{b,c} -> ab ac; bounded."""
    out = [text]
    for _ in range(8):
        changed = False
        nxt: list[str] = []
        for item in out:
            m = next((m for m in BRACE.finditer(item) if "," in m.group(1)), None)
            if m is None:
                nxt.append(item)
                continue
            changed = True
            for part in m.group(1).split(","):
                nxt.append(item[: m.start()] + part + item[m.end():])
        out = nxt[:MAX_BRACE_WORDS]
        if not changed:
            break
    return out


def has_glob(raw: str) -> bool:
    """Whether a word as written has an unquoted, unescaped glob character."""
    if "*" not in raw and "?" not in raw and "[" not in raw:
        return False
    quote = ""
    escaped = False
    for c in raw:
        if escaped:
            escaped = False
            continue
        if c == "\\" and quote != "'":
            escaped = True
        elif quote:
            if c == quote:
                quote = ""
        elif c in "'\"":
            quote = c
        elif c in GLOB_CHARS:
            return True
    return False


MAX_ARRAY = 64


def array_items(ctx: Context, name: str) -> list[str] | None:
    """The elements of an array the command line assigned, or None when they are not known."""
    if f"{name}[0]" not in ctx.env:
        value = ctx.env.get(name)
        return None if value is None else [value]
    items = []
    for index in range(MAX_ARRAY):
        item = ctx.env.get(f"{name}[{index}]")
        if item is None:
            break
        items.append(item)
    return items


def pattern_regex(pattern: str, *, greedy: bool) -> re.Pattern[str]:
    """A bash pattern (`*/`, `[ab]?`) as a regex (matched whole, so `greedy` only matters to `sub`)."""
    out = []
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if c == "*":
            out.append(".*" if greedy else ".*?")
        elif c == "?":
            out.append(".")
        elif c == "[":
            close = pattern.find("]", i + 2)
            if close == -1:
                out.append(re.escape(c))
            else:
                body = pattern[i + 1:close].replace("\\", "\\\\")
                out.append("[" + ("^" + body[1:] if body.startswith("!") else body) + "]")
                i = close
        elif c == "\\" and i + 1 < len(pattern):
            i += 1
            out.append(re.escape(pattern[i]))
        else:
            out.append(re.escape(c))
        i += 1
    return re.compile("".join(out), re.S)


def apply_operator(op: str, value: str, operands: list[str]) -> str:
    """Evaluate one of bash's string operators on a known value; unknown where the form is not one of them."""
    pattern = operands[0] if operands else ""
    try:
        if op in ("#", "##"):
            regex = pattern_regex(pattern, greedy=True)
            cuts = [cut for cut in range(len(value) + 1) if regex.fullmatch(value[:cut])]
            if not cuts:
                return value
            return value[min(cuts):] if op == "#" else value[max(cuts):]
        if op in ("%", "%%"):
            regex = pattern_regex(pattern, greedy=True)
            cuts = [cut for cut in range(len(value) + 1) if regex.fullmatch(value[cut:])]
            if not cuts:
                return value
            return value[: max(cuts)] if op == "%" else value[: min(cuts)]
        if op in ("/", "//"):
            replacement = operands[1] if len(operands) > 1 else ""
            regex = pattern_regex(pattern, greedy=True)
            return regex.sub(lambda _m: replacement, value, count=0 if op == "//" else 1)
        if op == "^^":
            return value.upper()
        if op == ",,":
            return value.lower()
        if op == "^":
            return value[:1].upper() + value[1:]
        if op == ",":
            return value[:1].lower() + value[1:]
        if op == ":":
            numbers = [int(x) for x in operands if x.strip().lstrip("-").isdigit()]
            if not numbers:
                return UNKNOWN_PART
            start = numbers[0] if numbers[0] >= 0 else max(len(value) + numbers[0], 0)
            return value[start:start + numbers[1]] if len(numbers) > 1 and numbers[1] >= 0 else value[start:]
    except (re.error, ValueError):
        return UNKNOWN_PART
    return UNKNOWN_PART


# Builtins that set variables from what only exists at run time (or from their arguments).
ASSIGNING_BUILTINS = frozenset({"read", "printf", "mapfile", "readarray", "set", "getopts", "shift"})


def set_array(ctx: Context, name: str, items: list[str]) -> None:
    for index, item in enumerate(items[:MAX_ARRAY]):
        ctx.env[f"{name}[{index}]"] = item
    ctx.env[name] = items[0] if items else ""


def positional_keys(ctx: Context, count: int) -> list[str]:
    known = [k for k in ctx.env if k.isdigit()]
    return sorted({*known, *(str(i) for i in range(1, count + 1)), "@", "*", "#"})


def set_positionals(ctx: Context, values: list[str]) -> None:
    for key in [k for k in ctx.env if k.isdigit() and k != "0"]:
        del ctx.env[key]
    for index, value in enumerate(values[:MAX_ARRAY], start=1):
        ctx.env[str(index)] = value
    ctx.env["@"] = ctx.env["*"] = " ".join(values)
    ctx.env["#"] = str(len(values))


def assign_from_builtin(name: str, args: list[Word], ctx: Context, stdin: Stream | None) -> None:
    """`read x`, `printf -v x …`, `mapfile a`, `set -- a b`, `shift`: the variables they set. A value that
    comes from input the gate cannot see is unknown — never the empty string an unset variable would be."""
    values = [w.value for w in args]
    if name == "set":
        if "--" in values:
            set_positionals(ctx, values[values.index("--") + 1:])
        elif values and not values[0].startswith(("-", "+")):
            set_positionals(ctx, values)
        return
    if name == "shift":
        count = int(values[0]) if values and values[0].isdigit() else 1
        current = [ctx.env[str(i)] for i in range(1, MAX_ARRAY + 1) if str(i) in ctx.env]
        set_positionals(ctx, current[count:])
        return
    if name == "printf":
        if len(values) >= 3 and values[0] == "-v":
            target, fmt, rest = values[1], values[2], values[3:]
            ctx.env[target] = format_printf(fmt, rest)
        return
    names = [v for v in values if VARIABLE_NAME.fullmatch(v)]
    if name == "getopts":
        for variable in names[1:2]:
            ctx.env[variable] = UNKNOWN_PART
        return
    if name in ("mapfile", "readarray"):
        array = names[-1] if names else "MAPFILE"
        if stdin is not None and stdin.text is not None:
            set_array(ctx, array, stdin.text.splitlines())
        else:
            ctx.env[array] = UNKNOWN_PART
            ctx.env[f"{array}[0]"] = UNKNOWN_PART
        return
    # read [-r] [-a ARRAY] [-p PROMPT] NAME…: from stdin, split by IFS
    targets = names or ["REPLY"]
    prompt_or_array = {values[i + 1] for i, v in enumerate(values[:-1]) if v in ("-p", "-d", "-n", "-N", "-t", "-u")}
    targets = [t for t in targets if t not in prompt_or_array] or ["REPLY"]
    line = stdin.text.split("\n", 1)[0] if stdin is not None and stdin.text is not None else None
    if line is None:
        for target in targets:
            ctx.env[target] = UNKNOWN_PART
        return
    fields = split_fields(line, ctx.env.get("IFS"))
    for index, target in enumerate(targets):
        if index == len(targets) - 1:
            ctx.env[target] = " ".join(fields[index:])
        else:
            ctx.env[target] = fields[index] if index < len(fields) else ""


VARIABLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
PRINTF_DIRECTIVE = re.compile(r"%[-+ #0]*\d*(?:\.\d+)?([a-zA-Z%])")


def format_printf(fmt: str, args: list[str]) -> str:
    """`printf FORMAT ARGS` for %s and %% (and escapes); anything else is unknown."""
    if UNKNOWN_PART in fmt or any(UNKNOWN_PART in a for a in args):
        return UNKNOWN_PART
    queue = list(args)
    unknown = False

    def one(m: re.Match[str]) -> str:
        nonlocal unknown
        kind = m.group(1)
        if kind == "%":
            return "%"
        if kind in "sdbq":
            return queue.pop(0) if queue else ""
        unknown = True
        return ""

    text = decode_ansi_c(PRINTF_DIRECTIVE.sub(one, fmt))
    return UNKNOWN_PART if unknown else text


def split_fields(value: str, ifs: str | None) -> list[str]:
    """Word splitting by IFS (default: blanks)."""
    separators = " \t\n" if ifs is None else ifs
    if not separators:
        return [value]
    pattern = "[" + re.escape(separators) + "]+"
    return [part for part in re.split(pattern, value) if part]


def cdpath_directory(ctx: Context, cdpath: str, target: str) -> str | None:
    """Where `cd TARGET` lands with CDPATH set: the first CDPATH entry that has TARGET (bash looks there
    before the working directory); where nothing can be checked, the first entry — the most dangerous
    plausible place, never the working directory by default."""
    entries = [ctx.resolve(entry or ".") for entry in cdpath.split(":")[:16]]
    candidates = [posixpath.join(entry, target) for entry in entries if entry]
    if ctx.remote is None:
        for candidate in candidates:
            if is_dir(candidate):
                return posixpath.normpath(candidate)
        here = ctx.resolve(target)
        if here is not None and is_dir(here):
            return here
    return posixpath.normpath(candidates[0]) if candidates else ctx.resolve(target)
