"""Package managers and build tools: npm/pnpm/yarn/bun, pip/uv/poetry/pdm/conda, make, cargo, go, gradle, mvn, ….

What matters about them is rarely the tool itself:
- `npm run X` (and `yarn X`, `pnpm X`, `npm test`) runs a line of shell from package.json: it is looked up and
  handed back to the walker, so `npm run db:push` is judged as the `drizzle-kit push` it runs. `npx TOOL`,
  `pnpm exec`, `yarn dlx`, `uv run`, `poetry run`, `bundle exec` run TOOL, which is judged by name.
  `make TARGET` runs the target's recipe from the Makefile, read the same way.
- Installing into the workspace (node_modules, a venv under the project) is ordinary local work; installing
  into the machine (`npm -g`, `pip --user`, `--break-system-packages`, the system Python, `go install`,
  `cargo install`) changes what later commands run outside the task: placed `unknown`, so it asks.
- Publishing (`npm publish`, `cargo publish`, `gem push`, `mvn deploy`, …) is `publish`.
"""

from __future__ import annotations

import json
import posixpath
import re
import shlex
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import ClassVar

from changegate.environments import LOCAL, UNKNOWN, Placement
from changegate.model import Effect, Operation
from changegate.understand.base import Context, Invocation, Word, lit
from changegate.understand.cli import Cli, Options, parse_options

MAX_MANIFEST_BYTES = 512 * 1024
MAX_PARENT_DIRS = 6  # package.json and Makefile are looked up this far above the cwd
MAX_RECIPE_DEPTH = 6  # make prerequisites followed
MAX_RECIPE_LINES = 200


# --- shared ---------------------------------------------------------------------------------------------------

def read_project_file(inv: Invocation, path: str) -> str | None:
    stream = inv.walker.file_stream(path, inv.ctx)
    if stream.text is None or len(stream.text) > MAX_MANIFEST_BYTES:
        return None
    return stream.text


def find_upwards(inv: Invocation, name: str, start: str | None = None) -> str | None:
    """The nearest `name` at or above the directory (npm looks up the tree for package.json)."""
    directory = start or inv.ctx.cwd
    for _ in range(MAX_PARENT_DIRS):
        if not directory:
            return None
        candidate = posixpath.join(directory, name)
        if read_project_file(inv, candidate) is not None:
            return candidate
        if directory in ("/", inv.ctx.home):
            return None
        directory = posixpath.dirname(directory)
    return None


def local_work(inv: Invocation, what: str, operation: Operation = "modify", *, runs_code: bool = False) -> Effect:
    """Ordinary work on the project: local when the command stays in the workspace. Code that runs (tests,
    `cargo run`) may connect wherever the environment's connection variables point, so for it those count;
    building, linting and installing do not connect anywhere, so for them they do not."""
    placement = inv.arguments_placement()
    if not runs_code and inv.ctx.workspace and placement == inv.ctx.environment_from_variables():
        placement = Placement(LOCAL, f"it works on the project in {inv.ctx.workspace}")
    return inv.effect(operation, f"fs:{inv.ctx.cwd or '?'}", placement, reversible="unknown", kind="project",
                      summary=what)


def machine_wide(inv: Invocation, operation: Operation, resource: str, what: str,
                 suggestions: Sequence[str] = ()) -> Effect:
    """A change to the machine outside the workspace: tools on PATH, the system or user site-packages."""
    return inv.effect(operation, resource, Placement(UNKNOWN, "it changes the machine outside the workspace "
                                                              "(tools and libraries other commands will use)"),
                      reversible="unknown", kind="packages", tags=("machine",), summary=what,
                      suggestions=tuple(suggestions))


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


# --- node ---------------------------------------------------------------------------------------------------

NODE_INSTALL = frozenset({"install", "i", "in", "ins", "inst", "insta", "instal", "isnt", "isntall", "add", "ci",
                          "clean-install", "install-clean", "update", "up", "upgrade", "udpate", "dedupe", "ddp",
                          "prune", "rebuild", "rb", "link", "ln", "install-test", "it", "install-ci-test", "cit"})
NODE_REMOVE = frozenset({"uninstall", "remove", "rm", "r", "un", "unlink"})
NODE_READS = frozenset({"ls", "list", "la", "ll", "view", "v", "info", "show", "outdated", "audit", "why", "explain",
                        "search", "s", "se", "find", "help", "version", "doctor", "whoami", "root", "bin", "prefix",
                        "fund", "query", "pack", "config", "get", "completion", "ping", "licenses", "-v",
                        "--version", "-h", "--help", "docs", "home", "bugs", "repo", "diff", "sbom", "store",
                        "cache", "env", "workspaces", "dlx-info", "-V", "check", "lint", "tree"})
NODE_PUBLISH = frozenset({"publish", "unpublish", "deprecate", "dist-tag", "dist-tags", "owner", "access", "team",
                          "npm-publish", "undeprecate"})
