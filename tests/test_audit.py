"""The audit hash chain: linked, verifiable, tamper-evident, serialised, and free of secrets — on SQLite and
on PostgreSQL."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import threading
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st

from changegate.gate.checkpoint import Checkpoint
from changegate.service.accounts import Accounts
from changegate.service.approvals import Approvals
from changegate.service.audit import AuditLog, AuditWriter, Entry, scrub, scrub_text, verify
from changegate.service.identity import Identity
from changegate.service.store.tables import GENESIS_HASH, audit, chain_head, requests

AGENT = Identity("agent", "claude", "agent", operator="alice")


def fill(store: Any, n: int = 5) -> AuditLog:
    log = AuditLog(store)
    for i in range(n):
        log.record("decision", "agent:claude", {"n": i, "summary": f"record {i}"})
    return log


def rows(store: Any) -> list[Any]:
    with store.read() as conn:
        return list(conn.execute(sa.select(audit).order_by(audit.c.seq)).all())


def test_each_record_hashes_the_previous_hash_and_its_canonical_json(store: Any) -> None:
    fill(store, 4)
    prev = GENESIS_HASH
    for row in rows(store):
        document = json.loads(row.record)
        canonical = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
        assert row.record.encode() == canonical
        assert row.prev_hash == prev
        assert row.hash == hashlib.sha256(prev.encode() + canonical).hexdigest()
        assert document["seq"] == row.seq and document["kind"] == "decision"
        prev = row.hash
    assert verify(store).ok and verify(store).records == 4


def test_verify_names_a_record_whose_content_was_changed(store: Any) -> None:
    fill(store, 5)
    with store.write() as conn:
        conn.execute(audit.update().where(audit.c.seq == 3)
                     .values(record=sa.func.replace(audit.c.record, "record 2", "record X")))
    result = verify(store)
    assert not result.ok and result.broken_seq == 3
    assert "changed" in result.problem and result.records == 2


def test_verify_names_a_record_rewritten_with_a_fresh_hash(store: Any) -> None:
    fill(store, 5)
    third = rows(store)[2]
    forged = third.record.replace("record 2", "record X")
    with store.write() as conn:
        conn.execute(audit.update().where(audit.c.seq == 3).values(
            record=forged, hash=hashlib.sha256(third.prev_hash.encode() + forged.encode()).hexdigest()))
    result = verify(store)
    assert not result.ok and result.broken_seq == 4
    assert "record 3 was changed" in result.problem


def test_verify_names_a_removed_record_and_a_cut_off_end(store: Any) -> None:
    fill(store, 5)
    with store.write() as conn:
        conn.execute(sa.delete(audit).where(audit.c.seq == 5))
    cut = verify(store)
    assert not cut.ok and cut.broken_seq == 5 and "removed from the end" in cut.problem
    with store.write() as conn:
        conn.execute(sa.delete(audit).where(audit.c.seq == 2))
    gap = verify(store)
    assert not gap.ok and gap.broken_seq == 2 and "missing" in gap.problem


def test_verify_notices_a_changed_column(store: Any) -> None:
    fill(store, 3)
    with store.write() as conn:
        conn.execute(audit.update().where(audit.c.seq == 2).values(actor="user:nobody"))
    result = verify(store)
    assert not result.ok and result.broken_seq == 2 and "columns" in result.problem


def test_the_cli_names_the_broken_record(store: Any, store_url: str) -> None:
    fill(store, 3)
    env = {**os.environ, "CHANGEGATE_DATABASE_URL": store_url}
    env.pop("CHANGEGATE_URL", None)
    command = [sys.executable, "-m", "changegate", "audit", "verify"]
    ok = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
    assert ok.returncode == 0 and "intact: 3 records" in ok.stdout
    with store.write() as conn:
        conn.execute(audit.update().where(audit.c.seq == 2).values(
            record=sa.func.replace(audit.c.record, "record 1", "record 9")))
    broken = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
    assert broken.returncode == 1 and "broken at record 2" in broken.stderr


def test_concurrent_writers_make_one_unbroken_chain(store: Any) -> None:
    writer = AuditWriter(store)
    log = AuditLog(store)
    errors: list[Exception] = []

    def batch_writer(k: int) -> None:
        try:
            futures = [writer.submit(Entry("decision", f"agent:w{k}", {"i": i})) for i in range(40)]
            for f in futures:
                f.result(30)
        except Exception as exc:
            errors.append(exc)

    def direct_writer(k: int) -> None:
        try:
            for i in range(15):
                log.record("request.vote", f"user:u{k}", {"i": i})
        except Exception as exc:
            errors.append(exc)

    threads = [threading.Thread(target=batch_writer, args=(k,)) for k in range(4)]
    threads += [threading.Thread(target=direct_writer, args=(k,)) for k in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    writer.close()
    assert not errors, errors
    result = verify(store)
    assert result.ok and result.records == 4 * 40 + 3 * 15
    with store.read() as conn:
        head = conn.execute(sa.select(chain_head)).one()
    assert head.seq == result.records


def test_records_since_and_after(store: Any) -> None:
    log = fill(store, 6)
    assert [r.seq for r in log.records(after_seq=4)] == [5, 6]
    assert [r.seq for r in log.records(limit=2, newest=True)] == [5, 6]
    everything = log.records(limit=100)
    assert [r.seq for r in log.records(since=everything[0].at)] == [1, 2, 3, 4, 5, 6]
    assert log.records(since=everything[-1].at + 10) == []
    assert [r.seq for r in log.iterate()] == [1, 2, 3, 4, 5, 6]


# --- secrets never reach the log -----------------------------------------------------------------------

SECRETS = ["hunter2-pg", "s3cret-url-pw", "ghp_abcdefghijklmnopqrstuvwxyz012345", "AKIAABCDEFGHIJKLMNOP",
           "wJalrXUtnFEMI-K7MDENG", "Bearer-xyz-123456", "very-secret-password"]


def test_secrets_in_actions_env_tokens_and_passwords_never_reach_the_log(store: Any) -> None:
    accounts = Accounts(store)
    accounts.add_user("alice", "approver", "very-secret-password", "cli:test")
    token_id, token = accounts.create_agent_token("claude", "alice", "cli:test")
    accounts.revoke_token(token_id, "cli:test")
    accounts.check_password("alice", "very-secret-password")
    accounts.check_password("alice", "wrong-guess-password")
    env = {"HOME": "/home/dev", "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI-K7MDENG", "GITHUB_TOKEN": SECRETS[2],
           "AWS_ACCESS_KEY_ID": "AKIAABCDEFGHIJKLMNOP"}
    checkpoint = Checkpoint(store)
    commands = [
        "PGPASSWORD=hunter2-pg psql -h db.prod.internal -c 'DROP TABLE users'",
        "psql postgresql://app:s3cret-url-pw@db.prod.internal/app -c 'DELETE FROM users'",
        f"GITHUB_TOKEN={SECRETS[2]} gh repo delete acme/api --yes",
        "curl -H 'Authorization: Bearer-xyz-123456' -X DELETE https://api.prod.example.com/v1/users",
        "echo $AWS_SECRET_ACCESS_KEY",
    ]
    for command in commands:
        checkpoint.check({"type": "shell", "command": command, "cwd": "/home/dev/app", "env": env}, AGENT)
    checkpoint.check({"type": "http", "method": "DELETE", "url": "https://api.prod.example.com/x",
                      "headers": {"Authorization": "Bearer-xyz-123456"}, "env": env}, AGENT)
    with store.read() as conn:
        logged = " ".join(r.record for r in conn.execute(sa.select(audit)).all())
        stored = " ".join(f"{r.action} {r.verdict} {r.summary}" for r in conn.execute(sa.select(requests)).all())
    assert logged.count('"kind":"decision"') == len(commands) + 1
    for secret in [*SECRETS, token]:
        assert secret not in logged, secret
        assert secret not in stored, secret
    assert "[redacted]" in logged and verify(store).ok


def test_scrub_keeps_what_is_not_secret() -> None:
    assert scrub_text("kubectl --context prod delete ns payments") == "kubectl --context prod delete ns payments"
    assert scrub_text("AWS_PROFILE=prod aws s3 rm s3://b --recursive") == "AWS_PROFILE=prod aws s3 rm s3://b --recursive"
    assert scrub({"password": "x", "nested": {"api_key": "k", "name": "n"}, "n": 3}) == {
        "password": "[redacted]", "nested": {"api_key": "[redacted]", "name": "n"}, "n": 3}


def test_the_request_queue_also_keeps_no_secrets(store: Any) -> None:
    approvals = Approvals(store)
    request, _ = approvals.file(action={"type": "shell", "command": "MYSQL_PWD=hunter2-pg mysql -e 'drop database x'"},
                                action_hash="h" * 64, verdict={"summary": "drops x", "reasons": ["token=abc123"]},
                                agent="claude", operator="alice", required=1, reason="PGPASSWORD=hunter2-pg was needed")
    shown = json.dumps(approvals.get(request.id).as_dict())
    assert "hunter2-pg" not in shown and "abc123" not in shown


@pytest.mark.parametrize("text", ["-----BEGIN RSA PRIVATE KEY-----\nMIIEabc\n-----END RSA PRIVATE KEY-----",
                                  '{"client_secret": "zzz-top"}', "mysql -pnothing --password=zzz-top"])
def test_scrub_removes_keys_and_json_secrets(text: str) -> None:
    cleaned = scrub_text(text)
    assert "zzz-top" not in cleaned and "MIIEabc" not in cleaned


SECRET_NAMES = ["MY_SECRET", "GH_TOKEN", "PASSWORD", "db_passwd", "DB_PWD", "API_KEY", "MY_APIKEY", "AWS_ACCESS_KEY",
                "PRIVATE_KEY", "CREDENTIALS", "AUTH_HEADER", "SESSION_KEY", "SIGNING_KEY", "CLIENT_SECRET",
                "SLACK_WEBHOOK_URL", "SENTRY_DSN"]


@pytest.mark.parametrize("name", SECRET_NAMES)
def test_the_scrub_prefilter_lets_every_secret_name_through(name: str) -> None:
    from changegate.model import looks_secret

    assert looks_secret(name)
    assert scrub_text(f"{name}=value-1234 run") == f"{name}=[redacted] run"


PIECES = ["rm -rf ", "build", " --token ", "sk-", "abcdefghijklmnopqrstuvwx", "=", "PASSWORD", "x@", "https://u:",
          "ghp_", "AKIA", "0123456789ABCDEF", '"secret": "', '"', " ", "Authorization: ", "Bearer z", "-----BEGIN ",
          "PRIVATE KEY-----", "é", "\n", "auth", "cookie: c=1"]


@given(st.lists(st.sampled_from(PIECES), max_size=12).map("".join))
@settings(max_examples=300, deadline=None)
def test_the_prefilter_never_skips_a_string_the_patterns_would_change(text: str) -> None:
    from changegate.service.audit import substitute

    assert scrub_text(text) == substitute(text)


def test_the_store_knows_the_newest_migration(store: Any) -> None:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from changegate.service.store import HEAD_REVISION, current_revision, migrations_dir

    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    assert ScriptDirectory.from_config(config).get_current_head() == HEAD_REVISION
    assert current_revision(store) == HEAD_REVISION
