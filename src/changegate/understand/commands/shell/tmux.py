"""tmux: `tmux [OPTIONS] [COMMAND [FLAGS] [ARGS]] [\\; COMMAND …]`. The commands that run something are
followed: a new session, window or pane with a shell command, `run-shell`, `if-shell`, `pipe-pane`,
`display-popup`, `respawn-*`, and `send-keys`, whose keys are typed into a pane's shell — one that could
be anywhere (a pane may hold an ssh session), so what they run is placed nowhere known. Listing,
showing and attaching read."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from changegate.environments import LOCAL, UNKNOWN, Placement
from changegate.model import Effect
from changegate.understand.base import Invocation, Word
from changegate.understand.cli import Cli, Options
from changegate.understand.commands.shell.common import safe_split

ALIASES = {
    "new": "new-session", "neww": "new-window", "splitw": "split-window", "send": "send-keys", "run": "run-shell",
    "if": "if-shell", "respawnp": "respawn-pane", "respawnw": "respawn-window", "popup": "display-popup",
    "pipep": "pipe-pane", "source": "source-file", "bind": "bind-key", "set": "set-option",
    "setw": "set-window-option", "ls": "list-sessions", "lsw": "list-windows", "lsp": "list-panes",
    "lsc": "list-clients", "lsk": "list-keys", "lscm": "list-commands", "lsb": "list-buffers", "a": "attach-session",
    "at": "attach-session", "attach": "attach-session", "display": "display-message", "capturep": "capture-pane",
    "has": "has-session", "info": "server-info", "showb": "show-buffer", "show": "show-options",
    "showw": "show-window-options", "showenv": "show-environment", "kill-ses": "kill-session",
    "killw": "kill-window", "killp": "kill-pane", "detach": "detach-client", "switchc": "switch-client",
    "selectw": "select-window", "selectp": "select-pane", "renamew": "rename-window", "rename": "rename-session",
    "resizep": "resize-pane", "setenv": "set-environment", "start": "start-server", "wait": "wait-for",
}
READS = frozenset({
    "list-sessions", "list-windows", "list-panes", "list-clients", "list-keys", "list-commands", "list-buffers",
    "attach-session", "display-message", "capture-pane", "has-session", "server-info", "show-buffer",
    "show-options", "show-window-options", "show-environment", "show-messages", "detach-client",
    "switch-client", "select-window", "select-pane", "select-layout", "rename-window", "rename-session",
    "resize-pane", "resize-window", "start-server", "wait-for", "last-window", "last-pane", "next-window",
    "previous-window", "copy-mode", "clear-history", "refresh-client", "choose-tree", "choose-buffer",
    "set-buffer", "delete-buffer", "paste-buffer", "save-buffer", "load-buffer", "lock-server",
    "lock-session", "set-environment", "set-window-option", "display-panes", "display-menu", "swap-pane",
    "swap-window", "move-window", "link-window", "unlink-window", "break-pane", "join-pane", "rotate-window",
    "clock-mode", "command-prompt", "confirm-before", "unbind-key", "send-prefix", "customize-mode"})
KILLS = frozenset({"kill-server", "kill-session", "kill-window", "kill-pane"})
# commands whose last operand is a shell command run by the default shell, and the flags that take a value
RUNS_SHELL = {
    "new-session": frozenset({"-c", "-e", "-f", "-F", "-n", "-s", "-t", "-x", "-y"}),
    "new-window": frozenset({"-c", "-e", "-F", "-n", "-t"}),
    "split-window": frozenset({"-c", "-e", "-l", "-t", "-F", "-p"}),
    "respawn-pane": frozenset({"-c", "-e", "-t"}),
    "respawn-window": frozenset({"-c", "-e", "-t"}),
    "run-shell": frozenset({"-d", "-t", "-c"}),
    "pipe-pane": frozenset({"-t"}),
    "display-popup": frozenset({"-b", "-c", "-d", "-e", "-h", "-s", "-S", "-t", "-T", "-w", "-x", "-y", "-H"}),
}
SEND_KEYS_VALUES = frozenset({"-c", "-N", "-t"})
KEY_TEXT = {"Enter": "\n", "C-m": "\n", "C-j": "\n", "KPEnter": "\n", "Space": " ", "Tab": "\t", "C-i": "\t"}
SEPARATOR = ";"
PANE = Placement(UNKNOWN, "the shell of a tmux pane, which could be on any host")


class Tmux(Cli):
    NAMES = ("tmux",)
    FAMILY = "tmux"
    GLOBAL_OPTIONS: ClassVar[frozenset[str]] = frozenset({"-c", "-f", "-L", "-S", "-T"})
    VALUE_OPTIONS = GLOBAL_OPTIONS
    ENV_VARIABLES = ("TMUX", "TMUX_TMPDIR")

    def analyze(self, inv: Invocation) -> list[Effect]:
        globals_, verb, rest = self.split_verb(inv.words)
        effects: list[Effect] = []
        shell_code = globals_.value("-c")
        if shell_code is not None:
            inv.run_script(shell_code, origin="tmux -c")
        if globals_.value("-f"):
            effects.append(self.unseen(inv, f"reads tmux commands from {globals_.value('-f')}"))
        commands = self.commands([verb, *rest] if verb is not None else [])
        if not commands and globals_.has("-V"):
            return [inv.effect("read", "cmd:tmux", Placement(LOCAL, "its version"), reversible="yes",
                               summary="tmux -V")]
        if not commands:
            return [*effects, self.interactive(inv)] if shell_code is None else effects
        for command in commands:
            effects.extend(self.command(inv, command))
        return effects

    @staticmethod
    def commands(words: Sequence[Word]) -> list[list[Word]]:
        """The commands of a chain: words split at `;` (written `\\;`)."""
        out: list[list[Word]] = [[]]
        for word in words:
            if word.value == SEPARATOR:
                out.append([])
            else:
                out[-1].append(word)
        return [command for command in out if command]

    def command(self, inv: Invocation, words: list[Word]) -> list[Effect]:
        name = self.full_name(words[0].value)
        args = words[1:]
        if name in RUNS_SHELL:
            return self.runs_shell(inv, name, args)
        if name == "send-keys":
            return self.send_keys(inv, args)
        if name == "if-shell":
            return self.if_shell(inv, args)
        if name in ("bind-key", "set-hook"):
            return self.deferred(inv, name, args)
        if name in ("set-option", "set-window-option"):
            return self.option(inv, args)
        if name == "source-file":
            return [self.unseen(inv, f"runs the tmux commands in {' '.join(w.value for w in args)}")]
        if name in KILLS:
            # one session, window or pane is like stopping a process by name; the server ends every session
            placement = Placement(UNKNOWN, "every tmux session of the user") if name == "kill-server" else \
                Placement(LOCAL, "a tmux session this user runs")
            return [inv.effect("host_control", f"tmux:{name}", placement, kind="process",
                               summary=f"tmux {name} ends what runs there")]
        if name in READS:
            return [inv.effect("read", f"tmux:{name}", Placement(LOCAL, "tmux's own state"), reversible="yes",
                               summary=f"tmux {name}")]
        return [self.unseen(inv, f"runs the tmux command {words[0].value!r}")]

    @staticmethod
    def full_name(name: str) -> str:
        """An alias, a full name, or a unique prefix of a command tmux knows."""
        if name in ALIASES:
            return ALIASES[name]
        known = {*RUNS_SHELL, *READS, *KILLS, "send-keys", "if-shell", "bind-key", "set-hook", "set-option",
                 "set-window-option", "source-file"}
        if name in known:
            return name
        matches = [k for k in known if k.startswith(name)]
        return matches[0] if len(matches) == 1 else name

    def runs_shell(self, inv: Invocation, name: str, args: list[Word]) -> list[Effect]:
        opts = self.walk(args, takes_value=RUNS_SHELL[name])
        command = opts.positional_words
        ctx = inv.ctx
        directory = opts.value("-c")
        if directory:
            ctx = ctx.clone(cwd=ctx.resolve(directory))
        if command:
            script = command[0].value if len(command) == 1 else " ".join(w.value for w in command)
            inv.run_script(script, ctx=ctx, origin=f"tmux {name}")
            return []
        if name in ("new-session", "new-window", "split-window") and (opts.has("-d") or name != "new-session"):
            return [inv.effect("create", f"tmux:{name}", Placement(LOCAL, "a tmux session of this machine"),
                               reversible="yes", summary=f"tmux {name} starts an idle shell")]
        if name == "new-session":
            return [self.interactive(inv)]
        return [inv.effect("read", f"tmux:{name}", Placement(LOCAL, "nothing to run"), reversible="yes",
                           summary=f"tmux {name} with no command")]

    def send_keys(self, inv: Invocation, args: list[Word]) -> list[Effect]:
        """The keys, as the text a shell in the pane would read; copy-mode commands (`-X`) type nothing."""
        opts = self.walk(args, takes_value=SEND_KEYS_VALUES)
        if opts.has("-X"):
            return [inv.effect("read", "tmux:copy-mode", Placement(LOCAL, "a copy-mode command"), reversible="yes",
                               summary="tmux send-keys -X (copy mode)")]
        literal = opts.has("-l")
        words = opts.positional_words
        if not all(w.known for w in words):
            return [inv.effect("execute_opaque", "tmux:send-keys", PANE, kind="code",
                               summary="types keys only known at run time into a tmux pane")]
        text = "".join(w.value if literal else KEY_TEXT.get(w.value, "" if self.is_key(w.value) else w.value)
                       for w in words)
        if text.strip():
            inv.run_script(text, ctx=inv.ctx.clone(remote_placement=PANE, cwd=None), origin="tmux send-keys")
            return []
        keys = " ".join(w.value for w in words) or "nothing"
        return [inv.effect("read", "tmux:send-keys", Placement(LOCAL, "keys that type no command"), reversible="yes",
                           summary=f"tmux send-keys types only keys ({keys[:40]}), no command")]

    @staticmethod
    def is_key(word: str) -> bool:
        """A key name (`C-c`, `M-x`, `Escape`, `Up`, `F5`) rather than text to type."""
        return (word[:2] in ("C-", "M-", "S-") and len(word) <= 6) or word in (
            "Escape", "Up", "Down", "Left", "Right", "Home", "End", "BSpace", "DC", "IC", "NPage", "PPage",
            "PageUp", "PageDown", "BTab") or (word[:1] == "F" and word[1:].isdigit())

    def if_shell(self, inv: Invocation, args: list[Word]) -> list[Effect]:
        """`if-shell [-bF] [-t PANE] SHELL-COMMAND COMMAND [COMMAND]`: the test runs, then a tmux command."""
        opts = self.walk(args, takes_value=frozenset({"-t"}))
        words = opts.positional_words
        if words and not opts.has("-F"):
            inv.run_script(words[0].value, origin="tmux if-shell")
        effects: list[Effect] = []
        for branch in words[1:3]:
            for command in self.commands([Word(part, text=part) for part in safe_split(branch.value)]):
                effects.extend(self.command(inv, command))
        return effects

    def deferred(self, inv: Invocation, name: str, args: list[Word]) -> list[Effect]:
        """`bind-key KEY COMMAND…` and `set-hook HOOK COMMAND` run a tmux command later: it is judged now."""
        opts = self.walk(args, takes_value=frozenset({"-T", "-N", "-t"}))
        words = opts.positional_words[1:]
        if len(words) == 1:
            words = [Word(part, text=part) for part in safe_split(words[0].value)]
        effects: list[Effect] = []
        for command in self.commands(words):
            effects.extend(self.command(inv, command))
        return effects

    def option(self, inv: Invocation, args: list[Word]) -> list[Effect]:
        """`default-command` and `default-shell` decide what every new pane runs."""
        opts: Options = self.walk(args, takes_value=frozenset({"-t"}))
        words = opts.positionals
        if words and words[0] in ("default-command", "default-shell") and len(words) > 1:
            inv.run_script(words[1], origin=f"tmux {words[0]}")
        return [inv.effect("modify", "tmux:options", Placement(LOCAL, "tmux's own settings"), reversible="yes",
                           summary="tmux set-option")]

    @staticmethod
    def interactive(inv: Invocation) -> Effect:
        return inv.effect("unknown", "tmux:session", Placement(UNKNOWN, "an interactive shell in tmux"),
                          kind="shell", tags=("interactive",),
                          summary="tmux opens an interactive shell: nothing done in it can be seen")

    @staticmethod
    def unseen(inv: Invocation, what: str) -> Effect:
        return inv.effect("unknown", "cmd:tmux", inv.arguments_placement(),
                          summary=f"tmux {what}, which changegate does not read")
