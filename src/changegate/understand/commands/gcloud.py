"""gcloud, gsutil and bq: Google Cloud's command lines.

`gcloud GROUP… VERB [NAME] [--flags]`: the verb decides the operation (list/describe read, create/deploy/update
change, delete destroys, *-iam-policy* changes permissions, `secrets versions access` reads a secret); the
groups say what kind of resource it is, and so whether it holds data (sql instances, disks, buckets) or is a
whole environment (projects, clusters, deployments). The environment comes from `--project`,
`CLOUDSDK_CORE_PROJECT`, or the active configuration's project under `~/.config/gcloud` (read from the
action's HOME), then the names of the resources. `gsutil` and `bq` share the placement.
"""

from __future__ import annotations

import configparser
import posixpath
from collections.abc import Sequence
from dataclasses import dataclass, field

from changegate.environments import UNKNOWN, Placement, most_severe
from changegate.model import Effect, Operation, Scope
from changegate.understand.base import Context, Invocation, Word
from changegate.understand.cli import Cli, parse_options
from changegate.understand.commands.aws import read_bounded_text
from changegate.understand.sensitive import secret_kind

# flags of every gcloud command that take a value
GLOBAL_VALUES = frozenset({
    "--project", "--account", "--configuration", "--format", "--verbosity", "--impersonate-service-account",
    "--billing-project", "--flags-file", "--flatten", "--trace-token", "--access-token-file", "--region",
    "--zone", "--location", "--filter", "--limit", "--page-size", "--sort-by", "--uri",
})
# flags that never take a value (anything else after the verb takes the next word unless it is a flag)
SWITCHES = frozenset({
    "--quiet", "-q", "--async", "--all", "--recursive", "-r", "-R", "--force", "--dry-run", "--log-http",
    "--user-output-enabled", "--help", "-h", "--verbose", "--continue-on-error", "--no-user-output-enabled",
    "--delete-disks-on-termination", "--keep-disks-on-termination", "--admin", "--internal-ip",
    "--allow-unauthenticated", "--no-allow-unauthenticated",
})
READ_VERBS = frozenset({
    "list", "describe", "get-iam-policy", "get", "get-value", "show", "read", "tail", "info", "version", "help",
    "lookup", "search", "wait", "validate", "diagnose", "get-server-config", "list-grantable-roles",
    "print-settings", "cat", "ls", "du", "troubleshoot", "explain", "simulate", "check", "test-iam-permissions",
    "get-ancestors", "get-ancestors-iam-policy", "estimate", "preview", "list-tags", "stat", "hash", "compare",
    "activate", "login", "revoke",  # auth and config: local sign-in state, not cloud resources
    "access", "print-access-token", "print-identity-token", "decrypt", "asymmetric-decrypt", "sign-url",
    "generate-login-token", "get-auth-string", "create-cred-config",  # they return secrets: see SECRET_COMMANDS
})
DELETE_VERBS = frozenset({"delete", "destroy", "rm", "purge", "remove", "clear", "abandon-instances",
                          "delete-instances", "recreate-instances"})
PERMISSION_VERBS = frozenset({"add-iam-policy-binding", "remove-iam-policy-binding", "set-iam-policy",
                              "add-invoker-policy-binding", "remove-invoker-policy-binding", "set-password",
                              "reset-windows-password", "add-access-config"})
HOST_VERBS = frozenset({"stop", "reset", "suspend", "ssh", "restart", "failover", "simulate-maintenance-event"})
CREATE_VERBS = frozenset({"create", "import", "submit", "clone", "mb", "cp", "enable", "insert",
                          "generate", "upload", "publish"})
# groups where every change is a change of who may do what
PERMISSION_GROUPS = frozenset({"iam", "roles", "firewall-rules", "policies", "access-context-manager",
                               "service-accounts", "users", "org-policies", "resource-manager"})
