"""A tunnel opened earlier in the line decides where later traffic to localhost lands."""

from __future__ import annotations

import pytest

from tests.conftest import shell


@pytest.mark.parametrize(("command", "decision", "approvals"), [
    ("ssh -fNL 5432:db.prod.internal:5432 bastion && psql -h localhost -c 'DROP TABLE users'", "ask", 2),
    ("ssh -N -L 6379:redis.prod.internal:6379 bastion & redis-cli -h 127.0.0.1 FLUSHALL", "ask", 2),
    ("ssh -fNL 127.0.0.1:5432:db.prod.internal:5432 bastion; psql -h 127.0.0.1 -c 'DROP TABLE users'", "ask", 2),
    # twins: the tunnel leads to a dev database, or there is no tunnel at all
    ("ssh -fNL 5432:localhost:5432 db.dev.internal && psql -h localhost -c 'DROP TABLE users'", "allow", 0),
    ("psql -h localhost -c 'DROP TABLE users'", "allow", 0),
])
def test_ssh_forwards_place_localhost_where_they_lead(command: str, decision: str, approvals: int) -> None:
    verdict = shell(command)
    assert (verdict.decision, verdict.approvals_required) == (decision, approvals), verdict.reasons
