"""The stack deployers: cdk, cdktf, sam and serverless (sls). `deploy` changes a stack in ways only known
once it runs (a replace tagged `unseen-changes`: an update deletes what the template no longer declares);
`destroy`/`delete`/`remove` deletes the whole stack. Where they act is the stack's or stage's
name and the AWS profile (`common.deployer_placement`)."""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field

from changegate.environments import LOCAL, UNKNOWN, Placement
from changegate.model import Effect, Operation
from changegate.understand import facts
from changegate.understand.base import Invocation
from changegate.understand.cli import Call, Cli, Options
from changegate.understand.commands.cloud.aws_account import run_credential_process
from changegate.understand.commands.iac.common import (
    AWS_VARIABLES,
    DEPLOYER_VALUES,
    deployer_placement,
    profile_flag,
    show,
)

DEPLOY_VERBS = frozenset({"deploy", "sync", "watch", "up", "hotswap"})
DESTROY_VERBS = frozenset({"destroy", "delete", "remove", "rm"})
READS = frozenset({"diff", "synth", "synthesize", "ls", "list", "doctor", "docs", "metadata", "notices",
                   "acknowledge", "ack", "validate", "build", "local", "logs", "info", "print", "package", "metrics",
                   "output", "outputs", "get", "help", "version", "traces", "drift", "convert", "test", "describe",
                   "plan"})
# verbs that change something other than the stack's resources (a bootstrap stack, assets, the local project)
OTHER_VERBS: dict[str, Operation] = {"bootstrap": "modify", "init": "modify", "rollback": "modify",
                                     "import": "modify", "invoke": "modify", "publish": "publish", "plugin": "modify",
                                     "gc": "delete", "refactor": "modify"}
LOCAL_VERBS = frozenset({"init", "plugin"})
DEPLOY_PREVIEW = {
    "cdk": "review the diff first: cdk diff STACK (or cdk deploy --no-execute to create a change set)",
    "cdktf": "review the plan first: cdktf diff STACK",
    "sam": "create the change set without executing it: sam deploy --no-execute-changeset",
    "serverless": "package and review first: serverless package --stage STAGE",
}


@dataclass
class DeployCall(Call):
    """A deployer call and the stacks (or stage) it names."""

    tool: str = ""
    label: str = "(default)"
    placement: Placement = field(default_factory=lambda: Placement(UNKNOWN, ""))

    @property
    def uri(self) -> str:
        return f"{self.tool}:{self.label}"


