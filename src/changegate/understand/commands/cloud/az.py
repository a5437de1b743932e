"""az: Azure's command line, `az GROUP… VERB --flag VALUE…`.

Azure commands take no positionals: the leading words are the command (`az sql server delete`), the last of
them is the verb. The verb decides the operation (the cloud layer's tables with what az adds); the groups
say what the resource is (a resource group is a whole environment; servers, databases, storage accounts,
vaults and disks hold data). Reading keys, connection strings and secrets is a secret read; role
assignments, key-vault policies and firewall rules change permissions. The environment comes from
`--subscription` (or the default subscription in `~/.azure/azureProfile.json`, read from the action's HOME)
and the resource group (`-g`, `--ids`, AZURE_DEFAULTS_GROUP), explicit policy mappings first, then names. An
`az account set --subscription S` earlier on the command line makes S the default for the commands after it.
"""

from __future__ import annotations

import json
import posixpath
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from changegate.environments import SEVERITY, UNKNOWN, Placement
from changegate.model import Effect, Operation, Scope
from changegate.understand.base import Context, Invocation, Word
from changegate.understand.cli import Call
from changegate.understand.commands.cloud.base import (
    CloudCli,
    listed_by,
    listing,
    listing_scope,
    secret_command,
    strongest_named,
)
from changegate.understand.facts import read_config
from changegate.understand.placement import place_name

PROFILE_READ_LIMIT = 512 * 1024
MAX_SUBSCRIPTIONS = 500

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
# kinds whose plain name means something else to the policy (`kind: disk` is a local disk)
AZURE_KINDS = {"disk": "managed disk", "snapshot": "disk snapshot"}
# groups that only change az's own settings on this machine, and those that are only help
LOCAL_GROUPS = frozenset({"login", "logout", "account", "config", "configure", "extension", "upgrade", "cloud",
                          "bicep"})
HELP_GROUPS = frozenset({"help", "version", "find", "feedback", "interactive"})
SWITCHED_SUBSCRIPTION = "azure-subscription"  # what `az account set` earlier on the line chose
RESOURCE_GROUP_IN_ID = re.compile(r"/resourcegroups/([^/]+)", re.IGNORECASE)
# flags of `list` that leave nothing out: they shape the answer or name where the resources are (`-g`)
UNSELECTIVE_LIST_FLAGS = frozenset({"--query", "-o", "--output", "--subscription", "-g", "--resource-group",
                                    "--only-show-errors", "--debug", "--verbose", "-d", "--show-details", "--all"})
# kinds that are a whole thing: deleting every one a listing returns takes the subscription's whole estate
WHOLE_WHEN_ALL_LISTED = frozenset({"azure group", "azure vm", "azure aks", "azure storage account",
                                   "azure sql server", "azure keyvault"})
SUBSCRIPTION_IN_ID = re.compile(r"/subscriptions/([^/]+)", re.IGNORECASE)


@dataclass
class AzCall(Call):
    """`az NOUN… VERB --flag VALUE…`: each flag maps to its values (a list runs to the next flag)."""

    flags: dict[str, list[Word]] = field(default_factory=dict)

    @property
    def path(self) -> list[str]:
        return [*self.nouns, self.verb] if self.verb else []

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


# --- placement ----------------------------------------------------------------------------------------

def config_dir(ctx: Context) -> str | None:
    explicit = ctx.getenv("AZURE_CONFIG_DIR")
    if explicit:
        return ctx.resolve(explicit)
    return own_config_dir(ctx)


def own_config_dir(ctx: Context) -> str | None:
    return posixpath.join(ctx.home, ".azure") if ctx.home else None


def profile_subscriptions(ctx: Context, root: str | None = None) -> list[dict[str, Any]]:
    """The subscriptions azureProfile.json lists (the first MAX_SUBSCRIPTIONS), in az's config directory
    (or `root`)."""
    root = root or config_dir(ctx)
    text = read_config(posixpath.join(root, "azureProfile.json"), limit=PROFILE_READ_LIMIT) if root else None
    try:
        doc = json.loads(text) if text else {}
    except ValueError:
        return []
    subscriptions = doc.get("subscriptions") if isinstance(doc, dict) else None
    if not isinstance(subscriptions, list):
        return []
    return [entry for entry in subscriptions[:MAX_SUBSCRIPTIONS] if isinstance(entry, dict)]


