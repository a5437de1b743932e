"""Infrastructure and service CLIs that have no module of their own: message brokers, coordination stores,
backup tools, object stores, hosting platforms, VMs, CI servers, configuration management.

Most are `TOOL [NOUN…] VERB [ARGS]` CLIs, so each is a small table over `generic.VerbCli`'s shared verb
tables: the verbs that differ, the flags that take a value, which flag or variable names the server or the
environment, which nouns hold data and which are a whole environment. A few are shaped differently and get a
short class of their own: the Kafka tools act by flag (`--delete`), Heroku-style CLIs spell `topic:command`,
restic and borg are placed by their repository, ansible by its inventory.
"""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from typing import ClassVar

from changegate.environments import LOCAL, UNKNOWN, Placement, most_severe
from changegate.model import Effect, Operation, Scope
from changegate.understand.base import Invocation, Word
from changegate.understand.cli import Options, parse_options
from changegate.understand.commands.generic import (
    DESTRUCTIVE_VERBS,
    READ_VERBS,
    VerbCli,
    classify_verb,
    verb_tokens,
)

FILE_READ_LIMIT = 64 * 1024
OPERATION_WORDS: dict[str, str] = {
    "create": "creates", "modify": "changes", "delete": "deletes", "replace": "replaces",
    "permission": "changes who may do what on", "host_control": "stops or restarts", "publish": "publishes",
    "secret_read": "prints secrets from", "execute_opaque": "runs code it cannot inspect on",
    "unknown": "does something changegate cannot tell to",
}


def singular(word: str) -> str:
    lowered = word.lower()
    if lowered.endswith("ies"):
        return lowered[:-3] + "y"
    if lowered.endswith("s") and not lowered.endswith(("ss", "us", "is")):
        return lowered[:-1]
    return lowered


def address_placement(inv: Invocation, value: str, label: str) -> Placement:
    """A server given as a URL, `host:port`, `user@host` or a comma-separated list of them (the most severe)."""
    envs = inv.ctx.environments
    placements: list[Placement] = []
    for part in [p.strip() for p in value.split(",") if p.strip()][:8]:
        if "://" in part:
            placements.append(envs.url(part, label))
            continue
        host = part.rsplit("@", 1)[-1]
        if host.count(":") == 1:
            host = host.split(":", 1)[0]
        placements.append(envs.host(host, label))
    if not placements:
        return Placement(UNKNOWN, f"{label} is empty")
    worst = most_severe(p.environment for p in placements)
    return next(p for p in placements if p.environment == worst)


class Platform(VerbCli):
    """A `TOOL [NOUN…] VERB` CLI with a placement from its address and environment flags, then names."""

    address_flags: ClassVar[tuple[str, ...]] = ()  # flags whose value is the server's address
    address_variables: ClassVar[tuple[str, ...]] = ()  # variables that hold it when no flag does
    env_flags: ClassVar[tuple[str, ...]] = ()  # flags whose value names the environment
    name_variables: ClassVar[tuple[str, ...]] = ()  # variables that name it
    permission_nouns: ClassVar[frozenset[str]] = frozenset()  # changing these changes who may do what
    secret_nouns: ClassVar[frozenset[str]] = frozenset()  # reading these prints secrets
    preview_flags: ClassVar[frozenset[str]] = frozenset({"--dry-run", "--dryrun", "--check"})
    all_flags: ClassVar[frozenset[str]] = frozenset({"--all"})
    no_prompt_flags: ClassVar[frozenset[str]] = frozenset({"--force", "-f", "--yes", "-y", "--confirm"})
    local_verbs: ClassVar[frozenset[str]] = frozenset({"login", "logout", "version", "help", "completion",
                                                      "whoami"})
    local_nouns: ClassVar[frozenset[str]] = frozenset()  # groups that only change this machine's session
    nouns: ClassVar[frozenset[str]] = frozenset()  # words that name a resource kind, never a verb (`backup`)
    colon_topics: ClassVar[bool] = False  # `topic:command` (heroku, netlify, firebase)
    hyphen_verbs: ClassVar[bool] = False  # `cluster-delete` (linode-cli, ibmcloud)
    noun_after_verb: ClassVar[bool] = False  # `delete queue name=x` (rabbitmqadmin, velero get backups)
    on_this_machine: ClassVar[bool] = False  # the tool acts on this machine (VMs of a local hypervisor)
    where_unknown: ClassVar[str] = "no flag or variable says which server this is"

    # --- reading the command ------------------------------------------------------------------------
    def command_words(self, positionals: list[str]) -> list[str]:
        if not self.colon_topics or not positionals:
            return positionals
        return [*positionals[0].split(":"), *positionals[1:]]

    def operation_of(self, word: str) -> Operation | None:
        lowered = word.lower()
        if lowered in self.nouns:
            return None
        if lowered in self.verbs:
            return self.verbs[lowered]
        if self.hyphen_verbs:
            tokens = verb_tokens(word)
            if any(t in DESTRUCTIVE_VERBS for t in tokens):
                return "delete"
            if tokens and tokens[-1] in READ_VERBS:
                return "read"
            found = [classify_verb(t) for t in tokens]
            return next((f for f in found if f is not None), None)
        return classify_verb(word)

    def find_topic_verb(self, positionals: list[str]) -> tuple[int, Operation] | None:
        """`topic:sub:command`: the last part is the command; a bare topic lists (`heroku apps`)."""
        if not positionals:
            return None
        parts = positionals[0].split(":")
        operation = self.operation_of(parts[-1])
        if operation is None and len(parts) == 1:
            operation = "read"
        return (len(parts) - 1, operation) if operation is not None else None

    def find_verb(self, words: list[str]) -> tuple[int, Operation] | None:
        for index, word in enumerate(words[:6]):
            if word.startswith(("/", ".")) or "=" in word:
                continue
            operation = self.operation_of(word)
            if operation is not None:
                return index, operation
        return None

    # --- where it lands -----------------------------------------------------------------------------
    def placement(self, inv: Invocation, opts: Options, names: Sequence[str] = ()) -> Placement:
        envs = inv.ctx.environments
        address_flag = next((f for f in self.address_flags if opts.value(f)), None)
        address = opts.value(address_flag) if address_flag else None
        label = address_flag or ""
        if not address:
            for variable in self.address_variables:
                address = inv.ctx.getenv(variable)
                if address:
                    label = variable
                    break
        by_address = address_placement(inv, address, f"{inv.name} {label}".strip()) if address else None
        if by_address is not None and by_address.environment != UNKNOWN:
            return by_address
        for flag in self.env_flags:
            value = opts.value(flag)
            if value:
                return envs.classify("names", value, f"{inv.name} {flag}")
        for variable in self.name_variables:
            value = inv.ctx.getenv(variable)
            if value:
                return envs.classify("names", value, variable)
        named = [envs.classify("names", n, "the name") for n in names if n and "\x00" not in n]
        known = [p for p in named if p.environment != UNKNOWN]
        if known:
            worst = most_severe(p.environment for p in known)
            return next(p for p in known if p.environment == worst)
        if by_address is not None:
            return by_address
        if self.on_this_machine:
            return Placement(LOCAL, f"{inv.name} acts on this machine")
        return self.fallback_placement(inv, opts)

    def fallback_placement(self, inv: Invocation, opts: Options) -> Placement:
        return Placement(UNKNOWN, f"{inv.name}: {self.where_unknown} (unknown is treated as prod)")

    # --- what it does -------------------------------------------------------------------------------
    def analyze(self, inv: Invocation) -> list[Effect]:
        opts = self.walk(inv.words)
        words = self.command_words(opts.positionals)
        if not words and (opts.has("--help", "-h", "--version", "-v", "-version") or not inv.words):
            return [inv.effect("read", f"{inv.name}:help", Placement(LOCAL, "help or version"), reversible="yes",
                               summary=f"{inv.name} help")]
        found = self.find_topic_verb(opts.positionals) if self.colon_topics else self.find_verb(words)
        if found is None:
            placement = self.placement(inv, opts, words)
            return [inv.effect("unknown", f"{inv.name}:" + "/".join(words[:3]), placement,
                               tags=("not-understood",),
                               summary=f"runs {inv.name} {' '.join(words[:3])}: no verb changegate knows")]
        index, operation = found
        return self.effects(inv, opts, words[:index], words[index], words[index + 1:], operation)

    def effects(self, inv: Invocation, opts: Options, nouns: list[str], verb: str, targets: list[str],
                operation: Operation) -> list[Effect]:
        kinds = self.kinds(nouns, verb, targets)
        operation = self.refine(inv, opts, operation, verb, kinds, targets)
        resource = f"{inv.name}:" + "/".join([*nouns, *[t for t in targets[:2] if not t.startswith("-")]])
        shown = " ".join([inv.name, *nouns, verb, *targets[:2]])
        local = (verb.lower() in self.local_verbs and not nouns) or bool(nouns and nouns[0] in self.local_nouns)
        if local and operation not in ("delete", "secret_read"):
            return [inv.effect("read", f"{inv.name}:local", Placement(LOCAL, f"{inv.name} {verb} changes only "
                                                                               "this machine's session"),
                               reversible="yes", summary=shown)]
        placement = self.placement(inv, opts, [*nouns, *targets[:2]])
        if operation == "read" or opts.has(*self.preview_flags):
            return [inv.effect("read", resource, placement, reversible="yes", summary=f"{shown} (read-only)")]
        if operation == "secret_read":
            return [inv.effect("secret_read", resource, placement, reversible="yes", kind=next(iter(kinds), ""),
                               summary=f"{shown} prints secrets")]
        deleting = operation in ("delete", "replace")
        whole = deleting and bool(kinds & self.whole_environment_nouns)
        data = deleting and (bool(kinds & self.data_nouns) or whole)
        scope: Scope = "all" if opts.has(*self.all_flags) or any(t in ("*", "--all") for t in targets) else "one"
        tags = ["no-prompt"] if opts.has(*self.no_prompt_flags) else []
        return [inv.effect(
            operation, resource, placement, scope=scope, reversible="no" if deleting else "unknown",
            kind=next(iter(sorted(kinds & (self.data_nouns | self.whole_environment_nouns))), nouns[-1] if nouns
                      else ""),
            data_loss=data, whole_environment=whole, tags=tuple(tags),
            summary=f"{shown} ({OPERATION_WORDS.get(operation, operation)})",
            suggestions=self.suggestions(inv, nouns, verb, targets) if deleting else ())]

    def kinds(self, nouns: list[str], verb: str, targets: list[str]) -> set[str]:
        """The resource kinds the command names: its nouns, the noun inside the verb (`delete_vhost`), and
        for tools that put the noun after the verb, the first argument."""
        found = {singular(n) for n in nouns}
        found.update(singular(t) for t in verb_tokens(verb)[1:])
        if self.noun_after_verb and targets:
            found.add(singular(targets[0]))
        return found

    def refine(self, inv: Invocation, opts: Options, operation: Operation, verb: str, kinds: set[str],
               targets: list[str]) -> Operation:
        if kinds & self.permission_nouns and operation in ("create", "modify", "delete"):
            return "permission"
        if kinds & self.secret_nouns and operation == "read":
            return "secret_read"
        return operation

    def suggestions(self, inv: Invocation, nouns: list[str], verb: str, targets: list[str]) -> tuple[str, ...]:
        return ()


