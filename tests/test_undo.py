"""Undo: what an approved destructive action destroyed comes back — files byte for byte, PostgreSQL and SQLite
tables, git state, Kubernetes objects — and what cannot be kept is said in the approval request."""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import sqlite3
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from changegate.broker import undo
from changegate.cli import broker as cli
from tests.brokering import Gate
from tests.stores import PG_HOST, PG_PORT, PG_USERS


def tree_state(root: Path) -> dict[str, Any]:
    """Everything byte-for-byte undo must bring back: paths, types, modes, sizes, contents, link targets,
    modification times."""
    state: dict[str, Any] = {}
    for path in sorted([root, *root.rglob("*")]):
        info = path.lstat()
        entry: dict[str, Any] = {"mode": stat.filemode(info.st_mode)}
        if stat.S_ISLNK(info.st_mode):
            entry["target"] = os.readlink(path)
        elif stat.S_ISREG(info.st_mode):
            entry["sha256"] = hashlib.sha256(path.read_bytes()).hexdigest()
            entry["size"] = info.st_size
            entry["mtime_ns"] = info.st_mtime_ns
        state[str(path.relative_to(root.parent))] = entry
    return state


def undo_cli(*args: str) -> int:
    return cli.put_back(args[0], force="--force" in args, wait=0.0, policy=None)


# --- files ---------------------------------------------------------------------------------------------

def test_an_approved_rm_rf_is_undone_byte_for_byte(gate: Gate, tmp_path: Path) -> None:
    data = tmp_path / "data"
    (data / "deep" / "er").mkdir(parents=True)
    (data / "empty").mkdir()
    (data / "notes.txt").write_text("keep me\n")
    (data / "deep" / "blob.bin").write_bytes(bytes(range(256)) * 64)
    (data / "deep" / "er" / "script.sh").write_text("#!/bin/sh\necho hi\n")
    (data / "deep" / "er" / "script.sh").chmod(0o750)
    (data / "private").write_text("secret")
    (data / "private").chmod(0o600)
    (data / "link").symlink_to("deep/blob.bin")
    os.utime(data / "notes.txt", ns=(1_600_000_000_000_000_000, 1_600_000_000_000_000_000))
    before = tree_state(data)

    first = gate.run(["rm", "-rf", str(data)], tmp_path)
    assert first.code == 10
    assert f"undo: kept before it runs: the directory {data}" in gate.request(first.request).reason
    gate.approve(first.request)
    ran = gate.run(["rm", "-rf", str(data)], tmp_path)
    assert ran.code == 0 and not data.exists()

    assert undo_cli(ran.snapshot) == 0
    assert tree_state(data) == before
    listed = {s["id"]: s for s in undo.snapshots()}
    assert listed[ran.snapshot]["status"] == "restored" and listed[ran.snapshot]["request"] == first.request
    assert undo_cli(ran.snapshot) == 1  # once


def test_undo_refuses_to_overwrite_what_came_after_unless_forced(gate: Gate, tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "old.txt").write_text("old")
    ran = gate.approved_run(["rm", "-rf", str(data)], tmp_path)
    data.mkdir()
    (data / "new.txt").write_text("written after the action")
    assert undo_cli(ran.snapshot) == 1
    assert (data / "new.txt").exists()
    assert undo_cli(ran.snapshot, "--force") == 0
    assert (data / "old.txt").read_text() == "old"
    displaced = list((gate.state / "undo" / ran.snapshot / "displaced").rglob("new.txt"))
    assert displaced and displaced[0].read_text() == "written after the action"  # moved aside, not lost


def test_the_gates_own_state_is_never_kept_inside_itself(gate: Gate, tmp_path: Path) -> None:
    from changegate.model import Effect

    (gate.state / "undo").mkdir(parents=True)
    deleting = [Effect(operation="delete", resource=f"fs:{tmp_path}", family="rm")]
    planned = undo.plan(["rm", "-rf", str(tmp_path)], str(tmp_path), deleting, undo.Tools(env=dict(os.environ)))
    assert planned.empty and "the gate's own snapshots" in planned.note()


