"""Build and test tools: ordinary local work, except publishing, installing onto the machine, and the
commands they run (`bundle exec`). Each tool's `ACTIONS` say which of its verbs do more than build."""

from __future__ import annotations

import posixpath
from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar

from changegate.environments import LOCAL
from changegate.model import Effect, Operation
from changegate.understand.base import Invocation, local_work, project_work
from changegate.understand.cli import Options
from changegate.understand.commands.build.common import BuildTool, machine_wide, publish
from changegate.understand.commands.shell.common import opaque

# Verbs that run the project's own code (which may connect to a database), not only build it: its tests,
# and its programs.
TEST_VERBS = frozenset({"test", "t", "bench", "integrationTest", "check", "verify", "nextest"})
CODE_RUNNING_VERBS = TEST_VERBS | frozenset({"run", "exec", "r", "bootRun", "serve", "start"})
# pytest plugins that come with common test setups (`-p xdist`); any other is code from somewhere else
KNOWN_PYTEST_PLUGINS = frozenset({"xdist", "pytest_cov", "cov", "anyio", "asyncio", "pytest_asyncio", "django",
                                  "pytest_django", "timeout", "randomly", "mock", "pytest_mock", "benchmark",
                                  "rerunfailures", "hypothesis", "pytester", "doctest", "cacheprovider", "warnings",
                                  "faulthandler", "pytest_timeout", "pytest_randomly", "subtests", "html"})
# options of linters, compilers and runners that load code or run commands from where they name
# (a JavaScript config file is code: eslint, prettier, jest, vitest and the bundlers run theirs)
CODE_LOADING_OPTIONS = {"eslint": ("--rulesdir", "--resolve-plugins-relative-to", "-c", "--config"),
                        "prettier": ("--plugin", "--config"),
                        "gcc": ("-wrapper", "-fplugin", "-B"), "cc": ("-wrapper", "-fplugin", "-B"),
                        "g++": ("-wrapper", "-fplugin", "-B"), "clang": ("-fplugin", "-B"),
                        "clang++": ("-fplugin", "-B"), "pytest": ("--rootdir", "--confcutdir"),
                        "jest": ("--rootDir", "--testRunner", "--runner", "-c", "--config"),
                        "vitest": ("--root", "-c", "--config"), "mocha": ("--require", "-r", "--config"),
                        "cmake": ("-P", "-C"), "vite": ("-c", "--config"), "webpack": ("-c", "--config"),
                        "rollup": ("-c", "--config", "-p", "--plugin"), "parcel": ("--config",),
                        "tsup": ("--config",)}
# options whose value runs code wherever it is (a wrapper command, a cmake script)
ALWAYS_FOREIGN = frozenset({"-wrapper", "-P", "-C"})
INSTALL_ELSEWHERE = ("install it into the project instead, or run it without installing",)


@dataclass(frozen=True, slots=True)
class Action:
    operation: Operation
    what: str
    registry: str = ""  # publish: where to


