"""emacs and emacsclient: an editor that evaluates Lisp it is given (`--eval`, `-l FILE`, `-f FUNC`,
`--script FILE`; emacsclient's `-e`). `(shell-command "…")` and its kin run shell commands, which are
followed; other Lisp cannot be seen."""

from __future__ import annotations

import re
from typing import ClassVar

from changegate.model import Effect
from changegate.understand.base import Invocation
from changegate.understand.cli import Options
from changegate.understand.commands.shell.editor import Editor

# Lisp whose every call is one of these only prints, opens or saves files, or quits
HARMLESS_CALLS = frozenset({"message", "princ", "print", "prin1", "kill-emacs", "emacs-version", "version",
                            "find-file", "save-buffer", "save-some-buffers", "save-buffers-kill-emacs",
                            "save-buffers-kill-terminal", "goto-char", "goto-line", "point-min", "point-max",
                            "format", "concat", "list", "quote", "progn", "org-version"})
CALL_HEAD = re.compile(r"\(\s*([^\s()'\"]+)")
HARMLESS_FUNCTIONS = frozenset({"kill-emacs", "save-buffers-kill-emacs", "batch-byte-compile", "emacs-version"})


class Emacs(Editor):
    NAMES = ("emacs", "emacsclient", "emacs-nox")
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({
        "--eval", "--execute", "-l", "--load", "-f", "--funcall", "--script", "-L", "--directory", "--chdir",
        "--insert", "--find-file", "--file", "--visit", "-u", "--user", "-t", "--terminal", "-d", "--display",
        "--init-directory", "-e", "-a", "--alternate-editor", "-s", "--socket-name", "--server-file",
        "--bg", "--fg", "--name", "--title", "--color"})
    ENV_VARIABLES = ("EMACSLOADPATH", "EMACS_SERVER_FILE", "ALTERNATE_EDITOR")

    def analyze(self, inv: Invocation) -> list[Effect]:
        opts = self.walk(inv.words)
        effects = [*self.evaluated(inv, opts), *self.loaded(inv, opts)]
        files = [w for w in opts.positional_words if not w.value.startswith("+")]
        if inv.name == "emacsclient" and opts.has("-e", "--eval"):
            files = []  # with -e its operands are expressions, not files
        edits = self.edits(inv, files)
        return [*effects, *edits] if effects or edits else [
            inv.effect("read", f"cmd:{inv.name}", inv.arguments_placement(), reversible="yes",
                       summary=f"{inv.name} with no file")]

    def evaluated(self, inv: Invocation, opts: Options) -> list[Effect]:
        """`--eval EXPR` (emacsclient: `-e EXPR…`): harmless calls pass, shell commands are followed."""
        expressions = opts.values("--eval", "--execute")
        if inv.name == "emacsclient" and opts.has("-e", "--eval"):
            expressions = [*opts.values("-e"), *opts.positionals]
        out: list[Effect] = []
        for expression in expressions:
            calls = set(CALL_HEAD.findall(expression))
            if calls and calls <= HARMLESS_CALLS:
                continue
            out.append(self.code(inv, expression, "Lisp"))
        return out

    def loaded(self, inv: Invocation, opts: Options) -> list[Effect]:
        """Files of Lisp it loads, functions it calls, and a command it runs when no server answers."""
        out = [self.unread(inv, f"loads the Lisp in {value}") for value in opts.values("-l", "--load", "--script")]
        out.extend(self.unread(inv, f"calls the function {value}") for value in opts.values("-f", "--funcall")
                   if inv.name != "emacsclient" and value not in HARMLESS_FUNCTIONS)
        alternate = opts.value("-a", "--alternate-editor") if inv.name == "emacsclient" else None
        if alternate:
            inv.run_script(alternate, origin="emacsclient --alternate-editor")
        return out
