"""What the web pages show, worked out from requests, verdicts and audit records: plain words for effects,
the blast radius, the action highlighted, who may act on a request, similar past requests, and the audit
log filtered.

Nothing here decides anything: the approval rules live in approvals.py and are enforced there when a vote
arrives. `vote_options` only hides buttons that would be refused anyway, and says why.
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import msgspec
import sqlalchemy as sa
from markupsafe import Markup

from changegate.service.approvals import Request
from changegate.service.identity import Identity
from changegate.service.messages import DESTRUCTIVE as DESTRUCTIVE
from changegate.service.messages import ENVIRONMENT_ORDER as ENVIRONMENT_ORDER
from changegate.service.messages import OPERATION_VERBS, PLAN_FAMILIES
from changegate.service.messages import BlastRadius as BlastRadius
from changegate.service.messages import action_line as action_line
from changegate.service.messages import blast_radius as blast_radius
from changegate.service.messages import effects_of as effects_of
from changegate.service.messages import environment_label as environment_label
from changegate.service.messages import environments_of as environments_of
from changegate.service.messages import severity as _severity
from changegate.service.messages import split_reason as split_reason
from changegate.service.messages import undo_lines as undo_lines
from changegate.service.store import Store
from changegate.service.store.tables import audit, requests
from changegate.understand.resource_types import address_type, terraform_holds_data

MAX_SHOWN_CHARS = 256 * 1024  # longer action text is cut on the page (the JSON API has all of it)
MAX_PLAN_ROWS = 200

# --- environments and words ----------------------------------------------------------------------------


def environment_of(verdict: Mapping[str, Any]) -> str:
    """The most severe environment a verdict touches: what the badge shows."""
    touched = environments_of(verdict)
    return touched[0] if touched else "unknown"


# A summary starts with what the action does ("deletes namespace payments"); a button says what pressing it
# does ("Approve: delete namespace payments").
VERB_BASE = {
    "deletes": "delete", "removes": "remove", "replaces": "replace", "creates": "create", "modifies": "modify",
    "changes": "change", "updates": "update", "writes": "write", "overwrites": "overwrite", "reads": "read",
    "runs": "run", "executes": "execute", "pushes": "push", "publishes": "publish", "grants": "grant",
    "revokes": "revoke", "sends": "send", "uploads": "upload", "drops": "drop", "truncates": "truncate",
    "terminates": "terminate", "destroys": "destroy", "applies": "apply", "stops": "stop", "restarts": "restart",
    "scales": "scale", "moves": "move", "renames": "rename", "installs": "install", "uninstalls": "uninstall",
    "resets": "reset", "rewrites": "rewrite", "prints": "print", "copies": "copy", "empties": "empty",
}
MAX_BUTTON_PHRASE = 90


def button_phrase(summary: str) -> str:
    """The summary as an imperative, short enough for a button: the part before any explanation, each
    listed verb turned ("replaces 1 of 9 resources, updates 1" -> "replace 1 of 9 resources, update 1")."""
    phrase = re.sub(r" \([^)]*\)?", "", summary.split(": ", 1)[0]).strip() or "this action"  # no asides
    phrase = re.sub(r"(^|, | and )([a-z]+)\b", lambda m: m.group(1) + VERB_BASE.get(m.group(2), m.group(2)), phrase)
    if len(phrase) > MAX_BUTTON_PHRASE:
        phrase = phrase[: MAX_BUTTON_PHRASE - 1].rstrip() + "…"
    return phrase


# A plan's grouped effects all carry the plan's one summary line; their evidence says what each one is:
# "plan.json: replace 3: aws_instance.web[0], aws_instance.web[1], …"
PLAN_GROUP = re.compile(r"(?:^|: )(create|update|delete|replace|forget|Add|Modify|Remove|Replace) (\d+): (.+)$")


def effect_words(effect: Mapping[str, Any]) -> str:
    """One effect in plain words: its own, not the whole plan's line."""
    group = PLAN_GROUP.search(str(effect.get("evidence") or "")) if effect.get("family") in PLAN_FAMILIES else None
    if group is not None:
        change, count, addresses = group.groups()
        return f"{change.lower()} {addresses}" if count == "1" else f"{change.lower()} {count} {effect.get('kind')}: {addresses}"
    summary = str(effect.get("summary") or "")
    if summary:
        return summary
    operation = str(effect.get("operation") or "changes")
    environment = environment_label(str(effect.get("environment") or "unknown"))
    return f"{OPERATION_VERBS.get(operation, operation)} {effect.get('resource', '?')} in {environment}"




