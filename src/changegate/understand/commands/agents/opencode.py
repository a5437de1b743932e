"""opencode: `opencode [PROJECT]`, `opencode run MESSAGE`, and its other subcommands.

It runs tools without asking unless its `permission` configuration says `ask`: approvals are off with
`--auto`, with `"permission": "allow"` (or `bash: allow`), and when no configuration (`opencode.json` in the
project, `~/.config/opencode/opencode.json`, `OPENCODE_CONFIG`, `OPENCODE_CONFIG_CONTENT`,
`OPENCODE_PERMISSION`) asks before shell commands.
"""

from __future__ import annotations

import json
import posixpath
from typing import Any

from changegate.model import Effect
from changegate.understand.base import Invocation
from changegate.understand.cli import Call, Options
from changegate.understand.commands.agents.common import AgentCli, Approvals, read_json

PROJECT_FILES = ("opencode.json", "opencode.jsonc", ".opencode/opencode.json")


def shell_permission(config: Any) -> str | None:
    """What a config's `permission` says for shell commands: allow, ask, deny, or None when it says nothing."""
    permission = config.get("permission") if isinstance(config, dict) else None
    if isinstance(permission, str):
        return permission
    if not isinstance(permission, dict):
        return None
    bash = permission.get("bash", permission.get("*"))
    if isinstance(bash, dict):
        bash = bash.get("*")
    return bash if isinstance(bash, str) else None


class Opencode(AgentCli):
    NAMES = ("opencode", "opencode-ai")
    ENV_VARIABLES = ("OPENCODE_CONFIG", "OPENCODE_CONFIG_CONTENT", "OPENCODE_PERMISSION", "OPENCODE_CONFIG_DIR")
    VALUE_OPTIONS = frozenset({"-m", "--model", "--agent", "-s", "--session", "--port", "--hostname", "-f",
                               "--file", "--format", "--title", "--prompt", "--log-level", "--attach"})
    APPROVALS_OFF_FLAGS = frozenset({"--auto"})

    def approvals(self, inv: Invocation, opts: Options) -> Approvals:
        found = super().approvals(inv, opts)
        if found.on is False:
            return found
        for origin, config in self.configs(inv):
            said = shell_permission(config)
            if said == "allow":
                return Approvals(False, f"{origin} allows shell commands without asking")
            if said in ("ask", "deny"):
                return Approvals(True, f"{origin} asks before shell commands")
        return Approvals(False, "no opencode configuration asks before shell commands (it allows them by default)")

    @staticmethod
    def configs(inv: Invocation) -> list[tuple[str, Any]]:
        """Most specific first: the permission variable, inline content, the named file, the project's, the user's."""
        found: list[tuple[str, Any]] = []
        for variable in ("OPENCODE_PERMISSION", "OPENCODE_CONFIG_CONTENT"):
            value = inv.ctx.getenv(variable)
            if value:
                try:
                    parsed = json.loads(value)
                except ValueError:
                    parsed = None
                found.append((variable, {"permission": parsed} if variable == "OPENCODE_PERMISSION" else parsed))
        named = inv.ctx.getenv("OPENCODE_CONFIG")
        paths = [inv.ctx.resolve(named)] if named else []
        paths += [posixpath.join(inv.ctx.cwd, name) for name in PROJECT_FILES if inv.ctx.cwd]
        if inv.ctx.home:
            paths.append(posixpath.join(inv.ctx.home, ".config", "opencode", "opencode.json"))
        found.extend((path, read_json(path)) for path in paths if path)
        return found

    def github(self, call: Call) -> list[Effect]:
        return self.settings_change(call) if call.args[:1] == ["install"] else self.run_agent(call.inv, call.opts)

    VERBS = {
        **AgentCli.VERBS,
        "run": AgentCli.agent_verb, "serve": AgentCli.agent_verb, "web": AgentCli.agent_verb,
        "acp": AgentCli.agent_verb, "tui": AgentCli.agent_verb, "github": github, "pr": AgentCli.agent_verb,
        "auth": AgentCli.own_session, "upgrade": AgentCli.own_session, "uninstall": AgentCli.own_session,
        "models": AgentCli.read_verb, "stats": AgentCli.read_verb, "export": AgentCli.read_verb,
        "session": AgentCli.read_verb, "import": AgentCli.own_session, "agent": AgentCli.settings_change,
        "mcp": AgentCli.settings_change, "debug": AgentCli.read_verb,
    }
