"""poetry: project work, commands run by name (`poetry run`), publishing, and changes to poetry itself
or its user configuration."""

from __future__ import annotations

from typing import ClassVar

from changegate.model import Effect
from changegate.understand.base import Invocation, local_work
from changegate.understand.cli import Call, VerbEntry
from changegate.understand.commands.build.common import (
    ToolRunner,
    machine_wide,
    publish,
    removes_gate,
    verb_not_known,
)


class Poetry(ToolRunner):
    NAMES = ("poetry",)
    GLOBAL_OPTIONS: ClassVar[frozenset[str]] = frozenset({"-C", "--directory", "-P", "--project"})
    ENV_VARIABLES = ("POETRY_CONFIG_DIR", "POETRY_VIRTUALENVS_PATH", "VIRTUAL_ENV")

    def analyze(self, inv: Invocation) -> list[Effect]:
        opts, verb, rest = self.split_verb(inv.words)
        if verb is None:
            return [local_work(inv, "poetry (help): the project and its virtual environment")]
        return self.dispatch(Call(inv, opts, verb.value, [w.value for w in rest], rest))

    def run(self, call: Call) -> list[Effect]:
        return self.run_after_options(call.inv, call.arg_words)

    def publish(self, call: Call) -> list[Effect]:
        if "--dry-run" in call.args:
            return [local_work(call.inv, "poetry publish --dry-run", "read")]
        return [publish(call.inv, "pypi", "poetry publish: publishes the package")]

    def update_self(self, call: Call) -> list[Effect]:
        return [machine_wide(call.inv, "modify", "packages:poetry", "changes poetry's own installation")]

    def config(self, call: Call) -> list[Effect]:
        if any(arg in ("--list", "--local") for arg in call.args):
            return self.unknown_verb(call)
        return [machine_wide(call.inv, "modify", "config:poetry", "changes poetry's user configuration")]

    def project(self, call: Call) -> list[Effect]:
        return removes_gate(call, "poetry") or [
            local_work(call.inv, f"poetry {call.verb}: the project and its virtual environment")]

    VERBS: ClassVar[dict[str, VerbEntry]] = {
        "run": run, "publish": publish, "self": update_self, "config": config,
        **dict.fromkeys(("about", "add", "build", "check", "debug", "env", "export", "init", "install", "list", "lock",
                         "new", "remove", "search", "shell", "show", "source", "sync", "update", "version", "help",
                         "cache", "--version", "-V"), project),
    }

    def unknown_verb(self, call: Call) -> list[Effect]:
        return verb_not_known(call)
