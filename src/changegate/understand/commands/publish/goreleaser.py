"""goreleaser: builds and releases Go projects; `goreleaser` alone releases, --snapshot only builds."""

from __future__ import annotations

from changegate.model import Effect
from changegate.understand.base import Invocation
from changegate.understand.cli import Call, Options
from changegate.understand.commands.publish.base import Publisher

HELP_FLAGS = ("-h", "--help", "-v", "--version")


def snapshot(opts: Options) -> bool:
    """--snapshot, --skip-publish or --skip=publish: it builds everything and publishes nothing."""
    skipped = ",".join(opts.values("--skip")).split(",")
    return opts.has("--snapshot", "--skip-publish") or "publish" in skipped


class Goreleaser(Publisher):
    NAMES = ("goreleaser",)
    ENV_VARIABLES = ("GITHUB_TOKEN", "GITLAB_TOKEN", "GITEA_TOKEN", "GORELEASER_CURRENT_TAG")
    TOOL = "goreleaser"
    REGISTRY = "the release targets in .goreleaser.yaml"
    SUGGESTION = "goreleaser release --snapshot --clean builds everything without publishing"

    def release(self, call: Call) -> list[Effect]:
        if snapshot(call.opts):
            return [self.local(call.inv, f"{call.verb} --snapshot (builds without publishing)")]
        return self.publishes(call)

    VERBS = {**Publisher.VERBS, "release": release, "build": Publisher.builds, "check": Publisher.shows,
             "healthcheck": Publisher.shows, "init": Publisher.builds, "changelog": Publisher.shows,
             "completion": Publisher.shows, "man": Publisher.shows, "jsonschema": Publisher.shows,
             "announce": release, "publish": release, "continue": release}

    def no_verb(self, inv: Invocation, opts: Options) -> list[Effect]:
        if opts.has(*HELP_FLAGS):
            return super().no_verb(inv, opts)
        if snapshot(opts):
            return [self.local(inv, "--snapshot (builds without publishing)")]
        return [self.publish(inv, "release", opts)]
