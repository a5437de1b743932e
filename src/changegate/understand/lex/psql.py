"""psql scripts: SQL for the server and backslash commands for the client, told apart the way psql does.

A backslash starts a client command only outside quotes, dollar quotes and comments (there it is SQL); the
command runs to the end of its line or to `\\\\`. psql fills `:name`, `:'name'` and `:"name"` from its
variables before the SQL is sent, so the server sees the values, not the names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

DOLLAR_TAG = re.compile(r"\$[A-Za-z_]*\$")
VARIABLE = re.compile(r":(['\"]?)([A-Za-z_][A-Za-z0-9_]*)\1")


@dataclass(slots=True)
class Piece:
    kind: str  # "sql" or "meta"
    text: str


def split_psql(text: str, variables: dict[str, str]) -> list[Piece]:
    """A psql script as SQL and backslash commands, in order."""
    pieces: list[Piece] = []
    sql: list[str] = []

    def close_sql() -> None:
        if sql and "".join(sql).strip():
            pieces.append(Piece("sql", "".join(sql)))
        sql.clear()

    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "'" or c == '"':
            end = quoted_end(text, i, c, escapes=c == "'" and i > 0 and text[i - 1] in "eE")
            sql.append(text[i:end])
            i = end
        elif c == "$" and (tag := DOLLAR_TAG.match(text, i)):
            close = text.find(tag.group(0), tag.end())
            end = n if close < 0 else close + len(tag.group(0))
            sql.append(text[i:end])
            i = end
        elif text.startswith("--", i):
            end = text.find("\n", i)
            i = n if end < 0 else end
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            i = n if end < 0 else end + 2
        elif c == ":" and (found := VARIABLE.match(text, i)) and not text.startswith("::", i) and \
                (i == 0 or text[i - 1] != ":") and found.group(2) in variables:
            sql.append(interpolated(variables[found.group(2)], found.group(1)))
            i = found.end()
        elif c == "\\":
            end = text.find("\n", i)
            line = text[i:n if end < 0 else end]
            separator = line.find("\\\\", 1)
            if separator > 0:
                line = line[:separator]
                end = i + separator + 2
            close_sql()
            pieces.append(Piece("meta", line))
            i = n if end < 0 else end
        else:
            sql.append(c)
            i += 1
    close_sql()
    return pieces


def interpolated(value: str, quote: str) -> str:
    """`:'name'` is a literal, `:"name"` an identifier, `:name` the value as it is."""
    return f"{quote}{value.replace(quote, quote * 2)}{quote}" if quote else value


def quoted_end(text: str, i: int, quote: str, *, escapes: bool) -> int:
    """The index after the quoted run starting at i: a doubled quote stays inside, and so does a
    backslash-escaped one in an E'' string."""
    j, n = i + 1, len(text)
    while j < n:
        if escapes and text[j] == "\\":
            j += 2
            continue
        if text[j] == quote:
            if j + 1 < n and text[j + 1] == quote:
                j += 2
                continue
            return j + 1
        j += 1
    return n
