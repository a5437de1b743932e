"""mongodump and mongorestore: the server from --uri, a mongodb:// positional or --host; a dump of every
database (or of admin) copies the users and their password hashes; `mongorestore --drop` replaces."""

from __future__ import annotations

from typing import ClassVar

from changegate.model import Effect
from changegate.understand.base import Invocation
from changegate.understand.cli import Cli, Options
from changegate.understand.commands.db.common import host_target, url_target
from changegate.understand.sql import SqlTarget


class MongoTool(Cli):
    FAMILY = "mongo"
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({"--uri", "--host", "-h", "--port", "--db", "-d",
                                                       "--collection", "-c", "--out", "-o", "--archive", "-u",
                                                       "--username", "-p", "--password", "--nsInclude", "--nsExclude",
                                                       "--nsFrom", "--nsTo", "--query", "-q", "--authenticationDatabase",
                                                       "--dir", "--gzip-level", "--numParallelCollections", "-j"})

    def analyze(self, inv: Invocation) -> list[Effect]:
        opts = self.walk(inv.words)
        database = opts.value("--db", "-d") or ""
        target = self.target(inv, opts, database)
        return self.run(inv, opts, f"mongo:{target.host}/{database or target.database}", target, database)

    @staticmethod
    def target(inv: Invocation, opts: Options, database: str) -> SqlTarget:
        uri = opts.value("--uri") or next((p for p in opts.positionals if p.startswith("mongodb")), None)
        if uri:
            return url_target(inv, uri, "--uri")
        return host_target(inv, opts.value("--host", "-h"), database, inv.name, "127.0.0.1:27017", "mongo host", None)

    def run(self, inv: Invocation, opts: Options, resource: str, target: SqlTarget, database: str) -> list[Effect]:
        """What the tool does; each tool says."""
        raise NotImplementedError


class MongoDump(MongoTool):
    NAMES = ("mongodump",)

    def run(self, inv: Invocation, opts: Options, resource: str, target: SqlTarget, database: str) -> list[Effect]:
        secrets = database == "admin" or opts.has("--dumpDbUsersAndRoles") or not database
        return [inv.effect("secret_read" if secrets else "read", resource, target.placement, kind="database",
                           reversible="yes", family=self.FAMILY, tags=("data-export",),
                           summary="dumps every database, users and password hashes included" if secrets
                           else f"dumps {database}")]


class MongoRestore(MongoTool):
    NAMES = ("mongorestore",)

    def run(self, inv: Invocation, opts: Options, resource: str, target: SqlTarget, database: str) -> list[Effect]:
        if opts.has("--drop"):
            selected = opts.has("--nsInclude")
            return [inv.effect("replace", resource, target.placement, scope="many" if selected else "all",
                               kind="database", reversible="no", data_loss=True,
                               whole_environment=not database and not selected, family=self.FAMILY, tags=("drop",),
                               summary="drops each collection before restoring it (--drop): what is there now is "
                                       "lost",
                               suggestions=("dump the target first with mongodump",))]
        return [inv.effect("create", resource, target.placement, scope="many", kind="database", reversible="unknown",
                           family=self.FAMILY, summary="restores documents into the database")]
