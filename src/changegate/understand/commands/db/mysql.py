"""mysql, mariadb and mycli: the server from -h/-S/MYSQL_HOST or the option files (~/.my.cnf, --defaults-file);
the SQL from --init-command, then -e or stdin — with the client's own commands (`source`, `system`, `use`,
`connect`, `tee`, `pager`), which it runs itself, in order: `USE prod; DROP TABLE t` drops prod's table."""

from __future__ import annotations

import configparser
import posixpath
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import ClassVar

from changegate.environments import UNKNOWN, Placement
from changegate.model import Effect
from changegate.understand.base import Invocation, Word
from changegate.understand.cli import Cli, Options
from changegate.understand.commands.db.common import (
    MAX_CONFIG_BYTES,
    Session,
    host_target,
    interactive,
    port_of,
    read_file,
    read_only,
)
from changegate.understand.lex.mysql import ClientCommand, split_mysql
from changegate.understand.placement import escalate_by_name
from changegate.understand.sql import SqlTarget

MYSQL_TAKES_VALUE = frozenset({
    "-h", "--host", "-P", "--port", "-u", "--user", "-D", "--database", "-e", "--execute", "-S", "--socket",
    "--defaults-file", "--defaults-extra-file", "--defaults-group-suffix", "--login-path", "--protocol",
    "--default-character-set", "--init-command", "--connect-timeout", "--max-allowed-packet", "--delimiter",
    "--pager", "--tee", "--plugin-dir", "--default-auth", "--ssl-ca", "--ssl-cert", "--ssl-key", "--ssl-mode",
    "--ssl-capath", "--ssl-cipher", "--tls-version", "--bind-address", "--result-file", "-r", "--where", "-w",
    "--tables", "--ignore-table", "--compress-algorithms", "--net-buffer-length", "--character-sets-dir",
})
# What the MySQL client programs read from the environment: the server, its socket, the password, and the
# login-path file that can name another server.
MYSQL_VARIABLES = ("MYSQL_HOST", "MYSQL_TCP_PORT", "MYSQL_UNIX_PORT", "MYSQL_PWD", "MYSQL_TEST_LOGIN_FILE",
                   "MYSQL_HOME", "MYSQL_GROUP_SUFFIX", "MYSQL_HISTFILE", "MYSQL_PS1", "USER")
# Client commands that only show or set display state.
MYSQL_CLIENT_READS = frozenset({"status", "help", "?", "warnings", "nowarning", "charset", "prompt", "print",
                                "rehash", "notee", "nopager", "clear", "go", "ego", "resetconnection", "quit",
                                "exit", "query_attributes", "ssl_session_data_print"})


def without_password(words: Sequence[Word]) -> list[Word]:
    """mysql's `-pSECRET` carries the password glued to -p (and `-p` alone prompts): neither is an option
    the walker can split, and neither says anything about what runs."""
    out: list[Word] = []
    for w in words:
        v = w.value
        if v == "-p" or (v.startswith("-p") and not v.startswith("--")) or v.startswith("--password"):
            continue
        out.append(w)
    return out


def option_settings(text: str) -> dict[str, str]:
    """[client]/[mysql] host, socket, port and database of an option file."""
    parser = configparser.ConfigParser(strict=False, allow_no_value=True, interpolation=None)
    try:
        parser.read_string(text)
    except configparser.Error:
        return {}
    out: dict[str, str] = {}
    for section in ("client", "mysql"):
        if parser.has_section(section):
            for key in ("host", "database", "socket", "port", "init-command", "init_command"):
                value = parser.get(section, key, fallback=None)
                if value:
                    out[key.replace("_", "-")] = value.strip("'\"")
    return out


def option_files(inv: Invocation, opts: Options) -> tuple[dict[str, str], bool]:
    """The settings of the option files the client reads, later ones winning (`--defaults-file` instead of
    ~/.my.cnf, then `--defaults-extra-file`), and whether every one could be read: a named file that cannot
    be, or a login path (encrypted), leaves the server unknown."""
    home = inv.ctx.home
    own = posixpath.join(home, ".my.cnf") if home else None
    named = opts.value("--defaults-file")
    files = [named] if named else ([own] if own else [])
    settings: dict[str, str] = {}
    complete = not opts.has("--login-path")
    for raw in [*files, *opts.values("--defaults-extra-file")]:
        text = read_file(inv, raw, MAX_CONFIG_BYTES)
        if text is None:
            complete = complete and raw == own  # the user's own file may simply not be there
            continue
        found = option_settings(text)
        if found:
            label = "~/.my.cnf" if raw == own else raw
            inv.ctx.consulted.setdefault(f"file:{label}", ",".join(f"{k}={v}" for k, v in sorted(found.items())))
        settings.update(found)
    return settings, complete


