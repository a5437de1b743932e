"""uv and uvx: project work (`uv sync`, `uv add`), tools run by name (`uv run`, `uvx`), and what changes
the machine (`uv tool install`, `uv python install`, `uv pip --system`, `uv self`)."""

from __future__ import annotations

from typing import ClassVar

from changegate.model import Effect
from changegate.understand.base import Invocation, local_work
from changegate.understand.cli import Call, VerbEntry
from changegate.understand.commands.build.common import (
    ToolRunner,
    active_environment,
    cache_cleared,
    machine_wide,
    publish,
    removes_gate,
    verb_not_known,
)
from changegate.understand.commands.build.pip import Pip
from changegate.understand.commands.host.common import gate_tampering
from changegate.understand.selfguard import gate_target


class Uv(ToolRunner):
    NAMES = ("uv", "uvx")
    GLOBAL_OPTIONS: ClassVar[frozenset[str]] = frozenset({"--directory", "--project", "--cache-dir",
                                                        "--config-file", "--color"})
    PACKAGE_RUNNERS = frozenset({"uvx"})
    ENV_VARIABLES = ("UV_INDEX_URL", "UV_DEFAULT_INDEX", "UV_EXTRA_INDEX_URL", "UV_PYTHON", "UV_SYSTEM_PYTHON",
                     "UV_PROJECT_ENVIRONMENT", "UV_CONFIG_FILE", "VIRTUAL_ENV")

    def analyze(self, inv: Invocation) -> list[Effect]:
        if inv.name == "uvx":
            return self.run_after_options(inv, inv.words)
        opts, verb, rest = self.split_verb(inv.words)
        if verb is None:
            return [local_work(inv, "uv (help): the project and its .venv")]
        return self.dispatch(Call(inv, opts, verb.value, [w.value for w in rest], rest))

    def run(self, call: Call) -> list[Effect]:
        return self.run_after_options(call.inv, call.arg_words)

    def pip(self, call: Call) -> list[Effect]:
        inv = call.inv
        opts = self.walk(call.arg_words, takes_value=Pip.VALUE_OPTIONS)
        if opts.positionals[:1] == ["uninstall"] and any(gate_target(name) for name in opts.positionals[1:]):
            return [gate_tampering(inv, "packages:changegate", "uv pip uninstalls changegate, the gate this agent "
                                                                "works behind")]
        if opts.has("--system", "--break-system-packages"):
            return [machine_wide(inv, "modify", "packages:python-system",
                                 f"uv pip {' '.join(opts.positionals[:1])} into the system Python")]
        return [inv.effect("create" if opts.positionals[:1] != ["uninstall"] else "delete", "packages:venv",
                           active_environment(inv) or inv.arguments_placement(), reversible="yes",
                           kind="packages", summary=f"uv pip {' '.join(opts.positionals[:2])} (into the "
                                                    "project's virtual environment; uv refuses the system one)")]

    def tool(self, call: Call) -> list[Effect]:
        sub = call.args[0] if call.args else ""
        if sub in ("uninstall", "upgrade") and any(gate_target(name) for name in call.args[1:]):
            return [gate_tampering(call.inv, "packages:changegate", f"uv tool {sub} changegate, the gate this "
                                                                     "agent works behind")]
        if sub == "run":
            return self.run_after_options(call.inv, call.arg_words[1:])
        if sub in ("install", "uninstall", "upgrade"):
            return [machine_wide(call.inv, "modify", "packages:uv-tools", f"uv tool {sub}s a command-line tool "
                                                                          "for the user (~/.local/bin)")]
        return self.unknown_verb(call)

    def python(self, call: Call) -> list[Effect]:
        sub = call.args[0] if call.args else ""
        if sub in ("install", "uninstall"):
            return [machine_wide(call.inv, "modify", "packages:uv-python", f"uv python {sub}s an interpreter "
                                                                           "for the user")]
        return self.unknown_verb(call)

    def publish(self, call: Call) -> list[Effect]:
        return [publish(call.inv, "pypi", "uv publish: publishes the package to PyPI")]

    def cache(self, call: Call) -> list[Effect]:
        if call.args[:1] in (["clean"], ["prune"]):
            return [cache_cleared(call.inv, "cache:uv", "uv's cache for the whole user", "clears uv's cache")]
        return self.unknown_verb(call)

    def update_self(self, call: Call) -> list[Effect]:
        return [machine_wide(call.inv, "modify", "packages:uv", "updates uv itself")]

    def project(self, call: Call) -> list[Effect]:
        return removes_gate(call, "uv") or [local_work(call.inv, f"uv {call.verb}: the project and its .venv")]

    VERBS: ClassVar[dict[str, VerbEntry]] = {
        "run": run, "pip": pip, "tool": tool, "python": python, "publish": publish, "cache": cache,
        "self": update_self,
        **dict.fromkeys(("init", "add", "remove", "sync", "lock", "export", "tree", "venv", "build", "version",
                         "format", "help", "generate-shell-completion", "--version", "-V"), project),
    }

    def unknown_verb(self, call: Call) -> list[Effect]:
        return verb_not_known(call)
