"""make: `make TARGET` runs the recipes of the target and its prerequisites from the Makefile, read and handed
back to the walker line by line, so `make deploy` is judged as the commands it runs.

The Makefile is read the way make reads it, as far as that is known before it runs: `include`d files,
variables (`=`, `:=`, `?=`, `+=`, `define`, from the command line and the environment), `$(shell …)` run
while it is read (also under `make -n`), explicit and pattern rules, the default goal. Functions make has
and this reader does not evaluate leave a run-time part in the line (`rm -rf $(wildcard x)` deletes
paths only known when it runs). No Makefile: make fails and runs nothing.
"""

from __future__ import annotations

import posixpath
import re
import shlex
from dataclasses import dataclass, field
from typing import ClassVar

from changegate.environments import LOCAL, Placement
from changegate.model import Effect
from changegate.understand.base import UNKNOWN_PART, Context, Invocation, local_work
from changegate.understand.commands.build.common import BuildTool, read_project_file
from changegate.understand.commands.interpreters.programs import absent, may_be_created

MAX_RECIPE_DEPTH = 8  # make prerequisites followed
MAX_RECIPE_LINES = 200
MAX_INCLUDES = 16
MAX_EXPANSION = 12  # nested variable references followed
MAKEFILE_NAMES = ("GNUmakefile", "makefile", "Makefile")

RULE = re.compile(r"^([^\s:=#][^:=#]*?)\s*::?(?!=)\s*(.*)$")
ASSIGNMENT = re.compile(r"^(?:export\s+|override\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*(\?=|:=|::=|\+=|=|!=)\s*(.*)$")
INCLUDE = re.compile(r"^\s*(-?include|sinclude)\s+(.+)$")
DEFINE = re.compile(r"^\s*define\s+([A-Za-z_][A-Za-z0-9_.-]*)")
REFERENCE = re.compile(r"\$\(([^()]*(?:\([^()]*\)[^()]*)*)\)|\$\{([^{}]*)\}|\$([A-Za-z@<^*?%+])")
SOURCES = (".c", ".cc", ".cpp", ".cxx", ".f", ".p", ".s", ".S", ".y", ".l")  # what make's built-in rules compile


@dataclass
class Makefile:
    variables: dict[str, str]
    rules: dict[str, tuple[list[str], list[str]]] = field(default_factory=dict)  # target -> (prerequisites, recipe)
    patterns: list[tuple[str, list[str], list[str]]] = field(default_factory=list)  # `%.o: %.c` rules
    first: str | None = None
    files: list[str] = field(default_factory=list)


