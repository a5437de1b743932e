"""mysql scripts: the client's own commands and the SQL it sends, in order, told apart the way the mysql client
does.

A client command (`source f`, `system cmd`, `use db`, `delimiter //`) is recognised at the start of a line when
the line holds no delimiter, and at the start of every statement the delimiter ends (`USE prod; DROP TABLE t`
is `use prod`, then the DROP, in prod). A backslash shortcut (`\\! cmd`, `\\. file`, `\\u db`, `\\G`) is
recognised anywhere outside quotes and comments. `delimiter` changes what ends a statement for the SQL after
it.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

from changegate.understand.lex.words import client_words

MAX_LINES = 100_000
COMMANDS = frozenset({
    "source", "system", "use", "delimiter", "connect", "tee", "pager", "edit", "status", "help", "?", "warnings",
    "nowarning", "charset", "prompt", "print", "rehash", "notee", "nopager", "clear", "go", "ego",
    "resetconnection", "quit", "exit", "query_attributes", "ssl_session_data_print",
})
SHORTCUTS = {"\\.": "source", "\\!": "system", "\\u": "use", "\\d": "delimiter", "\\r": "connect", "\\T": "tee",
             "\\P": "pager", "\\e": "edit", "\\q": "quit", "\\s": "status", "\\G": "go", "\\g": "go",
             "\\c": "clear", "\\n": "nopager", "\\t": "notee", "\\p": "print", "\\h": "help", "\\?": "help",
             "\\W": "warnings", "\\w": "nowarning", "\\C": "charset", "\\R": "prompt", "\\#": "rehash",
             "\\x": "resetconnection"}
# Shortcuts whose argument is the rest of the line (the others take none).
TAKES_LINE = frozenset({"source", "system", "use", "delimiter", "connect", "tee", "pager", "charset", "prompt",
                        "help"})


QUOTE_ENDS = {"'": re.compile(r"['\\]"), '"': re.compile(r'["\\]'), "`": re.compile(r"`")}


@functools.lru_cache(maxsize=64)  # (the delimiter is the script's own: bounded)
def special(delimiter: str) -> re.Pattern[str]:
    """What matters outside quotes and comments: a quote, a comment, a backslash shortcut, the delimiter."""
    return re.compile(rf"""['"`]|/\*|#|--(?=\s|$)|\\.|{re.escape(delimiter)}""")


@dataclass(frozen=True, slots=True)
class ClientCommand:
    name: str  # the command's full name (`source` for `\.`); an unknown shortcut stays as written
    args: list[str]
    line: str


@dataclass(frozen=True, slots=True)
class Piece:
    """One step of a script: SQL the client sends (`sql`), or a client command (`command`)."""

    sql: str = ""
    command: ClientCommand | None = None


@dataclass
class Scanner:
    """The state of one pass over a script: the statement being typed, quotes and comments open across lines,
    the delimiter."""

    pieces: list[Piece] = field(default_factory=list)
    buffer: list[str] = field(default_factory=list)
    delimiter: str = ";"
    quote: str = ""
    comment: bool = False

    def typing(self) -> bool:
        return bool(self.quote or self.comment or "".join(self.buffer).strip())

    def command(self, name: str, args: list[str], line: str) -> None:
        if name == "delimiter":
            self.delimiter = args[0] if args else ";"
        elif name == "clear":
            self.buffer.clear()
        else:
            self.pieces.append(Piece(command=ClientCommand(name, args, line)))

    def end_statement(self) -> None:
        """The delimiter (or `\\g`): what was typed is a client command when it starts with one's name, else
        SQL."""
        text = "".join(self.buffer).strip()
        self.buffer.clear()
        if not text:
            return
        head = text.split(None, 1)[0].lower()
        if head in COMMANDS:
            self.command(head, client_words(text)[1:], text)
        else:
            self.pieces.append(Piece(sql=text + ";"))

    def line(self, line: str) -> None:
        stripped = line.strip()
        head = stripped.split(None, 1)[0].lower().rstrip(";") if stripped else ""
        if head in COMMANDS and not self.typing() and (self.delimiter not in stripped or head == "delimiter"):
            self.command(head, client_words(stripped)[1:], stripped)
            return
        i, n = 0, len(line)
        while i < n:
            i = self.step(line, i)
        self.buffer.append("\n")

    def step(self, line: str, i: int) -> int:
        """Read from `i` to the next thing that matters (a quote, a comment, the delimiter, a backslash); the
        index after it."""
        if self.comment:
            end = line.find("*/", i)
            self.comment = end < 0
            self.buffer.append(line[i:] if end < 0 else line[i:end + 2])
            return len(line) if end < 0 else end + 2
        if self.quote:
            found = QUOTE_ENDS[self.quote].search(line, i)
            if found is None:
                self.buffer.append(line[i:])
                return len(line)
            if found.group() == "\\":
                self.buffer.append(line[i:found.end() + 1])
                return found.end() + 1
            self.quote = ""
            self.buffer.append(line[i:found.end()])
            return found.end()
        found = special(self.delimiter).search(line, i)
        if found is None:
            self.buffer.append(line[i:])
            return len(line)
        self.buffer.append(line[i:found.start()])
        return self.token(line, found.start(), found.group())

    def token(self, line: str, i: int, token: str) -> int:
        if token in ("'", '"', "`"):
            self.quote = token
            self.buffer.append(token)
            return i + 1
        if token == "/*":
            self.comment = True
            self.buffer.append(token)
            return i + 2
        if token in ("#", "--"):
            return len(line)  # a comment to the end of the line
        if token == self.delimiter:
            self.end_statement()
            return i + len(self.delimiter)
        return self.shortcut(line, i)

    def shortcut(self, line: str, i: int) -> int:
        written = line[i:i + 2]
        name = SHORTCUTS.get(written, written)
        if name == "go":
            self.end_statement()
            return i + 2
        if name in TAKES_LINE:
            rest = line[i + 2:].strip()
            self.command(name, client_words(rest), f"{written} {rest}")
            return len(line)
        self.command(name, [], written)
        return i + 2


def split_mysql(text: str) -> list[Piece]:
    """A mysql script as SQL statements and client commands, in order (`delimiter` applied rather than
    returned; every statement ends in `;`)."""
    scanner = Scanner()
    for line in text.splitlines()[:MAX_LINES]:
        scanner.line(line)
    scanner.end_statement()
    return scanner.pieces
