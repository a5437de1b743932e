"""Store fixtures: every test that touches the store runs on SQLite and on PostgreSQL.

PostgreSQL is the server on 127.0.0.1:5432 (trust auth, database `test`, user postgres or root). A test run
creates its own database (`cg_test_<pid>_<random>`), gives each test a fresh schema in it, and drops the
database at the end. Where no PostgreSQL answers, the PostgreSQL half of each test is skipped with a message
saying so — except on CI (CI set, as .ci/run has it, or CHANGEGATE_TEST_REQUIRE_PG=1), where it fails: CI
starts PostgreSQL, so a PostgreSQL half that did not run is a broken CI, not a pass.
"""

from __future__ import annotations

import itertools
import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

PG_HOST = os.environ.get("CHANGEGATE_TEST_PG_HOST", "127.0.0.1")
PG_PORT = int(os.environ.get("CHANGEGATE_TEST_PG_PORT", "5432"))
PG_USERS = ("postgres", "root")
_schemas = itertools.count(1)


def _admin_connection() -> tuple[Any, str] | tuple[None, str]:
    import psycopg

    problems = []
    for user in PG_USERS:
        try:
            conn = psycopg.connect(host=PG_HOST, port=PG_PORT, user=user, dbname="test", connect_timeout=3,
                                   autocommit=True)
            return conn, user
        except psycopg.Error as exc:
            problems.append(f"{user}: {str(exc).strip().splitlines()[0] if str(exc).strip() else exc}")
    return None, "; ".join(problems)


def postgresql_required() -> bool:
    return bool(os.environ.get("CI") or os.environ.get("CHANGEGATE_TEST_REQUIRE_PG"))


@dataclass(frozen=True)
class Unreachable:
    """No PostgreSQL answered; why, per user tried."""

    problem: str


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str | Unreachable]:
    """A database of this test run's own, as a SQLAlchemy URL; `Unreachable` when no PostgreSQL answers."""
    conn, user_or_problem = _admin_connection()
    if conn is None:
        yield Unreachable(user_or_problem)
        return
    name = f"cg_test_{os.getpid()}_{secrets.token_hex(3)}"
    with conn:
        conn.execute(f'CREATE DATABASE "{name}"')
        try:
            yield f"postgresql+psycopg://{user_or_problem}@{PG_HOST}:{PG_PORT}/{name}"
        finally:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def pg_schema_url(database_url: str) -> str:
    """A fresh schema in the run's database, as a URL whose connections use it."""
    import psycopg

    schema = f"t{next(_schemas)}_{secrets.token_hex(3)}"
    plain = database_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    return f"{database_url}?options=-csearch_path%3D{schema}"


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Any, pg_database: str | Unreachable) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'changegate.db'}"
    if isinstance(pg_database, Unreachable):
        missing = (f"no PostgreSQL answers on {PG_HOST}:{PG_PORT} (users {', '.join(PG_USERS)}, database test: "
                   f"{pg_database.problem})")
        if postgresql_required():
            pytest.fail(f"{missing}: on CI the PostgreSQL half of the store tests must run")
        pytest.skip(f"{missing}: the PostgreSQL half of the store tests did not run")
    return pg_schema_url(pg_database)


@pytest.fixture
def store(store_url: str) -> Iterator[Any]:
    from changegate.service.store import open_store

    opened = open_store(store_url)
    try:
        yield opened
    finally:
        opened.dispose()
