"""aws-vault: AWS credentials kept in the OS keychain; `exec PROFILE -- CMD` runs CMD as PROFILE."""

from __future__ import annotations

import dataclasses

from changegate.environments import Placement
from changegate.model import Effect
from changegate.understand.cli import Call
from changegate.understand.commands.secrets.base import (
    LOCAL_READ,
    READ,
    SECRET,
    SecretTool,
    Verb,
    without_args,
)

SIGN_IN_LINK = Verb("secret_read", kind="console sign-in link")


class AwsVault(SecretTool):
    NAMES = ("aws-vault",)
    ENV_VARIABLES = ("AWS_VAULT_BACKEND", "AWS_VAULT_KEYCHAIN_NAME", "AWS_VAULT_FILE_DIR", "AWS_CONFIG_FILE",
                     "AWS_PROFILE")
    VALUE_OPTIONS = frozenset({"--backend", "--keychain", "--prompt", "--pass-dir", "--pass-cmd",
                               "--pass-prefix", "--file-dir", "--secret-service-collection", "--duration", "-d",
                               "--region", "--mfa-token", "-t", "--ec2-server-port", "--session-ttl",
                               "--assume-role-ttl", "--path"})

    def exec(self, call: Call) -> list[Effect]:
        """`exec PROFILE [--] CMD…`: CMD runs as PROFILE, so AWS commands in it are placed by it."""
        inv = call.inv
        _, _, after_exec = self.split_verb(inv.words)
        profile_walk = self.walk(after_exec, stop_at_first_positional=True)
        if not profile_walk.positional_words:
            return [inv.effect("unknown", "aws-vault:exec", self.placement(without_args(call)),
                               tags=("not-understood",), summary="aws-vault exec without a profile")]
        profile = profile_walk.positional_words[0].value
        command = self.walk(profile_walk.positional_words[1:], stop_at_first_positional=True).positional_words
        as_profile = dataclasses.replace(call, verb="exec --json", args=[profile], arg_words=[])
        if call.opts.has("--json"):
            return SECRET(self, as_profile)  # prints the temporary credentials
        if not command:
            return [inv.effect("host_control", f"aws:{profile}/shell", self.placement(as_profile), kind="shell",
                               tags=("interactive", "unseen-changes"),
                               summary=f"opens a shell with the AWS credentials of profile {profile}: what is "
                                       "typed there cannot be seen")]
        ctx = inv.ctx.clone(env={**inv.ctx.env, "AWS_PROFILE": profile, "AWS_VAULT": profile})
        inv.run_argv(command, ctx=ctx, stdin=inv.stdin)
        return []

    def login(self, call: Call) -> list[Effect]:
        """`login --stdout` prints a sign-in link that opens the console as the profile."""
        return (SIGN_IN_LINK if call.opts.has("--stdout", "-s") else READ)(self, call)

    VERBS = {
        **SecretTool.VERBS,
        "exec": exec, "login": login,
        "list": LOCAL_READ, "ls": LOCAL_READ, "export": SECRET,
        "add": Verb("modify", kind="credentials"), "remove": Verb("delete", kind="credentials"),
        "rm": Verb("delete", kind="credentials"), "rotate": Verb("permission", kind="access key"),
        "clear": Verb("modify", kind="local", reversible="yes"), "proxy": Verb("secret_read", kind="credential server"),
        "--version": LOCAL_READ,
    }

    def placement(self, call: Call) -> Placement:
        from changegate.understand.commands.cloud.aws_account import aws_placement

        return aws_placement(call.inv.ctx, call.args[0] if call.args else None)
