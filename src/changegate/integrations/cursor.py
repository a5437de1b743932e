"""Cursor hooks: `beforeShellExecution`, `beforeMCPExecution`, `beforeReadFile`, and the generic `preToolUse`.

Input (stdin), common: `{hook_event_name, conversation_id, generation_id, workspace_roots, model,
cursor_version, user_email}`; beforeShellExecution adds `{command, cwd}`; beforeMCPExecution `{tool_name,
tool_input (an object or a JSON string), url | command}` (the server's URL or launch command);
beforeReadFile `{file_path, content}`; preToolUse `{tool_name, tool_input}` for every tool (Shell, Read,
Write, Edit, Delete, MCP:…).

Output (stdout): `{"permission": "allow|deny|ask", "user_message": "…", "agent_message": "…"}`.
beforeReadFile has no ask (an ask becomes deny). Exit 2 also blocks: unreadable input and timeouts answer
with a deny and exit 2, so a Cursor that does not read the JSON still blocks.
"""

from __future__ import annotations

import posixpath
from typing import Any

from changegate.integrations.hook import (
    HookCall,
    HookContext,
    HookInputError,
    Outcome,
    Reply,
    argv_action,
    edited_content,
    file_write_action,
    json_text,
    mcp_action,
    read_action,
    shell_action,
    split_mcp_name,
    string_field,
    tool_input,
)

NAME = "cursor"
CAN_ASK = True
EVENTS = ("beforeShellExecution", "beforeMCPExecution", "beforeReadFile", "preToolUse")
NO_ASK_EVENTS = frozenset({"beforeReadFile"})
SHELL_TOOLS = frozenset({"Shell", "Bash", "Terminal", "run_terminal_cmd"})
WRITE_TOOLS = frozenset({"Write", "Edit", "MultiEdit", "StrReplace", "edit_file", "write", "search_replace"})
INERT_TOOLS = frozenset({"Grep", "Glob", "LS", "ListDir", "Task", "TodoWrite", "WebSearch", "CodebaseSearch",
                         "codebase_search", "list_dir", "file_search", "grep_search", "todo_write"})


def parse(payload: dict[str, Any], context: HookContext) -> HookCall:
    event = payload.get("hook_event_name")
    if event not in EVENTS:
        raise HookInputError(f"hook_event_name {event!r} is not one changegate answers ({', '.join(EVENTS)})")
    if event == "beforeShellExecution":
        where = context.where(payload, payload.get("cwd"))
        return HookCall(event, "shell", [shell_action(payload.get("command"), where)])
    where = context.where(payload)
    if event == "beforeReadFile":
        path = string_field(payload, "file_path")
        if not path:
            raise HookInputError("beforeReadFile input has no file_path")
        return HookCall(event, "read", [read_action([path], where)])
    tool = payload.get("tool_name")
    if not isinstance(tool, str) or not tool:
        raise HookInputError("tool_name is missing")
    args = tool_input(payload)
    if event == "beforeMCPExecution":
        server, name = mcp_names(tool, payload)
        return HookCall(event, tool, [mcp_action(server, name, args, where)])
    return tool_call(event, tool, args, where)


def tool_call(event: str, tool: str, args: dict[str, Any], where: dict[str, Any]) -> HookCall:
    call = HookCall(event, tool)
    if tool in INERT_TOOLS:
        call.inert = True
    elif tool in SHELL_TOOLS:
        call.actions = [shell_action(args.get("command"), {**where, **cwd_of(args, where)})]
    elif tool in ("Read", "read_file"):
        call.actions = [read_action([path_of(args)], where)]
    elif tool in ("Delete", "delete_file"):
        call.actions = [argv_action(["rm", "--", path_of(args)], where)]
    elif tool in WRITE_TOOLS:
        path = path_of(args)
        content = string_field(args, "content", "contents", "file_text")
        if content is None:
            old = string_field(args, "old_string", "old_str") or ""
            new = string_field(args, "new_string", "new_str", "code_edit") or ""
            content = edited_content(path, where["cwd"], [(old, new, args.get("replace_all") is True)])
        call.actions = [file_write_action(path, content, where)]
    elif tool.startswith("MCP:") or split_mcp_name(tool):
        server, name = mcp_names(tool, {})
        call.actions = [mcp_action(server, name, args, where)]
    return call


def mcp_names(tool: str, payload: dict[str, Any]) -> tuple[str, str]:
    """(server, tool) from `MCP:server:tool`, `mcp__server__tool`, or a bare tool name and the server's
    launch command or URL."""
    if tool.startswith("MCP:"):
        rest = tool[4:]
        server, sep, name = rest.partition(":")
        return (server, name) if sep and name else ("mcp", rest)
    named = split_mcp_name(tool)
    if named:
        return named
    url = string_field(payload, "url")
    command = string_field(payload, "command")
    if url:
        from urllib.parse import urlsplit

        return (urlsplit(url).hostname or "mcp", tool)
    if command:
        return (server_from_command(command), tool)
    return ("mcp", tool)


LAUNCHERS = frozenset({"npx", "uvx", "bunx", "pnpx", "node", "python", "python3", "uv", "pipx", "deno", "bun",
                       "docker", "podman", "run", "dlx", "pnpm", "yarn", "exec", "tool"})


def server_from_command(command: str) -> str:
    """`npx -y @modelcontextprotocol/server-github` -> `server-github`: the package a launcher starts."""
    for word in command.split()[:16]:
        if word.startswith("-") or posixpath.basename(word) in LAUNCHERS:
            continue
        return posixpath.basename(word.rstrip("/")) or "mcp"
    return "mcp"


def path_of(args: dict[str, Any]) -> str:
    path = string_field(args, "file_path", "path", "target_file", "filePath")
    if not path:
        raise HookInputError("the tool input has no file path")
    return path


def cwd_of(args: dict[str, Any], where: dict[str, Any]) -> dict[str, Any]:
    cwd = string_field(args, "cwd", "working_directory")
    return {"cwd": cwd} if cwd and cwd.startswith("/") else {}


def answer(outcome: Outcome, call: HookCall) -> Reply:
    decision = outcome.decision
    if decision == "ask" and call.event in NO_ASK_EVENTS:
        decision = "deny"
    doc: dict[str, Any] = {"permission": decision}
    if decision != "allow":
        doc["user_message"] = outcome.message
        doc["agent_message"] = outcome.message
    return Reply(stdout=json_text(doc))


def refuse(reason: str) -> Reply:
    message = f"changegate: {reason}"
    return Reply(stdout=json_text({"permission": "deny", "user_message": message, "agent_message": message}),
                 stderr=message + "\n", exit_code=2)
