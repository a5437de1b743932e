"""Processes: kill (by id), killall and pkill (by name).

Stopping a process of the agent's own user by id is ordinary — by an id it started (`$!`), found by port or
pid file, or written out. `-1`, init, the machine's own daemons and names so common that they match more
than the agent's own processes (node, python, bash) are machine-wide.
"""

from __future__ import annotations

from typing import Any, ClassVar

from changegate.environments import LOCAL, UNKNOWN, Placement
from changegate.model import Effect
from changegate.understand.base import UNKNOWN_PART, Invocation, Word
from changegate.understand.commands.host.common import (
    HostTool,
    control,
    gate_tampering,
    machine,
    read,
)
from changegate.understand.commands.host.services import CRITICAL_SERVICES
from changegate.understand.selfguard import gate_target

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
LIST_FLAGS = ("-l", "-L", "--list", "--table")
SIGNAL_OPTIONS = ("-s", "-n", "--signal")
MAX_TARGETS = 16  # process ids signalled one by one
MAX_PATTERNS = 8  # process names matched one by one
# Commands that find the process the agent means: by port, by pid file, its own jobs, a specific name.
PID_FINDERS = frozenset({"lsof", "fuser", "pgrep", "pidof", "jobs", "cat", "head", "tail", "ss"})
MAX_PARENTS = 64  # how far up a syntax tree a substitution is looked for


class Kill(HostTool):
    """`kill [-SIGNAL | -s SIGNAL] TARGET…`: the first dash word before any target names the signal
    (`kill -9 -1`: -9 the signal, -1 every process), so a word like `-KILL` is one option, not letters."""

    NAMES = ("kill",)
    VALUE_OPTIONS = frozenset(SIGNAL_OPTIONS)
    LONG_SINGLE_DASH = True

    def effects(self, inv: Invocation) -> list[Effect]:
        opts = self.walk(inv.words)
        if opts.has(*LIST_FLAGS):
            return [read(inv, "lists signals")]
        signal = "TERM"
        signal_given = False
        targets: list[Word] = []
        for item in opts.items:
            dashed = item.option is not None or (item.word.value.startswith("-") and len(item.word.value) > 1
                                                 and item.index < len(inv.words) - len(opts.rest))
            if item.option in SIGNAL_OPTIONS and item.value is not None:
                signal, signal_given = item.value, True
            elif dashed and not signal_given and not targets:
                signal, signal_given = item.word.value[1:], True
            else:
                targets.append(item.word)
        signal = signal.upper().removeprefix("SIG")
        if not targets and inv.args_unknown:
            origin = inv.stdin.origin if inv.stdin is not None else ""
            if gate_target(origin):
                return [gate_tampering(inv, "processes/changegate", f"{inv.name} stops changegate: the process "
                                       f"ids come from {origin}")]
            targets = [Word(UNKNOWN_PART, text="(process ids read from stdin)")]
        if not targets or signal in READ_SIGNALS:
            return [read(inv, "checks whether a process exists")]
        return [signal_effect(inv, target, signal) for target in targets[:MAX_TARGETS]]


def signal_effect(inv: Invocation, target: Word, signal: str) -> Effect:
    value = target.value
    what = f"kill -{signal} {target.shown()}"
    if finds_the_gate(target, inv):
        return gate_tampering(inv, f"processes/{target.shown()}", f"{what} stops changegate: the process id "
                              "is looked up by the gate's name")
    if value == "-1":
        return control(inv, "processes/*", f"{what} signals every process the user can reach (the agent, its "
                       "shell and editor included)", tags=("machine-wide",), scope="all", reversible="no",
                       kind="process", suggestions=("kill the process you started by its id: kill PID",))
    if value == "1":
        return control(inv, "processes/init", f"{what} signals the init process: the machine goes down",
                       tags=("critical-service",), scope="all", reversible="no", kind="process")
    own = Placement(LOCAL, "a process of the agent's own user, by id: stopping one it started is ordinary")
    if not target.known and not found_by_id(target):
        own = Placement(UNKNOWN, "the process id is only known when the command runs: it could be any process "
                                 "the user can signal (unknown is treated as prod)")
    placement = machine(inv) if inv.ctx.elevated else inv.ctx.remote_placement or own
    if value.startswith("%") or value == "0":
        placement = inv.ctx.remote_placement or Placement(LOCAL, "a job or the process group of this shell")
    return control(inv, f"process/{target.shown()}", f"{what} stops a process"
                   + (" as root (any process on the machine)" if inv.ctx.elevated else ""),
                   placement=placement, kind="process", reversible="no")


def found_by_id(word: Word) -> bool:
    """A pid computed from `$!`, `$(lsof -ti:3000)`, `$(cat server.pid)`, `$(pgrep -f 'node app.js')`:
    the process the agent started or named, not one picked from the whole machine's process list."""
    text = word.text.strip('"')
    if text in ("$!", "${!}"):
        return True
    commands = substituted_commands(word)
    return bool(commands) and all(finds_one(parts) for parts in commands)


def substituted_commands(word: Word) -> list[list[str]]:
    """The commands of a word's command substitutions (`$(pgrep -f x)`), each as its words."""
    text = word.text.strip('"')
    if "$(" not in text and "`" not in text:
        return []
    from changegate.understand.lex.bash import parse, walk

    return [[c.text.decode("utf-8", "replace").strip("'\"") for c in node.named_children]
            for node in walk(parse(text).root_node) if node.type == "command" and inside_substitution(node)]


