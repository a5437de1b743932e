"""Runners that run the command after their own words as it is: nohup, nice, timeout, stdbuf, chroot, ….

Each says which of its options take a value and how many operands stand before the command
(`timeout 10 cmd`, `chroot DIR cmd`); the command goes back to the walker.
"""

from __future__ import annotations

from typing import ClassVar

from changegate.environments import LOCAL, UNKNOWN, Placement
from changegate.model import Effect
from changegate.understand.base import UNKNOWN_PART, Context, Invocation, Stream, Word
from changegate.understand.cli import Options
from changegate.understand.commands.shell.common import CommandRunner, program_paths


class Runner(CommandRunner):
    NAMES: ClassVar[tuple[str, ...]] = (
        "builtin", "nohup", "setsid", "unbuffer", "torsocks", "proxychains", "proxychains4", "firejail",
        "caffeinate", "catchsegv", "fakeroot", "with-contenv", "dumb-init", "tini", "zrun",
    )
    LOOKUP_FLAGS: ClassVar[frozenset[str]] = frozenset()  # a first word that makes it only look a command up
    RUNS_FUNCTIONS: ClassVar[bool] = False  # the shell's own functions run too (the `time` keyword), not a program

    def analyze(self, inv: Invocation) -> list[Effect]:
        if inv.words and inv.words[0].value in self.LOOKUP_FLAGS:
            return [inv.effect("read", f"cmd:{inv.name}", Placement("local", "a lookup"), reversible="yes",
                               summary=f"{inv.name} looks a command up")]
        _, leading, command = self.split(inv.words)
        if not command:
            return [inv.effect("read", f"cmd:{inv.name}", Placement("local", "nothing to run"), reversible="yes",
                               summary=f"{inv.name} with no command")]
        inv.run_argv(command, ctx=self.context(inv, leading), stdin=inv.stdin, functions=self.RUNS_FUNCTIONS)
        return []

    def context(self, inv: Invocation, leading: list[Word]) -> Context:
        return inv.ctx


class Command(Runner):
    NAMES = ("command",)
    LOOKUP_FLAGS = frozenset({"-v", "-V"})

    def analyze(self, inv: Invocation) -> list[Effect]:
        effects = super().analyze(inv)
        if inv.words and inv.words[0].value == "-v":
            inv.stdout = program_paths(inv, [w.value for w in inv.words[1:]])
        return effects


class Exec(Runner):
    NAMES = ("exec",)
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({"-a"})


class Time(Runner):
    NAMES = ("time",)
    RUNS_FUNCTIONS = True  # bash's `time f` times the function
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({"-f", "--format", "-o", "--output"})


class Nice(Runner):
    NAMES = ("nice",)
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({"-n", "--adjustment"})  # and `-10`, the old form of -n 10


class Ionice(Runner):
    NAMES = ("ionice",)
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({"-c", "--class", "-n", "--classdata", "-p", "--pid", "-P",
                                                       "-u"})


class Timeout(Runner):
    NAMES = ("timeout",)
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({"-s", "--signal", "-k", "--kill-after"})
    LEADING = 1  # the duration


class Stdbuf(Runner):
    NAMES = ("stdbuf",)
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({"-i", "-o", "-e", "--input", "--output", "--error"})


class Chrt(Runner):
    NAMES = ("chrt",)
    LEADING = 1  # the priority


class Taskset(Runner):
    NAMES = ("taskset",)
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({"-c", "--cpu-list"})
    LEADING = 1  # the mask, unless -c gave a CPU list

    def leading(self, opts: Options) -> int:
        return 0 if opts.has("-c", "--cpu-list") else self.LEADING


class Numactl(Runner):
    NAMES = ("numactl",)
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({"-C", "-N", "-m", "-p", "-i", "--physcpubind",
                                                       "--cpunodebind", "--membind", "--preferred",
                                                       "--interleave"})


class Strace(Runner):
    NAMES = ("strace",)
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({"-o", "-e", "-p", "-s", "-u", "-a", "-b", "-E", "-I", "-O",
                                                       "-P", "-S", "-X"})


class Ltrace(Runner):
    NAMES = ("ltrace",)
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({"-o", "-e", "-p", "-s", "-u", "-a", "-n", "-A", "-D", "-F",
                                                       "-l", "-x"})


