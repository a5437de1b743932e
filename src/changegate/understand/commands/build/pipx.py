"""pipx: command-line tools installed for the user (a change to the machine), or run once by name."""

from __future__ import annotations

from typing import ClassVar

from changegate.model import Effect
from changegate.understand.base import Invocation
from changegate.understand.cli import Call, VerbEntry
from changegate.understand.commands.build.common import ToolRunner, local_work, machine_wide


class Pipx(ToolRunner):
    NAMES = ("pipx",)
    PACKAGE_RUNNERS = frozenset({"pipx"})
    ENV_VARIABLES = ("PIPX_HOME", "PIPX_BIN_DIR", "PIPX_DEFAULT_PYTHON")

    def analyze(self, inv: Invocation) -> list[Effect]:
        opts, verb, rest = self.split_verb(inv.words)
        if verb is None:
            return [local_work(inv, f"pipx {' '.join(w.value for w in inv.words[:1])}", "read")]
        return self.dispatch(Call(inv, opts, verb.value, [w.value for w in rest], rest))

    def run(self, call: Call) -> list[Effect]:
        return self.run_after_options(call.inv, call.arg_words)

    def read(self, call: Call) -> list[Effect]:
        return [local_work(call.inv, f"pipx {call.verb}", "read")]

    VERBS: ClassVar[dict[str, VerbEntry]] = {"run": run, "list": read, "environment": read}

    def unknown_verb(self, call: Call) -> list[Effect]:
        return [machine_wide(call.inv, "modify", "packages:pipx",
                             f"pipx {call.verb}: changes the user's command-line tools")]
