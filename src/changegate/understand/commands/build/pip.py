"""pip: installing into a virtual environment is project work; into the user's or the system's Python
(`--user`, `--break-system-packages`, sudo, or no environment active) it changes the machine."""

from __future__ import annotations

from typing import ClassVar

from changegate.model import Effect, Operation
from changegate.understand.base import Invocation, local_work
from changegate.understand.cli import Call, Options, VerbEntry
from changegate.understand.commands.build.common import (
    BuildTool,
    active_environment,
    cache_cleared,
    machine_wide,
    verb_not_known,
)
from changegate.understand.commands.host.common import gate_tampering
from changegate.understand.selfguard import gate_target


class Pip(BuildTool):
    NAMES = ("pip", "pip3")
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({
        "-r", "--requirement", "-c", "--constraint", "-e", "--editable", "-t", "--target", "--prefix", "--root",
        "-i", "--index-url", "--extra-index-url", "-f", "--find-links", "--python", "--platform",
        "--python-version", "--implementation", "--abi", "-d", "--dest", "--src", "--upgrade-strategy",
        "--progress-bar", "--log", "--cache-dir", "--trusted-host", "--proxy", "--timeout", "--retries",
        "--exists-action", "--cert", "--client-cert", "--report", "--config-settings", "-C", "--global-option",
        "--no-binary", "--only-binary", "--python-platform", "-p", "--group"})
    ENV_VARIABLES = ("PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "PIP_CONFIG_FILE", "PIP_TARGET", "PIP_PREFIX",
                     "PIP_USER", "PIP_BREAK_SYSTEM_PACKAGES", "VIRTUAL_ENV", "CONDA_PREFIX")

    def install(self, call: Call) -> list[Effect]:
        inv, opts, verb = call.inv, call.opts, call.verb
        if verb == "uninstall" and any(gate_target(name) for name in call.args):
            return [gate_tampering(inv, "packages:changegate", "pip uninstalls changegate, the gate this agent "
                                                                "works behind")]
        packages = " ".join(call.args) or " ".join(opts.values("-r", "--requirement")) or "packages"
        operation: Operation = "create" if verb == "install" else "delete"
        if opts.has("--dry-run"):
            return [local_work(inv, f"pip {verb} --dry-run", "read")]
        target = opts.value("-t", "--target", "--prefix", "--root")
        if target:
            return [inv.fs(operation, target, recursive=True, reversible="yes",
                           summary=f"pip {verb}s {packages} into {target}")]
        if opts.has("--user", "--break-system-packages") or inv.ctx.elevated:
            return [self.outside_environment(inv, opts, operation, f"pip {verb}s {packages}")]
        placement = active_environment(inv, self.head_path(inv))
        if placement is None:
            return [machine_wide(inv, operation, "packages:python", f"pip {verb}s {packages} into whichever "
                                 "Python is first on PATH (no virtual environment is active)",
                                 ("activate the project's virtual environment first, or use .venv/bin/pip",))]
        return [inv.effect(operation, "packages:venv", placement, reversible="yes", kind="packages",
                           summary=f"pip {verb}s {packages} into the virtual environment")]

    @staticmethod
    def outside_environment(inv: Invocation, opts: Options, operation: Operation, what: str) -> Effect:
        """`--user`, `--break-system-packages` or sudo: the user's or the system's own Python."""
        why = "--user" if opts.has("--user") else "--break-system-packages" if opts.has(
            "--break-system-packages") else "sudo"
        user = why == "--user"
        return machine_wide(inv, operation, "packages:python-user" if user else "packages:python-system",
                            f"{what} into the {'user' if user else 'system'} Python ({why})",
                            ("create a virtual environment in the project (python -m venv .venv) and install "
                             "there",))

    def download(self, call: Call) -> list[Effect]:
        packages = " ".join(call.args) or " ".join(call.opts.values("-r", "--requirement")) or "packages"
        return [local_work(call.inv, f"pip {call.verb} {packages}: files in the project", "create")]

    def cache(self, call: Call) -> list[Effect]:
        if call.args[:1] in (["purge"], ["remove"]):
            return [cache_cleared(call.inv, "cache:pip", "pip's cache for the whole user", "clears pip's cache")]
        return self.read(call)

    def config(self, call: Call) -> list[Effect]:
        if call.args[:1] in (["set"], ["unset"], ["edit"]):
            return [machine_wide(call.inv, "modify", "config:pip", "changes pip's configuration")]
        return self.read(call)

    def read(self, call: Call) -> list[Effect]:
        return [local_work(call.inv, f"pip {call.verb}", "read")]

    VERBS: ClassVar[dict[str, VerbEntry]] = {
        "install": install, "uninstall": install, "download": download, "wheel": download, "cache": cache,
        "config": config,
        **dict.fromkeys(("list", "show", "freeze", "check", "search", "index", "inspect", "hash", "debug", "help",
                         "completion", "--version", "-V"), read),
    }

    def unknown_verb(self, call: Call) -> list[Effect]:
        return verb_not_known(call)

    def no_verb(self, inv: Invocation, opts: Options) -> list[Effect]:
        return [local_work(inv, "pip (help)", "read")]

    @staticmethod
    def head_path(inv: Invocation) -> str | None:
        """The program as written (`.venv/bin/pip`), when the command line shows it."""
        first = inv.text.split(None, 1)[0] if inv.text.strip() else ""
        return first if "/" in first and first.rsplit("/", 1)[-1].startswith(inv.name) else None