def mysql_target(inv: Invocation, opts: Options, database: str = "") -> SqlTarget:
    """The server from -h, MYSQL_HOST, -S or the option files, and the database from -D or the first
    positional."""
    ctx = inv.ctx
    database = database or opts.value("-D", "--database") or ""
    if not database and opts.positionals:
        database = opts.positionals[0]
    host = opts.value("-h", "--host") or ctx.getenv("MYSQL_HOST")
    socket = opts.value("-S", "--socket")
    port = opts.value("-P", "--port") or ctx.getenv("MYSQL_TCP_PORT")
    if not host and not socket:
        config, complete = option_files(inv, opts)
        host = config.get("host")
        socket = config.get("socket")
        port = port or config.get("port")
        database = database or config.get("database", "")
        if not host and not complete:
            return SqlTarget("default", database or "?", Placement(
                UNKNOWN, "the server comes from an option file or login path changegate cannot read"), "mysql")
    if not host and socket:
        host = socket if socket.startswith("/") else None
    return host_target(inv, host, database, inv.name, "the default local socket", "host", "mysql",
                       port=port_of(port) or 3306)


class Mysql(Cli):
    NAMES = ("mysql", "mariadb", "mycli")
    FAMILY = "mysql"
    VALUE_OPTIONS: ClassVar[frozenset[str]] = MYSQL_TAKES_VALUE
    ENV_VARIABLES = MYSQL_VARIABLES
    SECRET_ATTACHED: ClassVar[frozenset[str]] = frozenset({"-p", "--password"})  # `-p` alone prompts

    def analyze(self, inv: Invocation) -> list[Effect]:
        opts = self.walk(without_password(inv.words))
        session = Session(inv, replace(mysql_target(inv, opts), dialect="mysql"), self.FAMILY)
        if opts.has("-V", "--version", "--help", "-?"):
            return [read_only(inv, session.target, "prints its version")]
        for path in opts.values("--tee"):
            session.local_file("modify", path, f"writes the session to {path}")
        for init in opts.values("--init-command") or option_files(inv, opts)[0].get("init-command", "").split("\n"):
            session.sql(init)  # run on connecting, before anything else
        statements = opts.values("-e", "--execute")
        for statement in statements:
            self.script(session, statement)
        if not statements:
            session.from_stdin(lambda text: self.script(session, text))
        return session.outcome()

    def script(self, session: Session, text: str) -> None:
        """Statements and client commands in the order the client meets them: `use` and `connect` move what
        follows."""
        batch: list[str] = []
        for piece in split_mysql(text):
            if piece.command is None:
                batch.append(piece.sql)
                continue
            session.sql("\n".join(batch))
            batch = []
            command = piece.command
            handler = self.CLIENT_COMMANDS.get(command.name)
            if handler is not None:
                handler(self, session, command)
            elif command.name not in MYSQL_CLIENT_READS:
                session.unreadable(f"the mysql client command {command.line[:40]!r}")
        session.sql("\n".join(batch))

    # --- the client commands that do more than show -------------------------------------------------------
    def source(self, session: Session, command: ClientCommand) -> None:
        if command.args:
            session.include(command.args[0].rstrip(";"), lambda text: self.script(session, text), "mysql source")

    def system(self, session: Session, command: ClientCommand) -> None:
        line = command.line
        session.shell(line.split(None, 1)[1] if " " in line else "", "mysql system")

    def use(self, session: Session, command: ClientCommand) -> None:
        database = command.args[0].rstrip(";").strip("`'\"") if command.args else ""
        t = session.target
        placement = escalate_by_name(t.placement, database, session.inv.ctx.environments, "database")
        session.target = replace(t, database=database or t.database, placement=placement)

    def connect(self, session: Session, command: ClientCommand) -> None:
        args = command.args
        database = args[0] if args else session.target.database
        host = args[1] if len(args) > 1 else None
        if host:
            session.target = host_target(session.inv, host, database, "mysql", "the default local socket", "host",
                                         "mysql")
        else:
            session.target = replace(session.target, database=database)

    def tee(self, session: Session, command: ClientCommand) -> None:
        if command.args:
            session.local_file("modify", command.args[0], f"writes the session to {command.args[0]}")

    def pager(self, session: Session, command: ClientCommand) -> None:
        if command.args:
            session.shell(" ".join(command.args), "mysql pager")

    def edit(self, session: Session, command: ClientCommand) -> None:
        session.effects.append(interactive(session.inv, session.target, self.FAMILY))

    CLIENT_COMMANDS: ClassVar[Mapping[str, Callable[[Mysql, Session, ClientCommand], None]]] = {
        "source": source, "system": system, "use": use, "connect": connect, "tee": tee, "pager": pager,
        "edit": edit,
    }
