"""A scripted model on 127.0.0.1 that speaks each vendor's API, for driving the real agent clients offline.

One `MockModel` serves one agent session: it answers the conversation's Nth model request with the Nth
scripted tool call (in the vendor's wire format), and once the script is done with a plain text answer. It
keeps every request it was sent, so a test can read what the agent told the model after each call — the tool
result, and in it the gate's reason.

    Anthropic Messages  POST /v1/messages                 (stream: SSE; or one JSON message)
    Gemini              POST /v1beta/models/M:generateContent, :streamGenerateContent (SSE with alt=sse)
    OpenAI Responses    POST /v1/responses                (SSE; Codex)

Requests that are not the agent's main loop (title generation, token counting, a quota probe) get a short
text answer without using up the script: the main loop is the request that offers the scripted tool.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

MAX_BODY = 64 * 1024 * 1024


@dataclass
class ToolCall:
    """One scripted call: the tool's name as this agent knows it, and its input."""

    name: str
    arguments: dict[str, Any]
    call_id: str = ""


@dataclass
class MockModel:
    script: list[ToolCall]
    requests: list[dict[str, Any]] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)
    served: int = 0  # scripted calls handed out so far
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        for index, call in enumerate(self.script):
            call.call_id = call.call_id or f"call_{index + 1:02d}"

    # --- what the agent told the model ---------------------------------------------------------------------

    def transcript(self) -> str:
        """Every request body the agent sent, as one text (tool results included)."""
        return "\n".join(json.dumps(r, ensure_ascii=False) for r in self.requests)

    def result_for(self, call_id: str) -> str:
        """What the agent reported back for one scripted call: the tool result's text, in any vendor's shape."""
        found: list[str] = []
        for request in self.requests:
            walk_results(request, call_id, found)
        return "\n".join(found)

    # --- which scripted step a request gets ------------------------------------------------------------------

    def next_call(self, offered: set[str]) -> ToolCall | None:
        """The next scripted call if this request is the main loop (it offers that tool), else None."""
        with self.lock:
            if self.served >= len(self.script):
                return None
            call = self.script[self.served]
            if call.name not in offered:
                return None
            self.served += 1
            return call


def walk_results(node: Any, call_id: str, found: list[str]) -> None:
    """Tool results for `call_id` anywhere in a request: Anthropic `tool_result` blocks, OpenAI
    `function_call_output` items, Gemini `functionResponse` parts (matched by id or, failing that, name)."""
    if isinstance(node, dict):
        kind = node.get("type")
        if kind == "tool_result" and node.get("tool_use_id") == call_id:
            found.append(json.dumps(node.get("content"), ensure_ascii=False))
        elif kind in ("function_call_output", "custom_tool_call_output") and node.get("call_id") == call_id:
            found.append(json.dumps(node.get("output"), ensure_ascii=False))
        elif "functionResponse" in node and isinstance(node["functionResponse"], dict):
            response = node["functionResponse"]
            if response.get("id") == call_id:
                found.append(json.dumps(response.get("response"), ensure_ascii=False))
        for value in node.values():
            walk_results(value, call_id, found)
    elif isinstance(node, list):
        mine = any(isinstance(i, dict) and i.get("type") == "tool_result" and i.get("tool_use_id") == call_id
                   for i in node)
        for item in node:
            walk_results(item, call_id, found)
            # Claude Code sends a hook's additional context as a text block beside the tool result
            if mine and isinstance(item, dict) and item.get("type") == "text":
                found.append(json.dumps(item.get("text"), ensure_ascii=False))


# --- the vendors' wire formats -------------------------------------------------------------------------------

def sse(events: list[tuple[str | None, dict[str, Any]]]) -> bytes:
    out = []
    for name, data in events:
        head = f"event: {name}\n" if name else ""
        out.append(f"{head}data: {json.dumps(data)}\n\n")
    return "".join(out).encode()


def anthropic_tools(body: dict[str, Any]) -> set[str]:
    return {t.get("name", "") for t in body.get("tools") or [] if isinstance(t, dict)}


def anthropic_reply(call: ToolCall | None, model: str, stream: bool) -> tuple[str, bytes]:
    usage = {"input_tokens": 10, "output_tokens": 10, "cache_creation_input_tokens": 0,
             "cache_read_input_tokens": 0}
    if call is None:
        block: dict[str, Any] = {"type": "text", "text": "done"}
        stop = "end_turn"
    else:
        block = {"type": "tool_use", "id": call.call_id, "name": call.name, "input": call.arguments}
        stop = "tool_use"
    message = {"id": f"msg_{call.call_id if call else 'text'}", "type": "message", "role": "assistant",
               "model": model, "content": [block], "stop_reason": stop, "stop_sequence": None, "usage": usage}
    if not stream:
        return "application/json", json.dumps(message).encode()
    start = {**message, "content": [], "stop_reason": None}
    if call is None:
        opened: dict[str, Any] = {"type": "text", "text": ""}
        delta: dict[str, Any] = {"type": "text_delta", "text": "done"}
    else:
        opened = {"type": "tool_use", "id": call.call_id, "name": call.name, "input": {}}
        delta = {"type": "input_json_delta", "partial_json": json.dumps(call.arguments)}
    return "text/event-stream", sse([
        ("message_start", {"type": "message_start", "message": start}),
        ("content_block_start", {"type": "content_block_start", "index": 0, "content_block": opened}),
        ("content_block_delta", {"type": "content_block_delta", "index": 0, "delta": delta}),
        ("content_block_stop", {"type": "content_block_stop", "index": 0}),
        ("message_delta", {"type": "message_delta", "delta": {"stop_reason": stop, "stop_sequence": None},
                           "usage": {"output_tokens": 10}}),
        ("message_stop", {"type": "message_stop"}),
    ])


