"""virsh: libvirt domains, volumes and networks; qemu:///system is this machine, qemu+ssh://HOST/ that host."""

from __future__ import annotations

import msgspec

from changegate.environments import Placement
from changegate.model import Effect
from changegate.understand.cli import Call
from changegate.understand.commands.platforms.base import Platform
from changegate.understand.placement import place_address

STORAGE_FLAGS = ("--remove-all-storage", "--storage", "--wipe-storage")


class Virsh(Platform):
    NAMES = ("virsh",)
    ENV_VARIABLES = ("LIBVIRT_DEFAULT_URI", "VIRSH_DEFAULT_CONNECT_URI")
    VALUE_OPTIONS = frozenset({"-c", "--connect", "-d", "--debug", "-l", "--log", "-k", "--keepalive-interval",
                               "-K", "--keepalive-count", "--pool", "--file", "--snapshotname"})
    ON_THIS_MACHINE = True
    KINDS_FROM_WHOLE_VERB = True
    DATA_NOUNS = frozenset({"vol", "pool", "snapshot", "storage"})

    def undefine(self, call: Call) -> list[Effect]:
        """`undefine` forgets a domain; with its storage flags it deletes the disks too."""
        effects = self.effects(call, "delete")
        if call.opts.has(*STORAGE_FLAGS):
            effects[0] = msgspec.structs.replace(effects[0], data_loss=True, kind="vm with its disks")
        return effects

    VERBS = {
        **Platform.VERBS,
        "list": "read", "dominfo": "read", "dumpxml": "read", "domstate": "read", "capabilities": "read",
        "nodeinfo": "read", "domblklist": "read", "domifaddr": "read", "console": "host_control",
        "destroy": "host_control", "shutdown": "host_control", "reboot": "host_control", "reset": "host_control",
        "suspend": "host_control", "managedsave": "host_control", "undefine": undefine, "vol-delete": "delete",
        "vol-wipe": "delete", "pool-delete": "delete", "pool-destroy": "host_control",
        "net-destroy": "host_control", "net-undefine": "delete", "snapshot-delete": "delete", "start": "modify",
        "create": "create", "define": "create", "resume": "modify", "snapshot-revert": "replace",
    }

    def placement(self, call: Call) -> Placement:
        uri = call.opts.value("-c", "--connect") or call.inv.ctx.getenv("LIBVIRT_DEFAULT_URI") or ""
        host = uri.split("://", 1)[1].split("/", 1)[0] if "://" in uri else ""
        if host and host != "localhost":
            return place_address(call.inv.ctx.environments, host, "libvirt connection")
        return super().placement(call)
