"""What publishing tools share: `upload`, `publish`, `release` put something in front of other people.

Publishing cannot be taken back quietly, so it is a `publish` effect (the default policy asks), placed by
the registry it goes to; a registry on this machine (a local devpi, verdaccio) is only a local change.
Building, checking and packaging stay in the workspace. (`npm publish`, `cargo publish`, `gem push` and
`docker push` live with their own tools.) A tool's `VERBS` name which of the methods below each verb is.
"""

from __future__ import annotations

import posixpath
from collections.abc import Sequence
from typing import ClassVar
from urllib.parse import urlsplit

from changegate.environments import LOCAL, PROD, UNKNOWN, Placement
from changegate.model import Effect
from changegate.understand.base import Invocation, Word
from changegate.understand.cli import Call, Cli, Options
from changegate.understand.placement import place_address

REGISTRY_URL_OPTIONS = ("--repository-url", "--registry", "--baseContentUrl")
REPOSITORY_OPTIONS = ("-r", "--repository")


class Publisher(Cli):
    """`TOOL [OPTIONS] VERB [ARGS]` where each verb publishes, unpublishes, logs in, reads or builds."""

    FAMILY = "publish"
    TOOL: ClassVar[str] = ""  # the name in resources (`hatch-publish` publishes as hatch)
    REGISTRY: ClassVar[str] = ""  # where it publishes when no option says
    SUGGESTION: ClassVar[str] = ""  # the safer step to offer instead of publishing
    VALUE_OPTIONS = frozenset({"-r", "--repository", "--repository-url", "-u", "--username", "-p", "--password",
                               "-a", "--auth", "--ca-cert", "--client-cert", "-c", "--comment", "-i", "--identity",
                               "--sign-with", "--config", "-f", "--file", "--pat", "--packagePath", "--target",
                               "--baseContentUrl", "--baseImagesUrl", "--registry", "--release-notes",
                               "--parallelism", "--timeout", "--skip", "--id", "--ini", "-o", "--out",
                               "--pypirc", "-e", "--env", "--channel", "--release"})

    def analyze(self, inv: Invocation) -> list[Effect]:
        globals_, verb, rest = self.split_verb(inv.words)
        if verb is None:
            return self.no_verb(inv, globals_)
        return self.dispatch(self.call(inv, verb.value, rest))

    def call(self, inv: Invocation, verb: str, words: Sequence[Word]) -> Call:
        """The verb's own options and arguments, walked."""
        opts = self.walk(words)
        return Call(inv, opts, verb, opts.positionals, opts.positional_words)

    def no_verb(self, inv: Invocation, opts: Options) -> list[Effect]:
        return [self.local(inv, "(help or version)", read_only=True)]

    def unknown_verb(self, call: Call) -> list[Effect]:
        return [call.inv.unknown(f"{self.TOOL} {call.verb}")]

    # --- what a verb does -----------------------------------------------------------------------------
    def shows(self, call: Call) -> list[Effect]:
        return [self.local(call.inv, f"{call.verb} (checks or shows)", read_only=True)]

    def builds(self, call: Call) -> list[Effect]:
        return [self.local(call.inv, f"{call.verb} (works in the workspace)")]

    def logs_in(self, call: Call) -> list[Effect]:
        return [call.inv.effect("permission", f"{self.TOOL}:credentials", Placement(UNKNOWN, f"the {self.TOOL} account"),
                                kind="credentials", reversible="yes",
                                summary=f"{self.TOOL} {call.verb} stores a publishing credential for later commands")]

    def unpublishes(self, call: Call) -> list[Effect]:
        return [call.inv.effect("delete", f"{self.TOOL}:{' '.join(call.args[:2]) or '?'}",
                                Placement(PROD, "what is published is what others install"), kind="package",
                                reversible="no", summary=f"{self.TOOL} {call.verb} removes a published package "
                                                         "that others may depend on")]

    def publishes(self, call: Call) -> list[Effect]:
        return [self.publish(call.inv, call.verb, call.opts)]

    # --- effects --------------------------------------------------------------------------------------
    def local(self, inv: Invocation, what: str, *, read_only: bool = False) -> Effect:
        cwd = inv.ctx.cwd
        placement = inv.ctx.place_path(cwd) if cwd else Placement(UNKNOWN, "no working directory")
        return inv.effect("read" if read_only else "modify", f"{inv.name}:{cwd or '?'}", placement,
                          reversible="yes", summary=f"{inv.name} {what}")

    def publish(self, inv: Invocation, verb: str, opts: Options) -> Effect:
        """A publish to the registry an option names, or to the tool's public one."""
        tool = self.TOOL
        url = opts.value(*REGISTRY_URL_OPTIONS)
        repository = opts.value(*REPOSITORY_OPTIONS)
        address = url or (repository if repository and "://" in repository else None)
        if address:
            placement = place_address(inv.ctx.environments, address, f"{tool} registry")
            where = registry_host(address)
        else:
            where = repository or self.REGISTRY or tool
            placement = Placement(UNKNOWN, f"the public registry {where}")
        files = " ".join(opts.positionals[:3])
        if placement.environment == LOCAL:
            return inv.effect("create", f"{tool}:{where}/{files or '?'}", placement, kind="package",
                              reversible="yes", summary=f"{tool} {verb} to a registry on this machine")
        return inv.effect("publish", f"{tool}:{where}/{files or posixpath.basename(inv.ctx.cwd or '') or '?'}",
                          placement, kind="package", reversible="no",
                          summary=f"{tool} {verb} publishes {files or 'the project'} to {where}, where others "
                                  "install it",
                          suggestions=(self.SUGGESTION,) if self.SUGGESTION else ())


def registry_host(address: str) -> str:
    """The host of a registry's URL (`https://upload.pypi.org/legacy/`, `localhost:3141`)."""
    try:
        return urlsplit(address if "://" in address else f"http://{address}").hostname or ""
    except ValueError:
        return ""
