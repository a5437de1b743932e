"""sqlite3 scripts: the shell's dot-commands and the SQL, told apart the way the sqlite3 shell reads them
(a dot-command is a line that starts with `.` while no SQL has been read yet)."""

from __future__ import annotations

MAX_LINES = 100_000


def split_sqlite(text: str) -> tuple[list[str], str]:
    """The dot-command lines (stripped, in order) and the SQL after them."""
    commands: list[str] = []
    sql: list[str] = []
    sql_started = False
    for line in text.splitlines()[:MAX_LINES]:
        stripped = line.strip()
        if stripped.startswith(".") and not sql_started:
            commands.append(stripped)
            continue
        sql.append(line)
        sql_started = sql_started or bool(stripped)
    return commands, "\n".join(sql)
