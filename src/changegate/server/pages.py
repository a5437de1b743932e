"""The approver's web pages: inbox, request, audit, policy, admin, sign-in. Server-rendered (Jinja2), plain
forms, one small script for the live inbox and the countdowns; nothing is fetched from elsewhere.

Every route reads the session and checks the role on the server (`signed_in(role)`); every form carries a
CSRF token. The pages call the same services as the JSON API (`Services.list_requests`, `decide_request`,
`verify`, the accounts) — the approval rules themselves live in approvals.py.

    mount_pages(app)   # called by create_app(); the session key is read on the first page request
"""

from __future__ import annotations

import contextlib
import hashlib
import threading
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import msgspec
from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from starlette.datastructures import FormData

from changegate.answer import Answer
from changegate.gate import evaluate
from changegate.gate.guardrails import uncounted
from changegate.model import Verdict
from changegate.policy import now_utc
from changegate.server import guardrails, views
from changegate.server.services import AuthError, Services, require_person, to_thread
from changegate.server.sessions import (
    LOGIN_COOKIE,
    LOGIN_NONCE_S,
    SESSION_COOKIE,
    CsrfProblem,
    LoginThrottle,
    Session,
    SessionProblem,
    Sessions,
    person,
    session_secret,
)
from changegate.service.accounts import AccountError
from changegate.service.approvals import ApprovalError
from changegate.service.approvals import Request as ApprovalRequest
from changegate.service.guardrails.store import GuardrailError, grant_scope, revoke_scope
from changegate.service.identity import Identity
from changegate.service.store import StoreError

HERE = Path(__file__).parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"
MAX_FORM_BYTES = 2 * 1024 * 1024
INBOX_LIMIT = 200
RECENT_LIMIT = 10
HISTORY_SCAN = 500
POLL_MS = 2000
APPROVAL_STATUS = {"forbidden": 403, "not_found": 404, "conflict": 409, "invalid": 422}
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                               "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; "
                               "object-src 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}
NAV = (("inbox", "/inbox", "Inbox", "viewer"), ("audit", "/audit", "Audit", "viewer"),
       ("policy", "/policy", "Policy", "viewer"), ("admin", "/admin", "Admin", "admin"))
ROLE_ORDER = {"viewer": 0, "approver": 1, "admin": 2}

router = APIRouter(include_in_schema=False)
_templates = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]),
                         undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
_templates.filters.update(when=views.when, env_label=views.environment_label, effect_words=views.effect_words,
                          effect_notes=views.effect_notes)
_sessions_lock = threading.Lock()


def mount_pages(app: FastAPI) -> None:
    """Add the pages, the static files and the page-error handler to the app."""
    app.state.sessions = None  # made on the first page request (API-only use never touches the key file)
    app.state.login_throttle = LoginThrottle()
    app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.add_exception_handler(PageRefused, _refused)


# --- who is looking ------------------------------------------------------------------------------------

@dataclass
class Viewer:
    """The signed-in person behind a page request."""

    who: Identity
    session: Session
    csrf: str
    cookie: str | None = None  # a re-signed session cookie to send back (the idle window slid forward)

    def may(self, role: str) -> bool:
        return ROLE_ORDER.get(self.who.role, -1) >= ROLE_ORDER[role]