class Deployer(Cli):
    NAMES = ("cdk", "cdktf", "sam", "serverless", "sls")
    FAMILY = "deployer"
    VALUE_OPTIONS = DEPLOYER_VALUES
    ENV_VARIABLES = (*AWS_VARIABLES, "CDK_DEFAULT_ACCOUNT", "CDK_DEFAULT_REGION", "SAM_CONFIG_FILE")

    def analyze(self, inv: Invocation) -> list[Effect]:
        opts = self.walk(inv.words)
        if not opts.positionals:
            return [inv.effect("read", f"cmd:{inv.name}", Placement(LOCAL, "prints its help"), reversible="yes",
                               summary=f"{inv.name} (help)")]
        verb, args = opts.positionals[0], opts.positionals[1:]
        tool = "serverless" if inv.name == "sls" else inv.name
        names = stack_names(inv, opts, tool, args)
        placement = deployer_placement(inv, opts, names, f"nothing says which environment {tool} {verb} targets "
                                                   "(unknown is treated as prod)")
        call = DeployCall(inv, opts, verb, args, opts.positional_words[1:], tool=tool,
                          label=", ".join(show(n) for n in names) or "(default)", placement=placement)
        run_credential_process(inv, profile_flag(opts))
        return self.dispatch(call)

    def reads(self, call: Call) -> list[Effect]:
        assert isinstance(call, DeployCall)
        return [call.inv.effect("read", call.uri, call.placement, reversible="yes",
                                summary=f"{call.tool} {call.verb} (reads)")]

    def deploy(self, call: Call) -> list[Effect]:
        assert isinstance(call, DeployCall)
        opts, tool = call.opts, call.tool
        if call.verb == "deploy" and (opts.has("--no-execute-changeset") or call.args[:1] == ["list"]):
            return self.reads(call)  # a change set made but not executed, or `serverless deploy list`
        function = opts.value("-f", "--function") if tool == "serverless" else None
        what = f"function {function} of" if function else "every resource of" if opts.has("--all") else ""
        return [call.inv.effect("replace", call.uri, call.placement, reversible="unknown", kind="stack",
                                scope="many", tags=("unseen-changes",),
                                summary=f"{tool} {call.verb} changes {what} {call.label} in ways only known once it "
                                        "runs".replace("  ", " "),
                                suggestions=(DEPLOY_PREVIEW.get(tool, "review the change set first"),))]

    def destroy(self, call: Call) -> list[Effect]:
        assert isinstance(call, DeployCall)
        opts = call.opts
        every = opts.has("--all")
        return [call.inv.effect("delete", call.uri, call.placement, reversible="no", kind="stack",
                                scope="all" if every else "one", whole_environment=True,
                                tags=("destroy",) + (("force",) if opts.has("--force", "-f", "--no-prompts") else ()),
                                summary=f"{call.tool} {call.verb} deletes the whole stack {call.label}"
                                        + (" (every stack of the app)" if every else ""),
                                suggestions=("delete the specific resources you mean, or show the change set "
                                             "first",))]

    def other(self, call: Call) -> list[Effect]:
        assert isinstance(call, DeployCall)
        tool, verb = call.tool, call.verb
        placement = Placement(LOCAL, f"{tool} {verb} works locally") if verb in LOCAL_VERBS else call.placement
        return [call.inv.effect(OTHER_VERBS[verb], call.uri, placement, reversible="unknown",
                                summary=f"{tool} {verb} {call.label}")]

    def unknown_verb(self, call: Call) -> list[Effect]:
        assert isinstance(call, DeployCall)
        return [call.inv.effect("unknown", call.uri, call.placement, reversible="unknown",
                                summary=f"runs {call.tool} {call.verb}, which changegate does not know")]

    VERBS = {
        **dict.fromkeys(READS, reads),
        **dict.fromkeys(DEPLOY_VERBS, deploy),
        **dict.fromkeys(DESTROY_VERBS, destroy),
        **dict.fromkeys(OTHER_VERBS, other),
    }


def stack_names(inv: Invocation, opts: Options, tool: str, args: list[str]) -> list[str]:
    if tool == "serverless":
        stage = opts.value("--stage", "-s") or serverless_stage(inv)
        return [stage] if stage else []
    if tool == "sam":
        return [v for v in (opts.value("--stack-name"), opts.value("--config-env")) if v]
    context_values = [v.split("=", 1)[1] for v in opts.values("-c", "--context") if "=" in v]
    return [a for a in args if not a.startswith("-")] + context_values


def serverless_stage(inv: Invocation) -> str | None:
    """provider.stage from serverless.yml when it is a literal, else serverless's default `dev`; None when
    the file cannot be read or computes the stage (`${opt:stage, …}`)."""
    from changegate.understand.kube import load_small_yaml

    for name in ("serverless.yml", "serverless.yaml"):
        path = posixpath.join(inv.ctx.cwd, name) if inv.ctx.cwd else None
        if path is None or not facts.is_file(path):
            continue
        doc = load_small_yaml(path)
        provider = doc.get("provider") if isinstance(doc, dict) else None
        if not isinstance(provider, dict):
            return None
        stage = provider.get("stage", "dev")
        if isinstance(stage, str) and "${" not in stage:
            inv.ctx.consulted[f"file:{path}:provider.stage"] = stage
            return stage
        return None
    return None
