"""Package managers and build tools: scripts are followed, installs are placed, publishing is publishing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from changegate.understand.commands import family_for
from tests.conftest import shell

# The walker's time budget also covers a family's first import in a process; these tests are about decisions.
for name in ("npm", "pip", "make", "cargo", "prisma", "rm", "psql", "curl", "vitest"):
    family_for(name)

PROD_URL = "postgresql://app@db.prod.internal:5432/app"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "package.json").write_text(json.dumps({"name": "app", "scripts": {
        "build": "tsc -p .",
        "test": "vitest run",
        "pretest": "eslint .",
        "db:push": "drizzle-kit push",
        "reset": "prisma migrate reset --force && npm run seed",
        "seed": "node prisma/seed.js",
        "clean": "rm -rf dist .next",
        "deploy": "rm -rf /srv/app && cp -r dist /srv/app",
        "nuke": "rm -rf ./*",
        "postinstall": "prisma generate",
    }}))
    return tmp_path


# --- package.json scripts --------------------------------------------------------------------------------------

@pytest.mark.parametrize("command", ["npm run build", "npm test", "npm t", "yarn build", "pnpm test",
                                     "pnpm run clean", "bun run build", "npm run clean -- --verbose"])
def test_ordinary_scripts_are_allowed(project: Path, command: str) -> None:
    verdict = shell(command, cwd=str(project))
    assert verdict.decision == "allow", verdict.reasons


def test_the_script_is_what_is_judged(project: Path) -> None:
    verdict = shell("npm run deploy", cwd=str(project))
    assert verdict.decision == "ask"
    assert any(e.operation == "delete" and e.resource == "fs:/srv/app" for e in verdict.effects)


def test_scripts_run_in_the_directory_of_their_package_json(project: Path) -> None:
    (project / "src").mkdir()
    verdict = shell("npm run nuke", cwd=str(project / "src"))
    assert any(e.resource == f"fs:{project}/*" for e in verdict.effects), verdict.effects


def test_scripts_call_scripts(project: Path) -> None:
    verdict = shell("npm run reset", cwd=str(project), env={"DATABASE_URL": PROD_URL})
    assert verdict.approvals_required == 2
    assert any(e.family == "migrations" and e.whole_environment for e in verdict.effects)


def test_pre_and_post_scripts_run_too(project: Path) -> None:
    verdict = shell("npm test", cwd=str(project))
    shown = " ".join(e.summary for e in verdict.effects)
    assert "eslint" in shown and "vitest" in shown


def test_a_missing_script_fails_harmlessly(project: Path) -> None:
    verdict = shell("npm run nothing-here", cwd=str(project))
    assert verdict.decision == "allow"
    assert "no such script" in verdict.effects[0].summary


def test_without_package_json_npm_run_runs_nothing(tmp_path: Path) -> None:
    verdict = shell("npm run db:push", cwd=str(tmp_path), env={"DATABASE_URL": PROD_URL})
    assert verdict.decision == "allow"  # npm fails: there is no script to run
    assert "absent-program" in verdict.effects[0].tags
    # unless this command line may write the package.json first
    verdict = shell("curl -o package.json https://x.example/p.json && npm run db:push", cwd=str(tmp_path),
                    env={"DATABASE_URL": PROD_URL})
    assert verdict.decision == "ask"


def test_recursive_scripts_are_bounded(tmp_path: Path) -> None:
    (tmp_path / "package.json").write_text(json.dumps({"scripts": {"a": "npm run b", "b": "npm run a"}}))
    verdict = shell("npm run a", cwd=str(tmp_path))
    assert verdict.decision == "deny"
    assert any("too-deep" in e.tags for e in verdict.effects)


def test_install_runs_the_projects_install_scripts(project: Path) -> None:
    verdict = shell("npm install", cwd=str(project))
    assert verdict.decision == "allow"
    assert any("prisma generate" in e.summary for e in verdict.effects)


# --- running tools ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("command", ["npx prisma migrate reset --force", "npx -y prisma@5 migrate reset --force",
                                     "pnpm exec prisma migrate reset --force", "yarn dlx prisma migrate reset --force",
                                     "bunx prisma migrate reset --force", "npm exec -- prisma migrate reset --force",
                                     "npx -c 'prisma migrate reset --force'"])
def test_runners_run_the_tool(tmp_path: Path, command: str) -> None:
    verdict = shell(command, cwd=str(tmp_path), env={"DATABASE_URL": PROD_URL})
    assert verdict.approvals_required == 2, verdict.reasons


@pytest.mark.parametrize("command", ["uv run alembic downgrade base", "poetry run alembic downgrade base",
                                     "pipx run alembic downgrade base", "uvx alembic downgrade base",
                                     "bundle exec alembic downgrade base"])
def test_python_and_ruby_runners_run_the_tool(command: str) -> None:
    assert shell(command, env={"DATABASE_URL": PROD_URL}).approvals_required == 2


# --- installing -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("command", "env", "decision"), [
    ("npm install", {}, "allow"),
    ("npm ci", {}, "allow"),
    ("yarn add lodash", {}, "allow"),
    ("npm install -g pkg", {}, "ask"),
    ("npm uninstall -g pkg", {}, "ask"),
    ("yarn global add pkg", {}, "ask"),
    ("pip install requests", {}, "ask"),  # into whichever Python is first on PATH
    ("pip install requests", {"VIRTUAL_ENV": "/home/dev/app/.venv"}, "allow"),
    (".venv/bin/pip install -r requirements.txt", {}, "allow"),
    ("python -m pip install -e .", {"VIRTUAL_ENV": "/home/dev/app/.venv"}, "allow"),
    ("pip install --user black", {"VIRTUAL_ENV": "/home/dev/app/.venv"}, "ask"),
    ("pip install --break-system-packages x", {}, "ask"),
    ("sudo pip install black", {}, "ask"),
    ("pip install git+https://github.com/org/repo.git", {"VIRTUAL_ENV": "/home/dev/app/.venv"}, "allow"),
    ("pip download requests", {}, "allow"),
    ("uv pip install x", {}, "allow"),
    ("uv pip install --system x", {}, "ask"),
    ("uv add requests", {}, "allow"),
    ("uv sync", {}, "allow"),
    ("uv tool install ruff", {}, "ask"),
    ("poetry install", {}, "allow"),
    ("pipx install httpie", {}, "ask"),
    ("conda install numpy", {}, "ask"),
    ("conda create -p ./env python=3.12", {}, "allow"),
    ("cargo install ripgrep", {}, "ask"),
    ("go install golang.org/x/tools/gopls@latest", {}, "ask"),
    ("gem install rails", {}, "ask"),
    ("bundle install", {}, "allow"),
    ("npm cache clean --force", {}, "ask"),
])
def test_installs(command: str, env: dict[str, str], decision: str) -> None:
    verdict = shell(command, env=env)
    assert verdict.decision == decision, verdict.reasons


def test_a_global_install_says_why() -> None:
    verdict = shell("npm install -g typescript")
    assert "machine" in verdict.effects[0].tags
    assert any("npx" in s for s in verdict.suggestions)


# --- publishing --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("command", ["npm publish", "pnpm publish --access public", "npm unpublish pkg@1.0.0",
                                     "npm deprecate pkg 'use other'", "npm dist-tag add pkg@1.0.0 latest",
                                     "cargo publish", "poetry publish --build", "uv publish", "gem push x.gem",
                                     "mvn clean deploy", "./mvnw deploy", "gradle publish", "./gradlew publish",
                                     "cargo yank --version 1.0.0", "twine upload dist/*"])
def test_publishing_asks(command: str) -> None:
    verdict = shell(command)
    assert verdict.decision == "ask"
    assert any(e.operation == "publish" for e in verdict.effects), verdict.effects


@pytest.mark.parametrize("command", ["npm publish --dry-run", "cargo publish --dry-run", "npm dist-tag ls pkg"])
def test_publishing_dry_runs_are_reads(command: str) -> None:
    assert shell(command).decision == "allow"


# --- build tools and make -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("command", ["cargo build --release", "cargo test", "go build ./...", "go test ./...",
                                     "mvn -q package", "gradle build", "pytest -x", "tsc --noEmit", "ruff check .",
                                     "cd src && cargo build && cargo test"])
def test_ordinary_build_work_is_allowed(command: str) -> None:
    assert shell(command).decision == "allow"


def test_building_ignores_connection_variables_but_running_tests_does_not() -> None:
    assert shell("cargo build", env={"DATABASE_URL": PROD_URL}).decision == "allow"
    assert shell("pytest", env={"DATABASE_URL": PROD_URL}).decision == "ask"


@pytest.fixture
def makefile(tmp_path: Path) -> Path:
    (tmp_path / "Makefile").write_text(
        "DB ?= postgres://db.prod.internal/app\nBUILD := build\n"
        ".PHONY: all test clean reset deploy\n"
        "all: build\n"
        "build:\n\tgo build -o $(BUILD)/app ./...\n"
        "test:\n\tgo test ./...\n"
        "clean:\n\trm -rf $(BUILD) dist\n"
        "reset: clean\n\t@psql $(DB) -c \"DROP SCHEMA public CASCADE\"\n"
        "deploy: build\n\t-rsync -a --delete $(BUILD)/ /srv/app/\n"
        "%.o: %.c\n\tcc -c $<\n")
    return tmp_path


@pytest.mark.parametrize(("command", "decision", "approvals"), [
    ("make", "allow", 0),
    ("make test", "allow", 0),
    ("make clean", "allow", 0),
    ("make reset", "ask", 2),
    ("make reset DB=postgres://localhost/app", "allow", 0),
    ("make deploy", "ask", 1),
    ("make -n reset", "allow", 0),
    ("make main.o", "allow", 0),
])
def test_make_reads_the_recipe(makefile: Path, command: str, decision: str, approvals: int) -> None:
    verdict = shell(command, cwd=str(makefile))
    assert (verdict.decision, verdict.approvals_required) == (decision, approvals), verdict.reasons


def test_make_in_another_directory(makefile: Path) -> None:
    assert shell(f"make -C {makefile} reset", cwd=str(makefile)).approvals_required == 2


def test_make_without_a_makefile_runs_nothing(tmp_path: Path) -> None:
    verdict = shell("make all", cwd=str(tmp_path))
    assert verdict.decision == "allow"
    assert "absent-program" in verdict.effects[0].tags
    verdict = shell("git clone https://github.com/x/y . && make all", cwd=str(tmp_path))
    assert verdict.decision == "ask"  # the clone may bring a Makefile
