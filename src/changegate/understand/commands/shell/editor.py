"""What the editors share: they edit the files they are given, and they run what their start-up commands
tell them — shell commands (`vim -c '!rm -rf ~'`, `emacs --eval '(shell-command "…")'`) are followed as
shell, other code they would evaluate cannot be seen."""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterable

from changegate.model import Effect
from changegate.understand.base import Invocation, Word
from changegate.understand.cli import Cli

MAX_FILES = 4  # files named on the command line that an edit is reported for
# a shell command inside code an editor evaluates: `system("…")`, `os.execute('…')`, `vim.fn.system("…")`
SHELL_CALL = re.compile(
    r"""(?:\bsystem(?:list)?|\bos\.(?:execute|system|popen)|\bio\.popen|\bsubprocess\.\w+|\bvim\.fn\.system)"""
    r"""\s*\(?\s*(?:"((?:\\.|[^"\\])*)"|'((?:\\.|[^'\\])*)')""")
# Lisp that runs processes: a shell command (`shell-command`, …) or a program and its arguments
# (`call-process`, `process-file`, `start-process`), each a form whose strings say what runs
LISP_PROCESS = re.compile(r"\(\s*((?:async-)?shell-command(?:-to-string)?|call-process(?:-shell-command)?|"
                          r"process-file(?:-shell-command)?|start-(?:file-)?process(?:-shell-command)?)\b([^()]*)")
LISP_STRING = re.compile(r'"((?:\\.|[^"\\])*)"')


def lisp_commands(code: str) -> list[str]:
    """The shell commands Lisp code would run, as shell text."""
    out = []
    for function, body in LISP_PROCESS.findall(code):
        strings = [s.replace('\\"', '"') for s in LISP_STRING.findall(body)]
        if function.startswith("start-") and "shell-command" not in function:
            strings = strings[1:]  # the process's name comes first
            strings = strings[1:] if strings and strings[0].startswith("*") else strings  # then a buffer
        if not strings:
            continue
        if "shell-command" in function:
            out.append(strings[-1] if function.startswith("start-") else strings[0])
        else:
            out.append(" ".join(shlex.quote(s) for s in strings))
    return out


class Editor(Cli):
    """An editor: each file it is given may be changed; its commands and code are judged as they run."""

    FAMILY = "editor"

    @staticmethod
    def edits(inv: Invocation, files: Iterable[Word], *, read_only: bool = False) -> list[Effect]:
        words = list(files)[:MAX_FILES]
        if read_only:
            return [inv.fs("read", w.value, reversible="yes", summary=f"{inv.name} shows {w.shown()}") for w in words]
        return [inv.fs("modify", w.value, glob=w.glob, reversible="unknown", summary=f"{inv.name} edits {w.shown()}")
                for w in words]

    @staticmethod
    def code(inv: Invocation, code: str, language: str) -> Effect:
        """Code the editor evaluates: the shell commands it names are followed (the walker records what
        they do); the rest cannot be seen."""
        payloads = [m.group(1) if m.group(1) is not None else m.group(2) for m in SHELL_CALL.finditer(code)]
        for payload in [*payloads, *lisp_commands(code)]:
            inv.run_script(payload.replace('\\"', '"'), origin=f"{inv.name} {language}")
        return inv.effect("unknown", f"cmd:{inv.name}", inv.arguments_placement(), kind="code",
                          summary=f"{inv.name} evaluates {language} changegate does not read: {code[:60]}")

    @staticmethod
    def unread(inv: Invocation, what: str) -> Effect:
        return inv.effect("unknown", f"cmd:{inv.name}", inv.arguments_placement(),
                          summary=f"{inv.name} {what}, which changegate does not read")