def test_what_cannot_be_kept_is_said_in_the_request(gate: Gate, tmp_path: Path) -> None:
    first = gate.run(["aws", "s3", "rm", "s3://prod-assets/report.csv"], tmp_path)
    assert first.code == 10
    reason = gate.request(first.request).reason
    assert "irreversible: no snapshot possible" in reason and "s3://prod-assets/report.csv" in reason


# --- SQLite --------------------------------------------------------------------------------------------

def sqlite_rows(db: Path, table: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(db) as conn:
        return conn.execute(f"SELECT rowid, * FROM {table} ORDER BY rowid").fetchall()


@pytest.mark.parametrize("statement", ["DROP TABLE people", "DELETE FROM people"])
def test_sqlite_tables_come_back(gate: Gate, tmp_path: Path, statement: str) -> None:
    db = tmp_path / "app.db"
    with sqlite3.connect(db) as conn:
        conn.executescript("""
            CREATE TABLE people (name TEXT NOT NULL, email TEXT);
            CREATE UNIQUE INDEX people_email ON people(email);
            CREATE TABLE audit_trail (what TEXT);
            CREATE TRIGGER people_log AFTER INSERT ON people BEGIN INSERT INTO audit_trail VALUES (NEW.name); END;
            INSERT INTO people VALUES ('ada', 'ada@example.com'), ('bob', 'bob@example.com'),
                                      ('cy', 'cy@example.com');
            DELETE FROM people WHERE name = 'bob';  -- a gap in the rowids, which must survive
        """)
    before = sqlite_rows(db, "people")
    ran = gate.approved_run(["sqlite3", str(db), statement], tmp_path)
    assert ran.code == 0
    with sqlite3.connect(db) as conn:
        left = conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 'people'").fetchone()[0]
        assert left == 0 or conn.execute("SELECT count(*) FROM people").fetchone()[0] == 0
        conn.execute("INSERT INTO audit_trail VALUES ('written after')")  # another table: left alone
    assert undo_cli(ran.snapshot) == 0
    assert sqlite_rows(db, "people") == before
    with sqlite3.connect(db) as conn:
        names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE tbl_name = 'people'")}
        assert names == {"people", "people_email", "people_log"}
        assert ("written after",) in conn.execute("SELECT what FROM audit_trail").fetchall()


# --- PostgreSQL ----------------------------------------------------------------------------------------

@pytest.fixture
def pg_db() -> Iterator[tuple[str, str]]:
    """A fresh database on the test server: (user, database)."""
    psycopg = pytest.importorskip("psycopg")
    for user in PG_USERS:
        try:
            admin = psycopg.connect(host=PG_HOST, port=PG_PORT, user=user, dbname="test", autocommit=True,
                                    connect_timeout=3)
            break
        except psycopg.Error:
            continue
    else:
        if os.environ.get("CHANGEGATE_TEST_REQUIRE_PG"):
            pytest.fail("no PostgreSQL on 127.0.0.1:5432")
        pytest.skip(f"no PostgreSQL answers on {PG_HOST}:{PG_PORT}: the PostgreSQL undo tests did not run")
    name = f"cg_undo_{os.getpid()}_{secrets.token_hex(3)}"
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        with psycopg.connect(host=PG_HOST, port=PG_PORT, user=user, dbname=name, autocommit=True) as conn:
            conn.execute("CREATE TABLE users (id serial PRIMARY KEY, name text NOT NULL, balance numeric(10,2))")
            conn.execute("CREATE TABLE orders (id serial PRIMARY KEY, user_id int REFERENCES users(id), item text)")
            conn.execute("INSERT INTO users (name, balance) VALUES ('ada', 10.50), ('grace', 0), ('linus', -3.25)")
            conn.execute("INSERT INTO orders (user_id, item) VALUES (1, 'book'), (2, 'lamp'), (1, 'pen')")
        yield user, name
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def pg_rows(user: str, db: str, table: str) -> list[tuple[Any, ...]] | None:
    import psycopg

    with psycopg.connect(host=PG_HOST, port=PG_PORT, user=user, dbname=db) as conn:
        exists = conn.execute("SELECT to_regclass(%s)", (table,)).fetchone()
        if exists is None or exists[0] is None:
            return None
        return conn.execute(f"SELECT * FROM {table} ORDER BY id").fetchall()


@pytest.mark.parametrize("statement, table", [("DROP TABLE orders", "orders"),
                                              ("TRUNCATE users CASCADE", "users")])
def test_postgresql_tables_come_back(gate: Gate, tmp_path: Path, pg_db: tuple[str, str], statement: str,
                                     table: str) -> None:
    user, db = pg_db
    before = {t: pg_rows(user, db, t) for t in ("users", "orders")}
    argv = ["psql", "-X", "-h", PG_HOST, "-p", str(PG_PORT), "-U", user, "-d", db, "-c", statement]
    first = gate.run(argv, tmp_path)
    assert "PostgreSQL table" in gate.request(first.request).reason
    gate.approve(first.request)
    ran = gate.run(argv, tmp_path)
    assert ran.code == 0, ran.stderr
    assert pg_rows(user, db, table) in (None, [])

    # putting it back changes the database: it goes through the gate like any change, and asks
    assert undo_cli(ran.snapshot) == 10
    restore = gate.records("decision")[-1].data
    assert restore["decision"] == "ask" and restore["action"]["argv"][0] == "psql"
    gate.approve(restore["request"])
    assert undo_cli(ran.snapshot) == 0
    assert {t: pg_rows(user, db, t) for t in ("users", "orders")} == before


# --- git -----------------------------------------------------------------------------------------------

def git(repo: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.com"}
    return subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True, text=True).stdout


def make_repo(path: Path) -> Path:
    path.mkdir()
    git(path, "init", "-q", "-b", "main")
    (path / "app.py").write_text("v1\n")
    git(path, "add", "app.py")
    git(path, "commit", "-qm", "first")
    (path / "app.py").write_text("v2\n")
    (path / "lib.py").write_text("lib\n")
    git(path, "add", "app.py", "lib.py")
    git(path, "commit", "-qm", "second")
    return path


def test_a_forced_reset_is_undone(gate: Gate, tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    head = git(repo, "rev-parse", "HEAD").strip()
    (repo / "lib.py").write_text("staged change\n")
    git(repo, "add", "lib.py")
    (repo / "app.py").write_text("unstaged change\n")
    (repo / "scratch.txt").write_text("untracked work\n")
    status = git(repo, "status", "--porcelain")

    ran = gate.approved_run(["git", "reset", "--hard", "HEAD~1"], repo)
    assert ran.code == 0
    assert git(repo, "rev-parse", "HEAD").strip() != head and (repo / "app.py").read_text() == "v1\n"
    assert git(repo, "rev-parse", f"refs/changegate/{ran.snapshot}/HEAD").strip() == head

    assert undo_cli(ran.snapshot) == 0
    assert git(repo, "rev-parse", "HEAD").strip() == head
    assert (repo / "app.py").read_text() == "unstaged change\n"
    assert (repo / "lib.py").read_text() == "staged change\n"
    assert (repo / "scratch.txt").read_text() == "untracked work\n"
    assert git(repo, "status", "--porcelain") == status  # staged stays staged, unstaged unstaged


def test_a_force_push_is_undone_through_the_gate(gate: Gate, tmp_path: Path) -> None:
    remote = tmp_path / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(remote)], check=True)
    repo = make_repo(tmp_path / "repo")
    git(repo, "remote", "add", "origin", str(remote))
    git(repo, "push", "-q", "origin", "main")
    published = git(repo, "rev-parse", "HEAD").strip()
    git(repo, "reset", "-q", "--hard", "HEAD~1")
    (repo / "other.py").write_text("rewritten history\n")
    git(repo, "add", "other.py")
    git(repo, "commit", "-qm", "rewrite")

    ran = gate.approved_run(["git", "push", "--force", "origin", "main"], repo)
    assert ran.code == 0, ran.stderr
    assert git(remote, "rev-parse", "main").strip() != published

    assert undo_cli(ran.snapshot) == 10  # a push to the remote asks, like any force push
    gate.approve(gate.records("decision")[-1].data["request"])
    assert undo_cli(ran.snapshot) == 0
    assert git(remote, "rev-parse", "main").strip() == published


