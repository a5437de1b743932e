"""ORMs and migration runners: which command destroys what, and where the database is."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from changegate.model import Effect, Verdict
from changegate.policy import load_policy
from changegate.understand.commands import family_for
from changegate.understand.sql import load_parser
from tests.conftest import shell

# The walker's time budget also covers a family's first import in a process; these tests are about decisions.
for name in ("npm", "npx", "prisma", "python", "php", "bundle"):
    family_for(name)
load_parser("postgres")

PROD_URL = "postgresql://app@db.prod.internal:5432/app"
INCIDENTS = {c["id"]: c for c in (json.loads(line) for line in
                                  (Path(__file__).parent.parent / "examples" / "incidents.jsonl").open()
                                  if line.strip())}


def main_effect(verdict: Verdict) -> Effect:
    found = [e for e in verdict.effects if e.family == "migrations"]
    assert found, verdict.effects
    return found[0]


def incident_action(case_id: str, cwd: Path) -> tuple[str, dict[str, str]]:
    action = INCIDENTS[case_id]["action"]
    return action["command"], {k: v for k, v in action["env"].items() if k not in ("HOME", "USER")}


# --- the incidents --------------------------------------------------------------------------------------------------

def replit_project(tmp_path: Path) -> None:
    (tmp_path / "package.json").write_text(json.dumps({"name": "saastr", "scripts": {
        "dev": "next dev", "db:push": "drizzle-kit push", "test": "vitest run"}}))
    (tmp_path / "drizzle.config.ts").write_text(
        "import 'dotenv/config';\nexport default { dialect: 'postgresql', schema: './db/schema.ts',\n"
        "  dbCredentials: { url: process.env.DATABASE_URL! } };\n")


def test_replit_db_push_asks(tmp_path: Path) -> None:
    replit_project(tmp_path)
    command, env = incident_action("replit-2025-07", tmp_path)
    verdict = shell(command, cwd=str(tmp_path), env=env)
    assert verdict.decision == "ask"
    effect = main_effect(verdict)
    assert effect.resource == "sql:db.prod.internal/saastr" and effect.environment == "prod"
    assert "drizzle-kit push" in effect.summary


def test_replit_db_push_during_a_freeze_is_denied(tmp_path: Path) -> None:
    replit_project(tmp_path)
    now = datetime.now(UTC)
    policy_file = tmp_path / "policy.yaml"
    policy_file.write_text(f"extends: default\nfreezes:\n  - name: code freeze\n"
                           f"    start: {(now - timedelta(hours=1)).isoformat()}\n"
                           f"    end: {(now + timedelta(days=2)).isoformat()}\n    environments: [prod]\n")
    command, env = incident_action("replit-2025-07", tmp_path)
    verdict = shell(command, cwd=str(tmp_path), env=env, policy=load_policy(policy_file))
    assert verdict.decision == "deny"
    assert any("code freeze" in r for r in verdict.reasons)


def test_replit_db_push_finds_the_url_in_dotenv(tmp_path: Path) -> None:
    """drizzle.config loads dotenv: DATABASE_URL in .env counts even when the agent's env lacks it."""
    replit_project(tmp_path)
    (tmp_path / ".env").write_text("DATABASE_URL=postgresql://app:pw@db.prod.internal:5432/saastr\n")
    verdict = shell("npm run db:push", cwd=str(tmp_path))
    assert main_effect(verdict).environment == "prod"
    assert "pw" not in json.dumps(sorted(verdict.effects[0].why_environment))


def test_prisma_force_reset_incident(tmp_path: Path) -> None:
    (tmp_path / "prisma").mkdir()
    (tmp_path / "prisma" / "schema.prisma").write_text(
        'datasource db {\n  provider = "postgresql"\n  url      = env("DATABASE_URL")\n}\n')
    command, env = incident_action("prisma-reset-2026-03", tmp_path)
    verdict = shell(command, cwd=str(tmp_path), env=env)
    assert verdict.decision == "ask" and verdict.approvals_required == 2
    effect = main_effect(verdict)
    assert effect.whole_environment and effect.data_loss and effect.environment == "prod"