def effect_notes(effect: Mapping[str, Any]) -> list[str]:
    """The facts about an effect an approver weighs: size, undo, data, the whole environment."""
    notes: list[str] = []
    scope, count, total = effect.get("scope"), effect.get("count"), effect.get("total")
    if scope == "all":
        notes.append("everything it names")
    elif count and total:
        notes.append(f"{count} of {total}")
    elif count:
        notes.append(f"{count} at once")
    if effect.get("whole_environment"):
        notes.append("a whole environment")
    if effect.get("data_loss"):
        notes.append("holds data")
    reversible = effect.get("reversible")
    if reversible == "no":
        notes.append("cannot be undone")
    elif reversible == "unknown" and effect.get("operation") in DESTRUCTIVE:
        notes.append("may not be undoable")
    return notes


# --- the decision on one screen ------------------------------------------------------------------------

MAX_TARGETS = 3


def targets(verdict: Mapping[str, Any]) -> str:
    """What the action changes, named once: the resources (a plan by its workspace), at most three."""
    found: list[str] = []
    for e in effects_of(verdict):
        if e.get("operation") == "read":
            continue
        resource = str(e.get("resource") or "?")
        if e.get("family") in PLAN_FAMILIES:
            resource = resource.split("/", 1)[0]
        if resource not in found:
            found.append(resource)
    shown = ", ".join(found[:MAX_TARGETS])
    return shown + (f" and {len(found) - MAX_TARGETS} more" if len(found) > MAX_TARGETS else "") if found else "—"


@dataclass(frozen=True)
class Why:
    reason: str  # the rule's own words, without the summary the page already shows
    rules: list[str]


RULE_IDS = re.compile(r"\(rule ([^)]*)\)$")


def why_lines(verdict: Mapping[str, Any]) -> list[Why]:
    """The verdict's reasons, each rule's sentence once: "{reason} — {summary} [{where}] (rule {ids})" is how
    decide.py writes them, and the summary and the place are already on the page."""
    found: dict[str, list[str]] = {}
    for text in verdict.get("reasons") or []:
        text = str(text)
        head = text.split(" — ", 1)[0].strip()
        match = RULE_IDS.search(text)
        rules = [r.strip() for r in match.group(1).split(",")] if match else []
        known = found.setdefault(head, [])
        known.extend(r for r in rules if r not in known)
    return [Why(head, rules) for head, rules in found.items()]


