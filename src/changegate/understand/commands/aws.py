"""aws: `aws [GLOBAL] SERVICE OPERATION [--param VALUE…]`, and the `s3` high-level commands.

An AWS operation says what it does in its first word (describe-*, list-*, get-* read; delete-*, terminate-*
destroy; put-*-policy, attach-*-policy, authorize-* change who may do what). The tables below hold the
verbs, the exceptions that read secrets or hand out credentials, and the nouns that hold data or are a whole
environment. The environment comes from `--endpoint-url` (a local emulator), `--profile` / `AWS_PROFILE`
and the account that profile assumes in `~/.aws/config` (read from the action's HOME), then the names of
the resources the command names.
"""

from __future__ import annotations

import configparser
import posixpath
import re
import shlex
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import ClassVar

from changegate.environments import LOCAL, UNKNOWN, Placement, most_severe
from changegate.model import Effect, Operation, Scope
from changegate.understand.base import UNKNOWN_PART, Context, Invocation, Word
from changegate.understand.cli import Cli, parse_options
from changegate.understand.sensitive import secret_kind

CONFIG_READ_LIMIT = 256 * 1024  # a config file larger than this is not read (the placement stays unknown)
MAX_PROFILE_CHAIN = 5  # source_profile hops followed to find the account a profile assumes

# --- the command line ---------------------------------------------------------------------------------

# global options that take a value (they may appear anywhere on the line)
GLOBAL_VALUES = frozenset({
    "--profile", "--region", "--endpoint-url", "--output", "--query", "--color", "--ca-bundle",
    "--cli-read-timeout", "--cli-connect-timeout", "--cli-binary-format", "--cli-input-json", "--cli-input-yaml",
})
READ_ONLY_FLAGS = frozenset({"--dry-run", "--dryrun", "--generate-cli-skeleton", "--version"})

# --- what an operation does, by its verb --------------------------------------------------------------

READ_VERBS = frozenset({
    "describe", "list", "get", "head", "lookup", "search", "scan", "query", "wait", "detect", "verify", "test",
    "check", "validate", "simulate", "discover", "decode", "estimate", "evaluate", "preview", "view", "select",
    "filter", "tail", "ls", "help", "history", "download", "receive", "batch-get", "compare", "calculate",
    "explain", "predict", "recognize", "translate", "analyze", "infer", "summarize", "count", "resolve",
})
DELETE_VERBS = frozenset({
    "delete", "terminate", "remove", "deregister", "purge", "rm", "rb", "release", "unsubscribe", "destroy",
    "drop", "discard", "erase", "wipe", "truncate", "flush", "empty", "deprovision", "decommission", "evict",
    "close", "unregister",
})
PERMISSION_VERBS = frozenset({"authorize", "revoke", "grant", "retire"})
CREATE_VERBS = frozenset({
    "create", "run", "allocate", "import", "copy", "register", "request", "launch", "provision", "purchase",
    "generate", "clone", "mb", "cp", "build", "issue", "upload", "add", "put", "publish", "start",
})
# stopping or rebooting a machine or database is an outage, not a delete
HOST_VERBS = frozenset({"stop", "reboot", "hibernate", "failover", "shutdown", "restart"})
HOST_NOUNS = ("instance", "instances", "db-instance", "db-cluster", "cluster", "node", "nodes", "server",
              "environment", "broker", "replication-instance", "cache-cluster", "notebook-instance")
DISRUPTIVE_VERBS = frozenset({"stop", "disable", "detach", "disassociate", "deactivate", "suspend", "abort",
                              "reset", "reject", "cancel"})