def gemini_tools(body: dict[str, Any]) -> set[str]:
    names: set[str] = set()
    for tool in body.get("tools") or []:
        for declaration in (tool or {}).get("functionDeclarations") or []:
            if isinstance(declaration, dict):
                names.add(declaration.get("name", ""))
    return names


def gemini_reply(call: ToolCall | None, stream: bool) -> tuple[str, bytes]:
    part: dict[str, Any] = ({"text": "done"} if call is None else
                            {"functionCall": {"name": call.name, "args": call.arguments, "id": call.call_id}})
    doc = {"candidates": [{"content": {"role": "model", "parts": [part]}, "finishReason": "STOP", "index": 0}],
           "usageMetadata": {"promptTokenCount": 10, "candidatesTokenCount": 10, "totalTokenCount": 20},
           "modelVersion": "gemini-mock"}
    if stream:
        return "text/event-stream", sse([(None, doc)])
    return "application/json", json.dumps(doc).encode()


def openai_tools(body: dict[str, Any]) -> set[str]:
    return {t.get("name", "") for t in body.get("tools") or [] if isinstance(t, dict)}


def openai_reply(call: ToolCall | None, model: str, tools: list[dict[str, Any]]) -> tuple[str, bytes]:
    if call is None:
        item: dict[str, Any] = {"type": "message", "id": "msg_done", "role": "assistant", "status": "completed",
                                "content": [{"type": "output_text", "text": "done", "annotations": []}]}
    elif any(t.get("name") == call.name and t.get("type") == "custom" for t in tools):
        item = {"type": "custom_tool_call", "id": f"ctc_{call.call_id}", "call_id": call.call_id,
                "name": call.name, "input": call.arguments.get("input", ""), "status": "completed"}
    else:
        item = {"type": "function_call", "id": f"fc_{call.call_id}", "call_id": call.call_id, "name": call.name,
                "arguments": json.dumps(call.arguments), "status": "completed"}
    response = {"id": f"resp_{call.call_id if call else 'done'}", "object": "response", "model": model,
                "status": "completed", "output": [item],
                "usage": {"input_tokens": 10, "output_tokens": 10, "total_tokens": 20,
                          "input_tokens_details": {"cached_tokens": 0},
                          "output_tokens_details": {"reasoning_tokens": 0}}}
    return "text/event-stream", sse([
        ("response.created", {"type": "response.created", "response": {**response, "status": "in_progress",
                                                                        "output": []}}),
        ("response.output_item.done", {"type": "response.output_item.done", "output_index": 0, "item": item}),
        ("response.completed", {"type": "response.completed", "response": response}),
    ])


# --- the server ------------------------------------------------------------------------------------------------

class Handler(BaseHTTPRequestHandler):
    server: MockServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # quiet: the test reads `requests`
        return

    def do_GET(self) -> None:
        self.server.model.paths.append("GET " + self.path)
        if "/models" in self.path:  # model listings (Codex, Gemini): one model
            self.reply(200, "application/json", json.dumps({"object": "list", "data": [], "models": []}).encode())
            return
        self.reply(404, "application/json", b'{"error": {"message": "not here"}}')

    def do_HEAD(self) -> None:
        self.reply(200, "text/plain", b"")

    def do_POST(self) -> None:
        model = self.server.model
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(min(length, MAX_BODY)) if length else self.chunked()
        try:
            body = json.loads(raw) if raw.strip() else {}
        except ValueError:
            body = {}
        path = self.path.split("?", 1)[0]
        model.paths.append("POST " + self.path)
        if not isinstance(body, dict):
            body = {}
        if path.endswith("/v1/messages/count_tokens"):
            self.reply(200, "application/json", b'{"input_tokens": 10}')
            return
        if path.endswith("/v1/messages"):
            model.requests.append(body)
            call = model.next_call(anthropic_tools(body))
            self.reply(200, *anthropic_reply(call, str(body.get("model") or "claude-mock"),
                                             body.get("stream") is True))
            return
        if ":generateContent" in path or ":streamGenerateContent" in path:
            model.requests.append(body)
            call = model.next_call(gemini_tools(body))
            self.reply(200, *gemini_reply(call, ":streamGenerateContent" in path))
            return
        if ":countTokens" in path:
            self.reply(200, "application/json", b'{"totalTokens": 10}')
            return
        if path.endswith("/responses"):
            model.requests.append(body)
            tools = [t for t in body.get("tools") or [] if isinstance(t, dict)]
            call = model.next_call(openai_tools(body))
            self.reply(200, *openai_reply(call, str(body.get("model") or "gpt-mock"), tools))
            return
        self.reply(404, "application/json", b'{"error": {"message": "not here"}}')

    def chunked(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() != "chunked":
            return b""
        out = b""
        while len(out) < MAX_BODY:
            size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
            if size == 0:
                self.rfile.readline()
                break
            out += self.rfile.read(size)
            self.rfile.readline()
        return out

    def reply(self, status: int, content_type: str, data: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class MockServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, model: MockModel) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.model = model

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def __enter__(self) -> MockServer:
        threading.Thread(target=self.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()
        self.server_close()