def plan_findings(verdict: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """A plan's effects that are not one of its counted groups (deletion protection turned off, …): the
    groups themselves are shown address by address from the plan."""
    return [e for e in effects_of(verdict)
            if not (e.get("family") in PLAN_FAMILIES and PLAN_GROUP.search(str(e.get("evidence") or "")))]


# --- the action, verbatim and highlighted --------------------------------------------------------------

@dataclass(frozen=True)
class CodeBlock:
    label: str
    html: Markup
    cut: int = 0  # characters not shown


@dataclass(frozen=True)
class ActionView:
    kind: str
    blocks: list[CodeBlock]
    facts: list[tuple[str, str]]  # where it runs: cwd, database, the environment values consulted


ACTION_KINDS = {"shell": "shell command", "sql": "SQL", "terraform_plan": "Terraform plan",
                "k8s_manifest": "Kubernetes manifest", "mcp_tool": "MCP tool call", "file_write": "file write",
                "http": "HTTP request"}


def action_view(action: Mapping[str, Any]) -> ActionView:
    """The action exactly as the agent sent it (secrets redacted), split into highlighted blocks."""
    kind = str(action.get("type") or "?")
    facts: list[tuple[str, str]] = []
    for name in ("cwd", "database", "dialect", "path", "server", "tool", "method", "url"):
        if action.get(name) and not (name == "path" and kind == "file_write"):
            facts.append((name, str(action[name])))
    context = action.get("context")
    if isinstance(context, Mapping):
        facts.extend((str(k), str(v)) for k, v in context.items())
    facts = list(dict.fromkeys(facts))  # a value the action and its context both carry, once
    return ActionView(ACTION_KINDS.get(kind, kind), _blocks(kind, action), facts)


def _blocks(kind: str, action: Mapping[str, Any]) -> list[CodeBlock]:
    if kind == "shell":
        argv = action.get("argv")
        text = shlex.join(str(a) for a in argv) if isinstance(argv, list) else str(action.get("command") or "")
        return [highlight("command", text, "command")]
    if kind == "sql":
        return [highlight("statement", str(action.get("statement") or f"(read from {action.get('path')})"), "sql")]
    if kind == "terraform_plan":
        plan = action.get("plan")
        if not isinstance(plan, Mapping):
            return [highlight("plan file", str(action.get("path") or "(no plan)"), "text")]
        return [highlight("the whole plan (JSON)", _json(plan), "json")]  # its changes: plan_view()
    if kind == "k8s_manifest":
        return [highlight("manifest", str(action.get("manifest") or f"(read from {action.get('path')})"), "yaml")]
    if kind == "mcp_tool":
        blocks = [highlight("arguments", _json(action.get("arguments") or {}), "json")]
        if action.get("annotations"):
            blocks.append(highlight("annotations (the tool's own hints)", _json(action["annotations"]), "json"))
        return blocks
    if kind == "file_write":
        path = str(action.get("path") or "")
        return [highlight(f"writes {path}", str(action.get("content") or ""), "filename:" + path)]
    if kind == "http":
        head = f"{action.get('method') or 'GET'} {action.get('url') or ''}\n"
        headers = action.get("headers") or {}
        if isinstance(headers, Mapping):
            head += "".join(f"{k}: {v}\n" for k, v in headers.items())
        body = str(action.get("body") or "")
        return [highlight("request", head + ("\n" + body if body else ""), "http")]
    return [highlight("action (JSON)", _json(dict(action)), "json")]


@dataclass(frozen=True)
class PlanChange:
    action: str  # replace, delete, create, update, forget
    address: str
    holds_data: bool


@dataclass(frozen=True)
class PlanGroup:
    resource_type: str
    changes: list[PlanChange]

    @property
    def destructive(self) -> bool:
        return any(c.action in PLAN_DESTRUCTIVE for c in self.changes)


@dataclass
class PlanView:
    groups: list[PlanGroup] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)  # action -> resources
    unchanged: int = 0
    not_shown: int = 0  # changes past MAX_PLAN_ROWS


PLAN_DESTRUCTIVE = ("delete", "replace")
PLAN_ACTION_ORDER = ("delete", "replace", "forget", "update", "create")


def plan_view(action: Mapping[str, Any]) -> PlanView | None:
    """A Terraform plan's changes, each with its address, grouped by resource type, the groups that destroy
    first; None when the action carries no inline plan."""
    plan = action.get("plan") if action.get("type") == "terraform_plan" else None
    changes = plan.get("resource_changes") if isinstance(plan, Mapping) else None
    if not isinstance(changes, list):
        return None
    view = PlanView()
    found: list[tuple[int, str, str, PlanChange]] = []
    for change in changes:
        one = _plan_change(change)
        if one is None:
            view.unchanged += 1
            continue
        resource_type, item = one
        view.counts[item.action] = view.counts.get(item.action, 0) + 1
        found.append((_plan_rank(item.action), resource_type, item.address, item))
    found.sort(key=lambda f: f[:3])  # what destroys first, so a cut never hides a delete behind updates
    view.not_shown = max(0, len(found) - MAX_PLAN_ROWS)
    by_type: dict[str, list[PlanChange]] = {}
    for _rank, resource_type, _address, item in found[:MAX_PLAN_ROWS]:  # a page a person reads
        by_type.setdefault(resource_type, []).append(item)
    view.groups = [PlanGroup(resource_type, items) for resource_type, items in by_type.items()]
    return view


