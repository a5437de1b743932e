"""ZFS: `zfs` (datasets) and `zpool` (pools).

Destroying a pool, a filesystem or a volume, clearing a disk's label, and giving a pool whole disks
(`zpool create`, `add`, `attach`, `replace`) lose what is on them (denied). Destroying a snapshot or a
bookmark, rolling back, and a forced receive lose history or later changes (asks, with the data at stake).
Listing and reading properties are reads; `-n` changes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from changegate.model import Effect
from changegate.understand.base import Invocation
from changegate.understand.cli import Call, Cli, VerbEntry
from changegate.understand.commands.system.common import STORAGE_FAMILY, changes, destroys, reads

DEFAULT_VALUES = frozenset({"-o", "-O", "-t", "-s", "-S", "-d", "-V", "-b", "-x", "-i", "-I", "-m", "-R", "-T", "-c"})
SUB_VALUES: Mapping[str, frozenset[str]] = {
    "receive": frozenset({"-o", "-x"}), "recv": frozenset({"-o", "-x"}),
    "import": frozenset({"-o", "-d", "-R", "-c", "-T"}),
}
# words of a vdev specification that are not devices
VDEV_WORDS = frozenset({"mirror", "raidz", "raidz1", "raidz2", "raidz3", "spare", "log", "cache", "special",
                        "dedup"})


class Storage(Cli):
    """`TOOL SUBCOMMAND [OPTIONS] ARGS`, the subcommand's own options walked with its own table."""

    FAMILY = STORAGE_FAMILY
    GLOBAL_OPTIONS = frozenset({"-?", "-V", "--version"})

    def analyze(self, inv: Invocation) -> list[Effect]:
        if not inv.words or inv.words[0].value in ("-?", "-V", "--version", "-h", "--help"):
            return [reads(inv, f"{inv.name} help or version")]
        verb, rest = inv.words[0].value, inv.words[1:]
        opts = self.walk(rest, takes_value=SUB_VALUES.get(verb, DEFAULT_VALUES))
        call = Call(inv, opts, verb, opts.positionals, opts.positional_words)
        if opts.has("-n") and verb not in ("list", "get", "iostat", "status"):
            return [reads(inv, f"{inv.name} {verb} -n (a dry run)")]
        return self.dispatch(call)

    def simple(self, call: Call, operation: str) -> Effect:
        if operation == "read":
            return reads(call.inv, f"{call.name} {call.verb} {' '.join(call.args[:2])}".rstrip())
        target = call.args[-1] if call.args else "?"
        return changes(call.inv, target, f"{call.name} {call.verb} {' '.join(call.args[:2])}".rstrip(),
                       "create" if operation == "create" else "host_control" if operation == "host_control"
                       else "modify")

    def unknown_verb(self, call: Call) -> list[Effect]:
        return [call.inv.unknown(f"{call.name} {call.verb}: a subcommand changegate does not know")]


class Zfs(Storage):
    NAMES = ("zfs",)

    def destroy(self, call: Call) -> list[Effect]:
        effects: list[Effect] = []
        for target in call.args or ["?"]:
            if "@" in target or "#" in target:
                effects.append(changes(call.inv, target, f"zfs destroy {target}: the snapshot's point-in-time copy "
                                       "is gone", "delete", kind="snapshot", reversible="no"))
            else:
                effects.append(destroys(call.inv, target, f"zfs destroy {target} destroys the dataset"))
        return effects

    def rollback(self, call: Call) -> list[Effect]:
        target = call.args[0] if call.args else "?"
        return [changes(call.inv, target, f"zfs rollback {target}: every change since the snapshot is lost",
                        "replace", kind="dataset", data_loss=True, reversible="no")]

    def receive(self, call: Call) -> list[Effect]:
        target = call.args[-1] if call.args else "?"
        if call.opts.has("-F"):
            return [changes(call.inv, target, f"zfs receive -F {target}: the dataset is rolled back and overwritten",
                            "replace", kind="dataset", data_loss=True, reversible="no")]
        return [changes(call.inv, target, f"zfs receive into {target}", "create")]

    def program(self, call: Call) -> list[Effect]:
        return [call.inv.unknown("zfs program runs a Lua channel program changegate does not read")]

    VERBS: ClassVar[Mapping[str, VerbEntry]] = {
        **Cli.VERBS,
        **dict.fromkeys(("list", "get", "holds", "userspace", "groupspace", "projectspace", "diff", "version",
                         "help", "send", "wait"), "read"),
        **dict.fromkeys(("create", "snapshot", "snap", "clone", "bookmark"), "create"),
        **dict.fromkeys(("set", "inherit", "rename", "promote", "upgrade", "hold", "release", "allow", "unallow",
                         "share", "unshare", "change-key", "redact", "project"), "modify"),
        **dict.fromkeys(("mount", "unmount", "umount", "load-key", "unload-key", "jail", "unjail"), "host_control"),
        "destroy": destroy, "rollback": rollback, "receive": receive, "recv": receive, "program": program,
    }


class Zpool(Storage):
    """`zpool`. Not yet routed here: `fs/disk.py` still declares the name (see the lead's notes)."""

    def destroy(self, call: Call) -> list[Effect]:
        pool = call.args[0] if call.args else "?"
        return [destroys(call.inv, pool, f"zpool destroy {pool} destroys the pool")]

    def labelclear(self, call: Call) -> list[Effect]:
        device = call.args[-1] if call.args else "?"
        return [destroys(call.inv, device, f"zpool labelclear {device} clears the pool label of the disk")]

    def gives_disks(self, call: Call) -> list[Effect]:
        """create/add POOL VDEV…, attach POOL DEV NEW, replace POOL OLD [NEW]: the new disks are overwritten."""
        if call.verb == "attach":
            disks = call.args[2:3] or call.args[-1:]
        elif call.verb == "replace":
            disks = call.args[2:3] or call.args[1:2]
        else:
            disks = [a for a in call.args[1:] if a not in VDEV_WORDS and not a.startswith(("raidz", "draid"))]
        return [destroys(call.inv, disk, f"zpool {call.verb} writes a pool onto {disk}") for disk in disks[:8]] or [
            changes(call.inv, call.args[0] if call.args else "?", f"zpool {call.verb}")]

    def import_(self, call: Call) -> list[Effect]:
        if not call.args and not call.opts.has("-a"):
            return [reads(call.inv, "zpool import (lists the pools that could be imported)")]
        return [changes(call.inv, call.args[0] if call.args else "*", f"zpool import {' '.join(call.args[:2])}",
                        "host_control")]

    VERBS: ClassVar[Mapping[str, VerbEntry]] = {
        **Cli.VERBS,
        **dict.fromkeys(("status", "list", "iostat", "get", "history", "events", "version", "help", "wait"), "read"),
        **dict.fromkeys(("split", "detach", "offline", "online", "remove", "clear", "scrub", "resilver", "trim",
                         "initialize", "reguid", "reopen", "upgrade", "set", "sync", "checkpoint"), "modify"),
        "export": "host_control",
        "destroy": destroy, "labelclear": labelclear, "create": gives_disks, "add": gives_disks,
        "attach": gives_disks, "replace": gives_disks, "import": import_,
    }