# --- message brokers and coordination stores ----------------------------------------------------------

class RabbitMq(Platform):
    NAMES = (
        "rabbitmqctl", "rabbitmqadmin", "rabbitmq-diagnostics", "rabbitmq-plugins", "rabbitmq-queues",
        "rabbitmq-upgrade",
    )
    VALUE_OPTIONS = frozenset({"-n", "--node", "-p", "--vhost", "-t", "--timeout", "--formatter", "-H", "--host",
                             "-P", "--port", "-V", "-u", "--username", "--password", "-c", "--config", "-N",
                             "-f", "--format", "-d", "--depth", "-s", "--sort"})
    address_flags = ("-n", "--node", "-H", "--host")
    address_variables = ("RABBITMQ_NODENAME",)
    env_flags = ("-p", "--vhost", "-V")
    verbs: ClassVar[dict[str, Operation]] = {
        "clear_permissions": "permission", "set_permissions": "permission", "set_user_tags": "permission",
        "add_user": "permission", "change_password": "permission", "clear_password": "permission",
        "set_topic_permissions": "permission", "clear_topic_permissions": "permission",
        "authenticate_user": "read", "cluster_status": "read", "environment": "read", "report": "read",
        "node_health_check": "read", "await_startup": "read", "export_definitions": "read",
        "import_definitions": "replace", "stop_app": "host_control", "stop": "host_control",
        "shutdown": "host_control", "close_connection": "host_control", "close_all_connections": "host_control",
        "reset": "delete", "force_reset": "delete", "forget_cluster_node": "delete", "eval": "execute_opaque",
        "purge_queue": "delete", "declare": "create", "purge": "delete", "close": "host_control",
        "list": "read", "show": "read", "get": "read", "ping": "read", "status": "read",
    }
    whole_environment_nouns = frozenset({"vhost", "reset"})
    data_nouns = frozenset({"queue", "vhost"})
    noun_after_verb = True
    where_unknown = "no -n/--node or --host says which RabbitMQ node this is"

    def kinds(self, nouns: list[str], verb: str, targets: list[str]) -> set[str]:
        found = super().kinds(nouns, verb, targets)
        if verb in ("reset", "force_reset"):
            found.update({"reset", "vhost"})  # a reset wipes the node: every vhost, queue and user
        if verb in ("purge_queue", "purge"):
            found.add("queue")
        return found


class Kafka(Platform):
    """The Kafka shell tools act by flag: `kafka-topics --bootstrap-server H --delete --topic T`."""
    NAME_PATTERNS = (r"kafka-[a-z-]+(\.sh)?",)

    VALUE_OPTIONS = frozenset({"--bootstrap-server", "--bootstrap-servers", "--zookeeper", "--broker-list",
                             "--command-config", "--topic", "--group", "--entity-type", "--entity-name",
                             "--add-config", "--delete-config", "--partitions", "--replication-factor",
                             "--offset-json-file", "--config", "--to-offset", "--to-datetime", "--shift-by",
                             "--by-duration", "--to-earliest", "--allow-principal", "--deny-principal",
                             "--operation", "--resource-pattern-type", "--reassignment-json-file",
                             "--topics-to-move-json-file", "--broker", "--max-messages", "--timeout",
                             "--consumer-property", "--producer-property", "--property", "--from-file",
                             "--cluster-id", "-t", "--cluster", "--transactional-id", "--election-type",
                             "--path-to-json-file", "--partition", "--entity-default", "--alter-config"})
    address_flags = ("--bootstrap-server", "--bootstrap-servers", "--zookeeper", "--broker-list")
    where_unknown = "no --bootstrap-server says which Kafka cluster this is"
    # tool -> (flag, operation, data loss) in order of precedence; the first flag present decides
    ACTIONS: ClassVar[dict[str, tuple[tuple[str, Operation, bool], ...]]] = {
        "topics": (("--delete", "delete", True), ("--create", "create", False), ("--alter", "modify", False),
                   ("--list", "read", False), ("--describe", "read", False)),
        "configs": (("--alter", "modify", False), ("--describe", "read", False)),
        "consumer-groups": (("--delete-offsets", "delete", False), ("--delete", "delete", False),
                            ("--execute", "modify", False), ("--list", "read", False),
                            ("--describe", "read", False), ("--reset-offsets", "read", False)),
        "acls": (("--add", "permission", False), ("--remove", "permission", False), ("--list", "read", False)),
        "delete-records": (("--offset-json-file", "delete", True),),
        "reassign-partitions": (("--execute", "modify", False), ("--cancel", "modify", False),
                                ("--verify", "read", False), ("--generate", "read", False)),
        "leader-election": (("--election-type", "modify", False),),
        "console-producer": (("--topic", "modify", False),),
        "console-consumer": (("--topic", "read", False),),
        "storage": (("format", "delete", True), ("info", "read", False), ("random-uuid", "read", False)),
        "cluster": (("unregister", "delete", False), ("cluster-id", "read", False)),
    }
    READ_ONLY_TOOLS: ClassVar[frozenset[str]] = frozenset({"broker-api-versions", "log-dirs", "get-offsets",
                                                           "metadata-quorum", "run-class", "dump-log",
                                                           "verifiable-consumer", "consumer-perf-test"})

    def analyze(self, inv: Invocation) -> list[Effect]:
        tool = inv.name.removesuffix(".sh").removeprefix("kafka-")
        opts = self.walk(inv.words)
        topic = opts.value("--topic", "--group", "--entity-name") or ""
        placement = self.placement(inv, opts, [topic])
        resource = f"kafka:{(opts.value(*self.address_flags) or '?').split(',')[0]}/{tool}/{topic or '*'}"
        if tool in self.READ_ONLY_TOOLS:
            return [inv.effect("read", resource, placement, reversible="yes", summary=f"{inv.name} (read-only)")]
        for flag, operation, data in self.ACTIONS.get(tool, ()):
            if not (opts.has(flag) or flag in opts.positionals):
                continue
            if operation == "read" or opts.has("--dry-run"):
                return [inv.effect("read", resource, placement, reversible="yes",
                                   summary=f"{inv.name} {flag} (read-only)")]
            pattern = any(c in topic for c in "*.+[") or opts.has("--all-topics", "--all-groups", "--all")
            scope: Scope = "all" if topic in ("", ".*", "*") and operation == "delete" and tool == "topics" else (
                "many" if pattern else "one")
            return [inv.effect(
                operation, resource, placement, scope=scope, reversible="no" if operation == "delete" else "unknown",
                kind=tool.rstrip("s"), data_loss=data,
                summary=f"{inv.name} {flag} {topic}".rstrip() + f" ({OPERATION_WORDS.get(operation, operation)})",
                suggestions=(f"look first: {inv.name} --bootstrap-server … --describe --topic {topic}",)
                if data else ())]
        return [inv.effect("unknown", resource, placement, tags=("not-understood",),
                           summary=f"runs {inv.name} with no action flag changegate knows")]


class Etcd(Platform):
    NAMES = ("etcdctl",)
    VALUE_OPTIONS = frozenset({"--endpoints", "--cacert", "--cert", "--key", "--user", "--password",
                             "--dial-timeout", "--command-timeout", "-w", "--write-out", "--data-dir",
                             "--name", "--initial-cluster", "--initial-advertise-peer-urls", "--lease",
                             "--limit", "--rev", "--prev-kv", "--discovery-srv"})
    address_flags = ("--endpoints",)
    address_variables = ("ETCDCTL_ENDPOINTS",)
    where_unknown = "no --endpoints or ETCDCTL_ENDPOINTS says which etcd cluster this is"
    verbs: ClassVar[dict[str, Operation]] = {
        "get": "read", "put": "modify", "del": "delete", "txn": "modify", "watch": "read",
        "compaction": "delete", "defrag": "modify", "restore": "replace", "save": "read", "status": "read",
        "health": "read", "hashkv": "read", "move-leader": "host_control", "grant": "create", "revoke": "delete",
        "keep-alive": "modify", "timetolive": "read", "elect": "modify", "lock": "modify", "disarm": "modify",
        "check": "read", "version": "read", "promote": "modify",
    }
    permission_nouns = frozenset({"user", "role", "auth"})
    data_nouns = frozenset({"key", "snapshot", "member", "compaction"})
    secret_prefixes: ClassVar[tuple[str, ...]] = ("/registry/secrets",)

    def effects(self, inv: Invocation, opts: Options, nouns: list[str], verb: str, targets: list[str],
                operation: Operation) -> list[Effect]:
        key = targets[0] if targets else ""
        if verb == "get" and key.startswith(self.secret_prefixes):
            operation = "secret_read"
        effects = super().effects(inv, opts, nouns, verb, targets, operation)
        if verb == "del" and effects:
            every = opts.has("--from-key") or (opts.has("--prefix") and key in ("", "/"))
            scope: Scope = "all" if every else "many" if opts.has("--prefix") else "one"
            first = effects[0]
            import msgspec

            effects[0] = msgspec.structs.replace(first, scope=scope, data_loss=scope != "one", kind="key")
        return effects


