"""The Python SDK: put changegate in front of your own agent's tools.

    from changegate import Gate, Denied, PendingApproval

    gate = Gate()                                   # local: the built-in policy (or Gate(policy="p.yaml"))
    gate = Gate(url="https://gate.example.com", token=os.environ["CHANGEGATE_TOKEN"])   # remote

    gate.check("kubectl delete ns payments").decision          # 'ask'
    gate.require({"type": "sql", "statement": "DROP TABLE users", "database": dsn})   # raises Denied / PendingApproval

    @gate.guard(shell="command")                    # the `command` argument is a shell command
    def run(command: str) -> str: ...

    @gate.guard()                                   # judged like an MCP tool: its name and its arguments
    def delete_branch(repo: str, branch: str) -> None: ...

`check` answers; `require` raises unless the action is allowed; `guard` wraps a tool function so that each
call is checked first (the call's arguments mapped to an action) and the function only runs on an allow.
In remote mode an ask files an approval request on the server: `PendingApproval.request_id` names it, and
the same call made again after approval is allowed (`require(..., wait=SECONDS)` blocks for it instead).
A server that cannot be reached is a deny, never an allow. A `Gate` is one agent session (`session=` names
it): a tunnel one call opens or a context it switches counts in the calls after it.
"""

from __future__ import annotations

import functools
import inspect
import os
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TypeVar, cast

import msgspec

from changegate.answer import Answer
from changegate.client import Client, Unreachable
from changegate.gate import judge
from changegate.model import Action
from changegate.policy import Policy, load_policy
from changegate.service.spool import spool_decision

F = TypeVar("F", bound=Callable[..., Any])
MAX_ARGUMENT_DEPTH = 8


@dataclass(frozen=True)
class Check:
    """A decision as the SDK returns it, the same in local and remote mode (the `check --batch` fields)."""

    decision: str  # allow | ask | deny
    reasons: list[str] = field(default_factory=list)
    suggestions: list[str] = field(default_factory=list)
    risk: str = "low"
    approvals_required: int = 0
    summary: str = ""
    action_hash: str = ""
    rules: list[str] = field(default_factory=list)
    effects: list[dict[str, Any]] = field(default_factory=list)
    request: dict[str, Any] | None = None  # remote mode: the approval request an ask filed
    error: str | None = None

    @property
    def allowed(self) -> bool:
        return self.decision == "allow"

    @property
    def request_id(self) -> str | None:
        return str(self.request["id"]) if self.request and self.request.get("id") else None

    @property
    def message(self) -> str:
        """One paragraph for a person or a model: what, why, and the safer way if there is one."""
        text = " ".join(self.reasons) or self.summary or self.decision
        if self.suggestions and not self.allowed:
            text += " Safer: " + "; ".join(self.suggestions) + "."
        if self.request_id:
            text += f" Approval request {self.request_id} is waiting; retry the same call once it is approved."
        return text

    @classmethod
    def from_contract(cls, doc: Mapping[str, Any]) -> Check:
        decision = doc.get("decision")
        return cls(
            decision=decision if decision in ("allow", "ask", "deny") else "deny",
            reasons=[str(r) for r in doc.get("reasons") or []],
            suggestions=[str(s) for s in doc.get("suggestions") or []],
            risk=str(doc.get("risk") or "low"),
            approvals_required=int(doc.get("approvals_required") or 0),
            summary=str(doc.get("summary") or ""),
            action_hash=str(doc.get("action_hash") or ""),
            rules=[str(r) for r in doc.get("rules") or []],
            effects=list(doc.get("effects") or []),
            request=doc.get("request") if isinstance(doc.get("request"), dict) else None,
            error=doc.get("error"),
        )


class Denied(Exception):
    """The policy denies the action (or it could not be checked)."""

    def __init__(self, check: Check) -> None:
        super().__init__(f"changegate denied this: {check.message}")
        self.check = check
        self.reasons = check.reasons


