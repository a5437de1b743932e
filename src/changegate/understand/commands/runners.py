"""Runners: commands that run another command — sudo, env, timeout, xargs, ssh, watch, …

Each skips its own options (the tables below say which take a value) and hands the rest to the walker,
changing what the runner changes: sudo elevates, env sets or clears variables and may change directory,
ssh moves the payload to another host (whose name places it), xargs appends arguments only known at run time.
"""

from __future__ import annotations

import shlex
from typing import ClassVar

from changegate.environments import UNKNOWN, Placement
from changegate.model import Effect
from changegate.understand.base import UNKNOWN_PART, Invocation, Stream, Word, lit
from changegate.understand.cli import Cli
from changegate.understand.commands.basic import ReadOnly
from changegate.understand.commands.fs import stand_in
from changegate.understand.commands.shells import opaque

# options that take a value, per runner; `None` entries mark how many positionals precede the command
RUNNER_VALUES: dict[str, frozenset[str]] = {
    "exec": frozenset({"-a"}),
    "time": frozenset({"-f", "--format", "-o", "--output"}),
    "nice": frozenset({"-n", "--adjustment"}),
    "ionice": frozenset({"-c", "--class", "-n", "--classdata", "-p", "--pid", "-P", "-u"}),
    "timeout": frozenset({"-s", "--signal", "-k", "--kill-after"}),
    "stdbuf": frozenset({"-i", "-o", "-e", "--input", "--output", "--error"}),
    "chrt": frozenset(),
    "taskset": frozenset({"-c", "--cpu-list"}),
    "numactl": frozenset({"-C", "-N", "-m", "-p", "-i", "--physcpubind", "--cpunodebind", "--membind",
                          "--preferred", "--interleave"}),
    "strace": frozenset({"-o", "-e", "-p", "-s", "-u", "-a", "-b", "-E", "-I", "-O", "-P", "-S", "-X"}),
    "ltrace": frozenset({"-o", "-e", "-p", "-s", "-u", "-a", "-n", "-A", "-D", "-F", "-l", "-x"}),
    "systemd-run": frozenset({"-u", "--unit", "-p", "--property", "-M", "--machine", "--description",
                              "--slice", "-E", "--setenv", "--uid", "--gid", "--working-directory",
                              "--on-calendar", "--on-active"}),
    "flock": frozenset({"-w", "--timeout", "-E", "--conflict-exit-code"}),
    "xvfb-run": frozenset({"-s", "--server-args", "-n", "--server-num", "-f", "--auth-file", "-e",
                           "--error-file", "-p", "--xauth-protocol"}),
    "unshare": frozenset({"-S", "--setuid", "-G", "--setgid", "-R", "--root", "-w", "--wd"}),
    "nsenter": frozenset({"-t", "--target", "-S", "--setuid", "-G", "--setgid", "-r", "-w"}),
    "setpriv": frozenset({"--reuid", "--regid", "--groups", "--inh-caps", "--bounding-set"}),
    "retry": frozenset({"-t", "--times", "-d", "--delay"}),
    "firejail": frozenset(),
    "entr": frozenset(),
}
# positionals that come before the command: `timeout 10 cmd`, `chroot DIR cmd`, `flock FILE cmd`
LEADING_POSITIONALS = {"timeout": 1, "chroot": 1, "flock": 1, "chrt": 1, "taskset": 1}
# runners that only inspect when given certain flags
LOOKUPS = {"command": frozenset({"-v", "-V"}), "time": frozenset(), "exec": frozenset()}


def split_runner(words: list[Word], values: frozenset[str], leading: int = 0) -> tuple[list[Word], list[Word]]:
    """Split `RUNNER [OPTIONS] [LEADING…] COMMAND…` into the runner's own words and the command."""
    i = 0
    while i < len(words):
        arg = words[i].value
        if arg == "--":
            i += 1
            break
        if arg.startswith("-") and len(arg) > 1:
            name = arg.split("=", 1)[0]
            i += 2 if name in values and "=" not in arg else 1
            continue
        break
    end_of_leading = i
    while leading and end_of_leading < len(words):
        end_of_leading += 1
        leading -= 1
    return words[:end_of_leading], words[end_of_leading:]