class SystemdRun(Runner):
    NAMES = ("systemd-run",)
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({"-u", "--unit", "-p", "--property", "-M", "--machine",
                                                       "--description", "--slice", "-E", "--setenv", "--uid",
                                                       "--gid", "--working-directory", "--on-calendar",
                                                       "--on-active"})


class Flock(Runner):
    """`flock [OPTIONS] LOCK COMMAND…`, or `flock [OPTIONS] LOCK -c 'SHELL CODE'`."""

    NAMES = ("flock",)
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({"-w", "--timeout", "-E", "--conflict-exit-code", "-c",
                                                       "--command"})
    LEADING = 1  # the lock file

    def analyze(self, inv: Invocation) -> list[Effect]:
        opts, _, command = self.split(inv.words)
        code = opts.value("-c", "--command")
        if code is None and command:
            code = self.walk(command, stop_at_first_positional=True).value("-c", "--command")
        if code is None:
            return super().analyze(inv)
        inv.run_script(code, origin="flock -c")
        return []


class Chronic(Runner):
    """moreutils' chronic: runs the command, showing its output only if it fails."""

    NAMES = ("chronic",)


class Ifne(Runner):
    """moreutils' ifne: runs the command only if its input is not empty (`-n`: only if it is)."""

    NAMES = ("ifne",)


class Lckdo(Runner):
    NAMES = ("lckdo",)
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({"-w"})
    LEADING = 1  # the lock file


AGENT_VARIABLES = ("SSH_AUTH_SOCK=/tmp/ssh-agent/agent.sock; export SSH_AUTH_SOCK;\n"
                   "SSH_AGENT_PID=0; export SSH_AGENT_PID;\n")


class SshAgent(Runner):
    """`ssh-agent [OPTIONS] [COMMAND [ARGS]]`: with a command, runs it with the agent; without one, starts
    the agent and prints the variables that find it; `-k` stops it."""

    NAMES = ("ssh-agent",)
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({"-a", "-E", "-O", "-P", "-t"})

    def analyze(self, inv: Invocation) -> list[Effect]:
        _, _, command = self.split(inv.words)
        if command:
            return super().analyze(inv)
        # what it prints is read by `eval "$(ssh-agent -s)"`: the variables that find the agent
        inv.stdout = Stream(text=AGENT_VARIABLES, origin="ssh-agent")
        return [inv.effect("read", "cmd:ssh-agent", Placement(LOCAL, "the user's own key agent"), reversible="yes",
                           summary="ssh-agent starts (or with -k stops) the user's key agent")]


class Entr(Runner):
    """`entr [-acdnprsz] UTILITY [ARGS]`: runs the utility whenever a file listed on stdin changes; with `-s`
    the first operand is shell code. `/_` stands for the file that changed."""

    NAMES = ("entr",)

    def analyze(self, inv: Invocation) -> list[Effect]:
        opts, _, command = self.split(inv.words)
        if not command:
            return super().analyze(inv)
        if opts.has("-s"):
            inv.run_script(command[0].value.replace("/_", UNKNOWN_PART), origin="entr -s")
            return []
        inv.run_argv([Word(w.value.replace("/_", UNKNOWN_PART), text=w.text) for w in command])
        return []


class XvfbRun(Runner):
    NAMES = ("xvfb-run",)
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({"-s", "--server-args", "-n", "--server-num", "-f",
                                                       "--auth-file", "-e", "--error-file", "-p",
                                                       "--xauth-protocol"})


class Unshare(Runner):
    NAMES = ("unshare",)
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({"-S", "--setuid", "-G", "--setgid", "-R", "--root", "-w",
                                                       "--wd"})


class Nsenter(Runner):
    NAMES = ("nsenter",)
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({"-t", "--target", "-S", "--setuid", "-G", "--setgid", "-r",
                                                       "-w"})


class Setpriv(Runner):
    NAMES = ("setpriv",)
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({"--reuid", "--regid", "--groups", "--inh-caps",
                                                       "--bounding-set"})


class Retry(Runner):
    NAMES = ("retry",)
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({"-t", "--times", "-d", "--delay"})


class Chroot(Runner):
    NAMES = ("chroot",)
    LEADING = 1  # the new root

    def context(self, inv: Invocation, leading: list[Word]) -> Context:
        root = inv.ctx.resolve(leading[-1].value) if leading else None
        return inv.ctx.clone(remote=None, remote_placement=Placement(UNKNOWN, f"inside the chroot {root}"))
