"""What the infrastructure-as-code tools share: how a value is shown, tags added to a plan's effects, and
where a stack deployer or pulumi acts."""

from __future__ import annotations

import msgspec

from changegate.environments import Placement
from changegate.model import Effect
from changegate.understand.base import UNKNOWN_PART, Invocation
from changegate.understand.cli import Options
from changegate.understand.commands.cloud.aws_account import profile_placement
from changegate.understand.commands.cloud.base import aws_profile
from changegate.understand.signals import named, strongest

# options of the stack deployers (cdk, cdktf, sam, serverless, eksctl) that take a value
DEPLOYER_VALUES = frozenset({
    "--profile", "--region", "-r", "--stage", "-s", "--stack-name", "--config-env", "--config-file", "-c",
    "--context", "--app", "-a", "--output", "-o", "--role-arn", "--parameter-overrides", "--param", "-f",
    "--function", "--name", "-n", "--cluster", "--nodegroup", "--aws-profile", "--template-file", "-t",
    "--template", "--s3-bucket", "--capabilities", "--tags", "--toolkit-stack-name", "--exclusively",
    "--var", "--var-file", "--method", "--concurrency", "--require-approval", "--change-set-name", "--nodes",
    "--nodes-min", "--nodes-max", "--node-type", "--version", "--kubeconfig", "--timeout", "--config",
})
AWS_VARIABLES = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION")


def show(value: str) -> str:
    return value.replace(UNKNOWN_PART, "…")


def with_tags(effect: Effect, tags: tuple[str, ...]) -> Effect:
    if not tags:
        return effect
    return msgspec.structs.replace(effect, tags=tuple(dict.fromkeys((*effect.tags, *tags))))


def profile_flag(opts: Options) -> str | None:
    """The AWS profile the command line names: the last `--profile` or `--aws-profile` given wins."""
    given = [item.value for item in opts.items if item.option in ("--profile", "--aws-profile") and item.value]
    return given[-1] if given else None


def deployer_placement(inv: Invocation, opts: Options, names: list[str], nothing: str) -> Placement:
    """The stacks' or stages' names and the AWS profile, combined the way plans combine signals."""
    if inv.ctx.remote_placement is not None:
        return inv.ctx.remote_placement
    env = inv.ctx.environments
    signals = [found for value in names if (found := named(env, "names", value, "name"))]
    profile, source = aws_profile(inv.ctx, profile_flag(opts))
    found = profile_placement(inv.ctx, profile, source)
    if found:
        signals.append(found)
    # no directory names here: stacks and stages carry their own names, and a repository called `dev-tools`
    # must not turn an unknown stage into dev
    return strongest(signals, nothing)
