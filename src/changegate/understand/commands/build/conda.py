"""conda, mamba, micromamba: environments are the machine's (placed `unknown`) unless `-p` puts one in a
directory; `conda run` runs its command by name."""

from __future__ import annotations

import posixpath
from typing import ClassVar

from changegate.model import Effect, Operation
from changegate.understand.base import Invocation, local_work
from changegate.understand.cli import Call, Options, VerbEntry
from changegate.understand.commands.build.common import BuildTool, cache_cleared, machine_wide, verb_not_known

REMOVING = frozenset({"remove", "uninstall"})


class Conda(BuildTool):
    NAMES = ("conda", "mamba", "micromamba")
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({"-n", "--name", "-p", "--prefix", "-c", "--channel",
                                                       "--file", "-f"})
    ENV_VARIABLES = ("CONDA_PREFIX", "CONDA_DEFAULT_ENV", "CONDARC", "MAMBA_ROOT_PREFIX")

    def run(self, call: Call) -> list[Effect]:
        inv = call.inv
        verb_index = next(item.index for item in call.opts.items if item.option is None)
        command = self.walk(inv.words[verb_index + 1:], stop_at_first_positional=True).positional_words
        if not command:
            return self.unknown_verb(call)
        inv.run_argv(command)
        return []

    def clean(self, call: Call) -> list[Effect]:
        return [cache_cleared(call.inv, f"cache:{call.name}", "conda's package cache", "cleans conda's cache")]

    def change_environment(self, call: Call) -> list[Effect]:
        inv, opts, verb = call.inv, call.opts, call.verb
        prefix = opts.value("-p", "--prefix")
        if prefix:
            return [inv.fs("create" if verb != "remove" else "delete", prefix, recursive=True,
                           reversible="yes", summary=f"{inv.name} {verb} in the environment {prefix}")]
        name = opts.value("-n", "--name") or posixpath.basename(inv.ctx.env.get("CONDA_PREFIX", "") or "base")
        # `conda env remove` as much as `conda remove`
        operation: Operation = "delete" if verb in REMOVING or "remove" in opts.positionals else "modify"
        return [machine_wide(inv, operation, f"packages:conda/{name}",
                             f"{inv.name} {' '.join(opts.positionals[:2])} in the environment {name}")]

    def read(self, call: Call) -> list[Effect]:
        return [local_work(call.inv, f"{call.name} {call.verb}", "read")]

    def configure(self, call: Call) -> list[Effect]:
        """`conda config --set/--add/--remove` and `conda init` change the user's setup (and shell start-up)."""
        if call.verb == "config" and not call.opts.has("--set", "--add", "--append", "--prepend", "--remove",
                                                        "--remove-key") and \
                not any(a in ("--set", "--add", "--append", "--prepend", "--remove", "--remove-key") for a in call.args):
            return self.read(call)
        return [machine_wide(call.inv, "modify", f"config:{call.name}", f"{call.name} {call.verb}: changes the "
                                                                        "user's conda setup")]

    VERBS: ClassVar[dict[str, VerbEntry]] = {
        "run": run, "clean": clean, "config": configure, "init": configure,
        **dict.fromkeys(("install", "remove", "uninstall", "update", "upgrade", "create", "env"),
                        change_environment),
        **dict.fromkeys(("info", "list", "search", "doctor", "compare", "notices", "package", "help", "activate",
                         "deactivate", "--version", "-V", "repoquery", "shell"), read),
    }

    def unknown_verb(self, call: Call) -> list[Effect]:
        return verb_not_known(call)

    def no_verb(self, inv: Invocation, opts: Options) -> list[Effect]:
        return [local_work(inv, f"{inv.name} (help)", "read")]
