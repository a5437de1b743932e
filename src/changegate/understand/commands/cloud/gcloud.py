"""gcloud: `gcloud GROUP… VERB [NAME…] [--flags]`.

The verb decides the operation (list/describe read, create/deploy/update change, delete destroys,
*-iam-policy* changes permissions, `secrets versions access` reads a secret): the cloud layer's tables with
what gcloud adds. The groups say what kind of resource it is, and so whether it holds data (sql instances,
disks, buckets) or is a whole environment (projects, clusters, deployments). Where it acts is the project
(`gcp.place`). `gcloud storage rm|cp|…` is handed to gsutil, which it works like.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from changegate.environments import Placement
from changegate.model import Effect, Operation, Scope
from changegate.understand.base import Invocation, Word
from changegate.understand.cli import Call, Item
from changegate.understand.commands.cloud import gcp
from changegate.understand.commands.cloud.base import (
    CloudCli,
    listed_by,
    listing,
    listing_scope,
    not_understood,
    plural_of,
    secret_command,
    singular,
)
from changegate.understand.commands.cloud.gsutil import Gsutil

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
# instances of these services hold data (`sql instances delete`)
DATA_SERVICES = frozenset({"sql", "spanner", "bigtable", "redis", "filestore", "memcache", "alloydb", "firestore",
                           "datastore", "bigquery", "storage", "netapp", "looker", "metastore", "dataproc",
                           "composer"})
# config groups that only change gcloud's own settings on this machine
LOCAL_GROUPS = frozenset({"config", "auth", "components", "init", "topic", "help", "info", "feedback", "version",
                          "survey", "cheat-sheet", "interactive"})
RELEASE_TRACKS = frozenset({"alpha", "beta", "preview"})
# `gcloud storage VERB` commands that work like their gsutil namesakes
STORAGE_AS_GSUTIL = frozenset({"rm", "cp", "mv", "rsync", "ls", "cat", "du", "hash"})
# words that are a verb even as the first word (`gcloud help`), where no group came before
BARE_VERBS = frozenset({"help", "version", "info", "init"})
# flags of `list` that keep only some of what it lists
SELECTING_FLAGS = ("--filter", "--limit", "--regexp")
# kinds that are a whole thing: deleting every one a listing returns takes the project's whole estate of them
WHOLE_WHEN_ALL_LISTED = frozenset({"instance", "project", "bucket", "cluster", "folder", "deployment"})


@dataclass
class GcloudCall(Call):
    """`gcloud NOUN… VERB NAME…`: `nouns` are the groups, `arg_words` the names; `flags` maps each flag to its
    values as gcloud reads them (a flag after the verb takes the next word unless that is a flag)."""

    flags: dict[str, list[str]] = field(default_factory=dict)

    def has(self, *names: str) -> bool:
        return any(n in self.flags for n in names)

    def value(self, *names: str) -> str | None:
        for n in names:
            values = self.flags.get(n)
            if values and values[-1]:
                return values[-1]
        return None


def lists_everything(tokens: list[str]) -> bool:
    """`gcloud GROUP… list` without --filter or --limit: every resource of the kind."""
    words = [t for t in tokens[1:] if not t.startswith("-")]
    narrowed = any(t.split("=")[0] in SELECTING_FLAGS for t in tokens)
    return "list" in words[:5] and not narrowed


def kind_of(groups: Sequence[str]) -> str:
    """What `compute instances list` lists and `compute instances delete` deletes: "gcp compute instance"."""
    return " ".join(["gcp", *groups[:-1], singular(groups[-1])]) if groups else "gcp"


class Gcloud(CloudCli):
    NAMES = ("gcloud",)
    FAMILY = "gcloud"
    # flags of every gcloud command that take a value
    GLOBAL_OPTIONS = frozenset({
        "--project", "--account", "--configuration", "--format", "--verbosity", "--impersonate-service-account",
        "--billing-project", "--flags-file", "--flatten", "--trace-token", "--access-token-file", "--region",
        "--zone", "--location", "--filter", "--limit", "--page-size", "--sort-by", "--uri",
    })
    # flags that never take a value (any other flag after the verb takes the next word unless it is a flag)
    SWITCHES = frozenset({
        "--quiet", "-q", "--async", "--all", "--recursive", "-r", "-R", "--force", "--dry-run", "--log-http",
        "--user-output-enabled", "--help", "-h", "--verbose", "--continue-on-error", "--no-user-output-enabled",
        "--delete-disks-on-termination", "--keep-disks-on-termination", "--admin", "--internal-ip",
        "--allow-unauthenticated", "--no-allow-unauthenticated",
    })
    DRY_RUN_FLAGS = frozenset({"--dry-run"})
    # CLOUDSDK_<SECTION>_<PROPERTY> sets any property (CLOUDSDK_COMPUTE_ZONE, …): a name pattern
    ENV_VARIABLES = (*gcp.ENV_VARIABLES, "CLOUDSDK_*")

    READ_VERBS = CloudCli.READ_VERBS | {
        "describe", "show", "read", "info", "version", "lookup", "search", "diagnose", "print-settings", "cat",
        "ls", "du", "troubleshoot", "explain", "simulate", "check", "test-iam-permissions", "estimate", "preview",
        "stat", "hash", "compare",
        "activate", "login", "revoke",  # auth and config: local sign-in state, not cloud resources
        "access", "print-access-token", "print-identity-token", "decrypt", "asymmetric-decrypt", "sign-url",
        "generate-login-token", "create-cred-config",  # they return secrets: see SECRET_COMMANDS
    }
    READ_PREFIXES = (*CloudCli.READ_PREFIXES, "describe-")
    PERMISSION_VERBS = frozenset({"set-iam-policy", "add-invoker-policy-binding", "remove-invoker-policy-binding",
                                  "set-password", "reset-windows-password", "add-access-config"})
    PERMISSION_SUFFIXES = ("-iam-policy-binding",)
    DELETE_VERBS = CloudCli.DELETE_VERBS | {"rm", "clear", "abandon-instances", "recreate-instances"}
    DELETE_PREFIXES = (*CloudCli.DELETE_PREFIXES, "remove-")
    HOST_VERBS = CloudCli.HOST_VERBS | {"reset", "suspend", "ssh", "simulate-maintenance-event"}
    CREATE_VERBS = CloudCli.CREATE_VERBS | {"submit", "mb", "cp", "enable", "insert", "publish"}
    MODIFY_VERBS = frozenset({
        "update", "deploy", "set", "patch", "resize", "start", "resume", "rollback", "promote", "migrate",
        "undelete", "restore", "cancel", "export", "add", "attach", "detach", "move", "rename", "disable",
        "promote-replica", "seek", "rotate", "run", "execute", "rsync", "mv", "expose", "scale", "apply", "replace",
        "upgrade", "unset", "switchover",
    })
    MODIFY_PREFIXES = ("set-", "add-", "update-", "attach-", "detach-")
    # groups are spelled in the plural, and a change anywhere under a permission group is a permission change
    PERMISSION_NOUNS = frozenset({"iam", "roles", "firewall-rules", "policies", "access-context-manager",
                                  "service-accounts", "users", "org-policies", "resource-manager"})
    DATA_NOUNS = plural_of(CloudCli.DATA_NOUNS) | {
        "disks", "buckets", "datasets", "subscriptions", "logs", "versions", "objects", "images", "topics",
        "indexes", "keys",
    }
    WHOLE_ENVIRONMENT_NOUNS = plural_of(CloudCli.WHOLE_ENVIRONMENT_NOUNS) | {
        "projects", "deployments", "folders", "organizations"}

    # --- reading the command ------------------------------------------------------------------------------
    def split_command(self, inv: Invocation) -> GcloudCall:
        """Groups until the first verb; then positionals are names. Which flags take a value depends on their
        place: the global ones always, any other after the verb unless it is a switch. Words after `--` go to
        another program (ssh, a container) and are none of gcloud's."""
        opts = self.walk(inv.words, takes_value=frozenset())
        call = GcloudCall(inv, opts, "", [], [])
        waiting: Item | None = None  # a flag that takes the next word, when that word is no flag
        for item in opts.items[:len(opts.items) - len(opts.rest)]:
            word = item.word.value
            if waiting is not None:
                name = waiting.option or waiting.word.value
                if item.index == waiting.index + 1 and item.option is None and not word.startswith("-"):
                    call.flags.setdefault(name, []).append(word)
                    waiting = None
                    continue
                call.flags.setdefault(name, []).append("")
                waiting = None
            if item.option is not None or (word.startswith("-") and len(word) > 1):  # gcloud reads `-5` as a flag
                name = item.option or word
                if item.value is not None:
                    call.flags.setdefault(name, []).append(item.value)
                elif self.takes_value(name, after_verb=bool(call.verb)):
                    waiting = item
                else:
                    call.flags.setdefault(name, []).append("")
            elif not call.verb and self.verb_operation(word) is not None and (call.nouns or word in BARE_VERBS):
                call.verb = word
            elif not call.verb:
                call.nouns.append(word)
            else:
                call.arg_words.append(item.word)
                call.args.append(word)
        if waiting is not None:
            call.flags.setdefault(waiting.option or waiting.word.value, []).append("")
        call.nouns = [g for g in call.nouns if g not in RELEASE_TRACKS]
        return call

    def takes_value(self, flag: str, *, after_verb: bool) -> bool:
        return flag in self.GLOBAL_OPTIONS or (after_verb and flag not in self.SWITCHES
                                               and not flag.startswith("--no-"))

    def operation(self, verb: str, nouns: Sequence[str]) -> Operation:
        found = super().operation(verb, nouns)
        if found != "permission" and verb in ("ssh", "scp") and list(nouns[:1]) == ["compute"]:
            return "host_control"
        return found

    # --- what it does -------------------------------------------------------------------------------------
    def analyze(self, inv: Invocation) -> list[Effect]:
        call = self.split_command(inv)
        groups, verb = call.nouns, call.verb
        if groups == ["storage"] and verb in STORAGE_AS_GSUTIL:
            gsutil = self.as_gsutil(call)
            handed = Gsutil().analyze(gsutil)
            inv.stdout = gsutil.stdout  # `gcloud storage ls` lists what `gsutil ls` does
            return handed
        path = (*groups, verb)
        names = [w.shown() for w in call.arg_words]
        where = gcp.place(inv.ctx, project_flag=call.value("--project"),
                          configuration_flag=call.value("--configuration"),
                          names=[n for n in names[:3] if "…" not in n])
        resource = f"gcp:{where.project}/{'/'.join(groups)}/{names[0] if names else '?'}"
        if not verb:
            if call.has("--help", "-h", "--version") or not groups or groups[0] in LOCAL_GROUPS:
                return [self.read(inv, resource, where, "gcloud help or settings")]
            return [not_understood(inv, resource, where.placement,
                                   f"gcloud {' '.join(groups[:3])}: no verb changegate knows")]
        secret = secret_command(path, SECRET_COMMANDS)
        effects: list[Effect] = []
        if secret is not None:
            what, also = secret
            effects.append(inv.effect("secret_read", resource, where.placement, kind=groups[-1] if groups else "",
                                      reversible="yes", summary=f"gcloud {' '.join(path)} returns {what}"))
            if also is None:
                return effects
        if groups and groups[0] in LOCAL_GROUPS and not effects:
            return [self.local(call)]
        operation = secret[1] if secret is not None and secret[1] else self.operation(verb, groups)
        if verb == "list" and groups and not call.has(*SELECTING_FLAGS):
            inv.stdout = listing(kind_of(groups))
        if call.has(*self.DRY_RUN_FLAGS) or operation == "read":
            return [*effects, self.read(inv, resource, where, f"gcloud {' '.join(path)} (read-only)")]
        return [*effects, self.change(call, operation, resource, where)]

    @staticmethod
    def as_gsutil(call: GcloudCall) -> Invocation:
        """`gcloud storage rm -r gs://b` is `gsutil rm -r gs://b`, with gsutil's spelling of the flags."""
        inv = call.inv
        words = [Word(call.verb, text=call.verb)]
        if call.has("-r", "-R", "--recursive"):
            words.append(Word("-r", text="-r"))
        if call.has("--delete-unmatched-destination-objects"):
            words.append(Word("-d", text="-d"))
        if call.has("--project"):
            words.extend([Word("-p", text="-p"), Word(call.value("--project") or "", text="")])
        words.extend(call.arg_words)
        return Invocation(name="gsutil", words=words, ctx=inv.ctx, walker=inv.walker, stdin=inv.stdin,
                          text=inv.text, args_unknown=inv.args_unknown)

    def change(self, call: GcloudCall, operation: Operation, resource: str, where: gcp.Where) -> Effect:
        inv, groups, names = call.inv, call.nouns, call.arg_words
        deleting = operation == "delete"
        noun = groups[-1] if groups else ""
        whole = deleting and noun in self.WHOLE_ENVIRONMENT_NOUNS
        data = deleting and (noun in self.DATA_NOUNS or (noun == "instances" and groups[0] in DATA_SERVICES)
                             or groups[:1] == ["projects"])
        if noun == "keys" and "service-accounts" in groups:
            data = False
        count = len(names)
        scope: Scope = "all" if call.has("--all") else "many" if count > 1 else "one"
        tags = ["no-prompt"] if call.has("--quiet", "-q") else []
        listed = ""
        if any(not w.known for w in names) or inv.args_unknown:
            tags.append("dynamic")
            listed = listed_by(inv, "gcp")
            scope = "all" if listed or listing_scope(names, self.NAMES, lists_everything) == "all" else (
                "many" if scope == "one" else scope)
            # every instance or bucket the project has: its whole estate of them
            whole = whole or (deleting and listed == kind_of(groups) and singular(noun) in WHOLE_WHEN_ALL_LISTED)
        shown = " ".join(w.shown() for w in names[:3])
        suggestions: tuple[str, ...] = ()
        if deleting:
            suggestions = (f"look at it first: gcloud {' '.join(groups)} describe {shown}".rstrip(),
                           "drop --quiet so gcloud shows what it will delete and asks")
        return inv.effect(
            operation, resource, where.placement, scope=scope, count=count if scope == "many" and count > 1 else None,
            reversible="no" if deleting else "unknown", kind=noun, data_loss=data, whole_environment=whole,
            tags=tuple(tags), summary=f"gcloud {' '.join([*groups, call.verb])} {shown}".rstrip(),
            suggestions=suggestions)

    def local(self, call: GcloudCall) -> Effect:
        """`gcloud config set`, `auth login`: gcloud's own settings on this machine."""
        inv, groups, verb = call.inv, call.nouns, call.verb
        self.record_switch(call)
        if self.verb_operation(verb) == "read" or groups[0] in ("help", "info", "version", "topic", "cheat-sheet"):
            return inv.effect("read", f"gcp:local/{'/'.join(groups)}", Placement("local", "gcloud's own settings"),
                              reversible="yes", summary=f"gcloud {' '.join(groups)} {verb}".rstrip())
        root = gcp.config_dir(inv.ctx) or "~/.config/gcloud"
        return inv.fs("modify", root, kind="gcloud-config", reversible="yes",
                      summary=f"gcloud {' '.join([*groups, verb])} changes gcloud's settings (which project and "
                              "account later commands act on)")

    @staticmethod
    def record_switch(call: GcloudCall) -> None:
        """Later gcloud commands on this command line act on the project or configuration this one chooses
        (a --project flag or CLOUDSDK_CORE_PROJECT still wins, as it does for gcloud)."""
        groups, verb, names, switched = call.nouns, call.verb, call.arg_words, call.inv.ctx.switched
        if groups == ["config"] and verb == "set" and len(names) > 1 and names[0].value in (
                "project", "core/project") and names[1].known:
            switched[gcp.SWITCHED_PROJECT] = names[1].value
        elif groups == ["config", "configurations"] and verb == "activate" and names and names[0].known:
            switched[gcp.SWITCHED_CONFIGURATION] = names[0].value
            switched.pop(gcp.SWITCHED_PROJECT, None)  # the configuration's own project counts now

    @staticmethod
    def read(inv: Invocation, resource: str, where: gcp.Where, summary: str) -> Effect:
        return inv.effect("read", resource, where.placement, reversible="yes", summary=summary)