def test_prisma_reads_dotenv_and_the_schema_variable(tmp_path: Path) -> None:
    (tmp_path / "prisma").mkdir()
    (tmp_path / "prisma" / "schema.prisma").write_text(
        'datasource db {\n  provider = "postgresql"\n  url = env("PRIMARY_DB")\n}\n')
    (tmp_path / ".env").write_text("# the app database\nPRIMARY_DB=\"postgresql://u:p@db.staging.internal/app\"\n")
    verdict = shell("npx prisma migrate reset --force", cwd=str(tmp_path))
    effect = main_effect(verdict)
    assert effect.environment == "staging" and effect.resource == "sql:db.staging.internal/app"
    assert verdict.decision == "ask"


def test_prisma_against_localhost_is_ordinary_work(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("DATABASE_URL=postgresql://postgres@localhost:5432/app_dev\n")
    assert shell("npx prisma migrate reset --force", cwd=str(tmp_path)).decision == "allow"
    assert shell("npx prisma migrate dev", cwd=str(tmp_path)).decision == "allow"


def test_prisma_without_any_url_is_unknown(tmp_path: Path) -> None:
    verdict = shell("prisma db push --accept-data-loss", cwd=str(tmp_path))
    effect = main_effect(verdict)
    assert effect.environment == "unknown" and effect.data_loss and effect.operation == "replace"
    assert verdict.approvals_required == 2


def test_prisma_db_execute_reads_the_file(tmp_path: Path) -> None:
    (tmp_path / "fix.sql").write_text("UPDATE orders SET status = 'void';\n")
    verdict = shell(f"prisma db execute --file fix.sql --url {PROD_URL}", cwd=str(tmp_path))
    assert any(e.resource == "sql:db.prod.internal/app/table/orders" and e.scope == "all" for e in verdict.effects)
    assert verdict.approvals_required == 2


# --- rails, django, alembic, artisan ------------------------------------------------------------------------------

@pytest.mark.parametrize(("command", "env", "decision", "approvals"), [
    ("rails db:drop", {}, "allow", 0),  # rails' default environment is development
    ("rails db:drop", {"RAILS_ENV": "production"}, "ask", 2),
    ("bin/rails db:reset RAILS_ENV=production", {}, "ask", 2),
    ("rake db:migrate VERSION=0", {"RAILS_ENV": "staging"}, "ask", 1),
    ("rails db:migrate", {"RAILS_ENV": "production"}, "ask", 1),
    ("rails db:migrate", {"DATABASE_URL": PROD_URL}, "ask", 1),
    ("rails db:schema:load", {"RACK_ENV": "production"}, "ask", 2),
    ("bundle exec rake db:rollback STEP=3", {"RAILS_ENV": "production"}, "ask", 1),
    ("rails runner 'User.delete_all'", {"RAILS_ENV": "production"}, "ask", 1),
    ("rails db:migrate:status", {"RAILS_ENV": "production"}, "allow", 0),
    ("rails credentials:show", {}, "ask", 1),
    ("rails generate model Post", {"RAILS_ENV": "production"}, "allow", 0),
])
def test_rails(command: str, env: dict[str, str], decision: str, approvals: int) -> None:
    verdict = shell(command, env=env)
    assert (verdict.decision, verdict.approvals_required) == (decision, approvals), verdict.reasons


def test_rails_version_zero_reverts_everything() -> None:
    effect = main_effect(shell("rake db:migrate VERSION=0", env={"RAILS_ENV": "production"}))
    assert effect.whole_environment and effect.data_loss


@pytest.mark.parametrize(("command", "env", "decision", "approvals"), [
    ("python manage.py flush --no-input", {}, "ask", 2),
    ("python manage.py flush --no-input", {"DATABASE_URL": "postgresql://localhost/app"}, "allow", 0),
    ("python manage.py migrate", {"DJANGO_SETTINGS_MODULE": "config.settings.production"}, "ask", 1),
    ("python manage.py migrate shop zero", {"DATABASE_URL": PROD_URL}, "ask", 2),
    ("python manage.py migrate --plan", {"DATABASE_URL": PROD_URL}, "allow", 0),
    ("python -m django sqlflush --settings=config.settings.production", {}, "allow", 0),
    ("django-admin createsuperuser --settings=config.settings.prod", {}, "ask", 1),
    ("python manage.py shell -c 'Order.objects.all().delete()'", {"DATABASE_URL": PROD_URL}, "ask", 1),
    ("python manage.py makemigrations", {"DATABASE_URL": PROD_URL}, "allow", 0),
])
def test_django(command: str, env: dict[str, str], decision: str, approvals: int) -> None:
    verdict = shell(command, env=env)
    assert (verdict.decision, verdict.approvals_required) == (decision, approvals), verdict.reasons


def test_django_sqlite_only_settings_are_local(tmp_path: Path) -> None:
    (tmp_path / "manage.py").write_text("import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'site.settings')\n")
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "settings.py").write_text(
        "DATABASES = {'default': {'ENGINE': 'django.db.backends.sqlite3', 'NAME': BASE_DIR / 'db.sqlite3'}}\n")
    assert shell("python manage.py flush --no-input", cwd=str(tmp_path)).decision == "allow"
    (tmp_path / "site" / "settings.py").write_text("import environ\nDATABASES = {'default': env.db()}\n")
    assert shell("python manage.py flush --no-input", cwd=str(tmp_path)).decision == "ask"


