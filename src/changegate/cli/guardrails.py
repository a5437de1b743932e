"""`changegate freeze|breaker|breakglass`: the guardrails across a session (docs/guardrails.md).

    changegate freeze now --reason "incident 4711" [--env prod] [--agent 'claude-*']
    changegate freeze lift [frz_…] --as alice          (a person: an agent cannot lift it)
    changegate freeze status
    changegate breaker list
    changegate breaker close AGENT --as alice [-m "looked at the deletes: the cleanup was planned"]
    changegate breakglass req_… -m "restore the payments service now" --as alice
    changegate breakglass review bg_… -m "checked: the restore was right" --as bob
    changegate breakglass list
    changegate scope grant --agent claude --resource dev='k8s:dev-*/**' --op modify --op delete --for 4h -m …
    changegate scope request|list|revoke …

With CHANGEGATE_URL set they ask the server (every server process and every hook connected to it obeys
within two seconds); otherwise they keep the state in the state directory, which local hooks read on every
change, and break-glass in the local store. People prove who they are as for approvals (--as NAME).
"""

from __future__ import annotations

import getpass
import json
import os
from typing import TYPE_CHECKING, Any

import typer

from changegate.cli import EXIT_USAGE, fail
from changegate.cli.access import call_server, local_person, local_store, remote, server_client

if TYPE_CHECKING:
    from changegate.service.guardrails import Announce
    from changegate.service.guardrails.files import LocalGuard

VERBS = {"freeze": "the kill switch: deny every change by agents now, until a person lifts it",
         "breaker": "circuit breakers: agents that went over a budget, until a person closes them",
         "breakglass": "let one pending or denied request through now (a second person reviews it)",
         "scope": "task scopes: what an agent may change, where, for how long, granted by people"}
AS_OPTION = typer.Option(None, "--as", help="who you are (a changegate user); you are asked for the password")
PASSWORD_STDIN = typer.Option(False, "--password-stdin", help="read the password from the first line of stdin")
JSON_OPTION = typer.Option(False, "--json", help="print JSON")

freeze_app = typer.Typer(help=VERBS["freeze"], no_args_is_help=True, add_completion=False)
breaker_app = typer.Typer(help=VERBS["breaker"], no_args_is_help=True, add_completion=False)
scope_app = typer.Typer(help=VERBS["scope"], no_args_is_help=True, add_completion=False)


def register(app: typer.Typer) -> None:
    app.add_typer(freeze_app, name="freeze")
    app.add_typer(breaker_app, name="breaker")
    app.add_typer(scope_app, name="scope")
    app.command(name="breakglass", help=VERBS["breakglass"])(breakglass)


def show(doc: Any, as_json: bool, line: str) -> int:
    print(json.dumps(doc, ensure_ascii=False) if as_json else line)
    return 0


# --- the kill switch -----------------------------------------------------------------------------------

@freeze_app.command(name="now", help="turn the kill switch on: every change by agents is denied")
def freeze_now(reason: str = typer.Option(..., "--reason", "-m", help="why (recorded and notified)"),
               env: list[str] = typer.Option([], "--env", help="only changes in this environment (repeat; "
                                             "prod includes unknown); default: every environment"),
               agent: str = typer.Option("*", "--agent", help="only agents whose name matches this glob"),
               as_user: str = AS_OPTION, password_stdin: bool = PASSWORD_STDIN, as_json: bool = JSON_OPTION) -> int:
    if not reason.strip():
        raise fail("say why with --reason", EXIT_USAGE)
    if remote():
        done = call_server(server_client(as_user, password_stdin).call, "POST", "/v1/guardrails/freeze",
                           {"reason": reason, "environments": env, "agents": agent})
    else:
        # stopping agents is always safe: locally anyone at this keyboard may; lifting needs a person
        from changegate.service.guardrails import InstantFreeze

        guard = local_guard()
        frozen = InstantFreeze.new(f"cli:{getpass.getuser()}", reason.strip(), now(), env, agent)
        guard.freeze(frozen)
        done = frozen.as_dict()
        recorded("freeze.on", done, f"changegate: {frozen.describe()} — every change by these agents is denied")
    return show(done, as_json, f"kill switch {done['id']} on: every change by agents "
                f"{'in ' + ', '.join(env) if env else 'everywhere'} is denied until a person runs "
                f"`changegate freeze lift`")