def _plan_change(change: Any) -> tuple[str, PlanChange] | None:
    """(resource type, change) of one `resource_changes` entry; None for no-ops, reads and what is not one."""
    if not isinstance(change, Mapping):
        return None
    body = change.get("change")
    actions = body.get("actions") if isinstance(body, Mapping) else None
    if not isinstance(actions, list):
        return None
    words = "replace" if set(actions) == {"delete", "create"} else "+".join(str(a) for a in actions)
    if words in ("no-op", "read", ""):
        return None
    address = str(change.get("address") or "?")
    resource_type = str(change.get("type") or address_type(address) or "?")
    return resource_type, PlanChange(words, address, terraform_holds_data(resource_type))


def _plan_rank(action: str) -> int:
    return PLAN_ACTION_ORDER.index(action) if action in PLAN_ACTION_ORDER else 0  # unknown actions first


def highlight(label: str, text: str, language: str) -> CodeBlock:
    """Text as HTML with token classes (`hl-k`, `hl-s`, …) the stylesheet colours; no inline styles."""
    from pygments import highlight as render
    from pygments.formatters import HtmlFormatter
    from pygments.lexers import TextLexer, get_lexer_by_name, get_lexer_for_filename
    from pygments.util import ClassNotFound

    cut = max(0, len(text) - MAX_SHOWN_CHARS)
    shown = text[:MAX_SHOWN_CHARS]
    try:
        if language == "command":
            lexer = command_lexer()
        elif language.startswith("filename:"):
            lexer = get_lexer_for_filename(language.removeprefix("filename:") or "x.txt", stripnl=False)
        else:
            lexer = get_lexer_by_name(language, stripnl=False)
    except ClassNotFound:
        lexer = TextLexer(stripnl=False)
    html = render(shown, lexer, HtmlFormatter(nowrap=True, classprefix="hl-"))
    return CodeBlock(label, Markup(html.rstrip("\n")), cut)


_command_lexer: Any = None


def command_lexer() -> Any:
    """Pygments' bash lexer, plus what an approver scans a command for: the program each command runs and
    its options."""
    global _command_lexer
    if _command_lexer is None:
        from pygments.lexer import bygroups, inherit
        from pygments.lexers import BashLexer
        from pygments.token import Name, Whitespace

        program = r"(?![\w./+-]*=)([A-Za-z_./][\w./+-]*)"  # a word, not an assignment (NAME=value)

        class CommandLexer(BashLexer):  # type: ignore[misc]
            tokens = {  # noqa: RUF012 (the Pygments way: a class-level table merged with the base's)
                "root": [(r"\A(\s*)" + program, bygroups(Whitespace, Name.Function)), inherit],
                "basic": [(r"(?<=[|&;(])(\s*)" + program, bygroups(Whitespace, Name.Function)),
                          (r"(?<=\s)--?[A-Za-z0-9][\w.-]*", Name.Attribute), inherit],
            }

        _command_lexer = CommandLexer(stripnl=False)
    return _command_lexer


def _json(doc: Any) -> str:
    return json.dumps(doc, indent=2, ensure_ascii=False, sort_keys=True, default=str)


# --- time ----------------------------------------------------------------------------------------------

