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
is allowed.

Everything else the upstream offers passes through as it is: its protocol version (the agent is never
offered a newer one), its capabilities (`listChanged` included), every field of every tool (`annotations`,
`execution`, `outputSchema`, `_meta`), resources, resource templates, prompts, completions and the upstream's
notifications. A read of a `file://` resource is judged like reading that file (an SSH key is refused before
the upstream sees the request); other resources are reads through the server.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

from changegate.integrations import hook
from changegate.integrations.cursor import server_from_command

if TYPE_CHECKING:
    from mcp import Client
    from mcp_types import CallToolRequestParams, CallToolResult, ListToolsResult, PaginatedRequestParams, Tool

MAX_TOOL_PAGES = 50
MAX_LINE_BYTES = 64 * 1024 * 1024  # one JSON-RPC message from the upstream
STOP_GRACE_S = 2.0
CHECK_DEADLINE_S = 5.0
CANNOT_ASK = "An MCP tool call cannot wait for a person here, so the tool was not run"


class ProxyError(Exception):
    """The upstream server cannot be started or reached."""


def run_proxy(command: list[str], *, name: str | None = None, url: str | None = None) -> int:
    """Serve the proxy on this process's stdio until the agent disconnects."""
    if not command and not url:
        raise ProxyError("give the upstream server's command, or its URL")
    try:
        # The upstream starts first, before this process imports the MCP SDK (most of a start-up): the two
        # start-ups overlap, so the agent waits little longer than for the upstream alone.
        process = None if url else spawn(command)
        import anyio

        anyio.run(serve_stdio, process, name or upstream_name(command, url), url)
    except (OSError, ValueError) as exc:
        raise ProxyError(f"the upstream MCP server could not be started: {exc}") from exc
    return 0


def spawn(command: list[str]) -> subprocess.Popen[bytes]:
    """The upstream server, with the agent's whole environment (its tokens are configured there)."""
    return subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=dict(os.environ),
                            cwd=os.getcwd(), start_new_session=True)


def upstream_name(command: list[str], url: str | None) -> str:
    if url:
        from urllib.parse import urlsplit

        return urlsplit(url).hostname or "mcp"
    return server_from_command(" ".join(command))


def upstream_client(process: subprocess.Popen[bytes] | None, url: str | None, forward: Any = None) -> Client:
    from mcp import Client

    if url or process is None:
        return Client(url or "", message_handler=forward)
    return Client(process_transport(process), message_handler=forward)


@asynccontextmanager
async def process_transport(process: subprocess.Popen[bytes]) -> AsyncIterator[Any]:
    """MCP over the stdio of a process already started (the SDK's stdio transport starts its own): one
    JSON-RPC message a line each way. On the way out the upstream gets its stdin closed, then a grace period,
    then SIGTERM and SIGKILL for its whole process group."""
    import anyio
    import mcp_types
    from mcp.shared.message import SessionMessage

    incoming_writer, incoming = anyio.create_memory_object_stream[Any](0)
    outgoing, outgoing_reader = anyio.create_memory_object_stream[Any](0)
    assert process.stdin is not None and process.stdout is not None
    stdin, stdout = process.stdin, process.stdout

    async def read() -> None:
        async with incoming_writer:
            while True:
                line = await anyio.to_thread.run_sync(stdout.readline, MAX_LINE_BYTES, abandon_on_cancel=True)
                if not line:
                    return
                if not line.strip():
                    continue
                try:
                    message: Any = SessionMessage(mcp_types.jsonrpc_message_adapter.validate_json(line,
                                                                                                 by_name=False))
                except ValueError as exc:  # the session reports it; one bad line does not end the connection
                    message = exc
                try:
                    await incoming_writer.send(message)
                except (anyio.ClosedResourceError, anyio.BrokenResourceError):
                    return

    def send(data: bytes) -> None:
        stdin.write(data)
        stdin.flush()

    async def write() -> None:
        async with outgoing_reader:
            async for message in outgoing_reader:
                data = message.message.model_dump_json(by_alias=True, exclude_unset=True) + "\n"
                try:
                    await anyio.to_thread.run_sync(send, data.encode())
                except (OSError, ValueError):
                    await incoming_writer.aclose()
                    return

    async with anyio.create_task_group() as group:
        group.start_soon(read)
        group.start_soon(write)
        try:
            yield incoming, outgoing
        finally:
            with anyio.CancelScope(shield=True):
                await anyio.to_thread.run_sync(stop, process)
            group.cancel_scope.cancel()


def stop(process: subprocess.Popen[bytes]) -> None:
    import signal

    with contextlib.suppress(OSError, ValueError):
        if process.stdin is not None:
            process.stdin.close()
    for sent in (None, signal.SIGTERM, signal.SIGKILL):
        if sent is not None:
            with contextlib.suppress(OSError):
                os.killpg(process.pid, sent)
        try:
            process.wait(timeout=STOP_GRACE_S)
            return
        except subprocess.TimeoutExpired:
            continue