NODE_EXEC = frozenset({"exec", "x", "dlx"})
NODE_LIFECYCLE = ("start", "stop", "restart", "test", "t", "tst")
INSTALL_SCRIPTS = ("preinstall", "install", "postinstall", "prepare")
NODE_TAKES_VALUE = frozenset({"--prefix", "-C", "--dir", "--cwd", "-w", "--workspace", "--filter", "-F",
                              "--registry", "--tag", "--otp", "--access", "-p", "--package", "--call", "-c",
                              "--loglevel", "--scope", "--userconfig", "--cache", "--shell", "--script-shell"})


class Node(Cli):
    """npm, pnpm, yarn, bun and their runners npx, pnpx, bunx."""
    NAMES = ("bun", "npm", "pnpm", "yarn", "npx", "pnpx", "bunx")

    FAMILY = "packages"
    VALUE_OPTIONS: ClassVar[frozenset[str]] = NODE_TAKES_VALUE

    def analyze(self, inv: Invocation) -> list[Effect]:
        if inv.name in ("npx", "pnpx", "bunx"):
            return self.run_tool(inv, inv.words)
        if inv.name == "bun" and any(w.value in ("-e", "--eval", "-p", "--print") for w in inv.words):
            return self.interpreter(inv)  # bun is also a JavaScript runtime: inline code is read as code
        opts = self.walk(inv.words, stop_at_first_positional=True)
        ctx = self.project_ctx(inv, opts)
        if not opts.positional_words:
            if inv.name in ("yarn", "pnpm", "bun") and not opts.has("-v", "--version", "-h", "--help"):
                return self.install(inv, ctx, opts, [])  # bare `yarn` installs
            return [local_work(inv, f"{inv.name} (help or version)", "read")]
        verb = opts.positional_words[0].value
        rest = opts.positional_words[1:]
        return self.verb(inv, ctx, opts, verb, rest)

    def verb(self, inv: Invocation, ctx: Context, opts: Options, verb: str, rest: list[Word]) -> list[Effect]:
        if verb in ("run", "run-script", "rum", "urn"):
            return self.run_script(inv, ctx, rest)
        if verb in NODE_LIFECYCLE:
            name = {"t": "test", "tst": "test"}.get(verb, verb)
            return self.run_script(inv, ctx, [lit(name), *rest])
        if verb in NODE_EXEC or (verb == "x" and inv.name == "bun"):
            return self.run_tool(inv, rest)
        if verb == "global" and inv.name == "yarn" and rest:  # yarn global add|remove PKG (yarn 1)
            sub, packages = rest[0].value, [lit("-g"), *rest[1:]]
            return self.remove(inv, ctx, opts, packages) if sub in NODE_REMOVE else \
                self.install(inv, ctx, opts, packages)
        if verb in NODE_INSTALL:
            return self.install(inv, ctx, opts, rest)
        if verb in NODE_REMOVE:
            return self.remove(inv, ctx, opts, rest)
        if verb in NODE_PUBLISH:
            return self.publish(inv, opts, verb, rest)
        if verb == "cache" and any(w.value in ("clean", "clear", "rm", "verify") for w in rest):
            return [inv.effect("delete", f"cache:{inv.name}", Placement(UNKNOWN, "the package cache of the whole "
                                                                                  "machine"), kind="cache",
                               reversible="yes", tags=("machine-wide",), summary=f"clears {inv.name}'s cache")]
        if verb in ("store",) and any(w.value == "prune" for w in rest):
            return [inv.effect("delete", "cache:pnpm-store", Placement(UNKNOWN, "the shared pnpm store of the "
                                                                                "machine"), kind="cache",
                               reversible="yes", tags=("machine-wide",), summary="prunes the shared pnpm store")]
        changes_config = verb == "config" and any(w.value in ("set", "delete", "rm", "edit") for w in rest[:1])
        if changes_config or verb == "set":
            target = "~/.npmrc" if not opts.has("--location") else "npmrc"
            return [inv.fs("modify", target, reversible="yes", summary=f"changes {inv.name}'s configuration")]
        if verb in ("login", "adduser", "logout", "token"):
            return [inv.fs("modify", "~/.npmrc", reversible="yes", tags=("credential",),
                           summary=f"{inv.name} {verb}: changes the registry credentials")]
        if verb in NODE_READS:
            return [local_work(inv, f"{inv.name} {verb}", "read")]
        if verb in ("init", "create", "version", "pkg", "set-script", "patch", "patch-commit", "import"):
            return [local_work(inv, f"{inv.name} {verb}: changes the project's files")]
        if inv.name == "bun" and (verb.endswith((".js", ".ts", ".mjs", ".cjs", ".tsx", ".jsx")) or "/" in verb):
            return self.interpreter(inv)
        if inv.name in ("yarn", "pnpm", "bun"):
            # `yarn X` and `pnpm X` run script X, or else a binary X from node_modules/.bin
            if self.script_text(inv, ctx, verb) is not None:
                return self.run_script(inv, ctx, [lit(verb), *rest])
            return self.run_tool(inv, [lit(verb), *rest])
        return [inv.unknown(f"{inv.name} {verb}")]

    @staticmethod
    def interpreter(inv: Invocation) -> list[Effect]:
        from changegate.understand.commands.interpreters import Script

        return Script().analyze(inv)

    @staticmethod
    def project_ctx(inv: Invocation, opts: Options) -> Context:
        """`--prefix DIR`, `-C DIR`, `--dir`, `--cwd` run in another directory."""
        directory = opts.value("--prefix", "-C", "--dir", "--cwd")
        if not directory:
            return inv.ctx
        return inv.ctx.clone(cwd=inv.ctx.resolve(directory))

    # --- scripts ------------------------------------------------------------------------------------------------
    def scripts(self, inv: Invocation, ctx: Context) -> tuple[dict[str, str] | None, str]:
        """package.json's scripts, and its path; None when there is none to read."""
        if ctx is not inv.ctx:
            inv = Invocation(name=inv.name, words=inv.words, ctx=ctx, walker=inv.walker, stdin=inv.stdin, text=inv.text)
        path = find_upwards(inv, "package.json")
        if path is None:
            return None, ""
        text = read_project_file(inv, path) or ""
        try:
            manifest = json.loads(text)
        except ValueError:
            return None, path
        scripts = manifest.get("scripts") if isinstance(manifest, dict) else None
        if not isinstance(scripts, dict):
            return {}, path
        inv.ctx.consulted.setdefault(f"file:{path}", "scripts")
        return {k: v for k, v in scripts.items() if isinstance(k, str) and isinstance(v, str)}, path

    def script_text(self, inv: Invocation, ctx: Context, name: str) -> str | None:
        scripts, _ = self.scripts(inv, ctx)
        return (scripts or {}).get(name)

    def run_script(self, inv: Invocation, ctx: Context, words: list[Word]) -> list[Effect]:
        if not words:
            return [local_work(inv, f"{inv.name} run (lists the scripts)", "read")]
        name = words[0].value
        if not words[0].known:
            return [inv.effect("unknown", f"script:{inv.name}", inv.arguments_placement(),
                               summary="runs a package script whose name is only known at run time")]
        scripts, path = self.scripts(inv, ctx)
        if scripts is None:
            return [inv.unknown(f"runs the script {name!r}, but no package.json can be read")]
        body = scripts.get(name)
        if body is None:
            if name in ("start", "stop", "restart"):
                return [inv.unknown(f"{name} without a script (npm runs the package's default)")]
            return [local_work(inv, f"{inv.name} run {name}: there is no such script in {path} (it fails)", "read")]
        args = [w for w in words[1:] if w.value != "--"]
        directory = posixpath.dirname(path)
        script_ctx = ctx.clone(cwd=directory, env={**ctx.env, "npm_lifecycle_event": name})
        for hook in (f"pre{name}", name, f"post{name}"):
            line = scripts.get(hook)
            if line is None:
                continue
            if hook == name and args:
                line = f"{line} {quoted(args)}"
            run_line(inv, line, f"the {hook!r} script of {path}", script_ctx)
        return []

    # --- running tools ------------------------------------------------------------------------------------------
    def run_tool(self, inv: Invocation, words: Sequence[Word]) -> list[Effect]:
        """npx [-y] [-p PKG] TOOL ARGS / npx -c 'CMD': TOOL is judged as itself."""
        i = 0
        package: str | None = None
        while i < len(words):
            value = words[i].value
            if value in ("-c", "--call") and i + 1 < len(words):
                inv.run_script(words[i + 1].value, origin=f"{inv.name} -c")
                return []
            if value in ("-p", "--package") and i + 1 < len(words):
                package = words[i + 1].value
                i += 2
                continue
            if value == "--":
                i += 1
                break
            if value.startswith("-"):
                i += 1
                continue
            break
        if i >= len(words):
            return [inv.unknown(f"{inv.name} without a command")]
        tool = package_bin(words[i].value) if package is None or words[i].value != package else package_bin(package)
        inv.run_argv([lit(tool), *words[i + 1:]])
        return []

    # --- installing -------------------------------------------------------------------------------------------
    def install(self, inv: Invocation, ctx: Context, opts: Options, rest: list[Word]) -> list[Effect]:
        global_install = opts.has("-g", "--global", "--location") and (opts.value("--location") in (None, "global"))
        packages = [w.value for w in rest if not w.value.startswith("-")]
        if global_install or any(w.value in ("-g", "--global") for w in rest):
            return [machine_wide(inv, "modify", f"packages:{inv.name}-global",
                                 f"installs {' '.join(packages) or 'packages'} globally with {inv.name}",
                                 ("install it into the project (npm install --save-dev …) and run it with npx",))]
        effects = [local_work(inv, f"{inv.name} installs {' '.join(packages) or 'the dependencies'} into the "
                                   "project", "create")]
        if not packages:
            # a plain install runs the project's own install scripts
            scripts, path = self.scripts(inv, ctx)
            for hook in INSTALL_SCRIPTS:
                line = (scripts or {}).get(hook)
                if line:
                    run_line(inv, line, f"the {hook!r} script of {path}", ctx.clone(cwd=posixpath.dirname(path)))
        return effects

    def remove(self, inv: Invocation, ctx: Context, opts: Options, rest: list[Word]) -> list[Effect]:
        packages = [w.value for w in rest if not w.value.startswith("-")]
        if opts.has("-g", "--global") or any(w.value in ("-g", "--global") for w in rest):
            return [machine_wide(inv, "delete", f"packages:{inv.name}-global",
                                 f"removes {' '.join(packages) or 'packages'} installed globally")]
        return [local_work(inv, f"{inv.name} removes {' '.join(packages)} from the project")]

    def publish(self, inv: Invocation, opts: Options, verb: str, rest: list[Word]) -> list[Effect]:
        if opts.has("--dry-run") or any(w.value == "--dry-run" for w in rest):
            return [local_work(inv, f"{inv.name} {verb} --dry-run: shows what would be published", "read")]
        if verb in ("dist-tag", "dist-tags", "owner", "access", "team") and rest[:1] and \
                rest[0].value in ("ls", "list", "get"):
            return [local_work(inv, f"{inv.name} {verb} {rest[0].value}", "read")]
        what = {"unpublish": "removes published versions from the registry",
                "deprecate": "marks published versions deprecated",
                "owner": "changes who can publish the package", "access": "changes who can see the package",
                "team": "changes registry teams"}.get(verb, "publishes the package to the registry")
        return [publish(inv, "npm", f"{inv.name} {verb}: {what}", delete=verb == "unpublish")]


