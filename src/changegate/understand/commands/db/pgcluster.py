"""PostgreSQL clusters on a host: Debian's `pg_dropcluster`, `pg_ctlcluster`, `pg_createcluster`,
`pg_upgradecluster`, `pg_lsclusters` and the server's own `pg_ctl`, `initdb`, `pg_resetwal`.

A cluster is every database of one server, with its data directory: dropping one deletes all of them (a whole
environment that holds data); stopping or restarting one stops every client of it; `pg_resetwal` throws away
the write-ahead log, so committed data can be lost. They act on this machine (or the host an ssh runs them on).
"""

from __future__ import annotations

from typing import ClassVar

from changegate.environments import LOCAL, Placement
from changegate.model import Effect
from changegate.understand.base import Invocation
from changegate.understand.cli import Cli
from changegate.understand.commands.host.common import machine

CONTROL_VERBS = frozenset({"stop", "restart", "reload", "promote", "kill"})


def host_of(inv: Invocation, data_dir: str | None = None) -> tuple[str, Placement]:
    """The machine the cluster lives on (the remote host the command runs on, or this one, which is not the
    workspace) — unless its data directory is the project's own (`pg_ctl -D ./pgdata`)."""
    host = inv.ctx.remote or "localhost"
    if data_dir is not None and not inv.ctx.remote:
        placed = inv.ctx.place_path(inv.ctx.resolve(data_dir))
        if placed.environment == LOCAL:
            return host, placed
    return host, machine(inv)


class PgLsClusters(Cli):
    NAMES = ("pg_lsclusters",)
    FAMILY = "postgres"

    def analyze(self, inv: Invocation) -> list[Effect]:
        return [inv.effect("read", "cmd:pg_lsclusters", Placement(LOCAL, "it only lists"), reversible="yes",
                           summary="pg_lsclusters lists the PostgreSQL clusters")]


class PgDropCluster(Cli):
    NAMES = ("pg_dropcluster",)
    FAMILY = "postgres"

    def analyze(self, inv: Invocation) -> list[Effect]:
        opts = self.walk(inv.words)
        version, name = [*opts.positionals, "?", "?"][:2]
        host, placement = host_of(inv)
        return [inv.effect(
            "delete", f"postgres-cluster://{host}/{version}/{name}", placement, scope="all", kind="database-cluster",
            reversible="no", data_loss=True, whole_environment=True, tags=("force",) if opts.has("--stop") else (),
            summary=f"pg_dropcluster deletes the PostgreSQL {version} cluster {name} on {host}: every database in "
                    "it and its data directory",
            suggestions=("take a base backup first (pg_basebackup), or stop the cluster and keep its directory",))]


class PgCtlCluster(Cli):
    NAMES = ("pg_ctlcluster",)
    FAMILY = "postgres"
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({"-m", "--mode", "-o", "--options"})

    def analyze(self, inv: Invocation) -> list[Effect]:
        opts = self.walk(inv.words)
        version, name, verb = [*opts.positionals, "?", "?", "?"][:3]
        host, placement = host_of(inv)
        if verb == "status":
            return [inv.effect("read", f"postgres-cluster://{host}/{version}/{name}", placement, reversible="yes",
                               summary=f"pg_ctlcluster {version} {name} status")]
        if verb == "start":
            return [inv.effect("host_control", f"postgres-cluster://{host}/{version}/{name}", placement,
                               reversible="yes", kind="database-cluster",
                               summary=f"starts the PostgreSQL {version} cluster {name} on {host}")]
        if verb in CONTROL_VERBS:
            return [inv.effect("host_control", f"postgres-cluster://{host}/{version}/{name}", placement,
                               reversible="yes", kind="database-cluster",
                               summary=f"pg_ctlcluster {verb}s the PostgreSQL {version} cluster {name} on {host}: "
                                       "every client of it is cut off")]
        return [inv.unknown(f"pg_ctlcluster {verb} is not an action changegate knows")]


class PgCreateCluster(Cli):
    NAMES = ("pg_createcluster", "initdb")
    FAMILY = "postgres"
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({"-d", "--datadir", "-D", "--pgdata", "-u", "--user",
                                                       "-p", "--port", "-e", "--encoding", "-l", "--logfile",
                                                       "-U", "--username", "-E", "--locale"})

    def analyze(self, inv: Invocation) -> list[Effect]:
        opts = self.walk(inv.words)
        directory = opts.value("-d", "--datadir", "-D", "--pgdata")
        if directory:
            return [inv.fs("create", directory, kind="directory", reversible="yes",
                           summary=f"{inv.name} creates a PostgreSQL cluster in {directory}")]
        host, placement = host_of(inv)
        return [inv.effect("create", f"postgres-cluster://{host}/{' '.join(opts.positionals[:2]) or '?'}",
                           placement, reversible="yes", kind="database-cluster",
                           summary=f"{inv.name} creates a PostgreSQL cluster on {host}")]


class PgCtl(Cli):
    NAMES = ("pg_ctl", "pg_resetwal", "pg_resetxlog")
    FAMILY = "postgres"
    VALUE_OPTIONS: ClassVar[frozenset[str]] = frozenset({"-D", "--pgdata", "-m", "--mode", "-o", "--options",
                                                       "-l", "--log", "-t", "--timeout", "-s"})

    def analyze(self, inv: Invocation) -> list[Effect]:
        opts = self.walk(inv.words)
        positional = opts.positionals[0] if inv.name != "pg_ctl" and opts.positionals else None
        directory = opts.value("-D", "--pgdata") or positional or inv.ctx.getenv("PGDATA") or "?"
        host, placement = host_of(inv, directory if directory != "?" else None)
        resource = f"postgres-cluster://{host}{directory if directory.startswith('/') else '/' + directory}"
        if inv.name != "pg_ctl":
            if opts.has("-n", "--dry-run"):
                return [inv.effect("read", resource, placement, reversible="yes", summary=f"{inv.name} --dry-run")]
            return [inv.effect("delete", resource, placement, scope="all", kind="database-cluster",
                               reversible="no", data_loss=True,
                               summary=f"{inv.name} throws away the write-ahead log of the cluster in {directory}: "
                                       "committed data can be lost")]
        verb = opts.positionals[0] if opts.positionals else "?"
        if verb == "status":
            return [inv.effect("read", resource, placement, reversible="yes", summary="pg_ctl status")]
        if verb in (*CONTROL_VERBS, "start"):
            return [inv.effect("host_control", resource, placement, reversible="yes", kind="database-cluster",
                               summary=f"pg_ctl {verb}: the PostgreSQL server of {directory} on {host}")]
        if verb == "initdb":
            return [inv.fs("create", directory, kind="directory", reversible="yes",
                           summary=f"pg_ctl initdb creates a cluster in {directory}")]
        return [inv.unknown(f"pg_ctl {verb} is not an action changegate knows")]