@pytest.mark.parametrize(("command", "env", "decision", "approvals"), [
    ("alembic downgrade base", {"DATABASE_URL": PROD_URL}, "ask", 2),
    ("alembic downgrade -1", {"DATABASE_URL": PROD_URL}, "ask", 1),
    ("alembic upgrade head", {"DATABASE_URL": "postgresql://localhost/app"}, "allow", 0),
    ("alembic upgrade head --sql", {"DATABASE_URL": PROD_URL}, "allow", 0),
    ("alembic -x env=prod upgrade head", {}, "ask", 1),
    ("alembic stamp head", {"DATABASE_URL": PROD_URL}, "ask", 1),
    ("alembic history", {}, "allow", 0),
])
def test_alembic(command: str, env: dict[str, str], decision: str, approvals: int) -> None:
    verdict = shell(command, env=env)
    assert (verdict.decision, verdict.approvals_required) == (decision, approvals), verdict.reasons


def test_alembic_ini_url(tmp_path: Path) -> None:
    (tmp_path / "alembic.ini").write_text("[alembic]\nscript_location = migrations\n"
                                          "sqlalchemy.url = postgresql://app@db.prod.internal/app\n")
    effect = main_effect(shell("alembic downgrade base", cwd=str(tmp_path)))
    assert effect.environment == "prod" and effect.resource == "sql:db.prod.internal/app"


@pytest.mark.parametrize(("command", "env", "decision", "approvals"), [
    ("php artisan migrate:fresh --force", {"APP_ENV": "production"}, "ask", 2),
    ("php artisan db:wipe", {"APP_ENV": "local"}, "allow", 0),
    ("php artisan migrate", {"APP_ENV": "production"}, "ask", 1),
    ("php artisan migrate:rollback --step=2", {"APP_ENV": "staging"}, "ask", 1),
    ("php artisan migrate --pretend", {"APP_ENV": "production"}, "allow", 0),
    ("php artisan route:list", {}, "allow", 0),
])
def test_artisan(command: str, env: dict[str, str], decision: str, approvals: int) -> None:
    verdict = shell(command, env=env)
    assert (verdict.decision, verdict.approvals_required) == (decision, approvals), verdict.reasons


