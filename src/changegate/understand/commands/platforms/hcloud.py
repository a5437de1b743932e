"""hcloud: Hetzner Cloud servers, volumes, images and firewalls, placed by --context or HCLOUD_CONTEXT."""

from __future__ import annotations

from changegate.environments import LOCAL, Placement
from changegate.model import Effect, Operation
from changegate.understand.cli import Call
from changegate.understand.commands.platforms.base import Platform


class Hcloud(Platform):
    NAMES = ("hcloud",)
    ENV_VARIABLES = ("HCLOUD_CONTEXT", "HCLOUD_TOKEN", "HCLOUD_CONFIG", "HCLOUD_ENDPOINT")
    VALUE_OPTIONS = frozenset({"--context", "-o", "--output", "--type", "--image", "--location", "--datacenter",
                               "--ssh-key", "--name", "--size", "--server", "--label", "--selector", "-l",
                               "--network", "--firewall"})
    CONTEXT_OPTIONS = ("--context",)
    CONTEXT_VARIABLES = ("HCLOUD_CONTEXT",)
    VERBS = {**Platform.VERBS, "poweroff": "host_control", "shutdown": "host_control", "reboot": "host_control",
             "reset": "host_control", "poweron": "modify", "rebuild": "replace", "ssh": "host_control",
             "request-console": "host_control"}
    DATA_NOUNS = frozenset({"volume", "image", "snapshot", "server"})
    PERMISSION_NOUNS = frozenset({"firewall", "ssh-key", "certificate"})

    def kinds(self, call: Call) -> set[str]:
        found = super().kinds(call)
        if call.verb != "rebuild":
            found.discard("server")  # deleting a server loses its disk, but a rebuild is what wipes it in place
        return found

    def effects(self, call: Call, operation: Operation) -> list[Effect]:
        if call.nouns[:1] == ["context"]:
            return [call.inv.effect("read", "hcloud:context", Placement(LOCAL, "hcloud's own settings"),
                                    reversible="yes", summary=f"hcloud context {call.verb}")]
        return super().effects(call, operation)