class PageRefused(Exception):
    """A page request that cannot go on: `sign_in` sends a browser to the sign-in page."""

    def __init__(self, status: int, message: str, *, sign_in: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.sign_in = sign_in  # the SessionProblem code, when signing in again is the answer


def services_of(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


def sessions_of(request: Request) -> Sessions:
    sessions: Sessions | None = request.app.state.sessions
    if sessions is None:
        with _sessions_lock:
            sessions = request.app.state.sessions
            if sessions is None:
                services = services_of(request)
                sessions = Sessions(session_secret(services.settings.database_url), clock=services.clock)
                request.app.state.sessions = sessions
    assert sessions is not None
    return sessions


def signed_in(role: str = "viewer", *, activity: bool = True) -> Callable[[Request], Awaitable[Viewer]]:
    """A dependency: the signed-in person, with at least `role`. `activity=False` for background requests
    (the inbox's polling), which must not keep a session alive."""

    async def dependency(request: Request) -> Viewer:
        sessions = sessions_of(request)
        try:
            session = sessions.read(request.cookies.get(SESSION_COOKIE))
            found = await to_thread(person, services_of(request).store, session.user)
            if found is None:
                raise SessionProblem("gone")
            who, password_hash = found
            if sessions.fingerprint(password_hash) != session.fingerprint:
                raise SessionProblem("password")
        except SessionProblem as problem:
            raise PageRefused(401, problem.reason, sign_in=problem.code) from problem
        except StoreError as exc:
            raise PageRefused(503, f"The store is unavailable, so nobody can be signed in: {exc}") from exc
        try:
            require_person(who, role)
        except AuthError as exc:
            raise PageRefused(403, f"This page needs the {role} role; you ({who.name}) have the {who.role} role.") \
                from exc
        refreshed = sessions.refreshed(session) if activity else None
        if refreshed is not None:
            session, cookie = refreshed
            return Viewer(who, session, sessions.csrf_token(session), cookie)
        return Viewer(who, session, sessions.csrf_token(session))

    return dependency


viewer_page = signed_in("viewer")
approver_page = signed_in("approver")
admin_page = signed_in("admin")


async def form_of(request: Request, viewer: Viewer) -> FormData:
    """The submitted form, after checking its size, its origin and its CSRF token."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_FORM_BYTES:
        raise PageRefused(413, f"The form is larger than {MAX_FORM_BYTES // 1024 // 1024} MiB.")
    _same_origin(request)
    form = await request.form(max_files=0, max_fields=100)
    token = form.get("csrf")
    try:
        sessions_of(request).check_csrf(viewer.session, token if isinstance(token, str) else None)
    except CsrfProblem as exc:
        raise PageRefused(403, str(exc)) from exc
    return form


def _same_origin(request: Request) -> None:
    """Browsers send Origin on a POST; one from another site is refused before anything else is read."""
    origin = request.headers.get("origin")
    if origin and origin != "null" and origin.rstrip("/") != _own_origin(request):
        raise PageRefused(403, "This form was sent from another site, so it was not accepted.")


def _own_origin(request: Request) -> str:
    return f"{request.url.scheme}://{request.headers.get('host', request.url.netloc)}"


def text(form: FormData, name: str, limit: int = 2000) -> str:
    value = form.get(name)
    return value[:limit] if isinstance(value, str) else ""


# --- rendering -----------------------------------------------------------------------------------------

def render(request: Request, template: str, viewer: Viewer | None, status: int = 200, **context: Any) -> HTMLResponse:
    nav = [(key, href, label) for key, href, label, role in NAV if viewer is not None and viewer.may(role)]
    html = _templates.get_template(template).render(
        viewer=viewer, csrf=viewer.csrf if viewer else "", nav=nav, static=static_url, path=request.url.path,
        error=context.pop("error", None), notice=context.pop("notice", None), **context)
    response = HTMLResponse(html, status)
    response.headers.update(SECURITY_HEADERS)
    if viewer is not None and viewer.cookie:
        set_session_cookie(response, viewer.cookie, sessions_of(request))
    return response


def set_session_cookie(response: Response, value: str, sessions: Sessions) -> None:
    response.set_cookie(SESSION_COOKIE, value, max_age=int(sessions.max_age_s), path="/", secure=True,
                        httponly=True, samesite="lax")


_static_versions: dict[str, str] = {}


def static_url(name: str) -> str:
    """A static file's URL with a digest of its content, so a new version is never read from a cache."""
    version = _static_versions.get(name)
    if version is None:
        version = hashlib.sha256((STATIC / name).read_bytes()).hexdigest()[:12]
        _static_versions[name] = version
    return f"/static/{name}?v={version}"


def redirect(location: str, viewer: Viewer | None = None, request: Request | None = None) -> Response:
    response = RedirectResponse(location, 303)
    if viewer is not None and viewer.cookie and request is not None:
        set_session_cookie(response, viewer.cookie, sessions_of(request))
    return response


async def _refused(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, PageRefused)
    if exc.sign_in is not None and request.method == "GET" and not request.headers.get("x-changegate-poll"):
        from urllib.parse import urlencode

        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return redirect("/login?" + urlencode({"next": target, "why": exc.sign_in}))
    response = render(request, "error.html", None, exc.status, message=exc.message,
                      sign_in=exc.sign_in is not None)
    if exc.sign_in is not None:
        response.delete_cookie(SESSION_COOKIE, path="/", secure=True, httponly=True, samesite="lax")
    return response


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a path on this site only."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/inbox"
    return target


# --- sign-in -------------------------------------------------------------------------------------------

@router.get("/")
async def home() -> Response:
    return redirect("/inbox")


@router.get("/login")
async def login_page(request: Request, next: str = "/inbox", why: str = "") -> Response:
    sessions = sessions_of(request)
    if why == "":
        try:
            sessions.read(request.cookies.get(SESSION_COOKIE))
            return redirect(safe_next(next))
        except SessionProblem:
            pass
    notice = sessions.reason(why) if why and why != "missing" else None
    return _login_form(request, sessions, next, notice=notice)


def _login_form(request: Request, sessions: Sessions, next: str, status: int = 200, **context: Any) -> HTMLResponse:
    nonce = sessions.login_nonce()
    response = render(request, "login.html", None, status, next=safe_next(next), login_csrf=sessions.login_token(nonce),
                      name=context.pop("name", ""), **context)
    response.set_cookie(LOGIN_COOKIE, nonce, max_age=LOGIN_NONCE_S, path="/login", secure=True, httponly=True,
                        samesite="strict")
    return response


@router.post("/login")
async def login(request: Request) -> Response:
    sessions = sessions_of(request)
    services = services_of(request)
    _same_origin(request)
    form = await request.form(max_files=0, max_fields=10)
    target = safe_next(text(form, "next", 500))
    try:
        sessions.check_login_token(request.cookies.get(LOGIN_COOKIE), text(form, "csrf", 200) or None)
    except CsrfProblem as exc:
        return _login_form(request, sessions, target, 403, error=str(exc))
    name, password = text(form, "name", 64).strip(), text(form, "password", 1024)
    throttle: LoginThrottle = request.app.state.login_throttle
    wait = throttle.wait_s(name)
    if wait > 0:
        return _login_form(request, sessions, target, 429, name=name, error=(
            f"Too many failed sign-ins for {name}. Try again in {views.duration(wait)}."))
    try:
        who = await to_thread(services.accounts.check_password, name, password)
        found = await to_thread(person, services.store, name) if who is not None else None
    except StoreError as exc:
        return _login_form(request, sessions, target, 503, name=name, error=f"The store is unavailable: {exc}")
    if who is None or found is None:
        throttle.failed(name)
        return _login_form(request, sessions, target, 401, name=name, error="Wrong name or password.")
    throttle.succeeded(name)
    _session, cookie = sessions.issue(name, found[1])
    response = redirect(target)
    set_session_cookie(response, cookie, sessions)
    response.delete_cookie(LOGIN_COOKIE, path="/login", secure=True, httponly=True, samesite="strict")
    return response


@router.post("/logout")
async def logout(request: Request, viewer: Viewer = Depends(signed_in("viewer", activity=False))) -> Response:
    await form_of(request, viewer)
    sessions_of(request).end(viewer.session)
    services = services_of(request)
    # signing out must work even when the log cannot be written: the session ends regardless
    with contextlib.suppress(StoreError):
        await to_thread(services.audit.record, "logout", viewer.who.actor, {"user": viewer.who.name})
    response = redirect("/login?why=ended")
    response.delete_cookie(SESSION_COOKIE, path="/", secure=True, httponly=True, samesite="lax")
    return response


# --- inbox ---------------------------------------------------------------------------------------------

@dataclass
class InboxItem:
    """A card: what (the summary and the exact command), where, how much, who asked and why, time left."""

    request: ApprovalRequest
    environment: str
    time_left: str
    line: str = ""
    blast: str = ""
    reason: str = ""


@dataclass
class Inbox:
    pending: list[InboxItem] = field(default_factory=list)
    recent: list[InboxItem] = field(default_factory=list)
    # kill switches on, breakers open, break-glass reviews to do (server/guardrails.py `overview`)
    guardrails: dict[str, Any] = field(default_factory=lambda: {"freezes": [], "breakers": [], "reviews": [],
                                                                 "scopes": []})

    def version(self) -> str:
        state = [(i.request.id, i.request.status, len(i.request.votes)) for i in self.pending + self.recent]
        marks = {k: [(d.get("id") or d.get("agent"), d.get("status")) for d in v] for k, v in self.guardrails.items()}
        return hashlib.sha256(repr((state, marks)).encode()).hexdigest()[:20]


def _inbox(services: Services, who: Identity) -> Inbox:
    now = services.clock()

    def item(r: ApprovalRequest) -> InboxItem:
        return InboxItem(r, views.environment_of(r.verdict), views.time_left(r, now), views.action_line(r.action),
                         views.blast_radius(r.verdict).headline, views.split_reason(r.reason)[0])

    pending = services.list_requests(who, "pending", INBOX_LIMIT)
    recent = [r for r in services.list_requests(who, None, RECENT_LIMIT * 3) if r.status != "pending"]
    return Inbox([item(r) for r in pending], [item(r) for r in recent[:RECENT_LIMIT]],
                 guardrails.overview(services, who))


@router.get("/inbox")
async def inbox(request: Request, viewer: Viewer = Depends(viewer_page)) -> Response:
    try:
        found = await to_thread(_inbox, services_of(request), viewer.who)
    except StoreError as exc:
        return render(request, "error.html", viewer, 503, message=f"The store is unavailable: {exc}", sign_in=False)
    return render(request, "inbox.html", viewer, inbox=found, poll_ms=POLL_MS,
                  notice=GUARD_NOTICES.get(request.query_params.get("done", "")))


@router.get("/inbox/live")
async def inbox_live(request: Request, viewer: Viewer = Depends(signed_in("viewer", activity=False))) -> Response:
    """The inbox's lists alone, for the page's polling; 304 when nothing changed since the last poll."""
    try:
        found = await to_thread(_inbox, services_of(request), viewer.who)
    except StoreError as exc:
        raise PageRefused(503, f"The store is unavailable: {exc}") from exc
    etag = f'"{found.version()}"'
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers={"ETag": etag, "Cache-Control": "no-store"})
    response = render(request, "_inbox_lists.html", viewer, inbox=found)
    response.headers["ETag"] = etag
    return response


# --- one request ---------------------------------------------------------------------------------------

DONE_NOTICES = {"approve": "You approved this request.", "deny": "You denied this request."}


def _request_context(services: Services, who: Identity, request_id: str) -> dict[str, Any]:
    found = services.get_request(who, request_id)
    candidates = services.list_requests(who, None, HISTORY_SCAN)
    now = services.clock()
    plan = views.plan_view(found.action)
    own_reason, _notes = views.split_reason(found.reason)
    return {
        "req": found, "environment": views.environment_of(found.verdict), "time_left": views.time_left(found, now),
        "action": views.action_view(found.action), "line": views.action_line(found.action),
        "blast": views.blast_radius(found.verdict), "undo": views.undo_lines(found),
        "targets": views.targets(found.verdict), "own_reason": own_reason, "plan": plan,
        "why": views.why_lines(found.verdict),
        "options": views.vote_options(who, found, now),
        "similar": views.grouped_similar(views.similar_requests(found, candidates)),
        "effects": views.plan_findings(found.verdict) if plan is not None else views.effects_of(found.verdict),
    }


@router.get("/requests/{request_id}")
async def request_page(request: Request, request_id: str, done: str = "",
                       viewer: Viewer = Depends(viewer_page)) -> Response:
    try:
        context = await to_thread(_request_context, services_of(request), viewer.who, request_id)
    except ApprovalError as exc:
        return render(request, "error.html", viewer, APPROVAL_STATUS[exc.code], message=str(exc), sign_in=False)
    except StoreError as exc:
        return render(request, "error.html", viewer, 503, message=f"The store is unavailable: {exc}", sign_in=False)
    notice = DONE_NOTICES.get(done) or GUARD_NOTICES.get(done)  # said once; where it stands is in the box
    return render(request, "request.html", viewer, notice=notice, **context)


async def _vote(request: Request, request_id: str, verb: str, viewer: Viewer) -> Response:
    form = await form_of(request, viewer)
    services = services_of(request)
    try:
        shown = text(form, "action_hash", 64)
        if shown:
            current = await to_thread(services.get_request, viewer.who, request_id)
            if shown != current.action_hash:  # the page was for another action: never vote on what was not seen
                raise ApprovalError("the request's action is not the one on your page; reload it and look again",
                                    "conflict")
        await to_thread(services.decide_request, viewer.who, request_id, verb, text(form, "comment"))
    except ApprovalError as exc:
        return await _request_with_error(request, request_id, viewer, APPROVAL_STATUS[exc.code],
                                         f"Not {'approved' if verb == 'approve' else 'denied'}: {exc}.")
    except StoreError as exc:
        return await _request_with_error(request, request_id, viewer, 503, f"The store is unavailable: {exc}")
    return redirect(f"/requests/{request_id}?done={verb}", viewer, request)


async def _request_with_error(request: Request, request_id: str, viewer: Viewer, status: int, message: str) -> Response:
    try:
        context = await to_thread(_request_context, services_of(request), viewer.who, request_id)
    except (ApprovalError, StoreError):
        return render(request, "error.html", viewer, status, message=message, sign_in=False)
    return render(request, "request.html", viewer, status, error=message, **context)


@router.post("/requests/{request_id}/approve")
async def approve(request: Request, request_id: str, viewer: Viewer = Depends(approver_page)) -> Response:
    return await _vote(request, request_id, "approve", viewer)


@router.post("/requests/{request_id}/deny")
async def deny(request: Request, request_id: str, viewer: Viewer = Depends(approver_page)) -> Response:
    return await _vote(request, request_id, "deny", viewer)


# --- audit ---------------------------------------------------------------------------------------------

@router.get("/audit")
async def audit_page(request: Request, viewer: Viewer = Depends(viewer_page)) -> Response:
    services = services_of(request)
    try:
        flt = views.parse_audit_filter(request.query_params)
    except ValueError as exc:
        return render(request, "audit.html", viewer, 422, error=f"The filter is not valid: {exc}.",
                      flt=views.AuditFilter(), page=views.AuditPage(), chain=None, decisions=views.DECISION_FILTERS,
                      environments=views.ENVIRONMENT_ORDER)
    try:
        chain = await to_thread(services.verify, viewer.who)
        page = await to_thread(views.audit_page, services.store, flt)
    except StoreError as exc:
        return render(request, "error.html", viewer, 503, message=f"The store is unavailable: {exc}", sign_in=False)
    return render(request, "audit.html", viewer, flt=flt, page=page, chain=chain, decisions=views.DECISION_FILTERS,
                  environments=views.ENVIRONMENT_ORDER)


# --- policy and the simulator --------------------------------------------------------------------------

SIMULATOR_KINDS = {"shell": "Shell command", "sql": "SQL statement", "terraform_plan": "Terraform plan (JSON)",
                   "k8s_manifest": "Kubernetes manifest (YAML)", "action": "Action (JSON, any type)"}


def _policy_context(services: Services) -> dict[str, Any]:
    policy = services.checkpoint.policy()
    now = now_utc()
    return {"policy": policy, "rules": policy.rules, "freezes": [(f, f.start <= now < f.end) for f in policy.doc.freezes],
            "mappings": {env: msgspec.to_builtins(targets) for env, targets in policy.doc.environments.items()},
            "kinds": SIMULATOR_KINDS, "match_text": _match_text}


def _match_text(rule: Any) -> str:
    return ", ".join(f"{k}: {v if not isinstance(v, list) else ' | '.join(map(str, v))}"
                     for k, v in msgspec.to_builtins(rule.match).items()) or "every effect"


@router.get("/policy")
async def policy_page(request: Request, viewer: Viewer = Depends(viewer_page)) -> Response:
    context = await to_thread(_policy_context, services_of(request))
    return render(request, "policy.html", viewer, sim=None, sim_form={"kind": "shell"}, **context)


def simulated_action(form: Mapping[str, str]) -> dict[str, Any]:
    """The action the simulator's form describes; raises ValueError in plain words."""
    kind, body = form.get("kind", "shell"), form.get("text", "")
    if not body.strip():
        raise ValueError("paste a command, a statement, a plan or an action to simulate")
    action: dict[str, Any]
    if kind == "shell":
        action = {"type": "shell", "command": body}
    elif kind == "sql":
        action = {"type": "sql", "statement": body}
        if form.get("database", "").strip():
            action["database"] = form["database"].strip()
    elif kind == "terraform_plan":
        action = {"type": "terraform_plan", "plan": _json_object(body, "the plan")}
    elif kind == "k8s_manifest":
        action = {"type": "k8s_manifest", "manifest": body}
    elif kind == "action":
        action = _json_object(body, "the action")
    else:
        raise ValueError(f"choose one of: {', '.join(SIMULATOR_KINDS.values())}")
    if form.get("cwd", "").strip():
        action["cwd"] = form["cwd"].strip()
    env = _env_lines(form.get("env", ""))
    if env:
        action["env"] = {**action.get("env", {}), **env}
    if form.get("agent", "").strip():
        action["agent"] = form["agent"].strip()
    return action


def _json_object(body: str, what: str) -> dict[str, Any]:
    try:
        doc = msgspec.json.decode(body.encode("utf-8"))
    except msgspec.DecodeError as exc:
        raise ValueError(f"{what} is not JSON: {exc}") from exc
    if not isinstance(doc, dict):
        raise ValueError(f"{what} must be a JSON object")
    return doc


def _env_lines(text_value: str) -> dict[str, str]:
    env: dict[str, str] = {}
    for number, line in enumerate(text_value.splitlines()[:200], 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, sep, value = line.partition("=")
        if not sep or not name.strip():
            raise ValueError(f"environment line {number} must look like NAME=value")
        env[name.strip()] = value
    return env


@router.post("/policy/simulate")
async def simulate(request: Request, viewer: Viewer = Depends(viewer_page)) -> Response:
    """Decide a pasted action by the effective policy. Nothing is recorded, filed or run."""
    form = await form_of(request, viewer)
    services = services_of(request)
    fields = {name: text(form, name, 1024 * 1024) for name in ("kind", "text", "database", "cwd", "env", "agent")}
    context = await to_thread(_policy_context, services)
    try:
        action = simulated_action(fields)
    except ValueError as exc:
        return render(request, "policy.html", viewer, 422, error=f"Nothing to simulate: {exc}.", sim=None,
                      sim_form=fields, **context)
    verdict = await to_thread(simulated, action, context["policy"])
    return render(request, "policy.html", viewer, sim=Answer.of(verdict).contract(), sim_error=verdict.error, sim_form=fields,
                  **context)


def simulated(action: dict[str, Any], policy: Any) -> Verdict:
    """A simulation is not an agent's action: it counts against no budget."""
    with uncounted():
        return evaluate(action, policy)


# --- guardrails: the kill switch, circuit breakers, break-glass ------------------------------------------

GUARD_NOTICES = {"frozen": "The kill switch is on: every change by agents is denied, on every server process "
                           "within two seconds.",
                 "lifted": "The kill switch is lifted: changes are judged by the policy again.",
                 "closed": "The circuit breaker is closed: the agent's changes are judged by the policy again.",
                 "broken": "Break-glass: the agent's next check of exactly this action is allowed, once. A second "
                           "person must review it (it waits in the inbox).",
                 "reviewed": "The break-glass is reviewed.",
                 "granted": "Your grant is recorded: the scope is in force once it has every grant it needs.",
                 "revoked": "The task scope is revoked: its asks go to people again."}


async def _guard_change(request: Request, viewer: Viewer, change: Callable[[Services, FormData], Any],
                        done: str, back: str) -> Response:
    """A guardrail form: the change, then back to the page it came from (or that page with the error)."""
    form = await form_of(request, viewer)
    try:
        await to_thread(change, services_of(request), form)
    except GuardrailError as exc:
        return render(request, "error.html", viewer, guardrails.STATUS.get(exc.code, 422), message=f"Not done: {exc}",
                      sign_in=False)
    except StoreError as exc:
        return render(request, "error.html", viewer, 503, message=f"The store is unavailable: {exc}", sign_in=False)
    return redirect(f"{back}?done={done}", viewer, request)


@router.post("/guardrails/freeze")
async def freeze_page(request: Request, viewer: Viewer = Depends(approver_page)) -> Response:
    def change(services: Services, form: FormData) -> None:
        environment = text(form, "environment", 64).strip()
        guardrails.guard_of(services).freeze(viewer.who, text(form, "reason"), [environment] if environment else [],
                                             text(form, "agents", 200).strip() or "*")

    return await _guard_change(request, viewer, change, "frozen", "/inbox")


@router.post("/guardrails/lift")
async def lift_page(request: Request, viewer: Viewer = Depends(approver_page)) -> Response:
    def change(services: Services, form: FormData) -> None:
        guardrails.guard_of(services).lift(viewer.who, text(form, "id", 32).strip() or None, text(form, "comment"))

    return await _guard_change(request, viewer, change, "lifted", "/inbox")


@router.post("/guardrails/breakers/{agent}/close")
async def close_breaker_page(request: Request, agent: str, viewer: Viewer = Depends(approver_page)) -> Response:
    def change(services: Services, form: FormData) -> None:
        guardrails.guard_of(services).close(viewer.who, agent, text(form, "comment"))

    return await _guard_change(request, viewer, change, "closed", "/inbox")


@router.post("/requests/{request_id}/breakglass")
async def breakglass_page(request: Request, request_id: str, viewer: Viewer = Depends(approver_page)) -> Response:
    def change(services: Services, form: FormData) -> None:
        services.get_request(viewer.who, request_id)  # a request of another team is not there for this person
        services.checkpoint.breakglass.open(viewer.who, request_id, text(form, "reason"))

    try:
        return await _guard_change(request, viewer, change, "broken", f"/requests/{request_id}")
    except ApprovalError as exc:
        return render(request, "error.html", viewer, APPROVAL_STATUS[exc.code], message=str(exc), sign_in=False)


@router.post("/scopes/{scope_id}/grant")
async def grant_scope_page(request: Request, scope_id: str, viewer: Viewer = Depends(approver_page)) -> Response:
    def change(services: Services, _form: FormData) -> None:
        grant_scope(guardrails.guard_of(services), viewer.who, services.clock(), scope_id=scope_id)

    return await _guard_change(request, viewer, change, "granted", "/inbox")


@router.post("/scopes/{scope_id}/revoke")
async def revoke_scope_page(request: Request, scope_id: str, viewer: Viewer = Depends(approver_page)) -> Response:
    def change(services: Services, _form: FormData) -> None:
        revoke_scope(guardrails.guard_of(services), viewer.who, scope_id, services.clock())

    return await _guard_change(request, viewer, change, "revoked", "/inbox")


@router.post("/guardrails/breakglass/{glass_id}/review")
async def review_page(request: Request, glass_id: str, viewer: Viewer = Depends(approver_page)) -> Response:
    def change(services: Services, form: FormData) -> None:
        services.checkpoint.breakglass.review(viewer.who, glass_id, text(form, "comment"))

    return await _guard_change(request, viewer, change, "reviewed", "/inbox")


# --- admin ---------------------------------------------------------------------------------------------

def _admin_context(services: Services) -> dict[str, Any]:
    return {"tokens": services.accounts.list_tokens(), "users": services.accounts.list_users(),
            "roles": ("viewer", "approver", "admin")}


ADMIN_NOTICES = {"revoked": "The token is revoked: it stops working within seconds.", "added": "The user is added.",
                 "role": "The role is changed.", "removed": "The user is removed and their tokens revoked."}


@router.get("/admin")
async def admin(request: Request, done: str = "", viewer: Viewer = Depends(admin_page)) -> Response:
    context = await to_thread(_admin_context, services_of(request))
    return render(request, "admin.html", viewer, created=None, notice=ADMIN_NOTICES.get(done), **context)


async def _admin_change(request: Request, viewer: Viewer, change: Callable[[Services, FormData], Any],
                        done: str) -> Response:
    form = await form_of(request, viewer)
    services = services_of(request)
    try:
        created = await to_thread(change, services, form)
    except (AccountError, ValueError) as exc:
        context = await to_thread(_admin_context, services)
        return render(request, "admin.html", viewer, 422, error=f"Not done: {exc}", created=None, **context)
    services.forget_credentials()  # a revoked token or changed role takes effect now in this process
    if created is None:
        return redirect(f"/admin?done={done}", viewer, request)
    context = await to_thread(_admin_context, services)
    return render(request, "admin.html", viewer, created=created, notice=None, **context)  # the secret: once


@router.post("/admin/tokens")
async def create_token(request: Request, viewer: Viewer = Depends(admin_page)) -> Response:
    def change(services: Services, form: FormData) -> dict[str, str]:
        agent, operator = text(form, "agent", 128).strip(), text(form, "operator", 64).strip()
        if not operator:  # nobody is chosen for the agent by default: someone must answer for it
            raise ValueError("choose the operator, the person who answers for this agent")
        token_id, secret = services.accounts.create_agent_token(agent, operator, viewer.who.actor)
        return {"id": token_id, "secret": secret, "agent": agent, "operator": operator}

    return await _admin_change(request, viewer, change, "created")


async def _confirmed(request: Request, viewer: Viewer, question: str, consequences: Callable[[Services], list[str]],
                     button: str) -> Response | None:
    """None when the form says the admin confirmed; otherwise the page that asks (nothing is changed yet).
    Removing a person or revoking a token cannot be taken back, so it never happens on one click."""
    form = await form_of(request, viewer)  # CSRF first: nothing is read for a forged form
    if text(form, "confirm", 8) == "yes":
        return None
    try:
        said = await to_thread(consequences, services_of(request))
    except StoreError as exc:
        raise PageRefused(503, f"The store is unavailable: {exc}") from exc
    return render(request, "confirm.html", viewer, question=question, consequences=said, button=button,
                  action=request.url.path)


def _revoking(token_id: str) -> Callable[[Services], list[str]]:
    def consequences(services: Services) -> list[str]:
        token = next((t for t in services.accounts.list_tokens() if t["id"] == token_id), None)
        holder = (f"agent {token['agent']} (operator {token['user']})" if token and token["agent"]
                  else f"{token['user']}'s personal token" if token else "a token that is not active")
        return [f"It belongs to {holder}.", "Whatever uses it is refused within seconds; it cannot be un-revoked.",
                "The agent needs a new token to ask again."]

    return consequences


def _removing(name: str) -> Callable[[Services], list[str]]:
    def consequences(services: Services) -> list[str]:
        held = [t for t in services.accounts.list_tokens() if t["user"] == name]
        agents = sorted({str(t["agent"]) for t in held if t["agent"]})
        revoked = (f"{len(held)} token{'' if len(held) == 1 else 's'} of theirs {'is' if len(held) == 1 else 'are'} "
                   "revoked" + (f", including those of the agents they operate: {', '.join(agents)}" if agents else ""))
        return [f"{name} can no longer sign in; their open sessions end.", revoked + ".",
                "Their past votes and records stay in the audit log."]

    return consequences


@router.post("/admin/tokens/{token_id}/revoke")
async def revoke_token(request: Request, token_id: str, viewer: Viewer = Depends(admin_page)) -> Response:
    asked = await _confirmed(request, viewer, f"Revoke token {token_id}?", _revoking(token_id), f"Revoke {token_id}")
    if asked is not None:
        return asked

    def change(services: Services, _form: FormData) -> None:
        services.accounts.revoke_token(token_id, viewer.who.actor)

    return await _admin_change(request, viewer, change, "revoked")


@router.post("/admin/users")
async def add_user(request: Request, viewer: Viewer = Depends(admin_page)) -> Response:
    def change(services: Services, form: FormData) -> None:
        services.accounts.add_user(text(form, "name", 64).strip(), text(form, "role", 16),
                                   text(form, "password", 1024) or None, viewer.who.actor)

    return await _admin_change(request, viewer, change, "added")


@router.post("/admin/users/{name}/role")
async def set_role(request: Request, name: str, viewer: Viewer = Depends(admin_page)) -> Response:
    def change(services: Services, form: FormData) -> None:
        role = text(form, "role", 16)
        if name == viewer.who.name and role != "admin":
            raise ValueError("you cannot take the admin role from yourself; ask another admin")
        services.accounts.set_role(name, role, viewer.who.actor)

    return await _admin_change(request, viewer, change, "role")


@router.post("/admin/users/{name}/remove")
async def remove_user(request: Request, name: str, viewer: Viewer = Depends(admin_page)) -> Response:
    if name != viewer.who.name:  # removing yourself is refused below, without asking first
        asked = await _confirmed(request, viewer, f"Remove {name}?", _removing(name), f"Remove {name}")
        if asked is not None:
            return asked

    def change(services: Services, _form: FormData) -> None:
        if name == viewer.who.name:
            raise ValueError("you cannot remove yourself; ask another admin")
        services.accounts.remove_user(name, viewer.who.actor)

    return await _admin_change(request, viewer, change, "removed")


__all__ = ["PageRefused", "Viewer", "mount_pages", "router", "signed_in", "simulated_action"]
