"""Mounts and swap: mount, umount, swapon, swapoff. Listing reads; `-a` acts on every filesystem."""

from __future__ import annotations

from typing import ClassVar

from changegate.model import Effect
from changegate.understand.base import Invocation
from changegate.understand.cli import Options
from changegate.understand.commands.host.common import HostTool, control, read

EVERY = ("-a", "--all", "-A")
BIND_FLAGS = ("--bind", "-B", "--rbind", "-R")
BIND_OPTIONS = frozenset({"bind", "rbind"})


class Mount(HostTool):
    NAMES = ("mount",)
    VALUE_OPTIONS = frozenset({"-t", "-o", "-O", "-L", "-U", "--types", "--options", "-p", "--priority", "-T",
                               "--fstab"})
    DOES: ClassVar[str] = "mounts"
    LISTING_FLAGS: ClassVar[tuple[str, ...]] = ()

    def effects(self, inv: Invocation) -> list[Effect]:
        opts = self.walk(inv.words)
        every = opts.has(*EVERY)
        if opts.has(*self.LISTING_FLAGS) or (not opts.positionals and not every):
            return [read(inv, "lists mounts")]
        target = opts.positionals[-1] if opts.positionals else "*"
        if self.binds(opts):
            self.record_bind(inv, opts.positionals[0], target)
        return [control(inv, f"mount:{target}", f"{inv.name} {self.DOES} {'every filesystem' if every else target}"
                        + (f" (a view of {opts.positionals[0]})" if self.binds(opts) else ""),
                        tags=("mount",), kind="filesystem", scope="all" if every else "one")]

    def binds(self, opts: Options) -> bool:
        """`mount --bind SRC DST` (or `-o bind`): DST shows SRC's files."""
        options = {o.strip() for value in opts.values("-o", "--options") for o in value.split(",")}
        return self.DOES == "mounts" and len(opts.positionals) == 2 and (
            opts.has(*BIND_FLAGS) or bool(options & BIND_OPTIONS))

    @staticmethod
    def record_bind(inv: Invocation, source: str, target: str) -> None:
        """Later steps of this command line that act under DST act on SRC (like a symlink it made)."""
        source_path, target_path = inv.ctx.resolve(source), inv.ctx.resolve(target)
        if source_path and target_path:
            inv.ctx.links[target_path] = source_path


class Umount(Mount):
    NAMES = ("umount",)
    DOES = "unmounts"


class Swapoff(Mount):
    NAMES = ("swapoff",)
    DOES = "turns off swap on"


class Swapon(Mount):
    NAMES = ("swapon",)
    DOES = "turns on swap on"
    LISTING_FLAGS = ("--show", "-s", "--summary")
