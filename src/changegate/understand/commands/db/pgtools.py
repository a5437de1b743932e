"""The PostgreSQL server tools: dropdb, createdb, dropuser, createuser, pg_dump, pg_dumpall, pg_restore.
Each is its own class, because each gives its own meaning to the same letters (-c is pg_restore's --clean
and createuser's --connection-limit); they find the server the way psql does."""

from __future__ import annotations

from typing import ClassVar

from changegate.environments import LOCAL, Placement
from changegate.model import Effect, Operation
from changegate.understand.base import DYNAMIC_WORD, Invocation, Stream
from changegate.understand.cli import Cli, Options
from changegate.understand.commands.db.common import LIBPQ_VARIABLES, pg_target
from changegate.understand.sql import SqlTarget

PG_COMMON = frozenset({"-h", "--host", "-p", "--port", "-U", "--username", "-d", "--dbname", "--maintenance-db"})


class PgTool(Cli):
    """What the tools share: --help and --version, and the server they connect to."""

    FAMILY = "postgres"
    VALUE_OPTIONS: ClassVar[frozenset[str]] = PG_COMMON
    ENV_VARIABLES = LIBPQ_VARIABLES

    def analyze(self, inv: Invocation) -> list[Effect]:
        opts = self.walk(inv.words)
        if opts.has("--help", "-?", "-V", "--version"):
            return [inv.effect("read", f"cmd:{inv.name}", Placement(LOCAL, "prints help"), reversible="yes",
                               summary=f"{inv.name} --help")]
        return self.run(inv, opts)

    def run(self, inv: Invocation, opts: Options) -> list[Effect]:
        """What the tool does; each tool says."""
        raise NotImplementedError

    @staticmethod
    def target(inv: Invocation, opts: Options, database: str | None, tool: str) -> SqlTarget:
        conn = opts.value("-d", "--dbname", "--maintenance-db")
        if not (conn and ("://" in conn or "=" in conn)):
            conn = database or conn
        return pg_target(inv, opts.value("-h", "--host"), conn, opts.value("-U", "--username"), tool,
                         opts.value("-p", "--port"))


class DropDb(PgTool):
    NAMES = ("dropdb",)

    def run(self, inv: Invocation, opts: Options) -> list[Effect]:
        name = opts.positionals[0] if opts.positionals else "?"
        target = self.target(inv, opts, name, "dropdb")
        forced = " and ends its connections (--force)" if opts.has("-f", "--force") else ""
        return [inv.effect("delete", f"{target.server}/{name}", target.placement, scope="all", kind="database",
                           reversible="no", data_loss=True, whole_environment=True, family=self.FAMILY,
                           tags=("force",) if forced else (),
                           summary=f"drops the database {name}{forced}",
                           suggestions=(f"dump it first: pg_dump -Fc {name} > {name}.dump",
                                        "rename it instead (ALTER DATABASE … RENAME TO …) and drop it later"))]


class CreateDb(PgTool):
    NAMES = ("createdb",)
    VALUE_OPTIONS: ClassVar[frozenset[str]] = PG_COMMON | {
        "-D", "--tablespace", "-E", "--encoding", "-l", "--locale", "--lc-collate", "--lc-ctype", "--icu-locale",
        "--icu-rules", "--locale-provider", "--builtin-locale", "-O", "--owner", "-S", "--strategy", "-T",
        "--template",
    }

    def run(self, inv: Invocation, opts: Options) -> list[Effect]:
        name = opts.positionals[0] if opts.positionals else "?"
        target = self.target(inv, opts, name, "createdb")
        return [inv.effect("create", f"{target.server}/{name}", target.placement, kind="database", reversible="yes",
                           family=self.FAMILY, summary=f"creates the database {name}")]


# createuser's options that give a role powers beyond its own objects.
ROLE_POWERS = (("-s", "superuser"), ("--superuser", "superuser"), ("-r", "createrole"), ("--createrole", "createrole"),
               ("--replication", "replication"), ("--bypassrls", "bypassrls"))


def role_powers(opts: Options) -> list[str]:
    return sorted({power for flag, power in ROLE_POWERS if opts.has(flag)})


class DropUser(PgTool):
    NAMES = ("dropuser",)

    def run(self, inv: Invocation, opts: Options) -> list[Effect]:
        name = opts.positionals[0] if opts.positionals else "?"
        target = self.target(inv, opts, None, inv.name)
        return [inv.effect("permission", f"{target.server}/role/{name}", target.placement, kind="role",
                           reversible="no", family=self.FAMILY, tags=(*role_powers(opts), "drop-role"),
                           summary=f"drops the role {name}")]