class PendingApproval(Exception):
    """The action needs a person's approval first. In remote mode `request_id` names the request filed on
    the server; retry the same call once it is approved."""

    def __init__(self, check: Check) -> None:
        super().__init__(f"changegate needs approval for this: {check.message}")
        self.check = check
        self.reasons = check.reasons
        self.request_id = check.request_id
        self.approvals_required = check.approvals_required


class Gate:
    """Checks actions by a policy (local) or against a changegate server (remote)."""

    def __init__(self, policy: str | os.PathLike[str] | Policy | None = None, *, url: str | None = None,
                 token: str | None = None, agent: str | None = None, cwd: str | None = None,
                 env: Mapping[str, str] | None = None, timeout: float = 5.0, session: str | None = None) -> None:
        self.url = url.rstrip("/") if url else None
        self.token = token if token is not None else os.environ.get("CHANGEGATE_TOKEN", "")
        if self.url and not self.token:
            raise ValueError("remote mode needs a token (token=… or CHANGEGATE_TOKEN)")
        if self.url and policy is not None:
            raise ValueError("give a policy (local mode) or a server URL (remote mode), not both")
        self.agent = agent or os.environ.get("CHANGEGATE_AGENT") or "sdk"
        self.cwd = cwd
        self.env = dict(env) if env is not None else None
        self.timeout = timeout
        # one agent run: a tunnel or a context switch one call makes counts in the calls after it
        self.session = session or f"sdk-{uuid.uuid4().hex}"
        self._policy_source = policy
        self._policy: Policy | None = None

    @classmethod
    def from_env(cls, **kwargs: Any) -> Gate:
        """Remote when CHANGEGATE_URL is set, else local with CHANGEGATE_POLICY (or the built-in policy)."""
        url = os.environ.get("CHANGEGATE_URL") or None
        policy = None if url else (os.environ.get("CHANGEGATE_POLICY") or None)
        return cls(policy, url=url, **kwargs)

    # --- deciding ---------------------------------------------------------------------------------------
    def check(self, action: Action | Mapping[str, Any] | str, *, wait: float = 0) -> Check:
        """The decision for one action: a shell command line, an action dict, or an Action."""
        doc = self.action(action)
        doc.setdefault("session", self.session)
        if self.url:
            return self._remote(doc, wait)
        judgement = judge(doc, self.policy())
        answer = Answer.of(judgement.verdict)
        spool_decision(answer, judgement, via="sdk")
        return Check.from_contract(answer.contract())

    def require(self, action: Action | Mapping[str, Any] | str, *, wait: float = 0) -> Check:
        """The allow, or raise: `Denied` for a deny, `PendingApproval` for an ask."""
        result = self.check(action, wait=wait)
        if result.decision == "allow":
            return result
        if result.decision == "ask":
            raise PendingApproval(result)
        raise Denied(result)

    def guard(self, mapper: Callable[..., Mapping[str, Any]] | None = None, *, shell: str | None = None,
              sql: str | None = None, database: str | None = None, path: str | None = None,
              content: str | None = None, url: str | None = None, tool: str | None = None,
              server: str | None = None, on_block: Literal["raise", "return"] = "raise",
              wait: float = 0) -> Callable[[F], F]:
        """Wrap a tool function: each call is checked before the function runs.

        How a call becomes an action, first that applies:
        - `mapper(*args, **kwargs) -> action dict`;
        - `shell="command"`: that argument is a shell command line (a list is an argv);
        - `sql="query"` (and `database="dsn"`): that argument is SQL against that database URL;
        - `path="file"` (and `content="text"`): the function writes that file;
        - `url="endpoint"`: an HTTP request to that URL;
        - otherwise an `mcp_tool` action named after the function (`tool=`, `server=` override), with the
          call's arguments: its verb and any argument that carries a command, SQL, a path or a URL decide.

        `on_block="return"` returns the reason as a string instead of raising (a tool result a model can
        read, for frameworks that do not turn exceptions into tool messages)."""

        def decorate(func: F) -> F:
            signature = inspect.signature(func)
            tool_name = tool or func.__name__
            server_name = server or (func.__module__ or "python").rsplit(".", 1)[-1]

            def to_action(args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any]:
                if mapper is not None:
                    return dict(mapper(*args, **kwargs))
                bound = signature.bind(*args, **kwargs)
                bound.apply_defaults()
                values = {k: v for k, v in bound.arguments.items() if k not in ("self", "cls")}
                return call_action(values, tool_name, server_name, shell=shell, sql=sql, database=database,
                                   path=path, content=content, url=url)

            def blocked(error: Denied | PendingApproval) -> Any:
                if on_block == "return":
                    return str(error)
                raise error

            if inspect.iscoroutinefunction(func):
                @functools.wraps(func)
                async def async_wrapper(*args: Any, **kwargs: Any) -> Any:
                    import asyncio

                    try:
                        await asyncio.to_thread(self.require, to_action(args, kwargs), wait=wait)
                    except (Denied, PendingApproval) as error:
                        return blocked(error)
                    return await func(*args, **kwargs)

                return cast(F, async_wrapper)

            @functools.wraps(func)
            def wrapper(*args: Any, **kwargs: Any) -> Any:
                try:
                    self.require(to_action(args, kwargs), wait=wait)
                except (Denied, PendingApproval) as error:
                    return blocked(error)
                return func(*args, **kwargs)

            return cast(F, wrapper)

        return decorate

    # --- plumbing ---------------------------------------------------------------------------------------
    def action(self, action: Action | Mapping[str, Any] | str) -> dict[str, Any]:
        """The action as a dict, with where it runs and who asks filled in where the caller did not."""
        if isinstance(action, str):
            doc: dict[str, Any] = {"type": "shell", "command": action}
        elif isinstance(action, Mapping):
            doc = dict(action)
        else:
            doc = msgspec.to_builtins(action)
        doc.setdefault("cwd", self.cwd or os.getcwd())
        doc.setdefault("env", self.env if self.env is not None else dict(os.environ))
        doc.setdefault("agent", self.agent)
        return doc

    def policy(self) -> Policy | None:
        if self._policy is None and self._policy_source is not None:
            source = self._policy_source
            self._policy = source if isinstance(source, Policy) else load_policy(Path(source))
        return self._policy

    def _remote(self, doc: dict[str, Any], wait: float) -> Check:
        assert self.url is not None
        try:
            answer = Client(self.url, self.token, timeout=self.timeout).check(doc, wait=wait)
        except Unreachable as exc:
            return Check(decision="deny", reasons=[f"{exc}; without the server nothing is allowed"], risk="high",
                         error=str(exc))
        return Check.from_contract(answer)