# nouns whose put/delete/update changes who may do what (an access policy), not data
ACCESS_NOUN_ENDINGS = (
    "bucket-policy", "key-policy", "role-policy", "user-policy", "group-policy", "resource-policy",
    "repository-policy", "access-policy", "assume-role-policy", "file-system-policy", "policy-version",
    "permissions-boundary", "bucket-acl", "object-acl", "acl", "permission", "permissions", "grant",
    "public-access-block", "bucket-ownership-controls", "login-profile", "access-key", "registry-policy",
    "queue-policy", "topic-policy", "vault-access-policy", "domain-policy", "secret-policy", "role-permissions",
)
# nouns that hold data: deleting one loses what is in it
DATA_NOUN_ENDINGS = (
    "bucket", "table", "volume", "snapshot", "db-instance", "db-cluster", "file-system", "backup",
    "backup-vault", "recovery-point", "stream", "queue", "log-group", "log-stream", "repository", "secret",
    "parameter", "vault", "archive", "domain", "ledger", "database", "user-pool", "replication-group",
    "cache-cluster", "serverless-cache", "hosted-zone", "namespace", "keyspace", "collection", "data-store",
    "datastore", "graph", "index", "dataset", "data-set", "cache", "global-cluster", "event-data-store",
)
# nouns that are a whole environment: deleting one takes everything in it
WHOLE_NOUN_ENDINGS = ("stack", "stack-set", "stack-instance", "cluster", "environment", "organization",
                      "account", "job-flow", "landing-zone")
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
NARROWING_PARAMS = frozenset({"--filters", "--filter", "--query"})
ARN_ACCOUNT = re.compile(r"arn:aws[a-z-]*:[a-z0-9-]*:[a-z0-9-]*:(\d{12}):")
URL_ACCOUNT = re.compile(r"amazonaws\.com/(\d{12})/")
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
class Call:
    """One `aws` call after option walking."""

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


def split_call(words: Sequence[Word]) -> Call:
    """Global options before the operation, then the service and the operation, then its parameters."""
    head: list[str] = []
    globals_: dict[str, str] = {}
    i = 0
    while i < len(words) and len(head) < 2:
        arg = words[i].value
        if arg.startswith("--"):
            name, eq, inline = arg.partition("=")
            if eq:
                globals_[name] = inline
            elif name in GLOBAL_VALUES and i + 1 < len(words):
                globals_[name] = words[i + 1].value
                i += 1
            else:
                globals_[name] = ""
        else:
            head.append(arg)
        i += 1
    call = Call(service=head[0] if head else "", operation=head[1] if len(head) > 1 else "", globals=globals_)
    rest = list(words[i:])
    if call.service == "s3" or call.service == "configure":
        call.positionals = rest
        return call
    read_params(rest, call)
    return call


def read_params(words: Sequence[Word], call: Call) -> None:
    """AWS parameters: `--name VALUE…` (a list runs to the next `--`), `--name=VALUE`, or a bare switch."""
    current: str | None = None
    for word in words:
        arg = word.value
        if arg.startswith("--") and len(arg) > 2:
            name, eq, inline = arg.partition("=")
            current = name
            call.params.setdefault(name, [])
            if eq:
                call.params[name].append(Word(inline, text=word.text))
                current = None
            continue
        if current is None:
            call.positionals.append(word)
        else:
            call.params[current].append(word)
    for name in GLOBAL_VALUES:
        values = call.params.pop(name, None)
        if values:
            call.globals[name] = values[0].value


# --- classification -----------------------------------------------------------------------------------

def singular(noun: str) -> str:
    if noun.endswith("ies"):
        return noun[:-3] + "y"
    if noun.endswith("s") and not noun.endswith(("ss", "us", "is", "as")):
        return noun[:-1]
    return noun


def split_operation(operation: str) -> tuple[str, str, bool]:
    """`batch-delete-image` -> (delete, image, batch); `admin-delete-user` -> (delete, user, False)."""
    tokens = operation.split("-")
    batch = False
    while len(tokens) > 1 and tokens[0] in ("admin", "batch", "bulk", "force"):
        batch = batch or tokens[0] in ("batch", "bulk")
        tokens = tokens[1:]
    if tokens[:2] == ["batch", "get"]:
        return "read", "-".join(tokens[2:]), True
    return tokens[0], singular("-".join(tokens[1:])), batch


def noun_matches(noun: str, endings: Iterable[str]) -> bool:
    return any(noun == e or noun.endswith("-" + e) for e in endings)


def classify(service: str, operation: str) -> Operation:
    exact = OPERATIONS.get((service, operation))
    if exact:
        return exact
    verb, noun, _ = split_operation(operation)
    if verb in READ_VERBS:
        return "read"
    if verb in PERMISSION_VERBS or (noun_matches(noun, ACCESS_NOUN_ENDINGS) and verb != "get"):
        return "permission"
    if service in PERMISSION_SERVICES and operation not in IDENTITY_DELETES:
        return "permission"
    if verb in DELETE_VERBS:
        return "delete"
    if verb in HOST_VERBS and noun_matches(noun, HOST_NOUNS):
        return "host_control"
    if verb in CREATE_VERBS and verb not in ("put", "add", "start", "copy", "cp"):
        return "create"
    return "modify"


