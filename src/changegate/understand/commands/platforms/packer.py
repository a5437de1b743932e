"""packer: builds machine images in whatever account its credentials reach; -var values may name it."""

from __future__ import annotations

from changegate.environments import Placement
from changegate.understand.cli import Call
from changegate.understand.commands.platforms.base import Platform


class Packer(Platform):
    NAMES = ("packer",)
    ENV_VARIABLES = ("PACKER_CONFIG", "PACKER_PLUGIN_PATH")
    LONG_SINGLE_DASH = True
    VALUE_OPTIONS = frozenset({"-var", "-var-file", "-only", "-except", "-on-error", "-parallel-builds"})
    VERBS = {**Platform.VERBS, "build": "create", "validate": "read", "fmt": "read", "inspect": "read",
             "init": "read", "console": "read", "version": "read", "plugins": "read", "hcl2_upgrade": "read"}
    WHERE_UNKNOWN = "a build creates machines and images in whatever account its credentials reach"

    def placement(self, call: Call) -> Placement:
        variables = [v.split("=", 1)[1] for v in call.opts.values("-var") if "=" in v]
        return self.place(call, [*self.names(call), *variables])