# --- python -------------------------------------------------------------------------------------------------

PIP_TAKES_VALUE = frozenset({"-r", "--requirement", "-c", "--constraint", "-e", "--editable", "-t", "--target",
                             "--prefix", "--root", "-i", "--index-url", "--extra-index-url", "-f", "--find-links",
                             "--python", "--platform", "--python-version", "--implementation", "--abi", "-d",
                             "--dest", "--src", "--upgrade-strategy", "--progress-bar", "--log", "--cache-dir",
                             "--trusted-host", "--proxy", "--timeout", "--retries", "--exists-action", "--cert",
                             "--client-cert", "--report", "--config-settings", "-C", "--global-option",
                             "--no-binary", "--only-binary", "--python-platform", "-p", "--group"})


def active_environment(inv: Invocation, head_path: str | None = None) -> Placement | None:
    """Where pip installs: a venv or conda env (its placement), or None for the system/user Python."""
    for variable in ("VIRTUAL_ENV", "CONDA_PREFIX"):
        value = inv.ctx.getenv(variable)
        if value and not (variable == "CONDA_PREFIX" and posixpath.basename(value) in ("anaconda3", "miniconda3",
                                                                                         "miniforge3", "conda")):
            return inv.ctx.place_path(inv.ctx.resolve(value))
    if head_path:
        path = inv.ctx.resolve(head_path)
        if path and "/bin/" in path:
            return inv.ctx.place_path(path.rsplit("/bin/", 1)[0])
    return None


