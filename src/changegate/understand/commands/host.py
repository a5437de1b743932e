"""The machine itself: power, services, processes, firewall, scheduled jobs, accounts, mounts, kernel, packages.

None of this is the workspace. Whatever changes the machine lands on everything and everyone on it, so it
is placed `unknown` (the default policy asks) — unless the command runs inside a container or on a remote
host, where that container or host places it. A few things are the agent's own business and stay local:
the user's own systemd units (`systemctl --user`), stopping processes of its own user by id, refreshing a
package index. Reading (status, list, show) is a read everywhere.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Sequence
from typing import Any, ClassVar

from changegate.environments import LOCAL, UNKNOWN, Placement
from changegate.model import Effect, Operation, Reversible, Scope
from changegate.understand.base import UNKNOWN_PART, Invocation, Word
from changegate.understand.cli import Cli, Options, parse_options

POWER_VERBS = frozenset({"reboot", "poweroff", "halt", "suspend", "hibernate", "hybrid-sleep", "kexec", "rescue",
                         "emergency", "soft-reboot", "suspend-then-hibernate"})
SYSTEMCTL_READ = frozenset({
    "status", "show", "cat", "help", "list-units", "list-unit-files", "list-timers", "list-sockets",
    "list-dependencies", "list-jobs", "list-machines", "list-automounts", "list-paths", "is-active", "is-enabled",
    "is-failed", "is-system-running", "get-default", "show-environment", "list-units-files", "--version",
    "log-level", "log-target", "service-watchdogs",
})
SYSTEMCTL_PERSISTENT = frozenset({"enable", "disable", "mask", "unmask", "preset", "preset-all", "reenable",
                                  "link", "edit", "set-property", "revert", "add-wants", "add-requires",
                                  "set-default"})
SYSTEMCTL_VALUES = frozenset({"-t", "--type", "-s", "--signal", "--state", "-p", "--property", "-H", "--host",
                              "-M", "--machine", "--root", "-n", "--lines", "-o", "--output", "--kill-whom",
                              "--kill-value", "--what", "--job-mode", "--boot-loader-entry", "--boot-loader-menu",
                              "--reboot-argument", "--timestamp", "--image", "--preset-mode", "--message",
                              "--when", "--check-inhibitors", "--drop-in"})
# Services whose loss cuts access to the machine or breaks it; stopping or masking them is worse.
CRITICAL_SERVICES = frozenset({
    "sshd", "ssh", "networking", "network", "networkmanager", "systemd-networkd", "systemd-resolved", "docker",
    "containerd", "firewalld", "ufw", "iptables", "nftables", "cron", "crond", "systemd-journald", "rsyslog",
    "dbus", "auditd", "kubelet", "sssd", "systemd-logind", "polkit", "apparmor", "fail2ban", "chronyd", "ntp",
    "systemd-timesyncd", "multi-user.target", "default.target", "graphical.target", "network.target",
    "network-online.target", "sockets.target", "basic.target", "sysinit.target", "getty.target", "init",
    "systemd", "nginx", "apache2", "httpd", "postgresql", "postgres", "mysql", "mysqld", "mariadb", "mongod",
    "redis", "redis-server", "wazuh-agent", "falcon-sensor", "osqueryd", "clamav-daemon",
})
# Process names that are the machine's (killing them hits every user), and names so common that killing all
# of them hits more than the agent's own (the agent itself is often a node or python process).
SYSTEM_PROCESSES = CRITICAL_SERVICES | frozenset({
    "systemd-udevd", "udevd", "dhclient", "dbus-daemon", "polkitd", "rsyslogd", "syslogd", "journald",
    "Xorg", "gnome-shell", "WindowServer", "loginwindow", "launchd", "kernel_task", "dockerd", "containerd-shim",
    "sshd-session", "agetty", "login", "gdm", "lightdm", "sddm", "cupsd", "avahi-daemon", "wpa_supplicant",
})
BROAD_PROCESSES = frozenset({"node", "python", "python3", "java", "ruby", "bash", "sh", "zsh", "fish", "ssh",
                             "sudo", "code", "electron", "perl", "php", "go", "deno", "bun", "tmux", "screen",
                             "chrome", "firefox", "docker", "git", "vim", "nvim", "emacs", "claude", "cursor",
                             "codex", "gemini", ".", ".*", "*", "", "-", "^", "$", "root", "usr", "bin"})
READ_SIGNALS = frozenset({"0"})
ACCOUNT_DELETES = frozenset({"userdel", "deluser", "groupdel", "delgroup"})
PRIVILEGED_GROUPS = frozenset({"sudo", "wheel", "admin", "root", "docker", "adm", "lxd", "libvirt", "disk",
                               "shadow", "staff", "kvm", "systemd-journal"})

# Package managers: verb -> what it does to the machine.
READ, INDEX, INSTALL, REMOVE, CACHE, CONFIG, DOWNLOAD, SERVICE = ("read", "index", "install", "remove", "cache",
                                                                  "config", "download", "service")
_APT = {
    **dict.fromkeys(("install", "reinstall", "upgrade", "full-upgrade", "dist-upgrade", "build-dep", "satisfy"),
                    INSTALL),
    **dict.fromkeys(("remove", "purge", "autoremove", "autopurge"), REMOVE),
    "update": INDEX,
    **dict.fromkeys(("list", "search", "show", "policy", "depends", "rdepends", "showsrc", "changelog", "madison",
                     "check", "help", "showpkg", "stats", "dump", "pkgnames", "why", "why-not", "versions"), READ),
    **dict.fromkeys(("download", "source"), DOWNLOAD),
    **dict.fromkeys(("clean", "autoclean"), CACHE),
    **dict.fromkeys(("edit-sources", "mark", "hold", "unhold", "markauto", "unmarkauto"), CONFIG),
}
_DNF = {
    **dict.fromkeys(("install", "reinstall", "update", "upgrade", "downgrade", "distro-sync", "groupinstall",
                     "localinstall", "swap", "upgrade-minimal", "update-minimal"), INSTALL),
    **dict.fromkeys(("remove", "erase", "autoremove", "groupremove"), REMOVE),
    "makecache": INDEX,
    **dict.fromkeys(("list", "info", "search", "provides", "whatprovides", "repolist", "repoquery", "deplist",
                     "history", "grouplist", "updateinfo", "check-update", "check", "help", "repoinfo",
                     "alias", "module"), READ),
    "clean": CACHE,
    **dict.fromkeys(("config-manager", "copr", "versionlock"), CONFIG),
    "download": DOWNLOAD,
}
_APK = {"add": INSTALL, "upgrade": INSTALL, "fix": INSTALL, "del": REMOVE, "update": INDEX, "cache": CACHE,
        "fetch": DOWNLOAD,
        **dict.fromkeys(("info", "search", "list", "policy", "dot", "stats", "audit", "verify", "version"), READ)}
_ZYPPER = {
    **dict.fromkeys(("in", "install", "up", "update", "dup", "dist-upgrade", "patch", "source-install", "si"),
                    INSTALL),
    **dict.fromkeys(("rm", "remove"), REMOVE),
    **dict.fromkeys(("ref", "refresh"), INDEX),
    **dict.fromkeys(("se", "search", "if", "info", "lu", "list-updates", "lp", "list-patches", "pa", "packages",
                     "lr", "repos", "products", "pd", "patterns", "pt", "wp", "what-provides"), READ),
    **dict.fromkeys(("ar", "addrepo", "rr", "removerepo", "mr", "modifyrepo", "al", "addlock", "rl",
                     "removelock"), CONFIG),
    **dict.fromkeys(("clean", "cc"), CACHE),
}
_SNAP = {
    **dict.fromkeys(("install", "refresh", "revert", "enable", "switch"), INSTALL),
    **dict.fromkeys(("remove", "disable"), REMOVE),
    **dict.fromkeys(("list", "info", "find", "search", "changes", "connections", "version", "services", "logs",
                     "interfaces", "aliases", "warnings", "help"), READ),
    **dict.fromkeys(("start", "stop", "restart"), SERVICE),
    **dict.fromkeys(("connect", "disconnect", "set", "unset", "alias", "unalias"), CONFIG),
}
_FLATPAK = {**dict.fromkeys(("install", "update", "upgrade"), INSTALL), **dict.fromkeys(("uninstall", "remove"),
                                                                                        REMOVE),
            **dict.fromkeys(("list", "info", "search", "remotes", "remote-ls", "history", "ps"), READ),
            **dict.fromkeys(("remote-add", "remote-delete", "remote-modify", "override", "permission-set"), CONFIG)}
_BREW = {
    **dict.fromkeys(("install", "reinstall", "upgrade", "tap", "link", "pin", "unpin", "bundle", "instal"),
                    INSTALL),
    **dict.fromkeys(("uninstall", "remove", "rm", "untap", "unlink", "autoremove"), REMOVE),
    "update": INDEX,
    **dict.fromkeys(("list", "ls", "search", "info", "desc", "deps", "uses", "leaves", "outdated", "config",
                     "doctor", "home", "log", "cat", "commands", "help", "--prefix", "--cellar", "--repository",
                     "--version", "shellenv", "tap-info", "missing", "formulae", "casks", "--cache", "--env",
                     "abv", "options", "fetch"), READ),
    "cleanup": CACHE,
    "services": SERVICE,
}
_PORT = {**dict.fromkeys(("install", "upgrade", "selfupdate", "activate"), INSTALL),
         **dict.fromkeys(("uninstall", "deactivate"), REMOVE), "sync": INDEX, "clean": CACHE,
         **dict.fromkeys(("installed", "list", "search", "info", "deps", "rdeps", "contents", "outdated", "echo",
                          "provides", "variants", "version", "help", "location", "notes"), READ)}
PACKAGE_VERBS: dict[str, dict[str, str]] = {"apt": _APT, "apt-get": _APT, "aptitude": _APT, "apt-cache": _APT,
                                            "yum": _DNF, "dnf": _DNF, "microdnf": _DNF, "apk": _APK,
                                            "zypper": _ZYPPER, "snap": _SNAP, "flatpak": _FLATPAK, "brew": _BREW,
                                            "port": _PORT}
PACKAGE_VALUES = frozenset({"-o", "-c", "-t", "--target-release", "--option", "--config-file", "--enablerepo",
                            "--disablerepo", "--repo", "--installroot", "--releasever", "--exclude", "--setopt",
                            "--root", "--cache-dir", "--repository", "--keys-dir", "--channel", "--revision",
                            "--arch", "--cask-dir", "--appdir"})
# Flags that make a change a dry run, per tool (`-s` is a dry run to apt and a source build to brew).
_APT_DRY = frozenset({"-s", "--simulate", "--dry-run", "--just-print", "--no-act", "--recon", "--print-uris"})
DRY_RUN: dict[str, frozenset[str]] = {
    "apt": _APT_DRY, "apt-get": _APT_DRY, "aptitude": _APT_DRY, "yum": frozenset({"--assumeno"}),
    "dnf": frozenset({"--assumeno"}), "microdnf": frozenset(), "apk": frozenset({"-s", "--simulate"}),
    "zypper": frozenset({"--dry-run", "-D"}), "brew": frozenset({"--dry-run", "-n"}), "port": frozenset({"-y"}),
    "snap": frozenset(), "flatpak": frozenset(), "apt-cache": frozenset(),
}
# Packages whose removal breaks the machine or its package manager.
ESSENTIAL_PACKAGES = ("libc6", "libc-bin", "glibc", "coreutils", "bash", "dash", "systemd", "systemd-sysv", "init",
                      "sudo", "apt", "dpkg", "rpm", "yum", "dnf", "pacman", "openssh-server", "openssh",
                      "openssh-client", "ssh", "linux-image*", "linux-generic", "kernel", "kernel-core", "grub*",
                      "util-linux", "login", "passwd", "base-files", "base-passwd", "libpam*", "pam", "python3",
                      "perl-base", "tar", "gzip", "sed", "grep", "findutils", "mount", "e2fsprogs",
                      "ca-certificates", "zlib1g", "libselinux*", "network-manager", "netplan.io", "ifupdown",
                      "iproute2", "busybox", "musl", "apk-tools", "alpine-base", "apt-utils", "libssl*",
                      "openssl", "shadow-utils", "filesystem", "setup")

IP_OBJECTS = {
    **dict.fromkeys(("a", "ad", "add", "addr", "addre", "addres", "address"), "address"),
    **dict.fromkeys(("l", "li", "lin", "link"), "link"),
    **dict.fromkeys(("r", "ro", "rou", "rout", "route"), "route"),
    **dict.fromkeys(("n", "ne", "nei", "neigh", "neighbor", "neighbour"), "neighbour"),
    **dict.fromkeys(("ru", "rul", "rule"), "rule"),
    **dict.fromkeys(("m", "mo", "mon", "moni", "monitor"), "monitor"),
}
IP_READ = frozenset({"show", "sh", "s", "list", "ls", "lst", "l", "get", "g", "help", "monitor", "save",
                     "showdump", "identify", "pids"})
IP_VALUES = frozenset({"-n", "-netns", "-b", "-batch", "-rc", "-rcvbuf", "-f", "-family", "-l", "-loops"})


def machine(inv: Invocation) -> Placement:
    """Where a change to the machine lands: the container or remote host it runs in, or this machine, which
    is not the workspace."""
    if inv.ctx.remote_placement is not None:
        return inv.ctx.remote_placement
    return Placement(UNKNOWN, "this machine is not the workspace: the change lands on everything running on it "
                              "(unknown is treated as prod)")


def matches_any(name: str, patterns: Sequence[str]) -> bool:
    return any(fnmatch.fnmatchcase(name, p) for p in patterns)


class Host(Cli):
    NAMES = (
        "shutdown", "reboot", "halt", "poweroff", "systemctl", "service", "kill", "killall", "pkill",
        "iptables", "ip6tables", "nft", "ufw", "firewall-cmd", "crontab", "userdel", "useradd", "usermod",
        "passwd", "chpasswd", "groupdel", "groupadd", "visudo", "mount", "umount", "swapoff", "swapon",
        "sysctl", "modprobe", "rmmod", "insmod", "hostnamectl", "timedatectl", "launchctl", "init",
        "telinit", "apt", "apt-get", "aptitude", "yum", "dnf", "apk", "pacman", "zypper", "snap", "dpkg",
        "rpm", "brew", "port", "setenforce", "ip", "hostname", "iptables-save", "iptables-restore",
        "ip6tables-save", "ip6tables-restore", "iptables-legacy", "iptables-nft", "adduser", "deluser",
        "addgroup", "delgroup", "groupmod", "gpasswd", "chsh", "chfn", "chage", "at", "batch", "atrm",
        "update-rc.d", "chkconfig", "rc-update", "rc-service", "dscl", "sysadminctl", "dseditgroup",
        "microdnf", "flatpak", "apt-cache",
    )
    FAMILY = "host"
    HANDLERS: ClassVar[dict[str, str]] = {
        **dict.fromkeys(("shutdown", "reboot", "halt", "poweroff"), "power"),
        **dict.fromkeys(("init", "telinit"), "runlevel"),
        "systemctl": "systemctl", "service": "service", "rc-service": "service",
        **dict.fromkeys(("update-rc.d", "chkconfig", "rc-update"), "boot_services"),
        "kill": "kill", **dict.fromkeys(("killall", "pkill"), "kill_by_name"),
        **dict.fromkeys(("iptables", "ip6tables", "iptables-restore", "ip6tables-restore", "iptables-save",
                         "ip6tables-save", "iptables-legacy", "iptables-nft"), "iptables"),
        "nft": "nft", "ufw": "ufw", "firewall-cmd": "firewall_cmd",
        "crontab": "crontab", **dict.fromkeys(("at", "batch"), "at"), "atrm": "atrm",
        **dict.fromkeys(("useradd", "adduser", "userdel", "deluser", "usermod", "passwd", "chpasswd", "groupadd",
                         "addgroup", "groupdel", "delgroup", "groupmod", "gpasswd", "chsh", "chfn", "chage",
                         "visudo", "dscl", "sysadminctl", "dseditgroup"), "accounts"),
        **dict.fromkeys(("mount", "umount", "swapoff", "swapon"), "mounts"),
        "sysctl": "sysctl", **dict.fromkeys(("modprobe", "insmod", "rmmod"), "modules"),
        **dict.fromkeys(("hostnamectl", "timedatectl"), "settings"), "hostname": "hostname",
        "launchctl": "launchctl", "setenforce": "setenforce", "ip": "ip",
        **dict.fromkeys(("apt", "apt-get", "aptitude", "apt-cache", "yum", "dnf", "microdnf", "apk", "zypper",
                         "snap", "flatpak", "brew", "port"), "packages"),
        "pacman": "pacman", "dpkg": "dpkg", "rpm": "rpm",
    }

    def analyze(self, inv: Invocation) -> list[Effect]:
        handler = self.HANDLERS.get(inv.name)
        if handler is None:
            return [inv.unknown("a host command changegate has no table for")]
        if [w.value for w in inv.words] in (["--help"], ["-h"], ["--version"], ["-V"]) and inv.name not in (
                "halt", "shutdown", "reboot", "poweroff"):
            return [self.read(inv, inv.words[0].value)]
        result: list[Effect] = getattr(self, handler)(inv)
        return result

    # --- effect builders -------------------------------------------------------------------------------
    @staticmethod
    def read(inv: Invocation, what: str = "") -> Effect:
        return inv.effect("read", f"host:{inv.name}", inv.ctx.remote_placement or Placement(LOCAL, "it only reads"),
                          reversible="yes", summary=f"{inv.name} {what} (reads)".replace("  ", " "))

    @staticmethod
    def control(inv: Invocation, resource: str, summary: str, *, operation: Operation = "host_control",
                tags: Sequence[str] = (), placement: Placement | None = None, scope: Scope = "one",
                reversible: Reversible = "unknown", kind: str = "host", data_loss: bool = False,
                suggestions: Sequence[str] = ()) -> Effect:
        all_tags = [*tags, "elevated"] if inv.ctx.elevated else list(tags)
        return inv.effect(operation, f"host:{resource}", placement or machine(inv), kind=kind, scope=scope,
                          reversible=reversible, data_loss=data_loss, tags=tuple(all_tags), summary=summary,
                          suggestions=tuple(suggestions))

    # --- power -----------------------------------------------------------------------------------------------
    def power(self, inv: Invocation) -> list[Effect]:
        opts = parse_options(inv.words, frozenset())
        if inv.name == "shutdown" and opts.has("-c", "--cancel"):
            return [self.control(inv, "power", "shutdown -c cancels a pending shutdown", reversible="yes")]
        if opts.has("--help", "-w", "--wtmp-only") or (inv.name == "shutdown" and opts.has("-k")):
            return [self.read(inv, "writes a record or a warning only")]
        verb = "reboots" if inv.name == "reboot" or opts.has("-r", "--reboot") else "shuts down"
        return [self.power_effect(inv, f"{inv.name} {verb} the machine")]

    def power_effect(self, inv: Invocation, summary: str) -> Effect:
        return self.control(inv, "power", summary + ": everything running on it stops", tags=("power",),
                            scope="all", reversible="no",
                            suggestions=("restart only the service you mean: systemctl --user restart NAME",))

    def runlevel(self, inv: Invocation) -> list[Effect]:
        args = [w.value for w in inv.words]
        if not args or args[0].startswith("--"):
            return [self.read(inv)]
        if args[0] in ("0", "6"):
            return [self.power_effect(inv, f"{inv.name} {args[0]} {'reboots' if args[0] == '6' else 'halts'} "
                                           "the machine")]
        return [self.control(inv, f"runlevel/{args[0]}", f"{inv.name} {args[0]} switches the machine's run level",
                             tags=("power",), scope="all")]

    # --- services ------------------------------------------------------------------------------------------
    def systemctl(self, inv: Invocation) -> list[Effect]:
        opts = parse_options(inv.words, SYSTEMCTL_VALUES)
        verb = opts.positionals[0] if opts.positionals else "list-units"
        units = [unit_name(u) for u in opts.positionals[1:]]
        user = opts.has("--user")
        placement = self.service_placement(inv, opts, user)
        if verb in SYSTEMCTL_READ or (opts.has("--dry-run") and verb not in POWER_VERBS):
            return [self.read(inv, verb)]
        if verb in POWER_VERBS or (verb == "isolate" and any(u in ("rescue.target", "emergency.target",
                                                                  "poweroff.target", "reboot.target",
                                                                  "halt.target") for u in units)):
            return [self.power_effect(inv, f"systemctl {verb}")]
        if verb in SYSTEMCTL_PERSISTENT:
            return [self.unit_effect(inv, verb, units, placement, persistent=True)]
        return [self.unit_effect(inv, verb, units, placement, persistent=False)]

    def service_placement(self, inv: Invocation, opts: Options, user: bool) -> Placement:
        host = opts.value("-H", "--host")
        if host:
            return inv.ctx.environments.host(host.split("@")[-1], "systemctl --host")
        if user:
            return inv.ctx.remote_placement or Placement(LOCAL, "a unit of the user's own service manager "
                                                                "(--user), not the machine's")
        return machine(inv)

    def unit_effect(self, inv: Invocation, verb: str, units: Sequence[str], placement: Placement, *,
                    persistent: bool) -> Effect:
        critical = [u for u in units if u in CRITICAL_SERVICES]
        stopping = verb in ("stop", "kill", "mask", "disable", "isolate", "freeze", "clean")
        tags: list[str] = []
        if critical and stopping:
            tags.append("critical-service")
        if persistent:
            tags.append("persistence")
        names = ", ".join(units[:4]) or "every unit"
        summary = f"systemctl {verb} {names}"
        if critical and stopping:
            summary += f": {critical[0]} keeps the machine reachable or running; without it access can be lost"
        operation: Operation = "modify" if persistent else "host_control"
        if verb == "clean":
            operation = "delete"
            summary += " (deletes the units' state, cache or logs)"
        return self.control(inv, f"service/{names}", summary, operation=operation, tags=tags, placement=placement,
                            scope="many" if len(units) > 1 else "one", kind="service",
                            reversible="yes" if verb in ("start", "restart", "reload", "enable", "unmask")
                            else "unknown",
                            suggestions=(f"systemctl status {names} first; prefer restart over stop",)
                            if critical and stopping else ())

    def service(self, inv: Invocation) -> list[Effect]:
        args = [w.value for w in inv.words if not w.value.startswith("-")]
        if any(w.value == "--status-all" for w in inv.words) or len(args) < 2 or args[1] in ("status", "describe"):
            return [self.read(inv, " ".join(args))]
        return [self.unit_effect(inv, args[1], [unit_name(args[0])], machine(inv), persistent=False)]

    def boot_services(self, inv: Invocation) -> list[Effect]:
        args = [w.value for w in inv.words]
        if not args or "--list" in args or args == ["show"]:
            return [self.read(inv, " ".join(args))]
        return [self.control(inv, f"service/{args[0]}", f"{inv.name} {' '.join(args[:3])} changes what starts with "
                             "the machine", operation="modify", tags=("persistence",), kind="service")]

    # --- processes -------------------------------------------------------------------------------------------
    def kill(self, inv: Invocation) -> list[Effect]:
        words = list(inv.words)
        signal = "TERM"
        signal_given = False
        targets: list[Word] = []
        i = 0
        while i < len(words):
            value = words[i].value
            if value in ("-l", "-L", "--list", "--table"):
                return [self.read(inv, "lists signals")]
            if value in ("-s", "-n", "--signal") and i + 1 < len(words):
                signal, signal_given = words[i + 1].value, True
                i += 2
                continue
            if value == "--":
                targets.extend(words[i + 1:])
                break
            # the first dash word is the signal (`kill -9 -1`: -9 the signal, -1 every process)
            if not signal_given and not targets and value.startswith("-") and len(value) > 1:
                signal, signal_given = value[1:], True
            else:
                targets.append(words[i])
            i += 1
        signal = signal.upper().removeprefix("SIG")
        if not targets and inv.args_unknown:
            targets = [Word(UNKNOWN_PART, text="(process ids read from stdin)")]
        if not targets or signal in READ_SIGNALS:
            return [self.read(inv, "checks whether a process exists")]
        return [self.signal_effect(inv, target, signal) for target in targets[:16]]

    def signal_effect(self, inv: Invocation, target: Word, signal: str) -> Effect:
        value = target.value
        what = f"kill -{signal} {target.shown()}"
        if value == "-1":
            return self.control(inv, "processes/*", f"{what} signals every process the user can reach (the agent, "
                                "its shell and editor included)", tags=("machine-wide",), scope="all",
                                reversible="no", kind="process",
                                suggestions=("kill the process you started by its id: kill PID",))
        if value == "1":
            return self.control(inv, "processes/init", f"{what} signals the init process: the machine goes down",
                                tags=("critical-service",), scope="all", reversible="no", kind="process")
        own = Placement(LOCAL, "a process of the agent's own user, by id: stopping one it started is ordinary")
        if not target.known and not found_by_id(target):
            own = Placement(UNKNOWN, "the process id is only known when the command runs: it could be any process "
                                     "the user can signal (unknown is treated as prod)")
        placement = machine(inv) if inv.ctx.elevated else inv.ctx.remote_placement or own
        if value.startswith("%") or value == "0":
            placement = inv.ctx.remote_placement or Placement(LOCAL, "a job or the process group of this shell")
        return self.control(inv, f"process/{target.shown()}", f"{what} stops a process"
                            + (" as root (any process on the machine)" if inv.ctx.elevated else ""),
                            placement=placement, kind="process", reversible="no")

    def kill_by_name(self, inv: Invocation) -> list[Effect]:
        values = frozenset({"-s", "--signal", "-u", "--user", "--euid", "-U", "--uid", "-g", "--pgroup", "-G",
                            "--group", "-P", "--parent", "-t", "--terminal", "--ns", "--nslist", "-F",
                            "--pidfile", "-o", "--older-than", "-y", "--younger-than", "-n", "--session"})
        if inv.name == "pkill":
            values = values - {"-o", "-n"}
        opts = parse_options(inv.words, values)
        if opts.has("-l", "--list") and not opts.positionals:
            return [self.read(inv, "lists signals")]
        patterns = [p for p in opts.positionals if not p.lstrip("-").isdigit() or inv.name == "pkill"]
        by_user = opts.value("-u", "--user", "--euid", "-U", "--uid")
        full = opts.has("-f", "--full")
        if not patterns and by_user is not None:
            return [self.control(inv, f"processes/user/{by_user}", f"{inv.name} -u {by_user} stops every process of "
                                 f"{by_user} (the agent's own session, if it is that user)",
                                 tags=("machine-wide",), scope="all", reversible="no", kind="process")]
        if not patterns:
            return [inv.unknown(f"{inv.name} without a process name")]
        effects: list[Effect] = []
        for pattern in patterns[:8]:
            name = pattern.strip("^$")
            if name in SYSTEM_PROCESSES or name.split("/")[-1] in SYSTEM_PROCESSES:
                effects.append(self.control(inv, f"processes/{name}", f"{inv.name} {pattern} stops the machine's "
                                            f"own {name}", tags=("critical-service",), scope="many",
                                            reversible="no", kind="process"))
            elif name in BROAD_PROCESSES or len(name) < (4 if full else 3):
                effects.append(self.control(inv, f"processes/{name or '*'}", f"{inv.name} {pattern} stops every "
                                            f"{name or 'matching'} process on the machine, not only the one you "
                                            "started (the agent itself may be one)", tags=("machine-wide",),
                                            scope="all", reversible="no", kind="process",
                                            suggestions=("stop the process you started by its id, or match its "
                                                         "full command line: pkill -f 'node server.js'",)))
            else:
                placement = machine(inv) if inv.ctx.elevated else inv.ctx.remote_placement or Placement(
                    LOCAL, "processes of the agent's own user matching a specific name")
                effects.append(self.control(inv, f"processes/{name}", f"{inv.name} {pattern} stops the matching "
                                            "processes", placement=placement, scope="many", reversible="no",
                                            kind="process"))
        return effects

    # --- firewall -------------------------------------------------------------------------------------------
    def iptables(self, inv: Invocation) -> list[Effect]:
        if inv.name.endswith("-save"):
            return [self.read(inv, "prints the rules")]
        if inv.name.endswith("-restore"):
            return [self.control(inv, "firewall", f"{inv.name} replaces the firewall rules", kind="firewall",
                                 tags=("firewall",))]
        flags = short_and_long(inv.words, frozenset({"-t", "--table", "-A", "-D", "-I", "-R", "-N", "-E", "-P",
                                                     "-j", "-p", "-s", "-d", "-i", "-o", "-m", "--dport",
                                                     "--sport", "-w", "--wait"}))
        if flags & {"F", "--flush", "X", "--delete-chain"}:
            return [self.control(inv, "firewall", f"{inv.name} flushes the firewall rules: the machine is left "
                                 "open (or cut off, if the default policy drops)", tags=("firewall", "flush"),
                                 kind="firewall", scope="all", reversible="no",
                                 suggestions=(f"save the rules first: {inv.name}-save > rules.backup",))]
        if flags & {"A", "--append", "D", "--delete", "I", "--insert", "R", "--replace", "P", "--policy", "N",
                    "--new-chain", "E", "--rename-chain", "Z", "--zero"}:
            return [self.control(inv, "firewall", f"{inv.name} changes the firewall rules", tags=("firewall",),
                                 kind="firewall")]
        return [self.read(inv, "lists the rules")]

    def nft(self, inv: Invocation) -> list[Effect]:
        opts = parse_options(inv.words, frozenset({"-f", "--file", "-I", "--includepath", "-D", "--define"}))
        verb = opts.positionals[0] if opts.positionals else ""
        if opts.has("-c", "--check") or verb in ("list", "monitor", "describe", "-h") or (not verb and not opts.has(
                "-f", "--file")):
            return [self.read(inv, verb)]
        flushing = verb == "flush" or (verb == "delete" and "table" in opts.positionals[1:2])
        return [self.control(inv, "firewall", f"nft {' '.join(opts.positionals[:3]) or 'loads rules'} changes the "
                             "firewall", tags=("firewall", "flush") if flushing else ("firewall",), kind="firewall",
                             scope="all" if flushing else "one")]

    def ufw(self, inv: Invocation) -> list[Effect]:
        opts = parse_options(inv.words, frozenset())
        verb = opts.positionals[0] if opts.positionals else "status"
        if verb in ("status", "show", "version", "help") or (verb == "app" and opts.positionals[1:2] in (
                ["list"], ["info"])) or opts.has("--dry-run"):
            return [self.read(inv, verb)]
        if verb in ("disable", "reset"):
            return [self.control(inv, "firewall", f"ufw {verb} switches the firewall off",
                                 tags=("firewall", "firewall-off"), kind="firewall", scope="all")]
        return [self.control(inv, "firewall", f"ufw {' '.join(opts.positionals[:4])} changes the firewall",
                             tags=("firewall",), kind="firewall")]

    def firewall_cmd(self, inv: Invocation) -> list[Effect]:
        flags = [w.value.split("=", 1)[0] for w in inv.words if w.value.startswith("--")]
        changing = [f for f in flags if f.startswith(("--add-", "--remove-", "--set-", "--new-", "--delete-",
                                                      "--change-", "--load-", "--reset-", "--reload",
                                                      "--complete-reload", "--runtime-to-permanent", "--panic-on",
                                                      "--panic-off", "--lockdown-"))]
        if not changing:
            return [self.read(inv, " ".join(flags[:2]))]
        tags = ("firewall", "firewall-off") if "--panic-on" in changing else ("firewall",)
        return [self.control(inv, "firewall", f"firewall-cmd {' '.join(changing[:3])} changes the firewall",
                             tags=tags, kind="firewall")]

    # --- scheduled jobs -----------------------------------------------------------------------------------
    def crontab(self, inv: Invocation) -> list[Effect]:
        opts = parse_options(inv.words, frozenset({"-u", "-c"}))
        user = opts.value("-u")
        who = user or "the user"
        table = f"cron/{user or 'current-user'}"
        if opts.has("-l") and not opts.has("-r", "-e"):
            return [self.read(inv, f"lists {who}'s scheduled jobs")]
        if opts.has("-r"):
            return [self.control(inv, table, f"crontab -r deletes every scheduled job of {who}",
                                 operation="delete", kind="schedule", reversible="no",
                                 suggestions=("save it first: crontab -l > crontab.backup; then edit the line "
                                              "you mean",))]
        source = opts.positionals[0] if opts.positionals else ("-" if inv.stdin is not None else "")
        what = "opens the crontab for editing" if opts.has("-e") or not source else \
            f"replaces {who}'s crontab with {'its input' if source == '-' else source}"
        effects = [self.control(inv, table, f"crontab {what}: jobs that run later, outside this task",
                                operation="modify", tags=("persistence",), kind="schedule")]
        text = inv.stdin.text if source == "-" and inv.stdin is not None else None
        if source and source != "-":
            text = inv.walker.file_stream(source, inv.ctx).text
        if text:
            effects.extend(self.scheduled_commands(inv, text, cron=True))
        return effects

    def scheduled_commands(self, inv: Invocation, text: str, *, cron: bool) -> list[Effect]:
        """What a schedule will run, understood like any command (its effects are recorded by the walker)."""
        for line in text.splitlines()[:64]:
            line = line.strip()
            if not line or line.startswith("#") or (cron and "=" in line.split()[0]):
                continue
            command = " ".join(line.split()[5:]) if cron and not line.startswith("@") else (
                " ".join(line.split()[1:]) if cron else line)
            if command:
                inv.run_script(command, origin="a scheduled job")
        return []

    def at(self, inv: Invocation) -> list[Effect]:
        opts = parse_options(inv.words, frozenset({"-f", "-q", "-t"}))
        if opts.has("-l", "-c") and not opts.positionals[1:]:
            return [self.read(inv, "lists scheduled jobs")]
        if opts.has("-r", "-d"):
            return self.atrm(inv)
        effects = [self.control(inv, "at", f"{inv.name} schedules a job that runs later, outside this task",
                                operation="create", tags=("persistence",), kind="schedule")]
        script = opts.value("-f")
        text = inv.walker.file_stream(script, inv.ctx).text if script else (
            inv.stdin.text if inv.stdin is not None else None)
        if text:
            self.scheduled_commands(inv, text, cron=False)
        return effects

    def atrm(self, inv: Invocation) -> list[Effect]:
        return [self.control(inv, "at", f"{inv.name} removes scheduled jobs", operation="delete", kind="schedule",
                             reversible="no")]

    # --- accounts ------------------------------------------------------------------------------------------
    def accounts(self, inv: Invocation) -> list[Effect]:
        name = inv.name
        values = frozenset({"-g", "-G", "-s", "-d", "-u", "-c", "-e", "-f", "-k", "-K", "-p", "-R", "-P", "-Z",
                            "-l", "--groups", "--gid", "--shell", "--home", "--uid", "--comment", "--password",
                            "--expiredate", "--root", "--prefix", "-a", "-m", "-M", "-I", "-W", "-E"}) - (
            {"-a", "-m", "-l"} if name in ("usermod", "useradd", "passwd") else set())
        opts = parse_options(inv.words, values, long_single_dash=name in ("dscl", "sysadminctl", "dseditgroup"))
        if self.reads_accounts(inv, opts):
            return [self.read(inv, "shows account details")]
        account = opts.positionals[-1] if opts.positionals else "the user"
        tags: list[str] = ["accounts"]
        groups = ",".join([*opts.values("-G", "--groups", "-g", "--gid", "-a"), *opts.positionals]).split(",")
        if any(g in PRIVILEGED_GROUPS for g in groups) or (opts.value("-u", "--uid") == "0"):
            tags.append("privilege-escalation")
        if name == "visudo":
            tags.extend(("persistence", "privilege-escalation"))
        if name in ACCOUNT_DELETES or (name == "dscl" and "-delete" in opts.flags) or "-deleteUser" in opts.flags:
            removes_home = opts.has("-r", "--remove", "--remove-home", "-f")
            return [self.control(inv, f"account/{account}", f"{name} deletes the account {account}"
                                 + (" and its home directory" if removes_home else ""), operation="delete",
                                 tags=tags, kind="account", reversible="no", data_loss=removes_home)]
        return [self.control(inv, f"account/{account}", f"{name} {' '.join(w.value for w in inv.words[:4])} changes "
                             "who can log in or what they may do", operation="permission", tags=tags,
                             kind="account")]

    @staticmethod
    def reads_accounts(inv: Invocation, opts: Options) -> bool:
        name = inv.name
        if name == "passwd":
            return opts.has("-S", "--status") and not opts.has("-l", "-u", "-d", "-e")
        if name == "chage":
            return opts.has("-l", "--list")
        if name == "visudo":
            return opts.has("-c", "--check")
        if name == "dscl":
            return any(f in opts.flags for f in ("-read", "-list", "-search", "-readall", "-readpl")) or any(
                p in ("-read", "-list", "-search", "-readall") for p in opts.positionals)
        if name == "sysadminctl":
            return not any(f in opts.flags for f in ("-addUser", "-deleteUser", "-resetPasswordFor",
                                                     "-guestAccount", "-adminUser", "-secureTokenOn",
                                                     "-autologin"))
        return False

    # --- mounts, kernel, settings -------------------------------------------------------------------------------
    def mounts(self, inv: Invocation) -> list[Effect]:
        opts = parse_options(inv.words, frozenset({"-t", "-o", "-O", "-L", "-U", "--types", "--options", "-p",
                                                   "--priority", "-T", "--fstab"}))
        listing = inv.name == "swapon" and opts.has("--show", "-s", "--summary")
        if listing or (not opts.positionals and not opts.has("-a", "--all", "-A")):
            return [self.read(inv, "lists mounts")]
        every = opts.has("-a", "--all", "-A")
        target = opts.positionals[-1] if opts.positionals else "*"
        verb = {"mount": "mounts", "umount": "unmounts", "swapoff": "turns off swap on",
                "swapon": "turns on swap on"}[inv.name]
        return [self.control(inv, f"mount:{target}", f"{inv.name} {verb} {'every filesystem' if every else target}",
                             tags=("mount",), kind="filesystem", scope="all" if every else "one")]

    def sysctl(self, inv: Invocation) -> list[Effect]:
        opts = parse_options(inv.words, frozenset({"-p", "--load", "-f"}))
        if opts.has("-w", "--write", "-p", "--load", "--system", "-f") or any("=" in p for p in opts.positionals):
            return [self.control(inv, "kernel", f"sysctl {' '.join(opts.positionals[:2]) or 'loads settings'} "
                                 "changes kernel settings", tags=("kernel",), kind="kernel")]
        return [self.read(inv, "shows kernel settings")]

    def modules(self, inv: Invocation) -> list[Effect]:
        opts = parse_options(inv.words, frozenset({"-C", "--config", "-d", "--dirname", "-S", "--set-version"}))
        if inv.name == "modprobe" and (opts.has("-n", "--dry-run", "--show-depends", "-c", "--showconfig", "-D",
                                                "--show-modversions") or not opts.positionals):
            return [self.read(inv, "shows module information")]
        removing = inv.name == "rmmod" or opts.has("-r", "--remove")
        module = opts.positionals[0] if opts.positionals else "?"
        return [self.control(inv, f"kernel/module/{module}", f"{inv.name} {'removes' if removing else 'loads'} the "
                             f"kernel module {module}: code that runs inside the kernel", tags=("kernel",),
                             kind="kernel module")]

    def settings(self, inv: Invocation) -> list[Effect]:
        opts = parse_options(inv.words, frozenset())
        verb = opts.positionals[0] if opts.positionals else "status"
        if not verb.startswith("set-") and not (inv.name == "hostnamectl" and verb in ("hostname", "icon-name",
                                                                                        "chassis", "deployment",
                                                                                        "location")
                                                 and len(opts.positionals) > 1):
            return [self.read(inv, verb)]
        return [self.control(inv, f"settings/{verb}", f"{inv.name} {' '.join(opts.positionals[:2])} changes the "
                             "machine's settings", kind="settings", reversible="yes")]

    def hostname(self, inv: Invocation) -> list[Effect]:
        opts = parse_options(inv.words, frozenset({"-F", "--file"}))
        if opts.positionals or opts.has("-F", "--file", "-b", "--boot"):
            return [self.control(inv, "settings/hostname", f"hostname {' '.join(opts.positionals[:1])} renames the "
                                 "machine", kind="settings", reversible="yes")]
        return [self.read(inv, "prints the machine's name")]

    def launchctl(self, inv: Invocation) -> list[Effect]:
        args = [w.value for w in inv.words]
        verb = args[0] if args else "help"
        if verb in ("list", "print", "print-cache", "print-disabled", "blame", "dumpstate", "procinfo", "hostinfo",
                    "resolveport", "examine", "version", "help", "getenv", "managerpid", "manageruid",
                    "managername", "error", "variant", "dumpjpcategory", "plist"):
            return [self.read(inv, verb)]
        if verb == "reboot":
            return [self.power_effect(inv, "launchctl reboot")]
        if verb in ("load", "bootstrap", "enable", "submit"):
            return [self.control(inv, f"launchd/{args[-1] if len(args) > 1 else '?'}", f"launchctl {verb} "
                                 f"{' '.join(args[1:3])}: a job that starts on its own, outside this task",
                                 operation="modify", tags=("persistence",), kind="service")]
        return [self.control(inv, f"launchd/{args[-1] if len(args) > 1 else '?'}",
                             f"launchctl {' '.join(args[:3])} controls a service", kind="service")]

    def setenforce(self, inv: Invocation) -> list[Effect]:
        mode = inv.words[0].value.lower() if inv.words else ""
        off = mode in ("0", "permissive")
        return [self.control(inv, "selinux", "setenforce " + mode + (": switches SELinux enforcement off" if off
                                                                     else ": changes SELinux enforcement"),
                             tags=("security-off",) if off else (), kind="security")]

    def ip(self, inv: Invocation) -> list[Effect]:
        words = list(inv.words)
        i = 0
        batch = False
        while i < len(words) and words[i].value.startswith("-"):
            batch = batch or words[i].value in ("-b", "-batch")
            i += 2 if words[i].value in IP_VALUES else 1
        if batch:
            return [self.control(inv, "network", "ip -batch runs network commands from a file", kind="network")]
        rest = [w.value for w in words[i:]]
        if not rest:
            return [self.read(inv, "help")]
        obj = IP_OBJECTS.get(rest[0], rest[0])
        if obj == "netns" and rest[1:2] == ["exec"] and len(words) > i + 3:
            inv.run_argv(words[i + 3:])
            return []
        command = rest[1] if len(rest) > 1 else "show"
        if obj == "monitor" or command in IP_READ or (obj in ("address", "link", "route", "neighbour", "rule")
                                                      and command.startswith("-")):
            return [self.read(inv, f"{obj} {command}")]
        cuts = command == "flush" or (obj == "link" and "down" in rest) or (
            obj == "route" and command in ("del", "delete") and "default" in rest)
        return [self.control(inv, f"network/{obj}", f"ip {' '.join(rest[:4])} changes the machine's network"
                             + (": connections over it can be cut" if cuts else ""),
                             tags=("network", "network-cut") if cuts else ("network",), kind="network")]

    # --- packages --------------------------------------------------------------------------------------------
    def packages(self, inv: Invocation) -> list[Effect]:
        opts = parse_options(inv.words, PACKAGE_VALUES)
        table = PACKAGE_VERBS[inv.name]
        verb = opts.positionals[0] if opts.positionals else ""
        names = [p for p in opts.positionals[1:] if not p.startswith("-")]
        if inv.name == "brew" and verb == "services":
            sub = names[0] if names else "list"
            if sub in ("list", "info"):
                return [self.read(inv, "services " + sub)]
            return [self.control(inv, f"service/{names[1] if len(names) > 1 else '?'}", f"brew services {sub} "
                                 f"{' '.join(names[1:2])}", kind="service",
                                 tags=("persistence",) if sub in ("start", "run") else ())]
        kind = table.get(verb, "")
        if not verb and inv.name in ("apt", "apt-get", "yum", "dnf", "apk", "brew", "port", "zypper", "snap"):
            kind = READ
        if inv.name == "apt-cache":
            kind = READ if verb != "gencaches" else INDEX
        if opts.flags.keys() & DRY_RUN[inv.name] and kind in (INSTALL, REMOVE, CACHE):
            return [self.read(inv, f"{verb} (a dry run)")]
        return [self.package_effect(inv, kind, verb, names, purge="purge" in verb or opts.has("--purge"))]

    def package_effect(self, inv: Invocation, kind: str, verb: str, names: Sequence[str],
                       purge: bool = False) -> Effect:
        shown = " ".join(names[:4]) or "packages"
        if kind == READ:
            return self.read(inv, f"{verb} {shown}".strip())
        if kind == INDEX:
            return self.control(inv, "packages/index", f"{inv.name} {verb} refreshes the package index",
                                operation="modify", reversible="yes", kind="package index",
                                placement=inv.ctx.remote_placement or Placement(
                                    LOCAL, "it refreshes the package index only; nothing installed changes"))
        if kind == DOWNLOAD:
            return inv.fs("create", ".", reversible="yes", summary=f"{inv.name} {verb} downloads {shown} here")
        if kind == INSTALL:
            return self.control(inv, f"packages/{shown}", f"{inv.name} {verb} {shown}: changes the software "
                                "installed on the machine", operation="modify", tags=("packages",),
                                kind="package", reversible="yes",
                                suggestions=("install it in the project instead (a virtualenv, node_modules, a "
                                             "container)",))
        if kind == REMOVE:
            essential = [n for n in names if matches_any(n.split("=")[0].split(":")[0], ESSENTIAL_PACKAGES)]
            tags = ["packages", "essential-package"] if essential else ["packages"]
            return self.control(inv, f"packages/{shown}", f"{inv.name} {verb} {shown}"
                                + (f": {essential[0]} is part of the operating system; the machine may not boot "
                                   "or manage packages again" if essential else ": removes software from the "
                                                                                "machine"),
                                operation="delete", tags=tags, kind="package",
                                reversible="no" if essential or purge else "yes", data_loss=purge)
        if kind == CACHE:
            return self.control(inv, "packages/cache", f"{inv.name} {verb} deletes the machine's package cache",
                                operation="delete", tags=("machine-wide",), scope="all", reversible="yes",
                                kind="cache")
        if kind == CONFIG:
            return self.control(inv, "packages/sources", f"{inv.name} {verb} {shown} changes where the machine gets "
                                "software or which versions it keeps", operation="permission", kind="package source")
        if kind == SERVICE:
            return self.control(inv, f"service/{shown}", f"{inv.name} {verb} {shown}", kind="service")
        return inv.unknown(f"{inv.name} {verb}")

    def pacman(self, inv: Invocation) -> list[Effect]:
        opts = parse_options(inv.words, frozenset({"-r", "--root", "-b", "--dbpath", "--cachedir", "--config",
                                                   "--arch", "--overwrite", "--assume-installed", "--ignore",
                                                   "--ignoregroup"}))
        letters = set("".join(f[1:] for f in opts.flags if f.startswith("-") and not f.startswith("--")))
        longs = set(opts.flags)
        names = opts.positionals
        if letters & set("QFTV") or longs & {"--query", "--files", "--deptest", "--version"}:
            return [self.read(inv, "query")]
        if "R" in letters or "--remove" in longs:
            return [self.package_effect(inv, REMOVE, "-R", names, purge="n" in letters)]
        if "U" in letters or "--upgrade" in longs:
            return [self.package_effect(inv, INSTALL, "-U", names)]
        if "S" in letters or "--sync" in longs:
            if letters & set("sigl") or "p" in letters or longs & {"--search", "--info", "--groups", "--list",
                                                                   "--print"}:
                return [self.read(inv, "-S (query)")]
            if "c" in letters or "--clean" in longs:
                return [self.package_effect(inv, CACHE, "-Sc", names)]
            if not names and "u" not in letters:
                return [self.package_effect(inv, INDEX, "-Sy", names)]
            return [self.package_effect(inv, INSTALL, "-S", names or ["every package"])]
        if "D" in letters or "--database" in longs:
            return [self.package_effect(inv, CONFIG, "-D", names)]
        return [self.read(inv)]

    def dpkg(self, inv: Invocation) -> list[Effect]:
        opts = parse_options(inv.words, frozenset({"--root", "--admindir", "--instdir", "--force", "--path-include",
                                                   "--path-exclude"}))
        flags = set(opts.flags)
        names = opts.positionals
        if flags & {"-r", "--remove", "-P", "--purge"}:
            return [self.package_effect(inv, REMOVE, "--remove", names, purge=bool(flags & {"-P", "--purge"}))]
        if flags & {"-i", "--install", "--unpack", "--configure", "-a"}:
            return [self.package_effect(inv, INSTALL, "--install", names)]
        if flags & {"--set-selections", "--add-architecture", "--remove-architecture", "--clear-selections"}:
            return [self.package_effect(inv, CONFIG, "selections", names)]
        if flags & {"-x", "--extract", "-X", "--vextract", "-b", "--build"}:
            return [inv.fs("create", names[-1] if len(names) > 1 else ".", reversible="yes",
                           summary=f"dpkg unpacks or builds {' '.join(names[:2])}")]
        return [self.read(inv, "queries packages")]

    def rpm(self, inv: Invocation) -> list[Effect]:
        opts = parse_options(inv.words, frozenset({"--root", "--dbpath", "--define", "-D", "--qf", "--queryformat",
                                                   "--eval", "-E", "--rcfile", "--macros", "--relocate",
                                                   "--prefix"}))
        letters = set("".join(f[1:] for f in opts.flags if f.startswith("-") and not f.startswith("--")))
        flags = set(opts.flags)
        names = opts.positionals
        if "--test" in flags or "q" in letters or flags & {"--query", "--verify", "--checksig", "--querytags",
                                                           "--showrc", "--eval", "-E", "--version"} or "V" in letters:
            return [self.read(inv, "queries packages")]
        if "e" in letters or "--erase" in flags:
            return [self.package_effect(inv, REMOVE, "--erase", names)]
        if letters & set("iUF") or flags & {"--install", "--upgrade", "--freshen", "--reinstall"}:
            return [self.package_effect(inv, INSTALL, "--install", names)]
        if "--import" in flags:
            return [self.package_effect(inv, CONFIG, "--import", names)]
        return [self.read(inv)]


# Commands that find the process the agent means: by port, by pid file, its own jobs, a specific name.
PID_FINDERS = frozenset({"lsof", "fuser", "pgrep", "pidof", "jobs", "cat", "head", "tail", "ss"})


def found_by_id(word: Word) -> bool:
    """A pid computed from `$!`, `$(lsof -ti:3000)`, `$(cat server.pid)`, `$(pgrep -f 'node app.js')`:
    the process the agent started or named, not one picked from the whole machine's process list."""
    text = word.text.strip('"')
    if text in ("$!", "${!}"):
        return True
    if "$(" not in text and "`" not in text:
        return False
    from changegate.understand.shell import parse, walk

    commands: list[list[str]] = []
    for node in walk(parse(text).root_node):
        if node.type == "command" and inside_substitution(node):
            commands.append([c.text.decode("utf-8", "replace").strip("'\"") for c in node.named_children])
    if not commands:
        return False
    for parts in commands:
        name = parts[0].rsplit("/", 1)[-1] if parts else ""
        arguments = [p for p in parts[1:] if not p.startswith("-")]
        if name not in PID_FINDERS:
            return False
        if name in ("cat", "head", "tail") and not any(a.endswith(".pid") for a in arguments):
            return False
        if name in ("pgrep", "pidof") and any(a.strip("^$") in SYSTEM_PROCESSES | BROAD_PROCESSES or len(a) < 3
                                               for a in arguments or [""]):
            return False
    return True


def inside_substitution(node: Any) -> bool:
    parent = node.parent
    for _ in range(64):
        if parent is None:
            return False
        if parent.type == "command_substitution":
            return True
        parent = parent.parent
    return False


def unit_name(unit: str) -> str:
    """`sshd.service` -> sshd; targets keep their suffix."""
    name = unit.rsplit("/", 1)[-1]
    for suffix in (".service", ".socket"):
        if name.endswith(suffix):
            return name[: -len(suffix)].lower()
    return name.lower()


def short_and_long(words: Sequence[Word], takes_value: frozenset[str]) -> set[str]:
    """Every option letter (`-nvL` -> n, v, L) and long option given, skipping option values."""
    found: set[str] = set()
    skip = False
    for word in words:
        if skip:
            skip = False
            continue
        value = word.value
        if value.startswith("--"):
            name = value.split("=", 1)[0]
            found.add(name)
            skip = name in takes_value and "=" not in value
        elif value.startswith("-") and len(value) > 1:
            found.update(value[1:])
            skip = value in takes_value
    return found
