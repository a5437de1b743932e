"""The store: approval requests, votes, users, tokens and the audit chain, in one database.

SQLite by default, one file in the state directory (`CHANGEGATE_STATE_DIR`, default
`~/.local/state/changegate/`), in WAL mode with full fsync on commit; PostgreSQL when
`CHANGEGATE_DATABASE_URL=postgresql+psycopg://…` is set (several server processes can share it).

Opening a store brings its schema up to date with the Alembic migrations in `store/migrations/`. Alembic
itself is imported only when the schema is behind: a store at the current revision opens without it.

Every failure to reach or use the database surfaces as `StoreError` with a plain message, so callers can
fail closed (deny) instead of crashing.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy import exc as sa_exc

from changegate.state import STATE_DIR_ENV, state_dir

DATABASE_URL_ENV = "CHANGEGATE_DATABASE_URL"
DATABASE_FILE = "changegate.db"
HEAD_REVISION = "0005"  # the newest migration in store/migrations/versions (a test checks they agree)
MIGRATION_LOCK_KEY = 0x636861_6E6765  # pg_advisory_lock key: "change" in hex, any constant works
SQLITE_BUSY_TIMEOUT_S = 30.0
PG_CONNECT_TIMEOUT_S = 5


class StoreError(Exception):
    """The store cannot be reached or used. The message says what failed, in plain words."""


def default_url() -> str:
    return os.environ.get(DATABASE_URL_ENV) or f"sqlite:///{state_dir() / DATABASE_FILE}"


def masked(url: str) -> str:
    """A database URL safe to print: the password replaced."""
    try:
        return sa.engine.make_url(url).render_as_string(hide_password=True)
    except sa_exc.ArgumentError:
        return "<unreadable database URL>"


class Store:
    """An open database. `write()` and `read()` give a connection inside one transaction."""

    def __init__(self, engine: sa.Engine, url: str) -> None:
        self.engine = engine
        self.url = url
        self.dialect = engine.dialect.name  # "sqlite" or "postgresql"
        self._where = masked(url)  # named in every StoreError: parsed once, not on every transaction
        self._writers: AbstractContextManager[Any] = (
            WriterQueue(engine.url.database) if self.dialect == "sqlite" else contextlib.nullcontext())

    def __repr__(self) -> str:
        return f"Store({masked(self.url)})"

    @property
    def where(self) -> str:
        return self._where

    @contextmanager
    def write(self) -> Iterator[sa.Connection]:
        """A write transaction: on SQLite it takes the write lock at BEGIN (BEGIN IMMEDIATE), so two
        writers never both read a row and then both update it."""
        with self._writers, translated(self.where), self.engine.begin() as conn:
            yield conn

    @contextmanager
    def read(self) -> Iterator[sa.Connection]:
        with translated(self.where), self.engine.connect() as conn:
            conn.execution_options(changegate_read_only=True)
            with conn.begin():
                yield conn

    def lock_row(self, query: sa.Select[Any]) -> sa.Select[Any]:
        """`SELECT … FOR UPDATE` where the database has it; SQLite's BEGIN IMMEDIATE already serialises."""
        return query.with_for_update() if self.dialect == "postgresql" else query

    def dispose(self) -> None:
        self.engine.dispose()
        if isinstance(self._writers, WriterQueue):
            self._writers.close()


class WriterQueue:
    """SQLite has one writer at a time. Writers queue here — threads on a lock, processes on an flock of a
    file next to the database — instead of in SQLite's busy handler, which polls with sleeps of up to
    100 ms and so turns a busy moment into a long tail of slow answers. The kernel wakes the next writer as
    soon as the lock is free. (The busy timeout still bounds a writer that does not use this queue.)"""

    def __init__(self, database: str | None) -> None:
        self._threads = threading.Lock()
        self._path = f"{database}.write.lock" if database and database != ":memory:" else None
        self._descriptor: int | None = None

    def __enter__(self) -> None:
        self._threads.acquire()
        if self._path is None:
            return
        try:
            import fcntl

            if self._descriptor is None:
                self._descriptor = os.open(self._path, os.O_CREAT | os.O_RDWR, 0o600)
            fcntl.flock(self._descriptor, fcntl.LOCK_EX)
        except OSError:
            pass  # an unwritable directory: SQLite's own locking still holds, only slower under contention
        except BaseException:
            self._threads.release()
            raise

    def close(self) -> None:
        with self._threads:
            if self._descriptor is not None:
                os.close(self._descriptor)
                self._descriptor = None

    def __exit__(self, *_: object) -> None:
        try:
            if self._descriptor is not None:
                import fcntl

                with contextlib.suppress(OSError):
                    fcntl.flock(self._descriptor, fcntl.LOCK_UN)
        finally:
            self._threads.release()


