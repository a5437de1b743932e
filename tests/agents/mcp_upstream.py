"""An upstream MCP server with everything the proxy must pass through (the official SDK's low-level Server,
stdio): tools with every field (annotations, execution, outputSchema, _meta), listChanged capabilities,
resources (local files), a resource template, a prompt, completions and a list-changed notification.

    python mcp_upstream.py MARKERS_DIR [ANY ARGS…]     the tool `get_argv` answers with the arguments it got

Like most servers in use today, it speaks only the initialize handshake, at protocol version 2025-06-18.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import anyio
import mcp_types as types
from mcp.server import Server
from mcp.server.lowlevel.server import NotificationOptions
from mcp.server.stdio import stdio_server

MARKERS = Path(sys.argv[1])
VERSION = "2025-06-18"
HOME = Path.home()

TOOLS = [
    types.Tool(name="get_argv", description="The upstream's own arguments.", input_schema={"type": "object"},
               annotations=types.ToolAnnotations(read_only_hint=True)),
    types.Tool(name="convert_time", description="Convert a time between zones.",
               input_schema={"type": "object", "properties": {"time": {"type": "string"}}},
               output_schema={"type": "object", "properties": {"converted": {"type": "string"}}},
               annotations=types.ToolAnnotations(read_only_hint=True, open_world_hint=False),
               execution=types.ToolExecution(task_support="optional"), meta={"vendor/x": 1}),
    types.Tool(name="write_file", description="Write a file.",
               input_schema={"type": "object", "properties": {"path": {"type": "string"},
                                                              "content": {"type": "string"}}},
               annotations=types.ToolAnnotations(read_only_hint=False, destructive_hint=True)),
]


async def list_tools(ctx: Any, params: Any) -> types.ListToolsResult:
    return types.ListToolsResult(tools=TOOLS)


async def call_tool(ctx: Any, params: types.CallToolRequestParams) -> types.CallToolResult:
    arguments = params.arguments or {}
    with (MARKERS / "calls").open("a") as calls:  # what reached the upstream, for the tests to read
        calls.write(params.name + "\n")
    if params.name == "get_argv":
        text = json.dumps(sys.argv[2:])
        await ctx.session.send_tool_list_changed()  # the proxy relays it to the agent
    elif params.name == "write_file":
        (MARKERS / "written").write_text(f"{arguments.get('path')}")
        text = "written"
    else:
        text = f"converted {arguments.get('time')}"
    return types.CallToolResult(content=[types.TextContent(type="text", text=text)])


async def list_resources(ctx: Any, params: Any) -> types.ListResourcesResult:
    return types.ListResourcesResult(resources=[
        types.Resource(uri=f"file://{MARKERS}/notes.txt", name="notes", mime_type="text/plain"),
        types.Resource(uri=f"file://{HOME}/.ssh/id_ed25519", name="key")])


async def list_templates(ctx: Any, params: Any) -> types.ListResourceTemplatesResult:
    return types.ListResourceTemplatesResult(resource_templates=[
        types.ResourceTemplate(uri_template="file:///{path}", name="any file")])


async def read_resource(ctx: Any, params: types.ReadResourceRequestParams) -> types.ReadResourceResult:
    uri = str(params.uri)
    (MARKERS / "resource-reads").open("a").write(uri + "\n")
    path = Path(uri.removeprefix("file://"))
    return types.ReadResourceResult(contents=[types.TextResourceContents(uri=uri, text=path.read_text())])


async def list_prompts(ctx: Any, params: Any) -> types.ListPromptsResult:
    return types.ListPromptsResult(prompts=[types.Prompt(name="review", description="Review a change",
                                                         arguments=[types.PromptArgument(name="topic")])])


async def get_prompt(ctx: Any, params: types.GetPromptRequestParams) -> types.GetPromptResult:
    topic = (params.arguments or {}).get("topic", "")
    return types.GetPromptResult(messages=[types.PromptMessage(
        role="user", content=types.TextContent(type="text", text=f"review {topic}"))])


async def complete(ctx: Any, params: types.CompleteRequestParams) -> types.CompleteResult:
    return types.CompleteResult(completion=types.Completion(values=[params.argument.value + "-done"]))


async def handshake_only(ctx: Any, call_next: Any) -> Any:
    """An older server: no `server/discover`, and its own protocol version in the handshake."""
    from mcp.shared.exceptions import MCPError

    if ctx.method == "server/discover":
        raise MCPError(code=types.METHOD_NOT_FOUND, message="Method not found")
    result = await call_next(ctx)
    if ctx.method == "initialize" and isinstance(result, dict):
        result = {**result, "protocolVersion": VERSION}
    elif ctx.method == "initialize" and result is not None:
        result = result.model_copy(update={"protocol_version": VERSION})
    return result


async def main() -> None:
    server = Server("upstream", version="3", on_list_tools=list_tools, on_call_tool=call_tool,
                    on_list_resources=list_resources, on_list_resource_templates=list_templates,
                    on_read_resource=read_resource, on_list_prompts=list_prompts, on_get_prompt=get_prompt,
                    on_completion=complete)
    server.middleware.insert(0, handshake_only)
    options = server.create_initialization_options(NotificationOptions(tools_changed=True, prompts_changed=True))
    from mcp.server.runner import _serve_legacy_stream  # an older server: the handshake era only

    async with stdio_server() as (read_stream, write_stream), server.lifespan(server) as state:
        await _serve_legacy_stream(server, read_stream, write_stream, lifespan_state=state, session_id=None,
                                   init_options=options, raise_exceptions=False)


if __name__ == "__main__":
    anyio.run(main)
