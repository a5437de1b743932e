"""System package managers: apt, dnf/yum, apk, zypper, snap, flatpak, brew, port — `TOOL VERB [PACKAGE…]`,
each verb in its tool's table. Installing changes the software on the machine; removing one of the
operating system's own packages can leave it unable to boot or to manage packages again; refreshing the
index is the agent's own business. pacman, dpkg and rpm say what they do with flags (their own modules)."""

from __future__ import annotations

import fnmatch
from collections.abc import Sequence
from typing import ClassVar

from changegate.environments import LOCAL, Placement
from changegate.model import Effect
from changegate.understand.base import Invocation
from changegate.understand.cli import Call, Cli, Options
from changegate.understand.commands.host.common import HostTool, control, gate_tampering, read
from changegate.understand.selfguard import gate_target

# Packages whose removal breaks the machine or its package manager.
ESSENTIAL_PACKAGES = ("libc6", "libc-bin", "glibc", "coreutils", "bash", "dash", "systemd", "systemd-sysv", "init",
                      "sudo", "apt", "dpkg", "rpm", "yum", "dnf", "pacman", "openssh-server", "openssh",
                      "openssh-client", "ssh", "linux-image*", "linux-generic", "kernel", "kernel-core", "grub*",
                      "util-linux", "login", "passwd", "base-files", "base-passwd", "libpam*", "pam", "python3",
                      "perl-base", "tar", "gzip", "sed", "grep", "findutils", "mount", "e2fsprogs",
                      "ca-certificates", "zlib1g", "libselinux*", "network-manager", "netplan.io", "ifupdown",
                      "iproute2", "busybox", "musl", "apk-tools", "alpine-base", "apt-utils", "libssl*",
                      "openssl", "shadow-utils", "filesystem", "setup")
MAX_SHOWN = 4  # package names named in a summary


# --- what a package verb does --------------------------------------------------------------------------------

def shown(names: Sequence[str]) -> str:
    return " ".join(names[:MAX_SHOWN]) or "packages"


def package_read(inv: Invocation, verb: str, names: Sequence[str]) -> Effect:
    return read(inv, f"{verb} {shown(names)}".strip())


def index_refresh(inv: Invocation, verb: str) -> Effect:
    return control(inv, "packages/index", f"{inv.name} {verb} refreshes the package index", operation="modify",
                   reversible="yes", kind="package index",
                   placement=inv.ctx.remote_placement or Placement(
                       LOCAL, "it refreshes the package index only; nothing installed changes"))


def installed(inv: Invocation, verb: str, names: Sequence[str]) -> Effect:
    what = shown(names)
    return control(inv, f"packages/{what}", f"{inv.name} {verb} {what}: changes the software installed on the "
                   "machine", operation="modify", tags=("packages",), kind="package", reversible="yes",
                   suggestions=("install it in the project instead (a virtualenv, node_modules, a container)",))


def removed(inv: Invocation, verb: str, names: Sequence[str], *, purge: bool = False) -> Effect:
    what = shown(names)
    essential = [n for n in names if is_essential(n.split("=")[0].split(":")[0])]
    tags = ["packages", "essential-package"] if essential else ["packages"]
    consequence = (f": {essential[0]} is part of the operating system; the machine may not boot or manage "
                   "packages again" if essential else ": removes software from the machine")
    return control(inv, f"packages/{what}", f"{inv.name} {verb} {what}{consequence}", operation="delete", tags=tags,
                   kind="package", reversible="no" if essential or purge else "yes", data_loss=purge)


def is_essential(name: str) -> bool:
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in ESSENTIAL_PACKAGES)


def cache_cleaned(inv: Invocation, verb: str) -> Effect:
    return control(inv, "packages/cache", f"{inv.name} {verb} deletes the machine's package cache",
                   operation="delete", tags=("machine-wide",), scope="all", reversible="yes", kind="cache")


def sources_changed(inv: Invocation, verb: str, names: Sequence[str]) -> Effect:
    what = shown(names)
    return control(inv, "packages/sources", f"{inv.name} {verb} {what} changes where the machine gets software or "
                   "which versions it keeps", operation="permission", kind="package source")


# --- verbs, as table entries ---------------------------------------------------------------------------------

def package_names(call: Call) -> list[str]:
    return [p for p in call.args if not p.startswith("-")]


def dry_run(tool: Cli, opts: Options) -> bool:
    return bool(opts.flags.keys() & tool.DRY_RUN_FLAGS)


def reads(tool: Cli, call: Call) -> list[Effect]:
    return [package_read(call.inv, call.verb, package_names(call))]


def refreshes(tool: Cli, call: Call) -> list[Effect]:
    return [index_refresh(call.inv, call.verb)]


def downloads(tool: Cli, call: Call) -> list[Effect]:
    return [call.inv.fs("create", ".", reversible="yes",
                        summary=f"{call.name} {call.verb} downloads {shown(package_names(call))} here")]


def installs(tool: Cli, call: Call) -> list[Effect]:
    if dry_run(tool, call.opts):
        return [read(call.inv, f"{call.verb} (a dry run)")]
    return [installed(call.inv, call.verb, package_names(call))]


