"""npm, pnpm, yarn, bun and their runners npx, pnpx, bunx.

`npm run X` (and `yarn X`, `pnpm X`, `npm test`) runs a line of shell from package.json: it is looked up
and handed back to the walker. A plain install runs the project's own install scripts too.
"""

from __future__ import annotations

import json
import posixpath
from collections.abc import Sequence
from typing import ClassVar

from changegate.environments import LOCAL, Placement
from changegate.model import Effect
from changegate.understand.base import Context, Invocation, Word, lit, local_work
from changegate.understand.cli import Call, Options, VerbEntry
from changegate.understand.commands import family_for
from changegate.understand.commands.build.common import (
    BuildTool,
    cache_cleared,
    find_upwards,
    machine_wide,
    package_bin,
    publish,
    quoted,
    run_line,
    verb_not_known,
)
from changegate.understand.commands.interpreters.programs import absent, may_be_created
from changegate.understand.commands.shell.common import opaque

INSTALL_VERBS = ("install", "i", "in", "ins", "inst", "insta", "instal", "isnt", "isntall", "add", "ci",
                 "clean-install", "install-clean", "update", "up", "upgrade", "udpate", "dedupe", "ddp", "prune",
                 "rebuild", "rb", "link", "ln", "install-test", "it", "install-ci-test", "cit")
REMOVE_VERBS = ("uninstall", "remove", "rm", "r", "un", "unlink")
READ_VERBS = ("ls", "list", "la", "ll", "view", "v", "info", "show", "outdated", "audit", "why", "explain",
              "search", "s", "se", "find", "help", "version", "doctor", "whoami", "root", "bin", "prefix", "fund",
              "query", "pack", "config", "get", "completion", "ping", "licenses", "-v", "--version", "-h",
              "--help", "docs", "home", "bugs", "repo", "diff", "sbom", "store", "cache", "env", "workspaces",
              "dlx-info", "-V", "check", "lint", "tree")
PUBLISH_VERBS = ("publish", "unpublish", "deprecate", "dist-tag", "dist-tags", "owner", "access", "team",
                 "npm-publish", "undeprecate")
PROJECT_VERBS = ("init", "create", "pkg", "set-script", "patch", "patch-commit", "import")  # change its files
CREDENTIAL_VERBS = ("login", "adduser", "logout", "token")
REGISTRY_READS = frozenset({"ls", "list", "get"})  # `npm dist-tag ls`, `npm owner ls`
PUBLISH_WHAT = {"unpublish": "removes published versions from the registry",
                "deprecate": "marks published versions deprecated",
                "owner": "changes who can publish the package", "access": "changes who can see the package",
                "team": "changes registry teams"}
LIFECYCLE_SCRIPTS = {"start": "start", "stop": "stop", "restart": "restart", "test": "test", "t": "test",
                     "tst": "test"}
INSTALL_SCRIPTS = ("preinstall", "install", "postinstall", "prepare")
RUNNERS = frozenset({"npx", "pnpx", "bunx"})
SCRIPT_RUNNERS = frozenset({"yarn", "pnpm", "bun"})  # `yarn X`: script X, or else the binary X
JS_FILES = (".js", ".ts", ".mjs", ".cjs", ".tsx", ".jsx")
BUN_CODE_OPTIONS = frozenset({"-e", "--eval", "-p", "--print"})