async def serve_stdio(process: subprocess.Popen[bytes] | None, name: str, url: str | None) -> None:
    from mcp.server.stdio import stdio_server

    relay = Relay()
    async with upstream_client(process, url, relay.forward) as upstream:
        proxy = Proxy(upstream, name, relay, started=started_as(process, url))
        server = proxy.server()
        async with stdio_server() as (read_stream, write_stream):
            await server.run(read_stream, write_stream, proxy.initialization_options(server))


class Relay:
    """The upstream's notifications (list changed, resource updated, log messages, progress), sent on to the
    agent once it has connected: the proxy is invisible to them."""

    def __init__(self) -> None:
        self.session: Any = None

    async def forward(self, message: Any) -> None:
        from mcp_types import ServerNotification

        if self.session is None or not isinstance(message, ServerNotification):
            return
        try:
            await self.session.send_notification(message)
        except Exception:  # a notification the agent cannot take is dropped, never a crash of the proxy
            return

    def seen(self, ctx: Any) -> None:
        if self.session is None:
            self.session = getattr(ctx, "session", None)


def started_as(process: subprocess.Popen[bytes] | None, url: str | None) -> dict[str, Any]:
    """How the upstream was started, as evidence of where it acts (understand/mcp.py places the server from
    its DSN, --context, --profile, KUBE_CONTEXT…, never from its name alone): its argv or URL, and the values
    of the start-up variables that name a target, as this process passed them on."""
    from changegate.understand.mcp import START_NAME_VARIABLES, START_URL_VARIABLES

    argv = process.args if process is not None else None
    command = [without_password(str(a)) for a in argv] if isinstance(argv, (list, tuple)) else None
    names = (*START_URL_VARIABLES, *START_NAME_VARIABLES, "PGHOST", "DB_HOST", "MYSQL_HOST")
    return {"command": command, "url": without_password(url) if url else None,
            "env": {k: without_password(os.environ[k]) for k in names if k in os.environ}}


def without_password(text: str) -> str:
    """A DSN's password is no evidence of where it points, and must not reach the request or the log."""
    import re

    return re.sub(r"(://[^/\s:@]*):[^/\s@]*@", r"\1:***@", text)


