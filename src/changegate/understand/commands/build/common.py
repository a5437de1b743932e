"""What package managers and build tools share: reading the project's manifests, and the three kinds of
effect they have — ordinary work on the project, changes to the machine outside it, publishing.

What matters about them is rarely the tool itself:
- a script or recipe from the project (`npm run X`, `make TARGET`, `pdm run X`) is looked up and handed
  back to the walker, so `npm run db:push` is judged as the `drizzle-kit push` it runs; a tool run through
  them (`npx TOOL`, `uv run`, `poetry run`, `bundle exec`) is judged by its own name;
- installing into the workspace (node_modules, a venv under the project) is ordinary local work; installing
  into the machine (`npm -g`, `pip --user`, the system Python, `go install`, `cargo install`) changes what
  later commands run outside the task: placed `unknown`, so it asks;
- publishing (`npm publish`, `cargo publish`, `gem push`, `mvn deploy`, …) is `publish`.
"""

from __future__ import annotations

import posixpath
import shlex
from collections.abc import Sequence
from typing import ClassVar

from changegate.environments import UNKNOWN, Placement
from changegate.model import Effect, Operation
from changegate.understand.base import UNKNOWN_PART, Context, Invocation, Word, lit, local_work
from changegate.understand.cli import Call, Cli
from changegate.understand.commands import family_for
from changegate.understand.commands.host.common import gate_tampering
from changegate.understand.commands.shell.common import opaque
from changegate.understand.facts import read_config
from changegate.understand.selfguard import gate_target

MAX_MANIFEST_BYTES = 256 * 1024  # package.json, Makefile, pyproject.toml larger than this are not read
MAX_PARENT_DIRS = 6  # package.json is looked up this far above the cwd


class BuildTool(Cli):
    FAMILY = "packages"


def read_project_file(ctx: Context, raw: str) -> str | None:
    """A manifest's text: as written earlier on this command line, or read from disk; None when there is
    none, its content cannot be seen, or it is too large."""
    path = ctx.resolve(raw)
    if path is None or UNKNOWN_PART in path:
        return None
    written = ctx.files.get(path)
    if written is not None:
        return None if written == UNKNOWN_PART or len(written) > MAX_MANIFEST_BYTES else written
    return read_config(path, limit=MAX_MANIFEST_BYTES)


def find_upwards(ctx: Context, name: str) -> tuple[str, str] | None:
    """The nearest `name` at or above the directory (npm looks up the tree for package.json): its path
    and text."""
    directory = ctx.cwd
    for _ in range(MAX_PARENT_DIRS):
        if not directory:
            return None
        candidate = posixpath.join(directory, name)
        text = read_project_file(ctx, candidate)
        if text is not None:
            return candidate, text
        if directory in ("/", ctx.home):
            return None
        directory = posixpath.dirname(directory)
    return None


def verb_not_known(call: Call) -> list[Effect]:
    """A verb the tool's table does not have: not understood (a new verb may do anything)."""
    return [call.inv.unknown(f"{call.name} {call.verb}, a verb changegate does not know")]


def machine_wide(inv: Invocation, operation: Operation, resource: str, what: str,
                 suggestions: Sequence[str] = ()) -> Effect:
    """A change to the machine outside the workspace: tools on PATH, the system or user site-packages."""
    return inv.effect(operation, resource, Placement(UNKNOWN, "it changes the machine outside the workspace "
                                                              "(tools and libraries other commands will use)"),
                      reversible="unknown", kind="packages", tags=("machine",), summary=what,
                      suggestions=tuple(suggestions))


def cache_cleared(inv: Invocation, resource: str, where: str, what: str) -> Effect:
    return inv.effect("delete", resource, Placement(UNKNOWN, where), kind="cache", reversible="yes",
                      tags=("machine-wide",), summary=what)


