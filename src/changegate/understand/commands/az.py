"""az: Azure's command line, `az GROUP… VERB --flag VALUE…`.

Azure commands take no positionals: the leading words are the command (`az sql server delete`), the last of
them is the verb. The verb decides the operation; the groups say what the resource is (a resource group is
a whole environment; servers, databases, storage accounts, vaults and disks hold data). Reading keys,
connection strings and secrets is a secret read; role assignments, key-vault policies and firewall rules
change permissions. The environment comes from `--subscription` (or the default subscription in
`~/.azure/azureProfile.json`, read from the action's HOME) and the resource group (`-g`, `--ids`,
`AZURE_DEFAULTS_GROUP`), explicit policy mappings first, then their names.
"""

from __future__ import annotations

import json
import posixpath
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from changegate.environments import UNKNOWN, Placement, most_severe
from changegate.model import Effect, Operation, Scope
from changegate.understand.base import Context, Invocation, Word
from changegate.understand.cli import Cli
from changegate.understand.commands.aws import read_bounded_text

PROFILE_READ_LIMIT = 512 * 1024
MAX_SUBSCRIPTIONS = 500

READ_VERBS = frozenset({"show", "list", "get", "exists", "query", "wait", "browse", "tail", "check-name",
                        "check-name-availability", "version", "find", "help", "download", "what-if", "validate",
                        "show-usage", "list-usages", "list-skus", "list-sizes", "list-locations", "logs",
                        "get-upgrades", "get-versions", "login", "logout", "test-connection"})
DELETE_VERBS = frozenset({"delete", "purge", "delete-batch", "remove", "destroy", "clear", "truncate"})
HOST_VERBS = frozenset({"stop", "deallocate", "restart", "reboot", "redeploy", "reimage", "power-off",
                        "suspend", "invoke", "ssh", "failover", "force-failover"})
CREATE_VERBS = frozenset({"create", "add", "import", "copy", "upload", "upload-batch", "deploy", "clone",
                          "generate", "restore"})
# the command paths (their endings) that answer with a secret, and the change that comes with it
SECRET_COMMANDS: dict[tuple[str, ...], tuple[str, Operation | None]] = {
    ("keyvault", "secret", "show"): ("a secret's value", None),
    ("keyvault", "secret", "download"): ("a secret's value", None),
    ("keyvault", "key", "download"): ("a key", None),
    ("keyvault", "certificate", "download"): ("a certificate", None),
    ("keys", "list"): ("access keys", None),
    ("list-keys",): ("access keys", None),
    ("keys", "renew"): ("new access keys", "permission"),
    ("show-connection-string",): ("a connection string with its key", None),
    ("connection-string", "show"): ("a connection string with its key", None),
    ("list-connection-strings",): ("connection strings with their keys", None),
    ("credential", "show"): ("registry credentials", None),
    ("credential", "renew"): ("new registry credentials", "permission"),
    ("get-credentials",): ("cluster credentials in the kubeconfig", "modify"),
    ("get-access-token",): ("an access token", None),
    ("generate-sas",): ("a signed access token", "permission"),
    ("list-publishing-credentials",): ("deployment credentials", None),
    ("list-publishing-profiles",): ("deployment credentials", None),
    ("create-for-rbac",): ("a new service principal's secret", "permission"),
    ("credential", "reset"): ("a new credential secret", "permission"),
    ("admin-key", "show"): ("an admin key", None),
    ("key", "list"): ("access keys", None),
    ("show-auth-string",): ("an auth string", None),
}
# groups where every change is a change of who may do what
PERMISSION_GROUPS = frozenset({"role", "ad", "policy", "firewall-rule", "lock", "identity", "rule",
                               "network-rule", "access-policy", "authorization-rule", "sas-policy",
                               "rbac", "permission"})
PERMISSION_VERBS = frozenset({"set-policy", "delete-policy", "assign", "add-role", "remove-role"})
WHOLE_GROUPS = frozenset({"group", "aks", "managedapp", "env", "environment", "cluster", "mg", "account-mg"})
DATA_GROUPS = frozenset({
    "server", "db", "database", "account", "container", "blob", "share", "keyvault", "secret", "cosmosdb",
    "flexible-server", "redis", "disk", "snapshot", "vault", "namespace", "queue", "topic", "acr", "repository",
    "workspace", "mi", "table", "file", "filesystem", "fs", "volume", "backup", "item", "sql", "mongodb",
    "cassandra", "gremlin", "keyspace", "collection", "image", "directory", "hsm", "registry", "eventhub",
    "log-analytics", "datalake", "postgres", "mysql", "mariadb", "cache", "store",
})
# kinds whose plain name means something else to the policy (`kind: disk` is a local disk)
AZURE_KINDS = {"disk": "managed disk", "snapshot": "disk snapshot"}
RESOURCE_GROUP_IN_ID = re.compile(r"/resourcegroups/([^/]+)", re.IGNORECASE)
SUBSCRIPTION_IN_ID = re.compile(r"/subscriptions/([^/]+)", re.IGNORECASE)


