"""Each family's effects are what its golden file says (tests/golden/families/*.jsonl)."""

from __future__ import annotations

import json

import pytest

from tests.golden.effects import effects_of, golden_files

FILES = golden_files()


def test_every_command_has_a_golden_file_entry() -> None:
    from tests.golden.effects import commands

    kept = {json.loads(line)["command"] for path in FILES.values() for line in path.read_text().splitlines()}
    assert set(commands()) == kept


@pytest.mark.parametrize("family", sorted(FILES))
def test_family_effects_match_their_golden_file(family: str) -> None:
    differences = []
    for line in FILES[family].read_text().splitlines():
        row = json.loads(line)
        got = effects_of(row["command"])
        if got != row["effects"]:
            differences.append(f"{row['command']!r}\n  golden {row['effects']}\n  now    {got}")
    assert not differences, f"{len(differences)} commands changed effects:\n" + "\n".join(differences[:10])
