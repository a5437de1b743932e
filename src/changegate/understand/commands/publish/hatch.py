"""hatch: builds, versions and publishes a Python project; `hatch run SCRIPT` runs a script of its
pyproject.toml (or hatch.toml), or a command in the project's environment."""

from __future__ import annotations

import posixpath
import tomllib
from typing import Any

from changegate.model import Effect
from changegate.understand.base import Invocation
from changegate.understand.cli import Call
from changegate.understand.commands.publish.base import Publisher

MAX_PYPROJECT = 256 * 1024
MAX_SCRIPT_COMMANDS = 16
SCRIPT_FILES = ("hatch.toml", "pyproject.toml")


class Hatch(Publisher):
    NAMES = ("hatch", "hatch-publish")
    ENV_VARIABLES = ("HATCH_INDEX_REPO", "HATCH_INDEX_USER", "HATCH_INDEX_AUTH", "HATCH_ENV")
    TOOL = "hatch"
    REGISTRY = "upload.pypi.org"
    SUGGESTION = "build and check first: hatch build && twine check dist/*"

    def analyze(self, inv: Invocation) -> list[Effect]:
        if inv.name == "hatch-publish":  # the publish plugin's own entry point: every word is publish's
            return self.dispatch(self.call(inv, "publish", inv.words))
        return super().analyze(inv)

    def run(self, call: Call) -> list[Effect]:
        """`hatch run [ENV:]SCRIPT`: the script's commands, or the command itself when no script has the name."""
        inv = call.inv
        _, _, rest = self.split_verb(inv.words)
        command = self.walk(rest, stop_at_first_positional=True).positional_words
        if not command:
            return [inv.unknown("hatch run without a command")]
        name = command[0].value.split(":", 1)[-1]
        scripts = hatch_scripts(inv)
        if name in scripts:
            for line in scripts[name][:MAX_SCRIPT_COMMANDS]:
                inv.run_script(line, origin=f"the hatch script {name}")
            return []
        inv.run_argv(command)
        return []

    VERBS = {**Publisher.VERBS, "publish": Publisher.publishes, "build": Publisher.builds,
             "version": Publisher.builds, "clean": Publisher.builds, "new": Publisher.builds,
             "env": Publisher.builds, "shell": Publisher.builds, "fmt": Publisher.builds,
             "test": Publisher.builds, "run": run, "status": Publisher.shows, "config": Publisher.shows,
             "project": Publisher.shows, "dep": Publisher.shows, "python": Publisher.builds}


def hatch_scripts(inv: Invocation) -> dict[str, list[str]]:
    """Scripts of every hatch environment in the project's hatch.toml or pyproject.toml (the first wins)."""
    scripts: dict[str, list[str]] = {}
    if not inv.ctx.cwd:
        return scripts
    for filename in SCRIPT_FILES:
        # through the walker: a file this command line wrote earlier is read as written
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
                scripts.setdefault(name, script_lines(body))
    return scripts


def script_lines(body: Any) -> list[str]:
    """A script is one command or a list of them."""
    if isinstance(body, str):
        return [body]
    return [line for line in body if isinstance(line, str)] if isinstance(body, list) else []