class Consul(Platform):
    NAMES = ("consul",)
    LONG_SINGLE_DASH = True
    VALUE_OPTIONS = frozenset({"-http-addr", "-token", "-token-file", "-datacenter", "-ca-file", "-namespace",
                             "-partition", "-format", "-separator", "-flags", "-cas", "-modify-index", "-node",
                             "-id", "-name", "-policy-name", "-description", "-rules", "-accessor-id"})
    address_flags = ("-http-addr",)
    address_variables = ("CONSUL_HTTP_ADDR",)
    env_flags = ("-datacenter", "-namespace")
    where_unknown = "no -http-addr or CONSUL_HTTP_ADDR says which Consul cluster this is"
    verbs: ClassVar[dict[str, Operation]] = {"leave": "host_control", "force-leave": "host_control",
                                             "members": "read", "catalog": "read", "monitor": "read",
                                             "members-list": "read", "reload": "modify", "deregister": "delete",
                                             "register": "create", "remove-peer": "delete", "save": "read",
                                             "restore": "replace", "maint": "host_control"}
    permission_nouns = frozenset({"acl", "intention", "token", "policy", "role", "keyring"})
    data_nouns = frozenset({"kv", "snapshot"})

    def effects(self, inv: Invocation, opts: Options, nouns: list[str], verb: str, targets: list[str],
                operation: Operation) -> list[Effect]:
        effects = super().effects(inv, opts, nouns, verb, targets, operation)
        if nouns[:1] == ["kv"] and verb == "delete" and effects:
            import msgspec

            every = opts.has("-recurse") and (not targets or targets[0] in ("", "/"))
            scope: Scope = "all" if every else "many" if opts.has("-recurse") else "one"
            effects[0] = msgspec.structs.replace(effects[0], scope=scope, data_loss=scope != "one")
        return effects


class Nomad(Platform):
    NAMES = ("nomad",)
    LONG_SINGLE_DASH = True
    VALUE_OPTIONS = frozenset({"-address", "-region", "-namespace", "-token", "-ca-cert", "-client-cert",
                             "-client-key", "-var", "-var-file", "-meta", "-deadline", "-type", "-job",
                             "-task", "-group"})
    address_flags = ("-address",)
    address_variables = ("NOMAD_ADDR",)
    env_flags = ("-namespace", "-region")
    name_variables = ("NOMAD_NAMESPACE",)
    where_unknown = "no -address or NOMAD_ADDR says which Nomad cluster this is"
    verbs: ClassVar[dict[str, Operation]] = {"stop": "host_control", "drain": "host_control",
                                             "eligibility": "host_control", "gc": "modify", "plan": "read",
                                             "exec": "host_control", "alloc": "read", "purge": "delete"}
    permission_nouns = frozenset({"acl", "token", "policy", "role"})
    whole_environment_nouns = frozenset({"namespace"})
    data_nouns = frozenset({"volume", "var"})

    def refine(self, inv: Invocation, opts: Options, operation: Operation, verb: str, kinds: set[str],
               targets: list[str]) -> Operation:
        if verb == "stop" and opts.has("-purge"):
            return "delete"
        return super().refine(inv, opts, operation, verb, kinds, targets)


class Nats(Platform):
    NAMES = ("nats",)
    VALUE_OPTIONS = frozenset({"-s", "--server", "--context", "--creds", "--nkey", "--user", "--password",
                             "--tlscert", "--tlskey", "--tlsca", "--timeout", "--js-domain", "--subject",
                             "--count", "--sleep", "--header", "-H"})
    address_flags = ("-s", "--server")
    address_variables = ("NATS_URL",)
    env_flags = ("--context",)
    where_unknown = "no --server or NATS_URL says which NATS cluster this is"
    verbs: ClassVar[dict[str, Operation]] = {"pub": "modify", "request": "modify", "sub": "read",
                                             "reply": "modify", "rm": "delete", "del": "delete",
                                             "bench": "modify", "select": "read"}
    data_nouns = frozenset({"stream", "kv", "object", "bucket", "str", "obj"})
    local_nouns = frozenset({"context"})

    def kinds(self, nouns: list[str], verb: str, targets: list[str]) -> set[str]:
        found = super().kinds(nouns, verb, targets)
        # `kv del BUCKET KEY` removes one key; `kv rm BUCKET`, `kv purge BUCKET` or `stream purge` the data
        if nouns[:1] == ["kv"] and verb == "del" and len(targets) > 1 and "--purge" not in targets:
            found.discard("kv")
        return found


class GitlabRunner(Platform):
    NAMES = ("gitlab-runner",)
    VALUE_OPTIONS = frozenset({"--url", "-u", "--token", "-t", "--name", "-n", "--config", "-c",
                             "--executor", "--description", "--tag-list", "--working-directory", "--user"})
    address_flags = ("--url", "-u")
    env_flags = ("--name", "-n")
    all_flags = frozenset({"--all-runners"})
    where_unknown = "no --url says which GitLab the runners are registered with"
    verbs: ClassVar[dict[str, Operation]] = {"verify": "read", "run": "host_control", "start": "host_control",
                                             "stop": "host_control", "restart": "host_control"}


# --- backups ------------------------------------------------------------------------------------------

class Velero(Platform):
    NAMES = ("velero",)
    VALUE_OPTIONS = frozenset({"--kubecontext", "--kubeconfig", "-n", "--namespace", "--selector", "-l",
                             "--from-backup", "--from-schedule", "--include-namespaces", "--exclude-namespaces",
                             "--include-resources", "--exclude-resources", "--ttl", "--storage-location",
                             "-o", "--output", "--name", "--schedule", "--provider", "--bucket", "--secret-file",
                             "--plugins", "--backup-location-config", "--snapshot-location-config"})
    noun_after_verb = True
    nouns = frozenset({"backup", "restore", "schedule", "snapshot", "snapshot-location", "backup-location",
                       "plugin", "repo", "client"})
    data_nouns = frozenset({"backup", "snapshot", "backup-location", "restore"})
    whole_environment_nouns = frozenset({"uninstall"})
    all_flags = frozenset({"--all"})
    verbs: ClassVar[dict[str, Operation]] = {"uninstall": "delete", "install": "create", "get": "read"}

    def kinds(self, nouns: list[str], verb: str, targets: list[str]) -> set[str]:
        found = super().kinds(nouns, verb, targets)
        if verb == "uninstall":
            found.add("uninstall")
        if "restore" in found and verb == "delete":
            found.discard("restore")  # a restore record; its data stays in the cluster
        return found

    def placement(self, inv: Invocation, opts: Options, names: Sequence[str] = ()) -> Placement:
        from changegate.understand.kube import resolve_target

        target = resolve_target(inv.ctx.environments, inv.ctx.env, inv.ctx.home, inv.ctx.consulted,
                                context=opts.value("--kubecontext"), kubeconfig=opts.value("--kubeconfig"),
                                context_flag="--kubecontext")
        if target.placement.environment != UNKNOWN:
            return target.placement
        return super().placement(inv, opts, names) if names else target.placement


class Restic(Platform):
    NAMES = ("restic",)
    VALUE_OPTIONS = frozenset({"-r", "--repo", "--repository-file", "-p", "--password-file", "--password-command",
                             "--cache-dir", "--host", "-H", "--tag", "--path", "--keep-last", "--keep-hourly",
                             "--keep-daily", "--keep-weekly", "--keep-monthly", "--keep-yearly",
                             "--keep-within", "--keep-tag", "--max-unused", "-t", "--target", "--include",
                             "--exclude", "-e", "-i", "--files-from", "--iexclude", "--compression",
                             "--limit-upload", "--limit-download", "-o", "--option", "--group-by",
                             "--from-repo", "--new-password-file", "--read-data-subset"})
    verbs: ClassVar[dict[str, Operation]] = {
        "forget": "delete", "prune": "delete", "backup": "read", "check": "read", "snapshots": "read",
        "ls": "read", "stats": "read", "find": "read", "dump": "read", "diff": "read", "cat": "read",
        "mount": "read", "version": "read", "init": "create", "restore": "modify", "copy": "create",
        "rewrite": "replace", "tag": "modify", "unlock": "modify", "recover": "modify", "repair": "modify",
        "migrate": "modify", "key": "permission", "generate": "read", "self-update": "read",
    }
    data_nouns = frozenset({"forget", "prune", "rewrite"})

    def kinds(self, nouns: list[str], verb: str, targets: list[str]) -> set[str]:
        return {verb} | super().kinds(nouns, verb, targets)

    def effects(self, inv: Invocation, opts: Options, nouns: list[str], verb: str, targets: list[str],
                operation: Operation) -> list[Effect]:
        if verb == "restore":
            destination = opts.value("-t", "--target") or "."
            return [inv.fs("modify", destination, recursive=True, tags=("overwrite",), reversible="unknown",
                           summary=f"restic restore writes a snapshot over {destination}")]
        if verb == "key" and targets[:1] in (["list"], ["ls"]):
            operation = "read"
        effects = super().effects(inv, opts, nouns, verb, targets, operation)
        if verb in ("forget", "prune") and effects:
            import msgspec

            every = opts.has("--unsafe-allow-remove-all")
            effects[0] = msgspec.structs.replace(
                effects[0], scope="all" if every else "many", kind="snapshots",
                data_loss=verb == "prune" or opts.has("--prune"),
                suggestions=(f"preview it: {inv.text.strip()} --dry-run",))
        return effects

    def placement(self, inv: Invocation, opts: Options, names: Sequence[str] = ()) -> Placement:
        repository = opts.value("-r", "--repo") or inv.ctx.getenv("RESTIC_REPOSITORY")
        if not repository:
            return Placement(UNKNOWN, "no -r/--repo or RESTIC_REPOSITORY says which repository this is "
                                      "(unknown is treated as prod)")
        return repository_placement(inv, repository, "restic repository")


def repository_placement(inv: Invocation, repository: str, label: str) -> Placement:
    """A backup repository: a local path, `ssh://host/…`, `user@host:path`, `sftp:host:/path`, `s3:…`,
    `rest:https://…`; placed by its path, host or name."""
    envs = inv.ctx.environments
    if repository.startswith(("/", "~", ".")) or ("://" not in repository and ":" not in repository):
        return inv.ctx.place_path(inv.ctx.resolve(repository))
    if "://" in repository:
        url = repository.split(":", 1)[1] if repository.startswith("rest:") else repository
        return envs.url(url, label)
    scheme, _, rest = repository.partition(":")
    if scheme == "sftp":
        return address_placement(inv, rest.split(":", 1)[0], label)
    if "@" in scheme or "." in scheme:  # user@host:path (borg)
        return address_placement(inv, scheme, label)
    return envs.classify("names", rest or repository, label)


