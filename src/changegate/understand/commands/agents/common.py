"""What every agent CLI shares: a prompt handed to another agent is ordinary work while that agent's own
approvals are on — everything it does goes through its own gate — and is denied when they are off.

A tool's class says, in tables, how its approvals are switched off: flags (`APPROVALS_OFF_FLAGS`), option
values (`APPROVAL_MODES`: option -> value -> whether approvals stay on), environment variables
(`APPROVALS_OFF_VARIABLES`), and what it does when nothing says (`APPROVALS_BY_DEFAULT`). Subcommands that
only read or configure the tool are `VERBS`; any other first word is a prompt. A mode value the table does
not know is not understood (it asks), never taken as "on".
"""

from __future__ import annotations

import json
import posixpath
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from changegate.environments import LOCAL, UNKNOWN, Placement
from changegate.model import Effect
from changegate.understand.base import Invocation
from changegate.understand.cli import Call, Cli, Options
from changegate.understand.facts import read_config

HELP_FLAGS = frozenset({"--help", "-h", "--version", "-v", "-V", "--help-all"})
TRUE_WORDS = frozenset({"1", "true", "yes", "on", "y"})
AGENT_TAG = "nested-agent"
OFF_TAG = "approvals-off"


@dataclass(frozen=True, slots=True)
class Approvals:
    """Whether the agent started will ask before it acts: True (on), False (off), None (cannot tell)."""

    on: bool | None
    why: str


ON = Approvals(True, "its approvals are on (its default mode)")


