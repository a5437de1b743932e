"""java: runs a class, a jar or a source file — the project's own code when it lives in the workspace, code
that cannot be read when it comes from anywhere else. `-version` and `-help` only print.

Agents (`-javaagent:`, `-agentpath:`, `-agentlib:`) load code into the program: one from outside the project
is not understood either.
"""

from __future__ import annotations

from typing import ClassVar

from changegate.environments import LOCAL
from changegate.model import Effect
from changegate.understand.base import Invocation, local_work, project_work
from changegate.understand.cli import Cli

PRINT_ONLY = frozenset({"-version", "--version", "-showversion", "--show-version", "-help", "--help", "-h", "-?",
                        "-X", "--help-extra", "--list-modules", "-fullversion", "--full-version"})
AGENT_PREFIXES = ("-javaagent:", "-agentpath:", "-agentlib:")


class Java(Cli):
    NAMES = ("java",)
    ENV_VARIABLES = ("JAVA_HOME", "JDK_JAVA_OPTIONS", "JAVA_OPTS")
    FAMILY = "build"
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({
        "-cp", "-classpath", "--class-path", "-p", "--module-path", "--upgrade-module-path", "--add-modules",
        "-m", "--module", "-jar", "--add-opens", "--add-exports", "--add-reads", "--enable-native-access",
        "--source", "--limit-modules"})

    def analyze(self, inv: Invocation) -> list[Effect]:
        words = [w.value for w in inv.words]
        if words and all(w in PRINT_ONLY for w in words):
            return [local_work(inv, f"java {' '.join(words)}: prints its version or help", "read")]
        for word in words:
            if word.startswith(AGENT_PREFIXES):
                path = word.split(":", 1)[1].split("=", 1)[0]
                if not self.in_project(inv, path):
                    return [inv.unknown(f"{word.split(':', 1)[0]} loads {path} into the program")]
        opts = self.walk(inv.words)
        code = opts.value("-jar") or (opts.positionals[0] if opts.positionals else None)
        if code is None:
            return [inv.unknown("java with nothing it runs that changegate can see")]
        if code.endswith((".jar", ".java")) and not self.in_project(inv, code):
            return [inv.unknown(f"runs {code}, which is not the project's own")]
        return [project_work(inv, f"java {code}: runs the project's own code", "runs-project-code")]

    @staticmethod
    def in_project(inv: Invocation, raw: str) -> bool:
        path = inv.ctx.resolve(raw)
        return path is not None and inv.ctx.place_path(path).environment == LOCAL and \
            not path.startswith(("/tmp/", "/var/tmp/", "/dev/"))
