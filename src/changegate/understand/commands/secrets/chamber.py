"""chamber: secrets in AWS SSM Parameter Store, by service; `exec SERVICE -- CMD` injects them into CMD."""

from __future__ import annotations

from changegate.environments import Placement
from changegate.model import Effect
from changegate.understand.cli import Call
from changegate.understand.commands.secrets.base import DESTROY, LOCAL_READ, READ, SECRET, WRITE, SecretTool


class Chamber(SecretTool):
    NAMES = ("chamber",)
    ENV_VARIABLES = ("AWS_PROFILE", "AWS_REGION", "CHAMBER_KMS_KEY_ALIAS", "CHAMBER_SECRET_BACKEND")
    VALUE_OPTIONS = frozenset({"-b", "--backend", "--backend-s3-bucket", "--kms-key-alias", "-r", "--retries",
                               "--min-throttle-delay", "-f", "--format", "-o", "--output-file", "-p",
                               "--pristine"})
    COMMAND_NEEDS_DASHDASH = True  # without `--` chamber exec runs nothing

    def list_keys(self, call: Call) -> list[Effect]:
        return (SECRET if call.opts.has("-e", "--expand") else READ)(self, call)  # -e prints the values

    VERBS = {
        **SecretTool.VERBS,
        "exec": SecretTool.run,
        "read": SECRET, "export": SECRET, "env": SECRET, "list": list_keys, "list-services": READ,
        "history": READ, "find": READ, "version": LOCAL_READ, "write": WRITE, "import": WRITE,
        "delete": DESTROY,
    }

    def placement(self, call: Call) -> Placement:
        from changegate.understand.commands.cloud.aws_account import aws_placement

        return aws_placement(call.inv.ctx, None, names=[t for t in call.args[:1] if t])