# gcloud GROUP… VERB -> a secret it returns (and the change that comes with it)
SECRET_COMMANDS: dict[tuple[str, ...], tuple[str, Operation | None]] = {
    ("secrets", "versions", "access"): ("a secret's value", None),
    ("auth", "print-access-token"): ("an access token", None),
    ("auth", "print-identity-token"): ("an identity token", None),
    ("auth", "application-default", "print-access-token"): ("an access token", None),
    ("kms", "decrypt"): ("decrypted data", None),
    ("kms", "asymmetric-decrypt"): ("decrypted data", None),
    ("iam", "service-accounts", "keys", "create"): ("a new service-account private key", "permission"),
    ("container", "clusters", "get-credentials"): ("cluster credentials in the kubeconfig", "modify"),
    ("redis", "instances", "get-auth-string"): ("the instance's password", None),
    ("sql", "generate-login-token"): ("a database login token", None),
    ("compute", "reset-windows-password"): ("a new Windows password", "permission"),
    ("iam", "workload-identity-pools", "create-cred-config"): ("a credential configuration", "create"),
    ("storage", "sign-url"): ("a signed URL that grants access", "permission"),
}
# groups whose resources are a whole environment, and those that hold data (by group, then by service)
WHOLE_GROUPS = frozenset({"projects", "clusters", "deployments", "environments", "folders", "organizations"})
DATA_GROUPS = frozenset({"databases", "disks", "snapshots", "buckets", "secrets", "backups", "tables",
                         "datasets", "subscriptions", "logs", "repositories", "volumes", "versions", "objects",
                         "images", "queues", "topics", "collections", "indexes", "keys"})
DATA_SERVICES = frozenset({"sql", "spanner", "bigtable", "redis", "filestore", "memcache", "alloydb", "firestore",
                           "datastore", "bigquery", "storage", "netapp", "looker", "metastore", "dataproc",
                           "composer"})
# config groups that only change gcloud's own settings on this machine
LOCAL_GROUPS = frozenset({"config", "auth", "components", "init", "topic", "help", "info", "feedback", "version",
                          "survey", "cheat-sheet", "interactive"})
CONFIG_READ_LIMIT = 64 * 1024
# `gcloud storage VERB` commands that work like their gsutil namesakes
STORAGE_AS_GSUTIL = frozenset({"rm", "cp", "mv", "rsync", "ls", "cat", "du", "hash"})


@dataclass
class Command:
    """One gcloud command after option walking."""

    groups: list[str]
    verb: str
    names: list[Word]
    flags: dict[str, list[str]] = field(default_factory=dict)

    def has(self, *names: str) -> bool:
        return any(n in self.flags for n in names)

    def value(self, *names: str) -> str | None:
        for n in names:
            values = self.flags.get(n)
            if values and values[-1]:
                return values[-1]
        return None


def verb_of(word: str) -> Operation | None:
    if word in READ_VERBS or word.startswith(("list-", "describe-", "get-")):
        return "read"
    if word in PERMISSION_VERBS or word.endswith("-iam-policy-binding"):
        return "permission"
    if word in DELETE_VERBS or word.startswith(("delete-", "remove-")):
        return "delete"
    if word in HOST_VERBS:
        return "host_control"
    if word in CREATE_VERBS:
        return "create"
    if word in ("update", "deploy", "set", "patch", "resize", "start", "resume", "rollback", "promote", "migrate",
                "undelete", "restore", "cancel", "export", "add", "attach", "detach", "move", "rename",
                "set-default", "enable", "disable", "promote-replica", "seek", "rotate", "run", "execute",
                "rsync", "mv", "expose", "scale", "apply", "replace", "upgrade", "unset", "switchover"
                ) or word.startswith(("set-", "add-", "update-", "attach-", "detach-")):
        return "modify"
    return None


def split_command(words: Sequence[Word]) -> Command:
    """Groups until the first verb; then positionals are names, and unknown flags take the next word."""
    groups: list[str] = []
    verb = ""
    names: list[Word] = []
    flags: dict[str, list[str]] = {}
    i = 0
    while i < len(words):
        arg = words[i].value
        if arg.startswith("-") and len(arg) > 1:
            name, eq, inline = arg.partition("=")
            takes = name in GLOBAL_VALUES or (verb and name not in SWITCHES and not name.startswith("--no-"))
            if eq:
                flags.setdefault(name, []).append(inline)
            elif takes and i + 1 < len(words) and not words[i + 1].value.startswith("-"):
                flags.setdefault(name, []).append(words[i + 1].value)
                i += 1
            else:
                flags.setdefault(name, []).append("")
        elif not verb and (verb_of(arg) is not None and (groups or arg in ("help", "version", "info", "init"))):
            verb = arg
        elif not verb:
            groups.append(arg)
        else:
            names.append(words[i])
        i += 1
    return Command(groups, verb, names, flags)


