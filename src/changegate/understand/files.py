"""`file_write` and `http` actions: an agent's own file edits and web requests, outside any shell.

A file write inside the workspace is ordinary work; anywhere else it is placed `unknown`. Writes that change
what runs later (shell start-up files, git hooks, SSH access, cron, service definitions, sudoers, the agents'
own settings and hooks, MCP server lists) carry the `persistence` tag; CI configuration inside the workspace
is ordinary work (it runs only after review and a push). Content carrying a private key or a token written
into the repository carries `secret-content`, unless the file is itself a secrets file (`.env`, a key file).
Overwriting an existing file is `modify` with `overwrite`; a new file is `create`.

An `http` action is judged like `curl` (commands/net/curl.py): GET/HEAD read, other methods change the URL's
environment, destructive paths and GraphQL mutations delete, and secrets in the body, URL or foreign headers
are exfiltration.
"""

from __future__ import annotations

import posixpath

from changegate.environments import LOCAL, Environments
from changegate.model import Action, Effect
from changegate.understand import Understanding, session_context
from changegate.understand.base import Invocation, NotUnderstood, Word
from changegate.understand.commands.net.payloads import (
    AUTH_HEADER_WORDS,
    Payload,
    header_payloads,
    secrets_in_text,
)
from changegate.understand.commands.net.requests import Request, request_effects
from changegate.understand.facts import is_file, read_config
from changegate.understand.selfguard import TAMPERING, gate_target
from changegate.understand.sensitive import is_secret_variable, persistence_concern, secret_kind

MAX_CONTENT = 4 * 1024 * 1024  # larger writes are not scanned whole; their first part is
# Editor settings that can switch an agent's confirmations off (`chat.tools.autoApprove`).
AUTO_APPROVE_KEYS = ("autoapprove", "auto_approve", "yolo", "dangerously", "bypasspermissions",
                     "skip_permissions", "allowedtools")


def walker_invocation(action: Action, environments: Environments, name: str) -> Invocation:
    """An invocation to build effects with, as if the action were a command run in its cwd."""
    from changegate.understand.shell import Walker

    ctx = session_context(action.cwd, action.env, environments)  # a tunnel an earlier action opened counts
    return Invocation(name=name, words=[], ctx=ctx, walker=Walker(), text=describe(action))


def describe(action: Action) -> str:
    if action.type == "http":
        return f"{(action.method or 'GET').upper()} {action.url or ''}"[:200]
    return f"write {action.path or ''}"[:200]


# --- file_write -------------------------------------------------------------------------------------------

def understand_file_write(action: Action, environments: Environments) -> Understanding:
    if not action.path:
        raise NotUnderstood("a file_write action needs a path", "bad-action")
    inv = walker_invocation(action, environments, "file_write")
    path = inv.ctx.resolve(action.path)
    if path is None:
        raise NotUnderstood("the path of the write cannot be resolved (a relative path needs a cwd)", "bad-action")
    content = action.content or ""
    effects = [write_effect(inv, path, content), *planted_code(inv, path, content)]
    return Understanding(effects, inv.ctx.consulted)


# --- code planted to run later ------------------------------------------------------------------------------

def planted_code(inv: Invocation, path: str, content: str) -> list[Effect]:
    """What the written file makes run later, judged now as the code it is (the walker's one way: package
    scripts, a `.pth`, editor tasks, hooks, `.envrc`, a crontab, a unit, a shell rc file)."""
    return [e for e in inv.walker.planted(path, content[:MAX_CONTENT], inv.ctx) if e.operation != "read"]