# --- Kubernetes ----------------------------------------------------------------------------------------

FAKE_KUBECTL = """#!{python}
import json, sys, pathlib
record = pathlib.Path({record!r})
args = sys.argv[1:]
with record.open("a") as log:
    log.write(json.dumps(args) + "\\n")
if "get" in args:
    print('''apiVersion: v1
kind: List
items:
- apiVersion: apps/v1
  kind: Deployment
  metadata: {{name: web, namespace: shop, uid: 1234, resourceVersion: "99", creationTimestamp: "2026-01-01T00:00:00Z"}}
  spec: {{replicas: 2}}
  status: {{readyReplicas: 2}}
- apiVersion: apps/v1
  kind: ReplicaSet
  metadata: {{name: web-abc, namespace: shop, ownerReferences: [{{kind: Deployment, name: web}}]}}
- apiVersion: v1
  kind: Service
  metadata: {{name: web, namespace: shop}}
  spec: {{clusterIP: 10.0.0.7, clusterIPs: [10.0.0.7], ports: [{{port: 80}}]}}''')
if "apply" in args:
    with record.open("a") as log:
        log.write(pathlib.Path(args[args.index("-f") + 1]).read_text())
"""


def test_kubernetes_deletes_are_saved_and_reapplied(gate: Gate, tmp_path: Path) -> None:
    import yaml

    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    record = tmp_path / "kubectl.log"
    kubectl = bin_dir / "kubectl"
    kubectl.write_text(FAKE_KUBECTL.format(python=sys.executable, record=str(record)))
    kubectl.chmod(0o755)
    env = gate.env(PATH=f"{bin_dir}:{os.environ['PATH']}")
    argv = ["kubectl", "--context", "kind-shop", "-n", "shop", "delete", "deployment,service", "web", "--wait=false"]
    first = gate.run(argv, tmp_path, env=env)
    gate.approve(first.request)
    ran = gate.run(argv, tmp_path, env=env)
    assert ran.code == 0
    calls = [json.loads(line) for line in record.read_text().splitlines()]
    assert calls[0] == ["--context", "kind-shop", "-n", "shop", "get", "deployment,service", "web", "-o", "yaml"]
    assert calls[1] == argv[1:]  # then exactly the approved delete

    undo.restore(ran.snapshot, approving_tools(gate, env))
    applied_call = [json.loads(line) for line in record.read_text().splitlines() if line.startswith("[")][-1]
    assert applied_call[:4] == ["--context", "kind-shop", "apply", "-f"]
    applied = yaml.safe_load(Path(applied_call[4]).read_text())
    kinds = [(o["kind"], o["metadata"]["name"]) for o in applied["items"]]
    assert kinds == [("Deployment", "web"), ("Service", "web")]  # the ReplicaSet is its controller's to make
    deployment, service = applied["items"]
    assert "uid" not in deployment["metadata"] and "status" not in deployment
    assert "clusterIP" not in service["spec"] and service["spec"]["ports"] == [{"port": 80}]