def removes(tool: Cli, call: Call) -> list[Effect]:
    if dry_run(tool, call.opts):
        return [read(call.inv, f"{call.verb} (a dry run)")]
    names = package_names(call)
    effects = [removed(call.inv, call.verb, names, purge="purge" in call.verb or call.opts.has("--purge"))]
    effects.extend(gate_removal(call.inv, call.verb, names))
    return effects


def gate_removal(inv: Invocation, verb: str, names: Sequence[str]) -> list[Effect]:
    """Uninstalling changegate itself."""
    gate = [n for n in names if gate_target(n, inv.ctx)]
    if not gate:
        return []
    return [gate_tampering(inv, f"packages/{gate[0]}", f"{inv.name} {verb} {gate[0]} uninstalls changegate (the "
                           "gate this agent works behind)")]


def cleans(tool: Cli, call: Call) -> list[Effect]:
    if dry_run(tool, call.opts):
        return [read(call.inv, f"{call.verb} (a dry run)")]
    return [cache_cleaned(call.inv, call.verb)]


def configures(tool: Cli, call: Call) -> list[Effect]:
    return [sources_changed(call.inv, call.verb, package_names(call))]


def controls_services(tool: Cli, call: Call) -> list[Effect]:
    what = shown(package_names(call))
    return [control(call.inv, f"service/{what}", f"{call.name} {call.verb} {what}", kind="service")]


class PackageManager(HostTool):
    """`TOOL [OPTIONS] VERB [PACKAGE…]`: the verb's entry says what it does; an unknown verb is unknown."""

    VALUE_OPTIONS = frozenset({"-o", "-c", "-t", "--target-release", "--option", "--config-file", "--enablerepo",
                               "--disablerepo", "--repo", "--installroot", "--releasever", "--exclude", "--setopt",
                               "--root", "--cache-dir", "--repository", "--keys-dir", "--channel", "--revision",
                               "--arch", "--cask-dir", "--appdir"})
    BARE_READS: ClassVar[bool] = True  # the tool without a verb only prints

    def no_verb(self, inv: Invocation, opts: Options) -> list[Effect]:
        if self.BARE_READS:
            return [package_read(inv, "", [])]
        return [inv.unknown(f"{inv.name} ")]

    def unknown_verb(self, call: Call) -> list[Effect]:
        return [call.inv.unknown(f"{call.name} {call.verb}")]


APT_DRY_RUN = frozenset({"-s", "--simulate", "--dry-run", "--just-print", "--no-act", "--recon", "--print-uris"})


class Apt(PackageManager):
    NAMES: ClassVar[tuple[str, ...]] = ("apt", "apt-get")
    DRY_RUN_FLAGS = APT_DRY_RUN
    ENV_VARIABLES = ("APT_CONFIG", "DEBIAN_FRONTEND")
    VERBS = {
        **PackageManager.VERBS,
        **dict.fromkeys(("install", "reinstall", "upgrade", "full-upgrade", "dist-upgrade", "build-dep", "satisfy"),
                        installs),
        **dict.fromkeys(("remove", "purge", "autoremove", "autopurge"), removes),
        "update": refreshes,
        **dict.fromkeys(("list", "search", "show", "policy", "depends", "rdepends", "showsrc", "changelog",
                         "madison", "check", "help", "showpkg", "stats", "dump", "pkgnames", "why", "why-not",
                         "versions"), reads),
        **dict.fromkeys(("download", "source"), downloads),
        **dict.fromkeys(("clean", "autoclean"), cleans),
        **dict.fromkeys(("edit-sources", "mark", "hold", "unhold", "markauto", "unmarkauto"), configures),
    }


class Aptitude(Apt):
    NAMES = ("aptitude",)
    BARE_READS = False  # a bare aptitude opens its full-screen interface


class AptCache(PackageManager):
    """apt-cache only reads, except `gencaches`."""

    NAMES = ("apt-cache",)
    ENV_VARIABLES = ("APT_CONFIG",)
    VERBS = {**PackageManager.VERBS, "gencaches": refreshes}

    def unknown_verb(self, call: Call) -> list[Effect]:
        return reads(self, call)


class Dnf(PackageManager):
    NAMES: ClassVar[tuple[str, ...]] = ("yum", "dnf")
    DRY_RUN_FLAGS = frozenset({"--assumeno"})
    VERBS = {
        **PackageManager.VERBS,
        **dict.fromkeys(("install", "reinstall", "update", "upgrade", "downgrade", "distro-sync", "groupinstall",
                         "localinstall", "swap", "upgrade-minimal", "update-minimal"), installs),
        **dict.fromkeys(("remove", "erase", "autoremove", "groupremove"), removes),
        "makecache": refreshes,
        **dict.fromkeys(("list", "info", "search", "provides", "whatprovides", "repolist", "repoquery", "deplist",
                         "history", "grouplist", "updateinfo", "check-update", "check", "help", "repoinfo",
                         "alias", "module"), reads),
        "clean": cleans,
        **dict.fromkeys(("config-manager", "copr", "versionlock"), configures),
        "download": downloads,
    }