def publish(inv: Invocation, registry: str, what: str, *, delete: bool = False) -> Effect:
    return inv.effect("publish", f"registry:{registry}", Placement("prod", f"the {registry} registry is public"),
                      reversible="no", kind="package", tags=("unpublish",) if delete else (), summary=what,
                      suggestions=("run it with --dry-run first and show what would be published",))


def run_line(inv: Invocation, line: str, origin: str, ctx: Context | None = None) -> None:
    """A script line from a manifest, run by a shell in the project directory (its `cd` stays inside)."""
    inv.run_script(line, ctx=(ctx or inv.ctx).clone(), origin=origin)


def quoted(words: Sequence[Word]) -> str:
    return " ".join(shlex.quote(w.value) for w in words)


def package_bin(spec: str) -> str:
    """`prisma@5.1` -> prisma; `@scope/tool@1` -> tool; `sequelize-cli` -> sequelize-cli."""
    name = spec
    if name.startswith("@"):
        scope, _, rest = name[1:].partition("/")
        name = rest or scope
    return name.split("@", 1)[0]


class ToolRunner(BuildTool):
    """`uv run [--with X] CMD`, `uvx TOOL`, `poetry run CMD`, `pipx run TOOL`, `conda run -n ENV CMD`: CMD is
    judged as itself. `RUN_OPTIONS` are the options of the run verb that take a value."""

    RUN_OPTIONS: ClassVar[frozenset[str]] = frozenset({
        "--with", "--from", "--python", "-p", "--project", "--directory", "--env-file", "--group", "--extra",
        "--index", "--spec", "--package", "--with-requirements", "--script"})
    PACKAGE_RUNNERS: ClassVar[frozenset[str]] = frozenset()  # names that run a package's command (`uvx ruff@1`)

    def run_after_options(self, inv: Invocation, words: Sequence[Word]) -> list[Effect]:
        opts = self.walk(words, stop_at_first_positional=True, takes_value=self.RUN_OPTIONS)
        if not opts.positional_words:
            return [local_work(inv, f"{inv.name} run without a command", "read")]
        tool, *rest = opts.positional_words
        runs_package = inv.name in self.PACKAGE_RUNNERS or (inv.name == "pipx")
        name = package_bin(tool.value.split("==", 1)[0]) if runs_package else tool.value
        if runs_package and family_for(name).FAMILY == "unknown":
            # a package nobody declared, fetched and run: code no one has read
            return [opaque(inv, f"the package {tool.value}, downloaded and run by {inv.name}")]
        inv.run_argv([lit(name), *rest])
        return []


# --- Python environments ---------------------------------------------------------------------------------

BASE_CONDA_PREFIXES = frozenset({"anaconda3", "miniconda3", "miniforge3", "conda"})  # the installation itself


def active_environment(inv: Invocation, head_path: str | None = None) -> Placement | None:
    """Where pip installs: a venv or conda env (its placement), or None for the system/user Python."""
    for variable in ("VIRTUAL_ENV", "CONDA_PREFIX"):
        value = inv.ctx.getenv(variable)
        if value and not (variable == "CONDA_PREFIX" and posixpath.basename(value) in BASE_CONDA_PREFIXES):
            return inv.ctx.place_path(inv.ctx.resolve(value))
    if head_path:
        path = inv.ctx.resolve(head_path)
        if path and "/bin/" in path:
            return inv.ctx.place_path(path.rsplit("/bin/", 1)[0])
    return None


def removes_gate(call: Call, tool: str) -> list[Effect] | None:
    """`uv remove changegate`, `poetry remove changegate`: taking the gate out of the project whose virtual
    environment it may run from. The gate effect, or None for any other package."""
    if call.verb not in ("remove", "rm", "uninstall") or not any(
            gate_target(a) for a in call.args if not a.startswith("-")):
        return None
    return [gate_tampering(call.inv, "packages:changegate", f"{tool} {call.verb} changegate: it removes the gate "
                                                            "this agent works behind from the project")]