# --- where it lands -----------------------------------------------------------------------------------

def read_bounded_text(path: str, limit: int = CONFIG_READ_LIMIT) -> str | None:
    """A small config file's text, or None when it is missing, unreadable or too large to trust."""
    try:
        with open(path, encoding="utf-8-sig", errors="replace") as fh:
            text = fh.read(limit + 1)
    except (OSError, ValueError):
        return None
    return None if len(text) > limit else text


def config_path(ctx: Context) -> str | None:
    explicit = ctx.getenv("AWS_CONFIG_FILE")
    if explicit:
        return ctx.resolve(explicit)
    return posixpath.join(ctx.home, ".aws", "config") if ctx.home else None


def profile_account(ctx: Context, profile: str) -> str | None:
    """The account a profile works in, from `role_arn` or `sso_account_id` in the agent's ~/.aws/config
    (following `source_profile`). Recorded in `ctx.consulted`: the approval binds to it."""
    path = config_path(ctx)
    text = read_bounded_text(path) if path else None
    if text is None:
        return None
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    try:
        parser.read_string(text)
    except configparser.Error:
        return None
    name = profile
    account: str | None = None
    for _ in range(MAX_PROFILE_CHAIN):
        section = "default" if name == "default" else f"profile {name}"
        if not parser.has_section(section):
            if name == "default" and parser.has_section("profile default"):
                section = "profile default"
            else:
                break
        values = parser[section]
        role = values.get("role_arn", "")
        match = ARN_ACCOUNT.match(role + ":") if role else None
        account = (match.group(1) if match else None) or values.get("sso_account_id") or None
        if account or not values.get("source_profile"):
            break
        name = values["source_profile"]
    ctx.consulted[f"aws-config:{profile}"] = account or ""
    return account


def accounts_in(values: Iterable[str]) -> list[str]:
    found: list[str] = []
    for value in values:
        for regex in (ARN_ACCOUNT, URL_ACCOUNT):
            match = regex.search(value)
            if match and match.group(1) not in found:
                found.append(match.group(1))
    return found


@dataclass
class Where:
    """The placement of one call and the label its resources carry (profile, account or `default`)."""

    placement: Placement
    label: str


def place(ctx: Context, *, profile_flag: str | None, endpoint_flag: str | None, names: Sequence[str],
          region: str | None = None) -> Where:
    """Endpoint, then profile and its account (explicit mappings first), then the names the call uses."""
    environments = ctx.environments
    endpoint = endpoint_flag or ctx.getenv("AWS_ENDPOINT_URL")
    if endpoint:
        placed = environments.url(endpoint, "--endpoint-url" if endpoint_flag else "AWS_ENDPOINT_URL")
        if placed.environment != UNKNOWN:
            return Where(placed, "local" if placed.environment == LOCAL else placed.environment)
    source = "--profile"
    profile = profile_flag
    if not profile:
        for variable in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE"):
            profile = ctx.getenv(variable)
            if profile:
                source = variable
                break
    account = profile_account(ctx, profile or "default")
    label = profile or account or "default"
    for candidate in [account, *accounts_in(names)]:
        mapped = environments.mapped("aws_accounts", candidate) if candidate else None
        if mapped:
            return Where(Placement(mapped, f"AWS account {candidate} is mapped to {mapped} by the policy"), label)
    by_profile: Placement | None = None
    if profile:
        by_profile = environments.aws_profile(profile, None, f"AWS profile ({source})")
        if environments.mapped("aws_profiles", profile) or environments.mapped("names", profile):
            return Where(by_profile, label)
    named = [environments.classify("names", name, "the resource name") for name in names if name]
    if region:
        named.append(environments.classify("names", region, "--region"))
    known = [p for p in [by_profile, *named] if p is not None and p.environment != UNKNOWN]
    if known:
        worst = most_severe(p.environment for p in known)
        return Where(next(p for p in known if p.environment == worst), label)
    if by_profile is not None:
        return Where(by_profile, label)
    why = ("no AWS profile is set and the default profile's account is not mapped: the credentials could be "
           "anything (unknown is treated as prod)")
    return Where(Placement(UNKNOWN, why), label)


