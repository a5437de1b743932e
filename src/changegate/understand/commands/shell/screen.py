"""GNU screen: `screen [OPTIONS] [COMMAND [ARGS]]` runs COMMAND in a new window (`-dm`: detached);
`-X CMD` sends a command to a running session — `stuff TEXT` types TEXT into its window's shell (which
could be on any host), `exec`/`screen` run a program there. `-ls`, `-r`, `-x` list and reattach."""

from __future__ import annotations

import re
from typing import ClassVar

from changegate.environments import LOCAL, UNKNOWN, Placement
from changegate.model import Effect
from changegate.understand.base import Invocation, Word, lit
from changegate.understand.cli import Cli, Options

# screen's options that are words of several letters, given to the walker as long options
LONG_WORDS = {"-ls": "--list", "-list": "--list", "-wipe": "--wipe", "-Logfile": "--logfile", "-fn": "--fn",
              "-fa": "--fa", "-ln": "--ln"}
READS = ("--list", "--wipe", "-r", "-R", "-x", "-v", "-Q")
# they take an optional session name: `screen -r NAME`, `screen -dr NAME`, `screen -x NAME -X CMD`
SESSION_OPTIONS = frozenset({"-r", "-R", "-x", "-d", "-D"})
WINDOW = Placement(UNKNOWN, "the shell of a screen window, which could be on any host")
STUFF_ESCAPES = re.compile(r"\\n|\\r|\^M|\^J|\\015|\\012")
SESSION_COMMANDS_THAT_READ = frozenset({"info", "windows", "version", "time", "title", "select", "next", "prev",
                                        "detach", "redisplay", "clear", "hardstatus", "echo", "sleep"})


class Screen(Cli):
    NAMES = ("screen",)
    FAMILY = "screen"
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({"-S", "-p", "-c", "-e", "-h", "-s", "-t", "-T",
                                                       "--logfile"})
    ENV_VARIABLES = ("SCREENRC", "SYSSCREENRC", "STY")

    def analyze(self, inv: Invocation) -> list[Effect]:
        words = [lit(LONG_WORDS[w.value]) if w.value in LONG_WORDS else w for w in inv.words]
        opts = self.walk(words, stop_at_first_positional=True)
        session = self.session_name(opts)
        if session is not None:  # the operand after -r/-x/-d names a session: the walk goes on after it
            rest = self.walk(words[session + 1:], stop_at_first_positional=True)
            opts.flags.update(rest.flags)
            opts = type(opts)(opts.flags, rest.positionals, rest.positional_words, rest.items, rest.rest,
                              rest.dashdash)
        command = opts.positional_words
        effects: list[Effect] = []
        if opts.value("-c"):
            effects.append(inv.effect("unknown", "cmd:screen", inv.arguments_placement(),
                                      summary=f"screen runs the commands in {opts.value('-c')}, which changegate "
                                              "does not read"))
        if opts.has("-X"):
            return [*effects, *self.session_command(inv, command)]
        if opts.has(*READS) or (opts.has("-d", "-D") and not opts.has("-m")):
            # the operand names a session to list, reattach or detach, not a command
            return [*effects, inv.effect("read", "screen:sessions", Placement(LOCAL, "screen's own sessions"),
                                         reversible="yes", summary="screen lists, reattaches or detaches sessions")]
        if command:
            inv.run_argv(command)
            return effects
        if opts.has("-d") and opts.has("-m"):
            return [*effects, inv.effect("create", "screen:session", Placement(LOCAL, "a screen session"),
                                         reversible="yes", summary="screen starts an idle shell, detached")]
        return [*effects, inv.effect("unknown", "screen:session", Placement(UNKNOWN, "an interactive shell in screen"),
                                     kind="shell", tags=("interactive",),
                                     summary="screen opens an interactive shell: nothing done in it can be seen")]

    @staticmethod
    def session_name(opts: Options) -> int | None:
        """Where the session name after -r, -R, -x, -d or -D stands (they take one when it follows)."""
        first = next((i for i, item in enumerate(opts.items) if item.option is None), None)
        if first is None or first == 0 or opts.has("-m"):
            return None
        before = opts.items[first - 1]
        return opts.items[first].index if before.option in SESSION_OPTIONS else None

    @staticmethod
    def session_command(inv: Invocation, words: list[Word]) -> list[Effect]:
        """`-X stuff TEXT`, `-X exec CMD…`, `-X screen CMD…`, `-X quit`, and the ones that only show."""
        if not words:
            return [inv.effect("read", "screen:session", Placement(LOCAL, "nothing sent"), reversible="yes",
                               summary="screen -X with no command")]
        name, args = words[0].value, words[1:]
        if name == "stuff":
            if not all(w.known for w in args):
                return [inv.effect("execute_opaque", "screen:stuff", WINDOW, kind="code",
                                   summary="types text only known at run time into a screen window")]
            text = STUFF_ESCAPES.sub("\n", " ".join(w.value for w in args))
            inv.run_script(text, ctx=inv.ctx.clone(remote_placement=WINDOW, cwd=None), origin="screen stuff")
            return []
        if name in ("exec", "screen"):
            program = [w for w in args if not re.fullmatch(r"[.!:|]*", w.value)]  # exec's fd pattern comes first
            if program:
                inv.run_argv(program, ctx=inv.ctx.clone(remote_placement=WINDOW, cwd=None))
                return []
            return [inv.effect("create", "screen:window", Placement(LOCAL, "a screen window"), reversible="yes",
                               summary="screen opens a window with a shell")]
        if name in ("quit", "kill"):
            return [inv.effect("host_control", f"screen:{name}", Placement(LOCAL, "a screen session this user runs"),
                               kind="process", summary=f"screen {name} ends what runs there")]
        if name in SESSION_COMMANDS_THAT_READ:
            return [inv.effect("read", f"screen:{name}", Placement(LOCAL, "screen's own state"), reversible="yes",
                               summary=f"screen -X {name}")]
        return [inv.effect("unknown", f"screen:{name}", inv.arguments_placement(),
                           summary=f"screen -X {name}: a screen command changegate does not know")]
