"""task (go-task): `task NAME` runs the task's `cmds` from Taskfile.yml (its `deps` first, `task:` entries
as the tasks they name), each command handed back to the walker. No Taskfile, or no such task: task fails
and runs nothing."""

from __future__ import annotations

import posixpath
import re
from typing import Any, ClassVar

from changegate.environments import LOCAL, Placement
from changegate.model import Effect
from changegate.understand.base import UNKNOWN_PART, Context, Invocation, local_work
from changegate.understand.commands.build.common import BuildTool, read_project_file
from changegate.understand.commands.interpreters.programs import absent, may_be_created

TASKFILE_NAMES = ("Taskfile.yml", "taskfile.yml", "Taskfile.yaml", "taskfile.yaml", "Taskfile.dist.yml",
                  "taskfile.dist.yml")
MAX_PARENT_DIRS = 6
MAX_DEPTH = 8
MAX_COMMANDS = 200
TEMPLATE = re.compile(r"\{\{\s*\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}|\{\{(.*?)\}\}")


def load_yaml(text: str) -> Any:
    import yaml

    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        return None


class Task(BuildTool):
    NAMES = ("task", "go-task")
    FAMILY = "build"
    ENV_VARIABLES = ("TASK_TEMP_DIR", "TASK_X_REMOTE_TASKFILES")
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({"-t", "--taskfile", "-d", "--dir", "-o", "--output",
                                                       "-C", "--concurrency", "--interval", "--sort"})
    READ_FLAGS: ClassVar[frozenset[str]] = frozenset({"-l", "--list", "-a", "--list-all", "--summary", "--version",
                                                     "-h", "--help", "-n", "--dry", "--status", "--json"})

    def analyze(self, inv: Invocation) -> list[Effect]:
        opts = self.walk(inv.words)
        if opts.has(*self.READ_FLAGS):
            return [local_work(inv, "task lists, summarizes or prints its tasks", "read")]
        if opts.has("--init", "-i"):
            return [local_work(inv, "task --init writes a Taskfile", "create")]
        directory = opts.value("-d", "--dir")
        ctx = inv.ctx.clone(cwd=inv.ctx.resolve(directory)) if directory else inv.ctx.clone()
        found = self.taskfile(inv, ctx, opts.value("-t", "--taskfile"))
        if isinstance(found, Effect):
            return [found]
        path, document = found
        tasks = document.get("tasks") if isinstance(document, dict) else None
        if not isinstance(tasks, dict):
            return [inv.unknown(f"task: {path} is not a Taskfile changegate can read")]
        variables = {k: str(v) for k, v in (document.get("vars") or {}).items()
                     if isinstance(v, str | int | float)} if isinstance(document.get("vars"), dict) else {}
        names = [w for w in opts.positionals if "=" not in w and w != "--"]
        for word in [w for w in opts.positionals if "=" in w]:
            name, _, value = word.partition("=")
            variables[name] = value
        runner = Runner(inv, ctx.clone(cwd=posixpath.dirname(path)), path, tasks, variables)
        for name in names or ["default"]:
            if name not in tasks:
                why = f"{path} has no task {name}"
                runner.effects.append(inv.effect("read", f"cmd:task {name}", Placement(LOCAL, why), reversible="yes",
                                                 tags=("absent-program",), summary=f"task {name} runs nothing: {why}"))
                continue
            runner.run(name, 0)
        return runner.effects

    @staticmethod
    def taskfile(inv: Invocation, ctx: Context, named: str | None) -> tuple[str, Any] | Effect:
        candidates: list[str] = []
        if named:
            candidates = [ctx.resolve(named) or named]
        else:
            directory = ctx.cwd
            for _ in range(MAX_PARENT_DIRS):
                if not directory:
                    break
                candidates += [posixpath.join(directory, name) for name in TASKFILE_NAMES]
                if directory in ("/", ctx.home):
                    break
                directory = posixpath.dirname(directory)
        for path in candidates:
            text = read_project_file(ctx, path)
            if text is not None:
                ctx.consulted.setdefault(f"file:{path}", "tasks")
                return path, load_yaml(text)
            if may_be_created(inv, path):
                return inv.unknown(f"task reads {path}, which cannot be read before it runs")
        return absent(inv, candidates[0] if candidates else "Taskfile.yml", "task")


class Runner:
    def __init__(self, inv: Invocation, ctx: Context, path: str, tasks: dict[str, Any],
                 variables: dict[str, str]) -> None:
        self.inv = inv
        self.ctx = ctx
        self.path = path
        self.tasks = tasks
        self.variables = variables
        self.seen: set[str] = set()
        self.commands = 0
        self.effects: list[Effect] = []

    def run(self, name: str, depth: int) -> None:
        if name in self.seen or depth > MAX_DEPTH:
            return
        self.seen.add(name)
        task = self.tasks.get(name)
        if isinstance(task, list):
            task = {"cmds": task}
        if isinstance(task, str):
            task = {"cmds": [task]}
        if not isinstance(task, dict):
            self.effects.append(self.inv.unknown(f"task {name}: a task changegate cannot read"))
            return
        variables = {**self.variables, **{k: str(v) for k, v in (task.get("vars") or {}).items()
                                          if isinstance(v, str | int | float)}} \
            if isinstance(task.get("vars"), dict) else dict(self.variables)
        ctx = self.ctx
        if isinstance(task.get("dir"), str):
            ctx = ctx.clone(cwd=ctx.resolve(self.fill(task["dir"], variables)))
        for dependency in task.get("deps") or []:
            target = dependency.get("task") if isinstance(dependency, dict) else dependency
            if isinstance(target, str):
                self.run(target, depth + 1)
        commands = task.get("cmds") or ([task["cmd"]] if "cmd" in task else [])
        for command in commands if isinstance(commands, list) else [commands]:
            self.command(command, variables, ctx, depth)

    def command(self, command: Any, variables: dict[str, str], ctx: Context, depth: int) -> None:
        self.commands += 1
        if self.commands > MAX_COMMANDS:
            self.effects.append(self.inv.unknown(f"task: more than {MAX_COMMANDS} commands"))
            return
        if isinstance(command, dict):
            if isinstance(command.get("task"), str):
                self.run(command["task"], depth + 1)
                return
            command = command.get("cmd")
        if not isinstance(command, str):
            self.effects.append(self.inv.unknown("task: a command changegate cannot read"))
            return
        text = self.fill(command, variables)
        if text.strip():
            self.inv.run_script(text, ctx=ctx.clone(), origin=f"a command of {self.path}")

    @staticmethod
    def fill(text: str, variables: dict[str, str]) -> str:
        """`{{.NAME}}` filled in from the Taskfile's variables; other templates are run-time parts."""
        def one(match: re.Match[str]) -> str:
            name = match.group(1)
            if name is not None and name in variables:
                return variables[name]
            return UNKNOWN_PART

        return TEMPLATE.sub(one, text)
