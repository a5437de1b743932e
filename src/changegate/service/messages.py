"""A request in the words an approver decides from, for every place it is shown: the web pages, Slack and
Microsoft Teams. Formatters only: nothing here sends, stores or decides.

- `action_line(action)`: the exact command (or statement, plan, call) on one line.
- `blast_radius(verdict)`: how much would change, counted per resource (the numbers `explain --plan`
  prints), where, and whether it can be undone.
- `undo_lines(request)`: what undo keeps and what it cannot (the broker writes these into the request).
- `slack_message(event, request, base_url)`, `teams_message(…)`: the webhook bodies (Slack Block Kit; a
  Teams message with an Adaptive Card). Their one button is a link that opens the request's page; the page
  asks for a signed-in session before anything can be approved, so a forwarded message approves nothing.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from changegate.service.approvals import Request

ENVIRONMENT_ORDER = ("prod", "unknown", "staging", "dev", "local")  # most severe first
DESTRUCTIVE = frozenset({"delete", "replace"})
MAX_LINE = 300  # characters of the action on its one line
# the order a blast radius names operations in: what destroys first
OPERATION_ORDER = ("delete", "replace", "exfiltrate", "execute_opaque", "permission", "secret_read", "host_control",
                   "publish", "modify", "create", "unknown")
OPERATION_VERBS = {
    "delete": "deletes", "replace": "replaces", "create": "creates", "modify": "changes",
    "permission": "changes permissions of", "secret_read": "reads the secret", "exfiltrate": "sends out",
    "execute_opaque": "runs code it cannot see into:", "publish": "publishes", "host_control": "controls",
    "unknown": "does what changegate could not work out to", "read": "reads",
}
UNDO_PREFIXES = ("undo: ", "irreversible: ")
PLAN_FAMILIES = frozenset({"plan", "cloudformation"})


# --- environments --------------------------------------------------------------------------------------

def effects_of(verdict: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    effects = verdict.get("effects") or []
    return [e for e in effects if isinstance(e, Mapping)] if isinstance(effects, list) else []


def severity(environment: str) -> int:
    return ENVIRONMENT_ORDER.index(environment) if environment in ENVIRONMENT_ORDER else 1


def environments_of(verdict: Mapping[str, Any]) -> list[str]:
    """The environments a verdict's effects touch, most severe first."""
    found = {str(e.get("environment") or "unknown") for e in effects_of(verdict)}
    return sorted(found, key=severity)


def environment_label(environment: str) -> str:
    return "unknown (treated as prod)" if environment == "unknown" else environment


# --- the action on one line ----------------------------------------------------------------------------

def action_line(action: Mapping[str, Any]) -> str:
    """The action exactly as sent, on one line (newlines shown as ⏎), cut at MAX_LINE characters."""
    line = _action_text(action)[: MAX_LINE * 8]  # bounded before splitting: a manifest can be megabytes
    line = " ⏎ ".join(part.strip() for part in line.splitlines() if part.strip())
    return line if len(line) <= MAX_LINE else line[: MAX_LINE - 1] + "…"


def _action_text(action: Mapping[str, Any]) -> str:
    kind = str(action.get("type") or "?")
    if kind == "shell":
        argv = action.get("argv")
        return shlex.join(str(a) for a in argv) if isinstance(argv, list) else str(action.get("command") or "")
    if kind == "sql":
        return str(action.get("statement") or f"SQL from {action.get('path')}")
    if kind == "terraform_plan":
        plan = action.get("plan")
        changes = plan.get("resource_changes") if isinstance(plan, Mapping) else None
        source = str(action.get("path") or "the plan sent inline")
        return f"apply {source}" + (f" ({len(changes)} resource changes)" if isinstance(changes, list) else "")
    if kind == "k8s_manifest":
        return "kubectl apply: " + str(action.get("manifest") or action.get("path") or "")
    if kind == "mcp_tool":
        arguments = json.dumps(action.get("arguments") or {}, ensure_ascii=False, sort_keys=True)
        return f"{action.get('server') or '?'}.{action.get('tool') or '?'} {arguments}"
    if kind == "file_write":
        content = action.get("content")
        size = f" ({len(content)} characters)" if isinstance(content, str) else ""
        return f"write {action.get('path') or '?'}{size}"
    if kind == "http":
        return f"{action.get('method') or 'GET'} {action.get('url') or ''}"
    return json.dumps(dict(action), ensure_ascii=False, sort_keys=True, default=str)