# --- placement ----------------------------------------------------------------------------------------

def config_dir(ctx: Context) -> str | None:
    explicit = ctx.getenv("CLOUDSDK_CONFIG")
    if explicit:
        return ctx.resolve(explicit)
    return posixpath.join(ctx.home, ".config", "gcloud") if ctx.home else None


def active_configuration(ctx: Context, flag: str | None) -> str | None:
    if flag:
        return flag
    named = ctx.getenv("CLOUDSDK_ACTIVE_CONFIG_NAME")
    if named:
        return named
    root = config_dir(ctx)
    text = read_bounded_text(posixpath.join(root, "active_config"), 1024) if root else None
    return (text or "").strip() or ("default" if root else None)


def configured_project(ctx: Context, configuration: str | None) -> str | None:
    """The project in the active gcloud configuration file; recorded in `ctx.consulted`."""
    root = config_dir(ctx)
    if not root or not configuration or "/" in configuration:
        return None
    text = read_bounded_text(posixpath.join(root, "configurations", f"config_{configuration}"), CONFIG_READ_LIMIT)
    if text is None:
        return None
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    try:
        parser.read_string(text)
    except configparser.Error:
        return None
    project = parser.get("core", "project", fallback="") or None
    ctx.consulted[f"gcloud-config:{configuration}:project"] = project or ""
    return project


@dataclass
class Where:
    placement: Placement
    project: str


def place(ctx: Context, *, project_flag: str | None, configuration_flag: str | None, names: Sequence[str]) -> Where:
    """--project, CLOUDSDK_CORE_PROJECT, the active configuration; explicit mappings first, then names."""
    environments = ctx.environments
    project, source = project_flag, "--project"
    if not project:
        project, source = ctx.getenv("CLOUDSDK_CORE_PROJECT"), "CLOUDSDK_CORE_PROJECT"
    configuration = None
    if not project:
        configuration = active_configuration(ctx, configuration_flag)
        project = configured_project(ctx, configuration)
        source = f"the project of gcloud configuration {configuration!r}"
    if project and (environments.mapped("gcp_projects", project) or environments.mapped("names", project)):
        return Where(environments.cloud_project("gcp_projects", project, f"GCP project ({source})"), project)
    candidates: list[Placement] = []
    if project:
        candidates.append(environments.cloud_project("gcp_projects", project, f"GCP project ({source})"))
    if configuration and configuration != "default":
        candidates.append(environments.classify("names", configuration, "gcloud configuration"))
    candidates.extend(environments.classify("names", n, "the resource name") for n in names if n)
    known = [p for p in candidates if p.environment != UNKNOWN]
    if known:
        worst = most_severe(p.environment for p in known)
        return Where(next(p for p in known if p.environment == worst), project or "?")
    if candidates and project:
        return Where(candidates[0], project)
    return Where(Placement(UNKNOWN, "no GCP project is set or configured (unknown is treated as prod)"), "?")


def unknown_in(inv: Invocation, resource: str, where: Where, why: str) -> Effect:
    """A command changegate cannot classify, placed where the cloud call lands (not by its arguments)."""
    return inv.effect("unknown", resource, where.placement, tags=("not-understood",), summary=f"runs {why}")


# --- the family ---------------------------------------------------------------------------------------