@freeze_app.command(name="lift", help="lift the kill switch (one by its id, or every one); a person only")
def freeze_lift(freeze_id: str = typer.Argument(None, help="frz_… (default: every kill switch)"),
                comment: str = typer.Option("", "--comment", "-m"),
                as_user: str = AS_OPTION, password_stdin: bool = PASSWORD_STDIN, as_json: bool = JSON_OPTION) -> int:
    if remote():
        lifted = call_server(server_client(as_user, password_stdin).call, "POST", "/v1/guardrails/freeze/lift",
                             {"id": freeze_id, "comment": comment})["lifted"]
    else:
        who = local_approver(as_user, password_stdin, "lift the kill switch")
        found = local_guard().lift(freeze_id)
        if freeze_id and not found:
            raise fail(f"no kill switch {freeze_id!r} is on")
        lifted = [f.as_dict() for f in found]
        for f in lifted:
            recorded("freeze.lifted", {**f, "lifted_by": who, "comment": comment},
                     f"changegate: {who.split(':', 1)[-1]} lifted the kill switch {f['id']} ({f['reason']})")
    return show(lifted, as_json, f"lifted {len(lifted)} kill switch{'es' if len(lifted) != 1 else ''}"
                + (": " + ", ".join(f["id"] for f in lifted) if lifted else ""))


@freeze_app.command(name="status", help="the kill switches on now")
def freeze_status(as_user: str = AS_OPTION, password_stdin: bool = PASSWORD_STDIN, as_json: bool = JSON_OPTION) -> int:
    freezes = overview(as_user, password_stdin)["freezes"]
    lines = [f"{f['id']}  since {f['at']}  by {f['by']}  {', '.join(f['environments']) or 'everywhere'}  "
             f"agents {f['agents']}: {f['reason']}" for f in freezes]
    return show(freezes, as_json, "\n".join(lines) or "no kill switch is on")


# --- circuit breakers ----------------------------------------------------------------------------------

@breaker_app.command(name="list", help="the agents whose circuit breaker is open")
def breaker_list(as_user: str = AS_OPTION, password_stdin: bool = PASSWORD_STDIN, as_json: bool = JSON_OPTION) -> int:
    breakers = overview(as_user, password_stdin)["breakers"]
    lines = [f"{b['agent']}  since {b['opened_at']}: {b['reason']}" for b in breakers]
    return show(breakers, as_json, "\n".join(lines) or "no circuit breaker is open")


@breaker_app.command(name="close", help="close an agent's circuit breaker (a person, after looking)")
def breaker_close(agent: str = typer.Argument(...), comment: str = typer.Option("", "--comment", "-m"),
                  as_user: str = AS_OPTION, password_stdin: bool = PASSWORD_STDIN, as_json: bool = JSON_OPTION) -> int:
    if remote():
        closed = call_server(server_client(as_user, password_stdin).call, "POST",
                             f"/v1/guardrails/breakers/{agent}/close", {"comment": comment})
    else:
        who = local_approver(as_user, password_stdin, "close a circuit breaker")
        found = local_guard().close(agent)
        if found is None:
            raise fail(f"{agent}'s circuit breaker is not open")
        closed = found.as_dict()
        recorded("breaker.closed", {**closed, "closed_by": who, "comment": comment},
                 f"changegate: {who.split(':', 1)[-1]} closed {agent}'s circuit breaker ({found.reason})")
    return show(closed, as_json, f"{agent}'s circuit breaker is closed: its changes are judged by the policy again")


# --- break-glass ---------------------------------------------------------------------------------------

