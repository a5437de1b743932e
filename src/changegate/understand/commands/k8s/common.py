"""What kubectl and helm share: a verb table whose handlers take the tool's own call (the cluster it
resolved rides along), and how a name only known at run time is shown."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar, cast

from changegate.model import Effect
from changegate.understand.base import UNKNOWN_PART
from changegate.understand.cli import Call, VerbEntry

CallT = TypeVar("CallT", bound=Call)


def verbs(table: Mapping[str, str | Callable[[Any, CallT], list[Effect]]]) -> Mapping[str, VerbEntry]:
    """A `VERBS` table whose handlers take the tool's subclass of `Call`. `Cli.dispatch` hands a handler
    the very call `analyze` built, so the narrower parameter always holds; only the table's type, written
    for the base `Call`, needs saying so."""
    return cast(Mapping[str, VerbEntry], table)


def show(value: str) -> str:
    return value.replace(UNKNOWN_PART, "…")