class Gcloud(Cli):
    NAMES = ("gcloud", "gsutil", "bq")
    FAMILY = "gcloud"

    def analyze(self, inv: Invocation) -> list[Effect]:
        if inv.name == "gsutil":
            return Gsutil().analyze(inv)
        if inv.name == "bq":
            return Bq().analyze(inv)
        command = split_command(inv.words)
        groups = [g for g in command.groups if g not in ("alpha", "beta", "preview")]
        if groups == ["storage"] and command.verb in STORAGE_AS_GSUTIL:
            return Gsutil().analyze(self.as_gsutil(inv, command))
        path = (*groups, command.verb)
        names = [w.shown() for w in command.names]
        where = place(inv.ctx, project_flag=command.value("--project"),
                      configuration_flag=command.value("--configuration"),
                      names=[n for n in names[:3] if "…" not in n])
        resource = f"gcp:{where.project}/{'/'.join(groups)}/{names[0] if names else '?'}"
        if not command.verb:
            if command.has("--help", "-h", "--version") or not groups or groups[0] in LOCAL_GROUPS:
                return [self.read(inv, resource, where, "gcloud help or settings")]
            return [unknown_in(inv, resource, where, f"gcloud {' '.join(groups[:3])}: no verb changegate knows")]
        secret = next((v for k, v in SECRET_COMMANDS.items() if path[-len(k):] == k), None)
        effects: list[Effect] = []
        if secret is not None:
            what, also = secret
            effects.append(inv.effect("secret_read", resource, where.placement, kind=groups[-1] if groups else "",
                                      reversible="yes", summary=f"gcloud {' '.join(path)} returns {what}"))
            if also is None:
                return effects
        if groups and groups[0] in LOCAL_GROUPS and not effects:
            return [self.local(inv, command, groups)]
        operation = secret[1] if secret is not None and secret[1] else self.operation(groups, command.verb)
        if command.has("--dry-run") or operation == "read":
            return [*effects, self.read(inv, resource, where, f"gcloud {' '.join(path)} (read-only)")]
        return [*effects, self.change(inv, command, groups, operation, resource, where)]

    @staticmethod
    def as_gsutil(inv: Invocation, command: Command) -> Invocation:
        """`gcloud storage rm -r gs://b` is `gsutil rm -r gs://b`, with gsutil's spelling of the flags."""
        words = [Word(command.verb, text=command.verb)]
        if command.has("-r", "-R", "--recursive"):
            words.append(Word("-r", text="-r"))
        if command.has("--delete-unmatched-destination-objects"):
            words.append(Word("-d", text="-d"))
        if command.has("--project"):
            words.extend([Word("-p", text="-p"), Word(command.value("--project") or "", text="")])
        words.extend(command.names)
        return Invocation(name="gsutil", words=words, ctx=inv.ctx, walker=inv.walker, stdin=inv.stdin,
                          text=inv.text, args_unknown=inv.args_unknown)

    @staticmethod
    def operation(groups: list[str], verb: str) -> Operation:
        found = verb_of(verb) or "modify"
        if found != "read" and any(g in PERMISSION_GROUPS for g in groups):
            return "permission"
        if verb in ("ssh", "scp") and groups[:1] == ["compute"]:
            return "host_control"
        return found

    def change(self, inv: Invocation, command: Command, groups: list[str], operation: Operation, resource: str,
               where: Where) -> Effect:
        deleting = operation == "delete"
        noun = groups[-1] if groups else ""
        whole = deleting and noun in WHOLE_GROUPS
        data = deleting and (noun in DATA_GROUPS or (noun == "instances" and groups[0] in DATA_SERVICES)
                             or groups[:1] == ["projects"])
        if noun == "keys" and "service-accounts" in groups:
            data = False
        count = len(command.names)
        scope: Scope = "all" if command.has("--all") else "many" if count > 1 else "one"
        tags = ["no-prompt"] if command.has("--quiet", "-q") else []
        if any(not w.known for w in command.names) or inv.args_unknown:
            tags.append("dynamic")
            scope = "many" if scope == "one" else scope
        shown = " ".join(w.shown() for w in command.names[:3])
        suggestions: tuple[str, ...] = ()
        if deleting:
            suggestions = (f"look at it first: gcloud {' '.join(groups)} describe {shown}".rstrip(),
                           "drop --quiet so gcloud shows what it will delete and asks")
        return inv.effect(
            operation, resource, where.placement, scope=scope, count=count if scope == "many" and count > 1 else None,
            reversible="no" if deleting else "unknown", kind=noun, data_loss=data, whole_environment=whole,
            tags=tuple(tags), summary=f"gcloud {' '.join([*groups, command.verb])} {shown}".rstrip(),
            suggestions=suggestions if deleting else ())

    def local(self, inv: Invocation, command: Command, groups: list[str]) -> Effect:
        """`gcloud config set`, `auth login`: gcloud's own settings on this machine."""
        verb = command.verb
        if verb_of(verb) == "read" or groups[0] in ("help", "info", "version", "topic", "cheat-sheet"):
            return inv.effect("read", f"gcp:local/{'/'.join(groups)}", Placement("local", "gcloud's own settings"),
                              reversible="yes", summary=f"gcloud {' '.join(groups)} {verb}".rstrip())
        if groups == ["config"] and verb == "set" and len(command.names) > 1 and command.names[0].value in (
                "project", "core/project") and command.names[1].known:
            # later gcloud commands on this command line act on this project
            inv.ctx.env["CLOUDSDK_CORE_PROJECT"] = command.names[1].value
        root = config_dir(inv.ctx) or "~/.config/gcloud"
        return inv.fs("modify", root, kind="gcloud-config", reversible="yes",
                      summary=f"gcloud {' '.join([*groups, verb])} changes gcloud's settings (which project and "
                              "account later commands act on)")

    def read(self, inv: Invocation, resource: str, where: Where, summary: str) -> Effect:
        return inv.effect("read", resource, where.placement, reversible="yes", summary=summary)


