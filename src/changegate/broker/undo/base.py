"""What every keeper shares: the interface, the tools they run commands with, what a planner plans from,
and argv option walking (for the planners whose family does not read its own line yet)."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from changegate.model import Effect
from changegate.understand.base import Word, lit

COMMAND_TIMEOUT_S = 300.0  # a dump or a `kubectl get` that takes longer is a failed snapshot (the action waits)
MAX_OUTPUT_BYTES = 64 * 1024 * 1024  # what a keeper reads from a command's output
ASK_EXIT = 10  # what the broker answers when a step needs an approval


class UndoError(Exception):
    """Something cannot be kept or put back; the message says what and why."""


class UndoPending(UndoError):
    """A step waits for an approval (the gate asked); running undo again continues from that step."""


Gated = Callable[[list[str], str], int]  # (argv, cwd) -> exit code, through the gate (check, approval, broker)


@dataclass
class Tools:
    """How keepers run programs: with the action's own (brokered) environment, the real binaries (never a
    shim), a time bound; and, for putting back what lives on another system, through the gate."""

    env: dict[str, str]
    gated: Gated | None = None

    def run(self, argv: Sequence[str], cwd: str, *, timeout: float = COMMAND_TIMEOUT_S,
            stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
        from changegate.broker.shims import ShimError, resolve

        try:
            program = resolve(argv[0], self.env.get("PATH", "")).path
        except ShimError as exc:
            raise UndoError(str(exc)) from exc
        try:
            done = subprocess.run([argv[0], *argv[1:]], executable=program, cwd=cwd, env=self.env, input=stdin,
                                  capture_output=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired as exc:
            raise UndoError(f"{' '.join(argv[:3])} took longer than {timeout:.0f} s") from exc
        except OSError as exc:
            raise UndoError(f"{argv[0]} could not be run: {exc.strerror}") from exc
        if len(done.stdout) > MAX_OUTPUT_BYTES:
            raise UndoError(f"{' '.join(argv[:3])} wrote more than {MAX_OUTPUT_BYTES // 2**20} MiB")
        return done

    def check(self, argv: Sequence[str], cwd: str, **kw: Any) -> bytes:
        """Run and return stdout; a failure is an UndoError that quotes the program's own message."""
        done = self.run(argv, cwd, **kw)
        if done.returncode != 0:
            raise UndoError(f"{' '.join(argv[:4])} failed: {first_line(done.stderr)}")
        return done.stdout

    def through_gate(self, argv: list[str], cwd: str) -> None:
        if self.gated is None:
            raise UndoError("putting this back changes another system, which only goes through the gate")
        code = self.gated(argv, cwd)
        if code == ASK_EXIT:
            raise UndoPending(f"putting it back ({' '.join(argv[:2])} …) needs an approval first; once it is "
                              "approved, run the same undo again")
        if code != 0:
            raise UndoError(f"{' '.join(argv[:3])} … did not complete (exit {code}); see above")


def first_line(raw: bytes) -> str:
    text = raw.decode("utf-8", "replace").strip()
    return text.splitlines()[0][:300] if text else "(no message)"


class Keeper:
    """Keeps one thing an action would destroy. `keep` writes it under the snapshot's folder and returns
    the manifest entry `restore` (a function of the entry's kind, in RESTORERS) works from."""

    kind: ClassVar[str] = ""

    def describe(self) -> str:
        raise NotImplementedError

    def covers(self, effect: Effect) -> bool:
        """Whether this keeper keeps what `effect` destroys (so it is not listed as irreversible)."""
        raise NotImplementedError

    def keep(self, folder: Path, tools: Tools) -> dict[str, Any]:
        raise NotImplementedError

    def settle(self, entry: dict[str, Any], tools: Tools) -> None:
        """After the action ran: note what it left, so undo can tell later changes from the action's."""


Restorer = Callable[[dict[str, Any], Path, Tools, bool], str]


@dataclass
class Planned:
    """What one planner found: keepers, and what it knows it cannot keep (plain sentences)."""

    keepers: list[Keeper] = field(default_factory=list)
    lost: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Command:
    """What a family's planner plans from: the command's words after the program name (read with the
    family's own tables, `Kubectl.read_line`, `Git.read_line`: never walked here), where it runs, and what
    it destroys (its effects, as the gate found them)."""

    words: list[Word]
    cwd: str
    effects: Sequence[Effect]

    @classmethod
    def of(cls, argv: Sequence[str], cwd: str, effects: Sequence[Effect]) -> Command:
        return cls([lit(a) for a in argv[1:]], cwd, effects)


FamilyPlanner = Callable[[Command, "Tools"], Planned]


def options(args: Sequence[str], takes_value: frozenset[str], *, stop_at_first_positional: bool = False) -> Any:
    """GNU option walking over plain strings (the shared walker works on words)."""
    from changegate.understand.base import lit
    from changegate.understand.cli import parse_options

    return parse_options([lit(a) for a in args], takes_value, stop_at_first_positional=stop_at_first_positional)


def resolve_path(cwd: str, raw: str) -> str:
    return os.path.normpath(os.path.join(cwd, os.path.expanduser(raw)))
