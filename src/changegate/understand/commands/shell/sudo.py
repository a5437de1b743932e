"""sudo (and sudo-rs): the command runs as root or another user. sudo's own words come first — options,
then `NAME=value` settings for the command's environment, then (after an optional `--`) the command.
`-s`/`-i` run the command through the target user's shell (so it is shell code), and with no command open
an interactive shell, where nothing that happens can be seen."""

from __future__ import annotations

from itertools import takewhile
from typing import ClassVar

from changegate.environments import UNKNOWN, Placement
from changegate.model import Effect
from changegate.understand.base import Context, Invocation, Word
from changegate.understand.cli import Options
from changegate.understand.commands.shell.common import CommandRunner, is_assignment

# with no command, these only look at sudo itself; `-l` with a command only says whether it is allowed
CHECKS = ("-l", "--list", "-v", "--validate", "-k", "-K", "--reset-timestamp", "--remove-timestamp", "-V",
          "--version", "-h", "--help")
LISTS = ("-l", "--list")
SHELLS = ("-s", "--shell", "-i", "--login")
LOGIN = ("-i", "--login")


class Elevating(CommandRunner):
    """A runner that runs its command as another user (root unless told): what the command does is judged
    with `elevated` set, and with no command it opens a shell as that user."""

    SHELL_OPTIONS: ClassVar[tuple[str, ...]] = ()  # the command goes to the user's shell as `-c` code
    CHDIR_OPTIONS: ClassVar[tuple[str, ...]] = ()
    CHROOT_OPTIONS: ClassVar[tuple[str, ...]] = ()
    READ_ONLY: ClassVar[tuple[str, ...]] = ("-h", "--help", "-V", "--version")

    def analyze(self, inv: Invocation) -> list[Effect]:
        opts, _, command = self.split(inv.words)
        if opts.has(*self.READ_ONLY) and not command:
            return [self.checks(inv)]
        return self.elevated(inv, opts, command)

    def elevated(self, inv: Invocation, opts: Options, command: list[Word]) -> list[Effect]:
        settings = list(takewhile(is_assignment, command))
        command = command[len(settings):]
        ctx = self.context(inv, opts, settings)
        if opts.has(*self.SHELL_OPTIONS):
            if not command:
                return [self.interactive(inv)]
            if opts.has(*LOGIN):  # a login shell starts in the target user's home
                home = self.target_home(opts)
                ctx.cwd, ctx.home, ctx.env["HOME"] = home, home, home
            inv.run_script(" ".join(w.value for w in command), ctx=ctx, origin=f"{inv.name}'s shell")
            return []
        if not command:
            return [self.interactive(inv)]
        inv.run_argv(command, ctx=ctx, stdin=inv.stdin)
        return []

    def context(self, inv: Invocation, opts: Options, settings: list[Word]) -> Context:
        env = dict(inv.ctx.env)
        for word in settings:
            name, _, value = word.value.partition("=")
            env[name] = value
        cwd = opts.value(*self.CHDIR_OPTIONS) if self.CHDIR_OPTIONS else None
        ctx = inv.ctx.clone(elevated=True, env=env, cwd=inv.ctx.resolve(cwd) if cwd else inv.ctx.cwd)
        root = opts.value(*self.CHROOT_OPTIONS) if self.CHROOT_OPTIONS else None
        if root:
            ctx.remote_placement = Placement(UNKNOWN, f"inside the chroot {inv.ctx.resolve(root) or root}")
        return ctx

    @staticmethod
    def target_home(opts: Options) -> str:
        user = opts.value("-u", "--user") or "root"
        return "/root" if user in ("root", "#0") else f"/home/{user}"

    @staticmethod
    def checks(inv: Invocation) -> Effect:
        return inv.effect("read", f"cmd:{inv.name}", Placement("local", "it only checks its rules"),
                          reversible="yes", summary=f"{inv.name} checks its rules")

    @staticmethod
    def interactive(inv: Invocation) -> Effect:
        """An interactive shell as another user: what is typed into it is not part of the command."""
        return inv.effect("unknown", "host:root-shell", inv.ctx.remote_placement or
                          Placement(UNKNOWN, "an interactive shell as root on this machine"), kind="shell",
                          tags=("elevated", "interactive"),
                          summary=f"{inv.name} opens an interactive shell as root: nothing done in it can be seen")


class Sudo(Elevating):
    NAMES: ClassVar[tuple[str, ...]] = ("sudo", "sudo-rs")
    SECRET_STDIN_FLAGS: ClassVar[frozenset[str]] = frozenset({"-S", "--stdin"})  # the password on stdin
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({"-u", "-g", "-p", "-C", "-T", "-r", "-t", "-U", "-D", "-R",
                                                       "--user", "--group", "--host", "--prompt", "--close-from",
                                                       "--chdir", "--chroot", "--role", "--type", "--other-user",
                                                       "--command-timeout"})
    ENV_VARIABLES = (*CommandRunner.ENV_VARIABLES, "SUDO_ASKPASS", "SUDO_EDITOR", "VISUAL", "EDITOR")
    SHELL_OPTIONS = SHELLS
    CHDIR_OPTIONS = ("-D", "--chdir")
    CHROOT_OPTIONS = ("-R", "--chroot")
    READ_ONLY = CHECKS

    def analyze(self, inv: Invocation) -> list[Effect]:
        opts, _, command = self.split(inv.words)
        if opts.has(*LISTS) or (opts.has(*CHECKS) and not command):
            return [self.checks(inv)]
        if opts.has("-e", "--edit"):  # sudo -e FILE…: the operands are files to edit, not a command
            return [self.edited(inv, w) for w in command] or [self.checks(inv)]
        return self.elevated(inv, opts, command)

    @staticmethod
    def edited(inv: Invocation, word: Word) -> Effect:
        return inv.fs("modify", word.value, tags=("elevated",), summary=f"edits {word.shown()} as root")


class Sudoedit(Sudo):
    """sudoedit FILE…: `sudo -e`."""

    NAMES = ("sudoedit",)

    def analyze(self, inv: Invocation) -> list[Effect]:
        opts, _, files = self.split(inv.words)
        if opts.has(*CHECKS) and not files:
            return [self.checks(inv)]
        return [self.edited(inv, w) for w in files] or [self.checks(inv)]