def default_subscription(ctx: Context) -> list[str] | None:
    """The spellings (id, then names) of the default subscription in azureProfile.json; recorded in
    `ctx.consulted`."""
    for entry in profile_subscriptions(ctx):
        if entry.get("isDefault") is True:
            ctx.consulted["azure-profile:default-subscription"] = f"{entry.get('id', '')} ({entry.get('name', '')})"
            return spellings_of(ctx, entry)
    return None


def subscription_names(ctx: Context, wanted: str) -> list[str]:
    """A subscription given by id or by name, with its other spelling where the profile knows it."""
    for entry in profile_subscriptions(ctx):
        if wanted in (entry.get("id"), entry.get("name")):
            return spellings_of(ctx, entry)
    return [wanted]


def spellings_of(ctx: Context, entry: dict[str, Any]) -> list[str]:
    """A subscription's id and name. A profile outside `~/.azure` (AZURE_CONFIG_DIR, which the agent may have
    written) vouches for no name: the name the user's own profile gives that id counts instead, and the
    foreign name only where it says prod."""
    identifier, name = str(entry.get("id", "")), str(entry.get("name", ""))
    own = own_config_dir(ctx)
    if config_dir(ctx) == own:
        return [s for s in (identifier, name) if s]
    trusted = [str(e.get("name", "")) for e in profile_subscriptions(ctx, own) if e.get("id") == identifier]
    severe = [name] if name and SEVERITY[place_name(ctx.environments, name, "").environment] > SEVERITY[UNKNOWN] \
        else []
    return [s for s in (identifier, *trusted, *severe) if s]


@dataclass
class Where:
    placement: Placement
    subscription: str
    group: str