class Reader:
    """Reads a Makefile and what it includes; `$(shell …)` runs as the file is read."""

    def __init__(self, inv: Invocation, ctx: Context, variables: dict[str, str], *,
                 environment_wins: bool = False) -> None:
        self.inv = inv
        self.ctx = ctx
        self.environment_wins = environment_wins  # `make -e`: the environment's variables override the file's
        self.makefile = Makefile({"MAKE": "make", "SHELL": "/bin/sh", "CURDIR": ctx.cwd or UNKNOWN_PART,
                                  **variables})
        self.overrides = set(variables) - {"MAKE", "SHELL", "CURDIR"}
        self.effects: list[Effect] = []

    def read(self, path: str, text: str, depth: int = 0) -> None:
        self.makefile.files.append(path)
        current: list[str] = []
        lines = text.replace("\\\n", " ").splitlines()
        index = 0
        while index < min(len(lines), 20_000):
            line = lines[index]
            index += 1
            if line.startswith("\t"):
                for target in current:
                    self.add_recipe(target, line[1:])
                continue
            stripped = line.split("#", 1)[0].rstrip() if not line.lstrip().startswith("\t") else line
            if not stripped.strip():
                continue
            define = DEFINE.match(stripped)
            if define:
                body: list[str] = []
                while index < len(lines) and lines[index].strip() != "endef":
                    body.append(lines[index])
                    index += 1
                index += 1
                self.makefile.variables[define.group(1)] = "\n".join(body)
                current = []
                continue
            include = INCLUDE.match(stripped)
            if include:
                self.include(path, include.group(2), depth)
                current = []
                continue
            assignment = ASSIGNMENT.match(stripped)
            if assignment:  # NAME = value (a rule's `target: NAME=value` does not match: ": " is no operator)
                self.assign(*assignment.groups())
                current = []
                continue
            rule = RULE.match(stripped)
            if rule:
                current = self.rule(rule.group(1), rule.group(2))
                continue
            current = []  # conditionals and directives: both branches of a conditional are read

    def assign(self, name: str, op: str, value: str) -> None:
        variables = self.makefile.variables
        if name in self.overrides:
            return  # `make NAME=value` wins over the Makefile
        if self.environment_wins and self.ctx.getenv(name) is not None:
            return
        if op == "?=" and (name in variables or self.ctx.env.get(name) is not None):
            return
        if op in (":=", "::=", "!="):
            value = self.expand(value, "")
            if op == "!=":
                value = self.shell(value)
        variables[name] = (variables.get(name, "") + " " + value).strip() if op == "+=" else value

    def rule(self, targets_text: str, rest: str) -> list[str]:
        targets = self.expand(targets_text, "").split()
        prerequisites_text, _, inline = rest.partition(";")
        prerequisites = prerequisites_text.split("|", 1)[0].split()
        recipe = [inline] if inline.strip() else []
        current: list[str] = []
        for target in targets:
            if "%" in target:
                self.makefile.patterns.append((target, prerequisites, list(recipe)))
                current.append("\x00" + str(len(self.makefile.patterns) - 1))
                continue
            previous = self.makefile.rules.get(target, ([], []))
            self.makefile.rules[target] = (previous[0] + prerequisites, previous[1] + recipe)
            current.append(target)
            if self.makefile.first is None and not target.startswith("."):
                self.makefile.first = target
        return current

    def add_recipe(self, target: str, line: str) -> None:
        if target.startswith("\x00"):
            self.makefile.patterns[int(target[1:])][2].append(line)
        else:
            self.makefile.rules[target][1].append(line)

    def include(self, path: str, names: str, depth: int) -> None:
        for name in self.expand(names, "").split():
            if depth >= MAX_INCLUDES or len(self.makefile.files) > MAX_INCLUDES:
                self.effects.append(self.inv.unknown(f"make: more than {MAX_INCLUDES} included files"))
                return
            included = posixpath.normpath(posixpath.join(posixpath.dirname(path), name)) if not name.startswith("/") \
                else name
            text = read_project_file(self.ctx, included)
            if text is None:
                if UNKNOWN_PART in included or may_be_created(self.inv, included):
                    self.effects.append(self.inv.unknown(f"make includes {included}, which cannot be read "
                                                         "before it runs"))
                continue  # make fails, or goes on for `-include`: nothing of it runs either way
            self.ctx.consulted.setdefault(f"file:{included}", "recipes")
            self.read(included, text, depth + 1)

    # --- expansion -------------------------------------------------------------------------------------------
    def expand(self, text: str, target: str, depth: int = 0, stem: str = "", first_prerequisite: str = "") -> str:
        """$(VAR), ${VAR}, $@, $<, $*, $(shell …) and a few functions filled in; other functions become a
        run-time part."""

        def one(match: re.Match[str]) -> str:
            name = match.group(1) or match.group(2) or match.group(3) or ""
            if name == "@":
                return target
            if name == "*":
                return stem or UNKNOWN_PART
            if name in ("<", "^", "+"):
                return first_prerequisite or UNKNOWN_PART
            if name in ("?", "%"):
                return UNKNOWN_PART
            if depth >= MAX_EXPANSION:
                return UNKNOWN_PART
            function, _, arguments = name.partition(" ")
            if arguments:
                return self.function(function, arguments, target, depth)
            variables = self.makefile.variables
            if name in variables:
                return self.expand(variables[name], target, depth + 1, stem, first_prerequisite)
            value = self.ctx.getenv(name)  # the environment's variables are make's too
            return value if value is not None else ""

        return REFERENCE.sub(one, text.replace("$$", "\x01")).replace("\x01", "$")

    def function(self, name: str, arguments: str, target: str, depth: int) -> str:
        expanded = self.expand(arguments, target, depth + 1)
        if name == "shell":
            return self.shell(expanded)
        parts = expanded.split(",")
        if name == "subst" and len(parts) >= 3:
            return ",".join(parts[2:]).replace(parts[0], parts[1])
        if name == "strip":
            return " ".join(expanded.split())
        if name in ("addprefix", "addsuffix") and len(parts) >= 2:
            words = ",".join(parts[1:]).split()
            return " ".join(parts[0] + w if name == "addprefix" else w + parts[0] for w in words)
        if name == "firstword":
            return (expanded.split() or [""])[0]
        if name in ("abspath", "realpath"):
            return " ".join(self.ctx.resolve(w) or UNKNOWN_PART for w in expanded.split())
        if name in ("dir", "notdir"):
            return " ".join((posixpath.dirname(w) + "/") if name == "dir" else posixpath.basename(w)
                            for w in expanded.split())
        if name in ("info", "warning", "error"):
            return ""
        return UNKNOWN_PART

    def shell(self, command: str) -> str:
        """`$(shell CMD)`, `!=`: CMD runs while the Makefile is read; its output where it can be known."""
        if not command.strip():
            return ""
        self.inv.run_script(command, ctx=self.ctx.clone(), origin="make $(shell …)")
        try:
            words = shlex.split(command)
        except ValueError:
            return UNKNOWN_PART
        if words[:1] == ["echo"]:
            return " ".join(self.expand_shell_word(w) for w in words[1:] if not w.startswith("-"))
        if words == ["pwd"]:
            return self.ctx.cwd or UNKNOWN_PART
        return UNKNOWN_PART

    def expand_shell_word(self, word: str) -> str:
        def variable(match: re.Match[str]) -> str:
            name = match.group(1) or match.group(2)
            if name == "HOME":
                return self.ctx.getenv("HOME") or self.ctx.home or UNKNOWN_PART
            value = self.ctx.getenv(name)
            return value if value is not None else ""

        return re.sub(r"\$(\w+)|\$\{(\w+)\}", variable, word)