class Runner(Cli):
    NAMES = (
        "command", "builtin", "exec", "nohup", "time", "nice", "ionice", "timeout", "stdbuf", "setsid",
        "chrt", "taskset", "numactl", "unbuffer", "torsocks", "proxychains", "proxychains4", "firejail",
        "caffeinate", "catchsegv", "fakeroot", "strace", "ltrace", "xvfb-run", "unshare", "nsenter",
        "setpriv", "systemd-run", "flock", "chroot", "retry", "with-contenv", "dumb-init", "tini", "entr",
    )
    FAMILY = "runner"

    def analyze(self, inv: Invocation) -> list[Effect]:
        name = inv.name
        if name in LOOKUPS and any(w.value in LOOKUPS[name] for w in inv.words[:1]):
            return [inv.effect("read", f"cmd:{name}", Placement("local", "a lookup"), reversible="yes",
                               summary=f"{name} looks a command up")]
        leading = LEADING_POSITIONALS.get(name, 0)
        if name == "taskset" and any(w.value in ("-c", "--cpu-list") for w in inv.words):
            leading = 0
        if name == "flock" and any(w.value in ("-c", "--command") for w in inv.words):
            payload = next((inv.words[i + 1] for i, w in enumerate(inv.words)
                            if w.value in ("-c", "--command") and i + 1 < len(inv.words)), None)
            if payload is not None:
                inv.run_script(payload.value, origin="flock -c")
            return []
        own, command = split_runner(inv.words, RUNNER_VALUES.get(name, frozenset()), leading)
        if not command:
            return [inv.effect("read", f"cmd:{name}", Placement("local", "nothing to run"), reversible="yes",
                               summary=f"{name} with no command")]
        ctx = inv.ctx
        if name == "chroot" and own:
            root = inv.ctx.resolve(own[-1].value)
            ctx = inv.ctx.clone(remote=None, remote_placement=Placement(UNKNOWN, f"inside the chroot {root}"))
        inv.run_argv(command, ctx=ctx, stdin=inv.stdin)
        return []


class Sudo(Cli):
    NAMES = ("sudo", "doas", "pkexec", "gosu", "su-exec")
    FAMILY = "runner"
    VALUES: ClassVar[frozenset[str]] = frozenset({"-u", "-g", "-h", "-p", "-C", "-T", "-r", "-t", "-U", "-D",
                                                  "--user", "--group", "--host", "--prompt", "--close-from",
                                                  "--chdir", "--role", "--type", "--other-user",
                                                  "--command-timeout"})

    def analyze(self, inv: Invocation) -> list[Effect]:
        own, command = split_runner(inv.words, self.VALUES)
        flags = {w.value for w in own}
        if flags & {"-l", "--list", "-v", "--validate", "-k", "-K", "--reset-timestamp", "--remove-timestamp",
                    "-V", "--version", "-h", "--help"} and not command:
            return [inv.effect("read", f"cmd:{inv.name}", Placement("local", "it only checks sudo"),
                               reversible="yes", summary=f"{inv.name} checks its rules")]
        cwd = next((own[i + 1].value for i, w in enumerate(own) if w.value in ("-D", "--chdir") and i + 1 < len(own)),
                   None)
        ctx = inv.ctx.clone(elevated=True, cwd=inv.ctx.resolve(cwd) if cwd else inv.ctx.cwd)
        if "-e" in flags or "--edit" in flags or inv.name == "sudoedit":
            return [inv.fs("modify", w.value, tags=("elevated",), summary=f"edits {w.shown()} as root")
                    for w in command]
        if not command:
            return [inv.effect("host_control", "host:root-shell", inv.ctx.remote_placement or
                               Placement(UNKNOWN, "a root shell on this machine"), kind="shell",
                               tags=("elevated",), summary="opens a root shell")]
        inv.run_argv(command, ctx=ctx, stdin=inv.stdin)
        return []


