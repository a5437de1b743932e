"""Vim's Ex commands, as far as a gate needs them: which run a shell command (`!cmd`, `r !cmd`,
`w !cmd`, `%!cmd`, `terminal cmd`), which run code in another language or a file (`call system()`,
`lua …`, `py3 …`, `source …`, `exe …`), and which only edit, move, set options or quit.

`commands(text)` reads one `-c`/`+` argument (or one line of an Ex script) and yields what each command
in it does. A command it does not know is `unknown`: an allow needs every command understood."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

# `:`, ranges (`%`, `1,$`, `.`, `'a`, `/pat/`, numbers and offsets) and modifiers before the command name
RANGE = re.compile(r"""\s*:*\s*(?:[%.$]|'[a-zA-Z<>]|\d+|[-+]\d*|/(?:\\.|[^/])*/|\?(?:\\.|[^?])*\?|[,;])*\s*""")
MODIFIERS = re.compile(r"(?:(?:sil(?:ent)?!?|noa(?:utocmd)?|keep\w*|lockm(?:arks)?|uns(?:ilent)?|"
                       r"vert(?:ical)?|hid(?:e)?|bel(?:owright)?|abo(?:veleft)?|to(?:pleft)?|bo(?:tright)?|"
                       r"tab|conf(?:irm)?|sandbox)\s+)*")
NAME = re.compile(r"[a-zA-Z]+!?|[!&~<>=#@*]")

# commands that edit the buffer, move, write or quit, set options or show things: nothing runs
EDITING = frozenset({
    "q", "qa", "qall", "quit", "quita", "quitall", "wq", "wqa", "wqall", "x", "xa", "xall", "xit", "exi", "exit",
    "w", "wa", "wall", "write", "up", "update", "sav", "saveas", "e", "edit", "ene", "enew", "s", "substitute",
    "g", "global", "v", "vglobal", "d", "delete", "y", "yank", "pu", "put", "m", "move", "t", "co", "copy",
    "j", "join", "le", "left", "ri", "right", "ce", "center", "ret", "retab", "sor", "sort", "u", "undo",
    "red", "redo", "set", "se", "setl", "setlocal", "setg", "setglobal", "syn", "syntax", "filet", "filetype",
    "colo", "colorscheme", "noh", "nohlsearch", "p", "print", "nu", "number", "l", "list", "a", "append",
    "i", "insert", "c", "change", "k", "ma", "mark", "b", "buffer", "bn", "bnext", "bp", "bprevious",
    "n", "next", "N", "Next", "prev", "previous", "fir", "first", "la", "last", "sp", "split", "vs",
    "vsplit", "new", "vne", "vnew", "on", "only", "clo", "close", "hide", "diffu", "diffupdate", "dif",
    "diffthis", "diffo", "diffoff", "f", "file", "redr", "redraw", "tabe", "tabedit", "tabnew", "vi", "visual",
    "vie", "view", "fin", "find", "sf", "sfind",
    "fo", "fold", "foldo", "foldopen", "foldc", "foldclose", "h", "help", "ve", "version",
    "&", "&&", "~", "<", ">", "=", "#", "ls", "files", "buffers", "reg", "registers", "marks", "ju", "jumps",
    "wn", "wnext", "wN", "wNext", "wp", "wprevious", "sl", "sleep", "r", "read",
})
# commands that open a file, where `+cmd` runs a command once it is open
OPENING = frozenset({"e", "edit", "sp", "split", "vs", "vsplit", "new", "vne", "vnew", "n", "next", "tabe",
                     "tabedit", "tabnew", "sav", "saveas", "vi", "visual", "vie", "view", "fin", "find", "sf",
                     "sfind", "b", "buffer"})
# commands that write the buffer, to the file named after them when one is
WRITING = frozenset({"w", "write", "wq", "x", "xit", "exi", "exit", "sav", "saveas", "up", "update", "wn",
                     "wnext", "wN", "wNext", "wp", "wprevious"})
# run the command after them once per buffer, window, tab, argument or quickfix entry
REPEATERS = frozenset({"argdo", "bufdo", "windo", "tabdo", "cdo", "ldo", "cfdo", "lfdo"})
# run the rest of the line as a shell command
SHELL = frozenset({"!", "te", "ter", "term", "termi", "termin", "termina", "terminal", "sh", "shell"})
# `r !cmd` and `w !cmd` read from or write to a shell command
PIPED = frozenset({"r", "read", "w", "write"})
# run code Vim does not show: another language, an expression, a file of commands
CODE = frozenset({
    "cal", "call", "exe", "exec", "execute", "lua", "luado", "luafile", "py", "python", "py3", "python3",
    "pyx", "pythonx", "pydo", "py3do", "pyf", "pyfile", "py3f", "py3file", "pe", "perl", "perld", "perldo",
    "rub", "ruby", "rubyd", "rubydo", "rubyf", "rubyfile", "tc", "tcl", "tcld", "tcldo", "tclf", "tclfile",
    "mz", "mzscheme", "so", "source", "ru", "runtime", "let", "unl", "unlet", "if", "for", "wh", "while",
    "fu", "function", "au", "autocmd", "com", "command", "mak", "make", "gr", "grep", "lmak", "lmake",
    "lgr", "lgrep", "cex", "cexpr", "lex", "lexpr", "h2", "redi", "redir", "mk", "mkexrc", "mkv", "mkvimrc",
    "mks", "mksession", "pa", "packadd", "vim9", "vim9cmd", "ec", "echo", "echom", "echomsg", "echon",
    "echoe", "echoerr", "ev", "eval",
})
PLUS_COMMAND = re.compile(r"(?:^|\s)\+(?!\+)")
BAR_SPLIT = re.compile(r"(?<!\\)\|")


@dataclass(frozen=True, slots=True)
class ExCommand:
    """One command: `kind` is "edit" (nothing runs), "write" (`payload` is the file written), "shell"
    (`payload` is shell code), "code" (code in another language or a file: cannot be seen) or "unknown"."""

    kind: str
    name: str
    payload: str = ""


def commands(text: str) -> Iterator[ExCommand]:
    """What each command of one Ex command line does. `|` separates commands, except after those that
    take the rest of the line (`!`, `normal`, `g`, the code-running ones)."""
    rest = text
    while rest.strip():
        head = RANGE.match(rest)
        body = rest[head.end() if head else 0:]
        body = body[MODIFIERS.match(body).end():]  # type: ignore[union-attr]
        name_match = NAME.match(body)
        if name_match is None:
            if body.strip() == "" or body.strip().isdigit():
                return
            yield ExCommand("unknown", body.strip()[:20])
            return
        name = name_match.group(0)
        after = body[name_match.end():]
        bare = name.rstrip("!")
        if name == "!" or bare in SHELL:
            yield ExCommand("shell", name, after.strip())
            return
        if bare in PIPED and (after.lstrip().startswith("!") or (name.endswith("!") and bare in ("r", "read"))):
            yield ExCommand("shell", name, after.lstrip().removeprefix("!").strip())
            return
        if bare in CODE:
            yield ExCommand("code", name, after.strip())
            return
        if bare in ("norm", "normal"):
            # normal-mode keys: `!!cmd` filters through a shell, `:` opens a command line, `Q` Ex mode
            yield ExCommand("unknown" if any(c in after for c in "!:Q") else "edit", name, after)
            return
        if bare in ("g", "global", "v", "vglobal"):
            pattern_end = re.match(r"\s*(.)(?:\\.|(?!\1).)*\1", after)
            yield from commands(after[pattern_end.end():] if pattern_end else "")
            return
        if bare in REPEATERS:
            yield from commands(after)
            return
        if bare in ("s", "substitute") and r"\=" in after:
            yield ExCommand("code", name, after)  # `\=expr` evaluates an expression for each match
            return
        if bare not in EDITING or (bare in OPENING and PLUS_COMMAND.search(after)):
            yield ExCommand("unknown", name, after.strip())
            return
        parts = BAR_SPLIT.split(after, maxsplit=1)
        target = parts[0].strip()
        if bare in WRITING and target and not target.startswith("++"):
            yield ExCommand("write", name, target.removeprefix(">>").strip())
        else:
            yield ExCommand("edit", name)
        rest = parts[1] if len(parts) > 1 else ""