def when(at: float | str | None) -> str:
    """A time as people read it; `at` is UNIX seconds or RFC 3339 (what the API's documents carry)."""
    if at is None:
        return "—"
    if isinstance(at, str):
        try:
            at = datetime.fromisoformat(at.replace("Z", "+00:00")).timestamp()
        except ValueError:
            return str(at)
    return datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def duration(seconds: float) -> str:
    seconds = max(0, int(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    return f"{hours // 24} days"


def time_left(request: Request, now: float) -> str:
    if request.status != "pending":
        return request.status
    left = request.expires_at - now
    return "expired" if left <= 0 else f"{duration(left)} left"


# --- who may act ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class VoteOptions:
    allowed: bool
    why_not: str = ""  # shown instead of the buttons
    note: str = ""  # shown above the buttons
    approve_label: str = ""
    deny_label: str = ""


def vote_options(who: Identity, request: Request, now: float) -> VoteOptions:
    """Whether to show approve/deny to this person, and what the buttons say. approvals.py enforces the
    rules when the vote arrives; this only avoids offering what it would refuse."""
    phrase = button_phrase(request.summary)
    remaining = max(0, request.required - request.counted_approvals)
    if not who.may_approve():
        return VoteOptions(False, f"You have the {who.role} role: you can read requests, but approving and "
                                  "denying need the approver or admin role.")
    if request.status != "pending":
        return VoteOptions(False, outcome(request))
    if request.expires_at <= now:
        return VoteOptions(False, "This request has expired; the agent must ask again.")
    mine = next((v for v in request.votes if v.user == who.name), None)
    if mine is not None:
        more = (f" It needs {remaining} more approval{'s' if remaining != 1 else ''}, from someone other than "
                f"you." if remaining else "")
        return VoteOptions(False, f"You {'approved' if mine.vote == 'approve' else 'denied'} this request at "
                                  f"{when(mine.at)}.{more}")
    note = ""
    if who.name == request.operator:
        others = f"{remaining} other {'people' if remaining != 1 else 'person'}"
        note = (f"You are the operator of the agent that asked, and this environment is under peer review: your "
                f"approval does not count; {others} must approve." if request.peer_review else
                "You are the operator of the agent that asked. Your approval counts as one; at least one other "
                "person must approve too." if request.required >= 2 else
                "You are the operator of the agent that asked; the policy lets you approve it yourself.")
    return VoteOptions(True, note=note, approve_label=f"Approve: {phrase}", deny_label=f"Deny: {phrase}")


def names(people: list[str]) -> str:
    """"alice", "alice and bob", "alice, bob and carol"."""
    return people[0] if len(people) == 1 else ", ".join(people[:-1]) + " and " + people[-1] if people else ""


def outcome(request: Request) -> str:
    """What happened to a decided request, and what happens next."""
    approvers = [v.user for v in request.votes if v.vote == "approve"]
    deniers = [v.user for v in request.votes if v.vote == "deny"]
    decider = (request.decided_by or "").split(":", 1)[-1]
    if request.status == "approved":
        return (f"Approved by {names(approvers) or decider}. The agent's next try of exactly this action runs it; "
                "the approval works once, and any other action asks again.")
    if request.status == "executed":
        return (f"Approved by {names(approvers) or decider} and used at {when(request.used_at)}: the agent ran it. "
                "The approval is spent; running it again asks again.")
    if request.status == "denied":
        return (f"Denied by {names(deniers) or decider}. The agent is told, with the comment; "
                "asking again files a new request.")
    if request.status == "expired":
        return (f"Expired with {request.counted_approvals} of {request.required} approvals, undecided. "
                "The agent must ask again.")
    if request.status == "cancelled":
        return f"Cancelled{' by ' + decider if decider else ''}: nothing is left to decide."
    return f"This request is {request.status}: nothing is left to decide."


# --- similar requests by the same agent ----------------------------------------------------------------

@dataclass(frozen=True)
class Similar:
    request: Request
    why: str
    score: int


def similar_requests(current: Request, candidates: Iterable[Request], limit: int = 8) -> list[Similar]:
    """This agent's other requests, most alike first: the same action, then the same target, the same rules,
    the same kind of change in the same environment."""
    targets = _resources(current.verdict)
    rules = set(current.verdict.get("rules") or [])
    kinds = _operation_places(current.verdict)
    found: list[Similar] = []
    for other in candidates:
        if other.id == current.id or other.agent != current.agent:
            continue
        shared_targets = targets & _resources(other.verdict)
        same_rules = bool(rules) and rules == set(other.verdict.get("rules") or [])
        if other.action_hash == current.action_hash:
            found.append(Similar(other, "the same action", 100))
        elif shared_targets:
            found.append(Similar(other, "the same target: " + ", ".join(sorted(shared_targets)[:2]), 50))
        elif same_rules:
            found.append(Similar(other, "decided by the same rules: " + ", ".join(sorted(rules)[:3]), 20))
        elif kinds & _operation_places(other.verdict):
            op, env = sorted(kinds & _operation_places(other.verdict))[0]
            found.append(Similar(other, f"also a {op} in {environment_label(env)}", 10))
    found.sort(key=lambda s: (-s.score, -s.request.created_at))
    return found[:limit]


@dataclass(frozen=True)
class SimilarGroup:
    why: str
    items: list[Similar]


def grouped_similar(found: list[Similar]) -> list[SimilarGroup]:
    """Similar requests under each reason once ("also a delete in prod": 8 requests), best reason first."""
    groups: dict[str, list[Similar]] = {}
    for s in found:
        groups.setdefault(s.why, []).append(s)
    return [SimilarGroup(why, items) for why, items in groups.items()]


def _resources(verdict: Mapping[str, Any]) -> set[str]:
    return {str(e.get("resource")) for e in effects_of(verdict) if e.get("operation") != "read"}


def _operation_places(verdict: Mapping[str, Any]) -> set[tuple[str, str]]:
    return {(str(e.get("operation")), str(e.get("environment"))) for e in effects_of(verdict)
            if e.get("operation") != "read"}


# --- the audit log, filtered ---------------------------------------------------------------------------

DECISION_FILTERS = {
    "allow": ("decision", "allow"), "ask": ("decision", "ask"), "deny": ("decision", "deny"),
    "approved": ("request.approved", None), "denied": ("request.denied", None),
    "expired": ("request.expired", None), "cancelled": ("request.cancelled", None),
    "executed": ("request.used", None),
}
OUTCOMES = {f"request.{status}": status for status in ("approved", "denied", "expired", "cancelled")} | {
    "request.used": "executed"}
AUDIT_PAGE = 50
AUDIT_CHUNK = 1000
MAX_AUDIT_SCAN = 20_000


@dataclass
class AuditFilter:
    agent: str = ""
    operator: str = ""
    decision: str = ""
    environment: str = ""
    since_text: str = ""
    until_text: str = ""
    since: float | None = None
    until: float | None = None
    before: int | None = None  # show records older than this seq (the "older" link)

    @property
    def active(self) -> bool:
        return any((self.agent, self.operator, self.decision, self.environment, self.since_text, self.until_text))

    def query(self, **changes: Any) -> str:
        from urllib.parse import urlencode

        values = {"agent": self.agent, "operator": self.operator, "decision": self.decision,
                  "environment": self.environment, "since": self.since_text, "until": self.until_text}
        values.update({k: str(v) for k, v in changes.items()})
        return urlencode({k: v for k, v in values.items() if v})


def parse_audit_filter(params: Mapping[str, str]) -> AuditFilter:
    """The filter from the query string; raises ValueError saying which field is wrong."""
    decision = params.get("decision", "").strip()
    if decision and decision not in DECISION_FILTERS:
        raise ValueError(f"decision must be one of {', '.join(DECISION_FILTERS)}")
    environment = params.get("environment", "").strip()
    if environment and environment not in ENVIRONMENT_ORDER:
        raise ValueError(f"environment must be one of {', '.join(ENVIRONMENT_ORDER)}")
    before_text = params.get("before", "").strip()
    if before_text and not before_text.isdigit():
        raise ValueError("before must be a record number")
    since_text, until_text = params.get("since", "").strip(), params.get("until", "").strip()
    return AuditFilter(agent=params.get("agent", "").strip()[:128], operator=params.get("operator", "").strip()[:64],
                       decision=decision, environment=environment, since_text=since_text, until_text=until_text,
                       since=_time(since_text, "from"), until=_time(until_text, "until"),
                       before=int(before_text) if before_text else None)


def _time(text: str, name: str) -> float | None:
    """A time from a form field (UTC): 2026-01-31, 2026-01-31T12:00, or RFC 3339."""
    if not text:
        return None
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise ValueError(f"{name} must be a date and time such as 2026-01-31T12:00 (UTC), not {text!r}") from exc
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).timestamp()


@dataclass(frozen=True)
class AuditRow:
    seq: int
    at: float
    kind: str
    actor: str
    what: str
    decision: str
    agent: str
    operator: str
    environments: list[str]
    request_id: str


@dataclass
class AuditPage:
    rows: list[AuditRow] = field(default_factory=list)
    scanned: int = 0
    older: int | None = None  # the seq to continue from, when there may be more
    scan_limited: bool = False  # stopped after MAX_AUDIT_SCAN records without filling the page


def audit_page(store: Store, flt: AuditFilter, limit: int = AUDIT_PAGE, max_scan: int = MAX_AUDIT_SCAN) -> AuditPage:
    """The newest records that pass the filter, scanning back from `flt.before` at most `max_scan` records."""
    page = AuditPage()
    for (seq, at, kind, actor, data), parties in _records_back(store, flt, flt.before):
        if page.scanned >= max_scan:
            page.older, page.scan_limited = seq + 1, True
            return page
        page.scanned += 1
        row = _audit_row(seq, at, kind, actor, data, parties)
        if _passes(row, kind, data, flt):
            page.rows.append(row)
            if len(page.rows) >= limit:
                page.older = seq
                return page
    return page


AuditItem = tuple[int, float, str, str, dict[str, Any]]
Parties = dict[str, tuple[str, str, list[str], str]]  # request -> (agent, operator, environments, summary)


def _records_back(store: Store, flt: AuditFilter, before: int | None) -> Iterator[tuple[AuditItem, Parties]]:
    """Records newest first, a chunk per query, each with the parties of the requests it mentions."""
    while True:
        chunk = _audit_chunk(store, flt, before)
        parties = _request_parties(store, chunk)
        for item in chunk:
            yield item, parties
        if len(chunk) < AUDIT_CHUNK:
            return
        before = chunk[-1][0]


def _audit_chunk(store: Store, flt: AuditFilter, before: int | None) -> list[AuditItem]:
    query = sa.select(audit.c.seq, audit.c.at, audit.c.kind, audit.c.actor, audit.c.record)
    if before is not None:
        query = query.where(audit.c.seq < before)
    if flt.since is not None:
        query = query.where(audit.c.at >= flt.since)
    if flt.until is not None:
        query = query.where(audit.c.at <= flt.until)
    if flt.decision:
        query = query.where(audit.c.kind == DECISION_FILTERS[flt.decision][0])
    with store.read() as conn:
        rows = conn.execute(query.order_by(audit.c.seq.desc()).limit(AUDIT_CHUNK)).all()
    out = []
    for row in rows:
        try:
            document = msgspec.json.decode(row.record)
        except msgspec.DecodeError:
            document = {}
        data = document.get("data") if isinstance(document, dict) else None
        out.append((int(row.seq), float(row.at), str(row.kind), str(row.actor), data if isinstance(data, dict) else {}))
    return out


def _request_parties(store: Store, chunk: list[AuditItem]) -> Parties:
    """For records about a request (votes, outcomes): the request's agent, operator and environments."""
    ids = {str(data["request"]) for _, _, _, _, data in chunk if isinstance(data.get("request"), str)}
    if not ids:
        return {}
    with store.read() as conn:
        rows = conn.execute(sa.select(requests.c.id, requests.c.agent, requests.c.operator, requests.c.verdict,
                                      requests.c.summary)
                            .where(requests.c.id.in_(sorted(ids)))).all()
    parties: Parties = {}
    for row in rows:
        try:
            verdict = msgspec.json.decode(row.verdict)
        except msgspec.DecodeError:
            verdict = {}
        parties[row.id] = (row.agent, row.operator, environments_of(verdict if isinstance(verdict, dict) else {}),
                           str(row.summary or ""))
    return parties


def _audit_row(seq: int, at: float, kind: str, actor: str, data: dict[str, Any], parties: Parties) -> AuditRow:
    request_id = str(data.get("request") or "")
    agent, operator, places, summary = parties.get(request_id, ("", "", [], ""))
    agent = str(data.get("agent") or agent or (actor.split(":", 1)[1] if actor.startswith("agent:") else ""))
    operator = str(data.get("operator") or operator or "")
    effects = data.get("effects")
    if isinstance(effects, list) and effects:
        places = sorted({str(e[2]) for e in effects if isinstance(e, list) and len(e) > 2}, key=_severity)
    decision = str(data.get("decision") or "") if kind == "decision" else OUTCOMES.get(kind, "")
    what = audit_words(kind, data, summary)
    return AuditRow(seq, at, kind, actor, what, decision, agent, operator, places, request_id)


def _passes(row: AuditRow, kind: str, data: dict[str, Any], flt: AuditFilter) -> bool:
    if flt.decision:
        wanted_kind, wanted_decision = DECISION_FILTERS[flt.decision]
        if kind != wanted_kind or (wanted_decision is not None and data.get("decision") != wanted_decision):
            return False
    if flt.agent and flt.agent.lower() not in row.agent.lower():
        return False
    if flt.operator and flt.operator.lower() not in row.operator.lower():
        return False
    return not (flt.environment and flt.environment not in row.environments)


def audit_words(kind: str, data: Mapping[str, Any], summary: str = "") -> str:
    """A record in one line of plain words. The decision or outcome is its own column (a badge) and the
    kind another, so neither is repeated here: an ask reads "deletes Namespace payments on prod-eu"."""
    def get(name: str) -> str:
        return str(data.get(name) if data.get(name) is not None else "")

    what = get("summary") or summary or get("request") or "an action"
    comment = f" — “{get('comment')}”" if data.get("comment") else ""
    if kind == "decision":
        return what
    if kind == "request.created":
        required = get("required") or "?"
        return f"{what} — needs {required} approval{'' if required == '1' else 's'}"
    if kind == "request.vote":
        voted = {"approve": "approved", "deny": "denied"}.get(get("vote"), get("vote"))
        return f"{voted}: {what}{comment}"
    if kind.startswith("request."):
        return f"{what}{comment}"
    if kind in ("login", "login.failed", "logout"):
        words = {"login": "signed in", "login.failed": "failed sign-in", "logout": "signed out"}[kind]
        return f"{words}: {get('user')}" + (f" ({get('method')})" if data.get("method") else "")
    if kind.startswith("user."):
        return f"{kind.removeprefix('user.').replace('_', ' ')}: {get('user')}" + (
            f" ({get('from')} → {get('to')})" if data.get("to") else f" ({get('role')})" if data.get("role") else "")
    if kind.startswith("token."):
        owner = f"agent {get('agent')} of {get('user')}" if data.get("agent") else get("user")
        return f"token {get('id')} {kind.removeprefix('token.')}" + (f" for {owner}" if owner else "")
    if kind.startswith("policy."):
        return f"{kind.replace('.', ' ')}: {get('source')}" + (f" ({get('rules')} rules)" if data.get("rules") else "")
    text = json.dumps(dict(data), sort_keys=True, default=str)
    return text if len(text) <= 200 else text[:199] + "…"