class Borg(Platform):
    NAMES = ("borg", "borg2")
    VALUE_OPTIONS = frozenset({"--keep-last", "--keep-within", "--keep-secondly", "--keep-minutely", "-H",
                             "--keep-hourly", "-d", "--keep-daily", "-w", "--keep-weekly", "-m", "--keep-monthly",
                             "-y", "--keep-yearly", "-a", "--match-archives", "--glob-archives", "-P", "--prefix",
                             "--exclude", "-e", "--exclude-from", "--pattern", "--patterns-from", "-C",
                             "--compression", "--remote-path", "--rsh", "--lock-wait", "--repo", "-r",
                             "--encryption", "--comment", "--timestamp", "--checkpoint-interval", "--format",
                             "--sort-by", "--first", "--last", "--upload-ratelimit", "--upload-buffer"})
    verbs: ClassVar[dict[str, Operation]] = {
        "delete": "delete", "prune": "delete", "compact": "delete", "rdelete": "delete", "repo-delete": "delete",
        "create": "read", "list": "read", "info": "read", "check": "read", "diff": "read", "version": "read",
        "mount": "read", "umount": "read", "export-tar": "read", "benchmark": "read", "extract": "modify",
        "init": "create", "rcreate": "create", "repo-create": "create", "recreate": "replace",
        "break-lock": "modify", "rename": "modify", "config": "modify", "upgrade": "modify", "key": "permission",
        "import-tar": "create", "transfer": "create", "serve": "unknown", "rlist": "read", "repo-list": "read",
        "rinfo": "read", "repo-info": "read", "undelete": "modify", "with-lock": "unknown",
    }
    data_nouns = frozenset({"delete", "prune", "compact", "rdelete", "repo-delete", "recreate"})
    whole_environment_nouns = frozenset({"rdelete", "repo-delete"})

    def kinds(self, nouns: list[str], verb: str, targets: list[str]) -> set[str]:
        return {verb} | super().kinds(nouns, verb, targets)

    def effects(self, inv: Invocation, opts: Options, nouns: list[str], verb: str, targets: list[str],
                operation: Operation) -> list[Effect]:
        if verb == "key" and targets[:1] == ["export"]:
            operation = "secret_read"
        if verb == "extract" and not opts.has("--dry-run", "-n"):
            return [inv.fs("modify", ".", recursive=True, tags=("overwrite",), reversible="unknown",
                           summary="borg extract writes an archive's files into the current directory")]
        if verb == "delete" and opts.has("--cache-only"):
            return [inv.effect("delete", "borg:cache", Placement(LOCAL, "the local borg cache"), reversible="yes",
                               kind="cache", summary="borg delete --cache-only (the local cache, rebuilt on use)")]
        effects = super().effects(inv, opts, nouns, verb, targets, operation)
        if verb == "delete" and effects:
            import msgspec

            repository = self.repository(inv, opts, targets)
            whole_repo = not targets or ("::" not in targets[0] and not opts.has("-a", "--match-archives",
                                                                                 "--glob-archives"))
            many = opts.has("-a", "--match-archives", "--glob-archives", "-P", "--prefix")
            effects[0] = msgspec.structs.replace(
                effects[0], resource=f"borg:{repository}", whole_environment=whole_repo,
                scope="all" if whole_repo else "many" if many else "one", kind="repository" if whole_repo
                else "archive")
        return effects

    @staticmethod
    def repository(inv: Invocation, opts: Options, targets: Sequence[str]) -> str:
        first = next((t for t in targets if "::" in t or t.startswith(("/", "ssh://", "~")) or "@" in t), "")
        repository = first.split("::", 1)[0] if first else ""
        return repository or opts.value("--repo", "-r") or inv.ctx.getenv("BORG_REPO") or ""

    def placement(self, inv: Invocation, opts: Options, names: Sequence[str] = ()) -> Placement:
        repository = self.repository(inv, opts, names[1:] if names else [])
        if not repository:
            return Placement(UNKNOWN, "no repository (REPO::ARCHIVE, --repo or BORG_REPO) says where the backups "
                                      "live (unknown is treated as prod)")
        return repository_placement(inv, repository, "borg repository")


# --- object stores --------------------------------------------------------------------------------------

class S3cmd(Platform):
    NAMES = ("s3cmd",)
    VALUE_OPTIONS = frozenset({"-c", "--config", "--access_key", "--secret_key", "--host", "--host-bucket",
                             "--region", "--bucket-location", "--exclude", "--include", "--exclude-from",
                             "--rexclude", "--storage-class", "--acl-grant", "--acl-revoke", "--mime-type",
                             "--expiry-days", "--expiry-date", "--expiry-prefix", "--add-header", "--encoding",
                             "--max-delete", "--limit-rate", "--cache-file", "-p", "--profile"})
    address_flags = ("--host",)
    verbs: ClassVar[dict[str, Operation]] = {
        "ls": "read", "la": "read", "du": "read", "info": "read", "get": "read", "put": "create", "sync": "create",
        "del": "delete", "rm": "delete", "rb": "delete", "mb": "create", "cp": "create", "mv": "delete",
        "modify": "modify", "setacl": "permission", "setpolicy": "permission", "delpolicy": "permission",
        "setcors": "modify", "delcors": "modify", "accesslog": "modify", "signurl": "permission",
        "expire": "modify", "setlifecycle": "modify", "dellifecycle": "modify", "restore": "modify",
        "ws-create": "modify", "ws-delete": "modify", "ws-info": "read", "multipart": "read", "abortmp": "delete",
        "listmp": "read", "fixbucket": "modify", "setversioning": "modify", "setownership": "permission",
        "setblockpublicaccess": "permission", "payer": "modify", "cfcreate": "create", "cfdelete": "delete",
    }

    def effects(self, inv: Invocation, opts: Options, nouns: list[str], verb: str, targets: list[str],
                operation: Operation) -> list[Effect]:
        effects = super().effects(inv, opts, nouns, verb, targets, operation)
        recursive = opts.has("--recursive", "-r")
        if not effects or (effects[0].operation != "delete" and not opts.has("--delete-removed")):
            return effects
        import msgspec

        url = next((t for t in reversed(targets) if t.startswith("s3://")), "")
        whole_bucket = url.startswith("s3://") and "/" not in url[5:].rstrip("/")
        if verb == "rb":
            data, scope = recursive or opts.has("--force"), "all" if recursive else "one"
        elif verb in ("sync", "put"):
            data, scope = True, "many"
        else:
            data, scope = recursive, ("all" if whole_bucket else "many") if recursive else "one"
        effects[0] = msgspec.structs.replace(
            effects[0], operation="delete", data_loss=data, scope=scope, resource=f"s3cmd:{url or '?'}",
            kind="bucket" if verb == "rb" else "objects",
            suggestions=(f"preview it: {inv.text.strip()} --dry-run",))
        return effects

    def placement(self, inv: Invocation, opts: Options, names: Sequence[str] = ()) -> Placement:
        buckets = [n[5:].split("/", 1)[0] for n in names if n.startswith("s3://")]
        return super().placement(inv, opts, buckets)


class Rclone(Platform):
    """rclone: `VERB SOURCE [DEST]` where a `remote:path` is a configured remote (a bucket, a drive…)."""
    NAMES = ("rclone",)

    VALUE_OPTIONS = frozenset({"--config", "--transfers", "--checkers", "--include", "--exclude", "--filter",
                             "--include-from", "--exclude-from", "--filter-from", "--files-from", "--max-age",
                             "--min-age", "--max-size", "--min-size", "--bwlimit", "--backup-dir", "--suffix",
                             "--log-file", "--log-level", "--stats", "--max-delete", "--order-by", "--timeout",
                             "-c", "--retries", "--low-level-retries", "--max-transfer", "--cache-dir"})
    preview_flags = frozenset({"--dry-run", "-n", "--interactive", "-i"})
    verbs: ClassVar[dict[str, Operation]] = {
        "ls": "read", "lsd": "read", "lsl": "read", "lsf": "read", "lsjson": "read", "tree": "read", "cat": "read",
        "check": "read", "cryptcheck": "read", "checksum": "read", "size": "read", "about": "read", "md5sum": "read",
        "sha1sum": "read", "hashsum": "read", "listremotes": "read", "version": "read", "ncdu": "read",
        "serve": "read", "mount": "read", "copy": "create", "copyto": "create", "copyurl": "create",
        "mkdir": "create", "touch": "create", "rcat": "create", "link": "permission", "move": "modify",
        "moveto": "modify", "sync": "delete", "bisync": "delete", "delete": "delete", "deletefile": "delete",
        "purge": "delete", "rmdir": "delete", "rmdirs": "delete", "cleanup": "delete", "dedupe": "delete",
        "config": "read", "obscure": "read", "authorize": "permission", "settier": "modify", "backend": "modify",
    }
    data_nouns = frozenset({"purge", "sync", "bisync", "delete", "deletefile", "cleanup", "dedupe"})

    def kinds(self, nouns: list[str], verb: str, targets: list[str]) -> set[str]:
        return {verb} | super().kinds(nouns, verb, targets)

    def placement(self, inv: Invocation, opts: Options, names: Sequence[str] = ()) -> Placement:
        # `remote:bucket/path`: the remote's and the bucket's names say where it is; a plain path is local
        remotes = [n.split(":", 1)[0] + "/" + n.split(":", 1)[1].split("/", 1)[0] for n in names
                   if ":" in n and not n.startswith(("/", "."))]
        if not remotes and names:
            return inv.arguments_placement()
        return super().placement(inv, opts, remotes)