def place(ctx: Context, call: AzCall, names: Sequence[str]) -> Where:
    environments = ctx.environments
    ids = [w.value for w in call.values("--ids", "--scope")]
    subscription = call.value("--subscription") or next(
        (m.group(1) for i in ids if (m := SUBSCRIPTION_IN_ID.search(i))), None)
    source = "--subscription"
    spellings: list[str] = subscription_names(ctx, subscription) if subscription else []
    if not subscription and ctx.switched.get(SWITCHED_SUBSCRIPTION):
        subscription = ctx.switched[SWITCHED_SUBSCRIPTION]
        spellings, source = subscription_names(ctx, subscription), "`az account set` earlier on the line"
    if not subscription:
        found = default_subscription(ctx)
        if found:
            subscription, spellings, source = found[0], found, "the default subscription"
    group = call.value("-g", "--resource-group") or next(
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
    candidates = [place_name(environments, s, f"Azure subscription ({source})") for s in spellings]
    if group:
        candidates.append(place_name(environments, group, group_source))
    candidates.extend(place_name(environments, n, "the resource name") for n in names if n)
    placement = strongest_named(candidates) or Placement(
        UNKNOWN, "neither the subscription nor the resource group says which environment this is (unknown is "
                 "treated as prod)")
    return Where(placement, subscription or "?", group or "-")


# --- the family ---------------------------------------------------------------------------------------

def lists_everything(tokens: list[str]) -> bool:
    """`az GROUP… list` without a `[?…]` filter in --query: every resource of the kind."""
    words = [t for t in tokens[1:] if not t.startswith("-")]
    query = " ".join(t for t in tokens if "?" in t)
    return "list" in words[:5] and not query


def listing_kind(call: AzCall) -> str:
    """What `az GROUP… list` lists in full ("azure vm"); "" where a `[?…]` or indexing --query, or any flag
    not known to leave nothing out (`--tag`), selects."""
    if call.verb != "list" or not call.nouns or any(name not in UNSELECTIVE_LIST_FLAGS for name in call.flags):
        return ""
    query = " ".join(w.value for w in call.values("--query"))
    if "?" in query or re.search(r"\[\s*[-:\d]", query):
        return ""
    return kind_of(call.nouns)


def kind_of(groups: Sequence[str]) -> str:
    return " ".join(["azure", *groups])


class Az(CloudCli):
    NAMES = ("az",)
    FAMILY = "az"
    # AZURE_<SECTION>_<KEY> overrides any setting of az's config (AZURE_DEFAULTS_GROUP, …): a name pattern
    ENV_VARIABLES = ("AZURE_CONFIG_DIR", "AZURE_SUBSCRIPTION_ID", "AZURE_DEFAULTS_GROUP", "AZURE_DEFAULTS_LOCATION",
                     "AZURE_TENANT_ID", "AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET", "AZURE_*")

    READ_VERBS = CloudCli.READ_VERBS | {"show", "exists", "query", "browse", "version", "find", "download",
                                        "what-if", "logs", "login", "logout", "test-connection"}
    READ_PREFIXES = (*CloudCli.READ_PREFIXES, "show-", "check-")
    PERMISSION_VERBS = frozenset({"set-policy", "delete-policy", "assign", "add-role", "remove-role"})
    DELETE_VERBS = CloudCli.DELETE_VERBS | {"clear", "truncate"}
    DELETE_PREFIXES = (*CloudCli.DELETE_PREFIXES, "purge-")
    HOST_VERBS = CloudCli.HOST_VERBS | {"deallocate", "reboot", "redeploy", "reimage", "power-off", "suspend",
                                        "invoke", "ssh", "force-failover"}
    CREATE_VERBS = CloudCli.CREATE_VERBS | {"add", "copy", "upload-batch", "deploy", "restore"}
    # a change anywhere under these groups is a change of who may do what
    PERMISSION_NOUNS = frozenset({"role", "ad", "policy", "firewall-rule", "lock", "identity", "rule",
                                  "network-rule", "access-policy", "authorization-rule", "sas-policy", "rbac",
                                  "permission"})
    DATA_NOUNS = CloudCli.DATA_NOUNS | {
        "server", "db", "account", "container", "blob", "share", "keyvault", "cosmosdb", "flexible-server", "redis",
        "disk", "vault", "namespace", "topic", "acr", "workspace", "mi", "file", "filesystem", "fs", "item", "sql",
        "mongodb", "cassandra", "gremlin", "keyspace", "image", "directory", "hsm", "registry", "eventhub",
        "log-analytics", "datalake", "postgres", "mysql", "mariadb", "cache", "store",
    }
    WHOLE_ENVIRONMENT_NOUNS = CloudCli.WHOLE_ENVIRONMENT_NOUNS | {"group", "aks", "managedapp", "env", "mg",
                                                                  "account-mg"}

    def split_command(self, inv: Invocation) -> AzCall:
        """Leading words are the command; then `--flag VALUE…` (a list runs to the next flag). Words after
        `--` are none of az's."""
        opts = self.walk(inv.words)
        call = AzCall(inv, opts, "", [], [])
        path: list[str] = []
        current: str | None = None  # the flag whose list of values is being read
        for item in opts.items[:len(opts.items) - len(opts.rest)]:
            if item.option is not None:
                current = item.option
                values = call.flags.setdefault(current, [])
                if item.value is not None:
                    values.append(Word(item.value, text=item.word.text))
                    current = None
            elif current is None and not call.flags:
                path.append(item.word.value)
            elif current is not None:
                call.flags[current].append(item.word)
        if path:
            *call.nouns, call.verb = path
        return call

    def analyze(self, inv: Invocation) -> list[Effect]:
        call = self.split_command(inv)
        path = call.path
        if not path or call.has("--help", "-h", "--version") or path[0] in HELP_GROUPS:
            return [inv.effect("read", "azure:cli", Placement("local", "az help"), reversible="yes",
                               summary="az help or version")]
        names = [w.shown() for w in call.values("-n", "--name")]
        where = place(inv.ctx, call, [n for n in names if "…" not in n])
        ids = call.values("--ids")
        name = names[0] if names else (ids[0].shown().rsplit("/", 1)[-1] if ids else "?")
        resource = f"azure:{where.subscription}/{where.group}/{'/'.join(path[:-1])}/{name}"
        secret = secret_command(path, SECRET_COMMANDS)
        if path[0] in LOCAL_GROUPS and not secret:
            return [self.local(call)]
        effects: list[Effect] = []
        if secret is not None:
            what, also = secret
            effects.append(inv.effect("secret_read", resource, where.placement, kind=path[-2] if len(path) > 1
                                      else "", reversible="yes", summary=f"az {' '.join(path)} returns {what}"))
            if also is None:
                return effects
        operation = secret[1] if secret is not None and secret[1] else self.operation(call.verb, call.nouns)
        if operation == "read":
            listed = listing_kind(call)
            if listed:
                inv.stdout = listing(listed)
            return [inv.effect("read", resource, where.placement, reversible="yes",
                               summary=f"az {' '.join(path)} (read-only)")]
        return [*effects, self.change(call, operation, resource, where, name)]

    def change(self, call: AzCall, operation: Operation, resource: str, where: Where, name: str) -> Effect:
        inv, verb, groups = call.inv, call.verb, call.nouns
        deleting = operation == "delete"
        noun = groups[-1] if groups else ""
        whole = deleting and (noun in self.WHOLE_ENVIRONMENT_NOUNS or groups[:1] == ["aks"])
        data = deleting and (any(g in self.DATA_NOUNS for g in groups) or whole)
        ids = call.values("--ids")
        count = len(ids) if ids else len(call.values("-n", "--name")) or None
        scope: Scope = "many" if verb == "delete-batch" or (count or 0) > 1 else "one"
        tags: list[str] = []
        if call.has("--yes", "-y"):
            tags.append("no-prompt")
        if verb == "purge":
            tags.append("no-recovery")
        # a deleted key vault (and its secrets) stays recoverable until purged
        soft_deleted = verb == "delete" and "keyvault" in groups
        if call.has("--delete-backup-data"):
            data = True
        named = [*ids, *call.values("-n", "--name")]
        if any(not w.known for w in named) or inv.args_unknown:
            tags.append("dynamic")
            listed = listed_by(inv, "azure")
            scope = "all" if listed else listing_scope(named, self.NAMES, lists_everything)
            whole = whole or (deleting and listed == kind_of(groups) and listed in WHOLE_WHEN_ALL_LISTED)
        suggestions: tuple[str, ...] = ()
        if deleting:
            show = f"az {' '.join(groups)} show " + (f"-n {name}" if name != "?" else "--ids …")
            suggestions = (f"look at it first: {show}",)
            if groups == ["group"]:
                suggestions = (f"see everything it holds first: az resource list -g {name} -o table",)
        return inv.effect(
            operation, resource, where.placement, scope=scope, count=count if scope == "many" else None,
            reversible=("yes" if soft_deleted else "no") if deleting else "unknown",
            kind=AZURE_KINDS.get(" ".join(groups[-2:]), " ".join(groups[-2:])), data_loss=data,
            whole_environment=whole, tags=tuple(tags), summary=f"az {' '.join(call.path)} {name}".rstrip(" ?"),
            suggestions=suggestions)

    def local(self, call: AzCall) -> Effect:
        """`az login`, `az account set`, `az config set`: az's own settings on this machine."""
        inv, path = call.inv, call.path
        chosen = call.values("--subscription", "-s", "--name", "-n")
        if path == ["account", "set"] and chosen and chosen[0].known:
            inv.ctx.switched[SWITCHED_SUBSCRIPTION] = chosen[0].value  # the default of later az commands
        if self.operation(call.verb, call.nouns) == "read" or path[0] in ("login", "logout"):
            return inv.effect("read", f"azure:local/{'/'.join(path)}", Placement("local", "az's own settings"),
                              reversible="yes", summary=f"az {' '.join(path)}")
        root = config_dir(inv.ctx) or "~/.azure"
        return inv.fs("modify", root, kind="azure-config", reversible="yes",
                      summary=f"az {' '.join(path)} changes az's settings (which subscription later commands "
                              "act on)")