class Microdnf(Dnf):
    NAMES = ("microdnf",)
    DRY_RUN_FLAGS = frozenset()
    BARE_READS = False


class Apk(PackageManager):
    NAMES = ("apk",)
    DRY_RUN_FLAGS = frozenset({"-s", "--simulate"})
    VERBS = {
        **PackageManager.VERBS, "add": installs, "upgrade": installs, "fix": installs, "del": removes,
        "update": refreshes, "cache": cleans, "fetch": downloads,
        **dict.fromkeys(("info", "search", "list", "policy", "dot", "stats", "audit", "verify", "version"), reads),
    }


class Zypper(PackageManager):
    NAMES = ("zypper",)
    DRY_RUN_FLAGS = frozenset({"--dry-run", "-D"})
    VERBS = {
        **PackageManager.VERBS,
        **dict.fromkeys(("in", "install", "up", "update", "dup", "dist-upgrade", "patch", "source-install", "si"),
                        installs),
        **dict.fromkeys(("rm", "remove"), removes),
        **dict.fromkeys(("ref", "refresh"), refreshes),
        **dict.fromkeys(("se", "search", "if", "info", "lu", "list-updates", "lp", "list-patches", "pa",
                         "packages", "lr", "repos", "products", "pd", "patterns", "pt", "wp", "what-provides"),
                        reads),
        **dict.fromkeys(("ar", "addrepo", "rr", "removerepo", "mr", "modifyrepo", "al", "addlock", "rl",
                         "removelock"), configures),
        **dict.fromkeys(("clean", "cc"), cleans),
    }


class Snap(PackageManager):
    NAMES = ("snap",)
    VERBS = {
        **PackageManager.VERBS,
        **dict.fromkeys(("install", "refresh", "revert", "enable", "switch"), installs),
        **dict.fromkeys(("remove", "disable"), removes),
        **dict.fromkeys(("list", "info", "find", "search", "changes", "connections", "version", "services", "logs",
                         "interfaces", "aliases", "warnings", "help"), reads),
        **dict.fromkeys(("start", "stop", "restart"), controls_services),
        **dict.fromkeys(("connect", "disconnect", "set", "unset", "alias", "unalias"), configures),
    }


class Flatpak(PackageManager):
    NAMES = ("flatpak",)
    BARE_READS = False
    VERBS = {
        **PackageManager.VERBS,
        **dict.fromkeys(("install", "update", "upgrade"), installs),
        **dict.fromkeys(("uninstall", "remove"), removes),
        **dict.fromkeys(("list", "info", "search", "remotes", "remote-ls", "history", "ps"), reads),
        **dict.fromkeys(("remote-add", "remote-delete", "remote-modify", "override", "permission-set"), configures),
    }


class Brew(PackageManager):
    NAMES = ("brew",)
    DRY_RUN_FLAGS = frozenset({"--dry-run", "-n"})

    def services(self, call: Call) -> list[Effect]:
        """`brew services start NAME` runs NAME at login: it persists."""
        names = package_names(call)
        sub = names[0] if names else "list"
        if sub in ("list", "info"):
            return [read(call.inv, "services " + sub)]
        effects = [control(call.inv, f"service/{names[1] if len(names) > 1 else '?'}",
                           f"brew services {sub} {' '.join(names[1:2])}", kind="service",
                           tags=("persistence",) if sub in ("start", "run") else ())]
        if sub in ("stop", "kill", "cleanup") and any(gate_target(n, call.inv.ctx) for n in names[1:]):
            effects.append(gate_tampering(call.inv, "service/changegate", f"brew services {sub} stops changegate "
                                          "(the gate this agent works behind)"))
        return effects

    VERBS = {
        **PackageManager.VERBS,
        **dict.fromkeys(("install", "reinstall", "upgrade", "tap", "link", "pin", "unpin", "bundle", "instal"),
                        installs),
        **dict.fromkeys(("uninstall", "remove", "rm", "untap", "unlink", "autoremove"), removes),
        "update": refreshes,
        **dict.fromkeys(("list", "ls", "search", "info", "desc", "deps", "uses", "leaves", "outdated", "config",
                         "doctor", "home", "log", "cat", "commands", "help", "--prefix", "--cellar", "--repository",
                         "--version", "shellenv", "tap-info", "missing", "formulae", "casks", "--cache", "--env",
                         "abv", "options", "fetch"), reads),
        "cleanup": cleans,
        "services": services,
    }


class Port(PackageManager):
    NAMES = ("port",)
    DRY_RUN_FLAGS = frozenset({"-y"})
    VERBS = {
        **PackageManager.VERBS,
        **dict.fromkeys(("install", "upgrade", "selfupdate", "activate"), installs),
        **dict.fromkeys(("uninstall", "deactivate"), removes),
        "sync": refreshes, "clean": cleans,
        **dict.fromkeys(("installed", "list", "search", "info", "deps", "rdeps", "contents", "outdated", "echo",
                         "provides", "variants", "version", "help", "location", "notes"), reads),
    }