class Su(Cli):
    NAMES = ("su", "runuser")
    FAMILY = "runner"

    def analyze(self, inv: Invocation) -> list[Effect]:
        words = inv.words
        payload = next((words[i + 1] for i, w in enumerate(words) if w.value in ("-c", "--command")
                        and i + 1 < len(words)), None)
        ctx = inv.ctx.clone(elevated=True)
        if payload is not None:
            if not payload.known:
                return [opaque(inv, "a command string only known at run time")]
            inv.run_script(payload.value, ctx=ctx, origin=f"{inv.name} -c")
            return []
        if inv.name == "runuser" or "--" in (w.value for w in words):
            _, command = split_runner(words, frozenset({"-u", "--user", "-g", "--group", "-G"}))
            if "--" in (w.value for w in words):
                command = words[[w.value for w in words].index("--") + 1:]
            if command:
                inv.run_argv(command, ctx=ctx, stdin=inv.stdin)
                return []
        return [inv.effect("host_control", "host:user-shell", inv.ctx.remote_placement or
                           Placement(UNKNOWN, "a shell as another user"), kind="shell", tags=("elevated",),
                           summary="opens a shell as another user")]


class Env(Cli):
    NAMES = ("env",)
    FAMILY = "runner"

    def analyze(self, inv: Invocation) -> list[Effect]:
        return self.walk(inv, list(inv.words), dict(inv.ctx.env), inv.ctx.cwd, depth=0)

    def walk(self, inv: Invocation, words: list[Word], env: dict[str, str], cwd: str | None,
             depth: int) -> list[Effect]:
        i = 0
        while i < len(words):
            arg = words[i].value
            has_next = i + 1 < len(words)
            if arg in ("-i", "--ignore-environment", "-"):
                env = {}
            elif arg in ("-u", "--unset") and has_next:
                env.pop(words[i + 1].value, None)
                i += 1
            elif arg in ("-C", "--chdir") and has_next:
                cwd = inv.ctx.resolve(words[i + 1].value)
                i += 1
            elif arg.startswith("--chdir="):
                cwd = inv.ctx.resolve(arg.split("=", 1)[1])
            elif arg == "-P" and has_next:
                i += 1  # an alternative PATH to search: the command is the same
            elif ((arg in ("-S", "--split-string") and has_next) or (arg.startswith("-S") and len(arg) > 2)) \
                    and depth < 4:
                # -S splits one string into arguments, which are read again: assignments, options, command
                string = words[i + 1].value if arg in ("-S", "--split-string") else arg[2:]
                tail = words[i + 2:] if arg in ("-S", "--split-string") else words[i + 1:]
                return self.walk(inv, [lit(part) for part in safe_split(string)] + list(tail), env, cwd, depth + 1)
            elif arg == "--":
                i += 1
                break
            elif arg.startswith("-") and len(arg) > 1:
                pass
            elif "=" in arg and not arg.startswith("=") and arg.split("=", 1)[0].replace("_", "a").isalnum():
                key, _, value = arg.partition("=")
                env[key] = value
            else:
                break
            i += 1
        return self.run(inv, list(words[i:]), env, cwd)

    @staticmethod
    def run(inv: Invocation, command: list[Word], env: dict[str, str], cwd: str | None) -> list[Effect]:
        if not command:
            if not env:
                return [inv.effect("read", "env:", Placement("local", "an empty environment"), reversible="yes",
                                   summary="env -i prints nothing")]
            return [ReadOnly.whole_environment(inv)]
        ctx = inv.ctx.clone(env=env, cwd=cwd)
        inv.run_argv(command, ctx=ctx, stdin=inv.stdin)
        return []


