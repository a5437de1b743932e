"""The Mongo shell's JavaScript, as far as changegate follows it: `db…` call chains and top-level calls.

mongosh code is not parsed as JavaScript; its tokens are scanned for the chains that reach the database —
`db.<collection>.<method>(…)`, `db[<name>]`, `db.getCollection(<name>)`, `db.getSiblingDB(<name>)`,
`db.<method>(…)` — and for top-level names that are called or dereferenced (`load(…)`, `fs.…`), which the
client judges. The shell's own line commands (`use db`, `show dbs`) are not JavaScript and are taken out
first.
"""

from __future__ import annotations

import re
from collections.abc import Container, Iterator
from dataclasses import dataclass

TOKEN = re.compile(r"""\s+|//[^\n]*|/\*.*?\*/|(?P<str>'(?:\\.|[^'\\])*'|"(?:\\.|[^"\\])*"|`(?:\\.|[^`\\])*`)|"""
                   r"""(?P<id>[A-Za-z_$][\w$]*)|(?P<num>\d[\d.]*)|(?P<p>=>|[^\s])""", re.S)
MAX_TOKENS = 200_000
MAX_LINES = 20_000

# A token: its kind ("str", "id", "num" or "p" for punctuation) and its text.
Token = tuple[str, str]


@dataclass(frozen=True, slots=True)
class DbCall:
    """`db….method(args)`: the database the chain switched to (None: the session's), and the collection
    (None: a method of the database itself)."""

    database: str | None
    collection: str | None
    method: str
    args: list[Token]


@dataclass(frozen=True, slots=True)
class GlobalUse:
    """A top-level name called or dereferenced: `load(…)`, `fs.readFileSync(…)`; `argument` is the call's
    only argument when it is a string literal."""

    name: str
    argument: str | None = None
    member: str = ""  # `rs.stepDown()`: the member used (stepDown)


def shell_commands(code: str) -> tuple[str, list[str]]:
    """The code without the shell's line commands, and the databases its `use` lines switch to, in order."""
    kept: list[str] = []
    used: list[str] = []
    for line in code.splitlines()[:MAX_LINES]:
        words = line.strip().rstrip(";").split()
        if len(words) == 2 and words[0] == "use":
            used.append(words[1].strip("'\""))
            kept.append("")
        elif words and words[0] in ("show", "it", "exit", "quit") and "(" not in line:
            kept.append("")
        else:
            kept.append(line)
    return "\n".join(kept), used


def tokens(code: str) -> list[Token]:
    return [(m.lastgroup or "", m.group(0)) for m in TOKEN.finditer(code) if m.lastgroup][:MAX_TOKENS]


def scan(code: str, database_methods: Container[str]) -> Iterator[DbCall | GlobalUse]:
    """Each `db` chain's call and each top-level name used, in order. `database_methods` tells
    `db.stats()` (the database's) from `db.stats.find()` (a collection named stats)."""
    found = tokens(code)
    i = 0
    while i < len(found):
        kind, text = found[i]
        previous = found[i - 1][1] if i else ""
        if kind == "id" and previous != ".":
            if text == "db":
                call, i = chain(found, i + 1, database_methods)
                if call is not None:
                    yield call
                continue
            if i + 1 < len(found) and found[i + 1][1] == "(":
                yield GlobalUse(text, literal(balanced(found, i + 1, "(", ")")[0]))
            elif i + 1 < len(found) and found[i + 1][1] == ".":
                yield GlobalUse(text, member=found[i + 2][1] if i + 2 < len(found) and found[i + 2][0] == "id" else "")
        i += 1


def chain(found: list[Token], i: int, database_methods: Container[str]) -> tuple[DbCall | None, int]:
    """Follow a chain after `db` to its first call; the call (None when the chain ends without one) and the
    index after it."""
    database: str | None = None
    collection: str | None = None
    while i + 1 < len(found):
        punct = found[i][1]
        if punct == "." and found[i + 1][0] == "id":
            name = found[i + 1][1]
            if i + 2 < len(found) and found[i + 2][1] == "(":
                args, end = balanced(found, i + 2, "(", ")")
                if name in ("getSiblingDB", "getDB"):  # getDB after getMongo()
                    database = literal(args) or "?"
                elif name == "getMongo":
                    pass
                elif name == "getCollection":
                    collection = literal(args) or "?"
                else:
                    return DbCall(database, collection, name, args), end
                i = end
                continue
            if collection is None and name not in database_methods:
                collection = name
            i += 2
            continue
        if punct == "[" and collection is None:
            args, end = balanced(found, i, "[", "]")
            collection = literal(args) or "?"
            i = end
            continue
        break
    return None, i


def balanced(found: list[Token], open_at: int, opening: str, closing: str) -> tuple[list[Token], int]:
    """The tokens between the bracket at open_at and the one that closes it, and the index after that."""
    depth = 0
    for j in range(open_at, len(found)):
        kind, text = found[j]
        if kind == "p" and text in "([{":
            depth += 1
        elif kind == "p" and text in ")]}":
            depth -= 1
            if depth == 0:
                return found[open_at + 1:j], j + 1
    return found[open_at + 1:], len(found)


def literal(args: list[Token]) -> str | None:
    """A single string literal argument, unquoted."""
    if len(args) == 1 and args[0][0] == "str":
        return args[0][1][1:-1]
    return None


def first_key(args: list[Token]) -> str:
    """The first key of a command document: `{dropDatabase: 1}` is dropDatabase."""
    if len(args) >= 2 and args[0][1] == "{" and args[1][0] in ("id", "str"):
        return args[1][1].strip("'\"`")
    return literal(args) or "?"


def empty_filter(args: list[Token]) -> bool:
    """No filter, `{}`, or a filter before the first comma that is `{}`."""
    head: list[str] = []
    depth = 0
    for kind, text in args:
        if kind == "p" and text in "([{":
            depth += 1
        elif kind == "p" and text in ")]}":
            depth -= 1
        elif kind == "p" and text == "," and depth == 0:
            break
        head.append(text)
    return not head or [t for t in head if t not in ("(", ")")] == ["{", "}"]
