"""The IAM session policy for one approved `aws` call: its service, its operation, its resources where known.

STS intersects a session policy with the role's own: the minted credentials can do what both allow, so a
policy that names only `s3:DeleteObject` on `arn:aws:s3:::reports/q3.csv` makes every other operation and
every other object fail with AccessDenied, whatever the role could do.

- `aws SERVICE OPERATION …`: the CLI names map to the API through botocore's own service models
  (`terminate-instances` -> `ec2:TerminateInstances`); the resources are the ARNs in the parameters, or the
  S3 bucket/key, else `*`.
- `aws s3 rm|cp|mv|sync|ls|mb|rb|presign|website`: a table of the API operations each needs, per direction.
- anything else (`terraform apply` with an aws-sts profile, an unknown service): None, meaning not narrowed
  (the role's own permissions apply); the audit record says so.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from typing import Any

from changegate.model import Effect

POLICY_VERSION = "2012-10-17"
PARTITION = "aws"
# CLI command names that differ from botocore's service names
CLI_SERVICES = {"s3api": "s3", "configservice": "config", "deploy": "codedeploy", "ddb": "dynamodb"}
# botocore signing names that differ from the IAM action prefix
IAM_PREFIXES = {"monitoring": "cloudwatch", "email": "ses"}
# API operations whose IAM action has another name (an unlisted mismatch fails closed: AccessDenied)
IAM_ACTIONS = {
    ("lambda", "Invoke"): "InvokeFunction", ("lambda", "InvokeAsync"): "InvokeFunction",
    ("s3", "ListObjects"): "ListBucket", ("s3", "ListObjectsV2"): "ListBucket", ("s3", "HeadBucket"): "ListBucket",
    ("s3", "ListObjectVersions"): "ListBucketVersions", ("s3", "HeadObject"): "GetObject",
    ("s3", "DeleteObjects"): "DeleteObject", ("s3", "CopyObject"): "PutObject",
}
MAX_STATEMENTS = 20

# aws s3 high-level commands: (actions on the source or only path, actions on the destination)
S3_COMMANDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "rm": (("DeleteObject",), ()),
    "cp": (("GetObject",), ("PutObject",)),
    "mv": (("GetObject", "DeleteObject"), ("PutObject",)),
    "sync": (("GetObject", "ListBucket"), ("PutObject", "ListBucket")),
    "ls": (("ListBucket",), ()),
    "mb": (("CreateBucket",), ()),
    "rb": (("DeleteBucket",), ()),
    "presign": (("GetObject",), ()),
    "website": (("PutBucketWebsite",), ()),
}
BUCKET_ACTIONS = frozenset({"ListBucket", "CreateBucket", "DeleteBucket", "PutBucketWebsite"})


def session_policy(argv: Sequence[str], effects: Iterable[Effect] = ()) -> dict[str, Any] | None:
    """The session policy for an `aws` argv, or None when its operations are not known."""
    if not argv or os.path.basename(argv[0]) != "aws":
        return None
    # the aws family costs tens of milliseconds to import, and this module is loaded on every shim call
    # (broker.run -> credentials): only for an aws argv
    from changegate.understand.base import lit
    from changegate.understand.commands.cloud.aws import split_call

    call = split_call([lit(arg) for arg in argv[1:]])
    if not call.service or not call.operation:
        return None
    if call.service == "s3":
        grants = s3_grants(call.operation, [w.value for w in call.positionals])
    else:
        grants = api_grants(call.service, call.operation, {k: [w.value for w in v] for k, v in call.params.items()})
    if not grants:
        return None
    return document(grants)


def document(grants: list[tuple[str, list[str]]]) -> dict[str, Any]:
    """One statement per action, its resources sorted (the same action, the same policy text)."""
    merged: dict[str, set[str]] = {}
    for action, resources in grants:
        merged.setdefault(action, set()).update(resources)
    statements = [{"Effect": "Allow", "Action": action, "Resource": sorted(resources) or ["*"]}
                  for action, resources in sorted(merged.items())][:MAX_STATEMENTS]
    return {"Version": POLICY_VERSION, "Statement": statements}


# --- aws s3 … ------------------------------------------------------------------------------------------

def s3_grants(command: str, args: Sequence[str]) -> list[tuple[str, list[str]]]:
    known = S3_COMMANDS.get(command)
    if known is None:
        return []
    recursive = "--recursive" in args or command == "sync"
    values = option_values(args)
    paths = [a for a in args if not a.startswith("-") and a not in values]
    on_source, on_destination = known
    grants: list[tuple[str, list[str]]] = []
    if command == "ls" and not any(p.startswith("s3://") for p in paths):
        return [("s3:ListAllMyBuckets", ["*"])]
    for actions, path in ((on_source, paths[0] if paths else ""), (on_destination, paths[1] if len(paths) > 1 else "")):
        if not path.startswith("s3://"):
            continue  # a local file: nothing in AWS
        for action in actions:
            grants.append((f"s3:{action}", [s3_arn(path, bucket_only=action in BUCKET_ACTIONS, recursive=recursive)]))
        if recursive or (command == "rb" and "--force" in args):
            grants.append(("s3:ListBucket", [s3_arn(path, bucket_only=True)]))
            if command == "rb":
                grants.append(("s3:DeleteObject", [s3_arn(path, bucket_only=False, recursive=True)]))
    if command == "sync" and "--delete" in args and len(paths) > 1 and paths[1].startswith("s3://"):
        grants.append(("s3:DeleteObject", [s3_arn(paths[1], bucket_only=False, recursive=True)]))
    return grants


def option_values(args: Sequence[str]) -> set[str]:
    """The words that are values of s3 options (`--exclude '*.tmp'`), so they are not taken as paths."""
    from changegate.understand.commands.cloud.aws import S3_VALUES  # only for aws s3 (see session_policy)

    values = set()
    for i, arg in enumerate(args[:-1]):
        if arg in S3_VALUES:
            values.add(args[i + 1])
    return values


def s3_arn(url: str, *, bucket_only: bool, recursive: bool = False) -> str:
    bucket, _, key = url[len("s3://"):].partition("/")
    if bucket_only or not bucket:
        return f"arn:{PARTITION}:s3:::{bucket or '*'}"
    if recursive or not key:
        return f"arn:{PARTITION}:s3:::{bucket}/{key}*"
    return f"arn:{PARTITION}:s3:::{bucket}/{key}"


# --- aws SERVICE OPERATION … -----------------------------------------------------------------------------

def api_grants(cli_service: str, cli_operation: str, params: dict[str, list[str]]) -> list[tuple[str, list[str]]]:
    model = service_model(CLI_SERVICES.get(cli_service, cli_service))
    if model is None:
        return []
    from botocore import xform_name

    operation = next((op for op in model.operation_names if xform_name(op, "-") == cli_operation), None)
    if operation is None:
        return []
    prefix = IAM_PREFIXES.get(model.signing_name or "", model.signing_name or model.endpoint_prefix)
    action = IAM_ACTIONS.get((prefix, operation), operation)
    return [(f"{prefix}:{action}", resources_of(prefix, params))]


def service_model(name: str) -> Any:
    import botocore.session
    from botocore.exceptions import UnknownServiceError

    try:
        return botocore.session.get_session().get_service_model(name)
    except UnknownServiceError:
        return None


def resources_of(prefix: str, params: dict[str, list[str]]) -> list[str]:
    """The ARNs the call names; for S3 the bucket and key; `*` when any target is named otherwise."""
    if prefix == "s3" and params.get("--bucket"):
        bucket = params["--bucket"][0]
        key = (params.get("--key") or [""])[0]
        return [f"arn:{PARTITION}:s3:::{bucket}/{key}"] if key else [
            f"arn:{PARTITION}:s3:::{bucket}", f"arn:{PARTITION}:s3:::{bucket}/*"]
    arns = [value for values in params.values() for value in values if value.startswith("arn:")]
    named = [v for name, values in params.items() if name.endswith(("-id", "-ids", "-name", "-names"))
             for v in values if not v.startswith("arn:")]
    return ["*"] if named or not arns else sorted(set(arns))