def test_artisan_reads_laravel_dotenv(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("APP_ENV=local\nDB_HOST=mysql.prod.internal\nDB_DATABASE=shop\n")
    effect = main_effect(shell("php artisan migrate:fresh", cwd=str(tmp_path)))
    assert effect.environment == "prod"  # the database host says prod, whatever APP_ENV says


# --- node tools, supabase, SQL runners ----------------------------------------------------------------------------

@pytest.mark.parametrize(("command", "env", "decision", "approvals"), [
    ("knex migrate:rollback --all --env production", {}, "ask", 2),
    ("knex migrate:latest", {}, "allow", 0),  # knex's default environment is development
    ("npx sequelize-cli db:migrate:undo:all", {"NODE_ENV": "production"}, "ask", 2),
    ("typeorm schema:drop -d src/data-source.ts", {"DATABASE_URL": PROD_URL}, "ask", 2),
    ("npx typeorm schema:sync", {"DATABASE_URL": PROD_URL}, "ask", 2),
    ("supabase db reset", {}, "allow", 0),  # the local stack
    ("supabase db reset --linked", {}, "ask", 2),
    ("supabase db push", {}, "ask", 1),
    ("supabase db push --dry-run", {}, "allow", 0),
    ("supabase projects delete abcdefgh", {}, "ask", 2),
    ("drizzle-kit push --force", {"DATABASE_URL": PROD_URL}, "ask", 2),
    ("drizzle-kit generate", {"DATABASE_URL": PROD_URL}, "allow", 0),
    ("flyway -url=jdbc:postgresql://db.prod.internal/app clean", {}, "ask", 2),
    ("liquibase --url=jdbc:postgresql://localhost/app dropAll", {}, "allow", 0),
    ("liquibase --url=jdbc:postgresql://db.prod.internal/app rollback-count 1", {}, "ask", 1),
    ("dbmate -u postgres://localhost/app_dev drop", {}, "allow", 0),
    ("dbmate drop", {"DATABASE_URL": PROD_URL}, "ask", 2),
    ("atlas schema clean -u postgres://db.prod.internal/app", {}, "ask", 2),
    ("atlas schema apply -u postgres://db.prod.internal/app --dry-run", {}, "allow", 0),
    ("atlas schema apply -u postgres://db.prod.internal/app --auto-approve", {}, "ask", 1),
    ("migrate -database postgres://localhost/app_dev -path db/migrations up", {}, "allow", 0),
    ("migrate -database postgres://db.prod.internal/app -path db/migrations drop -f", {}, "ask", 2),
])
def test_migration_tools(command: str, env: dict[str, str], decision: str, approvals: int) -> None:
    verdict = shell(command, env=env)
    assert (verdict.decision, verdict.approvals_required) == (decision, approvals), verdict.reasons


# --- reading what would run ---------------------------------------------------------------------------------

def test_goose_reset_reads_every_down_section(tmp_path: Path) -> None:
    migrations = tmp_path / "db"
    migrations.mkdir()
    (migrations / "001_users.sql").write_text("-- +goose Up\nCREATE TABLE users (id int);\n"
                                              "-- +goose Down\nDROP TABLE users;\n")
    (migrations / "002_orders.sql").write_text("-- +goose Up\nCREATE TABLE orders (id int);\n"
                                               "-- +goose Down\nDROP TABLE orders;\n")
    verdict = shell('goose -dir db postgres "postgres://db.prod.internal/app" reset', cwd=str(tmp_path))
    dropped = {e.resource for e in verdict.effects if e.operation == "delete" and e.kind == "table"}
    assert dropped == {"sql:db.prod.internal/app/table/users", "sql:db.prod.internal/app/table/orders"}
    assert any("002_orders.sql" in e.summary for e in verdict.effects)
    assert verdict.approvals_required == 2


def test_golang_migrate_down_all_reads_the_down_files(tmp_path: Path) -> None:
    migrations = tmp_path / "migrations"
    migrations.mkdir()
    (migrations / "1_init.up.sql").write_text("CREATE TABLE a (id int);")
    (migrations / "1_init.down.sql").write_text("DROP TABLE a;")
    verdict = shell("migrate -database postgres://localhost/app_dev -path migrations down -all", cwd=str(tmp_path))
    assert any(e.resource == "sql:localhost/app_dev/table/a" and e.operation == "delete" for e in verdict.effects)
    assert verdict.decision == "allow"


def test_sqitch_revert_reads_the_revert_scripts(tmp_path: Path) -> None:
    (tmp_path / "revert").mkdir()
    (tmp_path / "revert" / "users.sql").write_text("BEGIN; DROP TABLE app.users; COMMIT;")
    verdict = shell("sqitch revert db:pg://db.prod.internal/app", cwd=str(tmp_path))
    assert any(e.resource == "sql:db.prod.internal/app/table/app.users" for e in verdict.effects)


def test_when_the_down_files_cannot_be_read_it_says_so(tmp_path: Path) -> None:
    verdict = shell('goose -dir nowhere postgres "postgres://db.prod.internal/app" reset', cwd=str(tmp_path))
    assert any("could not be read" in e.summary for e in verdict.effects)
    assert verdict.approvals_required == 2


def test_pending_migrations_say_what_cannot_be_known() -> None:
    effect = main_effect(shell("prisma migrate deploy", env={"DATABASE_URL": PROD_URL}))
    assert "cannot tell which are pending" in effect.summary