class Make(BuildTool):
    NAMES = ("make", "gmake")
    FAMILY = "build"
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({"-C", "--directory", "-f", "--file", "--makefile", "-j",
                                                       "--jobs", "-l", "-o", "-W", "-I", "--include-dir", "--eval",
                                                       "-O", "--output-sync", "-E"})
    DRY_RUN_FLAGS: ClassVar[frozenset[str]] = frozenset({"-n", "--dry-run", "--just-print", "--recon", "-q",
                                                        "--question", "-p", "--print-data-base"})
    ENV_VARIABLES = ("MAKEFLAGS", "MFLAGS", "MAKEFILES", "GNUMAKEFLAGS")

    def analyze(self, inv: Invocation) -> list[Effect]:
        opts = self.walk(inv.words)
        if opts.has("-v", "--version", "-h", "--help"):
            return [local_work(inv, "make prints its version or help", "read")]
        if opts.has("--eval", "-E"):
            return [inv.unknown("make --eval: Makefile text given on the command line")]
        directory = opts.value("-C", "--directory")
        ctx = inv.ctx.clone(cwd=inv.ctx.resolve(directory)) if directory else inv.ctx.clone()
        names = opts.values("-f", "--file", "--makefile")
        flags, inherited = makeflags(inv)
        assignments = {**inherited, **dict(p.partition("=")[::2] for p in opts.positionals if "=" in p)}
        reader = Reader(inv, ctx, assignments,
                        environment_wins=opts.has("-e", "--environment-overrides") or "e" in flags)
        found = self.read_makefiles(inv, ctx, reader, names or list(MAKEFILE_NAMES), explicit=bool(names))
        if isinstance(found, Effect):
            return [found]
        makefile = reader.makefile
        default = makefile.variables.get(".DEFAULT_GOAL") or makefile.first
        goals = [p for p in opts.positionals if "=" not in p] or ([default] if default else [])
        if not goals:
            return [local_work(inv, f"make: {makefile.files[0]} has no targets (it fails)", "read")]
        dry = opts.has(*self.DRY_RUN_FLAGS) or bool(flags & {"n", "q"})
        runner = Recipes(inv, ctx, reader, dry)
        for goal in goals:
            runner.run(goal, 0)
        effects = [*reader.effects, *runner.effects]
        if dry and not effects:
            effects.append(local_work(inv, "make prints what it would run", "read"))
        return effects

    @staticmethod
    def read_makefiles(inv: Invocation, ctx: Context, reader: Reader, candidates: list[str], *,
                       explicit: bool) -> Effect | None:
        """Read the Makefile (each `-f`, or the first of the default names): an effect when there is none."""
        read_any = False
        for candidate in candidates:
            path = ctx.resolve(candidate) or candidate
            text = read_project_file(ctx, path)
            if text is None:
                if not explicit:
                    continue
                if UNKNOWN_PART in path or may_be_created(inv, path):
                    return inv.unknown(f"make reads {path}, which cannot be read before it runs")
                return absent(inv, path, "make")
            ctx.consulted.setdefault(f"file:{path}", "recipes")
            reader.read(path, text)
            read_any = True
            if not explicit:
                break
        if not read_any:
            default = posixpath.join(ctx.cwd or "?", "Makefile")
            if ctx.cwd is None or may_be_created(inv, default):
                return inv.unknown(f"make reads a Makefile in {ctx.cwd or 'a directory only known at run time'}, "
                                   "which cannot be seen from here")
            return absent(inv, default, "make")
        return None


