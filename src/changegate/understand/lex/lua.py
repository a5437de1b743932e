"""The Lua of redis scripts (EVAL, --eval), as far as changegate follows it: the `redis.call(…)` and
`redis.pcall(…)` calls, with their command named by a string literal.

The script is not run or parsed as Lua; its tokens are scanned. A script is followed only when every use of
`redis` is one of those calls or a harmless helper (`redis.log`, `redis.sha1hex`, …), every call names its
command with a literal, and it does not build code (`load`, `loadstring`, `dofile`). An argument that is a
literal or `KEYS[n]` / `ARGV[n]` is known; any other is only known at run time (UNKNOWN_PART).
"""

from __future__ import annotations

import re

from changegate.understand.base import UNKNOWN_PART

TOKEN = re.compile(r"""--\[\[.*?\]\]|--[^\n]*|\s+|(?P<str>'(?:\\.|[^'\\])*'|"(?:\\.|[^"\\])*"|\[\[.*?\]\])|"""
                   r"""(?P<id>[A-Za-z_]\w*)|(?P<num>\d+(?:\.\d+)?)|(?P<p>\.\.|[^\s])""", re.S)
HELPERS = frozenset({"log", "sha1hex", "error_reply", "status_reply", "setresp", "set_repl", "replicate_commands",
                     "breakpoint", "debug", "LOG_DEBUG", "LOG_VERBOSE", "LOG_NOTICE", "LOG_WARNING", "REPL_ALL",
                     "REPL_AOF", "REPL_REPLICA", "REPL_SLAVE", "REPL_NONE", "acl_check_cmd", "REDIS_VERSION",
                     "REDIS_VERSION_NUM"})
CODE_BUILDERS = frozenset({"load", "loadstring", "dofile", "loadfile", "require", "setfenv", "getfenv", "rawget",
                           "_G"})
MAX_TOKENS = 100_000

Token = tuple[str, str]


def lua_values(rest: list[str]) -> dict[str, str]:
    """EVAL's `numkeys key… arg…` as `KEYS[1]`, `ARGV[1]`, …"""
    if not rest or not rest[0].isdigit():
        return {}
    count = int(rest[0])
    keys, argv = rest[1:1 + count], rest[1 + count:]
    return {**{f"KEYS[{i}]": k for i, k in enumerate(keys, 1)}, **{f"ARGV[{i}]": a for i, a in enumerate(argv, 1)}}


def tokens(code: str) -> list[Token]:
    return [(m.lastgroup or "", m.group(0)) for m in TOKEN.finditer(code) if m.lastgroup][:MAX_TOKENS]


def lua_calls(code: str, values: dict[str, str]) -> list[list[str]] | None:
    """Each redis command the script calls, as words; None when the script cannot be followed."""
    found = tokens(code)
    calls: list[list[str]] = []
    i = 0
    while i < len(found):
        kind, text = found[i]
        if kind == "id" and text in CODE_BUILDERS:
            return None
        if kind == "id" and text == "redis" and (i == 0 or found[i - 1][1] != "."):
            member = found[i + 2][1] if i + 2 < len(found) and found[i + 1][1] == "." else ""
            if member in ("call", "pcall"):
                call, i = command(found, i + 3, values)
                if call is None:
                    return None
                calls.append(call)
                continue
            if member not in HELPERS:
                return None  # `local r = redis`, `redis[name]`: the calls cannot be followed
        i += 1
    return calls


def command(found: list[Token], i: int, values: dict[str, str]) -> tuple[list[str] | None, int]:
    """The words of `( 'CMD', arg, … )` starting at the `(`; None when the command is not a literal."""
    if i >= len(found) or found[i][1] != "(":
        return None, i
    depth, j = 0, i
    arguments: list[list[Token]] = [[]]
    while j < len(found):
        text = found[j][1]
        if text in "([{":
            depth += 1
            if depth == 1:
                j += 1
                continue
        elif text in ")]}":
            depth -= 1
            if depth == 0:
                break
        elif text == "," and depth == 1:
            arguments.append([])
            j += 1
            continue
        arguments[-1].append(found[j])
        j += 1
    first = arguments[0]
    if len(first) != 1 or first[0][0] != "str":
        return None, j
    return [literal(first[0][1]), *(argument(a, values) for a in arguments[1:] if a)], j + 1


def literal(text: str) -> str:
    return text[2:-2] if text.startswith("[[") else text[1:-1]


def argument(parts: list[Token], values: dict[str, str]) -> str:
    """A literal, `KEYS[n]` or `ARGV[n]` as its value; anything else is only known at run time."""
    if len(parts) == 1 and parts[0][0] == "str":
        return literal(parts[0][1])
    if len(parts) == 1 and parts[0][0] == "num":
        return parts[0][1]
    written = "".join(t for _, t in parts)
    return values.get(written, UNKNOWN_PART)
