"""The real agent clients (tests/agents): the table of what they enforced is written at the end of the run."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.agents.harness import write_table


@pytest.fixture(scope="session", autouse=True)
def agents_table() -> Iterator[None]:
    yield
    write_table()