def breakglass(target: str = typer.Argument(..., help="req_… to let through; `review bg_…`; or `list`"),
               glass_id: str = typer.Argument(None, help="with review: the bg_… to review"),
               message: str = typer.Option("", "--message", "-m", help="the reason (or the review's comment)"),
               as_user: str = AS_OPTION, password_stdin: bool = PASSWORD_STDIN, as_json: bool = JSON_OPTION) -> int:
    if target == "list":
        reviews = overview(as_user, password_stdin)["reviews"]
        lines = [f"{g['id']}  {g['request']}  by {g['by']} at {g['at']}  review due {g['review_due']}: {g['reason']}"
                 for g in reviews]
        return show(reviews, as_json, "\n".join(lines) or "no break-glass waits for review")
    if not message.strip():
        raise fail("say why with -m (it is recorded and sent to everyone notified)", EXIT_USAGE)
    if target == "review":
        if not glass_id:
            raise fail("name the break-glass to review: changegate breakglass review bg_… -m …", EXIT_USAGE)
        done = glass_call("review", glass_id, message, as_user, password_stdin)
        return show(done, as_json, f"{done['id']} reviewed by {done['reviewed_by']}")
    done = glass_call("open", target, message, as_user, password_stdin)
    return show(done, as_json, f"BREAK-GLASS {done['id']}: the next check of {done['request']}'s exact action by "
                f"{done['agent']} is allowed, once (until {done['expires_at']}); a second person must review it: "
                f"changegate breakglass review {done['id']} -m …")


def glass_call(verb: str, target: str, message: str, as_user: str | None, password_stdin: bool) -> dict[str, Any]:
    if remote():
        client = server_client(as_user, password_stdin)
        if verb == "open":
            return dict(call_server(client.call, "POST", f"/v1/requests/{target}/breakglass", {"reason": message}))
        return dict(call_server(client.call, "POST", f"/v1/guardrails/breakglass/{target}/review",
                                {"comment": message}))
    from changegate.service.guardrails.store import BreakGlass, GuardrailError

    store = local_store()
    try:
        who = local_person(store, as_user, password_stdin)
        glass = BreakGlass(store, announce=local_announce())
        done = glass.open(who, target, message) if verb == "open" else glass.review(who, target, message)
        return done.as_dict()
    except GuardrailError as exc:
        raise fail(str(exc)) from exc
    finally:
        store.dispose()


# --- task scopes ---------------------------------------------------------------------------------------

def scope_fields(agent: str | None, session: str, resources: list[str], operations: list[str], duration: str,
                 reason: str) -> dict[str, Any]:
    """The API's scope body from the options (`--resource ENV=GLOB`, repeated)."""
    if not agent or not resources or not operations or not reason.strip():
        raise fail("a scope needs --agent, --resource ENV=GLOB, --op OPERATION and -m REASON", EXIT_USAGE)
    by_env: dict[str, list[str]] = {}
    for item in resources:
        env, sep, pattern = item.partition("=")
        if not sep or not env.strip() or not pattern.strip():
            raise fail(f"--resource {item!r}: write ENV=GLOB, e.g. dev='k8s:dev-*/**'", EXIT_USAGE)
        by_env.setdefault(env.strip(), []).append(pattern.strip())
    return {"agent": agent, "session": session, "resources": by_env, "operations": operations, "duration": duration,
            "reason": reason}


