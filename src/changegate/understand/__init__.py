"""Action -> Effects. Pure: reads the action and the agent's own config files, never the store or network.

`understand()` never raises: whatever cannot be understood comes back as a `not-understood` effect that the
policy answers with ask or deny.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from changegate.environments import Environments
from changegate.model import Action, Effect
from changegate.understand.base import NotUnderstood, new_context, not_understood
from changegate.understand.shell import TIME_BUDGET_S, Walker


@dataclass
class Understanding:
    effects: list[Effect]
    consulted: dict[str, str] = field(default_factory=dict)  # env values and config facts it depended on


def understand(action: Action, environments: Environments | None = None) -> Understanding:
    environments = environments or Environments()
    analyzer = ANALYZERS.get(action.type)
    if analyzer is None:
        return Understanding([not_understood(f"actions of type {action.type!r} are not understood", "unknown-type")])
    try:
        return analyzer(action, environments)
    except NotUnderstood as exc:
        return Understanding([not_understood(exc.reason, exc.tag)])
    except RecursionError:
        return Understanding([not_understood("the action nests too deeply to follow", "too-deep")])
    except Exception as exc:  # an analyzer bug must become ask/deny, never an allow or a traceback
        return Understanding([not_understood(f"the {action.type} analyzer failed ({type(exc).__name__}: {exc})",
                                             "analyzer-error")])


def understand_shell(action: Action, environments: Environments) -> Understanding:
    text = action.shell_text()
    if "\x00" in text:
        # bash cannot even receive a NUL byte in a command line; whatever sent one is not a shell command
        return Understanding([not_understood("the command contains a NUL byte", "parse-error", text)])
    ctx = new_context(action.cwd, action.env, environments)
    walker = Walker(deadline=time.thread_time() + TIME_BUDGET_S)
    walker.preloaded(ctx, text, inherited=True)
    walker.run_script(text, ctx)
    effects = walker.effects
    if not effects:
        effects = [Effect(operation="read", resource="shell:noop", environment="local",
                          why_environment="the command does nothing outside the shell", reversible="yes",
                          family="shell", summary="does nothing outside the shell")]
    return Understanding(effects, ctx.consulted)


def _lazy(module: str, function: str) -> Callable[[Action, Environments], Understanding]:
    def run(action: Action, environments: Environments) -> Understanding:
        import importlib

        try:
            mod = importlib.import_module(f"changegate.understand.{module}")
        except ModuleNotFoundError as exc:
            if exc.name != f"changegate.understand.{module}":
                raise
            raise NotUnderstood(f"{action.type} actions are not supported by this build", "unsupported") from exc
        result: Understanding = getattr(mod, function)(action, environments)
        return result

    return run


ANALYZERS: dict[str, Callable[[Action, Environments], Understanding]] = {
    "shell": understand_shell,
    "sql": _lazy("sql", "understand_sql_action"),
    "terraform_plan": _lazy("plans", "understand_plan_action"),
    "k8s_manifest": _lazy("plans", "understand_manifest_action"),
    "mcp_tool": _lazy("mcp", "understand_mcp_action"),
    "file_write": _lazy("files", "understand_file_write"),
    "http": _lazy("files", "understand_http"),
}
