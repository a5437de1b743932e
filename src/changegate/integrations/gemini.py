"""Gemini CLI hooks: `BeforeTool`.

Input (stdin): `{session_id, transcript_path, cwd, hook_event_name: "BeforeTool", timestamp, tool_name,
tool_input, mcp_context?}`. Tools: `run_shell_command` {command, description, dir_path}; `write_file`
{file_path, content}; `replace` {file_path, old_string, new_string, allow_multiple | expected_replacements};
`read_file` {file_path}; `read_many_files` {paths}; `grep_search` {pattern, dir_path}; `web_fetch` {prompt with
the URLs}; MCP tools as `mcp_SERVER_TOOL` (Gemini CLI 0.61.0: the server's name holds no `_`, the tool's may),
with `mcp_context: {server_name, tool_name, command, args, cwd, url}` naming both exactly.

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
    argv_action,
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
# checked against Gemini CLI 0.61.0's tool list: listing names, searching the web, plans, topics, sub-agents
# (whose own tool calls come through this hook again) and reading its own background output
INERT_TOOLS = frozenset({"list_directory", "glob", "google_web_search", "save_memory", "write_todos",
                         "codebase_investigator", "activate_skill", "update_topic", "enter_plan_mode",
                         "exit_plan_mode", "invoke_agent", "list_background_processes", "read_background_output"})
GREP_TOOLS = frozenset({"grep_search", "search_file_content", "grep"})
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
    elif tool in GREP_TOOLS:  # reads what it matches: judged as the grep it is (credential files ask)
        pattern = string_field(args, "pattern") or ""
        directory = string_field(args, "dir_path", "path") or "."
        call.actions = [argv_action(["grep", "-r", "--", pattern, directory], where)]
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
    """(server, tool) of an MCP call: from `mcp_context` where Gemini sends it, else from the name."""
    context = payload.get("mcp_context")
    named = split_mcp_name(tool) or gemini_mcp_name(tool)
    if isinstance(context, dict):
        server = string_field(context, "server_name", "serverName", "server")
        name = string_field(context, "tool_name", "toolName", "tool")
        if server:
            return server, name or (named or ("", tool))[1]
    return named


def gemini_mcp_name(name: str) -> tuple[str, str] | None:
    """`mcp_github_delete_repository` -> ("github", "delete_repository"): Gemini's own rule (the server's
    name is the part up to the first `_`)."""
    if not name.startswith("mcp_"):
        return None
    server, _, tool = name[4:].partition("_")
    return (server, tool) if server and tool else None


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