# --- the family ---------------------------------------------------------------------------------------

@dataclass
class Target:
    kind: str
    names: list[str]
    count: int | None
    scope: Scope
    dynamic: bool


def target_of(call: Call, noun: str) -> Target:
    """The resource the call names: the id parameter that matches the noun best; several ids widen it."""
    candidates = [name for name in call.params
                  if name in ID_PARAMS or name.endswith(ID_PARAM_ENDINGS)]
    last = noun.rsplit("-", 1)[-1] if noun else ""
    candidates.sort(key=lambda name: (last not in name, name not in ID_PARAMS))
    kind = noun or call.service
    if not candidates:
        return Target(kind, [], None, "one", False)
    words = call.params[candidates[0]]
    names = [w.shown() for w in words]
    dynamic = any(not w.known for w in words)
    if dynamic:
        return Target(kind, names, None, run_time_scope(words), True)
    plural = candidates[0].endswith(("s", "-ids")) and len(words) != 1
    return Target(kind, names, len(words) or None, "many" if len(words) > 1 or plural else "one", False)


def run_time_scope(words: Sequence[Word]) -> Scope:
    """Ids computed at run time: every resource when they come from an unfiltered listing
    (`$(aws ec2 describe-instances --query '…Id' --output text)`), otherwise many."""
    for word in words:
        if word.known:
            continue
        inner = word.text.strip()
        if inner.startswith("$(") and inner.endswith(")"):
            inner = inner[2:-1]
        elif inner.startswith("`") and inner.endswith("`"):
            inner = inner[1:-1]
        else:
            return "many"
        try:
            tokens = shlex.split(inner)[:64]
        except ValueError:
            return "many"
        if not tokens or posixpath.basename(tokens[0]) != "aws":
            return "many"
        operations = [t for t in tokens[1:] if not t.startswith("-")]
        listing = any(t.startswith(("describe-", "list-")) for t in operations[:3])
        query = next((tokens[i + 1] for i, t in enumerate(tokens[:-1]) if t == "--query"), "")
        narrowed = any(t.split("=")[0] in NARROWING_PARAMS - {"--query"} or t.endswith(("-ids", "-names"))
                       for t in tokens) or "?" in query
        if listing and not narrowed:
            return "all"
    return "many"


def resource_name(value: str) -> str:
    """The readable part of an ARN or a queue URL; other values as they are."""
    if value.startswith("arn:"):
        return value.split(":", 5)[-1]
    if value.startswith("https://"):
        return value.rstrip("/").rsplit("/", 1)[-1]
    return value