def local_scope(verb: str, who: Any, fields: dict[str, Any] | None, scope_id: str | None) -> dict[str, Any]:
    """request / grant / revoke against the state directory's scopes (what local hooks read)."""
    from changegate.policy import PolicyError, load_policy, parse_duration
    from changegate.service.guardrails import ScopeRefused
    from changegate.service.guardrails.store import (
        GuardrailError,
        ScopeAsk,
        grant_scope,
        request_scope,
        revoke_scope,
    )

    guard = local_guard()
    try:
        settings = load_policy(os.environ.get("CHANGEGATE_POLICY") or None).doc.scopes
        ask = None if fields is None else ScopeAsk(
            fields["agent"], fields["resources"], tuple(fields["operations"]),
            parse_duration(fields["duration"]).total_seconds(), fields["reason"], fields["session"])
        if verb == "request":
            assert ask is not None
            return request_scope(guard, who, ask, settings, now()).as_dict(now())
        if verb == "grant":
            return grant_scope(guard, who, now(), scope_id=scope_id, ask=ask, settings=settings).as_dict(now())
        assert scope_id is not None
        return revoke_scope(guard, who, scope_id, now()).as_dict(now())
    except (GuardrailError, ScopeRefused, PolicyError, ValueError) as exc:
        raise fail(str(exc)) from exc


AGENT_OPTION = typer.Option(None, "--agent", help="the agent's name")
SESSION_OPTION = typer.Option("", "--session", help="only this session of the agent (default: all its sessions)")
RESOURCE_OPTION = typer.Option([], "--resource", help="ENV=GLOB, e.g. dev='k8s:dev-*/**' (repeat)")
OP_OPTION = typer.Option([], "--op", help="an operation it may do: create, modify, delete, replace, … (repeat)")
FOR_OPTION = typer.Option("4h", "--for", help="how long (at most the policy's scopes.max_duration, 8h by default)")


@scope_app.command(name="grant", help="grant a task scope (a new one, or a requested scp_…); a person")
def scope_grant(scope_id: str = typer.Argument(None, help="scp_… to grant (omit to grant a new one)"),
                agent: str = AGENT_OPTION, session: str = SESSION_OPTION, resource: list[str] = RESOURCE_OPTION,
                op: list[str] = OP_OPTION, duration: str = FOR_OPTION,
                reason: str = typer.Option("", "--reason", "-m", help="what the task is"),
                as_user: str = AS_OPTION, password_stdin: bool = PASSWORD_STDIN, as_json: bool = JSON_OPTION) -> int:
    fields = None if scope_id else scope_fields(agent, session, resource, op, duration, reason)
    if remote():
        client = server_client(as_user, password_stdin)
        done = (call_server(client.call, "POST", f"/v1/scopes/{scope_id}/grant", {}) if scope_id
                else call_server(client.call, "POST", "/v1/scopes/grant", fields))
    else:
        done = local_scope("grant", local_identity(as_user, password_stdin), fields, scope_id)
    return show(done, as_json, scope_line(done))


@scope_app.command(name="request", help="ask for a task scope for an agent; people grant it")
def scope_request(agent: str = AGENT_OPTION, session: str = SESSION_OPTION, resource: list[str] = RESOURCE_OPTION,
                  op: list[str] = OP_OPTION, duration: str = FOR_OPTION,
                  reason: str = typer.Option("", "--reason", "-m", help="what the task is"),
                  as_json: bool = JSON_OPTION) -> int:
    fields = scope_fields(agent, session, resource, op, duration, reason)
    if remote():
        url, token = remote() or ("", "")
        from changegate.client import Client

        done = call_server(Client(url, token, timeout=30.0).call, "POST", "/v1/scopes", fields)
    else:
        from changegate.service.identity import Identity

        who = Identity("agent", fields["agent"], "agent", operator=getpass.getuser(), via="cli")
        done = local_scope("request", who, fields, None)
    return show(done, as_json, scope_line(done) + f"; a person grants it: changegate scope grant {done['id']} --as NAME")


@scope_app.command(name="list", help="task scopes: pending, active, expired, revoked")
def scope_list(as_user: str = AS_OPTION, password_stdin: bool = PASSWORD_STDIN, as_json: bool = JSON_OPTION) -> int:
    if remote():
        found = call_server(server_client(as_user, password_stdin).call, "GET", "/v1/scopes")["scopes"]
    else:
        from changegate.service.guardrails import GuardUnavailable

        try:
            found = [s.as_dict(now()) for s in local_guard().all_scopes()]
        except GuardUnavailable as exc:
            raise fail(str(exc)) from exc
    return show(found, as_json, "\n".join(scope_line(s) for s in found) or "no task scopes")


