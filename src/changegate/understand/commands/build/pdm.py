"""pdm: project work; `pdm run X` runs the script X of pyproject.toml (or else the command X)."""

from __future__ import annotations

import shlex
import tomllib
from typing import Any, ClassVar

from changegate.model import Effect
from changegate.understand.base import Context, Invocation, local_work
from changegate.understand.cli import Call, VerbEntry
from changegate.understand.commands.build.common import (
    ToolRunner,
    machine_wide,
    publish,
    quoted,
    read_project_file,
    removes_gate,
    run_line,
    verb_not_known,
)


def script_line(entry: Any) -> str | None:
    """A pdm script as one line of shell: `"cmd"`, `{cmd = "…"}`, `{cmd = [...]}` or `{shell = "…"}`."""
    if isinstance(entry, str):
        return entry
    if isinstance(entry, dict):
        for key in ("cmd", "shell"):
            value = entry.get(key)
            if isinstance(value, str):
                return value
            if isinstance(value, list) and all(isinstance(v, str) for v in value):
                return shlex.join(value)
    return None


class Pdm(ToolRunner):
    NAMES = ("pdm",)
    GLOBAL_OPTIONS: ClassVar[frozenset[str]] = frozenset({"-p", "--project", "-c", "--config"})
    ENV_VARIABLES = ("PDM_PROJECT", "PDM_PYTHON", "VIRTUAL_ENV")

    def analyze(self, inv: Invocation) -> list[Effect]:
        opts, verb, rest = self.split_verb(inv.words)
        if verb is None:
            return [local_work(inv, "pdm (help): the project and its virtual environment")]
        return self.dispatch(Call(inv, opts, verb.value, [w.value for w in rest], rest))

    def run(self, call: Call) -> list[Effect]:
        if not call.arg_words:
            return self.unknown_verb(call)
        name, *args = call.arg_words
        script = self.script(call.inv.ctx, name.value)
        if script is None:
            return self.run_after_options(call.inv, call.arg_words)
        run_line(call.inv, script + (" " + quoted(args) if args else ""), "a pdm script")
        return []

    def publish(self, call: Call) -> list[Effect]:
        return [publish(call.inv, "pypi", "pdm publish: publishes the package")]

    def update_self(self, call: Call) -> list[Effect]:
        return [machine_wide(call.inv, "modify", "packages:pdm", "changes pdm's own installation")]

    def project(self, call: Call) -> list[Effect]:
        return removes_gate(call, "pdm") or [
            local_work(call.inv, f"pdm {call.verb}: the project and its virtual environment")]

    VERBS: ClassVar[dict[str, VerbEntry]] = {
        "run": run, "publish": publish, "self": update_self,
        **dict.fromkeys(("add", "build", "cache", "completion", "config", "export", "fix", "import", "info", "init",
                         "install", "list", "lock", "outdated", "remove", "search", "show", "sync", "update", "use",
                         "venv", "--version", "-V", "help"), project),
    }

    def unknown_verb(self, call: Call) -> list[Effect]:
        return verb_not_known(call)

    @staticmethod
    def script(ctx: Context, name: str) -> str | None:
        text = read_project_file(ctx, "pyproject.toml")
        if text is None:
            return None
        try:
            scripts = tomllib.loads(text).get("tool", {}).get("pdm", {}).get("scripts", {})
        except tomllib.TOMLDecodeError:
            return None
        return script_line(scripts.get(name)) if isinstance(scripts, dict) else None