@dataclass
class Command:
    path: list[str]
    flags: dict[str, list[Word]] = field(default_factory=dict)

    def has(self, *names: str) -> bool:
        return any(n in self.flags for n in names)

    def value(self, *names: str) -> str | None:
        for n in names:
            values = self.flags.get(n)
            if values:
                return values[0].value
        return None

    def values(self, *names: str) -> list[Word]:
        return [w for n in names for w in self.flags.get(n, [])]


def split_command(words: Sequence[Word]) -> Command:
    """Leading words are the command; then `--flag VALUE…` (a list runs to the next flag)."""
    command = Command(path=[])
    current: str | None = None
    for word in words:
        arg = word.value
        if arg.startswith("-") and len(arg) > 1 and not arg[1].isdigit():
            name, eq, inline = arg.partition("=")
            current = name
            command.flags.setdefault(name, [])
            if eq:
                command.flags[name].append(Word(inline, text=word.text))
                current = None
        elif current is None and not command.flags:
            command.path.append(arg)
        elif current is not None:
            command.flags[current].append(word)
    return command


def operation_of(path: list[str]) -> Operation:
    verb = path[-1] if path else ""
    groups = path[:-1]
    if verb in READ_VERBS or verb.startswith(("show-", "list-", "get-", "check-")):
        return "read"
    if verb in PERMISSION_VERBS or any(g in PERMISSION_GROUPS for g in groups):
        return "permission"
    if verb in DELETE_VERBS or verb.startswith(("delete-", "purge-")):
        return "delete"
    if verb in HOST_VERBS:
        return "host_control"
    if verb in CREATE_VERBS:
        return "create"
    return "modify"


# --- placement ----------------------------------------------------------------------------------------

def config_dir(ctx: Context) -> str | None:
    explicit = ctx.getenv("AZURE_CONFIG_DIR")
    if explicit:
        return ctx.resolve(explicit)
    return posixpath.join(ctx.home, ".azure") if ctx.home else None


def default_subscription(ctx: Context) -> tuple[str, str] | None:
    """(id, name) of the default subscription in azureProfile.json; recorded in `ctx.consulted`."""
    root = config_dir(ctx)
    text = read_bounded_text(posixpath.join(root, "azureProfile.json"), PROFILE_READ_LIMIT) if root else None
    if not text:
        return None
    try:
        doc = json.loads(text)
    except ValueError:
        return None
    subscriptions = doc.get("subscriptions") if isinstance(doc, dict) else None
    if not isinstance(subscriptions, list):
        return None
    for entry in subscriptions[:MAX_SUBSCRIPTIONS]:
        if isinstance(entry, dict) and entry.get("isDefault") is True:
            found = (str(entry.get("id", "")), str(entry.get("name", "")))
            ctx.consulted["azure-profile:default-subscription"] = f"{found[0]} ({found[1]})"
            return found
    return None


def subscription_names(ctx: Context, wanted: str) -> list[str]:
    """A subscription given by id or by name, with its other spelling where the profile knows it."""
    root = config_dir(ctx)
    text = read_bounded_text(posixpath.join(root, "azureProfile.json"), PROFILE_READ_LIMIT) if root else None
    try:
        doc = json.loads(text) if text else {}
    except ValueError:
        doc = {}
    subscriptions = doc.get("subscriptions") if isinstance(doc, dict) else None
    for entry in (subscriptions if isinstance(subscriptions, list) else [])[:MAX_SUBSCRIPTIONS]:
        if isinstance(entry, dict) and wanted in (entry.get("id"), entry.get("name")):
            return [str(entry.get("id", "")), str(entry.get("name", ""))]
    return [wanted]


@dataclass
class Where:
    placement: Placement
    subscription: str
    group: str


def place(ctx: Context, command: Command, names: Sequence[str]) -> Where:
    environments = ctx.environments
    ids = [w.value for w in command.values("--ids", "--scope")]
    subscription = command.value("--subscription") or next(
        (m.group(1) for i in ids if (m := SUBSCRIPTION_IN_ID.search(i))), None)
    source = "--subscription"
    spellings: list[str] = subscription_names(ctx, subscription) if subscription else []
    if not subscription:
        found = default_subscription(ctx)
        if found:
            subscription, spellings, source = found[0], [s for s in found if s], "the default subscription"
    group = command.value("-g", "--resource-group") or next(
        (m.group(1) for i in ids if (m := RESOURCE_GROUP_IN_ID.search(i))), None)
    group_source = "resource group"
    if not group:
        group = ctx.getenv("AZURE_DEFAULTS_GROUP")
        group_source = "resource group (AZURE_DEFAULTS_GROUP)"
    for spelling in spellings:
        mapped = environments.mapped("azure_subscriptions", spelling)
        if mapped:
            return Where(Placement(mapped, f"Azure subscription {spelling!r} is mapped to {mapped} by the "
                                           "policy"), subscription or "?", group or "-")
    if group:
        mapped = environments.mapped("azure_resource_groups", group)
        if mapped:
            return Where(Placement(mapped, f"{group_source} {group!r} is mapped to {mapped} by the policy"),
                         subscription or "?", group)
    candidates = [environments.classify("names", s, f"Azure subscription ({source})") for s in spellings]
    if group:
        candidates.append(environments.classify("names", group, group_source))
    candidates.extend(environments.classify("names", n, "the resource name") for n in names if n)
    known = [p for p in candidates if p.environment != UNKNOWN]
    if known:
        worst = most_severe(p.environment for p in known)
        placement = next(p for p in known if p.environment == worst)
    else:
        placement = Placement(UNKNOWN, "neither the subscription nor the resource group says which environment "
                                       "this is (unknown is treated as prod)")
    return Where(placement, subscription or "?", group or "-")


