"""The registry of programs is generated from each tool's NAMES: current, and no name claimed twice."""

from __future__ import annotations

from pathlib import Path

import pytest

from changegate.understand import commands
from changegate.understand.cli import Cli
from changegate.understand.commands import declarations, family_for, render_index

INDEX_FILE = Path(__file__).parents[1] / "src/changegate/understand/commands/_index.py"


def test_no_program_is_claimed_by_two_tools() -> None:
    _, _, clashes = declarations()
    assert clashes == []


def test_the_committed_index_is_current() -> None:
    assert INDEX_FILE.read_text() == render_index(), "run: python -m changegate.understand.commands"


def test_every_declared_program_reaches_its_own_class() -> None:
    names, _, _ = declarations()
    for program, target in names.items():
        family = family_for(program)
        assert isinstance(family, Cli)
        assert f"{type(family).__module__.rsplit('commands.', 1)[1]}:{type(family).__name__}" == target


def test_a_program_nobody_declared_gets_the_generic_fallback() -> None:
    assert type(family_for("frobnicate-9000")).__name__ == "Generic"


def test_the_names_remembered_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    """A long-running daemon or server meets endless made-up program names: it remembers a bounded number,
    and every unknown name still gets the one fallback family."""
    monkeypatch.setattr(commands, "_instances", {})
    monkeypatch.setattr(commands, "MAX_REMEMBERED_NAMES", 50)
    families = {id(family_for(f"made-up-tool-{n}")) for n in range(200)}
    assert len(commands._instances) == 50
    assert len(families) == 1
    assert type(family_for("made-up-tool-199")).__name__ == "Generic"
    assert type(family_for("git")).__name__ != "Generic"  # a declared name past the bound is still itself