# --- blast radius --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class BlastRadius:
    headline: str  # one line: what, how many (of how many), where
    lines: list[str]  # the details: shares, whole environments, data, undo
    severe: bool
    undo: str  # one line: can it be undone


def blast_radius(verdict: Mapping[str, Any]) -> BlastRadius:
    """How much the action would destroy or change, where, and whether it can be undone. Resources are
    counted (an effect that stands for 14 replaced instances counts 14), so the numbers are those of the
    plan's summary and of `explain --plan`."""
    effects = effects_of(verdict)
    changes = [e for e in effects if e.get("operation") not in ("read", None)]
    destructive = [e for e in changes if e.get("operation") in DESTRUCTIVE]
    touched = environments_of(verdict)
    where = f", in {environment_label(touched[0])}" if touched else ""
    undo = undo_line(destructive)
    if not changes:
        return BlastRadius("reads only: nothing would change" + where, [], False, "nothing to undo")
    lines: list[str] = []
    everything = [e for e in destructive if e.get("scope") == "all"]
    if everything:
        lines.append("everything under " + _names(everything))
    wholes = [e for e in changes if e.get("whole_environment")]
    if wholes:
        lines.append("a whole environment: " + _names(wholes))
    data = [e for e in destructive if e.get("data_loss")]
    if data:
        lines.append("data would be lost: " + _names(data))
    if len(touched) > 1:
        lines.append("in " + ", ".join(environment_label(env) for env in touched))
    severe = bool(wholes or everything or data or any(e.get("reversible") == "no" for e in destructive))
    return BlastRadius(_counted(changes) + where, lines, severe, undo)


def _counted(changes: list[Mapping[str, Any]]) -> str:
    """"replaces 1 of 9 resources, changes 1" or "deletes k8s:prod-eu/namespace/payments"."""
    by_operation: dict[str, list[Mapping[str, Any]]] = {}
    for e in changes:
        by_operation.setdefault(str(e.get("operation")), []).append(e)
    totals = [int(e["total"]) for e in changes if isinstance(e.get("total"), int) and e["total"] > 0]
    parts = []
    for operation in sorted(by_operation, key=_operation_rank):
        group = by_operation[operation]
        verb = OPERATION_VERBS.get(operation, operation.replace("_", " "))
        if operation == "modify" and all(e.get("family") in PLAN_FAMILIES for e in group):
            verb = "updates"  # a plan's word, as in its summary line
        counted = [int(e["count"]) for e in group if isinstance(e.get("count"), int)]
        if len(group) == 1 and not counted:
            every = "everything in " if group[0].get("scope") == "all" else ""
            parts.append(f"{verb} {every}{group[0].get('resource', '?')}")
        else:
            parts.append(f"{verb} {sum(counted) + len(group) - len(counted)}")
    if totals:  # "replaces 1 of 9 resources, updates 1": the plan's summary line says it so
        parts[0] += f" of {max(totals)} resources"
    return ", ".join(parts)


def _operation_rank(operation: str) -> int:
    return OPERATION_ORDER.index(operation) if operation in OPERATION_ORDER else len(OPERATION_ORDER)


def _names(effects: list[Mapping[str, Any]], shown: int = 3) -> str:
    names = list(dict.fromkeys(str(e.get("resource")) for e in effects))
    return ", ".join(names[:shown]) + (f" and {len(names) - shown} more" if len(names) > shown else "")


def undo_line(destructive: list[Mapping[str, Any]]) -> str:
    if not destructive:
        return "nothing is destroyed"
    undo = {str(e.get("reversible")) for e in destructive}
    if "no" in undo:
        return "cannot be undone" + ("; data would be lost" if any(e.get("data_loss") for e in destructive) else "")
    if "unknown" in undo:
        return "it may not be possible to undo"
    return "can be undone"


# --- the agent's reason and the broker's undo notes ----------------------------------------------------

