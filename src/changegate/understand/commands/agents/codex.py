"""codex (OpenAI Codex CLI): `codex [OPTIONS] [PROMPT]`, `codex exec [OPTIONS] PROMPT`, and its other
subcommands.

Approvals are off with `--dangerously-bypass-approvals-and-sandbox` (`--yolo`), `--full-auto`, the
`danger-full-access` sandbox, or approval policy `never` outside the read-only sandbox — whether given as
`-a`/`-s`, as `-c approval_policy=…`/`-c sandbox_mode=…`, in a `--profile`, or in `$CODEX_HOME/config.toml`.
`codex exec` asks nobody (policy `never`) but runs read-only unless told otherwise. `-c notify=[…]` is a
command codex runs: it is judged as one; other `-c` keys it is not known to be harmless are not understood.
"""

from __future__ import annotations

import posixpath
import tomllib
from typing import Any, ClassVar

from changegate.model import Effect
from changegate.understand.base import Invocation, lit
from changegate.understand.cli import Call, Options
from changegate.understand.commands.agents.common import AgentCli, Approvals, read_only
from changegate.understand.facts import read_config

HARMLESS_KEYS = ("model", "model_provider", "model_reasoning_effort", "model_reasoning_summary", "model_verbosity",
                 "model_context_window", "model_max_output_tokens", "hide_agent_reasoning",
                 "show_raw_agent_reasoning", "file_opener", "disable_response_storage", "approval_policy",
                 "sandbox_mode", "sandbox_workspace_write.network_access", "tools.web_search", "web_search",
                 "profile", "history", "tui", "preferred_auth_method", "project_doc_max_bytes", "features")
NEVER = "never"
READ_ONLY = "read-only"
FULL_ACCESS = "danger-full-access"


def override(value: str) -> tuple[str, Any]:
    """`-c key=value`: the key and its TOML value (a bare word is a string, as codex reads it)."""
    key, _, raw = value.partition("=")
    try:
        return key.strip(), tomllib.loads(f"v = {raw}")["v"]
    except (tomllib.TOMLDecodeError, ValueError):
        return key.strip(), raw.strip().strip("\"'")


class Codex(AgentCli):
    NAMES = ("codex",)
    ENV_VARIABLES = ("CODEX_HOME", "OPENAI_API_KEY", "OPENAI_BASE_URL")
    VALUE_OPTIONS = frozenset({
        "-c", "--config", "-m", "--model", "-p", "--profile", "-s", "--sandbox", "-a", "--ask-for-approval",
        "-C", "--cd", "-i", "--image", "--add-dir", "--local-provider", "-o", "--output-last-message",
        "--output-schema", "--color", "--enable", "--disable",
    })
    WORKDIR_OPTIONS = ("-C", "--cd")
    APPROVALS_OFF_FLAGS = frozenset({"--dangerously-bypass-approvals-and-sandbox", "--yolo", "--full-auto"})
    APPROVAL_VALUES: ClassVar[frozenset[str]] = frozenset({"untrusted", "on-failure", "on-request", NEVER})
    SANDBOX_VALUES: ClassVar[frozenset[str]] = frozenset({READ_ONLY, "workspace-write", FULL_ACCESS})

    def approvals(self, inv: Invocation, opts: Options) -> Approvals:
        for flag in sorted(self.APPROVALS_OFF_FLAGS):
            if opts.has(flag):
                return Approvals(False, flag)
        settings = self.settings(inv, opts)
        approval = opts.value("-a", "--ask-for-approval") or settings.get("approval_policy")
        sandbox = opts.value("-s", "--sandbox") or settings.get("sandbox_mode")
        noninteractive = bool(opts.positionals) and opts.positionals[0] in ("exec", "e", "review")
        approval = approval or (NEVER if noninteractive else "on-request")
        sandbox = sandbox or (READ_ONLY if noninteractive else "workspace-write")
        if approval not in self.APPROVAL_VALUES or sandbox not in self.SANDBOX_VALUES:
            return Approvals(None, f"changegate does not know approval policy {approval!r} or sandbox {sandbox!r}")
        if sandbox == FULL_ACCESS:
            return Approvals(False, "the danger-full-access sandbox lets it change anything")
        if approval == NEVER and sandbox != READ_ONLY:
            return Approvals(False, f"approval policy never with the {sandbox} sandbox")
        return Approvals(True, f"approval policy {approval} in the {sandbox} sandbox")

    def settings(self, inv: Invocation, opts: Options) -> dict[str, Any]:
        """approval_policy and sandbox_mode: `-c` overrides, then the profile, then config.toml."""
        config = self.config_file(inv)
        profiles = config.get("profiles")
        profile_name = opts.value("-p", "--profile") or config.get("profile")
        profile = profiles.get(profile_name, {}) if isinstance(profiles, dict) and profile_name else {}
        merged: dict[str, Any] = {**config, **(profile if isinstance(profile, dict) else {})}
        for value in opts.values("-c", "--config"):
            key, setting = override(value)
            merged[key] = setting
        return merged

    @staticmethod
    def config_file(inv: Invocation) -> dict[str, Any]:
        home = inv.ctx.getenv("CODEX_HOME") or (posixpath.join(inv.ctx.home, ".codex") if inv.ctx.home else None)
        text = read_config(posixpath.join(home, "config.toml")) if home else None
        if not text:
            return {}
        try:
            return tomllib.loads(text)
        except tomllib.TOMLDecodeError:
            return {}

    def payloads(self, inv: Invocation, opts: Options) -> list[Effect]:
        effects: list[Effect] = []
        for value in opts.values("-c", "--config"):
            key, setting = override(value)
            if key == "notify" and isinstance(setting, list) and all(isinstance(w, str) for w in setting):
                inv.run_argv([lit(w) for w in setting])
            elif not key.startswith(HARMLESS_KEYS):
                effects.append(inv.unknown(f"codex -c {key}: a setting changegate does not know to be harmless"))
        return effects

    def sandbox(self, call: Call) -> list[Effect]:
        """`codex sandbox linux|macos [--full-auto] [--] CMD…`: CMD runs here, in codex's sandbox."""
        words = call.arg_words[1:] if call.args and call.args[0] in ("linux", "macos", "landlock", "seatbelt") \
            else call.arg_words
        command = [w for w in words if w.value not in ("--", "--full-auto")]
        if not command:
            return [read_only(call.inv, "codex sandbox with no command")]
        call.inv.run_argv(command)
        return []

    def cloud(self, call: Call) -> list[Effect]:
        if call.args and call.args[0] in ("list", "status", "diff"):
            return self.read_verb(call)
        return self.run_agent(call.inv, call.opts)

    VERBS = {
        **AgentCli.VERBS,
        "exec": AgentCli.agent_verb, "e": AgentCli.agent_verb, "review": AgentCli.agent_verb,
        "resume": AgentCli.agent_verb, "mcp-server": AgentCli.agent_verb, "app-server": AgentCli.agent_verb,
        "login": AgentCli.own_session, "logout": AgentCli.own_session, "completion": AgentCli.read_verb,
        "features": AgentCli.settings_change, "mcp": AgentCli.settings_change, "apply": AgentCli.workspace_change,
        "a": AgentCli.workspace_change,
        "sandbox": sandbox, "debug": sandbox, "cloud": cloud, "help": AgentCli.read_verb,
    }
