"""btrfs: `btrfs GROUP COMMAND [OPTIONS] ARGS`, groups and commands abbreviated to any unique prefix
(`btrfs fi show`, `btrfs sub del`).

Deleting a subvolume deletes a filesystem (denied), except a snapshot's (asks). Adding or replacing a
device overwrites it, and repairing or rescuing rewrites the filesystem (denied). Show, list, usage, df,
stats and a check without `--repair` are reads.
"""

from __future__ import annotations

from collections.abc import Mapping

from changegate.model import Effect, Operation
from changegate.understand.base import Invocation
from changegate.understand.cli import Cli
from changegate.understand.commands.system.common import STORAGE_FAMILY, changes, destroys, reads

GROUPS: Mapping[str, Mapping[str, Operation]] = {
    "subvolume": {"list": "read", "show": "read", "get-default": "read", "find-new": "read", "sync": "read",
                  "create": "create", "snapshot": "create", "set-default": "modify", "delete": "delete"},
    "filesystem": {"show": "read", "df": "read", "usage": "read", "du": "read", "label": "modify",
                   "resize": "modify", "defragment": "modify", "sync": "read", "mkswapfile": "create"},
    "device": {"stats": "read", "usage": "read", "scan": "read", "ready": "read", "add": "replace",
               "remove": "modify", "delete": "modify"},
    "balance": {"status": "read", "start": "modify", "pause": "host_control", "cancel": "host_control",
                "resume": "host_control"},
    "scrub": {"status": "read", "start": "host_control", "cancel": "host_control", "resume": "host_control",
              "limit": "host_control"},
    "qgroup": {"show": "read", "create": "create", "destroy": "modify", "assign": "modify", "remove": "modify",
               "limit": "modify", "clear-stale": "modify"},
    "quota": {"status": "read", "enable": "modify", "disable": "modify", "rescan": "modify"},
    "property": {"get": "read", "list": "read", "set": "modify"},
    "inspect-internal": {"inode-resolve": "read", "logical-resolve": "read", "subvolid-resolve": "read",
                         "rootid": "read", "min-dev-size": "read", "dump-tree": "read", "dump-super": "read",
                         "tree-stats": "read", "map-swapfile": "read", "list-chunks": "read"},
    "replace": {"status": "read", "start": "replace", "cancel": "host_control"},
    "rescue": {"chunk-recover": "replace", "super-recover": "replace", "zero-log": "replace",
               "fix-device-size": "replace", "create-control-device": "host_control", "clear-uuid-tree": "replace",
               "clear-ino-cache": "replace", "clear-space-cache": "replace"},
}
ONE_WORD: Mapping[str, Operation] = {"version": "read", "help": "read", "send": "read", "receive": "create",
                                     "restore": "create", "check": "read"}
VALUE_OPTIONS = frozenset({"-c", "--copy-limit", "-p", "-t", "-f", "-e", "-d", "--repair-mode", "-o", "--qgroup",
                           "-l", "--limit", "-i", "-s", "--subvol", "-r", "--root", "--tree-root", "--super",
                           "--clear-space-cache", "--mode"})
SNAPSHOT_HINTS = (".snapshots", "snapshot", "@snap", "/snapshots/")


def expand(word: str, choices: Mapping[str, object]) -> str | None:
    """A group or command as btrfs reads it: the whole name, or a prefix only one name starts with."""
    if word in choices:
        return word
    matches = [name for name in choices if name.startswith(word)]
    return matches[0] if len(matches) == 1 else None


class Btrfs(Cli):
    NAMES = ("btrfs",)
    FAMILY = STORAGE_FAMILY
    VALUE_OPTIONS = VALUE_OPTIONS

    def analyze(self, inv: Invocation) -> list[Effect]:
        opts = self.walk(inv.words)
        words = opts.positionals
        if not words or opts.has("--help", "--version"):
            return [reads(inv, "btrfs help or version")]
        group = expand(words[0], {**GROUPS, **ONE_WORD})
        if group is None:
            return [inv.unknown(f"btrfs {words[0]}: a command changegate does not know")]
        if group in ONE_WORD:
            return self.one_word(inv, group, words[1:], repair=opts.has("--repair", "--init-csum-tree",
                                                                          "--init-extent-tree"))
        command = expand(words[1], GROUPS[group]) if len(words) > 1 else None
        if command is None:
            return [inv.unknown(f"btrfs {' '.join(words[:2])}: a command changegate does not know")]
        operation = GROUPS[group][command]
        args = words[2:]
        shown = f"btrfs {group} {command} {' '.join(args[:2])}".rstrip()
        if operation == "read":
            return [reads(inv, shown)]
        if group == "subvolume" and command == "delete":
            return [self.delete_subvolume(inv, path) for path in args[:8] or ["?"]]
        if operation == "replace":
            target = args[-1] if args else "?"
            return [destroys(inv, target, f"{shown} overwrites {target}", "replace")]
        return [changes(inv, args[-1] if args else "?", shown, operation)]

    @staticmethod
    def one_word(inv: Invocation, command: str, args: list[str], *, repair: bool) -> list[Effect]:
        if command == "check" and repair:
            return [destroys(inv, args[-1] if args else "?", "btrfs check --repair rewrites the filesystem", "modify")]
        if ONE_WORD[command] == "read":
            return [reads(inv, f"btrfs {command} {' '.join(args[:1])}".rstrip())]
        target = inv.ctx.resolve(args[-1]) or args[-1] if args else "?"
        return [changes(inv, target, f"btrfs {command} into {target}", "create")]

    @staticmethod
    def delete_subvolume(inv: Invocation, raw: str) -> Effect:
        path = inv.ctx.resolve(raw) or raw
        if any(hint in path for hint in SNAPSHOT_HINTS):
            return changes(inv, path, f"btrfs subvolume delete {path}: the snapshot is gone", "delete",
                           kind="snapshot", reversible="no")
        return destroys(inv, path, f"btrfs subvolume delete {path} deletes a whole filesystem tree")
