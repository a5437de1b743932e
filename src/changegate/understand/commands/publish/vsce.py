"""vsce: packages and publishes VS Code extensions to the Visual Studio Marketplace."""

from __future__ import annotations

from changegate.understand.commands.publish.base import Publisher


class Vsce(Publisher):
    NAMES = ("vsce",)
    ENV_VARIABLES = ("VSCE_PAT",)
    TOOL = "vsce"
    REGISTRY = "marketplace.visualstudio.com"
    SUGGESTION = "vsce package builds the .vsix without publishing it"
    VERBS = {**Publisher.VERBS, "publish": Publisher.publishes, "unpublish": Publisher.unpublishes,
             "package": Publisher.builds, "login": Publisher.logs_in, "logout": Publisher.builds,
             "ls": Publisher.shows, "show": Publisher.shows, "search": Publisher.shows,
             "ls-publishers": Publisher.shows, "verify-pat": Publisher.shows,
             "delete-publisher": Publisher.unpublishes, "create-publisher": Publisher.logs_in}
