"""zpool: ZFS storage pools. Destroying a pool (or clearing a device's label) loses all it holds; making
a pool, or adding, attaching or replacing a device, writes over the devices it is given."""

from __future__ import annotations

import re
from typing import ClassVar

from changegate.environments import UNKNOWN, Placement
from changegate.model import Effect
from changegate.understand.base import Invocation, Word
from changegate.understand.cli import Call, Cli, Options
from changegate.understand.commands.fs.disk import DiskTool

POOL = "a storage pool of this machine"
# the words of a vdev specification that are not devices
VDEV_KEYWORD = re.compile(r"mirror|raidz[123]?|draid[123]?(:\S*)?|spare|log|cache|special|dedup")


class Zpool(DiskTool):
    NAMES = ("zpool",)
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({"-o", "-O", "-m", "-R", "-t", "-T", "-c", "-d"})

    def destroyed(self, call: Call) -> list[Effect]:
        pool = call.args[-1] if call.args else "?"
        return [call.inv.effect("delete", f"zpool:{pool}", Placement(UNKNOWN, POOL), scope="all", reversible="no",
                                kind="disk", data_loss=True, tags=("disk",),
                                summary=f"destroys the storage pool {pool} and everything in it")]

    def cleared(self, call: Call) -> list[Effect]:
        return self.writes(call.inv, self.devices(call.arg_words), "clears the ZFS label of")

    def given_devices(self, call: Call) -> list[Effect]:
        """`create POOL VDEV…`, `add POOL VDEV…`, `attach POOL DEV NEW`, `replace POOL OLD NEW`: the devices
        given are written over."""
        devices = [w for w in call.arg_words[1:] if not VDEV_KEYWORD.fullmatch(w.value)]
        if call.verb in ("attach", "replace"):
            devices = devices[-1:]
        named = [w if w.value.startswith("/") else Word(f"/dev/{w.value}", text=w.text) for w in devices]
        written = self.writes(call.inv, named, "makes part of a ZFS pool (erasing)") if named else []
        return [*written, self.pool(call)]

    def changed(self, call: Call) -> list[Effect]:
        return [self.pool(call)]

    def imported(self, call: Call) -> list[Effect]:
        """`zpool import` alone lists the pools that could be imported."""
        return [self.simple(call, "read")] if not call.args else [self.pool(call)]

    VERBS = {
        **Cli.VERBS,
        "list": "read", "status": "read", "iostat": "read", "get": "read", "history": "read", "events": "read",
        "version": "read", "help": "read", "wait": "read",
        "destroy": destroyed, "labelclear": cleared,
        "create": given_devices, "add": given_devices, "attach": given_devices, "replace": given_devices,
        "import": imported,
        "detach": changed, "remove": changed, "offline": changed, "online": changed, "scrub": changed,
        "export": changed, "set": changed, "upgrade": changed, "clear": changed, "split": changed, "trim": changed,
        "initialize": changed, "resilver": changed, "reguid": changed, "checkpoint": changed, "reopen": changed,
        "sync": changed,
    }

    @staticmethod
    def pool(call: Call) -> Effect:
        pool = call.args[0] if call.args else "?"
        return call.inv.effect("modify", f"zpool:{pool}", Placement(UNKNOWN, POOL), kind="pool", reversible="unknown",
                               summary=f"zpool {call.verb} {pool}")

    def no_verb(self, inv: Invocation, opts: Options) -> list[Effect]:
        return [self.looks(inv, "prints its usage")]

    def placement(self, call: Call) -> Placement:
        return Placement(UNKNOWN, POOL)