class CreateUser(PgTool):
    NAMES = ("createuser",)
    VALUE_OPTIONS: ClassVar[frozenset[str]] = PG_COMMON | {
        "-c", "--connection-limit", "-g", "--role", "-m", "--member-of", "-a", "--with-admin", "-v", "--valid-until",
    }

    def run(self, inv: Invocation, opts: Options) -> list[Effect]:
        name = opts.positionals[0] if opts.positionals else "?"
        target = self.target(inv, opts, None, inv.name)
        powers = role_powers(opts)
        what = f"creates the role {name}" + (f" with {', '.join(powers)}" if powers else "")
        return [inv.effect("permission", f"{target.server}/role/{name}", target.placement, kind="role",
                           reversible="yes", family=self.FAMILY, tags=tuple(powers), summary=what)]


PG_DUMP_OPTIONS = PG_COMMON | {"-f", "--file", "--role", "-S", "--superuser", "--lock-wait-timeout",
                               "--extra-float-digits", "--rows-per-insert", "--filter"}


class PgDump(PgTool):
    NAMES = ("pg_dump",)
    VALUE_OPTIONS: ClassVar[frozenset[str]] = PG_DUMP_OPTIONS | {
        "-F", "--format", "-j", "--jobs", "-n", "--schema", "-N", "--exclude-schema", "-t", "--table", "-T",
        "--exclude-table", "-E", "--encoding", "-Z", "--compress", "--section", "--exclude-table-data",
        "--snapshot", "--exclude-table-and-children", "--table-and-children", "--exclude-extension", "-e",
        "--extension",
    }

    def run(self, inv: Invocation, opts: Options) -> list[Effect]:
        """A dump is a read: the data stays on this machine (a dump sent elsewhere is caught where it is sent),
        and dumping first is the safe step suggested before anything destructive."""
        name = opts.positionals[0] if opts.positionals else None
        target = self.target(inv, opts, name, inv.name)
        return [*self.output(inv, opts, target.database),
                inv.effect("read", target.prefix, target.placement, kind="database", reversible="yes",
                           family=self.FAMILY, tags=("data-export",), summary=f"dumps database {target.database}")]

    def output(self, inv: Invocation, opts: Options, database: str) -> list[Effect]:
        """Where the dump goes: a plain-format dump is SQL that a later psql replays (`pg_dump | psql`)."""
        plain = (opts.value("-F", "--format") or "p").lower() in ("p", "plain")
        dump = Stream(text=self.script(opts, database), origin=f"a {inv.name} (its table names only known when "
                                                                 "it runs)") if plain else Stream(origin=inv.name)
        out = opts.value("-f", "--file")
        if not out:
            inv.stdout = dump
            return []
        path = inv.ctx.resolve(out)
        if path is not None and dump.text is not None:
            inv.ctx.files[path] = dump.text
        return [inv.fs("modify", out, reversible="unknown", summary=f"writes the dump to {out}")]

    @staticmethod
    def script(opts: Options, database: str) -> str:
        """What a plain dump replays: for every table (named at run time, unless -t names them) DROP with
        --clean, CREATE unless --data-only, rows unless --schema-only; DROP/CREATE DATABASE and \\connect
        with --create."""
        tables = opts.values("-t", "--table") or [DYNAMIC_WORD]
        lines: list[str] = []
        if opts.has("-C", "--create"):
            if opts.has("-c", "--clean"):
                lines.append(f'DROP DATABASE IF EXISTS "{database}";')
            lines += [f'CREATE DATABASE "{database}";', f"\\connect {database}"]
        for table in tables:
            if opts.has("-c", "--clean") and not opts.has("-a", "--data-only"):
                lines.append(f"DROP TABLE IF EXISTS public.{table};")
            if not opts.has("-a", "--data-only"):
                lines.append(f"CREATE TABLE public.{table} (id integer);")
            if not opts.has("-s", "--schema-only"):
                lines.append(f"INSERT INTO public.{table} VALUES (1);")
        return "\n".join(lines) + "\n"