class NodePackages(BuildTool):
    NAMES = ("bun", "npm", "pnpm", "yarn", "npx", "pnpx", "bunx")
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({
        "--prefix", "-C", "--dir", "--cwd", "-w", "--workspace", "--filter", "-F", "--registry", "--tag", "--otp",
        "--access", "-p", "--package", "--call", "-c", "--loglevel", "--scope", "--userconfig", "--cache",
        "--shell", "--script-shell"})
    ENV_VARIABLES = ("NPM_CONFIG_USERCONFIG", "NPM_CONFIG_GLOBALCONFIG", "NPM_CONFIG_PREFIX", "NPM_CONFIG_REGISTRY",
                     "npm_config_userconfig", "npm_config_globalconfig", "npm_config_prefix", "npm_config_registry",
                     "npm_config_script_shell", "YARN_RC_FILENAME", "NODE_OPTIONS")

    def analyze(self, inv: Invocation) -> list[Effect]:
        if inv.name in RUNNERS:
            return self.run_tool(inv, inv.words)
        if inv.name == "bun" and any(w.value in BUN_CODE_OPTIONS for w in inv.words):
            return self.interpreter(inv)  # bun is also a JavaScript runtime: inline code is read as code
        opts, verb, rest = self.split_verb(inv.words)
        if verb is None:
            if inv.name in SCRIPT_RUNNERS and not opts.has("-v", "--version", "-h", "--help"):
                return self.install_packages(inv, self.project(inv, opts), opts, [])  # bare `yarn` installs
            return [local_work(inv, f"{inv.name} (help or version)", "read")]
        return self.dispatch(Call(inv, opts, verb.value, [w.value for w in rest], rest))

    @staticmethod
    def project(inv: Invocation, opts: Options) -> Context:
        """Where it works: the cwd, or the directory `--prefix`, `-C`, `--dir` or `--cwd` names."""
        directory = opts.value("--prefix", "-C", "--dir", "--cwd")
        if not directory:
            return inv.ctx
        return inv.ctx.clone(cwd=inv.ctx.resolve(directory))

    def workdir(self, call: Call) -> Context:
        return self.project(call.inv, call.opts)

    @staticmethod
    def interpreter(inv: Invocation) -> list[Effect]:
        from changegate.understand.commands.interpreters.script import Bun

        return Bun().analyze(inv)

    # --- verbs ----------------------------------------------------------------------------------------------
    def run(self, call: Call) -> list[Effect]:
        return self.run_script(call.inv, self.workdir(call), call.arg_words)

    def lifecycle(self, call: Call) -> list[Effect]:
        return self.run_script(call.inv, self.workdir(call), [lit(LIFECYCLE_SCRIPTS[call.verb]), *call.arg_words])

    def exec_tool(self, call: Call) -> list[Effect]:
        return self.run_tool(call.inv, call.arg_words)

    def global_packages(self, call: Call) -> list[Effect]:
        """`yarn global add|remove PKG` (yarn 1); elsewhere `global` is no verb of theirs."""
        if call.name != "yarn" or not call.arg_words:
            return self.unknown_verb(call)
        sub, packages = call.args[0], [lit("-g"), *call.arg_words[1:]]
        if sub in REMOVE_VERBS:
            return self.remove_packages(call.inv, call.opts, packages)
        return self.install_packages(call.inv, self.workdir(call), call.opts, packages)

    def install(self, call: Call) -> list[Effect]:
        return self.install_packages(call.inv, self.workdir(call), call.opts, call.arg_words)

    def remove(self, call: Call) -> list[Effect]:
        return self.remove_packages(call.inv, call.opts, call.arg_words)

    def publish(self, call: Call) -> list[Effect]:
        inv, verb, rest = call.inv, call.verb, call.args
        if call.opts.has("--dry-run") or "--dry-run" in rest:
            return [local_work(inv, f"{inv.name} {verb} --dry-run: shows what would be published", "read")]
        if verb in ("dist-tag", "dist-tags", "owner", "access", "team") and rest[:1] and rest[0] in REGISTRY_READS:
            return [local_work(inv, f"{inv.name} {verb} {rest[0]}", "read")]
        what = PUBLISH_WHAT.get(verb, "publishes the package to the registry")
        return [publish(inv, "npm", f"{inv.name} {verb}: {what}", delete=verb == "unpublish")]

    def cache(self, call: Call) -> list[Effect]:
        if any(arg in ("clean", "clear", "rm", "verify") for arg in call.args):
            return [cache_cleared(call.inv, f"cache:{call.name}", "the package cache of the whole machine",
                                  f"clears {call.name}'s cache")]
        return self.read(call)

    def store(self, call: Call) -> list[Effect]:
        if "prune" in call.args:
            return [cache_cleared(call.inv, "cache:pnpm-store", "the shared pnpm store of the machine",
                                  "prunes the shared pnpm store")]
        return self.read(call)

    def config(self, call: Call) -> list[Effect]:
        if call.args[:1] and call.args[0] in ("set", "delete", "rm", "edit"):
            return self.configure(call)
        return self.read(call)

    def configure(self, call: Call) -> list[Effect]:
        target = "~/.npmrc" if not call.opts.has("--location") else "npmrc"
        return [call.inv.fs("modify", target, reversible="yes", summary=f"changes {call.name}'s configuration")]

    def credentials(self, call: Call) -> list[Effect]:
        return [call.inv.fs("modify", "~/.npmrc", reversible="yes", tags=("credential",),
                            summary=f"{call.name} {call.verb}: changes the registry credentials")]

    def read(self, call: Call) -> list[Effect]:
        return [local_work(call.inv, f"{call.name} {call.verb}", "read")]

    def change_project(self, call: Call) -> list[Effect]:
        return [local_work(call.inv, f"{call.name} {call.verb}: changes the project's files")]

    # later entries win: `cache`, `store` and `config` are reads unless what follows changes something
    VERBS: ClassVar[dict[str, VerbEntry]] = {
        **dict.fromkeys(PROJECT_VERBS, change_project),
        **dict.fromkeys(READ_VERBS, read),
        **dict.fromkeys(CREDENTIAL_VERBS, credentials),
        "set": configure,
        "config": config,
        "store": store,
        "cache": cache,
        **dict.fromkeys(PUBLISH_VERBS, publish),
        **dict.fromkeys(REMOVE_VERBS, remove),
        **dict.fromkeys(INSTALL_VERBS, install),
        "global": global_packages,
        **dict.fromkeys(("exec", "x", "dlx"), exec_tool),
        **dict.fromkeys(LIFECYCLE_SCRIPTS, lifecycle),
        **dict.fromkeys(("run", "run-script", "rum", "urn"), run),
    }

    def unknown_verb(self, call: Call) -> list[Effect]:
        inv, verb = call.inv, call.verb
        if inv.name == "bun" and (verb.endswith(JS_FILES) or "/" in verb):
            return self.interpreter(inv)
        if inv.name in SCRIPT_RUNNERS:
            project = self.workdir(call)
            if self.script_text(project, verb) is not None:
                return self.run_script(inv, project, [lit(verb), *call.arg_words])
            if family_for(verb).FAMILY != "unknown" or self.installed(inv, verb):
                inv.run_argv([lit(verb), *call.arg_words])  # `yarn tsc`: the project's binary, judged as itself
                return []
            if self.scripts(project)[0] is not None:
                why = f"{verb} is neither a script of the project nor one of its binaries"
                return [inv.effect("read", f"cmd:{inv.name} {verb}", Placement(LOCAL, why), reversible="yes",
                                   tags=("absent-program",), summary=f"{inv.name} {verb} runs nothing: {why}")]
            return [inv.unknown(f"{inv.name} {verb}, with no package.json to say what it is")]
        return verb_not_known(call)

    # --- installing -----------------------------------------------------------------------------------------
    def install_packages(self, inv: Invocation, project: Context, opts: Options, rest: list[Word]) -> list[Effect]:
        global_install = opts.has("-g", "--global", "--location") and (opts.value("--location") in (None, "global"))
        packages = [w.value for w in rest if not w.value.startswith("-")]
        if global_install or any(w.value in ("-g", "--global") for w in rest):
            return [machine_wide(inv, "modify", f"packages:{inv.name}-global",
                                 f"installs {' '.join(packages) or 'packages'} globally with {inv.name}",
                                 ("install it into the project (npm install --save-dev …) and run it with npx",))]
        effects = [local_work(inv, f"{inv.name} installs {' '.join(packages) or 'the dependencies'} into the "
                                   "project", "create")]
        ignore = opts.has("--ignore-scripts") or any(w.value == "--ignore-scripts" for w in rest) or \
            (inv.ctx.getenv("npm_config_ignore_scripts") or inv.ctx.getenv("NPM_CONFIG_IGNORE_SCRIPTS") or
             "").lower() in ("true", "1")
        if not packages and not ignore:
            # a plain install runs the project's own install scripts
            scripts, path = self.scripts(project)
            for hook in INSTALL_SCRIPTS:
                line = (scripts or {}).get(hook)
                if line:
                    run_line(inv, line, f"the {hook!r} script of {path}", project.clone(cwd=posixpath.dirname(path)))
        return effects

    @staticmethod
    def remove_packages(inv: Invocation, opts: Options, rest: list[Word]) -> list[Effect]:
        packages = [w.value for w in rest if not w.value.startswith("-")]
        if opts.has("-g", "--global") or any(w.value in ("-g", "--global") for w in rest):
            return [machine_wide(inv, "delete", f"packages:{inv.name}-global",
                                 f"removes {' '.join(packages) or 'packages'} installed globally")]
        return [local_work(inv, f"{inv.name} removes {' '.join(packages)} from the project")]

    # --- scripts --------------------------------------------------------------------------------------------
    @staticmethod
    def scripts(project: Context) -> tuple[dict[str, str] | None, str]:
        """package.json's scripts, and its path; None when there is none to read."""
        found = find_upwards(project, "package.json")
        if found is None:
            return None, ""
        path, text = found
        try:
            manifest = json.loads(text)
        except ValueError:
            return None, path
        scripts = manifest.get("scripts") if isinstance(manifest, dict) else None
        if not isinstance(scripts, dict):
            return {}, path
        project.consulted.setdefault(f"file:{path}", "scripts")
        return {k: v for k, v in scripts.items() if isinstance(k, str) and isinstance(v, str)}, path

    def script_text(self, project: Context, name: str) -> str | None:
        scripts, _ = self.scripts(project)
        return (scripts or {}).get(name)

    def run_script(self, inv: Invocation, project: Context, words: list[Word]) -> list[Effect]:
        if not words:
            return [local_work(inv, f"{inv.name} run (lists the scripts)", "read")]
        name = words[0].value
        if not words[0].known:
            return [inv.effect("unknown", f"script:{inv.name}", inv.arguments_placement(),
                               summary="runs a package script whose name is only known at run time")]
        scripts, path = self.scripts(project)
        if scripts is None:
            return [self.no_manifest(inv, project, path, name)]
        if name not in scripts:
            if name == "start" and inv.name == "npm":
                return self.default_start(inv, project, path)
            if name == "restart" and inv.name == "npm" and ("stop" in scripts or "start" in scripts):
                return [*self.run_script(inv, project, [lit("stop")]), *self.run_script(inv, project, [lit("start")])]
            why = f"there is no such script {name!r} in {path}"
            return [inv.effect("read", f"cmd:{inv.name} run {name}", Placement(LOCAL, why), reversible="yes",
                               tags=("absent-program",), summary=f"{inv.name} run {name} runs nothing: {why} "
                                                                 "(it fails)")]
        args = [w for w in words[1:] if w.value != "--"]
        script_ctx = project.clone(cwd=posixpath.dirname(path), env={**project.env, "npm_lifecycle_event": name})
        for hook in (f"pre{name}", name, f"post{name}"):
            line = scripts.get(hook)
            if line is None:
                continue
            if hook == name and args:
                line = f"{line} {quoted(args)}"
            run_line(inv, line, f"the {hook!r} script of {path}", script_ctx)
        return []

    @staticmethod
    def no_manifest(inv: Invocation, project: Context, path: str, name: str) -> Effect:
        """No package.json to read: the command fails and runs nothing — unless one may be written first or
        the one there cannot be read."""
        if path:
            return inv.unknown(f"runs the script {name!r} of {path}, which cannot be read as JSON")
        manifest = posixpath.join(project.cwd or "?", "package.json")
        if project.cwd is None or may_be_created(inv, manifest):
            return inv.unknown(f"runs the script {name!r} of a package.json only known at run time")
        return absent(inv, manifest, f"{inv.name} run {name}")

    def default_start(self, inv: Invocation, project: Context, path: str) -> list[Effect]:
        """`npm start` without a start script runs `node server.js` when there is one."""
        server = posixpath.join(posixpath.dirname(path), "server.js")
        if posixpath.isfile(server):
            run_line(inv, "node server.js", f"npm start (no start script in {path})",
                     project.clone(cwd=posixpath.dirname(path)))
            return []
        why = f"there is no start script in {path} and no server.js"
        return [inv.effect("read", f"cmd:{inv.name} start", Placement(LOCAL, why), reversible="yes",
                           tags=("absent-program",), summary=f"npm start runs nothing: {why} (it fails)")]

    # --- running tools --------------------------------------------------------------------------------------
    def run_tool(self, inv: Invocation, words: Sequence[Word]) -> list[Effect]:
        """npx [-y] [-p PKG] TOOL ARGS / npx -c 'CMD': TOOL is judged as itself."""
        opts = self.walk(words, stop_at_first_positional=True)
        code = opts.value("-c", "--call")
        if code:
            inv.run_script(code, origin=f"{inv.name} -c")
            return []
        if not opts.positional_words:
            return [local_work(inv, f"{inv.name} without a command (prints its usage)", "read")]
        tool, *rest = opts.positional_words
        package = opts.value("-p", "--package") or tool.value
        name = package_bin(tool.value)
        if family_for(name).FAMILY == "unknown" and not self.installed(inv, name):
            # a package nobody declared, fetched from the registry and run: code no one has read
            return [opaque(inv, f"the package {package}, downloaded from the registry and run by {inv.name}")]
        inv.run_argv([lit(name), *rest])
        return []

    @staticmethod
    def installed(inv: Invocation, name: str) -> bool:
        """A binary of the project's own dependencies (node_modules/.bin), which npx runs without a download."""
        directory = inv.ctx.cwd
        for _ in range(6):
            if not directory:
                return False
            if posixpath.exists(posixpath.join(directory, "node_modules", ".bin", name)):
                return True
            if directory in ("/", inv.ctx.home):
                return False
            directory = posixpath.dirname(directory)
        return False
