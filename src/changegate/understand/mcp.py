"""MCP tool calls: what a `tools/call` would do, from the tool's name, its arguments and its annotations.

Three signals, in order of trust:

1. Arguments that carry an action of their own (`command`, `sql`, `url`, a local `path` …) are understood
   by the same analyzers as every other action: a tool that runs `rm -rf /srv` is judged as `rm -rf /srv`.
2. The tool's name: its verb (delete_repository, drop_table, create_issue, list_…, get_…) says what kind of
   change it makes, its object (repository, database, table) says how much is at stake.
3. The server's annotations (`readOnlyHint`, `destructiveHint`, …) are hints: they can make a call look
   more dangerous, never less — a tool whose name says delete is a delete whatever `readOnlyHint` says. Only
   a name with no verb at all lets `readOnlyHint: true` make it a read.

A tool acts on whatever its server is connected to, which changegate cannot see: unless an argument places
it (a URL, a host, a local path, a name like `prod`), its environment is unknown, which the default policy
treats as prod.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from itertools import pairwise
from typing import Any

from changegate.environments import UNKNOWN, Environments, Placement, most_severe
from changegate.model import Action, Effect, Operation
from changegate.understand import Understanding, session_context, understand
from changegate.understand.base import NotUnderstood
from changegate.understand.placement import place_host, place_name, place_url

MAX_ARGUMENT_BYTES = 256 * 1024  # larger argument documents are not read (fail closed)
MAX_ARGUMENT_DEPTH = 12
MAX_ARGUMENT_NODES = 5000
MAX_CARRIED_ACTIONS = 8  # actions found in one call's arguments

# --- the tool's name -----------------------------------------------------------------------------------

# Verb -> operation. Ordered by severity below, so `create_or_update_file` is a modify and `get_and_delete`
# a delete.
VERBS: dict[str, Operation] = {
    **dict.fromkeys(
        ("get", "list", "read", "search", "find", "fetch", "show", "describe", "view", "lookup", "count",
         "query", "status", "diff", "log", "blame", "inspect", "explain", "download", "export", "watch",
         "tree", "info", "check", "validate", "preview", "plan", "ls", "cat", "head", "tail", "stat", "scan",
         "browse", "resolve_library", "open", "summarize", "analyze", "compare", "ping", "echo", "whoami",
         "me", "test", "lint", "evaluate", "estimate", "retrieve", "select", "grep", "glob", "dump",
         "screenshot", "navigate", "wait", "hover", "think", "recall", "resolve_library"),
        "read",
    ),
    **dict.fromkeys(
        ("create", "add", "new", "insert", "post", "upload", "fork", "star", "comment", "make", "mkdir",
         "touch", "copy", "clone", "init", "generate", "register", "provision", "launch", "start", "save",
         "store", "remember", "append", "observe", "tag", "label", "link", "subscribe", "schedule", "book",
         "reply", "react", "import", "install", "build", "compile", "restore", "duplicate", "attach"),
        "create",
    ),
    **dict.fromkeys(
        ("update", "edit", "set", "change", "rename", "move", "mv", "merge", "push", "patch", "write", "put",
         "replace", "assign", "unassign", "mark", "dismiss", "resolve", "unresolve", "reprioritize", "request",
         "submit", "approve", "lock", "unlock", "enable", "disable", "commit", "checkout", "reset", "apply",
         "run", "trigger", "dispatch", "execute", "exec", "invoke", "call", "rerun", "retry", "cancel",
         "close", "reopen", "archive", "unarchive", "transfer", "migrate", "deploy", "rollback", "restart",
         "stop", "scale", "resize", "upgrade", "downgrade", "configure", "toggle", "sync", "rebase",
         "stage", "unstage", "modify", "alter", "click", "type", "fill", "press", "drag", "upsert", "unstar",
         "unsubscribe", "pin", "unpin", "convert", "transition", "manage", "sort", "format", "fix", "refresh",
         "rotate", "renew", "suspend", "resume", "pause", "detach", "evaluate_script", "run_script"),
        "modify",
    ),
    **dict.fromkeys(
        ("grant", "revoke", "invite", "authorize", "share", "unshare", "chmod", "chown", "impersonate",
         "permit", "allow", "deny", "block", "unblock", "promote", "demote"),
        "permission",
    ),
    **dict.fromkeys(
        ("publish", "unpublish", "release", "send", "notify", "email", "message", "tweet", "announce",
         "broadcast", "mail", "sms", "page", "alert"),
        "publish",
    ),
    **dict.fromkeys(
        ("delete", "remove", "rm", "drop", "destroy", "purge", "truncate", "erase", "wipe", "terminate",
         "kill", "uninstall", "clear", "prune", "flush", "deregister", "unregister", "obliterate", "nuke",
         "discard", "unlink", "rmdir", "forget", "expunge", "shred", "teardown", "decommission", "evict",
         "delete_all", "tear_down"),
        "delete",
    ),
}
# Words that name things as often as they name actions: verbs only at the start or end of a name.
# verbs that name a computation on the call's own input as often as a change to a stored thing
COMPUTE_VERBS = frozenset({"convert", "format", "sort", "calculate", "compute", "translate", "parse", "render",
                           "validate", "preview", "transform", "encode", "decode", "summarize", "count"})
NOUN_LIKE_VERBS = frozenset({
    "request", "release", "commit", "tag", "label", "alert", "duplicate", "comment", "log", "message", "page",
    "post", "star", "link", "store", "snapshot", "plan", "check", "status", "tree", "info", "export",
    "import", "build", "schedule", "book", "patch", "set", "mail", "email", "sms", "type", "format", "sort",
    "test", "fix", "state", "report", "watch", "view", "show", "open", "share", "block", "allow", "deny",
    "stage", "call", "start", "stop", "pause", "resume", "cancel", "close", "lock", "merge", "push", "run",
    "diff", "blame", "dump", "scan", "preview", "me", "think", "recall", "count", "echo", "ping", "head",
    "tail", "stat", "sync", "transfer", "order", "record", "notify", "trigger", "dispatch",
    "manage", "refresh", "upgrade", "config", "configure", "reply", "react", "observe", "restore",
})
PHRASE_VERBS: dict[str, Operation] = {verb: op for verb, op in VERBS.items() if "_" in verb}
SEVERITY: dict[str, int] = {"read": 0, "create": 1, "modify": 2, "publish": 3, "permission": 3, "delete": 4,
                            "unknown": 2}
# Objects whose loss loses data (two approvals in prod), and objects that are a whole environment.
DATA_OBJECTS = frozenset({
    "repository", "repositories", "repo", "repos", "database", "databases", "db", "table", "tables",
    "bucket", "buckets", "volume", "volumes", "disk", "disks", "snapshot", "snapshots", "backup", "backups",
    "collection", "collections", "keyspace", "keyspaces", "schema", "schemas", "topic", "topics", "index",
    "indices", "indexes", "dataset", "datasets", "filesystem", "filesystems", "vault", "vaults",
})
WHOLE_OBJECTS = frozenset({
    "project", "projects", "cluster", "clusters", "namespace", "namespaces", "environment", "environments",
    "env", "stack", "stacks", "account", "accounts", "organization", "organizations", "org", "orgs",
    "workspace", "workspaces", "database", "databases", "subscription", "tenant", "site", "app", "service",
    "deployment", "instance", "instances", "server", "servers", "vpc", "zone", "domain",
})
SECRET_OBJECTS = frozenset({
    "secret", "secrets", "password", "passwords", "credential", "credentials", "token", "tokens",
    "apikey", "api_key", "private_key", "key", "keys", "env", "environ", "dotenv",
})
# Server names that act on the local machine: a `path` argument to these is a local file.
LOCAL_SERVERS = re.compile(r"(?i)(^|[-_ .])(filesystem|file|files|fs|desktop|local|git|shell|terminal|"
                           r"commander|os|editor|workspace|code|ide|jetbrains|vscode|serena)([-_ .]|$)")
# Arguments that say the target is remote: a path next to them is a path inside that remote thing.
REMOTE_LOCATORS = frozenset({
    "owner", "repo", "repository", "bucket", "project", "project_id", "projectid", "org", "organization",
    "account", "host", "hostname", "url", "uri", "endpoint", "server", "site", "space", "drive_id",
    "container", "namespace", "cluster", "instance", "database", "db", "table", "gist_id", "branch",
})

# --- arguments that carry an action --------------------------------------------------------------------

COMMAND_KEYS = ("command", "cmd", "commandline", "command_line", "shell_command", "script", "bash", "shell",
                "sh", "code_to_run", "run")
COMMAND_SUFFIXES = ("_command", "command", "_cmd", "_cmdline", "_commandline")
SQL_KEYS = ("sql", "statement", "sql_query", "query_sql", "stmt")
MAYBE_SQL_KEYS = ("query", "q", "code", "input")  # SQL only when the text reads as SQL
DATABASE_KEYS = ("database_url", "connection_string", "connectionstring", "dsn", "database", "db", "url",
                 "connection", "conn")
FILE_KEYS = ("path", "file_path", "filepath", "file", "filename", "file_name", "target", "target_path",
             "notebook_path", "absolute_path", "relative_path", "source", "source_path", "src")
DIRECTORY_KEYS = ("dir_path", "directory", "dir", "folder", "repo_path", "repository_path", "project_path",
                  "root", "root_path")
DESTINATION_KEYS = ("destination", "destination_path", "dest", "dst", "target_path", "new_path", "to")
PATH_LIST_KEYS = ("paths", "files", "file_paths", "filepaths")
OUTPUT_KEYS = ("output", "output_path", "output_file", "out", "outfile", "out_file", "save_to", "save_path",
               "save_as", "write_to", "export_path", "output_dir", "output_directory")
CONTENT_KEYS = ("content", "contents", "text", "file_text", "new_content", "data", "body", "new_source",
                "new_string", "new_str", "newtext", "new_text")
URL_KEYS = ("url", "uri", "endpoint", "href", "link")
METHOD_KEYS = ("method", "http_method", "verb")
CWD_KEYS = ("cwd", "working_directory", "workdir", "working_dir", "dir_path", "directory", "repo_path",
            "project_path", "root")
LOCATOR_NAMES = ("owner", "repo", "repository", "project", "bucket", "namespace", "cluster", "database",
                 "table", "name", "id", "path")
SQL_START = re.compile(
    r"(?is)^\s*(?:--[^\n]*\n\s*|/\*.*?\*/\s*)*(select|insert|update|delete|drop|alter|create|truncate|with|"
    r"grant|revoke|merge|replace|copy|vacuum|reindex|cluster|comment|set|reset|begin|start|commit|"
    r"rollback|explain|show|describe|desc|use|call|exec|execute|do|lock|analyze|refresh|attach|detach|"
    r"pragma|rename|upsert|load|unload)\b"
)
HTTP_READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Tool names that only say "runs what it is given": the command argument is the whole of what they do.
RUNNER_WORDS = frozenset({"run", "call", "exec", "execute", "invoke", "eval", "shell", "bash", "sh", "terminal",
                          "command", "cmd", "script", "code", "interactive", "process"})
# How an MCP server is started says where it acts: flags that name a target, variables that hold one.
MAX_START_WORDS = 64
START_NAME_FLAGS: dict[str, str] = {
    "--context": "kube_contexts", "--kube-context": "kube_contexts", "--kubecontext": "kube_contexts",
    "--profile": "aws_profiles", "--aws-profile": "aws_profiles", "--project": "gcp_projects",
    "--project-id": "gcp_projects", "--subscription": "azure_subscriptions", "--environment": "names",
    "--env": "names", "--stage": "names", "--workspace": "workspaces", "--cluster": "kube_contexts",
    "--namespace": "names", "--database": "names"}
START_URL_VARIABLES = ("DATABASE_URL", "POSTGRES_URL", "POSTGRES_CONNECTION_STRING", "MYSQL_URL", "MONGODB_URI",
                       "REDIS_URL", "DSN", "API_URL", "BASE_URL", "GITLAB_API_URL", "GITHUB_API_URL", "SENTRY_HOST")
START_NAME_VARIABLES: dict[str, str] = {
    "KUBE_CONTEXT": "kube_contexts", "AWS_PROFILE": "aws_profiles", "AWS_DEFAULT_PROFILE": "aws_profiles",
    "CLOUDSDK_CORE_PROJECT": "gcp_projects", "GOOGLE_CLOUD_PROJECT": "gcp_projects", "ENVIRONMENT": "names",
    "APP_ENV": "names", "RAILS_ENV": "names", "NODE_ENV": "names", "STAGE": "names", "TF_WORKSPACE": "workspaces"}


def understand_mcp_action(action: Action, environments: Environments) -> Understanding:
    """The effects of one MCP `tools/call`."""
    call = McpCall.of(action)
    effects: list[Effect] = []
    consulted: dict[str, str] = {}
    covered = False
    for carried, covers in list(call.carried_actions(environments))[:MAX_CARRIED_ACTIONS]:
        if isinstance(carried, Effect):
            effects.append(carried)
        else:
            understood = understand(carried, environments)
            effects.extend(understood.effects)
            consulted.update(understood.consulted)
        covered = covered or covers
    tool = call.tool_effect(environments)
    if not covered or not effects or (not call.only_runs_its_argument() and says_more(tool, effects)):
        # both count, and the stricter wins: a `command` argument does not make `drop_database` a shell call
        effects.append(tool)
    if call.started:
        consulted["mcp:server-started"] = call.started_text()
    return Understanding(effects, consulted)


def effect_severity(operation: str) -> int:
    return EFFECT_SEVERITY.get(operation, 3)


# The operations of nested effects, on the scale of the tool names' verbs (SEVERITY).
EFFECT_SEVERITY: dict[str, int] = {"read": 0, "create": 1, "modify": 2, "unknown": 2, "publish": 3,
                                   "permission": 3, "secret_read": 3, "execute_opaque": 3, "delete": 4,
                                   "replace": 4, "exfiltrate": 4, "host_control": 4}


def says_more(tool: Effect, carried: list[Effect]) -> bool:
    """Whether the tool's own effect is stricter than what its arguments carry: its name's verb is more
    severe, or its annotations say it destroys where nothing carried deletes."""
    worst = max((effect_severity(e.operation) for e in carried), default=-1)
    if effect_severity(tool.operation) > worst:
        return True
    return "destructive-hint" in tool.tags and not any(e.operation in ("delete", "replace") for e in carried)


class McpCall:
    """One call, with its arguments checked for size and shape."""

    def __init__(self, action: Action, arguments: dict[str, Any]) -> None:
        self.action = action
        self.server = (action.server or "").strip() or "mcp"
        self.tool = (action.tool or "").strip()
        self.arguments = arguments
        self.annotations: Mapping[str, Any] = action.annotations or {}
        self.words = tool_words(self.tool)
        self.flat = {normalise_key(k): v for k, v in arguments.items()}
        # how the server is started, as the proxy that starts it says (Action.facts["mcp_server"])
        started = (action.facts or {}).get("mcp_server")
        self.started: dict[str, Any] = started if isinstance(started, dict) else {}

    @classmethod
    def of(cls, action: Action) -> McpCall:
        if not (action.tool or "").strip():
            raise NotUnderstood("an MCP call without a tool name", "not-understood")
        arguments = action.arguments or {}
        check_arguments(arguments)
        return cls(action, arguments)

    # --- what the name says -------------------------------------------------------------------------
    def only_runs_its_argument(self) -> bool:
        """A tool whose name says only that it runs what it is given (`run_command`, `execute`, `bash`):
        the command it carries is what it does."""
        return bool(RUNNER_WORDS & set(self.words)) and self.name_operation(
            [w for w in self.words if w not in RUNNER_WORDS]) in (None, "read")

    def name_operation(self, words: list[str] | None = None) -> Operation | None:
        """The operation the name's verb says. Names put the verb first (get_commit, create_or_update_file),
        after a namespace (github_delete_repository), or last (issue_read, git_push); words that are as
        often nouns (release, commit, alert, request) count as verbs only first or last."""
        words = self.words if words is None else words
        joined = "_".join(words)
        phrases = [op for verb, op in PHRASE_VERBS.items() if verb in joined]
        if phrases:
            return max(phrases, key=lambda op: SEVERITY[op])
        if words and words[0] in VERBS:
            # the leading verb, and any joined to it: create_or_update, search_and_replace
            found = [VERBS[words[0]]] + [VERBS[w] for prev, w in pairwise(words)
                                          if prev in ("or", "and", "then") and w in VERBS]
            return max(found, key=lambda op: SEVERITY[op])
        strong = [VERBS[w] for w in words if w in VERBS and w not in NOUN_LIKE_VERBS]
        if strong:
            return max(strong, key=lambda op: SEVERITY[op])
        if words and words[-1] in VERBS:
            return VERBS[words[-1]]
        return None

    def operation(self) -> tuple[Operation, str]:
        """The operation, and which signal decided it (for the evidence)."""
        named = self.name_operation()
        read_only = self.annotations.get("readOnlyHint") is True
        destructive = self.annotations.get("destructiveHint") is True
        if named is None:
            if destructive:
                return "delete", "its annotations say it is destructive (its name has no verb)"
            if read_only:
                return "read", "its annotations say it only reads (its name has no verb)"
            return "unknown", "neither its name nor its annotations say what it does"
        if named == "modify" and read_only and not destructive and self.verbs() <= COMPUTE_VERBS:
            # `convert_time`, `format_date`: a verb that works on its input as often as on a stored thing —
            # where the server says it only reads, it computes (its arguments' own effects still count)
            return "read", "its verb computes on its input and its annotations say it only reads"
        if named == "read" and self.object() in SECRET_OBJECTS:
            return "secret_read", f"its name says it reads {self.object()}"
        if named == "read" and destructive:
            return "modify", "its name says it reads, but its annotations say it is destructive"
        if named in ("create", "modify") and destructive and self.annotations.get("idempotentHint") is not True:
            return named, "its name says it changes things, and its annotations say it can destroy"
        return named, "its name says so"

    def verbs(self) -> set[str]:
        return {w for w in self.words if w in VERBS}

    def object(self) -> str:
        """The thing the tool acts on: the last word of its name that is not a verb."""
        nouns = [w for w in self.words if w not in VERBS and w not in ("or", "and", "by", "to", "from", "all")]
        return nouns[-1] if nouns else ""

    def tool_effect(self, environments: Environments) -> Effect:
        operation, why_op = self.operation()
        placement = self.placement(environments)
        obj = self.object()
        changes = operation not in ("read",)
        tags: list[str] = ["mcp"]
        if self.annotations.get("destructiveHint") is True:
            tags.append("destructive-hint")
        if self.annotations.get("openWorldHint") is True:
            tags.append("open-world")
        if operation == "unknown":
            tags.append("not-understood")
        scope, count = self.scope()
        if scope == "all":
            tags.append("all")
        data_loss = operation == "delete" and obj in DATA_OBJECTS
        whole = operation == "delete" and obj in WHOLE_OBJECTS
        target = self.target()
        resource = f"mcp:{self.server}/{self.tool}" + (f"/{target}" if target else "")
        shown_args = short_arguments(self.arguments)
        return Effect(
            operation=operation,
            resource=resource,
            environment=placement.environment,
            why_environment=placement.why,
            scope=scope,
            count=count,
            reversible="yes" if operation == "read" else ("no" if operation == "delete" else "unknown"),
            kind=obj or "tool",
            family="mcp",
            evidence=f"{self.server}.{self.tool}({shown_args})"[:300],
            summary=f"{SUMMARY_VERB[operation]} via MCP tool {self.server}.{self.tool}"
                    + (f" on {target}" if target else "") + f" ({why_op})",
            data_loss=data_loss,
            whole_environment=whole,
            tags=tuple(tags),
            suggestions=tuple(self.suggestions(operation, obj)) if changes else (),
        )

    def suggestions(self, operation: str, obj: str) -> list[str]:
        out: list[str] = []
        if operation == "delete":
            noun = obj or "target"
            out.append(f"call the tool's get/list counterpart first to show exactly which {noun} would go")
            if obj in ("repository", "repo", "repositories"):
                out.append("archive the repository instead of deleting it")
        elif operation == "unknown":
            out.append("use a tool whose name says what it does (get_…, list_…, create_…)")
        return out

    def scope(self) -> tuple[Any, int | None]:
        for key, value in self.flat.items():
            if key in ("all", "recursive", "force_all", "delete_all") and value is True:
                return "all", None
        for key, value in self.flat.items():
            if isinstance(value, list) and len(value) > 1 and (
                    key.endswith(("ids", "names", "paths", "files", "entities", "items", "keys", "numbers"))):
                return "many", len(value)
        return "one", None

    def target(self) -> str:
        parts: list[str] = []
        for key in LOCATOR_NAMES:
            value = self.flat.get(key)
            if isinstance(value, str | int) and not isinstance(value, bool) and str(value).strip():
                text = str(value).strip()
                if text not in parts:
                    parts.append(text)
        return "/".join(parts)[:200]

    def placement(self, environments: Environments) -> Placement:
        """Where the tool's target lives: from URL/host arguments and names, else unknown."""
        found: list[Placement] = []
        for key, value in self.flat.items():
            if not isinstance(value, str) or not value:
                continue
            if key in URL_KEYS or key in ("database_url", "connection_string", "dsn") or "://" in value[:16]:
                found.append(environments.url(value, f"argument {key}"))
            elif key in ("host", "hostname", "server", "endpoint_host"):
                found.append(environments.host(value, f"argument {key}"))
            elif key in ("environment", "env", "stage", "context", "kube_context", "profile", "aws_profile",
                         "namespace", "cluster", "project", "project_id", "account", "workspace", "database"):
                named = environments.classify("names", value, f"argument {key}")
                if named.environment != UNKNOWN:
                    found.append(named)
        found.extend(self.server_placements(environments))
        if found:
            worst = most_severe(p.environment for p in found)
            return next(p for p in found if p.environment == worst)
        return Placement(UNKNOWN, f"MCP server {self.server!r} acts on systems changegate cannot see "
                                  "(unknown is treated as prod)")

    def server_placements(self, environments: Environments) -> list[Placement]:
        """Where the server acts, by what the gate trusts: the policy's mapping of its name, and how it is
        started (its command line's DSNs, URLs and context flags, its environment's connection variables,
        sent by the proxy that starts it). Its name alone only ever makes it stricter: anyone can call a
        server `prod-db-local`."""
        found: list[Placement] = []
        mapped = environments.mapped("names", self.server)
        if mapped:
            found.append(Placement(mapped, f"MCP server {self.server!r} is mapped to {mapped} by the policy"))
        else:
            named = environments.by_name(self.server)
            if named in ("prod", "staging"):
                found.append(Placement(named, f"MCP server {self.server!r} is named like {named}"))
        found.extend(self.started_placements(environments))
        return found

    def started_placements(self, environments: Environments) -> list[Placement]:
        """What the server's command line and environment say about where it acts."""
        command = self.started.get("command")
        words = [w for w in command[:MAX_START_WORDS] if isinstance(w, str)] if isinstance(command, list) else []
        found: list[Placement] = []
        for previous, word in zip(["", *words], words, strict=False):
            value = word.split("=", 1)[1] if word.startswith("--") and "=" in word else word
            flag = word.split("=", 1)[0] if word.startswith("--") and "=" in word else previous
            if "://" in value[:24]:
                found.append(place_url(environments, value, "the MCP server's command line"))
            elif flag in ("--host", "--hostname", "-h"):
                found.append(place_host(environments, value, f"the MCP server's {flag}"))
            elif flag in START_NAME_FLAGS:
                found.append(place_name(environments, value, f"the MCP server's {flag}", START_NAME_FLAGS[flag]))
        env = self.started.get("env")
        for name, value in (env.items() if isinstance(env, dict) else ()):
            if not isinstance(value, str) or not value:
                continue
            if name in START_URL_VARIABLES:
                found.append(place_url(environments, value, f"the MCP server's {name}"))
            elif name in ("PGHOST", "DB_HOST", "MYSQL_HOST"):
                found.append(place_host(environments, value, f"the MCP server's {name}"))
            elif name in START_NAME_VARIABLES:
                found.append(place_name(environments, value, f"the MCP server's {name}", START_NAME_VARIABLES[name]))
        return found

    def started_text(self) -> str:
        command = self.started.get("command")
        shown = " ".join(str(w) for w in command[:MAX_START_WORDS]) if isinstance(command, list) else ""
        return (shown or str(self.started.get("url") or "?"))[:500]

    def server_dsn(self) -> str | None:
        """The database the server's command line connects to (a postgres server's DSN argument)."""
        command = self.started.get("command")
        for word in command[:MAX_START_WORDS] if isinstance(command, list) else ():
            if isinstance(word, str) and re.match(r"(?i)^(postgres(ql)?|mysql|mariadb|sqlite|mongodb(\+srv)?|"
                                                  r"redis|mssql|sqlserver|clickhouse)://", word):
                return word
        env = self.started.get("env")
        for name in START_URL_VARIABLES:
            value = env.get(name) if isinstance(env, dict) else None
            if isinstance(value, str) and "://" in value:
                return value
        return None

    def kube_action(self, where: dict[str, Any]) -> Action | None:
        """A Kubernetes server's `resources_delete(kind=Namespace, name=payments)`: the kubectl call it amounts
        to, judged as that (which cluster, what the kind holds, a whole namespace)."""
        if not ({"kubernetes", "k8s", "kube", "kubectl"} & {*self.words, *tool_words(self.server)}):
            return None
        verb = {"delete": "delete", "read": "get"}.get(self.name_operation() or "")
        kind, name = self.flat.get("kind") or self.flat.get("resource_type"), self.flat.get("name")
        if verb is None or not isinstance(kind, str) or not isinstance(name, str) or not kind or not name:
            return None
        argv = ["kubectl", verb, kind, name]
        namespace = self.flat.get("namespace")
        if isinstance(namespace, str) and namespace:
            argv += ["-n", namespace]
        context = self.flat.get("context") or self.started_flag("--context") or \
            (self.started.get("env") or {}).get("KUBE_CONTEXT")
        if isinstance(context, str) and context:
            argv += ["--context", context]
        return Action(type="shell", argv=argv, **where)

    def started_flag(self, flag: str) -> str | None:
        command = self.started.get("command")
        words = [w for w in command[:MAX_START_WORDS] if isinstance(w, str)] if isinstance(command, list) else []
        for previous, word in zip(["", *words], words, strict=False):
            if word.startswith(flag + "="):
                return word.split("=", 1)[1]
            if previous == flag:
                return word
        return None

    def suffixed_command(self) -> str | None:
        """`cli_command`, `aws_command`, `kubectl_cmd`: a key that names a command by its suffix."""
        for key, value in self.flat.items():
            if isinstance(value, str) and value.strip() and key.endswith(COMMAND_SUFFIXES):
                return value
        return None

    # --- arguments that carry an action -------------------------------------------------------------
    def carried_actions(self, environments: Environments) -> Iterator[tuple[Action | Effect, bool]]:
        """(action or effect, covers the tool) for each action the arguments carry. Covering means the
        name's own effect adds nothing: a filesystem server's write_file into the workspace is that write."""
        where = self.where()
        command = self.first_string(COMMAND_KEYS) or self.suffixed_command()
        if command is not None:
            args = self.flat.get("args") or self.flat.get("arguments")
            if isinstance(args, list) and all(isinstance(a, str) for a in args):
                yield Action(type="shell", argv=[command, *args], **where), True
            else:
                yield Action(type="shell", command=command, **where), True
        sql = self.first_string(SQL_KEYS)
        if sql is None:
            maybe = self.first_string(MAYBE_SQL_KEYS)
            if maybe is not None and SQL_START.match(maybe):
                sql = maybe
        if sql is not None:
            database = self.first_string(DATABASE_KEYS) or self.server_dsn()
            yield Action(type="sql", statement=sql, database=database, **where), True
        yield from self.path_actions(where, environments)
        kube = self.kube_action(where)
        if kube is not None:
            yield kube, True
        url = self.first_string(URL_KEYS)
        if url is not None and re.match(r"(?i)^https?://", url) and sql is None:
            method = (self.first_string(METHOD_KEYS) or "").upper()
            operation = self.name_operation()
            if not method:
                method = "GET" if operation in (None, "read") else "POST"
            body = self.first_string(("body", "data", "payload", "json"))
            yield Action(type="http", method=method, url=url, body=body, **where), self.is_fetch_tool()

    def path_actions(self, where: dict[str, Any],
                     environments: Environments) -> Iterator[tuple[Action | Effect, bool]]:
        """A local file or directory the tool reads, writes, moves or deletes, as the equivalent action."""
        for output in self.output_paths():
            # where the tool puts its result is written, whatever its name or annotations say it does
            yield Action(type="file_write", path=output, content=None, **where), True
        files, directories = self.local_paths()
        if not files and not directories:
            return
        operation = self.name_operation() or ("read" if self.annotations.get("readOnlyHint") is True else None)
        if operation is None:
            return
        paths = files or directories
        recursive = bool(directories and not files) or any(
            self.flat.get(k) is True for k in ("recursive", "force", "recurse")) or any(
            w in self.words for w in ("directory", "dir", "folder", "rmdir", "tree"))
        if operation in ("read", "secret_read"):
            reader = "ls" if not files or any(w in self.words for w in ("list", "tree", "ls", "directory")) else "cat"
            yield Action(type="shell", argv=[reader, "--", *paths], **where), True
        elif operation == "delete":
            yield Action(type="shell", argv=["rm", *(["-r"] if recursive else []), "--", *paths], **where), True
        elif any(w in self.words for w in ("move", "rename", "mv", "copy", "cp")):
            destination = self.first_string(DESTINATION_KEYS)
            if destination is not None:
                tool = ["cp", "-r"] if any(w in self.words for w in ("copy", "cp")) else ["mv"]
                yield Action(type="shell", argv=[*tool, "--", paths[0], destination], **where), True
        elif operation == "create" and any(w in self.words for w in ("directory", "dir", "folder", "mkdir")):
            yield Action(type="shell", argv=["mkdir", "-p", "--", *paths], **where), True
        elif operation in ("create", "modify") and files:
            content = self.content()
            for path in files:
                yield Action(type="file_write", path=path, content=content, **where), True
        elif operation in ("create", "modify"):
            # a tool working inside a directory (a git server's repo_path): it changes what is under it
            for directory in directories:
                yield self.directory_effect(operation, directory, environments), True

    def directory_effect(self, operation: Operation, raw: str, environments: Environments) -> Effect:
        ctx = session_context(self.action.cwd, self.action.env, environments)
        path = ctx.resolve(raw)
        placement = ctx.place_path(path)
        shown = path or raw
        return Effect(
            operation=operation, resource=f"fs:{shown}", environment=placement.environment,
            why_environment=placement.why, scope="many", reversible="unknown", kind="directory",
            family="mcp", evidence=f"{self.server}.{self.tool}({short_arguments(self.arguments)})"[:300],
            summary=f"{SUMMARY_VERB[operation]} files under {shown} via MCP tool {self.server}.{self.tool}",
            tags=("mcp",),
        )

    def local_paths(self) -> tuple[list[str], list[str]]:
        """(files, directories) the tool touches on this machine: only for servers that work on local files
        (or absolute paths), and never next to an argument that names a remote thing (a GitHub `path` is a
        path inside a repository, not on this machine)."""
        if any(k in REMOTE_LOCATORS for k in self.flat):
            return [], []
        files: list[str] = []
        for key in FILE_KEYS:
            value = self.flat.get(key)
            if isinstance(value, str) and value.strip():
                files.append(value.strip())
                break
        for key in PATH_LIST_KEYS:
            value = self.flat.get(key)
            if isinstance(value, list):
                files.extend(v.strip() for v in value[:64] if isinstance(v, str) and v.strip())
        directories = [v.strip() for k in DIRECTORY_KEYS if isinstance(v := self.flat.get(k), str) and v.strip()]
        local_server = LOCAL_SERVERS.search(self.server) is not None
        if not local_server:
            files = files if files and all(p.startswith(("/", "~")) for p in files) else []
            directories = [d for d in directories if d.startswith(("/", "~"))]
        return files, directories[:1]

    def output_paths(self) -> list[str]:
        """Local paths an argument names as where the result goes (`output`, `save_to`, …)."""
        if any(k in REMOTE_LOCATORS for k in self.flat):
            return []
        local_server = LOCAL_SERVERS.search(self.server) is not None
        return [v.strip() for k in OUTPUT_KEYS if isinstance(v := self.flat.get(k), str) and v.strip()
                and (local_server or v.strip().startswith(("/", "~")))][:4]

    def content(self) -> str | None:
        text = self.first_string(CONTENT_KEYS)
        if text is not None:
            return text
        edits = self.flat.get("edits")
        if isinstance(edits, list):
            pieces = [str(e.get(k, "")) for e in edits[:256] if isinstance(e, dict)
                      for k in ("newText", "new_text", "new_string", "newString", "new_str") if k in e]
            return "\n".join(pieces) if pieces else None
        return None

    def is_fetch_tool(self) -> bool:
        return any(w in self.words for w in ("fetch", "http", "request", "get", "download", "curl", "browse",
                                              "navigate", "post", "webhook", "api"))

    def where(self) -> dict[str, Any]:
        cwd = self.action.cwd
        for key in CWD_KEYS:
            value = self.flat.get(key)
            if isinstance(value, str) and value.startswith("/"):
                cwd = value
                break
        return {"cwd": cwd, "env": self.action.env, "agent": self.action.agent}

    def first_string(self, keys: tuple[str, ...]) -> str | None:
        for key in keys:
            value = self.flat.get(key)
            if isinstance(value, str) and value.strip():
                return value
        return None