class MinioClient(Platform):
    """`mc` (MinIO client). `mc` is also Midnight Commander: without a MinIO verb it is that file manager."""
    NAMES = ("mc", "mcli")

    VALUE_OPTIONS = frozenset({"--config-dir", "-C", "--older-than", "--newer-than", "--rewind", "--version-id",
                             "--storage-class", "--attr", "--encrypt-key", "--limit-upload", "--limit-download",
                             "--exclude", "--name", "--path", "--regex", "--expiry", "--tags", "--retention-mode",
                             "--retention-duration", "--region"})
    verbs: ClassVar[dict[str, Operation]] = {
        "ls": "read", "cat": "read", "head": "read", "stat": "read", "du": "read", "find": "read", "diff": "read",
        "tree": "read", "ping": "read", "ready": "read", "watch": "read", "rm": "delete", "rb": "delete",
        "mb": "create", "cp": "create", "mirror": "create", "mv": "delete", "put": "create", "pipe": "create",
        "od": "create", "retention": "modify", "legalhold": "modify", "ilm": "modify", "version": "modify",
        "anonymous": "permission", "policy": "permission", "share": "permission", "alias": "read",
        "admin": "modify", "undo": "modify", "tag": "modify", "encrypt": "modify", "event": "modify",
        "replicate": "modify", "quota": "modify", "support": "read", "license": "read", "update": "read",
    }
    permission_nouns = frozenset({"user", "policy", "group", "idp", "accesskey", "svcacct"})
    data_nouns = frozenset({"rm", "rb"})

    def find_verb(self, words: list[str]) -> tuple[int, Operation] | None:
        if not words or words[0] not in self.verbs:
            return None
        if words[0] == "admin" and len(words) > 1:
            sub = words[1:]
            if sub[:1] in (["service"],) and sub[1:2] in (["restart"], ["stop"], ["freeze"]):
                return 0, "host_control"
            found = super().find_verb(sub[1:]) if len(sub) > 1 else None
            return (0, found[1]) if found is not None else (0, "read" if sub[:1] == ["info"] else "modify")
        return 0, self.verbs[words[0]]

    def analyze(self, inv: Invocation) -> list[Effect]:
        opts = self.walk(inv.words)
        if opts.positionals and opts.positionals[0] not in self.verbs:
            return [inv.unknown("mc without a MinIO command (Midnight Commander, an interactive file manager)")]
        return super().analyze(inv)

    def kinds(self, nouns: list[str], verb: str, targets: list[str]) -> set[str]:
        found = super().kinds(nouns, verb, targets) | {verb}
        if verb == "admin" and len(targets) > 1:
            found.add(singular(targets[0]))
        if verb == "rm" and not any(f in targets for f in ("--recursive", "-r")):
            found.discard("rm")  # one object
        return found

    def effects(self, inv: Invocation, opts: Options, nouns: list[str], verb: str, targets: list[str],
                operation: Operation) -> list[Effect]:
        one_object = verb == "rm" and not opts.has("--recursive", "-r")
        effects = super().effects(inv, opts, nouns, verb, targets, operation)
        if verb in ("rm", "rb", "mirror") and effects:
            import msgspec

            recursive = opts.has("--recursive", "-r", "--force")
            if verb == "mirror":
                if not opts.has("--remove"):
                    return effects
                effects.append(msgspec.structs.replace(effects[0], operation="delete", scope="many", data_loss=True,
                                                       reversible="no", tags=("sync-delete",)))
                return effects
            effects[0] = msgspec.structs.replace(effects[0], data_loss=not one_object,
                                                 scope="many" if recursive else "one")
        return effects

    def placement(self, inv: Invocation, opts: Options, names: Sequence[str] = ()) -> Placement:
        # `ALIAS/BUCKET/PREFIX`: the alias and the bucket name the environment
        parts = [p for n in names if "/" in n for p in n.split("/")[:2]]
        return super().placement(inv, opts, parts)


# --- hosting platforms and clouds -------------------------------------------------------------------------

class Doctl(Platform):
    NAMES = ("doctl",)
    VALUE_OPTIONS = frozenset({"--context", "-t", "--access-token", "-o", "--output", "--format", "-c", "--config",
                             "--region", "--size", "--image", "--ssh-keys", "--tag-name", "--tag", "--app",
                             "--spec", "--engine", "--num-nodes", "--version", "--node-pool"})
    env_flags = ("--context",)
    name_variables = ("DIGITALOCEAN_CONTEXT",)
    verbs: ClassVar[dict[str, Operation]] = {"d": "delete", "rm": "delete", "g": "read", "ls": "read",
                                             "c": "create", "u": "modify", "power-off": "host_control",
                                             "shutdown": "host_control", "reboot": "host_control",
                                             "power-cycle": "host_control", "rebuild": "replace",
                                             "restore": "replace"}
    data_nouns = frozenset({"database", "db", "volume", "snapshot", "registry", "repository", "bucket",
                            "backup", "space"})
    whole_environment_nouns = frozenset({"cluster", "app", "project", "kubernetes"})
    permission_nouns = frozenset({"firewall", "ssh-key", "user", "token"})
    local_nouns = frozenset({"auth"})


class Heroku(Platform):
    NAMES = ("heroku",)
    colon_topics = True
    VALUE_OPTIONS = frozenset({"-a", "--app", "-r", "--remote", "--confirm", "-s", "--size", "-t", "--team",
                             "--space", "-n", "--num", "-d", "--dyno", "--type", "--region", "-e", "--env",
                             "--stack", "--source", "--json"})
    env_flags = ("-a", "--app", "-r", "--remote")
    name_variables = ("HEROKU_APP",)
    where_unknown = "no --app or --remote says which Heroku app this is"
    verbs: ClassVar[dict[str, Operation]] = {
        "destroy": "delete", "reset": "delete", "run": "host_control", "restart": "host_control",
        "scale": "modify", "rollback": "modify", "on": "modify", "off": "modify", "promote": "modify",
        "capture": "read", "copy": "replace", "restore": "replace", "psql": "unknown", "cli": "unknown",
        "url": "secret_read", "rotate": "permission", "token": "secret_read", "logs": "read", "info": "read",
        "apps": "read", "ps": "read", "releases": "read", "addons": "read", "domains": "read", "config": "read",
        "pg": "read", "redis": "read", "access": "read", "pipelines": "read", "create": "create",
        "remote": "read", "clone": "read", "unset": "modify", "open": "read", "status": "read",
    }
    data_nouns = frozenset({"pg", "addon", "redis", "backup"})
    whole_environment_nouns = frozenset({"app", "space"})
    permission_nouns = frozenset({"access", "collaborator", "credential"})
    secret_nouns = frozenset({"config", "credential"})

    def refine(self, inv: Invocation, opts: Options, operation: Operation, verb: str, kinds: set[str],
               targets: list[str]) -> Operation:
        if verb == "config" or (verb == "get" and "config" in kinds):
            return "secret_read"  # `heroku config` prints every config var with its value
        if verb in ("reset", "copy", "restore") and "pg" in kinds:
            return "replace" if verb != "reset" else "delete"
        return super().refine(inv, opts, operation, verb, kinds, targets)

    def kinds(self, nouns: list[str], verb: str, targets: list[str]) -> set[str]:
        found = super().kinds(nouns, verb, targets)
        if not nouns and verb == "destroy":
            found.add("app")
        return found


class Fly(Platform):
    NAMES = ("flyctl", "fly")
    VALUE_OPTIONS = frozenset({"-a", "--app", "-c", "--config", "-r", "--region", "-C", "--command", "-i",
                             "--image", "--vm-size", "--org", "-o", "--size", "-s", "--strategy", "--env", "-e",
                             "--name", "-n", "--volume", "--machine", "--select"})
    env_flags = ("-a", "--app")
    name_variables = ("FLY_APP",)
    where_unknown = "no --app, FLY_APP or fly.toml says which Fly app this is"
    verbs: ClassVar[dict[str, Operation]] = {"destroy": "delete", "deploy": "modify", "launch": "create",
                                             "console": "host_control", "ssh": "host_control",
                                             "restart": "host_control", "stop": "host_control",
                                             "suspend": "host_control", "proxy": "read", "connect": "unknown",
                                             "token": "secret_read", "scale": "modify", "count": "modify"}
    data_nouns = frozenset({"volume", "vol", "storage", "redis", "postgre", "pg", "mpg", "tigris", "snapshot"})
    whole_environment_nouns = frozenset({"app"})
    permission_nouns = frozenset({"token", "ip", "certs"})

    def kinds(self, nouns: list[str], verb: str, targets: list[str]) -> set[str]:
        found = super().kinds(nouns, verb, targets)
        if not nouns and verb == "destroy":
            found.add("app")
        return found

    def refine(self, inv: Invocation, opts: Options, operation: Operation, verb: str, kinds: set[str],
               targets: list[str]) -> Operation:
        if "token" in kinds and verb in ("create",):
            return "secret_read"
        return super().refine(inv, opts, operation, verb, kinds, targets)

    def fallback_placement(self, inv: Invocation, opts: Options) -> Placement:
        app = fly_toml_app(inv, opts.value("-c", "--config") or "fly.toml")
        if app:
            return inv.ctx.environments.classify("names", app, "the app in fly.toml")
        return super().fallback_placement(inv, opts)


def fly_toml_app(inv: Invocation, path: str) -> str | None:
    resolved = inv.ctx.resolve(path)
    if not resolved:
        return None
    from changegate.understand.commands.aws import read_bounded_text

    text = read_bounded_text(resolved, FILE_READ_LIMIT)
    if not text:
        return None
    try:
        app = tomllib.loads(text).get("app")
    except (tomllib.TOMLDecodeError, ValueError):
        return None
    if isinstance(app, str) and app:
        inv.ctx.consulted[f"fly.toml:{resolved}:app"] = app
        return app
    return None


