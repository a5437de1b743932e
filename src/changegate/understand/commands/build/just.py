"""just: `just RECIPE ARGS` runs the recipe's lines from the justfile (its dependencies first), each handed
back to the walker; a recipe with a shebang runs its body with that interpreter. No justfile, or no such
recipe: just fails and runs nothing."""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field
from typing import ClassVar

from changegate.environments import LOCAL, Placement
from changegate.model import Effect
from changegate.understand.base import UNKNOWN_PART, Context, Invocation, lit, local_work
from changegate.understand.commands.build.common import BuildTool, read_project_file
from changegate.understand.commands.interpreters.programs import absent, may_be_created

JUSTFILE_NAMES = ("justfile", "Justfile", ".justfile", "JUSTFILE")
MAX_PARENT_DIRS = 6
MAX_DEPTH = 8
MAX_LINES = 200
RECIPE = re.compile(r"^(@?)([A-Za-z_][A-Za-z0-9_-]*)((?:\s+[^:=]*?)?)\s*:(?!=)\s*(.*)$")
ASSIGNMENT = re.compile(r"^(?:export\s+)?([A-Za-z_][A-Za-z0-9_-]*)\s*:=\s*(.*)$")
INTERPOLATION = re.compile(r"\{\{(.*?)\}\}")


@dataclass
class Recipe:
    name: str
    parameters: list[str]
    dependencies: list[str]
    lines: list[str] = field(default_factory=list)
    quiet: bool = False


@dataclass
class Justfile:
    path: str
    variables: dict[str, str] = field(default_factory=dict)
    recipes: dict[str, Recipe] = field(default_factory=dict)
    first: str | None = None


def parse_justfile(path: str, text: str) -> Justfile:
    justfile = Justfile(path)
    current: Recipe | None = None
    for line in text.splitlines():
        if current is not None and line[:1] in (" ", "\t") and line.strip():
            current.lines.append(line.strip())
            continue
        stripped = line.split("#", 1)[0].rstrip() if not line.startswith("#!") else line
        if not stripped.strip():
            if current is not None and current.lines and current.lines[0].startswith("#!"):
                current.lines.append("")
            continue
        current = None
        assignment = ASSIGNMENT.match(stripped)
        if assignment:
            justfile.variables[assignment.group(1)] = unquote(assignment.group(2).strip())
            continue
        recipe = RECIPE.match(stripped)
        if recipe and not stripped.startswith(("set ", "alias ", "import ", "mod ")):
            parameters = [p.lstrip("+*$").split("=", 1)[0] for p in recipe.group(3).split()]
            dependencies = [d.strip("()") for d in recipe.group(4).split() if not d.startswith("&&")]
            current = Recipe(recipe.group(2), parameters, dependencies, quiet=bool(recipe.group(1)))
            justfile.recipes[current.name] = current
            if justfile.first is None and not current.name.startswith("_"):
                justfile.first = current.name
    return justfile


def unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    if value.startswith("`") and value.endswith("`"):
        return UNKNOWN_PART  # a command's output, known only when it runs
    return value


