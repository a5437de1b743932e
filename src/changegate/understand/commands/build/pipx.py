"""pipx: command-line tools installed for the user (a change to the machine), or run once by name."""

from __future__ import annotations

from typing import ClassVar

from changegate.model import Effect
from changegate.understand.base import Invocation, local_work
from changegate.understand.cli import Call, VerbEntry
from changegate.understand.commands.build.common import ToolRunner, machine_wide, verb_not_known
from changegate.understand.commands.host.common import gate_tampering
from changegate.understand.selfguard import gate_target


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

    def change(self, call: Call) -> list[Effect]:
        if call.verb.startswith(("uninstall", "reinstall", "inject", "uninject", "runpip")) and \
                (call.verb.endswith("-all") or any(gate_target(name) for name in call.args)):
            return [gate_tampering(call.inv, "packages:changegate", f"pipx {call.verb} removes or rewires "
                                                                     "changegate, the gate this agent works behind")]
        return [machine_wide(call.inv, "modify", "packages:pipx",
                             f"pipx {call.verb}: changes the user's command-line tools")]

    VERBS: ClassVar[dict[str, VerbEntry]] = {
        "run": run, **dict.fromkeys(("list", "environment", "completions", "--version", "help"), read),
        **dict.fromkeys(("install", "uninstall", "upgrade", "upgrade-all", "uninstall-all", "reinstall",
                         "reinstall-all", "inject", "uninject", "ensurepath", "runpip", "pin", "unpin", "upgrade-shared",
                         "interpreter", "install-all"), change),
    }

    def unknown_verb(self, call: Call) -> list[Effect]:
        return verb_not_known(call)