def test_kubectl_is_read_with_its_own_options_table(tmp_path: Path) -> None:
    """The planner reads kubectl's words with kubectl's own tables, so an option it never names itself
    (`--kuberc FILE`, which takes a value) cannot hide the delete: the namespace is still saved first."""
    from changegate.broker.undo.kube import KubeKeeper
    from tests.conftest import shell

    argv = ["kubectl", "--kuberc", str(tmp_path / "kuberc"), "--context", "prod", "delete", "ns", "payments"]
    verdict = shell(" ".join(argv))
    the_plan = undo.plan(argv, str(tmp_path), verdict.effects, undo.Tools(env={}))
    [keeper] = the_plan.keepers
    assert isinstance(keeper, KubeKeeper)
    assert keeper.globals == argv[1:5] and keeper.get_args == ["ns", "payments"]
    assert keeper.namespaces == ["payments"]
    assert any("volumes" in line for line in the_plan.lost)


def approving_tools(gate: Gate, env: dict[str, str]) -> undo.Tools:
    """Tools whose gated steps are approved by a person as soon as they ask (what an operator would do)."""
    def step(argv: list[str], cwd: str) -> int:
        ran = gate.run(argv, cwd, env=env)
        if ran.code == 10:
            gate.approve(ran.request)
            ran = gate.run(argv, cwd, env=env)
        return ran.code

    return undo.Tools(env=env, gated=step)
