"""Who is acting: a person (with a role) or an agent (with its operator). No SQLAlchemy: the broker and the
CLI name an identity before they know whether they will open the store."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

ROLES = ("viewer", "approver", "admin")


@dataclass(frozen=True, slots=True)
class Identity:
    """Who is acting: a person (with a role) or an agent (with its operator)."""

    kind: Literal["user", "agent", "system"]
    name: str
    role: str = "viewer"
    operator: str | None = None  # agents: the person responsible for them
    via: str = ""  # how they proved it: token:ID, password, cli

    @property
    def actor(self) -> str:
        return f"{self.kind}:{self.name}"

    @property
    def is_person(self) -> bool:
        return self.kind == "user"

    def may_approve(self) -> bool:
        return self.kind == "user" and self.role in ("approver", "admin")