def call_action(values: dict[str, Any], tool: str, server: str, *, shell: str | None = None,
                sql: str | None = None, database: str | None = None, path: str | None = None,
                content: str | None = None, url: str | None = None) -> dict[str, Any]:
    """A function call's arguments as the action it amounts to."""
    if shell is not None:
        command = values.get(shell)
        if isinstance(command, list | tuple):
            return {"type": "shell", "argv": [str(a) for a in command]}
        return {"type": "shell", "command": str(command if command is not None else "")}
    if sql is not None:
        return {"type": "sql", "statement": str(values.get(sql) or ""),
                "database": str(values[database]) if database and values.get(database) else None}
    if path is not None:
        text = values.get(content) if content else None
        return {"type": "file_write", "path": str(values.get(path) or ""),
                "content": text if isinstance(text, str) else None}
    if url is not None:
        return {"type": "http", "method": "POST", "url": str(values.get(url) or "")}
    return {"type": "mcp_tool", "server": server, "tool": tool, "arguments": plain(values, 0)}


def plain(value: Any, depth: int) -> Any:
    """Arguments as JSON values (what an action can carry): anything else becomes its repr."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if depth >= MAX_ARGUMENT_DEPTH:
        return repr(value)[:200]
    if isinstance(value, Mapping):
        return {str(k): plain(v, depth + 1) for k, v in list(value.items())[:256]}
    if isinstance(value, list | tuple | set | frozenset):
        return [plain(v, depth + 1) for v in list(value)[:256]]
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    return repr(value)[:200]


__all__ = ["Check", "Denied", "Gate", "PendingApproval"]