def split_reason(reason: str) -> tuple[str, list[str]]:
    """The agent's own reason, and the broker's lines on what undo keeps ("undo: …", "irreversible: …")."""
    own: list[str] = []
    undo: list[str] = []
    for line in reason.splitlines():
        (undo if line.startswith(UNDO_PREFIXES) else own).append(line)
    return "\n".join(own).strip(), undo


def undo_lines(request: Request) -> list[str]:
    """What undo can and cannot keep: the broker's notes, else what the effects say."""
    _own, notes = split_reason(request.reason)
    destructive = [e for e in effects_of(request.verdict) if e.get("operation") in DESTRUCTIVE]
    return notes or [undo_line(destructive)]


# --- Slack and Microsoft Teams -------------------------------------------------------------------------

def request_link(request: Request, base_url: str) -> str:
    url: str = request.brief(base_url)["url"]
    return url


def title(event: str, request: Request) -> str:
    what = request.summary or action_line(request.action)
    if event == "request.created":
        return f"{request.agent} asks to: {what}"
    who = (request.decided_by or "").split(":", 1)[-1]
    return f"{request.status.capitalize()}{' by ' + who if who and who != 'system' else ''}: {what}"


def facts(event: str, request: Request) -> list[tuple[str, str]]:
    """The decision's facts, in the order the page shows them."""
    blast = blast_radius(request.verdict)
    touched = environments_of(request.verdict)
    own, _notes = split_reason(request.reason)
    rows = [("Environment", ", ".join(environment_label(env) for env in touched) or "unknown (treated as prod)"),
            ("Blast radius", blast.headline),
            ("Undo", "; ".join(undo_lines(request))),
            ("Agent", f"{request.agent} (operator {request.operator})"),
            ("Reason", own or "(the agent gave none)")]
    if event == "request.created":
        rows.append(("Approvals", f"{request.counted_approvals} of {request.required} needed, risk {request.risk}"))
    return rows


def slack_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack_message(event: str, request: Request, base_url: str) -> dict[str, Any]:
    """Slack's incoming-webhook JSON: `text` (notifications and old clients) and Block Kit `blocks`."""
    head = title(event, request)
    url = request_link(request, base_url)
    command = action_line(request.action).replace("```", "'''")
    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": f"*{slack_escape(head)}*"}},
        {"type": "section", "text": {"type": "mrkdwn", "text": f"```{slack_escape(command)}```"}},
        {"type": "section", "fields": [{"type": "mrkdwn", "text": f"*{name}*\n{slack_escape(value)}"}
                                       for name, value in facts(event, request)]},
    ]
    if url.startswith(("https://", "http://")):
        blocks.append({"type": "actions", "elements": [
            {"type": "button", "text": {"type": "plain_text", "text": "Open the request"}, "url": url,
             "action_id": "open-request"}]})
    blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": (
        f"`{request.id}` · approving needs a signed-in session on the request's page")}]})
    return {"text": slack_escape(head), "blocks": blocks}


def teams_message(event: str, request: Request, base_url: str) -> dict[str, Any]:
    """A Microsoft Teams message (incoming webhook or Workflows) carrying an Adaptive Card 1.4."""
    url = request_link(request, base_url)
    body: list[dict[str, Any]] = [
        {"type": "TextBlock", "text": title(event, request), "weight": "Bolder", "size": "Medium", "wrap": True},
        {"type": "TextBlock", "text": action_line(request.action), "fontType": "Monospace", "wrap": True},
        {"type": "FactSet", "facts": [{"title": name, "value": value} for name, value in facts(event, request)]},
        {"type": "TextBlock", "text": f"{request.id} · approving needs a signed-in session on the request's page",
         "isSubtle": True, "size": "Small", "wrap": True},
    ]
    card: dict[str, Any] = {"$schema": "http://adaptivecards.io/schemas/adaptive-card.json", "type": "AdaptiveCard",
                            "version": "1.4", "body": body}
    if url.startswith(("https://", "http://")):
        card["actions"] = [{"type": "Action.OpenUrl", "title": "Open the request", "url": url}]
    return {"type": "message", "attachments": [
        {"contentType": "application/vnd.microsoft.card.adaptive", "contentUrl": None, "content": card}]}