class Python(Cli):
    """pip, uv, poetry, pdm, pipx, conda/mamba."""
    NAMES = ("pip", "pip3", "pipx", "uv", "uvx", "poetry", "pdm", "conda", "mamba", "micromamba")

    FAMILY = "packages"
    VALUE_OPTIONS: ClassVar[frozenset[str]] = PIP_TAKES_VALUE

    def analyze(self, inv: Invocation) -> list[Effect]:
        handler = PYTHON_TOOLS.get(inv.name.removesuffix("3"), Python.pip if inv.name.startswith("pip") else None)
        if handler is None:
            return [inv.unknown(f"{inv.name}")]
        return handler(self, inv)

    @staticmethod
    def head_path(inv: Invocation) -> str | None:
        """The program as written (`.venv/bin/pip`), when the command line shows it."""
        first = inv.text.split(None, 1)[0] if inv.text.strip() else ""
        return first if "/" in first and first.rsplit("/", 1)[-1].startswith(inv.name) else None

    def pip(self, inv: Invocation) -> list[Effect]:
        opts = self.walk(inv.words)
        verb = opts.positionals[0] if opts.positionals else ""
        packages = " ".join(opts.positionals[1:]) or " ".join(opts.values("-r", "--requirement")) or "packages"
        if verb in ("install", "uninstall"):
            operation: Operation = "create" if verb == "install" else "delete"
            if opts.has("--dry-run") or (verb == "install" and opts.has("--report") and opts.has("--dry-run")):
                return [local_work(inv, f"pip {verb} --dry-run", "read")]
            target = opts.value("-t", "--target", "--prefix", "--root")
            if target:
                return [inv.fs(operation, target, recursive=True, reversible="yes",
                               summary=f"pip {verb}s {packages} into {target}")]
            if opts.has("--user", "--break-system-packages") or inv.ctx.elevated:
                why = "--user" if opts.has("--user") else "--break-system-packages" if opts.has(
                    "--break-system-packages") else "sudo"
                return [machine_wide(inv, operation, "packages:python-user" if why == "--user" else
                                     "packages:python-system", f"pip {verb}s {packages} into the "
                                     f"{'user' if why == '--user' else 'system'} Python ({why})",
                                     ("create a virtual environment in the project (python -m venv .venv) and "
                                      "install there",))]
            placement = active_environment(inv, self.head_path(inv))
            if placement is None:
                return [machine_wide(inv, operation, "packages:python", f"pip {verb}s {packages} into whichever "
                                     "Python is first on PATH (no virtual environment is active)",
                                     ("activate the project's virtual environment first, or use .venv/bin/pip",))]
            return [inv.effect(operation, "packages:venv", placement, reversible="yes", kind="packages",
                               summary=f"pip {verb}s {packages} into the virtual environment")]
        if verb == "download" or verb == "wheel":
            return [local_work(inv, f"pip {verb} {packages}: files in the project", "create")]
        if verb == "cache" and opts.positionals[1:2] in (["purge"], ["remove"]):
            return [inv.effect("delete", "cache:pip", Placement(UNKNOWN, "pip's cache for the whole user"),
                               kind="cache", reversible="yes", tags=("machine-wide",), summary="clears pip's cache")]
        if verb == "config" and opts.positionals[1:2] in (["set"], ["unset"], ["edit"]):
            return [machine_wide(inv, "modify", "config:pip", "changes pip's configuration")]
        return [local_work(inv, f"pip {verb or '(help)'}", "read")]

    def uv(self, inv: Invocation) -> list[Effect]:
        words = inv.words
        verb = words[0].value if words else ""
        rest = words[1:]
        if inv.name == "uvx" or (verb == "tool" and rest[:1] and rest[0].value == "run"):
            return self.run_after_options(inv, rest[1:] if verb == "tool" else words)
        if verb == "run":
            return self.run_after_options(inv, rest)
        if verb == "pip":
            sub = Invocation(name="pip", words=list(rest), ctx=inv.ctx, walker=inv.walker, stdin=inv.stdin,
                             text=inv.text)
            opts = self.walk(sub.words)
            if opts.has("--system", "--break-system-packages"):
                return [machine_wide(inv, "modify", "packages:python-system",
                                     f"uv pip {' '.join(opts.positionals[:1])} into the system Python")]
            return [inv.effect("create" if opts.positionals[:1] != ["uninstall"] else "delete", "packages:venv",
                               active_environment(inv) or inv.arguments_placement(), reversible="yes",
                               kind="packages", summary=f"uv pip {' '.join(opts.positionals[:2])} (into the "
                                                        "project's virtual environment; uv refuses the system one)")]
        if verb == "tool" and rest[:1] and rest[0].value in ("install", "uninstall", "upgrade"):
            return [machine_wide(inv, "modify", "packages:uv-tools", f"uv tool {rest[0].value}s a command-line tool "
                                                                     "for the user (~/.local/bin)")]
        if verb == "python" and rest[:1] and rest[0].value in ("install", "uninstall"):
            return [machine_wide(inv, "modify", "packages:uv-python", f"uv python {rest[0].value}s an interpreter "
                                                                      "for the user")]
        if verb == "publish":
            return [publish(inv, "pypi", "uv publish: publishes the package to PyPI")]
        if verb == "cache" and rest[:1] and rest[0].value in ("clean", "prune"):
            return [inv.effect("delete", "cache:uv", Placement(UNKNOWN, "uv's cache for the whole user"),
                               kind="cache", reversible="yes", tags=("machine-wide",), summary="clears uv's cache")]
        if verb == "self":
            return [machine_wide(inv, "modify", "packages:uv", "updates uv itself")]
        return [local_work(inv, f"uv {verb or '(help)'}: the project and its .venv")]

    def run_after_options(self, inv: Invocation, words: Sequence[Word]) -> list[Effect]:
        """`uv run [--with X] CMD`, `uvx TOOL`, `poetry run CMD`, `pipx run TOOL`: CMD is judged as itself."""
        takes = {"--with", "--from", "--python", "-p", "--project", "--directory", "--env-file", "--group",
                 "--extra", "--index", "--spec", "--package", "--with-requirements", "--script"}
        i = 0
        while i < len(words) and words[i].value.startswith("-"):
            i += 2 if words[i].value in takes else 1
        if i >= len(words):
            return [local_work(inv, f"{inv.name} run without a command", "read")]
        tool = words[i].value
        name = package_bin(tool.split("==", 1)[0]) if inv.name in ("uvx", "pipx") else tool
        inv.run_argv([lit(name), *words[i + 1:]])
        return []

    def poetry(self, inv: Invocation) -> list[Effect]:
        words = inv.words
        verb = words[0].value if words else ""
        rest = words[1:]
        if verb == "run":
            return self.run_after_options(inv, rest)
        if verb == "publish":
            if any(w.value == "--dry-run" for w in rest):
                return [local_work(inv, "poetry publish --dry-run", "read")]
            return [publish(inv, "pypi", "poetry publish: publishes the package")]
        if verb == "self":
            return [machine_wide(inv, "modify", "packages:poetry", "changes poetry's own installation")]
        if verb == "config" and not any(w.value in ("--list", "--local") for w in rest):
            return [machine_wide(inv, "modify", "config:poetry", "changes poetry's user configuration")]
        return [local_work(inv, f"poetry {verb or '(help)'}: the project and its virtual environment")]

    def pdm(self, inv: Invocation) -> list[Effect]:
        words = inv.words
        verb = words[0].value if words else ""
        if verb == "run" and len(words) > 1:
            script = self.pdm_script(inv, words[1].value)
            if script is not None:
                run_line(inv, script + (" " + quoted(words[2:]) if words[2:] else ""), "a pdm script")
                return []
            return self.run_after_options(inv, words[1:])
        if verb == "publish":
            return [publish(inv, "pypi", "pdm publish: publishes the package")]
        if verb == "self":
            return [machine_wide(inv, "modify", "packages:pdm", "changes pdm's own installation")]
        return [local_work(inv, f"pdm {verb or '(help)'}: the project and its virtual environment")]

    @staticmethod
    def pdm_script(inv: Invocation, name: str) -> str | None:
        import tomllib

        text = read_project_file(inv, "pyproject.toml")
        if text is None:
            return None
        try:
            scripts = tomllib.loads(text).get("tool", {}).get("pdm", {}).get("scripts", {})
        except tomllib.TOMLDecodeError:
            return None
        entry = scripts.get(name) if isinstance(scripts, dict) else None
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

    def pipx(self, inv: Invocation) -> list[Effect]:
        words = inv.words
        verb = words[0].value if words else ""
        if verb == "run":
            return self.run_after_options(inv, words[1:])
        if verb in ("list", "environment", "--version", "--help", ""):
            return [local_work(inv, f"pipx {verb}", "read")]
        return [machine_wide(inv, "modify", "packages:pipx", f"pipx {verb}: changes the user's command-line tools")]

    def conda(self, inv: Invocation) -> list[Effect]:
        opts = parse_options(inv.words, frozenset({"-n", "--name", "-p", "--prefix", "-c", "--channel", "--file",
                                                   "-f"}))
        verb = opts.positionals[0] if opts.positionals else ""
        if verb == "run":
            i = next((n for n, w in enumerate(inv.words) if w.value == "run"), 0) + 1
            words = inv.words[i:]
            while words and words[0].value.startswith("-"):
                words = words[2:] if words[0].value in ("-n", "--name", "-p", "--prefix") else words[1:]
            if words:
                inv.run_argv(words)
                return []
        if verb == "clean":
            return [inv.effect("delete", f"cache:{inv.name}", Placement(UNKNOWN, "conda's package cache"),
                               kind="cache", reversible="yes", tags=("machine-wide",), summary="cleans conda's cache")]
        if verb in ("install", "remove", "uninstall", "update", "upgrade", "create", "env"):
            prefix = opts.value("-p", "--prefix")
            if prefix:
                return [inv.fs("create" if verb != "remove" else "delete", prefix, recursive=True,
                               reversible="yes", summary=f"{inv.name} {verb} in the environment {prefix}")]
            name = opts.value("-n", "--name") or posixpath.basename(inv.ctx.env.get("CONDA_PREFIX", "") or "base")
            operation: Operation = "delete" if verb in ("remove", "uninstall") or "remove" in opts.positionals \
                else "modify"
            return [machine_wide(inv, operation, f"packages:conda/{name}",
                                 f"{inv.name} {' '.join(opts.positionals[:2])} in the environment {name}")]
        return [local_work(inv, f"{inv.name} {verb or '(help)'}", "read")]