# --- the family ---------------------------------------------------------------------------------------

class Az(Cli):
    NAMES = ("az",)
    FAMILY = "az"

    def analyze(self, inv: Invocation) -> list[Effect]:
        command = split_command(inv.words)
        path = command.path
        if not path or command.has("--help", "-h", "--version") or path[0] in ("help", "version", "find",
                                                                                  "feedback", "interactive"):
            return [inv.effect("read", "azure:cli", Placement("local", "az help"), reversible="yes",
                               summary="az help or version")]
        names = [w.shown() for w in command.values("-n", "--name")]
        where = place(inv.ctx, command, [n for n in names if "…" not in n])
        name = names[0] if names else (command.values("--ids")[0].shown().rsplit("/", 1)[-1]
                                       if command.values("--ids") else "?")
        resource = f"azure:{where.subscription}/{where.group}/{'/'.join(path[:-1])}/{name}"
        if path[0] in ("login", "logout", "account", "config", "configure", "extension", "upgrade", "cloud",
                       "bicep") and not self.secret(path):
            return [self.local(inv, path)]
        effects: list[Effect] = []
        secret = self.secret(path)
        if secret is not None:
            what, also = secret
            effects.append(inv.effect("secret_read", resource, where.placement, kind=path[-2] if len(path) > 1
                                      else "", reversible="yes", summary=f"az {' '.join(path)} returns {what}"))
            if also is None:
                return effects
        operation = secret[1] if secret is not None and secret[1] else operation_of(path)
        if operation == "read":
            return [inv.effect("read", resource, where.placement, reversible="yes",
                               summary=f"az {' '.join(path)} (read-only)")]
        return [*effects, self.change(inv, command, operation, resource, where, name)]

    @staticmethod
    def secret(path: list[str]) -> tuple[str, Operation | None] | None:
        return next((v for k, v in SECRET_COMMANDS.items() if tuple(path[-len(k):]) == k), None)

    @staticmethod
    def change(inv: Invocation, command: Command, operation: Operation, resource: str, where: Where,
               name: str) -> Effect:
        path = command.path
        verb, groups = path[-1], path[:-1]
        deleting = operation == "delete"
        noun = groups[-1] if groups else ""
        whole = deleting and (noun in WHOLE_GROUPS or groups[:1] == ["aks"])
        data = deleting and (any(g in DATA_GROUPS for g in groups) or whole)
        ids = command.values("--ids")
        count = len(ids) if ids else len(command.values("-n", "--name")) or None
        scope: Scope = "many" if verb == "delete-batch" or (count or 0) > 1 else "one"
        tags: list[str] = []
        if command.has("--yes", "-y"):
            tags.append("no-prompt")
        if verb == "purge":
            tags.append("no-recovery")
        # a deleted key vault (and its secrets) stays recoverable until purged
        soft_deleted = verb == "delete" and "keyvault" in groups
        if command.has("--delete-backup-data"):
            data = True
        if any(not w.known for w in [*ids, *command.values("-n", "--name")]) or inv.args_unknown:
            tags.append("dynamic")
            scope = "many"
        suggestions: tuple[str, ...] = ()
        if deleting:
            show = f"az {' '.join(groups)} show " + (f"-n {name}" if name != "?" else "--ids …")
            suggestions = (f"look at it first: {show}",)
            if groups == ["group"]:
                suggestions = (f"see everything it holds first: az resource list -g {name} -o table",)
        return inv.effect(
            operation, resource, where.placement, scope=scope, count=count if scope == "many" else None,
            reversible=("yes" if soft_deleted else "no") if deleting else "unknown",
            kind=AZURE_KINDS.get(" ".join(groups[-2:]), " ".join(groups[-2:])), data_loss=data, whole_environment=whole, tags=tuple(tags),
            summary=f"az {' '.join(path)} {name}".rstrip(" ?"), suggestions=suggestions)

    @staticmethod
    def local(inv: Invocation, path: list[str]) -> Effect:
        """`az login`, `az account set`, `az config set`: az's own settings on this machine."""
        if operation_of(path) == "read" or path[0] in ("login", "logout"):
            return inv.effect("read", f"azure:local/{'/'.join(path)}", Placement("local", "az's own settings"),
                              reversible="yes", summary=f"az {' '.join(path)}")
        root = config_dir(inv.ctx) or "~/.azure"
        return inv.fs("modify", root, kind="azure-config", reversible="yes",
                      summary=f"az {' '.join(path)} changes az's settings (which subscription later commands "
                              "act on)")