def safe_split(text: str) -> list[str]:
    try:
        return shlex.split(text)
    except ValueError:
        return text.split()


class Watch(Cli):
    NAMES = ("watch",)
    FAMILY = "runner"
    VALUES: ClassVar[frozenset[str]] = frozenset({"-n", "--interval", "-q", "--equexit"})

    def analyze(self, inv: Invocation) -> list[Effect]:
        own, command = split_runner(inv.words, self.VALUES)
        if not command:
            return [inv.unknown("watch without a command")]
        if any(w.value in ("-x", "--exec") for w in own):
            inv.run_argv(command)
        else:
            inv.run_script(" ".join(w.value for w in command), origin="watch")
        return []


class Xargs(Cli):
    NAMES = ("xargs",)
    FAMILY = "runner"
    VALUES: ClassVar[frozenset[str]] = frozenset({"-I", "-n", "-L", "-P", "-s", "-d", "-E", "-a", "--arg-file",
                                                  "--max-args", "--max-lines", "--max-procs", "--max-chars",
                                                  "--delimiter", "--eof", "--replace", "--process-slot-var"})

    def analyze(self, inv: Invocation) -> list[Effect]:
        own, command = split_runner(inv.words, self.VALUES)
        replace = None
        for i, w in enumerate(own):
            if w.value == "-I" and i + 1 < len(own):
                replace = own[i + 1].value
            elif w.value.startswith("-I") and len(w.value) > 2:
                replace = w.value[2:]
            elif w.value.startswith("--replace"):
                replace = (w.value.split("=", 1)[1] if "=" in w.value else "") or "{}"
            elif w.value.startswith("-i"):
                replace = w.value[2:] or "{}"
        if not command:
            command = [lit("echo")]
        stdin = inv.stdin or Stream()
        if stdin.text is not None and not stdin.opaque:
            return self.known_arguments(inv, command, replace, stdin.text)
        if replace:
            item = stand_in(stdin.path_roots[0], stdin.every_path) if stdin.path_roots else Word(UNKNOWN_PART)
            command = [Word(w.value.replace(replace, item.value), glob=item.glob and w.value == replace, text=w.text)
                       if replace in w.value else w for w in command]
        stream = Stream(origin="arguments from stdin", path_roots=stdin.path_roots, every_path=stdin.every_path)
        inv.run_argv(command, stdin=stream, args_unknown=replace is None)
        return []

    @staticmethod
    def known_arguments(inv: Invocation, command: list[Word], replace: str | None, text: str) -> list[Effect]:
        """`echo a b | xargs rm`: the arguments are known, so the command is too."""
        if replace:
            for line in [ln for ln in text.splitlines() if ln.strip()][:MAX_PARALLEL]:
                inv.run_argv([Word(w.value.replace(replace, line.strip()), text=w.text) for w in command])
        else:
            items = safe_split(text)[:64]
            inv.run_argv([*command, *(lit(item) for item in items)])
        return []