PYTHON_TOOLS: dict[str, Callable[[Python, Invocation], list[Effect]]] = {
    "pip": Python.pip, "uv": Python.uv, "uvx": Python.uv, "poetry": Python.poetry, "pdm": Python.pdm,
    "pipx": Python.pipx, "conda": Python.conda, "mamba": Python.conda, "micromamba": Python.conda,
}


# --- build tools ---------------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class BuildVerb:
    operation: Operation
    what: str
    registry: str = ""  # publish: where to
    machine: bool = False  # installs onto the machine


# (tool, first positional) -> what it does; a tool's other verbs are ordinary local work.
BUILD_VERBS: dict[tuple[str, str], BuildVerb] = {
    ("cargo", "publish"): BuildVerb("publish", "publishes the crate", "crates.io"),
    ("cargo", "yank"): BuildVerb("publish", "yanks a published version", "crates.io"),
    ("cargo", "owner"): BuildVerb("publish", "changes the crate's owners", "crates.io"),
    ("cargo", "install"): BuildVerb("modify", "installs a binary into ~/.cargo/bin", machine=True),
    ("cargo", "uninstall"): BuildVerb("delete", "removes a binary from ~/.cargo/bin", machine=True),
    ("go", "install"): BuildVerb("modify", "installs a binary into $GOBIN (~/go/bin)", machine=True),
    ("gem", "push"): BuildVerb("publish", "publishes the gem", "rubygems"),
    ("gem", "yank"): BuildVerb("publish", "yanks a published gem", "rubygems"),
    ("gem", "owner"): BuildVerb("publish", "changes the gem's owners", "rubygems"),
    ("gem", "install"): BuildVerb("modify", "installs gems for the user or the system", machine=True),
    ("gem", "uninstall"): BuildVerb("delete", "removes installed gems", machine=True),
    ("gem", "update"): BuildVerb("modify", "updates installed gems", machine=True),
    ("mvn", "deploy"): BuildVerb("publish", "deploys artifacts to the remote repository", "maven"),
    ("mvnw", "deploy"): BuildVerb("publish", "deploys artifacts to the remote repository", "maven"),
    ("mvn", "release:perform"): BuildVerb("publish", "releases the project", "maven"),
    ("mvnw", "release:perform"): BuildVerb("publish", "releases the project", "maven"),
    ("gradle", "publish"): BuildVerb("publish", "publishes artifacts", "maven"),
    ("gradlew", "publish"): BuildVerb("publish", "publishes artifacts", "maven"),
    ("gradle", "publishPlugins"): BuildVerb("publish", "publishes plugins", "gradle"),
    ("gradlew", "publishPlugins"): BuildVerb("publish", "publishes plugins", "gradle"),
    ("sbt", "publish"): BuildVerb("publish", "publishes artifacts", "maven"),
    ("sbt", "publishSigned"): BuildVerb("publish", "publishes signed artifacts", "maven"),
    ("lein", "deploy"): BuildVerb("publish", "deploys the jar", "clojars"),
    ("mix", "hex.publish"): BuildVerb("publish", "publishes the package", "hex"),
    ("dotnet", "nuget"): BuildVerb("publish", "pushes or deletes a NuGet package", "nuget"),
    ("composer", "global"): BuildVerb("modify", "changes the user's global Composer packages", machine=True),
    ("dotnet", "tool"): BuildVerb("modify", "installs or removes a .NET tool", machine=True),
    ("swift", "package-registry"): BuildVerb("publish", "publishes to a package registry", "swift"),
}
# Tools and verbs that run the project's own code (which may connect to a database), not only build it.
TEST_RUNNERS = frozenset({"pytest", "tox", "nox", "jest", "vitest", "mocha", "just", "task"})
CODE_RUNNING_VERBS = frozenset({"run", "test", "t", "bench", "exec", "r", "integrationTest", "check", "verify",
                                "bootRun", "serve", "start"})