class Vercel(Platform):
    NAMES = ("vercel",)
    VALUE_OPTIONS = frozenset({"--token", "-t", "--scope", "-S", "--team", "-T", "--target", "--environment",
                             "--env", "-e", "--build-env", "-b", "--meta", "-m", "--cwd", "--local-config",
                             "-A", "--global-config", "-Q", "--regions", "--name", "--git-branch"})
    verbs: ClassVar[dict[str, Operation]] = {"remove": "delete", "rm": "delete", "deploy": "modify",
                                             "promote": "modify", "rollback": "modify", "redeploy": "modify",
                                             "pull": "secret_read", "dev": "read", "build": "read",
                                             "link": "read", "inspect": "read", "ls": "read", "list": "read",
                                             "logs": "read", "bisect": "read", "switch": "read", "open": "read"}
    whole_environment_nouns = frozenset({"project", "remove", "rm"})
    data_nouns = frozenset({"blob", "storage"})
    nouns = frozenset({"env", "domains", "dns", "certs", "alias", "project", "secrets", "teams", "git", "blob",
                       "integration", "target"})

    def command_words(self, positionals: list[str]) -> list[str]:
        return positionals or ["deploy"]  # `vercel` alone deploys a preview

    def effects(self, inv: Invocation, opts: Options, nouns: list[str], verb: str, targets: list[str],
                operation: Operation) -> list[Effect]:
        if nouns[:1] == ["env"] and verb == "pull":
            operation = "secret_read"
        return super().effects(inv, opts, nouns, verb, targets, operation)

    def kinds(self, nouns: list[str], verb: str, targets: list[str]) -> set[str]:
        found = super().kinds(nouns, verb, targets)
        if not nouns and verb in ("remove", "rm"):
            found.add(verb)
        return found

    def placement(self, inv: Invocation, opts: Options, names: Sequence[str] = ()) -> Placement:
        target = opts.value("--target", "--environment", "--env")
        if opts.has("--prod", "--production") or target == "production":
            return Placement("prod", "--prod deploys to production")
        if target:
            return inv.ctx.environments.classify("names", target, "--target")
        named = [n for n in names if n in ("production", "preview", "development")]
        if named:
            return inv.ctx.environments.classify("names", named[0], "the environment named")
        if names[:1] in (["deploy"], []) or "deploy" in names:
            return Placement("staging", "a preview deployment (without --prod) does not reach production")
        return super().placement(inv, opts, names)


class Netlify(Platform):
    NAMES = ("netlify",)
    colon_topics = True
    VALUE_OPTIONS = frozenset({"--site", "-s", "--auth", "--context", "--dir", "-d", "--functions", "-f",
                             "--alias", "--message", "-m", "--filter", "--scope", "--name", "-n"})
    env_flags = ("--context",)
    verbs: ClassVar[dict[str, Operation]] = {"deploy": "modify", "build": "read", "dev": "read", "serve": "read",
                                             "link": "read", "unlink": "read", "status": "read", "open": "read",
                                             "watch": "read", "init": "read", "invoke": "modify",
                                             "api": "unknown", "get": "secret_read", "unset": "delete",
                                             "import": "modify", "clone": "create", "list": "read"}
    whole_environment_nouns = frozenset({"site"})
    secret_nouns = frozenset({"env"})

    def refine(self, inv: Invocation, opts: Options, operation: Operation, verb: str, kinds: set[str],
               targets: list[str]) -> Operation:
        if "env" in kinds and verb == "list":
            return "secret_read"
        return super().refine(inv, opts, operation, verb, kinds, targets)

    def effects(self, inv: Invocation, opts: Options, nouns: list[str], verb: str, targets: list[str],
                operation: Operation) -> list[Effect]:
        if verb == "deploy" and not nouns:
            placement = (Placement("prod", "--prod deploys to production")
                         if opts.has("--prod", "-p", "--prodIfUnlocked") else
                         Placement("staging", "a draft deploy (without --prod) does not reach production"))
            return [inv.effect("modify", f"netlify:{opts.value('--site', '-s') or 'site'}/deploy", placement,
                               kind="site", summary="netlify deploy" + (" --prod" if placement.environment == "prod"
                                                                        else " (a draft)"))]
        return super().effects(inv, opts, nouns, verb, targets, operation)


class Railway(Platform):
    NAMES = ("railway",)
    VALUE_OPTIONS = frozenset({"-e", "--environment", "-s", "--service", "-p", "--project", "--set", "-d",
                             "--detach", "--json"})
    env_flags = ("-e", "--environment")
    name_variables = ("RAILWAY_ENVIRONMENT",)
    verbs: ClassVar[dict[str, Operation]] = {"up": "modify", "down": "delete", "delete": "delete",
                                             "variables": "secret_read", "redeploy": "modify", "add": "create",
                                             "domain": "create", "connect": "unknown", "shell": "unknown",
                                             "link": "read", "unlink": "read", "status": "read", "list": "read",
                                             "open": "read", "logs": "read", "environment": "read",
                                             "service": "read", "run": "read", "docs": "read"}
    whole_environment_nouns = frozenset({"delete"})
    data_nouns = frozenset({"volume"})

    def analyze(self, inv: Invocation) -> list[Effect]:
        opts = self.walk(inv.words, stop_at_first_positional=True)
        if opts.positionals[:1] == ["run"]:
            command = opts.positional_words[1:]
            if command and command[0].value == "--":
                command = command[1:]
            if command:
                inv.run_argv(command, stdin=inv.stdin)
                return []
        return super().analyze(inv)

    def effects(self, inv: Invocation, opts: Options, nouns: list[str], verb: str, targets: list[str],
                operation: Operation) -> list[Effect]:
        if verb == "variables" and opts.has("--set"):
            operation = "modify"
        return super().effects(inv, opts, nouns, verb, targets, operation)

    def kinds(self, nouns: list[str], verb: str, targets: list[str]) -> set[str]:
        return super().kinds(nouns, verb, targets) | ({verb} if not nouns else set())


class Firebase(Platform):
    NAMES = ("firebase",)
    colon_topics = True
    VALUE_OPTIONS = frozenset({"--project", "-P", "--only", "--except", "--token", "--message", "-m", "--instance",
                             "--data", "-d", "--database", "--shallow", "--order-by", "--limit-to-first",
                             "--format", "--site", "--expires"})
    env_flags = ("--project", "-P")
    name_variables = ("FIREBASE_PROJECT", "GCLOUD_PROJECT")
    where_unknown = "no --project says which Firebase project this is (.firebaserc is not read)"
    verbs: ClassVar[dict[str, Operation]] = {"deploy": "modify", "disable": "modify", "export": "secret_read",
                                             "access": "secret_read", "use": "read", "serve": "read",
                                             "emulators": "read", "start": "read", "exec": "read",
                                             "sdkconfig": "read", "push": "modify", "set": "replace",
                                             "remove": "delete", "destroy": "delete"}
    data_nouns = frozenset({"firestore", "database", "storage"})
    secret_nouns = frozenset({"config", "secret", "secrets"})

    def refine(self, inv: Invocation, opts: Options, operation: Operation, verb: str, kinds: set[str],
               targets: list[str]) -> Operation:
        if "auth" in kinds and verb == "export":
            return "secret_read"
        return super().refine(inv, opts, operation, verb, kinds, targets)

    def effects(self, inv: Invocation, opts: Options, nouns: list[str], verb: str, targets: list[str],
                operation: Operation) -> list[Effect]:
        effects = super().effects(inv, opts, nouns, verb, targets, operation)
        if effects and nouns[:1] == ["firestore"] and verb == "delete":
            import msgspec

            every = opts.has("--all-collections")
            effects[0] = msgspec.structs.replace(
                effects[0], scope="all" if every else "many" if opts.has("-r", "--recursive") else "one",
                whole_environment=every, data_loss=True)
        return effects


class Wrangler(Platform):
    NAMES = ("wrangler",)
    VALUE_OPTIONS = frozenset({"-e", "--env", "-c", "--config", "--name", "--command", "--file", "--binding",
                             "--namespace-id", "--preview-id", "--compatibility-date", "--var", "--route",
                             "--project-name", "--branch", "--jurisdiction", "--message", "--tag"})
    env_flags = ("-e", "--env")
    where_unknown = "no --env names the Wrangler environment, and the top-level one is usually production"
    verbs: ClassVar[dict[str, Operation]] = {"deploy": "modify", "publish": "modify", "dev": "read",
                                             "tail": "read", "rollback": "modify", "types": "read",
                                             "generate": "read", "docs": "read", "execute": "modify",
                                             "versions": "read", "deployments": "read", "info": "read"}
    data_nouns = frozenset({"d1", "namespace", "bucket", "queue", "vectorize", "kv", "r2"})
    whole_environment_nouns = frozenset({"project"})

    def command_words(self, positionals: list[str]) -> list[str]:
        # `kv:namespace delete` is `kv namespace delete`
        return [part for word in positionals[:1] for part in word.split(":")] + positionals[1:]

    def kinds(self, nouns: list[str], verb: str, targets: list[str]) -> set[str]:
        found = super().kinds(nouns, verb, targets)
        if not nouns and verb == "delete":
            found.add("project")  # `wrangler delete` removes the whole Worker
        if found & {"key", "object"}:
            found -= {"kv", "r2", "namespace", "bucket"}
        return found

    def effects(self, inv: Invocation, opts: Options, nouns: list[str], verb: str, targets: list[str],
                operation: Operation) -> list[Effect]:
        if nouns[:1] == ["d1"] and verb == "execute":
            sql = (opts.value("--command") or "").strip().lower()
            first = sql.split(None, 1)[0] if sql else ""
            operation = "read" if first in ("select", "with", "pragma", "explain") else (
                "delete" if first in ("delete", "drop", "truncate") else "modify")
        return super().effects(inv, opts, nouns, verb, targets, operation)

    def placement(self, inv: Invocation, opts: Options, names: Sequence[str] = ()) -> Placement:
        if opts.has("--local"):
            return Placement(LOCAL, "--local acts on the local development copy")
        return super().placement(inv, opts, names)


class LinodeCli(Platform):
    NAMES = ("linode-cli",)
    hyphen_verbs = True
    VALUE_OPTIONS = frozenset({"--label", "--region", "--type", "--image", "--root_pass", "--as-user", "--text",
                             "--format", "--delimiter", "--page", "--page-size"})
    data_nouns = frozenset({"volume", "database", "object-storage", "bucket", "backup", "image", "domain",
                            "snapshot"})
    whole_environment_nouns = frozenset({"lke", "cluster"})
    permission_nouns = frozenset({"firewall", "user", "token", "sshkey", "grant"})

    def kinds(self, nouns: list[str], verb: str, targets: list[str]) -> set[str]:
        return super().kinds(nouns, verb, targets) | {singular(t) for t in verb_tokens(verb)}


