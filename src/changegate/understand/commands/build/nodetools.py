"""The small cross-platform tools package scripts are written with: each is judged as the shell command it
stands for. `rimraf dist` is `rm -rf dist`; `mkdirp out` is `mkdir -p out`; `shx rm -rf dist` is `rm -rf dist`;
`cross-env NODE_ENV=production webpack` is `env NODE_ENV=production webpack`; `copyfiles -u 1 'src/**' dist`
and `cpx`, `ncp`, `cpy` copy; `run-s`/`run-p`/`npm-run-all` run package scripts by name; `concurrently` runs
each of its quoted commands. Whatever a tool would not do as written is not understood.
"""

from __future__ import annotations

from typing import ClassVar

from changegate.model import Effect
from changegate.understand.base import Invocation, Word, lit
from changegate.understand.cli import Cli

# options of these tools that take a value (their own, not the command's)
VALUE_OPTIONS: dict[str, frozenset[str]] = {
    "copyfiles": frozenset({"-u", "--up", "-e", "--exclude", "-V"}),
    "cpx": frozenset({"-c", "--command", "-t", "--transform"}),
    "concurrently": frozenset({"-n", "--names", "-c", "--prefix-colors", "-p", "--prefix", "-k", "--max-processes",
                               "--success", "-r", "--restart-tries", "--restart-after", "--timings", "-P"}),
    "npm-run-all": frozenset({"-c", "--continue-on-error", "--max-parallel", "--npm-path"}),
}


def operands(inv: Invocation, value_options: frozenset[str] = frozenset()) -> list[Word]:
    """The tool's operands: every word that is not one of its options (or an option's value)."""
    out: list[Word] = []
    skip = False
    for word in inv.words:
        if skip:
            skip = False
        elif word.value in value_options:
            skip = True
        elif not word.value.startswith("-") or word.value == "-":
            out.append(word)
    return out


class Rimraf(Cli):
    NAMES = ("rimraf", "del", "del-cli")
    FAMILY = "rm"

    def analyze(self, inv: Invocation) -> list[Effect]:
        paths = operands(inv)
        if not paths:
            return [inv.effect("read", f"cmd:{inv.name}", inv.arguments_placement(), reversible="yes",
                               summary=f"{inv.name} with nothing to remove")]
        inv.run_argv([lit("rm"), lit("-rf"), lit("--"), *paths], stdin=inv.stdin)
        return []


class Mkdirp(Cli):
    NAMES = ("mkdirp", "make-dir")
    FAMILY = "mkdir"

    def analyze(self, inv: Invocation) -> list[Effect]:
        inv.run_argv([lit("mkdir"), lit("-p"), lit("--"), *operands(inv)], stdin=inv.stdin)
        return []


class Copy(Cli):
    NAMES = ("copyfiles", "cpx", "ncp", "cpy", "cpy-cli")
    FAMILY = "cp"

    def analyze(self, inv: Invocation) -> list[Effect]:
        paths = operands(inv, VALUE_OPTIONS.get(inv.name, frozenset()))
        if len(paths) < 2:
            return [inv.unknown(f"{inv.name} without both a source and a destination")]
        inv.run_argv([lit("cp"), lit("-r"), lit("--"), *paths], stdin=inv.stdin)
        return []


class Shx(Cli):
    """shx: the ShellJS commands (`shx rm -rf dist`, `shx cp -r a b`, `shx mkdir -p out`)."""

    NAMES = ("shx",)
    FAMILY = "shell"
    COMMANDS: ClassVar[frozenset[str]] = frozenset({
        "cat", "cd", "chmod", "cp", "echo", "exit", "find", "grep", "head", "ln", "ls", "mkdir", "mv", "pwd",
        "rm", "sed", "set", "sort", "tail", "test", "touch", "true", "false", "uniq", "which"})

    def analyze(self, inv: Invocation) -> list[Effect]:
        words = [w for w in inv.words if w.value not in ("--silent", "--verbose", "--noglob")]
        if not words:
            return [inv.effect("read", "cmd:shx", inv.arguments_placement(), reversible="yes",
                               summary="shx with no command")]
        if words[0].value not in self.COMMANDS:
            return [inv.unknown(f"shx {words[0].value} is not a ShellJS command")]
        inv.run_argv(words, stdin=inv.stdin)
        return []


class CrossEnv(Cli):
    """cross-env VAR=VALUE… CMD: `env` on every platform; cross-env-shell runs its command through a shell."""

    NAMES = ("cross-env", "cross-env-shell")
    FAMILY = "env"

    def analyze(self, inv: Invocation) -> list[Effect]:
        assignments = [w for w in inv.words if "=" in w.value and not w.value.startswith("-")][:64]
        rest = inv.words[len(assignments):] if inv.words[:len(assignments)] == assignments else inv.words
        if inv.name == "cross-env-shell":
            inv.run_argv([lit("env"), *assignments, lit("sh"), lit("-c"), lit(" ".join(w.value for w in rest))],
                         stdin=inv.stdin)
        else:
            inv.run_argv([lit("env"), *assignments, *rest], stdin=inv.stdin)
        return []


class RunScripts(Cli):
    """npm-run-all / run-s / run-p: package scripts by name, in series or in parallel."""

    NAMES = ("npm-run-all", "run-s", "run-p")
    FAMILY = "npm"

    def analyze(self, inv: Invocation) -> list[Effect]:
        names = operands(inv, VALUE_OPTIONS["npm-run-all"])
        if not names:
            return [inv.effect("read", f"cmd:{inv.name}", inv.arguments_placement(), reversible="yes",
                               summary=f"{inv.name} with no script")]
        for name in names[:16]:
            inv.run_argv([lit("npm"), lit("run"), name], stdin=inv.stdin)
        return []


class Concurrently(Cli):
    NAMES = ("concurrently",)
    FAMILY = "shell"

    def analyze(self, inv: Invocation) -> list[Effect]:
        commands = operands(inv, VALUE_OPTIONS["concurrently"])
        if not commands:
            return [inv.effect("read", "cmd:concurrently", inv.arguments_placement(), reversible="yes",
                               summary="concurrently with no command")]
        for command in commands[:16]:
            if not command.known:
                return [inv.unknown("concurrently runs a command only known at run time")]
            # `npm:build` is concurrently's shorthand for `npm run build`
            script = f"npm run {command.value[4:]}" if command.value.startswith("npm:") else command.value
            inv.run_script(script, origin="concurrently")
        return []