SUMMARY_VERB: dict[str, str] = {
    "read": "reads", "create": "creates", "modify": "changes", "delete": "deletes", "permission":
    "changes permissions", "publish": "publishes", "secret_read": "reads secrets", "unknown": "does something",
    "replace": "replaces", "exfiltrate": "sends data", "execute_opaque": "runs code", "host_control":
    "controls the host",
}


def tool_words(name: str) -> list[str]:
    """`deleteRepository`, `delete_repository`, `delete-repository`, `repo.delete` -> lower-case words."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", name[:200])
    return [w for w in re.split(r"[^A-Za-z0-9]+", spaced.lower()) if w]


def normalise_key(key: str) -> str:
    """`filePath`, `file-path`, `FILE_PATH` -> `file_path`."""
    return "_".join(tool_words(key))


def check_arguments(arguments: Any) -> None:
    """Fail closed on arguments too large or too deep to read."""
    if not isinstance(arguments, dict):
        raise NotUnderstood("the MCP call's arguments are not an object", "not-understood")
    nodes = 0
    size = 0
    stack: list[tuple[Any, int]] = [(arguments, 0)]
    while stack:
        value, depth = stack.pop()
        nodes += 1
        if nodes > MAX_ARGUMENT_NODES:
            raise NotUnderstood(f"the MCP call has more than {MAX_ARGUMENT_NODES} argument values", "too-large")
        if depth > MAX_ARGUMENT_DEPTH:
            raise NotUnderstood("the MCP call's arguments nest too deeply to read", "too-deep")
        if isinstance(value, dict):
            size += sum(len(str(k)) for k in value)
            stack.extend((v, depth + 1) for v in value.values())
        elif isinstance(value, list):
            stack.extend((v, depth + 1) for v in value)
        elif isinstance(value, str):
            size += len(value)
        if size > MAX_ARGUMENT_BYTES:
            raise NotUnderstood(f"the MCP call's arguments are larger than {MAX_ARGUMENT_BYTES // 1024} KiB",
                                "too-large")


def short_arguments(arguments: Mapping[str, Any], limit: int = 160) -> str:
    parts: list[str] = []
    for key, value in arguments.items():
        shown = repr(value) if not isinstance(value, dict | list) else ("{…}" if isinstance(value, dict) else "[…]")
        parts.append(f"{key}={shown[:60]}")
    return ", ".join(parts)[:limit]