class PgDumpAll(PgDump):
    NAMES = ("pg_dumpall",)
    VALUE_OPTIONS: ClassVar[frozenset[str]] = PG_DUMP_OPTIONS | {"--exclude-database", "-l", "--database"}

    def run(self, inv: Invocation, opts: Options) -> list[Effect]:
        """Every database — and every role's password hash, which is a secret, unless told to leave them out."""
        name = opts.positionals[0] if opts.positionals else None
        target = self.target(inv, opts, name, inv.name)
        with_passwords = not opts.has("--no-role-passwords", "-t", "--tablespaces-only")
        operation: Operation = "secret_read" if with_passwords else "read"
        what = "every database and every role's password hash" if with_passwords else "every database"
        return [*self.output(inv, opts, target.database),
                inv.effect(operation, target.server, target.placement, kind="database", reversible="yes",
                           family=self.FAMILY, tags=("data-export",), summary=f"dumps {what}",
                           suggestions=("pg_dumpall --no-role-passwords leaves the password hashes out",)
                           if with_passwords else ())]

    @staticmethod
    def script(opts: Options, database: str) -> str:
        """What pg_dumpall replays: every role, then every database (named at run time) and its tables; DROP
        of each with --clean."""
        lines = [f"DROP ROLE IF EXISTS {DYNAMIC_WORD};"] if opts.has("-c", "--clean") else []
        lines.append(f"CREATE ROLE {DYNAMIC_WORD};")
        if opts.has("-g", "--globals-only", "-r", "--roles-only", "-t", "--tablespaces-only"):
            return "\n".join(lines) + "\n"
        if opts.has("-c", "--clean"):
            lines.append(f"DROP DATABASE IF EXISTS {DYNAMIC_WORD};")
        lines += [f"CREATE DATABASE {DYNAMIC_WORD};", f"\\connect {DYNAMIC_WORD}"]
        if not opts.has("-a", "--data-only"):
            lines.append(f"CREATE TABLE public.{DYNAMIC_WORD} (id integer);")
        if not opts.has("-s", "--schema-only"):
            lines.append(f"INSERT INTO public.{DYNAMIC_WORD} VALUES (1);")
        return "\n".join(lines) + "\n"


class PgRestore(PgTool):
    NAMES = ("pg_restore",)
    VALUE_OPTIONS: ClassVar[frozenset[str]] = PG_COMMON | {
        "-f", "--file", "-F", "--format", "-j", "--jobs", "-n", "--schema", "-N", "--exclude-schema", "-t",
        "--table", "-I", "--index", "-P", "--function", "-T", "--trigger", "-L", "--use-list", "-S", "--superuser",
        "--role", "--section", "--filter",
    }

    def run(self, inv: Invocation, opts: Options) -> list[Effect]:
        archive = opts.positionals[0] if opts.positionals else "stdin"
        if not opts.has("-d", "--dbname"):
            return self.script(inv, opts, archive)
        target = self.target(inv, opts, None, "pg_restore")
        if opts.has("-l", "--list"):
            return [inv.effect("read", target.prefix, target.placement, reversible="yes", family=self.FAMILY,
                               summary=f"lists the contents of {archive}")]
        create = opts.has("-C", "--create")
        filtered = opts.has("-n", "--schema", "-t", "--table", "-I", "--index", "-P", "--function", "-L",
                            "--use-list")
        if opts.has("-c", "--clean"):
            return [inv.effect("replace", target.prefix, target.placement, scope="many" if filtered else "all",
                               kind="database", reversible="no", data_loss=True,
                               whole_environment=create or not filtered, family=self.FAMILY, tags=("clean",),
                               summary=f"drops and recreates {'the database' if create else 'the objects'} of "
                                       f"{archive} in {target.prefix[4:]} (--clean): what is there now is lost",
                               suggestions=(f"dump the target first: pg_dump -Fc {target.database} > before.dump",
                                            "restore into a new database and switch over"))]
        return [inv.effect("create", target.prefix, target.placement, scope="many", kind="database",
                           reversible="unknown", family=self.FAMILY,
                           summary=f"restores {archive} into {target.prefix[4:]}")]

    def script(self, inv: Invocation, opts: Options, archive: str) -> list[Effect]:
        """Without -d, pg_restore only prints the SQL it would run."""
        out = opts.value("-f", "--file")
        effects = [inv.fs("modify", out, reversible="unknown", summary=f"writes the restore script to {out}")] \
            if out else []
        return [*effects, inv.effect("read", f"fs:{archive}", inv.arguments_placement(), reversible="yes",
                                     family=self.FAMILY, summary=f"prints the restore script of {archive}")]
