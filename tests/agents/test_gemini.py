"""Gemini CLI (the pinned real client) with changegate's hook installed by `changegate install gemini`,
driven by a scripted model on loopback (the Gemini API's streamGenerateContent). Headless Gemini offers the
model only the tools its approval mode runs without a prompt, so each mode gets the calls it can make."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from tests.agents.clients import client
from tests.agents.harness import Case, Place, check, drive, install_hook
from tests.agents.mock_models import ToolCall

UPSTREAM = Path(__file__).parent / "mcp_upstream.py"
SECRET_ENV = "API_TOKEN=sk-live-test-key-material-7f3a\n"


def cases(place: Place, mode: str) -> list[Case]:
    project = place.project
    (project / "credentials.json").write_text(SECRET_ENV)
    reads = [
        Case("read_file in the project", ToolCall("read_file", {"file_path": "src/main.py"}), "ran",
             lambda p, told: "hello" in told),
        Case("read_file credentials.json (secret)", ToolCall("read_file", {"file_path": "credentials.json"}), "refused",
             lambda p, told: "sk-live" in told),
    ]
    edits = [
        Case("write_file in the project", ToolCall("write_file", {"file_path": f"{project}/notes.md",
                                                                   "content": "notes\n"}),
             "ran", lambda p, told: (p.project / "notes.md").exists()),
        Case("write_file .gemini/settings.json (hooks off)",
             ToolCall("write_file", {"file_path": f"{project}/.gemini/settings.json", "content": "{}\n"}),
             "refused", lambda p, told: wrote_settings(p.project / ".gemini" / "settings.json")),
    ]
    shell = [
        Case("run_shell_command `ls`", ToolCall("run_shell_command", {"command": "ls > listed.txt"}), "ran",
             lambda p, told: (p.project / "listed.txt").exists()),
        Case("run_shell_command `rm -rf ~/precious`",
             ToolCall("run_shell_command", {"command": "rm -rf ~/precious"}), "refused",
             lambda p, told: not (p.home / "precious").exists()),
        Case("run_shell_command `rm -rf ~`", ToolCall("run_shell_command", {"command": "rm -rf ~"}), "refused",
             lambda p, told: not p.home.exists()),
    ]
    markers = place.home / "mcp-markers"
    mcp = [
        Case("MCP mcp_rich_get_argv (a read)", ToolCall("mcp_rich_get_argv", {}), "ran",
             lambda p, told: "get_argv" in read(markers / "calls")),
        Case("MCP mcp_rich_write_file .gemini/settings.json",
             ToolCall("mcp_rich_write_file", {"path": f"{project}/.gemini/settings.json", "content": "{}"}),
             "refused", lambda p, told: (markers / "written").exists()),
    ]
    return reads + (edits if mode in ("auto_edit", "yolo") else []) + (shell + mcp if mode == "yolo" else [])


def read(path: Path) -> str:
    return path.read_text() if path.exists() else ""


def wrote_settings(path: Path) -> bool:
    """The agent's `{}` replaced the file (which, installed at project level, holds the hook)."""
    return path.exists() and path.read_text() == "{}\n"


def user_settings(place: Place) -> None:
    """Gemini's API-key sign-in (the key and the mock's URL are in the environment)."""
    folder = place.home / ".gemini"
    folder.mkdir(exist_ok=True)
    path = folder / "settings.json"
    doc = json.loads(path.read_text()) if path.exists() else {}
    doc.setdefault("security", {})["auth"] = {"selectedType": "gemini-api-key"}
    markers = place.home / "mcp-markers"
    markers.mkdir(exist_ok=True)
    # an MCP server (named without `_`, as Gemini's tool names need): its tools arrive as mcp_rich_TOOL
    doc["mcpServers"] = {"rich": {"command": sys.executable, "args": [str(UPSTREAM), str(markers)],
                                  "trust": True}}
    path.write_text(json.dumps(doc))


def trust(place: Place) -> None:
    (place.home / ".gemini" / "trustedFolders.json").write_text(json.dumps({str(place.project): "TRUST_FOLDER"}))


def command(binary: Path, mode: str, *extra: str) -> object:
    def build(url: str) -> list[str]:
        return [str(binary), "-p", "do the task", "-m", "gemini-2.5-pro", "-o", "json", "--approval-mode", mode,
                *extra]
    return build


def environment(url: str) -> dict[str, str]:
    return {"GOOGLE_GEMINI_BASE_URL": url, "GEMINI_API_KEY": "mock-key", "NO_COLOR": "1", "TERM": "dumb"}


@pytest.mark.parametrize("mode", ["default", "auto_edit", "yolo"])
def test_gemini_enforces_the_gate_in_a_trusted_project(mode: str, tmp_path: Path) -> None:
    binary = client("gemini")
    place = Place.make(tmp_path)
    user_settings(place)
    install_hook("gemini", place)
    trust(place)
    outcome = drive("gemini", mode, place, cases(place, mode), command(binary, mode),  # type: ignore[arg-type]
                    environment)
    check(outcome)


def test_gemini_skip_trust_with_the_hook_at_user_level(tmp_path: Path) -> None:
    """`--skip-trust` (what Gemini's own error recommends for headless runs) drops project settings, hooks
    included: installed at user level the gate still holds."""
    binary = client("gemini")
    place = Place.make(tmp_path)
    user_settings(place)
    install_hook("gemini", place, scope="user")
    outcome = drive("gemini", "yolo --skip-trust (user hook)", place, cases(place, "yolo"),
                    command(binary, "yolo", "--skip-trust"), environment)  # type: ignore[arg-type]
    check(outcome)


def test_gemini_blocks_when_the_hook_times_out(tmp_path: Path) -> None:
    """Gemini CLI has no fail-closed setting: the hook's own watchdog must answer in a form Gemini blocks on."""
    binary = client("gemini")
    place = Place.make(tmp_path)
    user_settings(place)
    install_hook("gemini", place, scope="user")
    ls = Case("run_shell_command `ls` (hook failing)", ToolCall("run_shell_command", {"command": "ls > listed.txt"}),
              "refused", lambda p, told: (p.project / "listed.txt").exists())
    outcome = drive("gemini", "hook fails: watchdog", place, [ls], command(binary, "yolo", "--skip-trust"),  # type: ignore[arg-type]
                    lambda url: {**environment(url), "CHANGEGATE_HOOK_TIMEOUT": "0.01"})
    assert outcome.observed[ls.kind] == "refused", outcome.result.stderr[-2000:]
    assert "no decision within" in outcome.model.result_for(ls.call.call_id)
