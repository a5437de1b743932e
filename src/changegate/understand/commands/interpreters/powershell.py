"""PowerShell, read as the commands it is made of: statements split on `;`, newlines and pipes, each a
cmdlet (or an alias, or an external program) with its parameters. The cmdlets that read, print or format
are understood; downloads, deletes, writes, copies and moves are judged as the commands that do the same
(`Invoke-WebRequest -OutFile` is `curl -o`, `Remove-Item -Recurse` is `rm -r`); `Invoke-Expression`,
script blocks, variables and every other cmdlet are not understood."""

from __future__ import annotations

import re

from changegate.understand.base import UNKNOWN_PART, lit
from changegate.understand.commands.interpreters.actions import Actions
from changegate.understand.commands.interpreters.values import Val

READING = frozenset({
    "write-host", "write-output", "echo", "write", "write-error", "write-warning", "write-verbose", "get-date",
    "get-location", "pwd", "gl", "get-childitem", "gci", "ls", "dir", "get-content", "gc", "cat", "type",
    "select-string", "sls", "measure-object", "measure", "select-object", "select", "sort-object", "sort",
    "format-table", "ft", "format-list", "fl", "out-string", "out-host", "test-path", "get-item", "gi",
    "get-process", "ps", "gps", "get-service", "gsv", "convertto-json", "convertfrom-json", "join-path",
    "split-path", "resolve-path", "get-command", "gcm", "get-help", "help", "get-host", "get-variable",
    "get-member", "gm", "get-filehash", "get-itemproperty", "gp", "get-psdrive", "get-acl", "out-null",
    "get-uptime", "get-computerinfo", "get-culture", "$psversiontable", "get-random", "group-object", "group",
})
DOWNLOADS = frozenset({"invoke-webrequest", "iwr", "wget", "curl", "invoke-restmethod", "irm"})
REMOVES = frozenset({"remove-item", "rm", "del", "rmdir", "rd", "ri", "erase"})
WRITES = frozenset({"set-content", "sc", "out-file", "add-content", "ac", "tee-object", "tee"})
CREATES = frozenset({"new-item", "ni", "mkdir", "md"})
COPIES = frozenset({"copy-item", "cp", "copy", "cpi"})
MOVES = frozenset({"move-item", "mv", "move", "mi", "rename-item", "ren", "rni"})
OPAQUE = frozenset({"invoke-expression", "iex", "invoke-command", "icm", "add-type", "start-job", "sajb",
                    "invoke-item", "ii"})
WORD = re.compile(r"""'(?:''|[^'])*'|"(?:`.|[^"`])*"|[^\s'"]+""")


def words_of(statement: str) -> list[str]:
    """A statement's words, quotes resolved: `'…'` as written, `"…"` with a run-time part where it names a
    variable."""
    out: list[str] = []
    for raw in WORD.findall(statement):
        if raw.startswith("'"):
            out.append(raw[1:-1].replace("''", "'"))
        elif raw.startswith('"'):
            body = raw[1:-1].replace("`\"", '"')
            out.append(re.sub(r"\$\{?\w+(?::\w+)?\}?", UNKNOWN_PART, body) if "$" in body else body)
        else:
            out.append(UNKNOWN_PART if raw.startswith("$") else raw)
    return out


def parameters(words: list[str]) -> tuple[dict[str, str], list[str]]:
    """`-Name value` pairs (switches map to "") and the positional words."""
    named: dict[str, str] = {}
    positional: list[str] = []
    pending: str | None = None
    for word in words:
        if word.startswith("-") and len(word) > 1 and not word[1].isdigit():
            if pending is not None:
                named[pending] = ""
            name, colon, value = word[1:].lower().partition(":")
            if colon:
                named[name] = value
                pending = None
            else:
                pending = name
        elif pending is not None:
            named[pending] = word
            pending = None
        else:
            positional.append(word)
    if pending is not None:
        named[pending] = ""
    return named, positional


SWITCHES = frozenset({"recurse", "force", "r", "append", "usebasicparsing", "passthru", "nonewline", "confirm",
                      "whatif", "erroraction", "silentlycontinue"})


def run_powershell(actions: Actions, code: str) -> None:
    for statement in re.split(r"[;\n|]", code):
        statement = statement.strip()
        if not statement or statement.startswith("#"):
            continue
        if "{" in statement or "$(" in statement or re.match(r"\$\w+\s*=", statement):
            actions.unknown(f"uses PowerShell script blocks or variables ({statement[:40]})")
            continue
        words = words_of(statement.removeprefix("& ").removeprefix(". "))
        if not words:
            continue
        cmdlet, rest = words[0].lower(), words[1:]
        named, positional = parameters(rest)
        for switch in [k for k, v in named.items() if v and k in SWITCHES]:
            positional.append(named[switch])  # `-Recurse path`: the word after a switch is positional
            named[switch] = ""
        if cmdlet in READING:
            read = named.get("path") or named.get("literalpath")
            if read:
                actions.read(Val.path(read))
            continue
        if cmdlet in OPAQUE:
            actions.opaque(f"PowerShell {words[0]} of code only known at run time")
            continue
        if cmdlet in DOWNLOADS:
            url = named.get("uri") or (positional[0] if positional else UNKNOWN_PART)
            method = named.get("method", "GET").upper()
            target = named.get("outfile")
            command: list[str | Val] = ["curl", "-X", method]
            if target:
                command += ["-o", Val.path(target)]
            actions.command(*command, Val.string(url))
            continue
        path_word: str = named.get("path") or named.get("literalpath") or (positional[0] if positional else
                                                                           UNKNOWN_PART)
        target_path = Val.path(path_word, glob=any(c in path_word for c in "*?"))
        if cmdlet in REMOVES:
            actions.delete(target_path, recursive="recurse" in named or "r" in named)
        elif cmdlet in WRITES:
            actions.write(Val.path(named.get("filepath") or path_word), append="append" in named or
                          cmdlet in ("add-content", "ac"))
        elif cmdlet in CREATES:
            if cmdlet in ("mkdir", "md") or named.get("itemtype", "").lower() == "directory":
                actions.make_directory(target_path)
            else:
                actions.touch(target_path)
        elif cmdlet in COPIES or cmdlet in MOVES:
            target = named.get("destination") or named.get("newname") or (positional[1] if len(positional) > 1
                                                                          else UNKNOWN_PART)
            if cmdlet in COPIES:
                actions.copy(target_path, Val.path(target), recursive="recurse" in named)
            else:
                actions.move(target_path, Val.path(target))
        elif cmdlet in ("start-process", "saps", "start"):
            program = named.get("filepath") or (positional[0] if positional else UNKNOWN_PART)
            arguments = named.get("argumentlist", "")
            actions.inv.run_argv([lit(program), *[lit(a) for a in arguments.split(",") if a]],
                                 ctx=actions.ctx.clone())
        elif "-" not in cmdlet and re.fullmatch(r"[\w./~]+", words[0]):
            actions.inv.run_argv([lit(w) for w in words], ctx=actions.ctx.clone())  # an external program
        else:
            actions.unknown(f"runs the PowerShell cmdlet {words[0]}")