# --- gsutil -------------------------------------------------------------------------------------------

GSUTIL_TOP_VALUES = frozenset({"-o", "-h", "-u", "-i"})
GSUTIL_VALUES = frozenset({"-p", "-c", "-l", "-s", "-x", "-j", "-z", "-a", "-e", "-K", "-k", "-b", "-t", "-u"})
GSUTIL_READS = frozenset({"ls", "cat", "du", "stat", "hash", "version", "help", "ver", "test", "perfdiag",
                          "compose-check", "config", "update"})
GSUTIL_SUBVERB_GROUPS = frozenset({"acl", "iam", "defacl", "lifecycle", "versioning", "cors", "web", "logging",
                                   "label", "retention", "kms", "notification", "requesterpays", "ubla", "pap",
                                   "rpo", "autoclass", "defstorageclass", "bucketpolicyonly", "hmac"})
GSUTIL_PERMISSION_GROUPS = frozenset({"acl", "iam", "defacl", "ubla", "pap", "bucketpolicyonly", "hmac"})


class Gsutil(Cli):
    FAMILY = "gsutil"

    def analyze(self, inv: Invocation) -> list[Effect]:
        top = parse_options(inv.words, GSUTIL_TOP_VALUES, stop_at_first_positional=True)
        if not top.positional_words:
            return [inv.effect("read", "gcp:gsutil", Placement("local", "gsutil help"), reversible="yes",
                               summary="gsutil help")]
        sub = top.positional_words[0].value
        opts = parse_options(top.positional_words[1:], GSUTIL_VALUES)
        urls = [w.value for w in opts.positional_words]
        buckets = [u[5:].split("/", 1)[0] for u in urls if u.startswith("gs://")]
        where = place(inv.ctx, project_flag=opts.value("-p") or top.value("-u"), configuration_flag=None,
                      names=buckets)
        target = next((u for u in urls if u.startswith("gs://")), urls[0] if urls else "gs://")
        resource = f"gcp:{where.project}/storage/{target[5:] if target.startswith('gs://') else target}"
        recursive = opts.has("-r", "-R")
        if sub in GSUTIL_READS:
            return [inv.effect("read", resource, where.placement, reversible="yes", summary=f"gsutil {sub} (read)")]
        if sub in GSUTIL_SUBVERB_GROUPS:
            action = urls[0] if urls else ""
            if action in ("get", "list", "ls"):
                return [inv.effect("read", resource, where.placement, reversible="yes",
                                   summary=f"gsutil {sub} {action} (read)")]
            operation: Operation = "permission" if sub in GSUTIL_PERMISSION_GROUPS else "modify"
            effects = [inv.effect(operation, resource, where.placement, kind="bucket",
                                  summary=f"gsutil {sub} {action} changes {target}")]
            if sub == "hmac" and action == "create":
                effects.append(inv.effect("secret_read", resource, where.placement, kind="hmac-key",
                                          summary="gsutil hmac create prints a new HMAC secret"))
            return effects
        if sub == "signurl":
            return [inv.effect("permission", resource, where.placement, kind="object",
                               summary=f"makes a link that lets anyone holding it read {target}")]
        if sub == "rm":
            wildcard = any(u.rstrip("/").endswith("*") for u in urls)
            whole = any(u.startswith("gs://") and "/" not in u[5:].rstrip("/") for u in urls)
            scope: Scope = "all" if (recursive or wildcard) and whole else "many" if (
                recursive or wildcard or len(urls) > 1) else "one"
            return [inv.effect("delete", resource, where.placement, scope=scope, reversible="no", kind="objects",
                               data_loss=scope != "one", tags=("recursive",) if recursive else (),
                               summary=f"gsutil rm {' '.join(urls[:3])}",
                               suggestions=(f"list what it would delete first: gsutil ls -r {target}",))]
        if sub == "rb":
            return [inv.effect("delete", resource, where.placement, reversible="no", kind="bucket",
                               summary=f"deletes bucket {target}")]
        if sub == "mb":
            return [inv.effect("create", resource, where.placement, kind="bucket", reversible="yes",
                               summary=f"creates bucket {target}")]
        if sub in ("cp", "mv", "rsync"):
            return self.copy(inv, sub, opts.has("-d"), recursive, urls, where)
        if sub in ("setmeta", "compose", "rewrite"):
            return [inv.effect("modify", resource, where.placement, kind="object", summary=f"gsutil {sub} {target}")]
        return [unknown_in(inv, resource, where, f"gsutil {sub} is not a known gsutil command")]

    @staticmethod
    def copy(inv: Invocation, sub: str, delete_extra: bool, recursive: bool, urls: list[str],
             where: Where) -> list[Effect]:
        if len(urls) < 2:
            return [unknown_in(inv, f"gcp:{where.project}/storage", where, f"gsutil {sub} without a source and a destination")]
        *sources, destination = urls
        effects: list[Effect] = []
        for source in sources:
            if not source.startswith("gs://"):
                resolved = inv.ctx.resolve(source)
                kind = secret_kind(resolved, inv.ctx.home) if resolved else None
                if kind:
                    effects.append(inv.effect("exfiltrate", f"fs:{resolved}", where.placement, kind="secret",
                                              reversible="no", summary=f"uploads {kind} ({resolved}) to {destination}"))
        if destination.startswith("gs://"):
            resource = f"gcp:{where.project}/storage/{destination[5:]}"
            effects.append(inv.effect("create", resource, where.placement, kind="objects",
                                      scope="many" if recursive or sub == "rsync" else "one", tags=("may-overwrite",),
                                      summary=f"gsutil {sub} writes to {destination}"))
            if delete_extra:
                effects.append(inv.effect("delete", resource, where.placement, scope="many", reversible="no",
                                          kind="objects", data_loss=True, tags=("sync-delete",),
                                          summary=f"deletes every object under {destination} that is not in the "
                                                  "source",
                                          suggestions=(f"preview it first: gsutil rsync -n {' '.join(urls)}",)))
        else:
            effects.append(inv.fs("delete" if delete_extra else "modify", destination, recursive=recursive,
                                  tags=("overwrite",), summary=f"gsutil {sub} writes to {destination}"))
        if sub == "mv":
            for source in sources:
                if source.startswith("gs://"):
                    effects.append(inv.effect("delete", f"gcp:{where.project}/storage/{source[5:]}", where.placement,
                                              reversible="yes", kind="objects",
                                              summary=f"removes {source} after copying it"))
                else:
                    effects.append(inv.fs("delete", source, recursive=recursive, reversible="yes",
                                          summary=f"removes {source} after copying it"))
        return effects


