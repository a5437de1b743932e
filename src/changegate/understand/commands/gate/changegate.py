"""changegate itself, run by an agent: `changegate VERB [SUBVERB] [OPTIONS]`.

Checking, explaining and showing are reads. What only a person may do — approving or denying requests,
managing users, tokens and credentials, breaking the glass, lifting a freeze, teaching it to trust — is
tagged `self-approval`; taking the gate out of an agent, removing its shims, pointing it at another server,
or editing its policy or audit log is tagged `gate-tampering`. Both are denied by the default policy.
`changegate run -- CMD` is judged by CMD.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from changegate.environments import LOCAL, UNKNOWN, Placement
from changegate.model import Effect, Operation
from changegate.understand.base import Invocation
from changegate.understand.cli import Call, Cli, VerbEntry
from changegate.understand.selfguard import SELF_APPROVAL, TAMPERING

HERE = Placement(LOCAL, "changegate on this machine")
# subcommands of each group that only read
READING: Mapping[str, frozenset[str]] = {
    "approvals": frozenset({"list", "show"}), "audit": frozenset({"verify", "tail", "export"}),
    "policy": frozenset({"show", "check"}), "users": frozenset({"list"}), "tokens": frozenset({"list"}),
    "credentials": frozenset({"list"}), "shims": frozenset({"list"}),
    "freeze": frozenset({"list", "show", "status"}), "breaker": frozenset({"list", "status", "show"}),
    "scope": frozenset({"list", "show"}),
    "daemon": frozenset({"status"}),
}
HELP = frozenset({"--help", "-h", "--version", "-V"})
RUNNERS = frozenset({"run", "mcp-proxy"})  # `changegate run CMD…`: the command starts at the first operand


class Changegate(Cli):
    NAMES = ("changegate",)
    FAMILY = "changegate"
    ENV_VARIABLES = ("CHANGEGATE_URL", "CHANGEGATE_TOKEN", "CHANGEGATE_POLICY", "CHANGEGATE_STATE_DIR",
                     "CHANGEGATE_DATABASE_URL", "CHANGEGATE_AGENT")
    VALUE_OPTIONS = frozenset({
        "-p", "--policy", "--sql", "--database", "--plan", "--cwd", "--agent", "--wait", "--batch", "--host",
        "--port", "--database-url", "--public-url", "--webhook", "--slack-webhook", "--workers", "--log-level",
        "--remote", "--shims", "--name", "--url", "--reason", "--as", "-m", "--comment", "--status", "--limit",
        "--role", "-n", "--lines", "--since", "--operator", "-e", "--environment", "-t", "--tool", "-s",
        "--secret", "-f", "--file", "--role-arn", "--region", "--endpoint-url", "--duration", "--external-id",
        "--add", "--idle", "--env", "--resources", "--resource", "--operations", "--operation", "--team",
        "--witness", "--checkpoint", "--public-key", "--teams-webhook", "--checkpoint-every", "--checkpoint-every-s",
    })

    def analyze(self, inv: Invocation) -> list[Effect]:
        opts = self.walk(inv.words, stop_at_first_positional=True)
        if not opts.positionals:
            return [self.effect(inv, "read", "help", "changegate help or version")]
        verb = opts.positionals[0]
        walked = self.walk(opts.positional_words[1:], stop_at_first_positional=verb in RUNNERS)
        sub = walked.positionals[0] if walked.positionals and verb in READING else ""
        call = Call(inv, walked, verb, walked.positionals, walked.positional_words)
        if sub in READING.get(verb, ()) or (not walked.positionals and verb in READING) or (
                walked.has(*HELP) and verb not in RUNNERS):
            return [self.effect(inv, "read", f"{verb}/{sub}".rstrip("/"), f"changegate {verb} {sub}".rstrip())]
        return self.dispatch(call)

    @staticmethod
    def effect(inv: Invocation, operation: Operation, what: str, summary: str, tags: tuple[str, ...] = (),
               placement: Placement = HERE) -> Effect:
        return inv.effect(operation, f"changegate:{what}", placement, reversible="yes" if operation == "read" else "unknown",
                          kind="changegate", tags=tags, summary=summary)

    # --- what only a person may do --------------------------------------------------------------------
    def administers(self, call: Call) -> list[Effect]:
        shown = " ".join([call.verb, *call.args[:2]])
        return [self.effect(call.inv, "permission", shown.replace(" ", "/"), f"changegate {shown}: only a person may "
                            "approve, deny or administer the gate", (SELF_APPROVAL,))]

    def approvals(self, call: Call) -> list[Effect]:
        sub = call.args[0] if call.args else ""
        if sub == "cancel":
            return [self.effect(call.inv, "modify", "approvals/cancel", "withdraws an approval request")]
        if sub in ("approve", "deny"):
            return self.administers(call)
        return self.unknown_verb(call)

    def freeze(self, call: Call) -> list[Effect]:
        if call.args[:1] in (["lift"], ["end"], ["remove"], ["delete"]):
            return self.administers(call)
        return [self.effect(call.inv, "modify", "freeze", f"changegate freeze {' '.join(call.args[:2])}")]

    def breakglass(self, call: Call) -> list[Effect]:
        """Letting a refused action through, or closing its review, is a person's call; listing is a read."""
        if call.args[:1] in (["list"], ["show"]):
            return [self.effect(call.inv, "read", "breakglass/list", "changegate breakglass list")]
        return self.administers(call)

    def breaker(self, call: Call) -> list[Effect]:
        """Closing an agent's circuit breaker is a person's call (the agent that tripped it cannot)."""
        return self.administers(call) if call.args[:1] == ["close"] else self.unknown_verb(call)

    def scope(self, call: Call) -> list[Effect]:
        """An agent may ask for a scope for itself; granting or revoking one is a person's call."""
        if call.args[:1] == ["request"]:
            return [self.effect(call.inv, "modify", "scope/request", "asks a person for a task scope")]
        if call.args[:1] in (["grant"], ["revoke"]):
            return self.administers(call)
        return self.unknown_verb(call)

    # --- what takes the gate away ---------------------------------------------------------------------
    def tampers(self, call: Call, what: str = "") -> list[Effect]:
        shown = " ".join([call.verb, *call.args[:2]])
        return [self.effect(call.inv, "delete" if call.verb == "uninstall" else "modify", shown.replace(" ", "/"),
                            f"changegate {shown}: {what or 'it takes the gate away from the agent or reconfigures it'}",
                            (TAMPERING,), Placement(UNKNOWN, "the gate every action of this agent goes through"))]

    def uninstall(self, call: Call) -> list[Effect]:
        if call.opts.has("--dry-run"):
            return [self.effect(call.inv, "read", "uninstall", "changegate uninstall --dry-run")]
        return self.tampers(call, "takes the gate's hook out of the agent: its actions would go unchecked")

    def install(self, call: Call) -> list[Effect]:
        if call.opts.has("--dry-run"):
            return [self.effect(call.inv, "read", "install", "changegate install --dry-run")]
        if call.opts.has("--remote", "--shims"):
            return self.tampers(call, "points the agent's hook at another server or PATH")
        return [self.effect(call.inv, "modify", f"install/{'/'.join(call.args[:1])}",
                            f"changegate install {' '.join(call.args[:1])}: rewrites the agent's hook settings",
                            ("persistence",))]

    def shims(self, call: Call) -> list[Effect]:
        if call.args[:1] == ["install"]:
            return [self.effect(call.inv, "modify", "shims", "writes shims that send tools through the gate")]
        return self.tampers(call, "removes the shims that send tools through the gate")

    def serve(self, call: Call) -> list[Effect]:
        if call.opts.has("-p", "--policy", "--database-url"):
            return self.tampers(call, "starts a gate server with a policy or store the agent chose")
        return [self.effect(call.inv, "host_control", "serve", "starts changegate's HTTP API on this machine")]

    def daemon(self, call: Call) -> list[Effect]:
        if not call.args:  # `changegate daemon [--idle S]`: serves this user's hooks, as a hook would start it
            return [self.effect(call.inv, "host_control", "daemon", "starts changegate's decision daemon")]
        return self.tampers(call, "stops or reconfigures the gate's daemon")

    # --- what runs through it -------------------------------------------------------------------------
    def run(self, call: Call) -> list[Effect]:
        """`changegate run [OPTIONS] [--] CMD…`: the command is checked again when it runs; it is judged
        here by what it does."""
        command = call.opts.rest or call.arg_words
        if not command:
            return [self.effect(call.inv, "read", "run", "changegate run with no command")]
        call.inv.run_argv(command)
        return []

    def mcp_proxy(self, call: Call) -> list[Effect]:
        if call.opts.rest:
            call.inv.run_argv(call.opts.rest)
        return [self.effect(call.inv, "host_control", "mcp-proxy", "runs an MCP server behind the gate")]

    def undo(self, call: Call) -> list[Effect]:
        if call.opts.has("--list"):
            return [self.effect(call.inv, "read", "undo", "changegate undo --list")]
        return [self.effect(call.inv, "modify", "undo", "puts back what an approved action destroyed")]

    VERBS: ClassVar[Mapping[str, VerbEntry]] = {
        **Cli.VERBS,
        "check": "read", "explain": "read", "hook": "read", "doctor": "read", "version": "read",
        "approvals": approvals, "users": administers, "tokens": administers, "credentials": administers,
        "breakglass": breakglass, "break-glass": breakglass, "trust": administers, "admin": administers,
        "access": administers, "freeze": freeze, "breaker": breaker, "scope": scope,
        "uninstall": uninstall, "install": install, "shims": shims, "serve": serve, "daemon": daemon,
        "policy": tampers, "audit": tampers,
        "run": run, "mcp-proxy": mcp_proxy, "undo": undo,
    }

    def simple(self, call: Call, operation: str) -> Effect:
        op: Operation = operation  # type: ignore[assignment]
        return self.effect(call.inv, op, call.verb, f"changegate {call.verb}")

    def placement(self, call: Call) -> Placement:
        return HERE
