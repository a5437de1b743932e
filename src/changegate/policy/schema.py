"""The policy file format, as typed structures. docs/policy.md is the reference a person reads."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

import msgspec

Decision = Literal["allow", "ask", "deny"]
StrList = list[str] | str  # one value or a list of values, for a file written by hand


class Match(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """Conditions on one effect; every condition given must hold. Lists mean any of."""

    action: StrList | None = None  # the action's type: shell, sql, terraform_plan, ...
    operation: StrList | None = None
    environment: StrList | None = None
    resource: StrList | None = None  # globs: * within a segment, ** across; {home}, {workspace}
    not_resource: StrList | None = None
    family: StrList | None = None
    kind: StrList | None = None
    scope: StrList | None = None
    reversible: StrList | None = None
    tags: StrList | None = None  # any of these tags
    agent: StrList | None = None  # globs over the agent's name
    data_loss: bool | None = None
    whole_environment: bool | None = None
    # blast radius, counted over the whole action ("deletes: '>= 5'", "share: '> 50%'")
    deletes: str | int | None = None
    replaces: str | int | None = None
    creates: str | int | None = None
    updates: str | int | None = None
    changes: str | int | None = None
    share: str | float | None = None  # (deletes + replaces) / resources the target holds


class Rule(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    id: str
    decide: Decision
    reason: str
    match: Match = msgspec.field(default_factory=Match)
    approvals: int = 1
    suggest: list[str] = msgspec.field(default_factory=list)
    freeze: Literal["exempt"] | None = None
    risk: Literal["low", "medium", "high", "critical"] | None = None
    team: str | None = None  # the team whose people see and decide the requests this rule's asks file


class Freeze(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    name: str
    start: datetime
    end: datetime
    environments: list[str] = msgspec.field(default_factory=lambda: ["prod"])
    reason: str = ""


class AgentOverride(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    rules: list[Rule] = msgspec.field(default_factory=list)
    disable: list[str] = msgspec.field(default_factory=list)


class EnvironmentTargets(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    kube_contexts: list[str] = msgspec.field(default_factory=list)
    aws_profiles: list[str] = msgspec.field(default_factory=list)
    aws_accounts: list[str] = msgspec.field(default_factory=list)
    workspaces: list[str] = msgspec.field(default_factory=list)
    hosts: list[str] = msgspec.field(default_factory=list)
    urls: list[str] = msgspec.field(default_factory=list)
    paths: list[str] = msgspec.field(default_factory=list)
    gcp_projects: list[str] = msgspec.field(default_factory=list)
    azure_subscriptions: list[str] = msgspec.field(default_factory=list)
    azure_resource_groups: list[str] = msgspec.field(default_factory=list)
    names: list[str] = msgspec.field(default_factory=list)


PEER_REVIEW = ("prod", "unknown")  # environments where the operator's own vote does not count, by default


class ApprovalSettings(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    expires_after: str = "1h"  # how long a request waits for its approvers
    # in these environments the requesting agent's operator may not approve alone: someone else must
    peer_review: list[str] = msgspec.field(default_factory=lambda: list(PEER_REVIEW))


class Webhook(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    url: str
    format: Literal["json", "slack", "teams"] = "json"  # teams: a Microsoft Teams incoming webhook or Workflows URL
    events: list[str] = msgspec.field(default_factory=lambda: ["request", "decision"])


class TrustedProgram(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """A project's own tool that a person vouched for (`changegate trust`): its runs are ordinary work
    where its arguments point (the workspace, dev), and never more than that."""

    program: str  # a name on the PATH (`deploy-tool`) or a path relative to the workspace (`./scripts/x.sh`)
    args: str | None = None  # a glob over the arguments as one string (`--env dev *`); None: any arguments
    reason: str = ""
    by: str = ""  # who vouched for it
    at: str = ""  # when (ISO 8601)


BudgetCount = Literal["delete", "prod_change", "resource", "change", "approval"]


class Budget(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """How much an agent (or one of its sessions) may do in a window before its circuit breaker opens
    (gate/guardrails.py). What counts is what will run: allowed changes, and approvals used."""

    count: BudgetCount  # delete: resources deleted or replaced; prod_change: actions changing prod (or
    # unknown); resource: resources changed; change: actions that change anything; approval: approvals used
    limit: int
    window: str = "10m"
    per: Literal["agent", "session"] = "agent"
    # only effects in these environments count (None: every environment but local; prod_change: prod, unknown)
    environments: list[str] | None = None


# What applies when a policy says nothing of budgets (`budgets: []` turns them off). The incident's shape —
# an agent deleting resource after resource in one environment — opens the breaker at the ninth delete.
DEFAULT_BUDGETS = (
    Budget(count="delete", limit=8, window="10m"),
    Budget(count="prod_change", limit=10, window="1h"),
    Budget(count="resource", limit=200, window="10m"),
    Budget(count="approval", limit=30, window="1h"),
)


class ScopeSettings(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """Task scopes (`changegate scope grant`): how long one may last, and where it needs two people."""

    max_duration: str = "8h"
    two_people: list[str] = msgspec.field(default_factory=lambda: ["prod", "unknown"])


class PolicyDoc(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    version: int = 1
    extends: str | None = None  # "default": start from the built-in policy
    environments: dict[str, EnvironmentTargets] = msgspec.field(default_factory=dict)
    naming: dict[str, list[str]] | None = None
    rules: list[Rule] = msgspec.field(default_factory=list)
    disable: list[str] = msgspec.field(default_factory=list)
    freezes: list[Freeze] = msgspec.field(default_factory=list)
    agents: dict[str, AgentOverride] = msgspec.field(default_factory=dict)
    fallback: Decision = "ask"
    approvals: ApprovalSettings = msgspec.field(default_factory=ApprovalSettings)
    notifications: list[Webhook] = msgspec.field(default_factory=list)
    trusted: list[TrustedProgram] = msgspec.field(default_factory=list)
    budgets: list[Budget] | None = None  # None: DEFAULT_BUDGETS
    scopes: ScopeSettings = msgspec.field(default_factory=ScopeSettings)
