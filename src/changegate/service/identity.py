"""Who is acting: a person (with a role) or an agent (with its operator). No SQLAlchemy: the broker and the
CLI name an identity before they know whether they will open the store."""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass
from typing import Literal

ROLES = ("viewer", "approver", "admin")

# The address of the client whose request is being served (set by the server's outermost middleware, carried
# into worker threads with the context), so that sign-in throttling can key on it on every credential path.
client_address: ContextVar[str | None] = ContextVar("changegate_client_address", default=None)


@dataclass(frozen=True, slots=True)
class Identity:
    """Who is acting: a person (with a role) or an agent (with its operator)."""

    kind: Literal["user", "agent", "system"]
    name: str
    role: str = "viewer"
    operator: str | None = None  # agents: the person responsible for them
    via: str = ""  # how they proved it: token:ID, password, cli
    teams: tuple[str, ...] = ()  # people: the teams they are in; agents: their token's team

    def sees_team(self, team: str | None) -> bool:
        """Whether this person sees (and may decide) a request of `team`: admins see all, others their
        teams' and those of no team."""
        return self.kind == "user" and (self.role == "admin" or team is None or team in self.teams)

    @property
    def actor(self) -> str:
        return f"{self.kind}:{self.name}"

    @property
    def is_person(self) -> bool:
        return self.kind == "user"

    def may_approve(self) -> bool:
        return self.kind == "user" and self.role in ("approver", "admin")
