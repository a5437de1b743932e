"""Codex CLI hooks: `PreToolUse`.

Input (stdin): `{session_id, turn_id, transcript_path, cwd, hook_event_name: "PreToolUse", model,
permission_mode, tool_name, tool_input, tool_use_id}`. Tools: `Bash` {command} (also `shell`,
`exec_command` {cmd, workdir}, `local_shell`; `write_stdin` {session_id, chars}: what it types into a running
session is judged as a command); `apply_patch` {command | input: the patch text}, which adds,
updates, moves and deletes files; MCP tools as `mcp__SERVER__TOOL` with the raw MCP arguments.

Output: Codex honours only a deny. Allow is an empty stdout and exit 0. Deny is exactly
`{"hookSpecificOutput": {"hookEventName": "PreToolUse", "permissionDecision": "deny",
"permissionDecisionReason": "…"}}` on stdout with exit 0 — Codex's parser rejects unknown fields (a richer
answer would count as a failed hook, and a failed hook lets the call through) and its exit-2 path has been
seen to fail open, so unreadable input and timeouts answer the same way. An ask becomes a deny whose reason
names the approval request (remote mode) and says how to retry.
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
    json_text,
    mcp_action,
    read_action,
    shell_action,
    split_mcp_name,
    string_field,
    tool_input,
)

NAME = "codex"
CAN_ASK = False
SHELL_TOOLS = frozenset({"Bash", "bash", "shell", "exec_command", "local_shell", "unified_exec", "container.exec"})
PATCH_TOOLS = frozenset({"apply_patch", "Edit", "Write"})
INERT_TOOLS = frozenset({"update_plan", "view_image", "web_search", "list_dir", "grep_files",
                         "list_mcp_resources", "list_mcp_resource_templates", "read_mcp_resource"})
MAX_PATCH_FILES = 256


def parse(payload: dict[str, Any], context: HookContext) -> HookCall:
    event = payload.get("hook_event_name")
    if event != "PreToolUse":
        raise HookInputError(f"hook_event_name {event!r} is not PreToolUse")
    tool = payload.get("tool_name")
    if not isinstance(tool, str) or not tool:
        raise HookInputError("tool_name is missing")
    args = tool_input(payload)
    call = HookCall(event, tool)
    if tool in INERT_TOOLS:
        call.inert = True
        return call
    if tool == "write_stdin":  # typing into a running session (a shell, a REPL): judged as the command it types
        chars = string_field(args, "chars", "input") or ""
        call.inert = not chars.strip()
        call.actions = [] if call.inert else [shell_action(chars.strip(), context.where(payload))]
        return call
    if tool in SHELL_TOOLS:
        workdir = string_field(args, "workdir", "cwd")
        where = context.where(payload, workdir)
        command = args.get("command", args.get("cmd"))
        call.actions = [shell_action(command, where)]
        return call
    where = context.where(payload)
    if tool in PATCH_TOOLS:
        patch = string_field(args, "command", "input", "patch")
        if patch is None:
            raise HookInputError("apply_patch input has no patch text")
        call.actions = patch_actions(patch, where)
        return call
    if tool == "read_file":
        path = string_field(args, "file_path", "path")
        if not path:
            raise HookInputError("read_file input has no file_path")
        call.actions = [read_action([path], where)]
        return call
    named = split_mcp_name(tool)
    if named is not None:
        call.actions = [mcp_action(named[0], named[1], args, where)]
    return call


def patch_actions(patch: str, where: dict[str, Any]) -> list[dict[str, Any]]:
    """Each file a Codex patch adds, updates, moves or deletes, as the action it amounts to."""
    files = parse_patch(patch)
    if not files:
        raise HookInputError("the patch changes no file (expected *** Add/Update/Delete File: lines)")
    actions: list[dict[str, Any]] = []
    for change in files[:MAX_PATCH_FILES]:
        path = change["path"]
        if change["op"] == "delete":
            actions.append(argv_action(["rm", "--", path], where))
            continue
        if change["op"] == "add":
            content = "\n".join(change["added"])
        else:
            content = edited_content(path, where["cwd"], change["hunks"])
        target = change.get("move_to") or path
        if target != path:
            actions.append(argv_action(["mv", "--", path, target], where))
        actions.append(file_write_action(target, content, where))
    if len(files) > MAX_PATCH_FILES:
        raise HookInputError(f"the patch changes more than {MAX_PATCH_FILES} files")
    return actions


def parse_patch(text: str) -> list[dict[str, Any]]:
    """`*** Begin Patch` … `*** End Patch`: file headers, `+`/`-`/` ` lines and `@@` hunk separators."""
    files: list[dict[str, Any]] = []
    current: dict[str, Any] | None = None
    old: list[str] = []
    new: list[str] = []

    def close_hunk() -> None:
        if current is not None and (old or new):
            current["hunks"].append(("\n".join(old), "\n".join(new), False))
        old.clear()
        new.clear()

    for line in text.splitlines():
        header = line.strip()
        for prefix, op in (("*** Add File:", "add"), ("*** Update File:", "update"), ("*** Delete File:", "delete")):
            if header.startswith(prefix):
                close_hunk()
                current = {"op": op, "path": header[len(prefix):].strip(), "added": [], "hunks": []}
                files.append(current)
                break
        else:
            if current is None:
                continue
            if header.startswith("*** Move to:"):
                current["move_to"] = header[len("*** Move to:"):].strip()
            elif line.startswith("@@") or header in ("*** End Patch", "*** End of File"):
                close_hunk()
            elif current["op"] == "add" and line.startswith("+"):
                current["added"].append(line[1:])
            elif current["op"] == "update" and line[:1] in ("+", "-", " "):
                if line[0] != "+":
                    old.append(line[1:])
                if line[0] != "-":
                    new.append(line[1:])
    close_hunk()
    return [f for f in files if f["path"]]


def answer(outcome: Outcome, call: HookCall) -> Reply:
    if outcome.decision == "allow":
        return Reply()
    return deny(outcome.message)


def refuse(reason: str) -> Reply:
    return deny(f"changegate: {reason}")


def deny(message: str) -> Reply:
    return Reply(stdout=json_text({"hookSpecificOutput": {
        "hookEventName": "PreToolUse", "permissionDecision": "deny", "permissionDecisionReason": message}}),
        stderr=message + "\n")