class Build(BuildTool):
    NAMES: ClassVar[tuple[str, ...]] = (
        "cmake", "ninja", "ant", "bazel", "buck", "xcodebuild", "meson", "gcc", "g++", "cc", "clang", "clang++",
        "rustc", "javac", "tsc", "eslint", "prettier", "black", "ruff", "mypy", "pyright", "flake8", "pylint",
        "isort", "rubocop", "golangci-lint", "gofmt", "rustfmt", "clippy-driver", "pre-commit",
        # formatters and preprocessors: they rewrite or print the files they are given
        "cpp", "astyle", "clang-format", "shfmt", "yapf", "autopep8", "goimports", "gofumpt", "biome",
        # bundlers: they build the project from its own sources and config
        "vite", "webpack", "rollup", "esbuild", "parcel", "tsup",
        # documentation and lock-file builders: they read the project and write in it
        "sphinx-build", "pip-compile",
        # graphviz: reads a graph, draws it to stdout or -o
        "dot", "neato", "circo", "fdp", "twopi",
    )
    FAMILY = "build"
    DRY_RUN_FLAGS: ClassVar[frozenset[str]] = frozenset({"--dry-run", "-n"})
    ACTIONS: ClassVar[Mapping[str, Action]] = {}  # verb -> what it does beyond building
    RUNS_CODE: ClassVar[bool] = False  # every run of it runs the project's code (a test runner)
    GOALS_ANYWHERE: ClassVar[bool] = False  # its verbs are goals in any order (`mvn clean deploy`)

    def analyze(self, inv: Invocation) -> list[Effect]:
        opts = self.walk(inv.words)
        first = opts.positionals[0] if opts.positionals else ""
        loading = self.loads_code(inv, opts)
        if loading is not None:
            return [loading]
        action = self.action(opts)
        if action is None:
            what = f"{inv.name} {first}".strip()
            if self.RUNS_CODE or first in TEST_VERBS:
                return [project_work(inv, f"{what}: runs the project's tests", "runs-project-tests")]
            if first in CODE_RUNNING_VERBS:
                return [project_work(inv, f"{what}: runs the project's own code", "runs-project-code")]
            return [local_work(inv, f"{what}: ordinary work in the project")]
        if action.registry:
            if opts.has(*self.DRY_RUN_FLAGS):
                return [local_work(inv, f"{inv.name} {first} --dry-run", "read")]
            return [publish(inv, action.registry, f"{inv.name} {first}: {action.what}")]
        return self.installs(inv, opts, first, action)

    def loads_code(self, inv: Invocation, opts: Options) -> Effect | None:
        """An option that makes the tool load code or run a command from outside the project (`eslint
        --rulesdir /tmp/x`, `gcc -wrapper sh,-c,…`, `pytest -p plugin`): not understood."""
        options = CODE_LOADING_OPTIONS.get(inv.name, ())
        if options:
            named = self.walk(inv.words, takes_value=frozenset(options))
            for option in options:
                for value in named.values(option):
                    if option in ALWAYS_FOREIGN or not self.inside_project(inv, value):
                        return inv.unknown(f"{inv.name} {option} {value}: loads code or runs a command from there")
        if inv.name in ("pytest", "py.test", "tox", "nox"):
            from changegate.understand.commands.interpreters.python import foreign_python_path

            foreign = foreign_python_path(inv)
            if foreign is not None:
                return foreign
            for plugin in opts.values("-p"):
                if plugin.startswith("no:") or plugin in KNOWN_PYTEST_PLUGINS or self.project_module(inv, plugin):
                    continue
                return inv.unknown(f"pytest -p {plugin}: loads a plugin that is not the project's")
        return None

    @staticmethod
    def inside_project(inv: Invocation, value: str) -> bool:
        path = inv.ctx.resolve(value.split(",", 1)[0])
        placement = inv.ctx.place_path(path)
        return placement.environment == LOCAL and not (path or "").startswith(("/tmp", "/var/tmp"))

    @staticmethod
    def project_module(inv: Invocation, module: str) -> bool:
        relative = module.replace(".", "/")
        return any(posixpath.exists(posixpath.join(inv.ctx.cwd or "", candidate))
                   for candidate in (f"{relative}.py", f"{relative}/__init__.py"))

    def action(self, opts: Options) -> Action | None:
        verbs = opts.positionals if self.GOALS_ANYWHERE else opts.positionals[:1]
        return next((self.ACTIONS[verb] for verb in verbs if verb in self.ACTIONS), None)

    def installs(self, inv: Invocation, opts: Options, verb: str, action: Action) -> list[Effect]:
        """An action that installs onto the machine (or removes from it)."""
        return [machine_wide(inv, action.operation, f"packages:{inv.name}", f"{inv.name} {verb}: {action.what}",
                             INSTALL_ELSEWHERE)]


class TestRunner(Build):
    """Test runners: the project's tests are the project's own code, ordinary work (tagged so)."""

    NAMES = ("pytest", "py.test", "tox", "nox", "jest", "vitest", "mocha", "rspec", "phpunit", "ava", "bats",
             "ctest")
    VALUE_OPTIONS = frozenset({"-p", "-k", "-m", "-c", "--rootdir", "--confcutdir", "-n", "--maxfail", "--tb",
                               "-o", "--override-ini", "--basetemp", "--cov", "--config", "-e", "-s", "--session",
                               "--rootDir", "--testRunner", "--runner", "--root", "--require", "-r", "-t",
                               "--testNamePattern", "--reporter"})
    RUNS_CODE = True


class Mkdocs(Build):
    NAMES = ("mkdocs",)
    ACTIONS = {"gh-deploy": Action("publish", "publishes the site to GitHub Pages", "github-pages")}


class Cargo(Build):
    NAMES = ("cargo",)
    ACTIONS = {
        "publish": Action("publish", "publishes the crate", "crates.io"),
        "yank": Action("publish", "yanks a published version", "crates.io"),
        "owner": Action("publish", "changes the crate's owners", "crates.io"),
        "install": Action("modify", "installs a binary into ~/.cargo/bin"),
        "uninstall": Action("delete", "removes a binary from ~/.cargo/bin"),
    }
    ENV_VARIABLES = ("CARGO_HOME", "CARGO_INSTALL_ROOT", "CARGO_REGISTRY_TOKEN", "RUSTFLAGS")

    def installs(self, inv: Invocation, opts: Options, verb: str, action: Action) -> list[Effect]:
        if verb == "install" and "--root" in inv.args:
            return [local_work(inv, f"cargo install --root: {action.what}")]
        return super().installs(inv, opts, verb, action)


