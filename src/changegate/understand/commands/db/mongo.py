"""mongosh and the legacy mongo shell: the server from a connection string, --host or host/db; the code from
--eval, script files (and the files they `load()`) or stdin, scanned (`lex/mongo.py`) for the calls that reach
the database and the replica-set and sharding helpers (`rs.stepDown()`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from changegate.environments import Placement
from changegate.model import Effect, Operation, Scope
from changegate.understand.base import Invocation
from changegate.understand.cli import Cli, Options
from changegate.understand.commands.db.common import (
    INTERACTIVE_TAGS,
    MAX_INCLUDE_DEPTH,
    absent_file,
    host_target,
    port_of,
    read_script,
    stdin_sql,
    url_target,
)
from changegate.understand.lex.mongo import DbCall, Token, empty_filter, first_key, scan, shell_commands
from changegate.understand.placement import escalate_by_name


@dataclass(frozen=True, slots=True)
class MongoVerb:
    operation: Operation
    what: str
    filtered: bool = False  # the first argument is a filter: `{}` or none means every document
    whole: bool = False
    data_loss: bool = False


COLLECTION_VERBS: dict[str, MongoVerb] = {
    **dict.fromkeys(("find", "findOne", "countDocuments", "count", "estimatedDocumentCount", "distinct", "explain",
                     "getIndexes", "stats", "dataSize", "storageSize", "totalSize", "totalIndexSize", "watch",
                     "exists", "latencyStats", "getShardDistribution", "isCapped", "validate", "getName",
                     "aggregate"), MongoVerb("read", "reads")),
    **dict.fromkeys(("insertOne", "insertMany", "insert", "save", "createIndex", "createIndexes", "ensureIndex"),
                    MongoVerb("create", "inserts into")),
    **dict.fromkeys(("updateOne", "replaceOne", "findOneAndUpdate", "findOneAndReplace", "findAndModify",
                     "hideIndex", "unhideIndex", "compactStructuredEncryptionData", "reIndex"),
                    MongoVerb("modify", "changes one document of")),
    **dict.fromkeys(("updateMany", "update"), MongoVerb("modify", "changes the matching documents of", filtered=True)),
    **dict.fromkeys(("deleteOne", "findOneAndDelete"), MongoVerb("delete", "deletes one document of")),
    **dict.fromkeys(("deleteMany", "remove"), MongoVerb("delete", "deletes the matching documents of", filtered=True)),
    "bulkWrite": MongoVerb("modify", "writes in bulk to"),
    "drop": MongoVerb("delete", "drops the collection", data_loss=True),
    **dict.fromkeys(("dropIndex", "dropIndexes"), MongoVerb("delete", "drops indexes of")),
    "renameCollection": MongoVerb("modify", "renames the collection"),
    "mapReduce": MongoVerb("modify", "runs map-reduce on"),
}
DATABASE_VERBS: dict[str, MongoVerb] = {
    "dropDatabase": MongoVerb("delete", "drops the whole database", whole=True, data_loss=True),
    **dict.fromkeys(("createUser", "updateUser", "dropUser", "dropAllUsers", "grantRolesToUser",
                     "revokeRolesFromUser", "createRole", "updateRole", "dropRole", "dropAllRoles",
                     "grantPrivilegesToRole", "revokePrivilegesFromRole", "grantRolesToRole", "changeUserPassword"),
                    MongoVerb("permission", "changes users or roles")),
    **dict.fromkeys(("shutdownServer", "fsyncLock", "killOp", "setProfilingLevel", "setLogLevel"),
                    MongoVerb("host_control", "controls the server")),
    **dict.fromkeys(("createCollection", "createView", "copyDatabase", "cloneDatabase", "cloneCollection"),
                    MongoVerb("create", "creates")),
    **dict.fromkeys(("getCollectionNames", "getCollectionInfos", "getName", "stats", "serverStatus", "version",
                     "hostInfo", "currentOp", "isMaster", "hello", "getUsers", "getUser", "getRoles", "getRole",
                     "listCommands", "printCollectionStats", "getProfilingStatus", "getReplicationInfo",
                     "printReplicationInfo", "serverBuildInfo", "serverCmdLineOpts", "getLogComponents",
                     "commandHelp", "help", "getMongo", "fsyncUnlock", "ping", "rotateCertificates",
                     "printSecondaryReplicationInfo", "printShardingStatus", "aggregate", "watch", "auth", "logout",
                     "setSecondaryOk", "getLastError"),
                    MongoVerb("read", "reads")),
}
# runCommand / adminCommand documents, by their first key.
COMMAND_DOCUMENTS: dict[str, MongoVerb] = {
    "dropDatabase": DATABASE_VERBS["dropDatabase"], "drop": COLLECTION_VERBS["drop"],
    "delete": MongoVerb("delete", "deletes documents", filtered=False), "update": MongoVerb("modify", "updates"),
    "insert": MongoVerb("create", "inserts"), "shutdown": MongoVerb("host_control", "shuts the server down"),
    "renameCollection": COLLECTION_VERBS["renameCollection"], "dropIndexes": COLLECTION_VERBS["dropIndexes"],
    "createUser": DATABASE_VERBS["createUser"], "dropUser": DATABASE_VERBS["dropUser"],
    "dropAllUsersFromDatabase": DATABASE_VERBS["dropAllUsers"], "grantRolesToUser": DATABASE_VERBS["createUser"],
    "setParameter": MongoVerb("host_control", "changes a server parameter"),
    "fsync": MongoVerb("host_control", "flushes or locks the server"),
    "replSetReconfig": MongoVerb("host_control", "reconfigures the replica set"),
    "replSetStepDown": MongoVerb("host_control", "steps the primary down"),
    "removeShard": MongoVerb("host_control", "removes a shard"),
    "compact": MongoVerb("modify", "compacts a collection"),
    "killOp": MongoVerb("host_control", "kills an operation"),
    "killSessions": MongoVerb("host_control", "kills sessions"),
    "create": MongoVerb("create", "creates a collection"),
    "createIndexes": MongoVerb("create", "creates indexes"),
}
# rs.… and sh.… helpers that only show the cluster's state.
CLUSTER_READS = frozenset({"status", "conf", "config", "help", "printReplicationInfo", "printSecondaryReplicationInfo",
                           "isMaster", "hello", "printSlaveReplicationInfo", "getBalancerState", "isBalancerRunning",
                           "getBalancerWindow", "balancerCollectionStatus", "getShardedDataDistribution",
                           "checkMetadataConsistency", "getShardVersion", "listShards"})
# Top-level names whose code changegate cannot follow: other files, other connections, the host's processes.
MONGO_OPAQUE = frozenset({"load", "require", "eval", "Function", "Mongo", "connect", "runProgram", "run",
                          "_runMongoProgram", "removeFile", "writeFile", "fs", "process", "cd", "copyFile",
                          "mkdir", "passwordPrompt"})


@dataclass(slots=True)
class MongoScan:
    """Effects of a mongosh script: where the session is, and what each call it makes does there."""

    inv: Invocation
    host: str
    database: str
    placement: Placement
    effects: list[Effect] = field(default_factory=list)
    depth: int = 0  # script files loaded by script files

    def run(self, code: str) -> None:
        code, used = shell_commands(code)
        for database in used:
            self.switch(database)
        for found in scan(code, DATABASE_VERBS):
            if isinstance(found, DbCall):
                self.call(found)
            elif found.name == "load" and found.argument is not None:
                self.load(found.argument, "load()")
            elif found.name in ("rs", "sh"):
                self.cluster_call(found.name, found.member)
            elif found.name in MONGO_OPAQUE:
                self.opaque(f"{found.name}() in mongosh code")

    def load(self, raw: str, what: str) -> None:
        """A script file the shell runs (a file argument, `load('x.js')`): read and followed, bounded; one
        that does not exist runs nothing."""
        if self.depth >= MAX_INCLUDE_DEPTH:
            self.opaque(f"{what} {raw} nests more than {MAX_INCLUDE_DEPTH} files deep")
            return
        script = read_script(self.inv, raw)
        if script.absent:
            self.effects.append(absent_file(self.inv, script.path, what, self.placement))
        elif script.text is None:
            self.effects.append(self.inv.effect("unknown", f"mongo:{self.host}/{self.database}", self.placement,
                                                tags=("not-understood",), summary=f"runs {raw}, which cannot be read"))
        else:
            self.depth += 1
            self.run(script.text)
            self.depth -= 1

    def cluster_call(self, helper: str, member: str) -> None:
        """`rs.…` (the replica set) and `sh.…` (sharding): their status reads; anything else reconfigures."""
        if member in CLUSTER_READS or not member:
            return
        part = "replica-set" if helper == "rs" else "sharding"
        self.effects.append(self.inv.effect("host_control", f"mongo:{self.host}/{part}", self.placement,
                                            kind="cluster", summary=f"changes the cluster: {helper}.{member}()"))

    def switch(self, database: str) -> None:
        self.database = database
        self.placement = escalate_by_name(self.placement, self.database, self.inv.ctx.environments, "database")

    def call(self, call: DbCall) -> None:
        database = call.database if call.database is not None else self.database
        where = escalate_by_name(self.placement, database, self.inv.ctx.environments, "database")
        base = f"mongo:{self.host}/{database}"
        name, args, collection = call.method, call.args, call.collection
        if collection is None:
            self.database_call(base, where, name, args)
            return
        verb = COLLECTION_VERBS.get(name)
        resource = f"{base}/collection/{collection}"
        if verb is None:
            self.unknown(f"db.{collection}.{name}()", resource, where)
            return
        if name == "aggregate" and any(t[1].strip("'\"") in ("$out", "$merge") for t in args):
            verb = MongoVerb("modify", "writes aggregation results ($out/$merge) from")
        if name == "bulkWrite" and any(t[1] in ("deleteMany", "deleteOne") for t in args):
            verb = MongoVerb("delete", "deletes documents in bulk from")
        self.add(verb, resource, where, f"db.{collection}.{name}()", args, unknown_name=collection == "?")

    def database_call(self, base: str, where: Placement, name: str, args: list[Token]) -> None:
        if name in ("runCommand", "adminCommand"):
            key = first_key(args)
            command = COMMAND_DOCUMENTS.get(key)
            if command is None:
                self.opaque(f"db.{name}({{{key}: …}})", where)
                return
            self.add(command, base, where, f"db.{name}({{{key}}})", args, whole=key == "dropDatabase")
            return
        verb = DATABASE_VERBS.get(name)
        if verb is None:
            self.unknown(f"db.{name}()", base, where)
            return
        self.add(verb, base, where, f"db.{name}()", args, whole=verb.whole)

    def add(self, verb: MongoVerb, resource: str, where: Placement, shown: str, args: list[Token], *,
            whole: bool = False, unknown_name: bool = False) -> None:
        everything = verb.filtered and empty_filter(args)
        scope: Scope = "all" if everything or whole else "many" if verb.filtered or unknown_name else "one"
        self.effects.append(self.inv.effect(
            verb.operation, resource, where, scope=scope, kind="collection" if "/collection/" in resource else
            "database", data_loss=verb.data_loss or everything, whole_environment=whole,
            reversible="yes" if verb.operation == "read" else "no" if verb.operation == "delete" else "unknown",
            summary=f"{verb.what} {resource.removeprefix('mongo:')} ({shown}"
                    + (", every document)" if everything else ")"),
            suggestions=("pass a filter that names the documents; count them first with countDocuments(filter)",)
            if everything else (),
        ))

    def unknown(self, shown: str, resource: str, where: Placement) -> None:
        self.effects.append(self.inv.effect("unknown", resource, where, tags=("not-understood",),
                                            summary=f"calls {shown}, which changegate does not know"))

    def opaque(self, what: str, where: Placement | None = None) -> None:
        self.effects.append(self.inv.effect("execute_opaque", f"mongo:{self.host}/{self.database}",
                                            where or self.placement, kind="code",
                                            summary=f"runs code that cannot be read: {what}"))


class Mongo(Cli):
    NAMES = ("mongosh", "mongo")
    SECRET_OPTIONS: ClassVar[frozenset[str]] = frozenset({"-p", "--password"})
    ENV_VARIABLES = ("MONGOSH_CONFIG", "MONGODB_URI", "MONGO_URL", "MONGOSH_HISTORY")
    FAMILY = "mongosh"
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({
        "--host", "--port", "--eval", "-f", "--file", "-u", "--username", "-p", "--password",
        "--authenticationDatabase", "--authenticationMechanism", "--apiVersion", "--tlsCAFile",
        "--tlsCertificateKeyFile", "--tlsCertificateKeyFilePassword", "--awsAccessKeyId", "--awsSecretAccessKey",
        "--awsSessionToken", "--keyVaultNamespace", "--kmsURL", "--gssapiServiceName", "--sspiHostnameCanonicalization",
        "--db", "--retryWrites", "--tlsCRLFile", "--tlsDisabledProtocols", "--csfleLibraryPath", "--cryptSharedLibPath",
    })

    def analyze(self, inv: Invocation) -> list[Effect]:
        opts = self.walk(inv.words)
        address = next((p for p in opts.positionals if not p.endswith(".js")), "")
        files = [p for p in opts.positionals if p.endswith(".js")] + opts.values("-f", "--file")
        session = self.session(inv, opts, address)
        if opts.has("--version", "--help", "-h"):
            return [inv.effect("read", f"mongo:{session.host}", session.placement, reversible="yes",
                               summary="prints help")]
        codes = opts.values("--eval")
        for code in codes:
            session.run(code)
        for path in files:
            session.load(path, f"{inv.name} file")
        if not codes and not files:
            text, origin = stdin_sql(inv)
            if text is None and origin:
                return [inv.effect("unknown", f"mongo:{session.host}/{session.database}", session.placement,
                                   tags=("not-understood",), summary=f"runs mongosh code that cannot be read ({origin})")]
            if text is None:
                return [inv.effect("modify", f"mongo:{session.host}/{session.database}", session.placement,
                                   tags=INTERACTIVE_TAGS, summary="opens an interactive mongosh session (what is "
                                                                  "typed there is not visible)")]
            session.run(text)
        return session.effects or [inv.effect("read", f"mongo:{session.host}/{session.database}", session.placement,
                                              reversible="yes", summary="mongosh code that only reads and prints")]

    @staticmethod
    def session(inv: Invocation, opts: Options, address: str) -> MongoScan:
        """Where the shell connects: a connection string, or host[:port]/db, a bare database name, --host."""
        if address.startswith(("mongodb://", "mongodb+srv://")):
            target = url_target(inv, address, "connection string")
            database = target.database if target.database != "?" else "test"
            return MongoScan(inv, target.host, database, target.placement)
        database = opts.value("--db") or ""
        host = opts.value("--host")
        port = opts.value("--port")
        if address:
            if "/" in address:
                host, _, database = address.partition("/")
            elif "." in address or ":" in address:
                host = address
            else:
                database = address
        if host and "://" in host:
            target = url_target(inv, host, "connection string")
            return MongoScan(inv, target.host, database or "test", target.placement)
        if host and ":" in host:
            host, _, written = host.rpartition(":")
            port = port or written
        # the shell's default database, "test", is not a name anyone chose: it says nothing about where it is
        target = host_target(inv, host, database, inv.name, "127.0.0.1:27017", "mongo host", None,
                             port=port_of(port) or 27017, tcp_default=True)
        return MongoScan(inv, target.host, database or "test", target.placement)
