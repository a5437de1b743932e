"""watchman: watches directories. Most commands read (`watch-list`, `find`, `query`, `since`); `trigger`
registers a command that the watchman service runs on every change from then on — what it runs is
judged, and registering it changes what runs later."""

from __future__ import annotations

from typing import ClassVar

from changegate.environments import LOCAL, Placement
from changegate.model import Effect
from changegate.understand.base import Invocation
from changegate.understand.cli import Call, Cli, Options


class Watchman(Cli):
    NAMES = ("watchman", "watchman-make", "watchman-wait")
    FAMILY = "watchman"
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({"--sockname", "--logfile", "--pidfile", "--statefile",
                                                       "-o", "-U", "--unix-listener-path", "--named-pipe-path",
                                                       "-p", "--log-level", "--server-encoding", "--output-encoding"})

    def trigger(self, call: Call) -> list[Effect]:
        """`trigger ROOT NAME PATTERN… -- COMMAND…` (or a JSON definition on stdin, which is not read)."""
        words = call.arg_words
        cut = next((i for i, w in enumerate(words) if w.value == "--"), None)
        command = words[cut + 1:] if cut is not None else []
        if command:
            call.inv.run_argv(command)
        summary = "registers a watchman trigger: a command run on every change from now on"
        effects = [call.inv.effect("modify", "watchman:trigger", self.placement(call), tags=("persistence",),
                                   reversible="yes", summary=summary)]
        if not command:
            effects.append(call.inv.effect("unknown", "watchman:trigger", self.placement(call),
                                           summary="the trigger's command is not on the command line"))
        return effects

    def placement(self, call: Call) -> Placement:
        return Placement(LOCAL, "the watchman service of this machine")

    def no_verb(self, inv: Invocation, opts: Options) -> list[Effect]:
        return [inv.effect("read", "cmd:watchman", Placement(LOCAL, "no command"), reversible="yes",
                           summary="watchman without a command")]

    VERBS = {
        **Cli.VERBS,
        "watch-list": "read", "find": "read", "query": "read", "since": "read", "version": "read",
        "get-sockname": "read", "get-pid": "read", "clock": "read", "trigger-list": "read", "list-capabilities": "read",
        "get-config": "read", "debug-status": "read", "state-enter": "read", "state-leave": "read",
        "watch": "modify", "watch-project": "modify", "watch-del": "modify", "watch-del-all": "modify",
        "trigger-del": "modify", "shutdown-server": "modify", "log-level": "read", "log": "read", "flush-subscriptions": "read",
        "subscribe": "read", "unsubscribe": "read",
        "trigger": trigger,
    }
