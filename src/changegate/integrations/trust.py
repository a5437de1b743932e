"""Whether an agent would run the hook `install` wrote: each agent's own trust rules, read from its own state.

Some agents skip hooks silently: a hook they skip is no gate at all, however well it answers a self-test.

- Gemini CLI (checked against 0.61.0) loads a project's `.gemini/settings.json` — hooks included — only in
  a trusted folder: `~/.gemini/trustedFolders.json` (TRUST_FOLDER on the folder or a parent, TRUST_PARENT on
  a child; DO_NOT_TRUST wins), or `GEMINI_CLI_TRUST_WORKSPACE=true`. `--skip-trust` — what Gemini's own error
  recommends for headless runs — trusts the folder only after the project settings were passed over, so a
  project hook never runs under it; a user-level hook does.
- Codex CLI (checked against 0.171.0) runs a hook only once its user trusted it: a review stored in
  `$CODEX_HOME/config.toml` as `[hooks.state."FILE:pre_tool_use:G:H"] trusted_hash = …` (Codex asks at start
  and again whenever the hook changes), or `--dangerously-bypass-hook-trust` for one run. A project's
  `.codex/` is read only in a trusted project (`[projects."ROOT"] trust_level = "trusted"`, or `--trust`).

`skipped()` says why the agent would not run a hook (empty when it would); `advice()` what the user must do.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

GEMINI_LEVELS = ("TRUST_FOLDER", "TRUST_PARENT", "DO_NOT_TRUST")


def skipped(agent: str, scope: str, path: Path, root: Path, home: Path,
            env: Mapping[str, str] | None = None) -> list[str]:
    """Why `agent` would skip the hook in `path` (installed at `scope`) when run in `root`."""
    env = os.environ if env is None else env
    if agent == "gemini" and scope == "project":
        return gemini_untrusted(root, home, env)
    if agent == "codex":
        reasons = codex_hook_untrusted(path, home, env)
        if scope == "project":
            reasons = codex_project_untrusted(root, home, env) + reasons
        return reasons
    return []


def advice(agent: str, scope: str) -> list[str]:
    """What the user must do for the agent to run the hook `install` just wrote."""
    if agent == "gemini" and scope == "project":
        return ["gemini: project hooks run only in a folder Gemini trusts (trust it when Gemini asks, or in "
                "~/.gemini/trustedFolders.json); `gemini --skip-trust` skips them silently. For headless runs, "
                "install at user level instead: `changegate install gemini --user`."]
    if agent == "codex":
        lines = ["codex: Codex runs a hook only after you trust it: start `codex` once and choose to trust "
                 "changegate's hook (it asks again whenever the hook changes); `codex exec` without that "
                 "review skips it silently unless run with `--dangerously-bypass-hook-trust`."]
        if scope == "project":
            lines.append("codex: a project's .codex/ is read only in a trusted project (trust it when Codex asks, "
                         "or `codex exec --trust`); `changegate install codex --user` covers every project.")
        return lines
    return []


# --- Gemini CLI ----------------------------------------------------------------------------------------------

def gemini_untrusted(root: Path, home: Path, env: Mapping[str, str]) -> list[str]:
    flag = env.get("GEMINI_CLI_TRUST_WORKSPACE", "")
    if flag == "false" or env.get("GEMINI_RESTRICTED_MODE") == "true":
        return ["Gemini runs untrusted here (GEMINI_CLI_TRUST_WORKSPACE=false or GEMINI_RESTRICTED_MODE): "
                "project hooks are skipped"]
    if flag == "true":
        return []
    settings = read_json(home / ".gemini" / "settings.json")
    folder_trust = dig(settings, "security", "folderTrust", "enabled")
    if folder_trust is False:
        return []
    trusted = gemini_trust_level(read_json(home / ".gemini" / "trustedFolders.json"), root)
    if trusted:
        return []
    where = home / ".gemini" / "trustedFolders.json"
    why = "is marked DO_NOT_TRUST" if trusted is False else "is not trusted"
    return [f"Gemini skips this project's hooks: {root} {why} in {where}"]


def gemini_trust_level(folders: Any, root: Path) -> bool | None:
    """True (trusted), False (DO_NOT_TRUST) or None (no rule), by the most specific rule that covers root."""
    if not isinstance(folders, dict):
        return None
    best: tuple[int, bool] | None = None
    target = os.path.normpath(str(root))
    for raw, level in folders.items():
        if not isinstance(raw, str) or level not in GEMINI_LEVELS:
            continue
        folder = os.path.normpath(os.path.expanduser(raw))
        covered = os.path.dirname(folder) if level == "TRUST_PARENT" else folder
        if level == "DO_NOT_TRUST":
            applies = target == folder or target.startswith(folder.rstrip("/") + "/")
        else:
            applies = target == covered or target.startswith(covered.rstrip("/") + "/")
        if applies and (best is None or len(covered) >= best[0]):
            best = (len(covered), level != "DO_NOT_TRUST")
    return None if best is None else best[1]


# --- Codex CLI -----------------------------------------------------------------------------------------------

def codex_config(home: Path, env: Mapping[str, str]) -> dict[str, Any]:
    folder = Path(env["CODEX_HOME"]) if env.get("CODEX_HOME") else home / ".codex"
    path = folder / "config.toml"
    try:
        import tomllib

        with open(path, "rb") as handle:
            doc = tomllib.load(handle)
    except (OSError, ValueError):
        return {}
    return doc if isinstance(doc, dict) else {}


def codex_project_untrusted(root: Path, home: Path, env: Mapping[str, str]) -> list[str]:
    projects = codex_config(home, env).get("projects")
    if isinstance(projects, dict):
        for folder in (root, *root.parents):
            entry = projects.get(str(folder))
            if isinstance(entry, dict) and "trust_level" in entry:
                if entry.get("trust_level") == "trusted":
                    return []
                break
    return [f"Codex reads {root}/.codex/ only in a trusted project, and this one is not trusted in its "
            "config.toml ([projects] trust_level)"]


def codex_hook_untrusted(path: Path, home: Path, env: Mapping[str, str]) -> list[str]:
    states = dig(codex_config(home, env), "hooks", "state")
    prefix = f"{path}:pre_tool_use:"
    if isinstance(states, dict) and any(
            isinstance(key, str) and key.startswith(prefix) and isinstance(value, dict)
            and value.get("trusted_hash") for key, value in states.items()):
        return []
    return [f"Codex has no stored trust for the hook in {path}: it skips it (unless run with "
            "--dangerously-bypass-hook-trust) until you trust it when `codex` asks"]


# --- reading ---------------------------------------------------------------------------------------------------

def read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def dig(doc: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(doc, dict):
            return None
        doc = doc.get(key)
    return doc
