"""`changegate mcp-proxy`: a real upstream MCP server (the SDK's MCPServer) behind the proxy, driven by a real
MCP client session: reads pass, destructive calls and destructive `command` arguments are held."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp import Client, StdioServerParameters

UPSTREAM = Path(__file__).parent / "fixtures" / "mcp" / "upstream_server.py"


def proxy_params(markers: Path, *upstream: str, extra: tuple[str, ...] = ()) -> StdioServerParameters:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHANGEGATE_")}
    env["HOME"] = "/home/dev"
    return StdioServerParameters(
        command=sys.executable,
        args=["-m", "changegate", "mcp-proxy", "--name", "testsrv", *extra, "--", *upstream],
        env=env, cwd=str(markers))


async def session(params: StdioServerParameters, calls: list[tuple[str, dict[str, Any]]]) -> dict[str, Any]:
    async with Client(params) as client:
        listed = await client.list_tools()
        results = [await client.call_tool(name, arguments) for name, arguments in calls]
    return {"tools": {t.name: t for t in listed.tools}, "results": results}


CALLS = [
    ("list_notes", {}),
    ("delete_repository", {"owner": "octo", "repo": "app"}),
    ("run_command", {"command": "rm -rf /srv/data"}),
    ("run_command", {"command": "git status"}),
]


def check_session(out: dict[str, Any], markers: Path) -> None:
    tools = out["tools"]
    assert set(tools) == {"list_notes", "delete_repository", "run_command"}
    # listed exactly as the upstream lists them, hints included
    assert tools["list_notes"].annotations.read_only_hint is True
    assert tools["delete_repository"].annotations.destructive_hint is True
    assert tools["run_command"].input_schema["required"] == ["command"]

    read, delete, destroy, harmless = out["results"]
    assert not read.is_error and read.content[0].text == "note-1, note-2"
    assert delete.is_error
    assert "needs 2 people" in delete.content[0].text
    assert destroy.is_error and "/srv/data" in destroy.content[0].text
    assert not harmless.is_error and harmless.content[0].text == "ran git status"
    # nothing held ever reached the upstream
    assert not (markers / "deleted-octo-app").exists()
    assert (markers / "ran").read_text() == "git status"


def test_proxy_over_stdio_upstream(tmp_path: Path) -> None:
    params = proxy_params(tmp_path, sys.executable, str(UPSTREAM), str(tmp_path))
    out = anyio.run(session, params, CALLS)
    check_session(out, tmp_path)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def test_proxy_over_streamable_http_upstream(tmp_path: Path) -> None:
    port = free_port()
    upstream = subprocess.Popen([sys.executable, str(UPSTREAM), str(tmp_path), "--http", str(port)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.1)
        params = proxy_params(tmp_path, extra=("--url", f"http://127.0.0.1:{port}/mcp"))
        check_session(anyio.run(session, params, CALLS), tmp_path)
    finally:
        upstream.terminate()
        upstream.wait(timeout=10)


def test_proxy_judges_with_the_upstreams_hints() -> None:
    from mcp_types import Tool, ToolAnnotations

    from changegate.integrations.mcp_proxy import Proxy, judge

    proxy = Proxy(upstream=None, name="acme")  # type: ignore[arg-type]
    tool = Tool(name="frobnicate", input_schema={"type": "object"},
                annotations=ToolAnnotations(read_only_hint=True))
    action = proxy.action("frobnicate", {}, tool)
    assert action["annotations"] == {"readOnlyHint": True}
    assert judge(action).decision == "allow"
    assert judge(proxy.action("frobnicate", {}, None)).decision == "deny"  # no verb, no hint: not understood


def test_proxy_without_an_upstream_is_a_usage_error() -> None:
    result = subprocess.run([sys.executable, "-m", "changegate", "mcp-proxy"], capture_output=True, text=True,
                            check=False)
    assert result.returncode == 2 and "upstream server's command" in result.stderr


@pytest.mark.parametrize("command", [["/nonexistent/server"]])
def test_proxy_with_a_broken_upstream_fails_cleanly(tmp_path: Path, command: list[str]) -> None:
    result = subprocess.run([sys.executable, "-m", "changegate", "mcp-proxy", "--", *command],
                            capture_output=True, text=True, check=False, timeout=60, input="")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr and "could not be started" in result.stderr


# --- everything else passes through (a richer upstream: tests/agents/mcp_upstream.py) -------------------------

RICH = Path(__file__).parent / "agents" / "mcp_upstream.py"


async def rich_session(params: StdioServerParameters, home: Path) -> dict[str, Any]:
    import mcp_types as types

    notes: list[Any] = []

    async def on_message(message: Any) -> None:
        if isinstance(message, types.ToolListChangedNotification):
            notes.append(message)

    async with Client(params, message_handler=on_message, mode="legacy") as client:  # the agents of today
        out: dict[str, Any] = {"caps": client.server_capabilities, "version": client.protocol_version}
        out["tools"] = {t.name: t for t in (await client.list_tools()).tools}
        out["argv"] = (await client.call_tool("get_argv", {})).content[0].text
        out["convert"] = await client.call_tool("convert_time", {"time": "10:00"})
        out["resources"] = [str(r.uri) for r in (await client.list_resources()).resources]
        out["templates"] = [t.uri_template for t in (await client.list_resource_templates()).resource_templates]
        out["notes"] = (await client.read_resource(out["resources"][0])).contents[0].text
        try:
            key = await client.read_resource(f"file://{home}/.ssh/id_ed25519")
            out["key"] = key.contents[0].text
        except Exception as exc:  # refused: the agent gets an error that says why
            out["key_error"] = str(exc)
        out["prompts"] = [p.name for p in (await client.list_prompts()).prompts]
        out["prompt"] = (await client.get_prompt("review", {"topic": "auth"})).messages[0].content.text
        ref = types.PromptReference(type="ref/prompt", name="review")
        out["completion"] = (await client.complete(ref, {"name": "topic", "value": "au"})).completion.values
        for _ in range(50):  # the relayed notification arrives after the call's answer
            if notes:
                break
            await anyio.sleep(0.05)
        out["notified"] = bool(notes)
    return out


def test_proxy_passes_everything_else_through(tmp_path: Path) -> None:
    home = tmp_path / "home"
    (home / ".ssh").mkdir(parents=True)
    (home / ".ssh" / "id_ed25519").write_text("PRIVATE KEY MATERIAL")
    (tmp_path / "notes.txt").write_text("plain notes")
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHANGEGATE_")}
    env["HOME"] = str(home)
    upstream_args = ["--", "-x", "--flag", "--"]  # every `--` is the upstream's own: passed exactly
    params = StdioServerParameters(command=sys.executable, env=env, cwd=str(tmp_path), args=[
        "-m", "changegate", "mcp-proxy", "--name", "rich", "--", sys.executable, str(RICH), str(tmp_path),
        *upstream_args])
    out = anyio.run(rich_session, params, home)

    assert json.loads(out["argv"]) == upstream_args
    assert out["version"] == "2025-06-18"  # the upstream's, not the newer one the SDK would offer
    caps = out["caps"]
    assert caps.tools.list_changed is True and caps.prompts.list_changed is True  # the upstream's, kept
    assert caps.resources is not None and caps.completions is not None
    convert = out["tools"]["convert_time"]
    assert convert.execution is not None and convert.execution.task_support == "optional"
    assert convert.output_schema == {"type": "object", "properties": {"converted": {"type": "string"}}}
    assert convert.meta == {"vendor/x": 1} and convert.annotations.open_world_hint is False
    assert out["templates"] == ["file:///{path}"] and len(out["resources"]) == 2
    assert out["notes"] == "plain notes"
    assert "key" not in out and "SSH private key" in out["key_error"]
    assert str(home / ".ssh") not in (tmp_path / "resource-reads").read_text()  # never reached the upstream
    assert out["prompts"] == ["review"] and out["prompt"] == "review auth"
    assert out["completion"] == ["au-done"]
    assert out["notified"]  # the upstream's tools/list_changed reached the agent


def test_proxy_offers_no_newer_protocol_version_than_the_upstream() -> None:
    from changegate.integrations.mcp_proxy import older_version

    answer = {"protocolVersion": "2025-11-25", "capabilities": {}}
    assert older_version(answer, "2025-06-18")["protocolVersion"] == "2025-06-18"
    assert older_version(answer, "2025-11-25") == answer
    assert older_version({"protocolVersion": "2025-03-26"}, "2025-06-18") == {"protocolVersion": "2025-03-26"}
    assert older_version(answer, "not-a-version") == answer


def test_the_proxy_says_how_its_upstream_was_started_without_its_password(monkeypatch: pytest.MonkeyPatch) -> None:
    """The server's environment comes from how it is started (its DSN), not from its name; the DSN's password
    never reaches the action."""
    import subprocess as sp

    from changegate.gate import evaluate
    from changegate.integrations.mcp_proxy import Proxy, started_as

    monkeypatch.setenv("DATABASE_URL", "postgresql://admin:hunter2@db.prod.internal:5432/app")
    process = sp.Popen(["true"])
    process.wait()
    started = started_as(process, None)
    assert started["env"]["DATABASE_URL"] == "postgresql://admin:***@db.prod.internal:5432/app"
    proxy = Proxy(None, "orders-local", started=started)  # type: ignore[arg-type]
    action = proxy.action("query", {"sql": "DELETE FROM orders"}, None)
    assert "hunter2" not in repr(action["facts"])
    verdict = evaluate(action)
    assert verdict.decision != "allow"
    assert any(e.environment == "prod" for e in verdict.effects), verdict.effects