def write_effect(inv: Invocation, path: str, content: str) -> Effect:
    home = inv.ctx.home
    placement = inv.ctx.place_path(path)
    inside = placement.environment == LOCAL and inv.ctx.workspace is not None and (
        path == inv.ctx.workspace or path.startswith(inv.ctx.workspace + "/"))
    tags: list[str] = []
    notes: list[str] = []
    persistence = persistence_concern(path, home, inv.ctx.workspace)
    if persistence:
        tags.append("persistence")
        notes.append(persistence)
    elif auto_approving(path, content):
        tags.append("persistence")
        notes.append("editor settings that switch an agent's confirmations off")
    unhooked = unhooks_the_gate(inv, path, content)
    if unhooked:
        tags.append(TAMPERING)
        notes.append(unhooked)
    secret = secret_in_content(inv, content)
    holds_secrets = secret_kind(path, home)
    if secret and not holds_secrets:
        tags.append("secret-content")
        notes.append(f"it writes {secret} into {'the repository' if inside else 'the file'}")
    exists = file_exists(path)
    if exists:
        tags.append("overwrite")
    verb = "overwrites" if exists else "creates"
    summary = f"{verb} {path}" + (f" ({'; '.join(notes)})" if notes else "")
    suggestions: tuple[str, ...] = ()
    if "secret-content" in tags:
        suggestions = ("keep the secret in an ignored file (.env) or a secret store, and reference it by name",)
    return inv.effect("modify" if exists else "create", f"fs:{path}", placement, kind="file",
                      reversible="unknown" if exists else "yes", tags=tuple(tags), summary=summary,
                      suggestions=suggestions, family="file_write")


def unhooks_the_gate(inv: Invocation, path: str, content: str) -> str | None:
    """Why a write to an agent's settings switches changegate off — the gate's hook removed from a file that
    has it, or all hooks disabled — or None. Ordinary edits of these files only ask (they run later)."""
    target = gate_target(path, inv.ctx)
    if target is None:
        return None
    lowered = content[:MAX_CONTENT].lower().replace(" ", "")
    if any(switch in lowered for switch in HOOKS_OFF):
        return f"it switches the agent's hooks off in {path}, and changegate with them"
    before = read_config(path) or ""
    if "changegate" in before and "changegate" not in lowered:
        return f"it removes changegate's hook from {path}"
    return None


# Settings that switch every hook of an agent off (Claude Code, Gemini CLI, Codex, Cursor).
HOOKS_OFF = ('"disableallhooks":true', '"hooks":{}', '"enablehooks":false', "hooks=false", '"hooksenabled":false')


def file_exists(path: str) -> bool:
    """Whether the file is there where the agent runs (on a server: as its client said)."""
    return is_file(path)


def auto_approving(path: str, content: str) -> bool:
    """`.vscode/settings.json` (and the like) turning on an agent's auto-approval."""
    if posixpath.basename(path) not in ("settings.json", "settings.local.json", "config.toml", "config.json"):
        return False
    lowered = content[:MAX_CONTENT].lower().replace(".", "").replace("-", "")
    return any(key in lowered for key in AUTO_APPROVE_KEYS)


def secret_in_content(inv: Invocation, content: str) -> str | None:
    """A private key or token visible in the content (by its shape, or as the value of the agent's own
    secret variables)."""
    values = [(n, v) for n, v in inv.ctx.env.items() if len(v) >= 8 and is_secret_variable(n)]
    found = secrets_in_text(content[:MAX_CONTENT], values)
    return found[0].what if found else None


# --- http ----------------------------------------------------------------------------------------------------

def understand_http(action: Action, environments: Environments) -> Understanding:
    if not action.url:
        raise NotUnderstood("an http action needs a url", "bad-action")
    inv = walker_invocation(action, environments, "http")
    method = (action.method or "GET").upper()
    body = action.body
    payloads: list[Payload] = []
    env_values = [(n, v) for n, v in inv.ctx.env.items() if len(v) >= 8 and is_secret_variable(n)]
    if body:
        payloads.extend(secrets_in_text(body[:MAX_CONTENT], env_values))
    for name, value in (action.headers or {}).items():
        # headers are literal text: nothing in them is expanded, so only values are checked
        found = header_payloads(inv, Word(f"{name}: {value}", text=""))
        if not found and any(w in name.lower() for w in AUTH_HEADER_WORDS):
            found = [Payload(what=f"the {name} header", secret=f"the {name} header", credential=True)]
        payloads.extend(found)
    request = Request(method, [Word(action.url, text=action.url)], payloads, body[:MAX_CONTENT] if body else None,
                      outputs=[], to_stdout=False)
    effects = request_effects(inv, request)
    if not effects:
        raise NotUnderstood("the request could not be understood", "not-understood")
    return Understanding(effects, inv.ctx.consulted)