class Go(Build):
    NAMES = ("go",)
    ACTIONS = {"install": Action("modify", "installs a binary into $GOBIN (~/go/bin)")}
    ENV_VARIABLES = ("GOBIN", "GOPATH", "GOFLAGS", "GOPROXY")
    VALUE_OPTIONS = frozenset({"-C", "-o", "-p", "-tags", "-ldflags", "-gcflags", "-mod", "-exec", "-toolexec",
                               "-run", "-bench", "-count", "-timeout", "-coverprofile", "-modfile", "-overlay"})

    def analyze(self, inv: Invocation) -> list[Effect]:
        opts = self.walk(inv.words)
        if opts.positionals[:1] == ["run"] and any("@" in p for p in opts.positionals[1:2]):
            # `go run example.com/tool@latest`: a module fetched from the network and run
            return [opaque(inv, f"the module {opts.positionals[1]}, downloaded and run by go run")]
        wrapper = opts.value("-exec", "-toolexec")
        if wrapper is not None:
            return [inv.unknown(f"go {' '.join(opts.positionals[:1])} -exec/-toolexec {wrapper}: runs through a "
                                "program of its own")]
        return super().analyze(inv)


class Gem(Build):
    NAMES = ("gem",)
    ACTIONS = {
        "push": Action("publish", "publishes the gem", "rubygems"),
        "yank": Action("publish", "yanks a published gem", "rubygems"),
        "owner": Action("publish", "changes the gem's owners", "rubygems"),
        "install": Action("modify", "installs gems for the user or the system"),
        "uninstall": Action("delete", "removes installed gems"),
        "update": Action("modify", "updates installed gems"),
    }
    ENV_VARIABLES = ("GEM_HOME", "GEM_PATH", "GEM_HOST_API_KEY")


class Bundle(Build):
    """bundle: `bundle exec CMD` runs CMD, which is judged as itself."""

    NAMES = ("bundle",)
    ENV_VARIABLES = ("BUNDLE_GEMFILE", "BUNDLE_PATH")

    def analyze(self, inv: Invocation) -> list[Effect]:
        positionals = [item for item in self.walk(inv.words).items if item.option is None]
        if len(positionals) > 1 and positionals[0].word.value == "exec":
            inv.run_argv(inv.words[positionals[1].index:])
            return []
        return super().analyze(inv)


class Maven(Build):
    NAMES = ("mvn", "mvnw")
    GOALS_ANYWHERE = True
    ACTIONS = {
        "deploy": Action("publish", "deploys artifacts to the remote repository", "maven"),
        "release:perform": Action("publish", "releases the project", "maven"),
    }
    ENV_VARIABLES = ("MAVEN_OPTS", "MAVEN_ARGS")


class Gradle(Build):
    NAMES = ("gradle", "gradlew")
    GOALS_ANYWHERE = True
    ACTIONS = {
        "publish": Action("publish", "publishes artifacts", "maven"),
        "publishPlugins": Action("publish", "publishes plugins", "gradle"),
    }
    ENV_VARIABLES = ("GRADLE_OPTS", "GRADLE_USER_HOME")


class Sbt(Build):
    NAMES = ("sbt",)
    GOALS_ANYWHERE = True
    ACTIONS = {
        "publish": Action("publish", "publishes artifacts", "maven"),
        "publishSigned": Action("publish", "publishes signed artifacts", "maven"),
    }


class Lein(Build):
    NAMES = ("lein",)
    ACTIONS = {"deploy": Action("publish", "deploys the jar", "clojars")}


class Mix(Build):
    NAMES = ("mix",)
    ACTIONS = {"hex.publish": Action("publish", "publishes the package", "hex")}


class Dotnet(Build):
    NAMES = ("dotnet",)
    ACTIONS = {
        "nuget": Action("publish", "pushes or deletes a NuGet package", "nuget"),
        "tool": Action("modify", "installs or removes a .NET tool"),
    }

    def installs(self, inv: Invocation, opts: Options, verb: str, action: Action) -> list[Effect]:
        if verb == "tool" and not any(arg in ("-g", "--global", "--tool-path") for arg in inv.args):
            return [local_work(inv, "dotnet tool: a tool local to the project")]
        return super().installs(inv, opts, verb, action)


class Composer(Build):
    NAMES = ("composer",)
    ACTIONS = {"global": Action("modify", "changes the user's global Composer packages")}
    ENV_VARIABLES = ("COMPOSER_HOME",)


class Swift(Build):
    NAMES = ("swift",)
    ACTIONS = {"package-registry": Action("publish", "publishes to a package registry", "swift")}

