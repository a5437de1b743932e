"""pulumi: `pulumi VERB [--stack S] …`. `up` changes a stack in ways only known once it previews (a replace
tagged `unseen-changes`: resources gone from the program are destroyed); `destroy` deletes every resource of
the stack; state and stack surgery change what pulumi believes exists. Where it acts is the stack's name
(`--stack`, else one `pulumi stack select|init` chose earlier on the line) and the AWS profile
(`common.deployer_placement`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from changegate.environments import LOCAL, UNKNOWN, Placement
from changegate.model import Effect, Operation
from changegate.understand.base import Invocation
from changegate.understand.cli import Call, Cli
from changegate.understand.commands.cloud.aws_account import run_credential_process
from changegate.understand.commands.cloud.base import listed_by, listing
from changegate.understand.commands.iac.common import AWS_VARIABLES, deployer_placement, show

READS = frozenset({"preview", "pre", "about", "version", "whoami", "logs", "help", "schema", "convert",
                   "gen-completion", "completion", "ai", "policy", "console", "view-trace"})
LOCAL_VERBS = frozenset({"new", "login", "logout", "plugin", "install", "package", "env", "org", "template"})
SWITCHED_STACK = "pulumi-stack"  # what `pulumi stack select|init` earlier on the line chose
STACK_LISTING = "pulumi stack"  # what `pulumi stack ls` prints in full
# flags of `stack ls` that leave nothing out: they shape the answer, widen it, or name the project or org
UNSELECTIVE_LS_FLAGS = frozenset({"--json", "-j", "--all", "-a", "--project", "--organization", "-s", "--stack",
                                  "-C", "--cwd", "--color", "--non-interactive"})
NO_STACK = ("no --stack is given: pulumi acts on the selected stack, which is not known here (unknown is treated "
            "as prod)")


@dataclass
class PulumiCall(Call):
    """A pulumi call and the stack it acts on."""

    placement: Placement = field(default_factory=lambda: Placement(UNKNOWN, NO_STACK))
    label: str = "(selected stack)"
    tags: tuple[str, ...] = ()

    @property
    def targets(self) -> list[str]:
        return [show(t) for t in self.opts.values("--target", "-t")]

    def effect(self, operation: Operation, summary: str, **fields: Any) -> Effect:
        """An effect on the stack; the call's own tags (`auto-approve`) come first."""
        fields.setdefault("reversible", "unknown")
        fields["tags"] = tuple(dict.fromkeys((*self.tags, *fields.get("tags", ()))))
        return self.inv.effect(operation, f"pulumi:{self.label}", self.placement, kind="pulumi-stack",
                               summary=summary, **fields)