class Aws(Cli):
    NAMES = ("aws",)
    FAMILY = "aws"
    # option tables for the s3 high-level commands (their arguments are paths, not parameters)
    s3_values: ClassVar[frozenset[str]] = frozenset({
        "--include", "--exclude", "--acl", "--grants", "--sse-kms-key-id", "--sse-c-key", "--sse-c-copy-source",
        "--sse-c-copy-source-key", "--storage-class", "--website-redirect", "--content-type", "--cache-control",
        "--content-disposition", "--content-encoding", "--content-language", "--expires", "--source-region",
        "--metadata", "--metadata-directive", "--expected-size", "--page-size", "--expires-in", "--copy-props",
        "--checksum-mode", "--checksum-algorithm", "--index-document", "--error-document", *GLOBAL_VALUES,
    })
    s3_optional_values: ClassVar[dict[str, frozenset[str]]] = {
        "--sse": frozenset({"AES256", "aws:kms", "aws:kms:dsse"}),
        "--sse-c": frozenset({"AES256"}),
        "--request-payer": frozenset({"requester"}),
    }

    def analyze(self, inv: Invocation) -> list[Effect]:
        call = split_call(inv.words)
        if not call.service or call.service == "help" or "--version" in call.globals:
            return [self.read(inv, call, "aws:cli", "shows aws help or its version")]
        if call.service == "s3":
            return self.s3(inv, call)
        if call.service == "configure":
            return self.configure(inv, call)
        if not call.operation or call.operation in ("help", "wait") or any(
                flag in call.params or flag in call.globals for flag in READ_ONLY_FLAGS) or any(
                w.value == "help" for w in call.positionals):
            return [self.read(inv, call, f"aws:{call.service}", f"aws {call.service} {call.operation} "
                              "(help, a wait or a dry run: nothing changes)")]
        return self.api(inv, call)

    # --- API operations -----------------------------------------------------------------------------
    def api(self, inv: Invocation, call: Call) -> list[Effect]:
        service, operation = call.service, call.operation
        verb, noun, batch = split_operation(operation)
        target = target_of(call, noun)
        if inv.args_unknown and not target.names:
            target = Target(target.kind, ["…"], None, "many", True)
        names = [resource_name(n) for n in target.names if UNKNOWN_PART not in n and n != "…"]
        where = place(inv.ctx, profile_flag=call.globals.get("--profile"),
                      endpoint_flag=call.globals.get("--endpoint-url"),
                      names=[*names, *(w.value for w in call.params.get("--cluster", []))],
                      region=call.globals.get("--region"))
        shown = ",".join(resource_name(n) for n in target.names[:3]) or "?"
        resource = f"aws:{where.label}/{service}/{target.kind}/{shown}"
        secret = SECRET_OPERATIONS.get((service, operation))
        if (service, operation) in DECRYPTING_READS and call.has("--with-decryption"):
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
        operation_kind = secret[1] if secret is not None and secret[1] else classify(service, operation)
        if operation_kind == "read":
            return [self.read(inv, call, resource, f"aws {service} {operation} (read-only)", where.placement)]
        return [*effects, self.change(inv, call, operation_kind, resource, target, where, verb, noun, batch)]

    def change(self, inv: Invocation, call: Call, operation: Operation, resource: str, target: Target,
               where: Where, verb: str, noun: str, batch: bool) -> Effect:
        service, name = call.service, call.operation
        deleting = operation == "delete"
        whole = deleting and (noun_matches(noun, WHOLE_NOUN_ENDINGS) or service == "organizations"
                              or name in ("close-account", "leave-organization"))
        data = deleting and (noun_matches(noun, DATA_NOUN_ENDINGS) or (service, name) == ("kms",
                                                                                            "schedule-key-deletion"))
        tags = list(self.tags_of(call, verb))
        scope = target.scope
        if batch and scope == "one" and len(target.names) != 1:
            scope = "many"
        if target.dynamic:
            tags.append("dynamic")
        if call.has("--all", "--recursive"):
            scope = "all"
        reversible = "no" if deleting else "unknown"
        if deleting and call.has("--final-db-snapshot-identifier", "--final-snapshot-identifier"):
            reversible = "yes"
        if (service, name) == ("kms", "schedule-key-deletion") or (service == "secretsmanager" and deleting
                                                                     and not call.has(
                                                                         "--force-delete-without-recovery")):
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
            suggestions=self.suggestions(inv, call, target),
        )

    @staticmethod
    def tags_of(call: Call, verb: str) -> list[str]:
        tags: list[str] = []
        if call.has("--skip-final-snapshot"):
            tags.append("no-final-snapshot")
        if call.has("--delete-automated-backups"):
            tags.append("no-backups")
        if call.has("--force-delete-without-recovery"):
            tags.append("no-recovery")
        if call.has("--force", "--force-new-deployment", "--force-delete", "--force-destroy"):
            tags.append("force")
        if (call.service, call.operation) in AUDIT_OFF:
            tags.append("disables-audit")
        if verb in DISRUPTIVE_VERBS or verb in HOST_VERBS:
            tags.append("disruptive")
        return tags

    @staticmethod
    def suggestions(inv: Invocation, call: Call, target: Target) -> tuple[str, ...]:
        out: list[str] = []
        template = SUGGESTIONS.get((call.service, call.operation))
        name = resource_name(target.names[0]) if target.names and not target.dynamic else "NAME"
        if template:
            out.append(template.format(name=name))
        if call.service in DRY_RUN_SERVICES:
            out.append(f"check it first: {inv.text.strip()} --dry-run")
        if target.dynamic or target.scope != "one":
            out.append("name the resources one at a time, by id, after listing them")
        return tuple(out)

    def read(self, inv: Invocation, call: Call, resource: str, summary: str,
             placement: Placement | None = None) -> Effect:
        if placement is None:
            placement = Placement(LOCAL, "it only reads") if resource == "aws:cli" else place(
                inv.ctx, profile_flag=call.globals.get("--profile"),
                endpoint_flag=call.globals.get("--endpoint-url"), names=()).placement
        return inv.effect("read", resource, placement, reversible="yes", summary=summary)

    # --- aws configure ------------------------------------------------------------------------------
    def configure(self, inv: Invocation, call: Call) -> list[Effect]:
        sub = call.operation or "interactive"
        args = [w.value for w in call.positionals if not w.value.startswith("-")]
        if sub in ("list", "list-profiles") or (sub == "get" and args and args[0].split(".")[-1]
                                                   not in SECRET_CONFIG_KEYS):
            return [self.read(inv, call, "aws:config", f"aws configure {sub} (read-only)",
                              Placement(LOCAL, "it reads the local AWS configuration"))]
        if sub in ("get", "export-credentials"):
            return [inv.effect("secret_read", "aws:config/credentials",
                               Placement(LOCAL, "the local AWS credentials"), kind="credentials",
                               summary=f"aws configure {sub} prints AWS credentials")]
        path = config_path(inv.ctx) or "~/.aws/config"
        return [inv.fs("modify", path, kind="aws-config", reversible="unknown",
                       summary=f"aws configure {sub} changes the AWS configuration (which account later "
                               "commands act on)")]

    # --- aws s3 -------------------------------------------------------------------------------------
    def s3(self, inv: Invocation, call: Call) -> list[Effect]:
        words = self.fold_optional(call.positionals)
        opts = parse_options(words, self.s3_values)
        for name in GLOBAL_VALUES:
            value = opts.value(name)
            if value:
                call.globals[name] = value
        paths = [w for w in opts.positional_words]
        buckets = [bucket_of(w.value) for w in paths if w.value.startswith("s3://")]
        where = place(inv.ctx, profile_flag=call.globals.get("--profile"),
                      endpoint_flag=call.globals.get("--endpoint-url"), names=[b for b in buckets if b],
                      region=call.globals.get("--region"))
        sub = call.operation
        recursive = opts.has("--recursive")
        if opts.has("--dryrun", "--dry-run") or sub in ("ls", "help", ""):
            target = paths[0].value if paths else "s3://"
            return [inv.effect("read", self.s3_resource(where, target), where.placement, reversible="yes",
                               summary=f"aws s3 {sub or 'help'} {target} (read-only or a dry run)".rstrip())]
        handlers: dict[str, S3Handler] = {
            "rm": self.s3_rm, "rb": self.s3_rb, "mb": self.s3_mb, "cp": self.s3_copy, "mv": self.s3_copy,
            "sync": self.s3_copy, "presign": self.s3_presign, "website": self.s3_website}
        handler = handlers.get(sub)
        if handler is None:
            return [unknown_in(inv, where, f"aws s3 {sub}, which is not a known s3 command")]
        return handler(inv, opts.positional_words, where, recursive=recursive, delete=opts.has("--delete"),
                       force=opts.has("--force"), sub=sub)

    def fold_optional(self, words: Sequence[Word]) -> list[Word]:
        out: list[Word] = []
        i = 0
        while i < len(words):
            allowed = self.s3_optional_values.get(words[i].value)
            if allowed is not None and i + 1 < len(words) and words[i + 1].value in allowed:
                out.append(Word(f"{words[i].value}={words[i + 1].value}", text=words[i].text))
                i += 2
                continue
            out.append(words[i])
            i += 1
        return out

    @staticmethod
    def s3_resource(where: Where, url: str) -> str:
        return f"aws:{where.label}/s3/{url[len('s3://'):] if url.startswith('s3://') else url}".rstrip("/")

    def s3_rm(self, inv: Invocation, paths: list[Word], where: Where, *, recursive: bool, **_: object) -> list[Effect]:
        if not paths:
            return [unknown_in(inv, where, "aws s3 rm without a path")]
        url = paths[0].value
        whole_bucket = not key_of(url).strip("/")
        scope: Scope = ("all" if whole_bucket else "many") if recursive else "one"
        suggestion = f"preview it first: {inv.text.strip()} --dryrun"
        return [inv.effect("delete", self.s3_resource(where, url), where.placement, scope=scope, reversible="no",
                           kind="objects" if recursive else "object", data_loss=recursive,
                           tags=("recursive",) if recursive else (),
                           summary=(f"deletes every object under {url}" if recursive else f"deletes {url}"),
                           suggestions=(suggestion,))]

    def s3_rb(self, inv: Invocation, paths: list[Word], where: Where, *, force: bool, **_: object) -> list[Effect]:
        if not paths:
            return [unknown_in(inv, where, "aws s3 rb without a bucket")]
        url = paths[0].value
        return [inv.effect("delete", self.s3_resource(where, url), where.placement, scope="all" if force else "one",
                           reversible="no", kind="bucket", data_loss=force, tags=("force",) if force else (),
                           summary=f"deletes bucket {url}" + (" and every object in it" if force else ""),
                           suggestions=(f"see what it holds first: aws s3 ls {url} --recursive --summarize",))]

    def s3_mb(self, inv: Invocation, paths: list[Word], where: Where, **_: object) -> list[Effect]:
        url = paths[0].value if paths else "s3://?"
        return [inv.effect("create", self.s3_resource(where, url), where.placement, kind="bucket",
                           reversible="yes", summary=f"creates bucket {url}")]

    def s3_presign(self, inv: Invocation, paths: list[Word], where: Where, **_: object) -> list[Effect]:
        url = paths[0].value if paths else "s3://?"
        return [inv.effect("permission", self.s3_resource(where, url), where.placement, kind="object",
                           reversible="no", summary=f"makes a link that lets anyone holding it read {url}")]

    def s3_website(self, inv: Invocation, paths: list[Word], where: Where, **_: object) -> list[Effect]:
        url = paths[0].value if paths else "s3://?"
        return [inv.effect("modify", self.s3_resource(where, url), where.placement, kind="bucket",
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
            resolved = inv.ctx.resolve(source)
            kind = secret_kind(resolved, inv.ctx.home) if resolved else None
            if kind:
                effects.append(inv.effect("exfiltrate", f"fs:{resolved}", where.placement, kind="secret",
                                          reversible="no", summary=f"uploads {kind} ({resolved}) to {destination}"))
        if destination.startswith("s3://"):
            effects.append(inv.effect("create", self.s3_resource(where, destination), where.placement,
                                      scope="many" if many else "one", kind="objects" if many else "object",
                                      reversible="unknown", tags=("may-overwrite",),
                                      summary=f"aws s3 {sub} writes {source} to {destination}"))
            if delete:
                effects.append(inv.effect(
                    "delete", self.s3_resource(where, destination), where.placement, scope="many",
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
                effects.append(inv.effect("delete", self.s3_resource(where, source), where.placement,
                                          scope="many" if recursive else "one", reversible="yes",
                                          kind="objects" if recursive else "object",
                                          summary=f"removes {source} after copying it to {destination}"))
            else:
                effects.append(inv.fs("delete", source, recursive=recursive, reversible="yes",
                                      summary=f"removes {source} after copying it to {destination}"))
        if source.startswith("s3://") and not effects:
            effects.append(inv.effect("read", self.s3_resource(where, source), where.placement, reversible="yes",
                                      summary=f"reads {source}"))
        return effects


def unknown_in(inv: Invocation, where: Where, why: str) -> Effect:
    """A call changegate cannot classify, placed where it lands (not by its arguments)."""
    return inv.effect("unknown", f"aws:{where.label}/s3", where.placement, tags=("not-understood",),
                      summary=f"runs {why}")


def bucket_of(url: str) -> str:
    return url[len("s3://"):].split("/", 1)[0] if url.startswith("s3://") else ""


def key_of(url: str) -> str:
    rest = url[len("s3://"):] if url.startswith("s3://") else url
    return rest.split("/", 1)[1] if "/" in rest else ""


def aws_placement(ctx: Context, profile: str | None, names: Sequence[str] = ()) -> Placement:
    """For families that act through AWS credentials (chamber, aws-vault): the same signals as `aws`."""
    return place(ctx, profile_flag=profile, endpoint_flag=None, names=names).placement
