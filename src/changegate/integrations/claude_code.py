"""Claude Code hooks: `PreToolUse` (and `PermissionRequest`).

Input (stdin): `{session_id, transcript_path, cwd, permission_mode, hook_event_name, tool_name, tool_input,
tool_use_id}`. Tools: `Bash` {command}; `Write` {file_path, content}; `Edit` {file_path, old_string,
new_string, replace_all}; `MultiEdit` {file_path, edits: [...]}; `NotebookEdit` {notebook_path, new_source,
cell_id, cell_type, edit_mode}; `Read` {file_path}; `Grep` {pattern, path}; `WebFetch` {url, prompt}; MCP
tools as `mcp__SERVER__TOOL` with the tool's arguments.

Output (stdout, exit 0): `{"hookSpecificOutput": {"hookEventName": "PreToolUse", "permissionDecision":
"allow|ask|deny", "permissionDecisionReason": "…"}}`; for PermissionRequest `{"hookSpecificOutput":
{"hookEventName": "PermissionRequest", "decision": {"behavior": "allow|deny", "message": "…"}}}` (an ask
there leaves Claude Code's own permission dialog in place). Exit 2 blocks with stderr as the reason: that is
how unreadable input and timeouts answer. Any other non-zero exit would let the call through, so this hook
never exits otherwise.
"""

from __future__ import annotations

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
    http_action,
    json_text,
    mcp_action,
    read_action,
    shell_action,
    split_mcp_name,
    string_field,
    tool_input,
)

NAME = "claude-code"
CAN_ASK = True
EVENTS = ("PreToolUse", "PermissionRequest")
# Tools that change nothing changegate judges: planning, to-do lists, searching the web, listing names.
# Tools that run a command (2.1.332): Monitor runs one and watches its output; PowerShell is judged by the
# shell reading of its text, and a command changegate cannot read asks.
SHELL_TOOLS = frozenset({"Bash", "Monitor", "PowerShell"})
INERT_TOOLS = frozenset({"Task", "Agent", "TodoWrite", "TodoRead", "ExitPlanMode", "EnterPlanMode", "WebSearch",
                         "Glob", "LS", "BashOutput", "KillShell", "KillBash", "SlashCommand", "Skill",
                         "ListMcpResourcesTool", "ReadMcpResourceTool", "AskUserQuestion"})


def parse(payload: dict[str, Any], context: HookContext) -> HookCall:
    event = payload.get("hook_event_name")
    if event not in EVENTS:
        raise HookInputError(f"hook_event_name {event!r} is not one changegate answers ({', '.join(EVENTS)})")
    tool = payload.get("tool_name")
    if not isinstance(tool, str) or not tool:
        raise HookInputError("tool_name is missing")
    args = tool_input(payload)
    where = context.where(payload)
    call = HookCall(event=event, tool=tool, ask_means_yes=ask_means_yes(payload.get("permission_mode")))
    if tool in INERT_TOOLS:
        call.inert = True
    else:
        call.actions = actions_for(tool, args, where)
    return call


# Permission modes in which Claude Code puts a hook's ask to a person (checked against 2.1.332: `default` —
# also spelt `manual` — and `plan`). In `bypassPermissions`, `auto` (a classifier decides), `acceptEdits` (file
# edits pass) and `dontAsk` (asks are refused with Claude Code's words, not the gate's) an ask is not a
# question to a person, so the hook answers deny itself, with its reason; an unknown mode counts as one of
# these (fail closed).
ASKING_MODES = frozenset({"default", "manual", "plan"})


def ask_means_yes(mode: Any) -> str:
    if mode is None:  # older payloads without the field: Claude Code asks
        return ""
    if not isinstance(mode, str) or not mode:
        return "an unreadable permission"
    return "" if mode in ASKING_MODES else mode[:40]


def actions_for(tool: str, args: dict[str, Any], where: dict[str, Any]) -> list[dict[str, Any]]:
    if tool in SHELL_TOOLS:
        return [shell_action(args.get("command"), where)]
    if tool == "Write":
        content = args.get("content")
        return [file_write_action(args.get("file_path"), content if isinstance(content, str) else "", where)]
    if tool == "Edit":
        path = file_path(args)
        edit = (string_field(args, "old_string") or "", string_field(args, "new_string") or "",
                args.get("replace_all") is True)
        return [file_write_action(path, edited_content(path, where["cwd"], [edit]), where)]
    if tool == "MultiEdit":
        path = file_path(args)
        edits = args.get("edits")
        if not isinstance(edits, list):
            raise HookInputError("MultiEdit input has no edits list")
        pairs = [(string_field(e, "old_string") or "", string_field(e, "new_string") or "",
                  e.get("replace_all") is True) for e in edits if isinstance(e, dict)]
        return [file_write_action(path, edited_content(path, where["cwd"], pairs), where)]
    if tool == "NotebookEdit":
        notebook = string_field(args, "notebook_path", "file_path")
        if not notebook:
            raise HookInputError("NotebookEdit input has no notebook_path")
        return [file_write_action(notebook, string_field(args, "new_source") or "", where)]
    if tool == "Read":
        return [read_action([file_path(args)], where)]
    if tool == "Grep":
        pattern = string_field(args, "pattern") or ""
        return [argv_action(["grep", "-r", "--", pattern, string_field(args, "path") or "."], where)]
    if tool == "WebFetch":
        return [http_action(args.get("url"), where)]
    named = split_mcp_name(tool)
    if named is not None:
        return [mcp_action(named[0], named[1], args, where)]
    return []  # a tool changegate does not know: a person decides


def file_path(args: dict[str, Any]) -> str:
    path = string_field(args, "file_path", "path")
    if not path:
        raise HookInputError("the tool input has no file_path")
    return path


def answer(outcome: Outcome, call: HookCall) -> Reply:
    if call.event == "PermissionRequest":
        if outcome.decision == "ask":  # Claude Code is about to ask its user: let it
            return Reply(stdout="{}")
        behavior = "allow" if outcome.decision == "allow" else "deny"
        return Reply(stdout=json_text({"hookSpecificOutput": {
            "hookEventName": "PermissionRequest", "decision": {"behavior": behavior, "message": outcome.message}}}))
    out: dict[str, Any] = {"hookSpecificOutput": {
        "hookEventName": "PreToolUse",
        "permissionDecision": outcome.decision,
        "permissionDecisionReason": outcome.message,
    }}
    if outcome.decision == "ask":
        # Claude Code words the ask itself ("Claude requested permissions to …"): the gate's reason goes to
        # the model beside it, so a refused ask still says why and what to do
        out["hookSpecificOutput"]["additionalContext"] = outcome.message
    if outcome.decision == "deny":
        out["systemMessage"] = outcome.message
    return Reply(stdout=json_text(out))


def refuse(reason: str) -> Reply:
    return Reply(stderr=f"changegate: {reason}\n", exit_code=2)