def makeflags(inv: Invocation) -> tuple[set[str], dict[str, str]]:
    """MAKEFLAGS (and MFLAGS, GNUMAKEFLAGS) from the environment: the one-letter flags it sets (`-e`, `ne`,
    `--environment-overrides`) and the variables it assigns (`BUILD_DIR=/`), which act as if given on the
    command line."""
    letters: set[str] = set()
    assignments: dict[str, str] = {}
    for variable in ("MAKEFLAGS", "MFLAGS", "GNUMAKEFLAGS"):
        for word in shlex_split(inv.ctx.getenv(variable) or ""):
            if "=" in word and not word.startswith("-"):
                name, _, value = word.partition("=")
                assignments[name] = value
            elif word.startswith("--"):
                letters.update({"--environment-overrides": "e", "--dry-run": "n", "--just-print": "n",
                                "--recon": "n", "--question": "q"}.get(word, ""))
            elif (word and not word.startswith("-")) or (word.startswith("-") and not word.startswith("--")):
                letters.update(word.lstrip("-") if word.lstrip("-").isalpha() else "")
    return letters, assignments


def shlex_split(text: str) -> list[str]:
    try:
        return shlex.split(text)
    except ValueError:
        return text.split()


class Recipes:
    """Runs targets: prerequisites first, each recipe line handed to the walker."""

    def __init__(self, inv: Invocation, ctx: Context, reader: Reader, dry: bool) -> None:
        self.inv = inv
        self.ctx = ctx
        self.reader = reader
        self.dry = dry
        self.seen: set[str] = set()
        self.lines = 0
        self.effects: list[Effect] = []

    def run(self, target: str, depth: int) -> None:
        if target in self.seen or depth > MAX_RECIPE_DEPTH:
            return
        self.seen.add(target)
        makefile = self.reader.makefile
        rule = makefile.rules.get(target)
        stem = ""
        if rule is None or (not rule[1] and not rule[0]):
            pattern = self.pattern_for(target)
            if pattern is not None:
                stem, prerequisites, recipe = pattern
                rule = (prerequisites, recipe)
        if rule is None:
            if depth == 0:
                self.missing(target)
            return
        prerequisites, recipe = rule
        expanded = [self.reader.expand(p, target, stem=stem) for p in prerequisites]
        for prerequisite in " ".join(expanded).split():
            self.run(prerequisite, depth + 1)
        first = (" ".join(expanded).split() or [""])[0]
        for raw in recipe:
            self.lines += 1
            if self.lines > MAX_RECIPE_LINES:
                self.effects.append(self.inv.unknown(f"make: more than {MAX_RECIPE_LINES} recipe lines"))
                return
            self.line(raw, target, stem, first)

    def line(self, raw: str, target: str, stem: str, first: str) -> None:
        stripped = raw.strip()
        prefix = re.match(r"[@+\-\s]*", stripped)
        flags = prefix.group(0) if prefix else ""
        command = self.reader.expand(stripped[len(flags):], target, stem=stem, first_prerequisite=first).strip()
        if not command:
            return
        # `make -n` prints recipes, but still runs lines marked `+` and those that run $(MAKE)
        if self.dry and "+" not in flags and "$(MAKE)" not in stripped and "${MAKE}" not in stripped:
            return
        self.inv.run_script(command, ctx=self.ctx.clone(), origin=f"the recipe of {target}")

    def pattern_for(self, target: str) -> tuple[str, list[str], list[str]] | None:
        for pattern, prerequisites, recipe in self.reader.makefile.patterns:
            head, _, tail = pattern.partition("%")
            if target.startswith(head) and target.endswith(tail) and len(target) >= len(head) + len(tail):
                stem = target[len(head):len(target) - len(tail)]
                return stem, [p.replace("%", stem) for p in prerequisites], recipe
        return None

    def missing(self, target: str) -> None:
        """A goal with no rule: a file make's built-in rules build from its source, or nothing at all."""
        base = posixpath.join(self.ctx.cwd or "", target)
        if any(posixpath.exists(posixpath.splitext(base)[0] + suffix) or posixpath.exists(base + suffix)
               for suffix in SOURCES) or posixpath.exists(base):
            self.effects.append(local_work(self.inv, f"make {target}: built by make's built-in rules from its "
                                                     "source", "create"))
            return
        why = f"no rule makes {target} in {', '.join(self.reader.makefile.files)}"
        self.effects.append(self.inv.effect("read", f"cmd:make {target}", Placement(LOCAL, why), reversible="yes",
                                            tags=("absent-program",), summary=f"make {target} runs nothing: {why}"))