class Proxy:
    """Mirrors the upstream: the same tools (every field), resources, templates, prompts, completions,
    capabilities and protocol version. Each tool call, and each read of a local file resource, is judged
    before it is forwarded."""

    def __init__(self, upstream: Client, name: str, relay: Relay | None = None,
                 started: dict[str, Any] | None = None) -> None:
        self.upstream = upstream
        self.name = name
        self.relay = relay or Relay()
        self.started = started  # facts.mcp_server: how the upstream was started
        self.tools: dict[str, Tool] = {}

    def capabilities(self) -> Any:
        try:
            return self.upstream.server_capabilities
        except Exception:  # not connected (tests build a Proxy without an upstream)
            return None

    def server(self) -> Any:
        from mcp.server import Server

        caps = self.capabilities()
        handlers: dict[str, Any] = {"on_list_tools": self.list_tools, "on_call_tool": self.call_tool}
        if caps is None or caps.resources is not None:
            handlers.update(on_list_resources=self.list_resources, on_read_resource=self.read_resource,
                            on_list_resource_templates=self.list_resource_templates)
            if caps is not None and caps.resources is not None and caps.resources.subscribe:
                handlers.update(on_subscribe_resource=self.subscribe, on_unsubscribe_resource=self.unsubscribe)
        if caps is None or caps.prompts is not None:
            handlers.update(on_list_prompts=self.list_prompts, on_get_prompt=self.get_prompt)
        if caps is None or caps.completions is not None:
            handlers["on_completion"] = self.complete
        server = Server(f"changegate-{self.name}", version="1", instructions=self.instructions(), **handlers)
        server.middleware.append(self.negotiate)
        return server

    def instructions(self) -> str | None:
        try:
            return self.upstream.instructions
        except Exception:
            return None

    def initialization_options(self, server: Any) -> Any:
        """The upstream's capabilities as the agent sees them: listChanged and experimental kept."""
        from mcp.server.lowlevel.server import NotificationOptions

        caps = self.capabilities()
        notify = NotificationOptions(
            tools_changed=bool(caps and caps.tools and caps.tools.list_changed),
            resources_changed=bool(caps and caps.resources and caps.resources.list_changed),
            prompts_changed=bool(caps and caps.prompts and caps.prompts.list_changed))
        return server.create_initialization_options(notify, caps.experimental if caps else None)

    async def negotiate(self, ctx: Any, call_next: Any) -> Any:
        """Offer the agent no newer protocol version than the upstream speaks (the proxy passes messages of
        the upstream's version through), and keep the agent's session for the relayed notifications."""
        self.relay.seen(ctx)
        result = await call_next(ctx)
        if ctx.method == "initialize":
            result = older_version(result, self.upstream_version())
        return result

    def upstream_version(self) -> str | None:
        try:
            version = self.upstream.protocol_version
        except Exception:
            return None
        return version if isinstance(version, str) else None

    # --- tools -----------------------------------------------------------------------------------------------

    async def list_tools(self, ctx: Any, params: PaginatedRequestParams | None) -> ListToolsResult:
        page = await self.upstream.list_tools(cursor=params.cursor if params else None, cache_mode="bypass")
        self.tools.update({tool.name: tool for tool in page.tools})
        return page  # as the upstream sent it: every field of every tool

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
                    page = await self.upstream.list_tools(cursor=cursor, cache_mode="bypass")
                except Exception:
                    break  # judged by its name and arguments alone (without the hints)
                self.tools.update({tool.name: tool for tool in page.tools})
                cursor = page.next_cursor
                if name in self.tools or not cursor:
                    break
        return self.tools.get(name)

    def action(self, tool: str, arguments: dict[str, Any], definition: Tool | None) -> dict[str, Any]:
        action: dict[str, Any] = {"type": "mcp_tool", "server": self.name, "tool": tool, "arguments": arguments,
                                  **self.where()}
        if self.started is not None:
            action["facts"] = {"mcp_server": self.started}
        if definition is not None and definition.annotations is not None:
            hints = definition.annotations.model_dump(by_alias=True, exclude_none=True)
            if hints:
                action["annotations"] = hints
        return action

    def where(self) -> dict[str, Any]:
        return {"cwd": os.getcwd(), "env": dict(os.environ),
                "agent": os.environ.get("CHANGEGATE_AGENT") or "mcp-proxy"}

    # --- resources, prompts, completion: passed through; a local file is read only after a check -------------

    async def list_resources(self, ctx: Any, params: PaginatedRequestParams | None) -> Any:
        return await self.upstream.list_resources(cursor=params.cursor if params else None, cache_mode="bypass")

    async def list_resource_templates(self, ctx: Any, params: PaginatedRequestParams | None) -> Any:
        return await self.upstream.list_resource_templates(cursor=params.cursor if params else None,
                                                           cache_mode="bypass")

    async def read_resource(self, ctx: Any, params: Any) -> Any:
        import anyio
        from mcp.shared.exceptions import MCPError

        uri = str(params.uri)
        outcome = await anyio.to_thread.run_sync(judge, self.resource_action(uri))
        if outcome.decision != "allow":
            raise MCPError(code=-32002, message=outcome.message)  # the spec's "resource not available"
        return await self.upstream.read_resource(uri, cache_mode="bypass")

    def resource_action(self, uri: str) -> dict[str, Any]:
        """A `file://` resource is the file it names, read as `cat` would read it (credential files are
        secrets); any other resource is a read through the server's `read_resource`."""
        from urllib.parse import unquote, urlsplit

        parts = urlsplit(uri)
        if parts.scheme == "file":
            return hook.read_action([unquote(parts.path) or "/"], self.where())
        return {"type": "mcp_tool", "server": self.name, "tool": "read_resource", "arguments": {"uri": uri},
                "annotations": {"readOnlyHint": True}, **self.where()}

    async def subscribe(self, ctx: Any, params: Any) -> Any:
        return await self.upstream.subscribe_resource(str(params.uri))

    async def unsubscribe(self, ctx: Any, params: Any) -> Any:
        return await self.upstream.unsubscribe_resource(str(params.uri))

    async def list_prompts(self, ctx: Any, params: PaginatedRequestParams | None) -> Any:
        return await self.upstream.list_prompts(cursor=params.cursor if params else None, cache_mode="bypass")

    async def get_prompt(self, ctx: Any, params: Any) -> Any:
        return await self.upstream.get_prompt(params.name, params.arguments)

    async def complete(self, ctx: Any, params: Any) -> Any:
        context = params.context.arguments if params.context is not None else None
        argument = {"name": params.argument.name, "value": params.argument.value}
        return await self.upstream.complete(params.ref, argument, context)


def older_version(result: Any, upstream: str | None) -> Any:
    """The initialize result with the upstream's protocol version where the agent asked for a newer one."""
    from mcp_types.version import KNOWN_PROTOCOL_VERSIONS

    if not upstream or upstream not in KNOWN_PROTOCOL_VERSIONS or not isinstance(result, dict):
        return result
    offered = result.get("protocolVersion")
    if offered in KNOWN_PROTOCOL_VERSIONS and \
            KNOWN_PROTOCOL_VERSIONS.index(offered) > KNOWN_PROTOCOL_VERSIONS.index(upstream):
        return {**result, "protocolVersion": upstream}
    return result


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