class Just(BuildTool):
    NAMES = ("just",)
    FAMILY = "build"
    ENV_VARIABLES = ("JUST_JUSTFILE", "JUST_WORKING_DIRECTORY", "JUST_DOTENV_PATH", "JUST_SHELL")
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({"-f", "--justfile", "-d", "--working-directory", "--set",
                                                       "--shell", "--shell-arg", "--dotenv-filename",
                                                       "--dotenv-path", "--color", "--chooser", "--command", "-c",
                                                       "--list-heading", "--list-prefix", "--show", "-s"})
    READ_FLAGS: ClassVar[frozenset[str]] = frozenset({"-l", "--list", "--summary", "--dump", "--evaluate",
                                                     "--variables", "--version", "-V", "-h", "--help", "-n",
                                                     "--dry-run", "--show", "-s", "--fmt", "--check", "--groups"})

    def analyze(self, inv: Invocation) -> list[Effect]:
        opts = self.walk(inv.words)
        if opts.has(*self.READ_FLAGS):
            return [local_work(inv, "just lists, shows or prints its recipes", "read")]
        if opts.has("--command", "-c", "--shell", "--shell-arg", "--edit", "--init"):
            return [inv.unknown("just with an option that runs or edits something other than a recipe")]
        directory = opts.value("-d", "--working-directory")
        ctx = inv.ctx.clone(cwd=inv.ctx.resolve(directory)) if directory else inv.ctx.clone()
        found = self.justfile(inv, ctx, opts.value("-f", "--justfile"))
        if isinstance(found, Effect):
            return [found]
        justfile = found
        ctx = ctx.clone(cwd=posixpath.dirname(justfile.path)) if not directory else ctx
        for name, value in zip(opts.values("--set")[::2], opts.values("--set")[1::2], strict=False):
            justfile.variables[name] = value
        words = list(opts.positionals)
        for word in [w for w in words if "=" in w and not w.startswith("=")]:
            name, _, value = word.partition("=")
            if name in justfile.variables:
                justfile.variables[name] = value
                words.remove(word)
        runner = Runner(inv, ctx, justfile)
        if not words:
            if justfile.first is None:
                return [local_work(inv, f"just: {justfile.path} has no recipes (it fails)", "read")]
            words = [justfile.first]
        name, *args = words
        recipe = justfile.recipes.get(name)
        if recipe is None:
            why = f"{justfile.path} has no recipe {name}"
            return [inv.effect("read", f"cmd:just {name}", Placement(LOCAL, why), reversible="yes",
                               tags=("absent-program",), summary=f"just {name} runs nothing: {why}")]
        runner.run(recipe, args, 0)
        return runner.effects

    @staticmethod
    def justfile(inv: Invocation, ctx: Context, named: str | None) -> Justfile | Effect:
        """The justfile named, or the nearest one at or above the directory (just looks up the tree)."""
        if named:
            path = ctx.resolve(named) or named
            text = read_project_file(ctx, path)
            if text is None:
                return inv.unknown(f"just reads {path}, which cannot be read") if may_be_created(inv, path) \
                    else absent(inv, path, "just")
            return parse_justfile(path, text)
        directory = ctx.cwd
        for _ in range(MAX_PARENT_DIRS):
            if not directory:
                break
            for name in JUSTFILE_NAMES:
                path = posixpath.join(directory, name)
                text = read_project_file(ctx, path)
                if text is not None:
                    ctx.consulted.setdefault(f"file:{path}", "recipes")
                    return parse_justfile(path, text)
            if directory in ("/", ctx.home):
                break
            directory = posixpath.dirname(directory)
        default = posixpath.join(ctx.cwd or "?", "justfile")
        if ctx.cwd is None or may_be_created(inv, default):
            return inv.unknown(f"just reads a justfile in {ctx.cwd or 'a directory only known at run time'}, which "
                               "cannot be seen from here")
        return absent(inv, default, "just")


class Runner:
    def __init__(self, inv: Invocation, ctx: Context, justfile: Justfile) -> None:
        self.inv = inv
        self.ctx = ctx
        self.justfile = justfile
        self.seen: set[str] = set()
        self.lines = 0
        self.effects: list[Effect] = []

    def run(self, recipe: Recipe, args: list[str], depth: int) -> None:
        if recipe.name in self.seen or depth > MAX_DEPTH:
            return
        self.seen.add(recipe.name)
        for dependency in recipe.dependencies:
            found = self.justfile.recipes.get(dependency)
            if found is not None:
                self.run(found, [], depth + 1)
        values = dict(self.justfile.variables)
        for index, parameter in enumerate(recipe.parameters):
            values[parameter] = args[index] if index < len(args) else UNKNOWN_PART
        if recipe.lines and recipe.lines[0].startswith("#!"):
            self.shebang(recipe, values)
            return
        for line in recipe.lines:
            self.lines += 1
            if self.lines > MAX_LINES:
                self.effects.append(self.inv.unknown(f"just: more than {MAX_LINES} recipe lines"))
                return
            command = self.fill(line.lstrip("@-"), values)
            if command.strip():
                self.inv.run_script(command, ctx=self.ctx.clone(), origin=f"the recipe {recipe.name} of "
                                                                           f"{self.justfile.path}")

    def shebang(self, recipe: Recipe, values: dict[str, str]) -> None:
        """A recipe that starts with `#!`: its body is a script of that interpreter."""
        interpreter = recipe.lines[0][2:].split()
        if interpreter[:1] == ["/usr/bin/env"]:
            interpreter = interpreter[1:]
        body = "\n".join(self.fill(line, values) for line in recipe.lines[1:])
        program = posixpath.basename(interpreter[0]) if interpreter else ""
        flag = {"python": "-c", "python3": "-c", "node": "-e", "perl": "-e", "ruby": "-e", "bash": "-c", "sh": "-c",
                "zsh": "-c", "php": "-r"}.get(program)
        if flag is None:
            self.effects.append(self.inv.unknown(f"the recipe {recipe.name} runs a {program or '?'} script"))
            return
        self.inv.run_argv([lit(program), lit(flag), lit(body)], ctx=self.ctx.clone())

    def fill(self, line: str, values: dict[str, str]) -> str:
        """`{{name}}` filled in (a variable, a parameter); an expression just computes stays a run-time part."""
        def one(match: re.Match[str]) -> str:
            expression = match.group(1).strip()
            if expression in values:
                return values[expression]
            if len(expression) >= 2 and expression[0] == expression[-1] and expression[0] in "'\"":
                return expression[1:-1]
            return UNKNOWN_PART

        return INTERPOLATION.sub(one, line)
