"""Publishing tools: twine, flit, hatch, vsce, ovsx, goreleaser, snapcraft.

Publishing puts something in front of other people and cannot be taken back quietly, so `upload`,
`publish`, `release` are `publish` effects (the default policy asks), placed by the registry they go to; a
registry on this machine (a local devpi, verdaccio) is only a local change. Building, checking and
packaging stay in the workspace. (`npm publish`, `cargo publish`, `gem push` and `docker push` live with
their own tools.)
"""

from __future__ import annotations

import posixpath
import tomllib

from changegate.environments import LOCAL, PROD, UNKNOWN, Placement
from changegate.model import Effect
from changegate.understand.base import Invocation
from changegate.understand.cli import Cli, Options, parse_options
from changegate.understand.commands.net import parse_target, place_host

MAX_PYPROJECT = 256 * 1024
MAX_SCRIPT_COMMANDS = 16

# per tool: verb -> "publish", "unpublish", "read", "local" (builds in the workspace), "login", "run"
VERBS: dict[str, dict[str, str]] = {
    "twine": {"upload": "publish", "register": "publish", "check": "read"},
    "flit": {"publish": "publish", "build": "local", "install": "local", "init": "local"},
    "hatch": {"publish": "publish", "build": "local", "version": "local", "clean": "local", "new": "local",
              "env": "local", "shell": "local", "fmt": "local", "test": "local", "run": "run", "status": "read",
              "config": "read", "project": "read", "dep": "read", "python": "local"},
    "vsce": {"publish": "publish", "unpublish": "unpublish", "package": "local", "login": "login",
             "logout": "local", "ls": "read", "show": "read", "search": "read", "ls-publishers": "read",
             "verify-pat": "read", "delete-publisher": "unpublish", "create-publisher": "login"},
    "ovsx": {"publish": "publish", "create-namespace": "publish", "verify-pat": "read", "get": "read",
             "login": "login", "logout": "local"},
    "goreleaser": {"release": "publish", "build": "local", "check": "read", "healthcheck": "read", "init": "local",
                   "changelog": "read", "completion": "read", "man": "read", "jsonschema": "read",
                   "announce": "publish", "publish": "publish", "continue": "publish"},
    "snapcraft": {"upload": "publish", "push": "publish", "release": "publish", "promote": "publish",
                  "close": "publish", "unregister": "unpublish", "pack": "local", "build": "local",
                  "clean": "local", "try": "local", "prime": "local", "stage": "local", "pull": "local",
                  "login": "login", "logout": "local", "whoami": "read", "list": "read", "status": "read",
                  "revisions": "read", "metrics": "read", "validate": "read", "names": "read"},
}
VALUES = frozenset({"-r", "--repository", "--repository-url", "-u", "--username", "-p", "--password", "-a",
                    "--auth", "--ca-cert", "--client-cert", "-c", "--comment", "-i", "--identity", "--sign-with",
                    "--config", "-f", "--file", "--pat", "--packagePath", "--target", "--baseContentUrl",
                    "--baseImagesUrl", "--registry", "--release-notes", "--parallelism", "--timeout",
                    "--skip", "--id", "--ini", "-o", "--out", "--pypirc", "-e", "--env", "--channel",
                    "--release"})
SUGGESTIONS = {
    "twine": "upload to the test index first: twine upload --repository testpypi dist/*",
    "flit": "publish to the test index first: flit publish --repository testpypi",
    "hatch": "build and check first: hatch build && twine check dist/*",
    "vsce": "vsce package builds the .vsix without publishing it",
    "ovsx": "vsce package builds the .vsix without publishing it",
    "goreleaser": "goreleaser release --snapshot --clean builds everything without publishing",
    "snapcraft": "snapcraft pack builds the snap without uploading it",
}
DEFAULT_REGISTRY = {"twine": "upload.pypi.org", "flit": "upload.pypi.org", "hatch": "upload.pypi.org",
                    "hatch-publish": "upload.pypi.org", "vsce": "marketplace.visualstudio.com",
                    "ovsx": "open-vsx.org", "goreleaser": "the release targets in .goreleaser.yaml",
                    "snapcraft": "snapcraft.io"}