# --- bq -----------------------------------------------------------------------------------------------

BQ_VALUES = frozenset({
    "--project_id", "--dataset_id", "--location", "--format", "--max_rows", "-n", "--parameter",
    "--destination_table", "--schema", "--source_format", "--time_partitioning_field", "--expiration",
    "--default_table_expiration", "--description", "--label", "--job_id", "--api", "--session_id",
    "--connection_property", "--clustering_fields", "--field_delimiter", "--skip_leading_rows",
    "--max_bad_records", "--encoding", "--quote", "--destination_format", "--compression", "--start_row",
    "--selected_fields", "--apilog", "--bigqueryrc", "--transfer_config", "--display_name", "--target_dataset",
    "--data_source", "--params", "--service_account_name", "--member", "--role", "--reservation_id",
})
BQ_READS = frozenset({"ls", "show", "head", "version", "help", "wait", "info", "get-iam-policy"})
SQL_READ_WORDS = frozenset({"select", "with", "show", "describe", "explain", "values", "(select"})
SQL_DELETE_WORDS = frozenset({"delete", "drop", "truncate"})


class Bq(Cli):
    FAMILY = "bq"

    def analyze(self, inv: Invocation) -> list[Effect]:
        opts = parse_options(inv.words, BQ_VALUES, long_single_dash=False)
        if not opts.positionals:
            return [inv.effect("read", "gcp:bq", Placement("local", "bq help"), reversible="yes", summary="bq help")]
        sub, args = opts.positionals[0], opts.positionals[1:]
        dry_run = opts.has("--dry_run", "--dryrun")
        target = args[0] if args else opts.value("--destination_table") or "?"
        project = opts.value("--project_id") or (target.split(":", 1)[0] if ":" in target else None)
        where = place(inv.ctx, project_flag=project, configuration_flag=None,
                      names=[target.replace(":", ".")] if target != "?" else [])
        resource = f"gcp:{where.project}/bigquery/{target.split(':', 1)[-1]}"
        if sub in BQ_READS or dry_run or sub == "extract":
            return [inv.effect("read", resource, where.placement, reversible="yes", summary=f"bq {sub} (read)")]
        if sub == "rm":
            return [self.remove(inv, opts.has("-d", "--dataset"), opts.has("-r", "--recursive"),
                                opts.has("-f", "--force"), resource, target, where)]
        if sub == "query":
            return [self.query(inv, " ".join(args), opts.has("--replace"), resource, where)]
        if sub in ("add-iam-policy-binding", "remove-iam-policy-binding", "set-iam-policy"):
            return [inv.effect("permission", resource, where.placement, summary=f"bq {sub} {target}")]
        operations: dict[str, Operation] = {"mk": "create", "cp": "create", "load": "modify", "insert": "modify",
                                            "update": "modify", "cancel": "modify", "undelete": "modify",
                                            "truncate": "delete"}
        operation = operations.get(sub)
        if operation is None:
            return [unknown_in(inv, resource, where, f"bq {sub} is not a known bq command")]
        replaces = (sub == "load" and opts.has("--replace")) or (sub == "cp" and opts.has("-f", "--force"))
        return [inv.effect("replace" if replaces else operation, resource, where.placement, kind="table",
                           data_loss=replaces or sub == "truncate", reversible="no" if replaces else "unknown",
                           summary=f"bq {sub} {target}")]

    @staticmethod
    def remove(inv: Invocation, dataset: bool, recursive: bool, force: bool, resource: str, target: str,
               where: Where) -> Effect:
        kind = "dataset" if dataset else "table"
        return inv.effect(
            "delete", resource, where.placement, scope="all" if dataset and recursive else "one", reversible="no",
            kind=kind, data_loss=True, whole_environment=dataset, tags=("no-prompt",) if force else (),
            summary=f"bq rm deletes {kind} {target}" + (" and every table in it" if recursive else ""),
            suggestions=(f"look at it first: bq show {target}", "copy it first: bq cp SOURCE BACKUP_TABLE"))

    @staticmethod
    def query(inv: Invocation, sql: str, replace: bool, resource: str, where: Where) -> Effect:
        """The statement's first word decides; the SQL itself is the SQL analyzer's to read in depth."""
        first = sql.strip().split(None, 1)[0].lower() if sql.strip() else ""
        if not first:
            return unknown_in(inv, resource, where, "bq query with its SQL in stdin or a file")
        if first in SQL_READ_WORDS and not replace:
            return inv.effect("read", resource, where.placement, reversible="yes", summary="bq query (a read)")
        if first in SQL_DELETE_WORDS or replace:
            return inv.effect("delete", resource, where.placement, scope="many", reversible="no", kind="table",
                              data_loss=first != "delete" or " where " not in f" {sql.lower()} ",
                              summary=f"bq query runs {first.upper()}",
                              suggestions=("run it with --dry_run first to see what it touches",))
        return inv.effect("modify", resource, where.placement, kind="table", summary=f"bq query runs {first.upper()}")