class Hcloud(Platform):
    NAMES = ("hcloud",)
    VALUE_OPTIONS = frozenset({"--context", "-o", "--output", "--type", "--image", "--location", "--datacenter",
                             "--ssh-key", "--name", "--size", "--server", "--label", "--selector", "-l",
                             "--network", "--firewall"})
    env_flags = ("--context",)
    name_variables = ("HCLOUD_CONTEXT",)
    verbs: ClassVar[dict[str, Operation]] = {"poweroff": "host_control", "shutdown": "host_control",
                                             "reboot": "host_control", "reset": "host_control",
                                             "poweron": "modify", "rebuild": "replace",
                                             "ssh": "host_control", "request-console": "host_control"}
    data_nouns = frozenset({"volume", "image", "snapshot", "server"})
    permission_nouns = frozenset({"firewall", "ssh-key", "certificate"})

    def kinds(self, nouns: list[str], verb: str, targets: list[str]) -> set[str]:
        found = super().kinds(nouns, verb, targets)
        if verb != "rebuild":
            found.discard("server")  # deleting a server loses its disk, but a rebuild is what wipes it in place
        return found

    def effects(self, inv: Invocation, opts: Options, nouns: list[str], verb: str, targets: list[str],
                operation: Operation) -> list[Effect]:
        if nouns[:1] == ["context"]:
            return [inv.effect("read", "hcloud:context", Placement(LOCAL, "hcloud's own settings"),
                               reversible="yes", summary=f"hcloud context {verb}")]
        return super().effects(inv, opts, nouns, verb, targets, operation)


class CloudCli(Platform):
    """oci and ibmcloud: `TOOL SERVICE NOUN… VERB --param VALUE…`, with hyphenated verbs in places
    (`service-instance-delete`, `bucket-delete`)."""
    NAMES = ("oci", "ibmcloud", "ic")

    hyphen_verbs = True
    verbs: ClassVar[dict[str, Operation]] = {"terminate": "delete", "rm": "delete", "target": "read",
                                             "bulk-delete": "delete", "ssh": "host_control"}
    data_nouns = frozenset({"database", "autonomous-database", "db-system", "bucket", "object", "volume",
                            "boot-volume", "backup", "file-system", "vault", "secret", "cos", "service-instance",
                            "db", "instance-pool", "snapshot", "key"})
    whole_environment_nouns = frozenset({"compartment", "cluster", "stack", "resource-group", "ks"})
    permission_nouns = frozenset({"iam", "policy", "user", "group", "access-group", "service-id", "api-key",
                                  "security-list", "nsg", "dynamic-group"})
    env_flags = ("--profile", "-g")
    name_variables = ("OCI_CLI_PROFILE",)

    def walk(self, words: Sequence[Word], *, stop_at_first_positional: bool = False,
             takes_value: frozenset[str] | set[str] | None = None) -> Options:
        # every `--param` takes a value except the switches below (the CLIs' own convention)
        values = {w.value for w in words if w.value.startswith("-") and w.value not in CLOUD_SWITCHES}
        return parse_options(words, frozenset(values), stop_at_first_positional=stop_at_first_positional)

    def kinds(self, nouns: list[str], verb: str, targets: list[str]) -> set[str]:
        found = super().kinds(nouns, verb, targets) | {singular(t) for t in verb_tokens(verb)}
        if verb in ("bulk-delete",):
            found.add("object")
        return found

    def placement(self, inv: Invocation, opts: Options, names: Sequence[str] = ()) -> Placement:
        named = [v for flag in ("--name", "--bucket-name", "--display-name", "--bucket", "--cluster")
                 for v in opts.values(flag) if v]
        return super().placement(inv, opts, [*names, *named])


CLOUD_SWITCHES = frozenset({"--force", "-f", "--all", "--empty", "--debug", "--no-retry", "--raw-output",
                            "--wait-for-state-succeeded", "--recursive", "-q", "--quiet", "--help", "-h",
                            "--version", "-v", "--skip-confirmation-prompt"})


# --- machines: VMs, images, configuration management ----------------------------------------------------

class Virsh(Platform):
    NAMES = ("virsh",)
    VALUE_OPTIONS = frozenset({"-c", "--connect", "-d", "--debug", "-l", "--log", "-k", "--keepalive-interval",
                             "-K", "--keepalive-count", "--pool", "--file", "--snapshotname"})
    on_this_machine = True
    verbs: ClassVar[dict[str, Operation]] = {
        "list": "read", "dominfo": "read", "dumpxml": "read", "domstate": "read", "capabilities": "read",
        "nodeinfo": "read", "domblklist": "read", "domifaddr": "read", "console": "host_control",
        "destroy": "host_control", "shutdown": "host_control", "reboot": "host_control", "reset": "host_control",
        "suspend": "host_control", "managedsave": "host_control", "undefine": "delete", "vol-delete": "delete",
        "vol-wipe": "delete", "pool-delete": "delete", "pool-destroy": "host_control", "net-destroy":
        "host_control", "net-undefine": "delete", "snapshot-delete": "delete", "start": "modify",
        "create": "create", "define": "create", "resume": "modify", "snapshot-revert": "replace",
    }
    data_nouns = frozenset({"vol", "pool", "snapshot", "storage"})

    def kinds(self, nouns: list[str], verb: str, targets: list[str]) -> set[str]:
        found = super().kinds(nouns, verb, targets) | {singular(t) for t in verb_tokens(verb)}
        return found

    def effects(self, inv: Invocation, opts: Options, nouns: list[str], verb: str, targets: list[str],
                operation: Operation) -> list[Effect]:
        effects = super().effects(inv, opts, nouns, verb, targets, operation)
        if verb == "undefine" and effects and opts.has("--remove-all-storage", "--storage", "--wipe-storage"):
            import msgspec

            effects[0] = msgspec.structs.replace(effects[0], data_loss=True, kind="vm with its disks")
        return effects

    def placement(self, inv: Invocation, opts: Options, names: Sequence[str] = ()) -> Placement:
        """qemu:///system is this machine's hypervisor; qemu+ssh://HOST/system is that host's."""
        uri = opts.value("-c", "--connect") or inv.ctx.getenv("LIBVIRT_DEFAULT_URI") or ""
        host = uri.split("://", 1)[1].split("/", 1)[0] if "://" in uri else ""
        if host and host != "localhost":
            return address_placement(inv, host, "libvirt connection")
        return super().placement(inv, opts, names)


class VBoxManage(Platform):
    NAMES = ("VBoxManage", "vboxmanage")
    on_this_machine = True
    verbs: ClassVar[dict[str, Operation]] = {
        "list": "read", "showvminfo": "read", "showmediuminfo": "read", "metrics": "read", "guestproperty": "read",
        "startvm": "modify", "modifyvm": "modify", "createvm": "create", "registervm": "create",
        "clonevm": "create", "import": "create", "export": "read", "storageattach": "modify",
        "sharedfolder": "modify", "unregistervm": "delete", "closemedium": "delete", "discardstate": "delete",
        "controlvm": "host_control", "snapshot": "modify", "createmedium": "create", "modifymedium": "modify",
    }

    def find_verb(self, words: list[str]) -> tuple[int, Operation] | None:
        if not words or words[0].lower() not in self.verbs:
            return None
        verb = words[0].lower()
        if verb == "snapshot" and len(words) > 2 and words[2] in ("delete", "restore", "restorecurrent"):
            return 0, "delete" if words[2] == "delete" else "replace"
        return 0, self.verbs[verb]

    def effects(self, inv: Invocation, opts: Options, nouns: list[str], verb: str, targets: list[str],
                operation: Operation) -> list[Effect]:
        effects = super().effects(inv, opts, nouns, verb, targets, operation)
        if effects and operation in ("delete", "replace") and (opts.has("--delete", "--delete-all")
                                                               or verb.lower() == "snapshot"):
            import msgspec

            effects[0] = msgspec.structs.replace(effects[0], data_loss=True)
        return effects


class Vagrant(Platform):
    NAMES = ("vagrant",)
    on_this_machine = True
    verbs: ClassVar[dict[str, Operation]] = {"destroy": "delete", "up": "modify", "halt": "host_control",
                                             "reload": "host_control", "provision": "modify", "suspend":
                                             "host_control", "resume": "modify", "ssh": "host_control",
                                             "status": "read", "global-status": "read", "ssh-config": "read",
                                             "port": "read", "validate": "read", "box": "read", "plugin": "read",
                                             "snapshot": "modify", "package": "create", "share": "permission",
                                             "cloud": "publish"}
    all_flags = frozenset({"--all"})

    def placement(self, inv: Invocation, opts: Options, names: Sequence[str] = ()) -> Placement:
        return Placement(LOCAL, "vagrant VMs of this project run on this machine")

    def effects(self, inv: Invocation, opts: Options, nouns: list[str], verb: str, targets: list[str],
                operation: Operation) -> list[Effect]:
        if verb == "box" and targets[:1] in (["remove"], ["prune"]):
            operation = "delete"
        if verb == "ssh" and opts.value("-c", "--command"):
            inv.run_script(opts.value("-c", "--command") or "", ctx=inv.ctx.clone(
                remote="vagrant", remote_placement=Placement(LOCAL, "a vagrant VM of this project")),
                origin="vagrant ssh -c")
            return []
        return super().effects(inv, opts, nouns, verb, targets, operation)

    VALUE_OPTIONS = frozenset({"-c", "--command", "--provider", "--provision-with"})


class Packer(Platform):
    NAMES = ("packer",)
    LONG_SINGLE_DASH = True
    VALUE_OPTIONS = frozenset({"-var", "-var-file", "-only", "-except", "-on-error", "-parallel-builds"})
    verbs: ClassVar[dict[str, Operation]] = {"build": "create", "validate": "read", "fmt": "read",
                                             "inspect": "read", "init": "read", "console": "read",
                                             "version": "read", "plugins": "read", "hcl2_upgrade": "read"}
    where_unknown = "a build creates machines and images in whatever account its credentials reach"

    def placement(self, inv: Invocation, opts: Options, names: Sequence[str] = ()) -> Placement:
        variables = [v.split("=", 1)[1] for v in opts.values("-var") if "=" in v]
        return super().placement(inv, opts, [*names, *variables])


class Circleci(Platform):
    NAMES = ("circleci",)
    VALUE_OPTIONS = frozenset({"--org-slug", "--org-id", "--token", "--host", "--integration", "-c", "--config",
                             "--branch", "--job"})
    address_flags = ("--host",)
    verbs: ClassVar[dict[str, Operation]] = {"publish": "publish", "validate": "read", "process": "read",
                                             "pack": "read", "execute": "read", "diagnostic": "read",
                                             "setup": "read", "open": "read", "follow": "read", "info": "read",
                                             "store-secret": "modify", "remove-secret": "delete",
                                             "trigger": "modify"}
    local_verbs = Platform.local_verbs | {"diagnostic", "setup", "version"}
    local_nouns = frozenset({"local", "config"})  # `circleci config validate`, `circleci local execute`
    nouns = frozenset({"config", "context", "orb", "namespace", "pipeline", "policy", "project", "local",
                       "runner", "trigger"})
    data_nouns = frozenset({"context", "namespace", "orb", "secret"})