@contextmanager
def translated(where: str) -> Iterator[None]:
    """Database failures as StoreError; integrity errors (a broken constraint) pass through for the caller."""
    try:
        yield
    except sa_exc.IntegrityError:
        raise
    except sa_exc.DBAPIError as exc:
        detail = str(exc.orig).strip().splitlines()[0] if exc.orig is not None else type(exc).__name__
        raise StoreError(f"the store at {where} failed: {detail}") from exc
    except sa_exc.SQLAlchemyError as exc:
        raise StoreError(f"the store at {where} failed: {exc}") from exc


def open_store(url: str | None = None, *, migrate: bool = True) -> Store:
    """Open (and create or migrate, unless told not to) the store at `url` or the configured default."""
    url = url or default_url()
    try:
        parsed = sa.engine.make_url(url)
    except sa_exc.ArgumentError as exc:
        raise StoreError(f"{DATABASE_URL_ENV} is not a database URL: {exc}") from exc
    if parsed.get_backend_name() == "sqlite":
        engine = _sqlite_engine(parsed)
    elif parsed.get_backend_name() == "postgresql":
        engine = _postgresql_engine(parsed)
    else:
        raise StoreError(f"unsupported database {parsed.get_backend_name()!r}: use sqlite:///PATH or "
                         "postgresql+psycopg://USER@HOST/DB")
    store = Store(engine, url)
    if migrate:
        try:
            upgrade(store)
        except BaseException:
            store.dispose()
            raise
    return store


def _sqlite_engine(url: sa.URL) -> sa.Engine:
    database = url.database or ""
    if database and database != ":memory:":
        path = Path(database).expanduser()
        try:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            if not path.exists():
                path.touch(mode=0o600)  # the log and the requests are nobody else's business
        except OSError as exc:
            raise StoreError(f"cannot create the store at {path}: {exc.strerror}") from exc
        url = url.set(database=str(path))
    engine = sa.create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S, "check_same_thread": False},
                              pool_size=8, max_overflow=16)

    @event.listens_for(engine, "connect")
    def configure(dbapi_connection: Any, _record: Any) -> None:
        # we issue BEGIN ourselves (below); the driver's implicit transactions would get in the way
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")  # an acknowledged record survives a power cut
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(SQLITE_BUSY_TIMEOUT_S * 1000)}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def begin(conn: sa.Connection) -> None:
        read_only = conn.get_execution_options().get("changegate_read_only", False)
        conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")

    return engine


def _postgresql_engine(url: sa.URL) -> sa.Engine:
    if url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    return sa.create_engine(url, pool_size=8, max_overflow=16, pool_pre_ping=True,
                            connect_args={"connect_timeout": PG_CONNECT_TIMEOUT_S})


# --- migrations ----------------------------------------------------------------------------------------

def current_revision(store: Store) -> str | None:
    with store.read() as conn:
        if not sa.inspect(conn).has_table("alembic_version"):
            return None
        return conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()


def upgrade(store: Store) -> None:
    """Bring the schema to HEAD_REVISION, once even when several processes open a new store together."""
    if current_revision(store) == HEAD_REVISION:
        return
    with _migration_lock(store):
        revision = current_revision(store)
        if revision == HEAD_REVISION:
            return
        if revision is not None and not _known_revision(revision):
            raise StoreError(f"the store at {store.where} is at schema revision {revision!r}, which this "
                             "version of changegate does not know (was it opened by a newer one?)")
        _run_alembic(store)


def _known_revision(revision: str) -> bool:
    return any((migrations_dir() / "versions").glob(f"{revision}_*.py"))


def migrations_dir() -> Path:
    return Path(__file__).resolve().parent / "migrations"


def _run_alembic(store: Store) -> None:
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    with translated(store.where), store.engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "head")


@contextmanager
def _migration_lock(store: Store) -> Iterator[None]:
    if store.dialect == "postgresql":
        with translated(store.where), store.engine.connect() as conn:
            conn.execute(sa.text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
            conn.commit()
            try:
                yield
            finally:
                conn.execute(sa.text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK_KEY})
                conn.commit()
        return
    database = store.engine.url.database
    if not database or database == ":memory:":
        yield
        return
    import fcntl

    descriptor = os.open(f"{database}.migrate.lock", os.O_CREAT | os.O_RDWR, 0o600)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)  # closing releases the lock


__all__ = ["DATABASE_URL_ENV", "STATE_DIR_ENV", "Store", "StoreError", "default_url", "open_store", "state_dir"]
