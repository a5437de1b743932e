"""ovsx: publishes VS Code extensions to Open VSX."""

from __future__ import annotations

from changegate.understand.commands.publish.base import Publisher


class Ovsx(Publisher):
    NAMES = ("ovsx",)
    ENV_VARIABLES = ("OVSX_PAT", "OVSX_REGISTRY_URL")
    TOOL = "ovsx"
    REGISTRY = "open-vsx.org"
    SUGGESTION = "vsce package builds the .vsix without publishing it"
    VERBS = {**Publisher.VERBS, "publish": Publisher.publishes, "create-namespace": Publisher.publishes,
             "verify-pat": Publisher.shows, "get": Publisher.shows, "login": Publisher.logs_in,
             "logout": Publisher.builds}
