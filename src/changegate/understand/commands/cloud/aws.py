"""aws: `aws [GLOBAL] SERVICE OPERATION [--param VALUE…]`, and the `s3` high-level commands.

An AWS operation says what it does in its first word (describe-*, list-*, get-* read; delete-*, terminate-*
destroy; put-*-policy, attach-*-policy, authorize-* change who may do what): the verb and noun tables are
the cloud layer's (`cloud/base.py`) with what AWS adds. The tables below hold the exceptions that read
secrets or hand out credentials, the operations the verb tables get wrong, and the suggestions. Where a
call lands is `aws_account.place`: the endpoint, the profile and its account, then the resources' names.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import ClassVar

from changegate.environments import LOCAL, Placement
from changegate.model import Effect, Operation, Scope
from changegate.understand.base import UNKNOWN_PART, Invocation, Word, lit
from changegate.understand.cli import Call, Options, parse_options
from changegate.understand.commands.cloud.aws_account import (
    ACCOUNT_KEYS,
    SWITCHED_CONFIG,
    Where,
    config_path,
    place,
    run_credential_process,
)
from changegate.understand.commands.cloud.base import (
    CloudCli,
    aws_profile,
    listed_by,
    listing,
    listing_scope,
    not_understood,
    singular,
    uploaded_secret,
)

# --- the command line ---------------------------------------------------------------------------------

# global options that take a value (they may appear anywhere on the line)
GLOBAL_VALUES = frozenset({
    "--profile", "--region", "--endpoint-url", "--output", "--query", "--color", "--ca-bundle",
    "--cli-read-timeout", "--cli-connect-timeout", "--cli-binary-format", "--cli-input-json", "--cli-input-yaml",
})
READ_ONLY_FLAGS = frozenset({"--dry-run", "--dryrun", "--generate-cli-skeleton", "--version"})
# options of the s3 high-level commands that take a value (their arguments are paths, not parameters)
S3_VALUES = frozenset({
    "--include", "--exclude", "--acl", "--grants", "--sse-kms-key-id", "--sse-c-key", "--sse-c-copy-source",
    "--sse-c-copy-source-key", "--storage-class", "--website-redirect", "--content-type", "--cache-control",
    "--content-disposition", "--content-encoding", "--content-language", "--expires", "--source-region",
    "--metadata", "--metadata-directive", "--expected-size", "--page-size", "--expires-in", "--copy-props",
    "--checksum-mode", "--checksum-algorithm", "--index-document", "--error-document", *GLOBAL_VALUES,
})
S3_OPTIONAL_VALUES = {
    "--sse": frozenset({"AES256", "aws:kms", "aws:kms:dsse"}),
    "--sse-c": frozenset({"AES256"}),
    "--request-payer": frozenset({"requester"}),
}

# --- what an operation does beyond its verb -----------------------------------------------------------

# stopping or rebooting is an outage only for these nouns (stop-logging is no outage)
HOST_NOUNS = ("instance", "instances", "db-instance", "db-cluster", "cluster", "node", "nodes", "server",
              "environment", "broker", "replication-instance", "cache-cluster", "notebook-instance")
DISRUPTIVE_VERBS = frozenset({"stop", "disable", "detach", "disassociate", "deactivate", "suspend", "abort",
                              "reset", "reject", "cancel"})
# operations that turn off what would show an attack (audit logs, threat detection, config recording)
AUDIT_OFF = frozenset({
    ("cloudtrail", "stop-logging"), ("cloudtrail", "delete-trail"), ("cloudtrail", "put-event-selectors"),
    ("guardduty", "delete-detector"), ("guardduty", "disassociate-from-master-account"),
    ("guardduty", "disassociate-from-administrator-account"), ("guardduty", "update-detector"),
    ("configservice", "stop-configuration-recorder"), ("configservice", "delete-configuration-recorder"),
    ("configservice", "delete-delivery-channel"), ("securityhub", "disable-security-hub"), ("ec2", "delete-flow-logs"),
    ("macie2", "disable-macie"), ("inspector2", "disable"), ("accessanalyzer", "delete-analyzer"),
    ("detective", "delete-graph"), ("logs", "delete-log-group"), ("logs", "delete-log-stream"),
    ("logs", "put-retention-policy"), ("cloudwatch", "delete-alarms"), ("cloudwatch", "disable-alarm-actions"),
})
# operations whose answer is a secret or a credential: (service, operation) -> the secret, and the
# operation that comes with it where the call also changes something
SECRET_OPERATIONS: dict[tuple[str, str], tuple[str, Operation | None]] = {
    ("secretsmanager", "get-secret-value"): ("a secret's value", None),
    ("secretsmanager", "batch-get-secret-value"): ("secrets' values", None),
    ("kms", "decrypt"): ("decrypted data", None),
    ("kms", "generate-data-key"): ("a plaintext data key", None),
    ("kms", "generate-data-key-pair"): ("a plaintext private key", None),
    ("sts", "get-session-token"): ("temporary credentials", None),
    ("sts", "assume-role"): ("the role's credentials", None),
    ("sts", "assume-role-with-saml"): ("the role's credentials", None),
    ("sts", "assume-role-with-web-identity"): ("the role's credentials", None),
    ("sts", "get-federation-token"): ("federated credentials", None),
    ("iam", "create-access-key"): ("a new access key's secret", "permission"),
    ("iam", "create-service-specific-credential"): ("a new service password", "permission"),
    ("iam", "reset-service-specific-credential"): ("a new service password", "permission"),
    ("iam", "create-login-profile"): ("a console password", "permission"),
    ("ecr", "get-login-password"): ("a registry password", None),
    ("ecr", "get-authorization-token"): ("a registry token", None),
    ("ecr-public", "get-login-password"): ("a registry password", None),
    ("ecr-public", "get-authorization-token"): ("a registry token", None),
    ("ecr", "get-login"): ("a registry password", None),
    ("codeartifact", "get-authorization-token"): ("a repository token", None),
    ("eks", "get-token"): ("a cluster bearer token", None),
    ("rds", "generate-db-auth-token"): ("a database password", None),
    ("redshift", "get-cluster-credentials"): ("database credentials", None),
    ("redshift", "get-cluster-credentials-with-iam"): ("database credentials", None),
    ("redshift-serverless", "get-credentials"): ("database credentials", None),
    ("sso", "get-role-credentials"): ("the role's credentials", None),
    ("ec2", "get-password-data"): ("a Windows administrator password", None),
    ("ec2", "create-key-pair"): ("a new private key", "create"),
    ("lightsail", "get-instance-access-details"): ("an instance's SSH key or password", None),
    ("lightsail", "download-default-key-pair"): ("the default private key", None),
    ("lightsail", "create-key-pair"): ("a new private key", "create"),
    ("cognito-identity", "get-credentials-for-identity"): ("temporary credentials", None),
    ("cognito-idp", "initiate-auth"): ("user tokens", None),
    ("cognito-idp", "admin-initiate-auth"): ("user tokens", None),
    ("iot", "create-keys-and-certificate"): ("a new private key", "create"),
    ("configure", "export-credentials"): ("the profile's credentials", None),
}
# SSM parameters are secrets only when decrypted
DECRYPTING_READS = frozenset({("ssm", "get-parameter"), ("ssm", "get-parameters"),
                              ("ssm", "get-parameters-by-path"), ("ssm", "get-parameter-history")})
# exact operations the verb tables get wrong
OPERATIONS: dict[tuple[str, str], Operation] = {
    ("kms", "schedule-key-deletion"): "delete",
    ("kms", "cancel-key-deletion"): "modify",
    ("kms", "disable-key"): "modify",
    ("kms", "encrypt"): "read",
    ("kms", "generate-random"): "read",
    ("kms", "sign"): "read",
    ("secretsmanager", "get-random-password"): "read",
    ("sts", "get-caller-identity"): "read",
    ("sts", "decode-authorization-message"): "read",
    ("sqs", "receive-message"): "read",
    ("sqs", "delete-message"): "delete",
    ("s3api", "put-object"): "create",
    ("s3api", "restore-object"): "modify",
    ("ec2", "run-instances"): "create",
    ("ec2", "modify-snapshot-attribute"): "permission",
    ("ec2", "modify-image-attribute"): "permission",
    ("ec2", "modify-instance-metadata-options"): "modify",
    ("rds", "modify-db-snapshot-attribute"): "permission",
    ("rds", "modify-db-cluster-snapshot-attribute"): "permission",
    ("ssm", "send-command"): "host_control",
    ("ssm", "start-session"): "host_control",
    ("ecs", "execute-command"): "host_control",
    ("ec2-instance-connect", "send-ssh-public-key"): "permission",
    ("ec2-instance-connect", "send-serial-console-ssh-public-key"): "permission",
    ("sns", "publish"): "publish",
    ("sns", "publish-batch"): "publish",
    ("ses", "send-email"): "publish",
    ("ses", "send-raw-email"): "publish",
    ("ses", "send-templated-email"): "publish",
    ("ses", "send-bulk-templated-email"): "publish",
    ("sesv2", "send-email"): "publish",
    ("sesv2", "send-bulk-email"): "publish",
    ("lambda", "invoke"): "modify",
    ("cloudformation", "deploy"): "modify",
    ("cloudformation", "package"): "create",
    ("deploy", "push"): "create",
    ("sso", "login"): "read",
    ("sso", "logout"): "read",
    ("organizations", "leave-organization"): "delete",
    ("account", "close-account"): "delete",
    ("organizations", "close-account"): "delete",
    ("dynamodb", "batch-write-item"): "modify",
    ("iam", "generate-credential-report"): "read",
    ("iam", "generate-organizations-access-report"): "read",
    ("iam", "generate-service-last-accessed-details"): "read",
    ("s3api", "delete-objects"): "delete",
}
# services where every change is a change of who may do what
PERMISSION_SERVICES = frozenset({"iam", "sso-admin", "identitystore", "ram", "lakeformation", "verifiedpermissions"})
# identities: deleting one removes the identity itself (kept a delete, not a permission change)
IDENTITY_DELETES = frozenset({"delete-user", "delete-role", "delete-group", "delete-instance-profile",
                              "delete-saml-provider", "delete-open-id-connect-provider"})

# the parameters that name a resource, by their endings (--bucket, --stack-name, --instance-ids, ...)
ID_PARAM_ENDINGS = ("-name", "-names", "-id", "-ids", "-arn", "-arns", "-identifier", "-identifiers", "-url",
                    "-urls", "-key", "-keys")
ID_PARAMS = frozenset({"--bucket", "--cluster", "--service", "--key", "--function-name", "--stack-name",
                       "--secret-id", "--queue-url", "--topic-arn", "--table-name", "--name", "--id", "--ids",
                       "--arn", "--resource-arn", "--db-instance-identifier", "--db-cluster-identifier",
                       "--repository-name", "--log-group-name", "--hosted-zone-id", "--file-system-id",
                       "--volume-id", "--snapshot-id", "--key-id", "--user-name", "--role-name",
                       "--group-name", "--policy-arn", "--domain-name", "--vault-name", "--instance-ids"})
# parameters of a describe-/list- call that shape or page its answer without leaving anything out
UNSELECTIVE_PARAMS = frozenset({"--no-paginate", "--page-size"})
# a --query that keeps some of the answer: a `[?…]` filter, an index or slice, the largest or smallest one
SELECTING_QUERY = re.compile(r"\?|\[\s*[-:\d]|\b(?:max_by|min_by|max|min)\s*\(")
# services whose resources another spelling of the service also names (`s3api delete-bucket`, `s3 rb`)
SERVICE_KINDS = {"s3api": "s3"}
# kinds that are a whole thing: deleting every one a listing returns takes the account's whole estate of them
WHOLE_WHEN_ALL_LISTED = frozenset({"bucket", "instance", "db-instance", "db-cluster", "cluster", "stack"})
SECRET_CONFIG_KEYS = frozenset({"aws_secret_access_key", "aws_access_key_id", "aws_session_token"})

# --- suggestions: a safer command for the most common destructive calls ---------------------------------

DRY_RUN_SERVICES = frozenset({"ec2"})
SUGGESTIONS: dict[tuple[str, str], str] = {
    ("cloudformation", "delete-stack"): "see what the stack holds first: aws cloudformation describe-stack-resources "
                                        "--stack-name {name}",
    ("rds", "delete-db-instance"): "keep a final snapshot: drop --skip-final-snapshot and pass "
                                   "--final-db-snapshot-identifier {name}-final",
    ("rds", "delete-db-cluster"): "keep a final snapshot: drop --skip-final-snapshot and pass "
                                  "--final-db-snapshot-identifier {name}-final",
    ("dynamodb", "delete-table"): "back it up first: aws dynamodb create-backup --table-name {name} "
                                  "--backup-name {name}-before-delete",
    ("secretsmanager", "delete-secret"): "keep a recovery window: --recovery-window-in-days 30 instead of "
                                         "--force-delete-without-recovery",
    ("kms", "schedule-key-deletion"): "disable the key first (aws kms disable-key --key-id {name}) and watch for "
                                      "failures before scheduling its deletion",
    ("ec2", "terminate-instances"): "stop the instances first (aws ec2 stop-instances); they can be started "
                                    "again, terminated ones cannot",
    ("eks", "delete-cluster"): "list what runs on it first: aws eks describe-cluster --name {name}",
}

S3Handler = Callable[..., list[Effect]]


@dataclass
class Request:
    """One `aws` call after option walking: the service, the operation and their parameters."""

    service: str
    operation: str
    params: dict[str, list[Word]] = field(default_factory=dict)
    globals: dict[str, str] = field(default_factory=dict)
    positionals: list[Word] = field(default_factory=list)

    def has(self, *names: str) -> bool:
        return any(n in self.params or n in self.globals for n in names)

    def value(self, name: str) -> str | None:
        if name in self.globals:
            return self.globals[name]
        values = self.params.get(name)
        return values[0].value if values else None


@dataclass
class AwsCall(Call):
    """A `Call` whose verb is the service; the request carries the rest."""

    request: Request = field(default_factory=lambda: Request("", ""))


def split_call(words: Sequence[Word]) -> Request:
    """Global options before the operation, then the service and the operation, then its parameters.
    A single-dash word before the operation is a word of the command (aws has no short options)."""
    head: list[str] = []
    globals_: dict[str, str] = {}
    cut = len(words)
    last = -1
    for item in parse_options(words, GLOBAL_VALUES).items:
        if item.option is not None and item.option.startswith("--"):
            globals_[item.option] = item.value or ""
        elif item.index != last:
            head.append(item.word.value)
        last = item.index
        if len(head) == 2:
            cut = item.index + 1
            break
    request = Request(service=head[0] if head else "", operation=head[1] if len(head) > 1 else "",
                      globals=globals_)
    rest = list(words[cut:])
    if request.service in ("s3", "configure"):
        request.positionals = rest
        return request
    read_params(rest, request)
    for name in GLOBAL_VALUES:
        values = request.params.pop(name, None)
        if values:
            request.globals[name] = values[0].value
    return request


def read_params(words: Sequence[Word], request: Request, current: str | None = None) -> str | None:
    """AWS parameters: `--name VALUE…` (a list runs to the next `--name`), `--name=VALUE`, or a bare switch.
    Returns the parameter a list is still being read into. aws reads a lone `--` as a value, and goes on."""
    opts = parse_options(words)
    end = len(words) - len(opts.rest) - 1 if opts.dashdash else len(words)
    last = -1
    for item in opts.items:
        if item.index >= end:
            break
        if item.index == last:
            continue  # another letter of a bundled `-abc`: the word is one value
        last = item.index
        if item.option is not None and item.option.startswith("--"):
            current = item.option
            values = request.params.setdefault(current, [])
            if item.value is not None:
                values.append(Word(item.value, text=item.word.text))
                current = None
        elif current is None:
            request.positionals.append(item.word)
        else:
            request.params[current].append(item.word)
    if not opts.dashdash:
        return current
    dashdash = words[end]
    if current is None:
        request.positionals.append(dashdash)
    else:
        request.params[current].append(dashdash)
    return read_params(opts.rest, request, current)


# --- classification -----------------------------------------------------------------------------------

def split_operation(operation: str) -> tuple[str, str, bool]:
    """`batch-delete-image` -> (delete, image, batch); `admin-delete-user` -> (delete, user, False)."""
    tokens = operation.split("-")
    batch = False
    while len(tokens) > 1 and tokens[0] in ("admin", "batch", "bulk", "force"):
        batch = batch or tokens[0] in ("batch", "bulk")
        tokens = tokens[1:]
    return tokens[0], singular("-".join(tokens[1:])), batch


def noun_matches(noun: str, endings: Iterable[str]) -> bool:
    return any(noun == e or noun.endswith("-" + e) for e in endings)


@dataclass
class Target:
    kind: str
    names: list[str]
    count: int | None
    scope: Scope
    dynamic: bool
    listed: str = ""  # the run-time names come from a listing of every resource of this kind


def target_of(request: Request, noun: str) -> Target:
    """The resource the call names: the id parameter that matches the noun best; several ids widen it."""
    candidates = [name for name in request.params
                  if name in ID_PARAMS or name.endswith(ID_PARAM_ENDINGS)]
    last = noun.rsplit("-", 1)[-1] if noun else ""
    candidates.sort(key=lambda name: (last not in name, name not in ID_PARAMS))
    kind = noun or request.service
    if not candidates:
        return Target(kind, [], None, "one", False)
    words = request.params[candidates[0]]
    names = [w.shown() for w in words]
    dynamic = any(not w.known for w in words)
    if dynamic:
        return Target(kind, names, None, run_time_scope(words), True)
    plural = candidates[0].endswith(("s", "-ids")) and len(words) != 1
    return Target(kind, names, len(words) or None, "many" if len(words) > 1 or plural else "one", False)


def run_time_scope(words: Sequence[Word]) -> Scope:
    """Ids computed at run time: every resource when they come from an unfiltered listing
    (`$(aws ec2 describe-instances --query '…Id' --output text)`), otherwise many."""
    return listing_scope(words, ("aws",), lists_everything)


def lists_everything(tokens: list[str]) -> bool:
    """`$(aws SERVICE describe-…|list-… …)`: an unfiltered listing (`listing_kind`). A pipe inside is left
    alone: what follows it may select."""
    return "|" not in tokens and bool(listing_kind(split_call([lit(t) for t in tokens[1:]])))


def kind_of(service: str, noun: str) -> str:
    """What `describe-db-instances` lists and `delete-db-instance` deletes: "aws rds db-instance"."""
    return f"aws {SERVICE_KINDS.get(service, service)} {singular(re.sub(r'-v[0-9]+$', '', noun))}"


def listing_kind(request: Request) -> str:
    """The kind of resource a describe-/list- call lists in full; "" where it selects: a filter, a `[?…]` or
    indexing query, ids or names of the listed kind, or any parameter not known to leave nothing out. A
    parameter that names another kind names where they are (`list-services --cluster c`: every service of
    c)."""
    verb, noun, _ = split_operation(request.operation)
    if verb not in ("describe", "list") or not noun or SELECTING_QUERY.search(request.globals.get("--query", "")):
        return ""
    kind = kind_of(request.service, noun)
    listed = kind.rsplit(" ", 1)[-1].rsplit("-", 1)[-1]
    for name in request.params:
        naming = name in ID_PARAMS or name.endswith(ID_PARAM_ENDINGS)
        if name not in UNSELECTIVE_PARAMS and (not naming or listed in name):
            return ""
    return kind


def whole_listing(listed: str, kind: str) -> bool:
    """Every bucket, instance, database or stack a listing returns: the account's whole estate of them."""
    return bool(listed) and listed == kind and kind.rsplit(" ", 1)[-1] in WHOLE_WHEN_ALL_LISTED


