"""snapcraft: builds snaps and uploads or releases them to the Snap Store; `snapcraft` alone builds."""

from __future__ import annotations

from changegate.model import Effect
from changegate.understand.base import Invocation
from changegate.understand.cli import Options
from changegate.understand.commands.publish.base import Publisher


class Snapcraft(Publisher):
    NAMES = ("snapcraft",)
    ENV_VARIABLES = ("SNAPCRAFT_STORE_CREDENTIALS", "SNAPCRAFT_BUILD_ENVIRONMENT")
    TOOL = "snapcraft"
    REGISTRY = "snapcraft.io"
    SUGGESTION = "snapcraft pack builds the snap without uploading it"
    VERBS = {**Publisher.VERBS, "upload": Publisher.publishes, "push": Publisher.publishes,
             "release": Publisher.publishes, "promote": Publisher.publishes, "close": Publisher.publishes,
             "unregister": Publisher.unpublishes, "pack": Publisher.builds, "build": Publisher.builds,
             "clean": Publisher.builds, "try": Publisher.builds, "prime": Publisher.builds,
             "stage": Publisher.builds, "pull": Publisher.builds, "login": Publisher.logs_in,
             "logout": Publisher.builds, "whoami": Publisher.shows, "list": Publisher.shows,
             "status": Publisher.shows, "revisions": Publisher.shows, "metrics": Publisher.shows,
             "validate": Publisher.shows, "names": Publisher.shows}

    def no_verb(self, inv: Invocation, opts: Options) -> list[Effect]:
        if not opts.flags:
            return [self.local(inv, "(builds the snap)")]
        return super().no_verb(inv, opts)