class JenkinsCli(Platform):
    NAMES = ("jenkins-cli",)
    LONG_SINGLE_DASH = True
    VALUE_OPTIONS = frozenset({"-s", "-auth", "-i", "-p", "-logger", "-user", "-f"})
    address_flags = ("-s",)
    address_variables = ("JENKINS_URL",)
    where_unknown = "no -s or JENKINS_URL says which Jenkins this is"
    verbs: ClassVar[dict[str, Operation]] = {
        "who-am-i": "read", "console": "read", "groovy": "execute_opaque", "groovysh": "execute_opaque",
        "safe-restart": "host_control", "restart": "host_control", "shutdown": "host_control",
        "safe-shutdown": "host_control", "quiet-down": "host_control", "cancel-quiet-down": "modify",
        "offline-node": "host_control", "online-node": "modify", "disconnect-node": "host_control",
        "connect-node": "modify", "build": "modify", "copy-job": "create", "clear-queue": "modify",
        "get-credentials-as-xml": "secret_read", "install-plugin": "modify", "reload-configuration": "modify",
    }
    hyphen_verbs = True
    data_nouns = frozenset({"job", "build", "credential", "credentials-domain"})

    def kinds(self, nouns: list[str], verb: str, targets: list[str]) -> set[str]:
        return super().kinds(nouns, verb, targets) | {singular(t) for t in verb_tokens(verb)}

    def placement(self, inv: Invocation, opts: Options, names: Sequence[str] = ()) -> Placement:
        # job and view names say more than a jenkins host: deploy-prod is a production job
        envs = inv.ctx.environments
        named = [envs.classify("names", n, "the job name") for n in names[:1] if n]
        known = [p for p in named if p.environment != UNKNOWN]
        return known[0] if known else super().placement(inv, opts, ())


# --- ansible ----------------------------------------------------------------------------------------------

ANSIBLE_VALUES = frozenset({
    "-i", "--inventory", "--inventory-file", "-l", "--limit", "-e", "--extra-vars", "-t", "--tags", "--skip-tags",
    "-u", "--user", "--become-user", "--become-method", "-f", "--forks", "-M", "--module-path", "--vault-id",
    "--vault-password-file", "--private-key", "--key-file", "-c", "--connection", "-T", "--timeout",
    "--start-at-task", "--ssh-common-args", "--ssh-extra-args", "--scp-extra-args", "--sftp-extra-args",
    "-m", "--module-name", "-a", "--args", "-B", "--background", "-P", "--poll", "-o", "--tree",
})
ANSIBLE_READ_MODULES = frozenset({"ping", "setup", "debug", "gather_facts", "stat", "find", "command_info",
                                  "service_facts", "package_facts", "getent", "wait_for", "uri"})
ANSIBLE_SHELL_MODULES = frozenset({"command", "shell", "raw", "ansible.builtin.command", "ansible.builtin.shell",
                                   "ansible.builtin.raw"})
ANSIBLE_HOST_MODULES = frozenset({"service", "systemd", "reboot", "ansible.builtin.service",
                                  "ansible.builtin.systemd", "ansible.builtin.reboot"})
ANSIBLE_PERMISSION_MODULES = frozenset({"user", "group", "authorized_key", "ansible.builtin.user",
                                        "ansible.builtin.group", "ansible.posix.authorized_key"})
ENV_VARIABLE_KEYS = ("env", "environment", "stage", "target", "deploy_env", "tier")


class Ansible(Platform):
    """ansible and ansible-playbook: changes on the hosts an inventory names, placed by the inventory, the
    host pattern or `--limit`; ad-hoc `-m shell -a CMD` runs CMD there."""
    NAMES = (
        "ansible", "ansible-playbook", "ansible-vault", "ansible-galaxy", "ansible-inventory",
        "ansible-config", "ansible-doc", "ansible-lint", "ansible-pull", "ansible-console",
    )

    VALUE_OPTIONS = ANSIBLE_VALUES

    def analyze(self, inv: Invocation) -> list[Effect]:
        opts = self.walk(inv.words)
        if inv.name == "ansible-vault":
            return self.vault(inv, opts)
        if inv.name in ("ansible-inventory", "ansible-config", "ansible-doc", "ansible-lint", "ansible-test",
                        "ansible-console") or opts.has("--version", "-h", "--help"):
            return [inv.effect("read", f"{inv.name}:", Placement(LOCAL, "it only reads"), reversible="yes",
                               summary=f"{inv.name} (read-only)")]
        if inv.name == "ansible-galaxy":
            return [inv.effect("modify", "ansible-galaxy:collections", Placement(LOCAL, "roles and collections "
                                                                                       "installed for this user"),
                               reversible="yes", summary=f"ansible-galaxy {' '.join(opts.positionals[:2])}")]
        pattern = opts.positionals[0] if inv.name == "ansible" and opts.positionals else ""
        placement = self.place_hosts(inv, opts, pattern)
        hosts = opts.value("-l", "--limit") or pattern or "all"
        resource = f"ansible:{opts.value('-i', '--inventory', '--inventory-file') or '?'}/{hosts}"
        scope: Scope = "all" if hosts in ("all", "*") and not opts.value("-l", "--limit") else "many"
        if opts.has("--check", "-C", "--syntax-check", "--list-hosts", "--list-tasks", "--list-tags"):
            return [inv.effect("read", resource, placement, reversible="yes", summary=f"{inv.name} (a dry run)")]
        if inv.name == "ansible":
            return self.ad_hoc(inv, opts, resource, placement, scope, hosts)
        playbooks = " ".join(opts.positionals[:2])
        return [inv.effect("modify", resource, placement, scope=scope, kind="hosts", tags=("configuration",),
                           summary=f"runs playbook {playbooks} against {hosts}",
                           suggestions=(f"see what it would change first: {inv.text.strip()} --check --diff",))]

    def ad_hoc(self, inv: Invocation, opts: Options, resource: str, placement: Placement, scope: Scope,
               hosts: str) -> list[Effect]:
        module = opts.value("-m", "--module-name") or "command"
        arguments = opts.value("-a", "--args") or ""
        if module in ANSIBLE_READ_MODULES:
            return [inv.effect("read", resource, placement, reversible="yes", summary=f"ansible -m {module}")]
        if module in ANSIBLE_SHELL_MODULES and arguments:
            ctx = inv.ctx.clone(remote=hosts, remote_placement=placement,
                                elevated=opts.has("-b", "--become"))
            inv.run_script(arguments, ctx=ctx, origin=f"ansible -m {module}")
            return []
        if module in ("file", "ansible.builtin.file") and "state=absent" in arguments:
            path = next((p.split("=", 1)[1] for p in arguments.split() if p.startswith(("path=", "dest=",
                                                                                         "name="))), "?")
            return [inv.effect("delete", f"fs://{hosts}{path}", placement, scope="many", reversible="no",
                               kind="path", tags=("recursive",), summary=f"ansible deletes {path} on {hosts}")]
        operation: Operation = ("host_control" if module in ANSIBLE_HOST_MODULES else "permission"
                                if module in ANSIBLE_PERMISSION_MODULES else "modify")
        return [inv.effect(operation, resource, placement, scope=scope, kind="hosts",
                           summary=f"ansible -m {module} {arguments[:60]} on {hosts}".rstrip())]

    def place_hosts(self, inv: Invocation, opts: Options, pattern: str) -> Placement:
        envs = inv.ctx.environments
        if opts.value("-c", "--connection") == "local":
            return Placement(LOCAL, "--connection local runs on this machine")
        inventory = opts.value("-i", "--inventory", "--inventory-file") or ""
        candidates: list[Placement] = []
        if inventory and "," in inventory:  # an inline host list
            hosts = [h for h in inventory.split(",") if h][:16]
            candidates.extend(envs.host(h, "inventory host") for h in hosts)
        elif inventory:
            resolved = inv.ctx.resolve(inventory) or inventory
            parts = [p for p in resolved.split("/") if p][-3:]
            candidates.extend(envs.classify("names", p.rsplit(".", 1)[0], "the inventory") for p in parts)
        for value in [opts.value("-l", "--limit") or "", pattern]:
            if value and value not in ("all", "*"):
                candidates.append(envs.classify("names", value, "the host pattern"))
        for assignment in opts.values("-e", "--extra-vars"):
            for pair in assignment.split()[:16]:
                key, eq, value = pair.partition("=")
                if eq and key.lower() in ENV_VARIABLE_KEYS:
                    candidates.append(envs.classify("names", value, f"-e {key}"))
        known = [p for p in candidates if p.environment != UNKNOWN]
        if known:
            worst = most_severe(p.environment for p in known)
            return next(p for p in known if p.environment == worst)
        if candidates and all(p.environment == LOCAL for p in candidates):
            return candidates[0]
        return Placement(UNKNOWN, "neither the inventory nor the host pattern says which environment these hosts "
                                  "are in (unknown is treated as prod)")

    def vault(self, inv: Invocation, opts: Options) -> list[Effect]:
        sub = opts.positionals[0] if opts.positionals else ""
        files = opts.positionals[1:]
        if sub in ("view", "decrypt") and not (sub == "decrypt" and opts.value("--output")):
            return [inv.effect("secret_read", f"fs:{inv.ctx.resolve(files[0]) if files else '?'}",
                               Placement(LOCAL, "decrypting happens on this machine"), kind="vault file",
                               reversible="yes", summary=f"ansible-vault {sub} prints the decrypted secrets")]
        if sub in ("encrypt", "create", "edit", "rekey", "decrypt") and files:
            return [inv.fs("modify", files[0], reversible="unknown", summary=f"ansible-vault {sub} {files[0]}")]
        return [inv.effect("read", "ansible-vault:", Placement(LOCAL, "it prints ciphertext"), reversible="yes",
                           summary=f"ansible-vault {sub}")]