def finds_the_gate(word: Word, inv: Invocation) -> bool:
    """A pid looked up by the gate's name: `$(pgrep -f 'changegate serve')`, `$(pidof changegate)`,
    `$(cat ~/.local/state/changegate/server.pid)`."""
    for parts in substituted_commands(word):
        name = parts[0].rsplit("/", 1)[-1] if parts else ""
        arguments = [p for p in parts[1:] if not p.startswith("-")]
        if name == "pgrep" and any(gate_target(a, pattern=True) for a in arguments):
            return True
        if name in PID_FINDERS and any(gate_target(a, inv.ctx) for a in arguments):
            return True
    return False


def finds_one(parts: list[str]) -> bool:
    """A command inside a pid substitution that names one process (or the agent's own)."""
    name = parts[0].rsplit("/", 1)[-1] if parts else ""
    arguments = [p for p in parts[1:] if not p.startswith("-")]
    if name not in PID_FINDERS:
        return False
    if name in ("cat", "head", "tail") and not any(a.endswith(".pid") for a in arguments):
        return False
    return not (name in ("pgrep", "pidof") and any(a.strip("^$") in SYSTEM_PROCESSES | BROAD_PROCESSES
                                                    or len(a) < 3 for a in arguments or [""]))


def inside_substitution(node: Any) -> bool:
    parent = node.parent
    for _ in range(MAX_PARENTS):
        if parent is None:
            return False
        if parent.type == "command_substitution":
            return True
        parent = parent.parent
    return False


class Killall(HostTool):
    """killall: process names; numbers among them are not names."""

    NAMES = ("killall",)
    VALUE_OPTIONS = frozenset({
        "-s", "--signal", "-u", "--user", "--euid", "-U", "--uid", "-g", "--pgroup", "-G", "--group", "-P",
        "--parent", "-t", "--terminal", "--ns", "--nslist", "-F", "--pidfile", "-o", "--older-than", "-y",
        "--younger-than", "-n", "--session",
    })
    NUMBERS_ARE_PATTERNS: ClassVar[bool] = False
    REGEX: ClassVar[bool] = False  # its names are regular expressions (pkill; killall with -r)

    def effects(self, inv: Invocation) -> list[Effect]:
        opts = self.walk(inv.words)
        if opts.has("-l", "--list") and not opts.positionals:
            return [read(inv, "lists signals")]
        patterns = [p for p in opts.positionals if self.NUMBERS_ARE_PATTERNS or not p.lstrip("-").isdigit()]
        by_user = opts.value("-u", "--user", "--euid", "-U", "--uid")
        if not patterns and by_user is not None:
            return [control(inv, f"processes/user/{by_user}", f"{inv.name} -u {by_user} stops every process of "
                            f"{by_user} (the agent's own session, if it is that user)", tags=("machine-wide",),
                            scope="all", reversible="no", kind="process")]
        if not patterns:
            return [inv.effect("read", f"host:{inv.name}", Placement(LOCAL, "without a process name it only "
                               "prints its usage"), reversible="yes", summary=f"{inv.name} without a process name "
                               "fails; nothing is signalled")]
        full = opts.has("-f", "--full")
        regex = self.REGEX or opts.has("-r", "--regexp")
        exact = self.REGEX and opts.has("-x", "--exact")
        return [pattern_effect(inv, pattern, full, regex, exact) for pattern in patterns[:MAX_PATTERNS]]


class Pkill(Killall):
    """pkill: patterns (a number is one too); `-o` and `-n` pick the oldest or newest match."""

    NAMES = ("pkill",)
    VALUE_OPTIONS = Killall.VALUE_OPTIONS - {"-o", "-n"}
    NUMBERS_ARE_PATTERNS = True
    REGEX = True


def pattern_effect(inv: Invocation, pattern: str, full: bool, regex: bool, exact: bool) -> Effect:
    name = pattern.strip("^$")
    if gate_target(pattern, pattern=True) if regex and not exact else gate_target(pattern, inv.ctx):
        return gate_tampering(inv, f"processes/{name}", f"{inv.name} {pattern} stops changegate's processes "
                              "(the gate this agent works behind)")
    if name in SYSTEM_PROCESSES or name.split("/")[-1] in SYSTEM_PROCESSES:
        return control(inv, f"processes/{name}", f"{inv.name} {pattern} stops the machine's own {name}",
                       tags=("critical-service",), scope="many", reversible="no", kind="process")
    if name in BROAD_PROCESSES or len(name) < (4 if full else 3):
        return control(inv, f"processes/{name or '*'}", f"{inv.name} {pattern} stops every {name or 'matching'} "
                       "process on the machine, not only the one you started (the agent itself may be one)",
                       tags=("machine-wide",), scope="all", reversible="no", kind="process",
                       suggestions=("stop the process you started by its id, or match its full command line: "
                                    "pkill -f 'node server.js'",))
    placement = machine(inv) if inv.ctx.elevated else inv.ctx.remote_placement or Placement(
        LOCAL, "processes of the agent's own user matching a specific name")
    return control(inv, f"processes/{name}", f"{inv.name} {pattern} stops the matching processes",
                   placement=placement, scope="many", reversible="no", kind="process")
