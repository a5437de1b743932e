"""Accounts: who can log in and what they may do (useradd, usermod, passwd, groups, visudo, and macOS's
dscl, sysadminctl, dseditgroup). Adding someone to a privileged group escalates; deleting an account with
its home directory loses data."""

from __future__ import annotations

from typing import ClassVar

from changegate.model import Effect
from changegate.understand.base import Invocation
from changegate.understand.cli import Options
from changegate.understand.commands.host.common import HostTool, control, read

PRIVILEGED_GROUPS = frozenset({"sudo", "wheel", "admin", "root", "docker", "adm", "lxd", "libvirt", "disk",
                               "shadow", "staff", "kvm", "systemd-journal"})
GROUP_OPTIONS = ("-G", "--groups", "-g", "--gid", "-a")
HOME_REMOVALS = ("-r", "--remove", "--remove-home", "-f")
ACCOUNT_VALUES = frozenset({
    "-g", "-G", "-s", "-d", "-u", "-c", "-e", "-f", "-k", "-K", "-p", "-R", "-P", "-Z", "-l", "--groups", "--gid",
    "--shell", "--home", "--uid", "--comment", "--password", "--expiredate", "--root", "--prefix", "-a", "-m",
    "-M", "-I", "-W", "-E",
})
# useradd, usermod and passwd read -a (append), -m (move or create home) and -l (lock, or no lastlog) as flags
FLAG_LETTERS = frozenset({"-a", "-m", "-l"})
DSCL_READS = frozenset({"-read", "-list", "-search", "-readall", "-readpl"})
SYSADMINCTL_CHANGES = frozenset({"-addUser", "-deleteUser", "-resetPasswordFor", "-guestAccount", "-adminUser",
                                 "-secureTokenOn", "-autologin"})


class Accounts(HostTool):
    NAMES: ClassVar[tuple[str, ...]] = ("adduser", "chpasswd", "groupadd", "addgroup", "groupmod", "gpasswd", "chsh", "chfn")
    VALUE_OPTIONS = ACCOUNT_VALUES
    DELETES: ClassVar[bool] = False
    EXTRA_TAGS: ClassVar[tuple[str, ...]] = ()

    def effects(self, inv: Invocation) -> list[Effect]:
        opts = self.walk(inv.words)
        if self.reads(opts):
            return [read(inv, "shows account details")]
        account = opts.positionals[-1] if opts.positionals else "the user"
        tags = ["accounts"]
        groups = ",".join([*opts.values(*GROUP_OPTIONS), *opts.positionals]).split(",")
        if any(g in PRIVILEGED_GROUPS for g in groups) or opts.value("-u", "--uid") == "0" or self.opens(opts):
            tags.append("privilege-escalation")
        tags.extend(self.EXTRA_TAGS)
        if self.deletes(opts):
            removes_home = opts.has(*HOME_REMOVALS)
            return [control(inv, f"account/{account}", f"{inv.name} deletes the account {account}"
                            + (" and its home directory" if removes_home else ""), operation="delete", tags=tags,
                            kind="account", reversible="no", data_loss=removes_home)]
        return [control(inv, f"account/{account}", f"{inv.name} {' '.join(w.value for w in inv.words[:4])} changes "
                        "who can log in or what they may do", operation="permission", tags=tags, kind="account")]

    def reads(self, opts: Options) -> bool:
        return False

    def opens(self, opts: Options) -> bool:
        """Whether it lets anyone log in as the account without a password."""
        return False

    def deletes(self, opts: Options) -> bool:
        return self.DELETES or "-deleteUser" in opts.flags


class Userdel(Accounts):
    NAMES = ("userdel", "deluser", "groupdel", "delgroup")
    DELETES = True


class Useradd(Accounts):
    NAMES = ("useradd", "usermod")
    VALUE_OPTIONS = ACCOUNT_VALUES - FLAG_LETTERS


class Passwd(Accounts):
    """passwd's letters are its own: `-d` deletes the password, `-e` expires it, `-l`/`-u` lock and unlock;
    only the day counts and the roots take a value."""

    NAMES = ("passwd",)
    VALUE_OPTIONS = frozenset({"-n", "--mindays", "-x", "--maxdays", "-w", "--warndays", "-i", "--inactive",
                               "-r", "--repository", "-R", "--root", "-P", "--prefix"})

    def reads(self, opts: Options) -> bool:
        return opts.has("-S", "--status") and not opts.has("-l", "-u", "-d", "-e")

    def opens(self, opts: Options) -> bool:
        return opts.has("-d", "--delete")


class Chage(Accounts):
    NAMES = ("chage",)

    def reads(self, opts: Options) -> bool:
        return opts.has("-l", "--list")


class Visudo(Accounts):
    NAMES = ("visudo",)
    EXTRA_TAGS = ("persistence", "privilege-escalation")
    ENV_VARIABLES = ("SUDO_EDITOR", "VISUAL", "EDITOR")

    def reads(self, opts: Options) -> bool:
        return opts.has("-c", "--check")


class Dscl(Accounts):
    """macOS directory service: `-read`, `-delete` are single-dash words."""

    NAMES = ("dscl",)
    LONG_SINGLE_DASH = True

    def reads(self, opts: Options) -> bool:
        return any(f in opts.flags for f in DSCL_READS) or any(p in DSCL_READS - {"-readpl"}
                                                                 for p in opts.positionals)

    def deletes(self, opts: Options) -> bool:
        return "-delete" in opts.flags or super().deletes(opts)


class Sysadminctl(Accounts):
    NAMES = ("sysadminctl",)
    LONG_SINGLE_DASH = True

    def reads(self, opts: Options) -> bool:
        return not any(f in opts.flags for f in SYSADMINCTL_CHANGES)


class Dseditgroup(Accounts):
    NAMES = ("dseditgroup",)
    LONG_SINGLE_DASH = True