@scope_app.command(name="revoke", help="revoke a task scope (a person)")
def scope_revoke(scope_id: str = typer.Argument(...), as_user: str = AS_OPTION, password_stdin: bool = PASSWORD_STDIN,
                 as_json: bool = JSON_OPTION) -> int:
    if remote():
        done = call_server(server_client(as_user, password_stdin).call, "POST", f"/v1/scopes/{scope_id}/revoke", {})
    else:
        done = local_scope("revoke", local_identity(as_user, password_stdin), None, scope_id)
    return show(done, as_json, scope_line(done))


def scope_line(s: dict[str, Any]) -> str:
    where = "; ".join(f"{env}: {', '.join(globs)}" for env, globs in s["resources"].items())
    granted = ", ".join(g.split(":", 1)[-1] for g in s["granted_by"]) or "nobody yet"
    return (f"{s['id']}  {s.get('status', '')}  {s['agent']}{' session ' + s['session'] if s['session'] else ''}  "
            f"{'/'.join(s['operations'])} in {where}  until {s['expires_at']}  granted by {granted} "
            f"({s['needed']} needed): {s['reason']}")


# --- shared --------------------------------------------------------------------------------------------

def overview(as_user: str | None, password_stdin: bool) -> dict[str, Any]:
    """What is on (kill switches, breakers, reviews): from the server, or the state directory and store."""
    if remote():
        return dict(call_server(server_client(as_user, password_stdin).call, "GET", "/v1/guardrails"))
    from changegate.service.guardrails import GuardUnavailable
    from changegate.service.guardrails.store import BreakGlass

    guard = local_guard()
    try:
        freezes, breakers = guard.freezes(now()), guard.breakers()
    except GuardUnavailable as exc:
        raise fail(str(exc)) from exc
    store = local_store()
    try:
        reviews = [g.as_dict() for g in BreakGlass(store).open_reviews()]
    finally:
        store.dispose()
    return {"freezes": [f.as_dict() for f in freezes], "breakers": [b.as_dict() for b in breakers],
            "reviews": reviews}


def local_guard() -> LocalGuard:
    from changegate.service.guardrails.files import LocalGuard

    return LocalGuard(announce=local_announce())


def local_identity(as_user: str | None, password_stdin: bool) -> Any:
    """A person from the local store, proven by their password (the service checks their role)."""
    store = local_store()
    try:
        return local_person(store, as_user, password_stdin)
    finally:
        store.dispose()


def local_approver(as_user: str | None, password_stdin: bool, what: str) -> str:
    """A person with the approver role, proven by their password in the local store; their actor name."""
    from changegate.service.guardrails.store import GuardrailError, require_approver

    store = local_store()
    try:
        who = local_person(store, as_user, password_stdin)
        require_approver(who, what)
    except GuardrailError as exc:
        raise fail(str(exc)) from exc
    finally:
        store.dispose()
    return who.actor


def local_announce() -> Announce:
    """The local policy's webhooks (CHANGEGATE_POLICY), sent before the command exits."""
    from changegate.gate.guardrails import local_announcer
    from changegate.policy import PolicyError, load_policy

    try:
        return local_announcer(load_policy(os.environ.get("CHANGEGATE_POLICY") or None).doc.notifications)
    except PolicyError as exc:
        print(f"changegate: no notifications: the policy cannot be used ({'; '.join(exc.problems[:2])})")
        return local_announcer([])


def recorded(kind: str, data: dict[str, Any], text: str) -> None:
    """Into the audit chain (through the spool: the next reader of the log drains it) and to the webhooks."""
    from changegate.service.spool import spool_entry

    if not spool_entry(kind, f"cli:{getpass.getuser()}", data):
        print(f"changegate: could not record {kind} in the audit spool", flush=True)
    local_announce()(kind, text, data)


def now() -> float:
    import time

    return time.time()