class Parallel(Cli):
    NAMES = ("parallel",)
    FAMILY = "runner"

    def analyze(self, inv: Invocation) -> list[Effect]:
        values = [w.value for w in inv.words]
        cut = next((i for i, v in enumerate(values) if v in (":::", "::::", ":::+", "::::+")), len(values))
        _own, command = split_runner(list(inv.words[:cut]), frozenset({"-j", "--jobs", "-S", "--sshlogin", "--joblog",
                                                                      "--delay", "--timeout", "-a", "--arg-file",
                                                                      "--results", "--tmpdir", "-d", "--delimiter"}))
        args = [w.value for w in inv.words[cut + 1:]] if cut < len(values) else []
        if not command and cut == len(values) and inv.stdin is not None and inv.stdin.text is not None:
            # no command: each input line is a command of its own
            for line in [ln for ln in inv.stdin.text.splitlines() if ln.strip()][:MAX_PARALLEL]:
                inv.run_script(line, origin="parallel input")
            return []
        if not command and not args and cut < len(values):
            return [inv.effect("read", "cmd:parallel", Placement("local", "nothing to run"), reversible="yes",
                               summary="parallel with nothing to run")]
        if not args and cut == len(values) and inv.stdin is not None and inv.stdin.text is not None:
            args = [ln for ln in inv.stdin.text.splitlines() if ln.strip()]  # inputs from stdin
        # one word of the template stays one word (GNU parallel joins them with spaces, quoting nothing but
        # the inputs it substitutes)
        template = " ".join(w.value if len(command) == 1 else shlex.quote(w.value) for w in command) \
            if command else "{}"
        targets = args[:MAX_PARALLEL] if args and all(UNKNOWN_PART not in a for a in args) else [UNKNOWN_PART]
        for target in targets:
            quoted = target if target == UNKNOWN_PART else shlex.quote(target)
            script = template.replace("{}", quoted) if "{}" in template else f"{template} {quoted}"
            inv.run_script(script, origin="parallel")
        return []


MAX_PARALLEL = 8


class Script(Cli):
    NAMES = ("script",)
    FAMILY = "runner"

    def analyze(self, inv: Invocation) -> list[Effect]:
        words = inv.words
        for i, w in enumerate(words):
            if w.value in ("-c", "--command") and i + 1 < len(words):
                inv.run_script(words[i + 1].value, origin="script -c")
                return []
            if w.value.startswith("--command="):
                inv.run_script(w.value.split("=", 1)[1], origin="script -c")
                return []
        return [inv.effect("unknown", "cmd:script", inv.arguments_placement(), summary="records a terminal session")]


class Busybox(Cli):
    NAMES = ("busybox", "toybox")
    FAMILY = "runner"

    def analyze(self, inv: Invocation) -> list[Effect]:
        if not inv.words:
            return [inv.effect("read", f"cmd:{inv.name}", Placement("local", "lists applets"), reversible="yes")]
        inv.run_argv(inv.words, stdin=inv.stdin)
        return []


class Ssh(Cli):
    NAMES = ("ssh", "mosh", "autossh")
    FAMILY = "remote"
    VALUES: ClassVar[frozenset[str]] = frozenset({"-b", "-c", "-D", "-E", "-e", "-F", "-I", "-i", "-J", "-L", "-l",
                                                  "-m", "-O", "-o", "-p", "-Q", "-R", "-S", "-W", "-w", "-B"})

    def analyze(self, inv: Invocation) -> list[Effect]:
        words = inv.words
        user = None
        i = 0
        while i < len(words):
            arg = words[i].value
            if arg == "--":
                i += 1
                break
            if arg.startswith("-") and len(arg) > 1:
                if arg in self.VALUES:
                    if arg == "-l" and i + 1 < len(words):
                        user = words[i + 1].value
                    i += 2
                    continue
                i += 1
                continue
            break
        if i >= len(words):
            return [inv.unknown("ssh without a host")]
        destination = words[i].value
        command = words[i + 1:]
        if destination.startswith("ssh://"):
            destination = destination[6:].split("/", 1)[0]
        if "@" in destination:
            user, _, destination = destination.rpartition("@")
        host = destination.split(":", 1)[0]
        placement = inv.ctx.environments.host(host, "ssh host")
        inv.ctx.consulted.setdefault("ssh:host", host)
        if not command:
            return [inv.effect("host_control", f"host:{host}", placement, kind="shell",
                               summary=f"opens a shell on {host}: nothing it does there can be seen")]
        remote_home = "/root" if user == "root" else f"/home/{user or 'remote'}"
        ctx = inv.ctx.clone(remote=host, remote_placement=placement, cwd=remote_home, home=remote_home,
                            env={}, workspace=None)
        inv.run_script(" ".join(w.value for w in command), ctx=ctx, origin=f"ssh {host}")
        return []