class Build(Cli):
    """Build and test tools: ordinary local work, except publishing, installing onto the machine, and the
    commands they run (make recipes, bundle exec)."""
    NAMES = (
        "cargo", "go", "make", "gmake", "cmake", "ninja", "gradle", "gradlew", "mvn", "mvnw", "ant", "bazel",
        "buck", "dotnet", "mix", "gem", "bundle", "composer", "sbt", "lein", "swift", "xcodebuild", "meson",
        "gcc", "g++", "cc", "clang", "clang++", "rustc", "javac", "tsc", "pytest", "tox", "nox", "jest",
        "vitest", "mocha", "eslint", "prettier", "black", "ruff", "mypy", "pyright", "flake8", "pylint",
        "isort", "rubocop", "golangci-lint", "gofmt", "rustfmt", "clippy-driver", "pre-commit", "just",
        "task",
    )

    FAMILY = "build"

    def analyze(self, inv: Invocation) -> list[Effect]:
        if inv.name in ("make", "gmake"):
            return Make().analyze(inv)
        positionals = [w for w in inv.words if not w.value.startswith("-")]
        first = positionals[0].value if positionals else ""
        if (inv.name, first) == ("bundle", "exec") and len(positionals) > 1:
            index = inv.words.index(positionals[1])
            inv.run_argv(inv.words[index:])
            return []
        verb = BUILD_VERBS.get((inv.name, first))
        if inv.name in ("mvn", "mvnw", "gradle", "gradlew", "sbt") and verb is None:
            verb = next((BUILD_VERBS[(inv.name, p.value)] for p in positionals if (inv.name, p.value) in BUILD_VERBS),
                        None)  # goals come in any order: mvn clean deploy
        if verb is None:
            runs_code = inv.name in TEST_RUNNERS or first in CODE_RUNNING_VERBS
            return [local_work(inv, f"{inv.name} {first}".strip() + ": ordinary work in the project",
                               runs_code=runs_code)]
        if any(w.value in ("--dry-run", "-n") for w in inv.words) and verb.operation == "publish":
            return [local_work(inv, f"{inv.name} {first} --dry-run", "read")]
        if verb.registry:
            return [publish(inv, verb.registry, f"{inv.name} {first}: {verb.what}")]
        if (inv.name, first) == ("cargo", "install") and any(w.value == "--root" for w in inv.words):
            return [local_work(inv, f"cargo install --root: {verb.what}")]
        if (inv.name, first) == ("dotnet", "tool") and not any(w.value in ("-g", "--global", "--tool-path")
                                                                for w in inv.words):
            return [local_work(inv, "dotnet tool: a tool local to the project")]
        return [machine_wide(inv, verb.operation, f"packages:{inv.name}", f"{inv.name} {first}: {verb.what}",
                             ("install it into the project instead, or run it without installing",))]


