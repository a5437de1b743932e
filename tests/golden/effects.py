"""Golden Effect snapshots, one file per family: what `understand()` says each command would do.

They are kept apart from the decision tests: a change to a family's tables or walker that changes an
effect shows up here as a readable diff, before any policy is involved. Regenerate after an intended change
with `python -m tests.golden.effects --update` and review the diff like code.
"""

from __future__ import annotations

import json
import re
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

from changegate.environments import Environments
from changegate.model import Action, Effect
from changegate.understand import understand
from changegate.understand.commands import family_for

HERE = Path(__file__).parent
COMMANDS = HERE / "commands.jsonl"  # the inputs (see README.md for where they come from)
CWD, ENV = "/home/dev/app", {"HOME": "/home/dev", "USER": "dev"}
FAMILY_NAME = re.compile(r"[a-z][a-z0-9_-]{0,40}")


def shown(effect: Effect) -> dict[str, Any]:
    """The fields the policy decides on, and nothing that is only wording."""
    return {
        "operation": effect.operation, "resource": effect.resource, "environment": effect.environment,
        "scope": effect.scope, "reversible": effect.reversible, "kind": effect.kind,
        "tags": sorted(effect.tags), "whole_environment": effect.whole_environment, "data_loss": effect.data_loss,
    }


def understood(command: str) -> list[Effect]:
    return understand(Action(type="shell", command=command, cwd=CWD, env=dict(ENV)), Environments()).effects


def effects_of(command: str) -> list[dict[str, Any]]:
    return [shown(e) for e in understood(command)]


def family_of(effects: list[Effect]) -> str:
    """The file a command is kept in: the domain of the tool that found its first effect
    (`commands/db/psql.py` -> db); `other` for the shell itself and programs nobody declared."""
    program = effects[0].family if effects else ""
    if not FAMILY_NAME.fullmatch(program):
        return "other"
    module = type(family_for(program)).__module__
    domain = module.removeprefix("changegate.understand.commands.").split(".")[0]
    return "other" if domain in ("generic", module) else domain


def commands() -> list[str]:
    return [json.loads(line)["command"] for line in COMMANDS.read_text().splitlines() if line.strip()]


def snapshot() -> dict[str, list[dict[str, Any]]]:
    """Every command's effects, grouped by the first family that found one (the file they are kept in)."""
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for command in commands():
        effects = understood(command)
        groups[family_of(effects)].append({"command": command, "effects": [shown(e) for e in effects]})
    return dict(groups)


def golden_files() -> dict[str, Path]:
    return {path.stem: path for path in sorted((HERE / "families").glob("*.jsonl"))}


def write(groups: dict[str, list[dict[str, Any]]]) -> None:
    folder = HERE / "families"
    folder.mkdir(exist_ok=True)
    for path in folder.glob("*.jsonl"):
        path.unlink()
    for family, rows in sorted(groups.items()):
        (folder / f"{family}.jsonl").write_text("".join(json.dumps(r, sort_keys=True) + "\n" for r in rows))


if __name__ == "__main__":
    if "--update" in sys.argv:
        write(snapshot())
        print(f"wrote {len(golden_files())} family files")
