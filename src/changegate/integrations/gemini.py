"""Gemini CLI hooks: `BeforeTool`.

Input (stdin): `{session_id, transcript_path, cwd, hook_event_name: "BeforeTool", timestamp, tool_name,
tool_input, mcp_context?}`. Tools: `run_shell_command` {command, description, dir_path}; `write_file`
{file_path, content}; `replace` {file_path, old_string, new_string, allow_multiple | expected_replacements};
`read_file` {file_path}; `read_many_files` {paths}; `web_fetch` {prompt with the URLs}; MCP tools as
`mcp__SERVER__TOOL` (with `mcp_context.server_name` where given).

Output (stdout, exit 0, nothing but the JSON): `{"decision": "allow"}` or `{"decision": "deny", "reason":
"…", "systemMessage": "…"}` — the reason goes to the model as the tool's error. There is no ask in Gemini's
hooks: an ask becomes a deny that says how to get the action approved. Exit 2 blocks with stderr as the
reason: unreadable input and timeouts answer that way.
"""

from __future__ import annotations

import re
from typing import Any

from changegate.integrations.hook import (
    HookCall,
    HookContext,
    HookInputError,
    Outcome,
    Reply,
    absolute,
    edited_content,
    file_write_action,
    http_action,
    json_text,
    mcp_action,
    read_action,
    shell_action,
    split_mcp_name,
    string_field,
    tool_input,
)

NAME = "gemini"
CAN_ASK = False
INERT_TOOLS = frozenset({"list_directory", "glob", "search_file_content", "grep", "google_web_search",
                         "save_memory", "write_todos", "codebase_investigator", "activate_skill"})
URL = re.compile(r"https?://[^\s<>\"')\]]+")
MAX_URLS = 20


def parse(payload: dict[str, Any], context: HookContext) -> HookCall:
    event = payload.get("hook_event_name")
    if event != "BeforeTool":
        raise HookInputError(f"hook_event_name {event!r} is not BeforeTool")
    tool = payload.get("tool_name")
    if not isinstance(tool, str) or not tool:
        raise HookInputError("tool_name is missing")
    args = tool_input(payload)
    where = context.where(payload)
    call = HookCall(event, tool)
    if tool in INERT_TOOLS:
        call.inert = True
    elif tool == "run_shell_command":
        directory = string_field(args, "dir_path", "directory")
        if directory:
            where = {**where, "cwd": absolute(directory, where["cwd"])}
        call.actions = [shell_action(args.get("command"), where)]
    elif tool == "write_file":
        content = string_field(args, "content")
        call.actions = [file_write_action(file_path(args), content or "", where)]
    elif tool == "replace":
        path = file_path(args)
        many = args.get("allow_multiple") is True or (
            isinstance(args.get("expected_replacements"), int) and args["expected_replacements"] > 1)
        edit = (string_field(args, "old_string") or "", string_field(args, "new_string") or "", many)
        call.actions = [file_write_action(path, edited_content(path, where["cwd"], [edit]), where)]
    elif tool == "read_file":
        call.actions = [read_action([file_path(args)], where)]
    elif tool == "read_many_files":
        paths = args.get("paths") or args.get("include") or []
        if not isinstance(paths, list) or not all(isinstance(p, str) for p in paths):
            raise HookInputError("read_many_files input has no list of paths")
        call.actions = [read_action(paths, where)] if paths else []
        call.inert = not paths
    elif tool == "web_fetch":
        urls = URL.findall(string_field(args, "prompt", "url") or "")[:MAX_URLS]
        call.actions = [http_action(url, where) for url in urls]
        call.inert = not urls
    else:
        named = mcp_names(tool, payload)
        if named is not None:
            call.actions = [mcp_action(named[0], named[1], args, where)]
    return call


def mcp_names(tool: str, payload: dict[str, Any]) -> tuple[str, str] | None:
    context = payload.get("mcp_context")
    if isinstance(context, dict):
        server = string_field(context, "server_name", "serverName", "server")
        name = string_field(context, "tool_name", "toolName", "tool")
        if server:
            return server, name or (split_mcp_name(tool) or ("", tool))[1]
    return split_mcp_name(tool)


def file_path(args: dict[str, Any]) -> str:
    path = string_field(args, "file_path", "absolute_path", "path")
    if not path:
        raise HookInputError("the tool input has no file_path")
    return path


def answer(outcome: Outcome, call: HookCall) -> Reply:
    if outcome.decision == "allow":
        return Reply(stdout=json_text({"decision": "allow"}))
    return Reply(stdout=json_text({"decision": "deny", "reason": outcome.message, "systemMessage": outcome.message}))


def refuse(reason: str) -> Reply:
    return Reply(stderr=f"changegate: {reason}\n", exit_code=2)