# --- make --------------------------------------------------------------------------------------------------------

RULE = re.compile(r"^([^\s:=#][^:=#]*?)\s*::?(?!=)\s*(.*)$")
ASSIGNMENT = re.compile(r"^(?:export\s+|override\s+)?([A-Za-z_][A-Za-z0-9_.]*)\s*(\?=|:=|::=|\+=|=|!=)\s*(.*)$")
REFERENCE = re.compile(r"\$\(([^()]*)\)|\$\{([^{}]*)\}|\$([A-Za-z@<^*?%])")
MAKE_TAKES_VALUE = frozenset({"-C", "--directory", "-f", "--file", "--makefile", "-j", "--jobs", "-l", "-o",
                              "-W", "-I", "--include-dir", "--eval", "-O", "--output-sync"})


@dataclass
class Makefile:
    variables: dict[str, str]
    rules: dict[str, tuple[list[str], list[str]]]  # target -> (prerequisites, recipe lines)
    first: str | None


def parse_makefile(text: str) -> Makefile:
    """Explicit rules, their recipes and simple variables. Pattern rules, conditionals and includes are left
    out: a target that only they define is "not found" and stays unknown."""
    variables: dict[str, str] = {"MAKE": "make", "SHELL": "/bin/sh", "CURDIR": "."}
    rules: dict[str, tuple[list[str], list[str]]] = {}
    first: str | None = None
    current: list[str] = []
    lines = text.replace("\\\n", " ").splitlines()
    for line in lines[:20_000]:
        if line.startswith("\t"):
            for target in current:
                rules[target][1].append(line[1:])
            continue
        stripped = line.split("#", 1)[0].rstrip()
        if not stripped:
            continue
        assignment = ASSIGNMENT.match(stripped)
        if assignment:  # NAME = value (a rule's `target: NAME=value` does not match: ": " is no operator)
            name, op, value = assignment.groups()
            if op == "?=" and name in variables:
                continue
            variables[name] = (variables.get(name, "") + " " + value).strip() if op == "+=" else value
            current = []
            continue
        rule = RULE.match(stripped)
        if rule:
            targets = rule.group(1).split()
            prerequisites_text, _, inline = rule.group(2).partition(";")
            current = [t for t in targets if "%" not in t]
            for target in current:
                previous = rules.get(target, ([], []))
                rules[target] = (previous[0] + prerequisites_text.split(), previous[1] + ([inline] if inline else []))
                if first is None and not target.startswith("."):
                    first = target
            continue
        current = []
    return Makefile(variables, rules, first)