class Pulumi(Cli):
    NAMES = ("pulumi",)
    FAMILY = "pulumi"
    VALUE_OPTIONS = frozenset({
        "-s", "--stack", "-C", "--cwd", "--target", "-t", "--replace", "--exclude", "-m", "--message", "--config",
        "-c", "--config-file", "--parallel", "-p", "--secrets-provider", "--color", "--policy-pack",
        "--policy-pack-config", "--suppress-permalink", "--plan", "--exec-kind", "--exec-agent", "--tracing",
        "--profiling", "--verbose", "-v", "--logflow", "--target-dependents-of", "--import-file", "--file", "--from",
        "--provider", "--org",
    })
    ENV_VARIABLES = ("PULUMI_BACKEND_URL", "PULUMI_CONFIG_PASSPHRASE", "PULUMI_CONFIG_PASSPHRASE_FILE",
                     "PULUMI_ACCESS_TOKEN", "PULUMI_HOME", "PULUMI_ORG", *AWS_VARIABLES)

    def analyze(self, inv: Invocation) -> list[Effect]:
        opts = self.walk(inv.words)
        if not opts.positionals:
            return [inv.effect("read", "cmd:pulumi", Placement(LOCAL, "prints its help"), reversible="yes",
                               summary="pulumi (help)")]
        stack = opts.value("-s", "--stack") or inv.ctx.switched.get(SWITCHED_STACK)
        placement = deployer_placement(inv, opts, [stack.rsplit("/", 1)[-1]] if stack else [], NO_STACK)
        call = PulumiCall(inv, opts, opts.positionals[0], opts.positionals[1:], opts.positional_words[1:],
                          placement=placement, label=show(stack) if stack else "(selected stack)",
                          tags=("auto-approve",) if opts.has("-y", "--yes", "--skip-preview") else ())
        run_credential_process(inv, None)  # the AWS provider runs it, as the CLI does
        return self.dispatch(call)

    def up(self, call: Call) -> list[Effect]:
        assert isinstance(call, PulumiCall)
        targets = call.targets
        effects = [call.effect("replace", f"pulumi up --replace {show(u)}: destroyed and created again",
                               reversible="no", tags=("replace",)) for u in call.opts.values("--replace")]
        # an update destroys what the program no longer declares: a replace, whose extent only a preview shows
        effects.append(call.effect("replace", f"pulumi up changes stack {call.label} in ways only known once it "
                                   "previews" + (f" (targets {', '.join(targets)})" if targets else ""),
                                   tags=("unseen-changes",),
                                   scope="many" if len(targets) != 1 else "one",
                                   suggestions=(f"preview first and review it: pulumi preview --stack {call.label} "
                                                "--save-plan plan.json, then pulumi up --plan plan.json",)))
        return effects

    def destroy(self, call: Call) -> list[Effect]:
        assert isinstance(call, PulumiCall)
        targets = call.targets
        if targets:
            return [call.effect("delete", f"pulumi destroy deletes {', '.join(targets)} of stack {call.label}",
                                reversible="no", scope="many" if len(targets) > 1 else "one")]
        return [call.effect("delete", f"pulumi destroy deletes every resource of stack {call.label}"
                            + (" and then the stack itself" if call.opts.has("--remove") else ""),
                            reversible="no", scope="all", whole_environment=True, tags=("destroy",),
                            suggestions=("destroy only what you mean with --target URN",))]

    def refresh(self, call: Call) -> list[Effect]:
        assert isinstance(call, PulumiCall)
        return [call.effect("modify", f"pulumi refresh records what exists in stack {call.label}'s state",
                            reversible="yes")]

    def watch(self, call: Call) -> list[Effect]:
        assert isinstance(call, PulumiCall)
        return [call.effect("replace", f"pulumi watch deploys every file change to stack {call.label}",
                            tags=("unseen-changes",), scope="many")]

    def modify(self, call: Call) -> list[Effect]:
        assert isinstance(call, PulumiCall)
        return [call.effect("modify", f"pulumi {call.verb} on stack {call.label}")]

    def state(self, call: Call) -> list[Effect]:
        assert isinstance(call, PulumiCall)
        args = call.args
        sub = args[0] if args else ""
        named = " ".join(map(show, args[1:]))
        if sub == "unprotect":
            return [call.effect("modify", f"pulumi state unprotect {named}: lets them be deleted",
                                tags=("protection-removed",))]
        if sub == "delete" and call.opts.has("--all"):
            return [call.effect("delete", f"pulumi state delete --all: stack {call.label} forgets every resource "
                                          "(they keep running, unmanaged)",
                                tags=("state-surgery",), scope="all", whole_environment=True)]
        return [call.effect("delete" if sub == "delete" else "modify",
                            f"pulumi state {sub}: stack {call.label} forgets {named or 'resources'}",
                            tags=("state-surgery",))]

    def config(self, call: Call) -> list[Effect]:
        assert isinstance(call, PulumiCall)
        sub = call.args[0] if call.args else ""
        shows_secrets = call.opts.has("--show-secrets")
        if sub in ("", "get", "env") and not shows_secrets:
            return [call.effect("read", f"pulumi config {sub} (reads)", reversible="yes")]
        if shows_secrets:
            return [call.effect("secret_read", f"pulumi config --show-secrets prints stack {call.label}'s secrets",
                                reversible="yes")]
        return [call.inv.effect("modify", f"fs:{call.inv.ctx.cwd or '?'}/Pulumi.yaml",
                                Placement(LOCAL, "stack configuration lives in the project's Pulumi.<stack>.yaml"),
                                reversible="yes", summary=f"pulumi config {sub} (the stack's configuration file)")]

    def stack(self, call: Call) -> list[Effect]:
        assert isinstance(call, PulumiCall)
        args, label, opts = call.args, call.label, call.opts
        sub = args[0] if args else "ls"
        if sub in ("ls", "history", "graph", "tag") and not (sub == "tag" and len(args) > 1 and args[1] != "ls"):
            if sub == "ls" and not opts.unknown_options(UNSELECTIVE_LS_FLAGS):
                call.inv.stdout = listing(STACK_LISTING)
            return [call.effect("read", f"pulumi stack {sub} (reads)", reversible="yes")]
        if sub in ("output", "export") and opts.has("--show-secrets"):
            return [call.effect("secret_read", f"pulumi stack {sub} --show-secrets prints stack {label}'s secrets",
                                reversible="yes")]
        if sub in ("output", "export", ""):
            return [call.effect("read", f"pulumi stack {sub} (reads)", reversible="yes")]
        if sub == "rm":
            name = show(args[1]) if len(args) > 1 else label
            forced = opts.has("-f", "--force")
            named_word = call.arg_words[1] if len(call.arg_words) > 1 else None
            dynamic = call.inv.args_unknown if named_word is None else not named_word.known
            # every stack a `pulumi stack ls` prints: every environment of the project
            every = dynamic and listed_by(call.inv, "pulumi") == STACK_LISTING
            return [call.effect("delete", f"pulumi stack rm {name}" + (
                " --force: deletes the stack's state and history while its resources keep running, unmanaged"
                if forced else ": deletes the stack's state and history (pulumi refuses while it holds resources)")
                + (" (every stack the listing returns)" if every else ""),
                reversible="no", whole_environment=forced or every, data_loss=True, scope="all" if every else "one",
                tags=(*(("force",) if forced else ()), *(("dynamic",) if dynamic else ())))]
        if sub == "import":
            return [call.effect("replace", f"pulumi stack import overwrites stack {label}'s state", reversible="no",
                                data_loss=True, tags=("state-surgery",))]
        if sub in ("select", "init"):
            chosen = call.arg_words[1] if len(call.arg_words) > 1 else None
            selected = chosen.value if chosen is not None and chosen.known else call.opts.value("-s", "--stack")
            if selected:
                call.inv.ctx.switched[SWITCHED_STACK] = selected  # later pulumi commands on the line act on it
        if sub in ("select", "init", "change-secrets-provider", "rename", "unselect"):
            return [call.inv.effect("modify", f"pulumi:stack/{label}", Placement(LOCAL, "selects or names a stack"),
                                    reversible="yes",
                                    summary=f"pulumi stack {sub} {' '.join(map(show, args[1:]))}".strip())]
        return [call.effect("unknown", f"runs pulumi stack {sub}, which changegate does not know")]

    def reads(self, call: Call) -> list[Effect]:
        assert isinstance(call, PulumiCall)
        return [call.effect("read", f"pulumi {call.verb} (reads)", reversible="yes")]

    def local(self, call: Call) -> list[Effect]:
        return [call.inv.effect("modify", f"pulumi:{call.verb}", Placement(LOCAL, f"pulumi {call.verb} works locally"),
                                reversible="yes", summary=f"pulumi {call.verb} (local)")]

    def unknown_verb(self, call: Call) -> list[Effect]:
        assert isinstance(call, PulumiCall)
        return [call.effect("unknown", f"runs pulumi {call.verb}, which changegate does not know")]

    VERBS = {
        **dict.fromkeys(READS, reads),
        **dict.fromkeys(LOCAL_VERBS, local),
        "up": up, "update": up, "destroy": destroy, "refresh": refresh, "watch": watch, "cancel": modify,
        "import": modify, "stack": stack, "state": state, "config": config,
    }
