"""`changegate mcp-proxy`: an MCP server for the agent, in front of another MCP server.

    changegate mcp-proxy --name github -- npx -y @modelcontextprotocol/server-github
    changegate mcp-proxy --name tracker --url https://mcp.example.com/mcp

The agent talks MCP over stdio to the proxy; the proxy talks to the upstream server (a command it starts, or
a streamable HTTP URL) with the official `mcp` SDK. Tools are listed exactly as the upstream lists them.
Every `tools/call` is checked first, as an `mcp_tool` action (the tool's name, the upstream's annotations as
hints, and arguments that carry an action of their own — see understand/mcp.py): an allow is forwarded, a
deny or an approval that is still pending comes back as a tool error result whose text says why and what to
do, so the agent can tell its user. Nothing reaches the upstream without an allow.

Local mode decides in-process (CHANGEGATE_POLICY or the built-in policy); remote mode (CHANGEGATE_URL and
CHANGEGATE_TOKEN) asks the server, which files the approval request; the same call retried after approval
is allowed. Resources and prompts are not proxied: only tools.
"""

from __future__ import annotations

import os
import time
from typing import TYPE_CHECKING, Any

from changegate.integrations import hook
from changegate.integrations.cursor import server_from_command

if TYPE_CHECKING:
    from mcp import Client
    from mcp_types import CallToolRequestParams, CallToolResult, ListToolsResult, PaginatedRequestParams, Tool

MAX_TOOL_PAGES = 50
CHECK_DEADLINE_S = 5.0
CANNOT_ASK = "An MCP tool call cannot wait for a person here, so the tool was not run"


class ProxyError(Exception):
    """The upstream server cannot be started or reached."""


def run_proxy(command: list[str], *, name: str | None = None, url: str | None = None) -> int:
    """Serve the proxy on this process's stdio until the agent disconnects."""
    import anyio

    if not command and not url:
        raise ProxyError("give the upstream server's command, or its URL")
    try:
        anyio.run(serve_stdio, command, name or upstream_name(command, url), url)
    except (OSError, ValueError) as exc:
        raise ProxyError(f"the upstream MCP server could not be started: {exc}") from exc
    return 0


def upstream_name(command: list[str], url: str | None) -> str:
    if url:
        from urllib.parse import urlsplit

        return urlsplit(url).hostname or "mcp"
    return server_from_command(" ".join(command))


def upstream_client(command: list[str], url: str | None) -> Client:
    from mcp import Client, StdioServerParameters

    if url:
        return Client(url)
    # the upstream gets the agent's whole environment: its tokens are configured there
    return Client(StdioServerParameters(command=command[0], args=command[1:], env=dict(os.environ),
                                        cwd=os.getcwd()))


async def serve_stdio(command: list[str], name: str, url: str | None) -> None:
    from mcp.server.stdio import stdio_server

    async with upstream_client(command, url) as upstream:
        proxy = Proxy(upstream, name)
        server = proxy.server()
        async with stdio_server() as (read_stream, write_stream):
            await server.run(read_stream, write_stream, server.create_initialization_options())


class Proxy:
    """Lists the upstream's tools as they are; checks each call before forwarding it."""

    def __init__(self, upstream: Client, name: str) -> None:
        self.upstream = upstream
        self.name = name
        self.tools: dict[str, Tool] = {}

    def server(self) -> Any:
        from mcp.server import Server

        return Server(f"changegate-{self.name}", version="1", instructions=self.upstream.instructions,
                      on_list_tools=self.list_tools, on_call_tool=self.call_tool)

    async def list_tools(self, ctx: Any, params: PaginatedRequestParams | None) -> ListToolsResult:
        from mcp_types import ListToolsResult

        page = await self.upstream.list_tools(cursor=params.cursor if params else None)
        self.tools.update({tool.name: tool for tool in page.tools})
        return ListToolsResult(tools=page.tools, next_cursor=page.next_cursor)

    async def call_tool(self, ctx: Any, params: CallToolRequestParams) -> CallToolResult:
        import anyio

        tool = await self.tool(params.name)
        action = self.action(params.name, params.arguments or {}, tool)
        outcome = await anyio.to_thread.run_sync(judge, action)
        if outcome.decision != "allow":
            return error_result(outcome.message)
        try:
            return await self.upstream.call_tool(params.name, params.arguments)
        except Exception as exc:  # the upstream failing is the tool failing, told to the agent
            return error_result(f"the upstream MCP server {self.name!r} failed: {type(exc).__name__}: {exc}")

    async def tool(self, name: str) -> Tool | None:
        """The upstream's definition (for its annotations), listing the tools once if not seen yet."""
        if name not in self.tools:
            cursor: str | None = None
            for _ in range(MAX_TOOL_PAGES):
                try:
                    page = await self.upstream.list_tools(cursor=cursor)
                except Exception:
                    break  # judged by its name and arguments alone (without the hints)
                self.tools.update({tool.name: tool for tool in page.tools})
                cursor = page.next_cursor
                if name in self.tools or not cursor:
                    break
        return self.tools.get(name)

    def action(self, tool: str, arguments: dict[str, Any], definition: Tool | None) -> dict[str, Any]:
        action: dict[str, Any] = {"type": "mcp_tool", "server": self.name, "tool": tool, "arguments": arguments,
                                  "cwd": os.getcwd(), "env": dict(os.environ),
                                  "agent": os.environ.get("CHANGEGATE_AGENT") or "mcp-proxy"}
        if definition is not None and definition.annotations is not None:
            hints = definition.annotations.model_dump(by_alias=True, exclude_none=True)
            if hints:
                action["annotations"] = hints
        return action


def judge(action: dict[str, Any]) -> hook.Outcome:
    """The same decision as the hooks: local or remote, ask translated to a tool error that says why."""
    url = os.environ.get("CHANGEGATE_URL", "").strip()
    deadline = time.monotonic() + CHECK_DEADLINE_S
    agent = os.environ.get("CHANGEGATE_AGENT") or "mcp-proxy"
    check = hook.remote_checker(url, deadline) if url else hook.local_checker(agent)
    try:
        answer = check(action)
    except Exception as exc:  # never an allow by accident
        answer = hook.denial(f"checking the call failed ({type(exc).__name__}: {exc})")
    return hook.combine([answer], can_ask=False, remote=bool(url), cannot_ask=CANNOT_ASK)


def error_result(message: str) -> CallToolResult:
    from mcp_types import CallToolResult, TextContent

    return CallToolResult(content=[TextContent(type="text", text=message)], is_error=True)
