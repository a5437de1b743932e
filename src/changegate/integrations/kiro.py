"""Kiro CLI hooks: `preToolUse` (in an agent configuration's `hooks`).

Input (stdin): `{hook_event_name: "preToolUse", cwd, tool_name, tool_input}`. Tools: `execute_bash` /
`shell` {command}; `fs_write` / `write` {command: create | str_replace | insert | append, path, file_text,
old_str, new_str}; `fs_read` / `read` {operations: [{mode, path}]}; `use_aws` / `aws` {service_name,
operation_name, parameters, region, profile_name}; MCP tools as `@SERVER/TOOL`.

Output: there is no JSON decision. Exit 0 lets the tool run; exit 2 blocks it and stderr goes back to the
model. An ask becomes exit 2 with a message that says how to get the action approved.
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
    argv_action,
    edited_content,
    file_write_action,
    json_text,
    mcp_action,
    read_action,
    shell_action,
    string_field,
    tool_input,
)

NAME = "kiro"
CAN_ASK = False
SHELL_TOOLS = frozenset({"execute_bash", "executeBash", "execute_cmd", "shell"})
WRITE_TOOLS = frozenset({"fs_write", "fsWrite", "write"})
READ_TOOLS = frozenset({"fs_read", "fsRead", "read"})
AWS_TOOLS = frozenset({"use_aws", "useAws", "aws"})
INERT_TOOLS = frozenset({"report_issue", "knowledge", "thinking", "todo_list", "introspect", "dummy", "glob",
                         "grep", "web_search", "delegate", "use_subagent"})


def parse(payload: dict[str, Any], context: HookContext) -> HookCall:
    event = payload.get("hook_event_name")
    if event not in ("preToolUse", "PreToolUse"):
        raise HookInputError(f"hook_event_name {event!r} is not preToolUse")
    tool = payload.get("tool_name")
    if not isinstance(tool, str) or not tool:
        raise HookInputError("tool_name is missing")
    args = tool_input(payload)
    where = context.where(payload)
    call = HookCall("preToolUse", tool)
    if tool in INERT_TOOLS:
        call.inert = True
    elif tool in SHELL_TOOLS:
        call.actions = [shell_action(args.get("command"), where)]
    elif tool in WRITE_TOOLS:
        call.actions = [write_action(args, where)]
    elif tool in READ_TOOLS:
        call.actions = [read_action(read_paths(args), where)]
    elif tool in AWS_TOOLS:
        call.actions = [argv_action(aws_argv(args), where)]
    elif tool.startswith("@") and "/" in tool:
        server, _, name = tool[1:].partition("/")
        call.actions = [mcp_action(server, name, args, where)]
    return call


def write_action(args: dict[str, Any], where: dict[str, Any]) -> dict[str, Any]:
    path = string_field(args, "path", "file_path")
    if not path:
        raise HookInputError("fs_write input has no path")
    command = string_field(args, "command") or "create"
    if command == "create":
        content = string_field(args, "file_text", "content") or ""
    elif command == "str_replace":
        edit = (string_field(args, "old_str") or "", string_field(args, "new_str") or "", False)
        content = edited_content(path, where["cwd"], [edit])
    else:  # insert / append: judged by the file with the new text added
        content = edited_content(path, where["cwd"], [("", string_field(args, "new_str", "file_text") or "", False)])
    return file_write_action(path, content, where)


def read_paths(args: dict[str, Any]) -> list[str]:
    operations = args.get("operations")
    items = operations if isinstance(operations, list) else [args]
    paths = [p for item in items if isinstance(item, dict) and (p := string_field(item, "path", "file_path"))]
    if not paths:
        raise HookInputError("fs_read input names no path")
    return paths


def aws_argv(args: dict[str, Any]) -> list[str]:
    """`use_aws` as the `aws` command it amounts to, so the AWS family judges it."""
    service = string_field(args, "service_name", "service")
    operation = string_field(args, "operation_name", "operation")
    if not service or not operation:
        raise HookInputError("use_aws input needs service_name and operation_name")
    argv = ["aws", service, kebab(operation)]
    for flag, key in (("--region", "region"), ("--profile", "profile_name")):
        value = string_field(args, key)
        if value:
            argv += [flag, value]
    parameters = args.get("parameters")
    if isinstance(parameters, dict):
        for key, value in list(parameters.items())[:64]:
            argv += [f"--{kebab(str(key))}", value if isinstance(value, str) else json_text(value)]
    return argv


def kebab(name: str) -> str:
    """`DeleteBucket`, `delete_bucket`, `delete-bucket` -> `delete-bucket`."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "-", name)
    return spaced.replace("_", "-").lower()


def answer(outcome: Outcome, call: HookCall) -> Reply:
    if outcome.decision == "allow":
        return Reply()
    return Reply(stderr=outcome.message + "\n", exit_code=2)


def refuse(reason: str) -> Reply:
    return Reply(stderr=f"changegate: {reason}\n", exit_code=2)