def s3_listing_kind(paths: Sequence[Word]) -> str:
    """`aws s3 ls` lists every bucket; `aws s3 ls s3://b` (or `s3://b/dir/`) every object there; a partial
    key (`s3://b/log`) only those it begins."""
    if not paths or paths[0].value in ("s3://", "s3:"):
        return "aws s3 bucket"
    url = paths[0].value
    if url.startswith("s3://") and (not key_of(url) or url.endswith("/")):
        return "aws s3 object"
    return ""


def resource_name(value: str) -> str:
    """The readable part of an ARN or a queue URL; other values as they are."""
    if value.startswith("arn:"):
        return value.split(":", 5)[-1]
    if value.startswith("https://"):
        return value.rstrip("/").rsplit("/", 1)[-1]
    return value


class Aws(CloudCli):
    NAMES = ("aws",)
    FAMILY = "aws"
    GLOBAL_OPTIONS = GLOBAL_VALUES
    VALUE_OPTIONS = S3_VALUES
    OPTIONAL_VALUES = S3_OPTIONAL_VALUES
    DRY_RUN_FLAGS = READ_ONLY_FLAGS
    # AWS_ENDPOINT_URL_<SERVICE> (AWS_ENDPOINT_URL_S3, …) point one service elsewhere: a name pattern
    ENV_VARIABLES = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_CONFIG_FILE",
                     "AWS_SHARED_CREDENTIALS_FILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_*", "AWS_ACCESS_KEY_ID",
                     "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE",
                     "AWS_CA_BUNDLE", "AWS_USE_FIPS_ENDPOINT", "AWS_CLI_AUTO_PROMPT")

    # the verb is an operation's first word (`describe` of describe-instances)
    READ_VERBS = CloudCli.READ_VERBS | {
        "describe", "head", "lookup", "search", "scan", "query", "detect", "verify", "test", "check", "simulate",
        "discover", "decode", "estimate", "evaluate", "preview", "view", "select", "filter", "ls", "history",
        "download", "receive", "compare", "calculate", "explain", "predict", "recognize", "translate", "analyze",
        "infer", "summarize", "count", "resolve",
    }
    DELETE_VERBS = CloudCli.DELETE_VERBS | {
        "terminate", "deregister", "rm", "rb", "release", "unsubscribe", "drop", "discard", "erase", "wipe",
        "truncate", "flush", "empty", "deprovision", "decommission", "evict", "close", "unregister",
    }
    PERMISSION_VERBS = frozenset({"authorize", "revoke", "grant", "retire"})
    HOST_VERBS = CloudCli.HOST_VERBS | {"reboot", "hibernate", "shutdown"}
    # put, add, start and copy change what exists: they modify
    CREATE_VERBS = CloudCli.CREATE_VERBS | {
        "run", "allocate", "register", "request", "launch", "provision", "purchase", "mb", "build", "issue",
        "publish",
    }
    # nouns (an operation's words after its verb) are matched by their endings: `delete-db-cluster-snapshot`
    # deletes a snapshot
    PERMISSION_NOUNS = frozenset({
        "bucket-policy", "key-policy", "role-policy", "user-policy", "group-policy", "resource-policy",
        "repository-policy", "access-policy", "assume-role-policy", "file-system-policy", "policy-version",
        "permissions-boundary", "bucket-acl", "object-acl", "acl", "permission", "permissions", "grant",
        "public-access-block", "bucket-ownership-controls", "login-profile", "access-key", "registry-policy",
        "queue-policy", "topic-policy", "vault-access-policy", "domain-policy", "secret-policy", "role-permissions",
    })
    DATA_NOUNS = CloudCli.DATA_NOUNS | {
        "bucket", "db-instance", "db-cluster", "file-system", "backup-vault", "recovery-point", "stream",
        "log-group", "log-stream", "parameter", "vault", "archive", "domain", "ledger", "user-pool",
        "replication-group", "cache-cluster", "serverless-cache", "hosted-zone", "namespace", "keyspace",
        "data-store", "datastore", "graph", "index", "dataset", "data-set", "cache", "global-cluster",
        "event-data-store",
    }
    WHOLE_ENVIRONMENT_NOUNS = CloudCli.WHOLE_ENVIRONMENT_NOUNS | {
        "stack", "stack-set", "stack-instance", "organization", "account", "job-flow", "landing-zone",
    }

    def changes_access(self, verb: str, nouns: Sequence[str]) -> bool:
        return any(noun_matches(noun, self.PERMISSION_NOUNS) for noun in nouns)

    def classify(self, service: str, operation: str) -> Operation:
        exact = OPERATIONS.get((service, operation))
        if exact:
            return exact
        verb, noun, _ = split_operation(operation)
        found = self.operation(verb, [noun])
        if found in ("read", "permission"):
            return found
        if service in PERMISSION_SERVICES and operation not in IDENTITY_DELETES:
            return "permission"
        if found == "host_control" and not noun_matches(noun, HOST_NOUNS):
            return "modify"
        return found

    # --- reading the command ------------------------------------------------------------------------------
    def analyze(self, inv: Invocation) -> list[Effect]:
        request = split_call(inv.words)
        # aws's parameters are lists (`--instance-ids i-1 i-2`): the request holds them, not `Options`
        call = AwsCall(inv, Options({}, [], []), request.service, [], list(request.positionals), request=request)
        if not request.service or request.service == "help" or "--version" in request.globals:
            return [self.read(call, "aws:cli", "shows aws help or its version")]
        if request.service != "configure":
            run_credential_process(inv, request.globals.get("--profile"))
        return self.dispatch(call)

    def unknown_verb(self, call: Call) -> list[Effect]:
        """Every service without a handler of its own is an API call, classified by its operation."""
        assert isinstance(call, AwsCall)
        request = call.request
        if not request.operation or request.operation in ("help", "wait") or any(
                flag in request.params or flag in request.globals for flag in self.DRY_RUN_FLAGS) or any(
                w.value == "help" for w in request.positionals):
            return [self.read(call, f"aws:{request.service}", f"aws {request.service} {request.operation} "
                              "(help, a wait or a dry run: nothing changes)")]
        return self.api(call)

    # --- API operations -----------------------------------------------------------------------------
    def api(self, call: AwsCall) -> list[Effect]:
        inv, request = call.inv, call.request
        service, operation = request.service, request.operation
        verb, noun, batch = split_operation(operation)
        target = target_of(request, noun)
        if inv.args_unknown and not target.names:
            target = Target(target.kind, ["…"], None, "many", True)
        if target.dynamic:
            target.listed = listed_by(inv, "aws")
            if target.listed:
                target.scope = "all"  # names fed from a listing of every resource: all of them
        names = [resource_name(n) for n in target.names if UNKNOWN_PART not in n and n != "…"]
        where = place(inv.ctx, profile_flag=request.globals.get("--profile"),
                      endpoint_flag=request.globals.get("--endpoint-url"),
                      names=[*names, *(w.value for w in request.params.get("--cluster", []))],
                      region=request.globals.get("--region"))
        shown = ",".join(resource_name(n) for n in target.names[:3]) or "?"
        resource = f"aws:{where.label}/{service}/{target.kind}/{shown}"
        secret = SECRET_OPERATIONS.get((service, operation))
        if (service, operation) in DECRYPTING_READS and request.has("--with-decryption"):
            secret = ("decrypted parameter values", None)
        effects: list[Effect] = []
        if secret is not None:
            what, also = secret
            effects.append(inv.effect("secret_read", resource, where.placement, kind=target.kind, reversible="yes",
                                      summary=f"aws {service} {operation} returns {what}",
                                      suggestions=("let the tool that needs the credential fetch it itself "
                                                   "(a credential_process or role) instead of printing it",)))
            if also is None:
                return effects
        operation_kind = secret[1] if secret is not None and secret[1] else self.classify(service, operation)
        if operation_kind == "read":
            listed = listing_kind(request)
            if listed:
                inv.stdout = listing(listed)
            return [self.read(call, resource, f"aws {service} {operation} (read-only)", where.placement)]
        return [*effects, self.change(call, operation_kind, resource, target, where, verb, noun, batch)]

    def change(self, call: AwsCall, operation: Operation, resource: str, target: Target, where: Where, verb: str,
               noun: str, batch: bool) -> Effect:
        inv, request = call.inv, call.request
        service, name = request.service, request.operation
        deleting = operation == "delete"
        whole = deleting and (noun_matches(noun, self.WHOLE_ENVIRONMENT_NOUNS) or service == "organizations"
                              or name in ("close-account", "leave-organization")
                              or whole_listing(target.listed, kind_of(service, noun)))
        data = deleting and (noun_matches(noun, self.DATA_NOUNS)
                             or (service, name) == ("kms", "schedule-key-deletion"))
        tags = list(self.tags_of(request, verb))
        scope = target.scope
        if batch and scope == "one" and len(target.names) != 1:
            scope = "many"
        if target.dynamic:
            tags.append("dynamic")
        if request.has("--all", "--recursive"):
            scope = "all"
        reversible = "no" if deleting else "unknown"
        if deleting and request.has("--final-db-snapshot-identifier", "--final-snapshot-identifier"):
            reversible = "yes"
        if (service, name) == ("kms", "schedule-key-deletion") or (
                service == "secretsmanager" and deleting and not request.has("--force-delete-without-recovery")):
            reversible = "yes"  # a waiting period: it can be cancelled until it ends
        count_note = f" ({target.count} of them)" if target.count and target.count > 1 else ""
        if scope == "all":
            count_note = " (every one a run-time listing returns)" if target.dynamic else " (all of them)"
        summary = f"aws {service} {name} {', '.join(resource_name(n) for n in target.names[:3])}".rstrip()
        return inv.effect(
            operation,
            resource,
            where.placement,
            scope=scope,
            count=target.count if scope == "many" else None,
            reversible=reversible,
            kind=target.kind,
            data_loss=data,
            whole_environment=whole,
            tags=tuple(dict.fromkeys(tags)),
            summary=summary + count_note,
            suggestions=self.suggestions(inv, request, target),
        )

    def tags_of(self, request: Request, verb: str) -> list[str]:
        tags: list[str] = []
        if request.has("--skip-final-snapshot"):
            tags.append("no-final-snapshot")
        if request.has("--delete-automated-backups"):
            tags.append("no-backups")
        if request.has("--force-delete-without-recovery"):
            tags.append("no-recovery")
        if request.has("--force", "--force-new-deployment", "--force-delete", "--force-destroy"):
            tags.append("force")
        if (request.service, request.operation) in AUDIT_OFF:
            tags.append("disables-audit")
        if verb in DISRUPTIVE_VERBS or verb in self.HOST_VERBS:
            tags.append("disruptive")
        return tags

    @staticmethod
    def suggestions(inv: Invocation, request: Request, target: Target) -> tuple[str, ...]:
        out: list[str] = []
        template = SUGGESTIONS.get((request.service, request.operation))
        name = resource_name(target.names[0]) if target.names and not target.dynamic else "NAME"
        if template:
            out.append(template.format(name=name))
        if request.service in DRY_RUN_SERVICES:
            out.append(f"check it first: {inv.text.strip()} --dry-run")
        if target.dynamic or target.scope != "one":
            out.append("name the resources one at a time, by id, after listing them")
        return tuple(out)

    @staticmethod
    def read(call: AwsCall, resource: str, summary: str, placement: Placement | None = None) -> Effect:
        inv, request = call.inv, call.request
        if placement is None:
            placement = Placement(LOCAL, "it only reads") if resource == "aws:cli" else place(
                inv.ctx, profile_flag=request.globals.get("--profile"),
                endpoint_flag=request.globals.get("--endpoint-url"), names=()).placement
        return inv.effect("read", resource, placement, reversible="yes", summary=summary)

    # --- aws configure ------------------------------------------------------------------------------
    def configure(self, call: Call) -> list[Effect]:
        assert isinstance(call, AwsCall)
        inv, request = call.inv, call.request
        sub = request.operation or "interactive"
        args = [w.value for w in request.positionals if not w.value.startswith("-")]
        if sub in ("list", "list-profiles") or (sub == "get" and args and args[0].split(".")[-1]
                                                   not in SECRET_CONFIG_KEYS):
            return [self.read(call, "aws:config", f"aws configure {sub} (read-only)",
                              Placement(LOCAL, "it reads the local AWS configuration"))]
        if sub in ("get", "export-credentials"):
            return [inv.effect("secret_read", "aws:config/credentials",
                               Placement(LOCAL, "the local AWS credentials"), kind="credentials",
                               summary=f"aws configure {sub} prints AWS credentials")]
        if sub == "set":
            self.record_setting(call)
        path = config_path(inv.ctx) or "~/.aws/config"
        return [inv.fs("modify", path, kind="aws-config", reversible="unknown",
                       summary=f"aws configure {sub} changes the AWS configuration (which account later "
                               "commands act on)")]

    @staticmethod
    def record_setting(call: AwsCall) -> None:
        """`aws configure set [profile.P.|default.]KEY VALUE [--profile P]`: later aws commands on this line
        work in the account a role_arn, sso_account_id or source_profile set here points to."""
        opts = parse_options(call.request.positionals, GLOBAL_VALUES)
        words = opts.positional_words
        if len(words) < 2 or not words[0].known or not words[1].known:
            return
        key, value = words[0].value, words[1].value
        parts = key.split(".")
        if len(parts) == 3 and parts[0] == "profile":
            profile, key = parts[1], parts[2]
        elif len(parts) == 2 and parts[0] == "default":
            profile, key = "default", parts[1]
        elif len(parts) == 1:
            profile = aws_profile(call.inv.ctx, opts.value("--profile") or call.request.globals.get("--profile")
                                  )[0] or "default"
        else:
            return
        if key in ACCOUNT_KEYS:
            call.inv.ctx.switched[f"{SWITCHED_CONFIG}:{profile}:{key}"] = value

    # --- aws s3 -------------------------------------------------------------------------------------
    def s3(self, call: Call) -> list[Effect]:
        assert isinstance(call, AwsCall)
        inv, request = call.inv, call.request
        opts = self.walk(request.positionals)
        for name in GLOBAL_VALUES:
            value = opts.value(name)
            if value:
                request.globals[name] = value
        paths = opts.positional_words
        buckets = [bucket_of(w.value) for w in paths if w.value.startswith("s3://")]
        where = place(inv.ctx, profile_flag=request.globals.get("--profile"),
                      endpoint_flag=request.globals.get("--endpoint-url"), names=[b for b in buckets if b],
                      region=request.globals.get("--region"))
        sub = request.operation
        if opts.has("--dryrun", "--dry-run") or sub in ("ls", "help", ""):
            listed = s3_listing_kind(paths) if sub == "ls" else ""
            if listed:
                inv.stdout = listing(listed)
            target = paths[0].value if paths else "s3://"
            return [inv.effect("read", s3_resource(where, target), where.placement, reversible="yes",
                               summary=f"aws s3 {sub or 'help'} {target} (read-only or a dry run)".rstrip())]
        handler = self.S3_COMMANDS.get(sub)
        if handler is None:
            return [unknown_in(inv, where, f"aws s3 {sub}, which is not a known s3 command")]
        return handler(self, inv, paths, where, recursive=opts.has("--recursive"), delete=opts.has("--delete"),
                       force=opts.has("--force"), sub=sub)

    def s3_rm(self, inv: Invocation, paths: list[Word], where: Where, *, recursive: bool, **_: object) -> list[Effect]:
        if not paths:
            return [unknown_in(inv, where, "aws s3 rm without a path")]
        url = paths[0].shown()
        whole_bucket = not key_of(url).strip("/")
        scope: Scope = ("all" if whole_bucket else "many") if recursive else "one"
        dynamic = run_time_urls(paths[:1], scope)
        if dynamic:
            scope = "all" if listed_by(inv, "aws") else dynamic
        suggestion = f"preview it first: {inv.text.strip()} --dryrun"
        return [inv.effect("delete", s3_resource(where, url), where.placement, scope=scope, reversible="no",
                           kind="objects" if recursive else "object", data_loss=recursive,
                           tags=(*(("recursive",) if recursive else ()), *(("dynamic",) if dynamic else ())),
                           summary=(f"deletes every object under {url}" if recursive else f"deletes {url}"),
                           suggestions=(suggestion,))]

    def s3_rb(self, inv: Invocation, paths: list[Word], where: Where, *, force: bool, **_: object) -> list[Effect]:
        if not paths:
            return [unknown_in(inv, where, "aws s3 rb without a bucket")]
        url = paths[0].shown()
        dynamic = run_time_urls(paths[:1], "one")
        listed = listed_by(inv, "aws") if dynamic else ""
        scope: Scope = "all" if force or listed else dynamic or "one"
        return [inv.effect("delete", s3_resource(where, url), where.placement, scope=scope,
                           reversible="no", kind="bucket", data_loss=force,
                           whole_environment=whole_listing(listed, "aws s3 bucket"),
                           tags=(*(("force",) if force else ()), *(("dynamic",) if dynamic else ())),
                           summary=f"deletes bucket {url}" + (" and every object in it" if force else ""),
                           suggestions=(f"see what it holds first: aws s3 ls {url} --recursive --summarize",))]

    def s3_mb(self, inv: Invocation, paths: list[Word], where: Where, **_: object) -> list[Effect]:
        url = paths[0].shown() if paths else "s3://?"
        return [inv.effect("create", s3_resource(where, url), where.placement, kind="bucket",
                           reversible="yes", summary=f"creates bucket {url}")]

    def s3_presign(self, inv: Invocation, paths: list[Word], where: Where, **_: object) -> list[Effect]:
        url = paths[0].shown() if paths else "s3://?"
        return [inv.effect("permission", s3_resource(where, url), where.placement, kind="object",
                           reversible="no", summary=f"makes a link that lets anyone holding it read {url}")]

    def s3_website(self, inv: Invocation, paths: list[Word], where: Where, **_: object) -> list[Effect]:
        url = paths[0].shown() if paths else "s3://?"
        return [inv.effect("modify", s3_resource(where, url), where.placement, kind="bucket",
                           summary=f"serves bucket {url} as a public website")]

    def s3_copy(self, inv: Invocation, paths: list[Word], where: Where, *, recursive: bool, delete: bool,
                sub: str, **_: object) -> list[Effect]:
        """cp / mv / sync: the destination gains (or, with sync --delete, loses) objects; mv loses the source."""
        if len(paths) < 2:
            return [unknown_in(inv, where, f"aws s3 {sub} without a source and a destination")]
        source, destination = paths[0].value, paths[1].value
        many = recursive or sub == "sync"
        effects: list[Effect] = []
        if not source.startswith("s3://") and source != "-":
            uploaded = uploaded_secret(inv, source, destination, where.placement)
            if uploaded is not None:
                effects.append(uploaded)
        if destination.startswith("s3://"):
            effects.append(inv.effect("create", s3_resource(where, destination), where.placement,
                                      scope="many" if many else "one", kind="objects" if many else "object",
                                      reversible="unknown", tags=("may-overwrite",),
                                      summary=f"aws s3 {sub} writes {source} to {destination}"))
            if delete:
                effects.append(inv.effect(
                    "delete", s3_resource(where, destination), where.placement, scope="many",
                    reversible="no", kind="objects", data_loss=True, tags=("sync-delete",),
                    summary=f"deletes every object under {destination} that is not in {source}",
                    suggestions=(f"preview it first: {inv.text.strip()} --dryrun",)))
        elif destination != "-":
            effects.append(inv.fs("delete" if delete else "modify", destination, recursive=many,
                                  tags=("overwrite",), reversible="no" if delete else "unknown",
                                  summary=(f"deletes files under {destination} that are not in {source}" if delete
                                           else f"writes {source} to {destination}")))
        if sub == "mv":
            if source.startswith("s3://"):
                effects.append(inv.effect("delete", s3_resource(where, source), where.placement,
                                          scope="many" if recursive else "one", reversible="yes",
                                          kind="objects" if recursive else "object",
                                          summary=f"removes {source} after copying it to {destination}"))
            else:
                effects.append(inv.fs("delete", source, recursive=recursive, reversible="yes",
                                      summary=f"removes {source} after copying it to {destination}"))
        if source.startswith("s3://") and not effects:
            effects.append(inv.effect("read", s3_resource(where, source), where.placement, reversible="yes",
                                      summary=f"reads {source}"))
        return effects

    VERBS = {"s3": s3, "configure": configure}
    S3_COMMANDS: ClassVar[dict[str, S3Handler]] = {
        "rm": s3_rm, "rb": s3_rb, "mb": s3_mb, "cp": s3_copy, "mv": s3_copy, "sync": s3_copy, "presign": s3_presign,
        "website": s3_website}


def run_time_urls(words: Sequence[Word], scope: Scope) -> Scope | None:
    """A URL known only at run time (`s3://$b`, `s3://{}` under xargs) names at least many buckets or
    objects — all of them when it comes from an unfiltered listing; None for a URL written out."""
    if all(w.known for w in words):
        return None
    listed = listing_scope(words, ("aws",), lists_everything)
    return "all" if "all" in (listed, scope) else "many"


def s3_resource(where: Where, url: str) -> str:
    return f"aws:{where.label}/s3/{url[len('s3://'):] if url.startswith('s3://') else url}".rstrip("/")


def unknown_in(inv: Invocation, where: Where, why: str) -> Effect:
    """A call changegate cannot classify, placed where it lands (not by its arguments)."""
    return not_understood(inv, f"aws:{where.label}/s3", where.placement, why)


def bucket_of(url: str) -> str:
    return url[len("s3://"):].split("/", 1)[0] if url.startswith("s3://") else ""


def key_of(url: str) -> str:
    rest = url[len("s3://"):] if url.startswith("s3://") else url
    return rest.split("/", 1)[1] if "/" in rest else ""