class AgentCli(Cli):
    """An agent CLI: `TOOL [OPTIONS] [SUBCOMMAND | PROMPT]`."""

    FAMILY = "agent"
    APPROVALS_OFF_FLAGS: ClassVar[frozenset[str]] = frozenset()
    # option -> {value: approvals stay on}; a value not listed is not understood
    APPROVAL_MODES: ClassVar[Mapping[str, Mapping[str, bool]]] = {}
    # variable -> the values that switch approvals off
    APPROVALS_OFF_VARIABLES: ClassVar[Mapping[str, frozenset[str]]] = {}
    APPROVALS_BY_DEFAULT: ClassVar[Approvals] = ON
    WORKDIR_OPTIONS: ClassVar[tuple[str, ...]] = ()  # options that name the directory it works in

    def analyze(self, inv: Invocation) -> list[Effect]:
        opts = self.walk(inv.words)
        verb = opts.positionals[0] if opts.positionals else ""
        entry = self.VERBS.get(verb)
        if entry is not None:
            call = Call(inv, opts, verb, opts.positionals[1:], opts.positional_words[1:])
            return self.dispatch(call)
        if not opts.positionals and opts.has(*HELP_FLAGS) and not self.prompted(opts):
            return [read_only(inv, f"{inv.name} help or version")]
        return self.run_agent(inv, opts)

    def prompted(self, opts: Options) -> bool:
        """Whether an option carries a prompt (`gemini -p TEXT`); a positional prompt is seen anyway."""
        return False

    # --- the agent run --------------------------------------------------------------------------------
    def run_agent(self, inv: Invocation, opts: Options) -> list[Effect]:
        effects = self.payloads(inv, opts)
        approvals = self.approvals(inv, opts)
        if approvals.on is False:
            effects.append(inv.effect(
                "execute_opaque", f"agent:{inv.name}",
                Placement(UNKNOWN, "an agent with its approvals off can change anything it can reach"),
                reversible="unknown", kind="agent", tags=(AGENT_TAG, OFF_TAG),
                summary=f"starts {inv.name} with its approvals off ({approvals.why}): nothing it does is checked",
                suggestions=(f"run {inv.name} in its default mode, with its own approvals on",)))
        elif approvals.on is None:
            effects.append(inv.effect(
                "unknown", f"agent:{inv.name}", self.workdir(inv, opts), reversible="unknown", kind="agent",
                tags=(AGENT_TAG,), summary=f"starts {inv.name}: {approvals.why}"))
        else:
            effects.append(inv.effect(
                "modify", f"agent:{inv.name}", self.workdir(inv, opts), reversible="unknown", kind="agent",
                tags=(AGENT_TAG,),
                summary=f"starts {inv.name} on a task; {approvals.why}, so what it does goes through its own gate"))
        return effects

    def approvals(self, inv: Invocation, opts: Options) -> Approvals:
        """Flags first, then mode options, then variables, then the tool's configuration, then its default."""
        for flag in self.APPROVALS_OFF_FLAGS:
            if opts.has(flag):
                return Approvals(False, flag)
        for option, modes in self.APPROVAL_MODES.items():
            value = opts.value(option)
            if value is None:
                continue
            on = modes.get(value)
            if on is None:
                return Approvals(None, f"changegate does not know the mode {option} {value}")
            return Approvals(on, f"{option} {value}")
        for variable, values in self.APPROVALS_OFF_VARIABLES.items():
            value = inv.ctx.getenv(variable)
            if value is not None and value.strip().lower() in values:
                return Approvals(False, f"{variable}={value}")
        return self.configured(inv, opts) or self.APPROVALS_BY_DEFAULT

    def configured(self, inv: Invocation, opts: Options) -> Approvals | None:
        """What the tool's own configuration files say; None when they say nothing."""
        return None

    def payloads(self, inv: Invocation, opts: Options) -> list[Effect]:
        """Commands the agent runs itself, given in its options (aider --test-cmd): handed to the walker,
        which records their effects; what is returned is the tool's own (a setting not understood)."""
        return []

    def workdir(self, inv: Invocation, opts: Options) -> Placement:
        """Where the agent works: the directory an option names, else the current one."""
        raw = opts.value(*self.WORKDIR_OPTIONS) if self.WORKDIR_OPTIONS else None
        path = inv.ctx.resolve(raw) if raw else inv.ctx.cwd
        if inv.ctx.remote_placement is not None:
            return inv.ctx.remote_placement
        if path is None:
            return Placement(UNKNOWN, "it is not known which directory the agent works in")
        return inv.ctx.place_path(path)

    # --- subcommands ----------------------------------------------------------------------------------
    def settings_change(self, call: Call) -> list[Effect]:
        """`TOOL mcp add …`, `TOOL config set …`: the tool's own configuration, which decides what it runs
        later (an MCP server is a program it starts)."""
        if call.args and call.args[0] in READ_SUBVERBS:
            return [read_only(call.inv, f"{call.name} {call.verb} {call.args[0]}")]
        what = " ".join([call.name, call.verb, *call.args[:2]])
        return [call.inv.effect("modify", f"agent:{call.name}/{call.verb}", Placement(LOCAL, "the agent's own settings"),
                                reversible="yes", kind="agent settings", tags=("persistence",),
                                summary=f"{what}: changes what {call.name} runs later")]

    def own_session(self, call: Call) -> list[Effect]:
        """login, logout, update: this machine's copy of the tool (`login status` only reads)."""
        if call.args[:1] and call.args[0] in READ_SUBVERBS:
            return self.read_verb(call)
        return [call.inv.effect("modify", f"agent:{call.name}/{call.verb}", Placement(LOCAL, "this machine's copy of the tool"),
                                reversible="yes", kind="agent", summary=f"{call.name} {call.verb}")]

    def workspace_change(self, call: Call) -> list[Effect]:
        """`codex apply`: the agent's changes written into the working tree."""
        return [call.inv.effect("modify", f"agent:{call.name}/{call.verb}", self.workdir(call.inv, call.opts),
                                reversible="unknown", kind="project", summary=f"{call.name} {call.verb}")]

    def read_verb(self, call: Call) -> list[Effect]:
        return [read_only(call.inv, f"{call.name} {call.verb}")]

    def agent_verb(self, call: Call) -> list[Effect]:
        """A subcommand that starts the agent on a task (`codex exec`, `kiro-cli chat`)."""
        return self.run_agent(call.inv, call.opts)


READ_SUBVERBS = frozenset({"list", "ls", "get", "show", "status", "help", "info", "--help", "-h", "version"})


def read_only(inv: Invocation, what: str) -> Effect:
    return inv.effect("read", f"agent:{inv.name}", Placement(LOCAL, "it only reads or prints"), reversible="yes",
                      kind="agent", summary=what)


def read_json(path: str) -> Any:
    """A JSON settings file's content; None when it is missing, unreadable or not JSON."""
    text = read_config(path)
    if text is None:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None


def settings_paths(inv: Invocation, names: tuple[str, ...]) -> list[str]:
    """`names` (relative: `.claude/settings.json`) in the working directory and in the home directory."""
    roots = [r for r in (inv.ctx.cwd, inv.ctx.home) if r]
    return [posixpath.join(root, name) for root in roots for name in names]