def expand(text: str, variables: dict[str, str], target: str, depth: int = 0) -> str:
    """$(VAR), ${VAR}, $@ filled in; anything computed ($(shell …), functions) becomes a run-time part."""
    from changegate.understand.base import UNKNOWN_PART

    def one(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(2) or match.group(3) or ""
        if name == "@":
            return target
        if name in variables and depth < 8:
            return expand(variables[name], variables, target, depth + 1)
        if " " in name or "," in name or name in ("<", "^", "*", "?", "%"):
            return UNKNOWN_PART
        return ""

    return REFERENCE.sub(one, text.replace("$$", "\x01")).replace("\x01", "$")


class Make(Cli):
    FAMILY = "build"
    VALUE_OPTIONS: ClassVar[frozenset[str]] = MAKE_TAKES_VALUE

    def analyze(self, inv: Invocation) -> list[Effect]:
        opts = self.walk(inv.words)
        if opts.has("-n", "--dry-run", "--just-print", "--recon", "-q", "--question", "-p", "--print-data-base"):
            return [local_work(inv, "make prints what it would run", "read")]
        directory = opts.value("-C", "--directory")
        ctx = inv.ctx.clone(cwd=inv.ctx.resolve(directory)) if directory else inv.ctx
        name = opts.value("-f", "--file", "--makefile")
        candidates = [name] if name else ["GNUmakefile", "makefile", "Makefile"]
        text = None
        path = ""
        for candidate in candidates:
            path = ctx.resolve(candidate) or candidate
            stream = inv.walker.file_stream(path, ctx)
            if stream.text is not None:
                text = stream.text
                break
        if text is None or len(text) > MAX_MANIFEST_BYTES:
            return [local_work(inv, f"make {' '.join(opts.positionals)}: the Makefile could not be read")]
        makefile = parse_makefile(text)
        for assignment in [p for p in opts.positionals if "=" in p]:
            key, _, value = assignment.partition("=")
            makefile.variables[key] = value
        goals = [p for p in opts.positionals if "=" not in p] or ([makefile.first] if makefile.first else [])
        inv.ctx.consulted.setdefault(f"file:{path}", "recipes")
        effects: list[Effect] = []
        lines = 0
        seen: set[str] = set()
        for goal in goals:
            lines = self.run_target(inv, ctx.clone(), makefile, goal, seen, 0, lines, effects, path)
        return effects

    def run_target(self, inv: Invocation, ctx: Context, makefile: Makefile, target: str, seen: set[str], depth: int,
                   lines: int, effects: list[Effect], path: str) -> int:
        if target in seen or depth > MAX_RECIPE_DEPTH:
            return lines
        seen.add(target)
        rule = makefile.rules.get(target)
        if rule is None:
            if depth == 0:
                effects.append(local_work(inv, f"make {target}: no explicit rule in {path} (a pattern or built-in "
                                               "rule builds it)"))
            return lines
        prerequisites, recipe = rule
        for prerequisite in prerequisites:
            lines = self.run_target(inv, ctx, makefile, expand(prerequisite, makefile.variables, target), seen,
                                    depth + 1, lines, effects, path)
        for raw in recipe:
            lines += 1
            if lines > MAX_RECIPE_LINES:
                effects.append(local_work(inv, f"make: more than {MAX_RECIPE_LINES} recipe lines; the rest are not "
                                               "read"))
                return lines
            command = expand(raw.strip().lstrip("@-+").strip(), makefile.variables, target)
            if command:
                inv.run_script(command, ctx=ctx.clone(), origin=f"the recipe of {target} in {path}")
        return lines