class Publish(Cli):
    NAMES = ("twine", "flit", "hatch", "hatch-publish", "vsce", "ovsx", "goreleaser", "snapcraft")
    FAMILY = "publish"
    def analyze(self, inv: Invocation) -> list[Effect]:
        tool = "hatch" if inv.name == "hatch-publish" else inv.name
        words = list(inv.words)
        if inv.name == "hatch-publish":
            verb, rest = "publish", words
        else:
            opts = parse_options(words, VALUES, stop_at_first_positional=True)
            if not opts.positionals:
                return [self.default(inv, tool, opts)]
            verb = opts.positionals[0]
            rest = opts.positional_words[1:]
        opts = parse_options(rest, VALUES)
        kind = VERBS.get(tool, {}).get(verb, "")
        if kind == "read":
            return [self.local(inv, f"{verb} (checks or shows)", "read")]
        if kind == "local":
            return [self.local(inv, f"{verb} (works in the workspace)", "modify")]
        if kind == "run":
            return self.run(inv)
        if kind == "login":
            return [inv.effect("permission", f"{tool}:credentials", Placement(UNKNOWN, f"the {tool} account"),
                               kind="credentials", reversible="yes",
                               summary=f"{tool} {verb} stores a publishing credential for later commands")]
        if kind == "unpublish":
            return [inv.effect("delete", f"{tool}:{' '.join(opts.positionals[:2]) or '?'}",
                               Placement(PROD, "what is published is what others install"), kind="package",
                               reversible="no", summary=f"{tool} {verb} removes a published package that others "
                                                        "may depend on")]
        if kind == "publish":
            if tool == "goreleaser" and self.snapshot(opts):
                return [self.local(inv, f"{verb} --snapshot (builds without publishing)", "modify")]
            return [self.publish(inv, tool, verb, opts)]
        return [inv.unknown(f"{tool} {verb}")]

    def default(self, inv: Invocation, tool: str, opts: Options) -> Effect:
        """A tool run without a verb: goreleaser releases, snapcraft builds, the rest print help."""
        if tool == "goreleaser" and not opts.has("-h", "--help", "-v", "--version"):
            if self.snapshot(opts):
                return self.local(inv, "--snapshot (builds without publishing)", "modify")
            return self.publish(inv, tool, "release", opts)
        if tool == "snapcraft" and not opts.flags:
            return self.local(inv, "(builds the snap)", "modify")
        return self.local(inv, "(help or version)", "read")

    @staticmethod
    def snapshot(opts: Options) -> bool:
        skipped = ",".join(opts.values("--skip")).split(",")
        return opts.has("--snapshot", "--skip-publish") or "publish" in skipped

    def local(self, inv: Invocation, what: str, operation: str) -> Effect:
        placement = inv.ctx.place_path(inv.ctx.cwd) if inv.ctx.cwd else Placement(UNKNOWN, "no working directory")
        return inv.effect("read" if operation == "read" else "modify", f"{inv.name}:{inv.ctx.cwd or '?'}", placement,
                          reversible="yes", summary=f"{inv.name} {what}")

    def publish(self, inv: Invocation, tool: str, verb: str, opts: Options) -> Effect:
        url = opts.value("--repository-url", "--registry", "--baseContentUrl")
        repository = opts.value("-r", "--repository")
        if url:
            target = parse_target(url)
            placement = place_host(inv.ctx.environments, target.host, f"{tool} registry")
            where = target.host
        elif repository and "://" in repository:
            target = parse_target(repository)
            placement = place_host(inv.ctx.environments, target.host, f"{tool} registry")
            where = target.host
        else:
            where = repository or DEFAULT_REGISTRY.get(tool, tool)
            placement = Placement(UNKNOWN, f"the public registry {where}")
        files = " ".join(opts.positionals[:3])
        if placement.environment == LOCAL:
            return inv.effect("create", f"{tool}:{where}/{files or '?'}", placement, kind="package",
                              reversible="yes", summary=f"{tool} {verb} to a registry on this machine")
        return inv.effect("publish", f"{tool}:{where}/{files or posixpath.basename(inv.ctx.cwd or '') or '?'}",
                          placement, kind="package", reversible="no",
                          summary=f"{tool} {verb} publishes {files or 'the project'} to {where}, where others "
                                  "install it",
                          suggestions=(SUGGESTIONS[tool],) if tool in SUGGESTIONS else ())

    # hatch run: a script from pyproject.toml, or a command in the project's environment ------------------------
    def run(self, inv: Invocation) -> list[Effect]:
        words = list(inv.words)
        index = next((i for i, w in enumerate(words) if w.value == "run"), len(words))
        command = words[index + 1:]
        if command and command[0].value.startswith("-"):
            command = command[1:]
        if not command:
            return [inv.unknown("hatch run without a command")]
        name = command[0].value.split(":", 1)[-1]
        scripts = self.hatch_scripts(inv)
        if name in scripts:
            for line in scripts[name][:MAX_SCRIPT_COMMANDS]:
                inv.run_script(line, origin=f"the hatch script {name}")
            return []
        inv.run_argv(command)
        return []

    @staticmethod
    def hatch_scripts(inv: Invocation) -> dict[str, list[str]]:
        """Scripts of every hatch environment in the project's pyproject.toml (or hatch.toml)."""
        scripts: dict[str, list[str]] = {}
        for filename in ("hatch.toml", "pyproject.toml"):
            if not inv.ctx.cwd:
                break
            text = inv.walker.file_stream(posixpath.join(inv.ctx.cwd, filename), inv.ctx).text
            if not text or len(text) > MAX_PYPROJECT:
                continue
            try:
                doc = tomllib.loads(text)
            except tomllib.TOMLDecodeError:
                continue
            envs = doc.get("envs") if filename == "hatch.toml" else doc.get("tool", {}).get("hatch", {}).get("envs")
            if not isinstance(envs, dict):
                continue
            for env in envs.values():
                for name, body in (env.get("scripts", {}) if isinstance(env, dict) else {}).items():
                    lines = [body] if isinstance(body, str) else [b for b in body if isinstance(b, str)] if \
                        isinstance(body, list) else []
                    scripts.setdefault(name, lines)
        return scripts
