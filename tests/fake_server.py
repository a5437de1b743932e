"""A changegate server in miniature for remote-mode tests of the hooks and the SDK: it speaks the /v1/check
JSON (decides with the real engine), files a request for an ask and allows the same action once the test has
approved it."""

from __future__ import annotations

import json
from typing import Any

from changegate.answer import Answer
from changegate.gate import evaluate

HOME = "/home/dev"


class FakeServer:
    """A changegate server in miniature, speaking the /v1/check JSON: ask files a request; once the test
    approves it, the same action (by its command) is allowed naming the request."""

    def __init__(self) -> None:
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        self.seen: list[dict[str, Any]] = []
        self.requests: dict[str, str] = {}  # command -> request id
        self.approved: set[str] = set()
        self.status = 200
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                server.seen.append({"path": self.path, "auth": self.headers.get("Authorization"), **body})
                status, answer = server.answer(body["action"], self.headers.get("Authorization", ""))
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def answer(self, action: dict[str, Any], auth: str) -> tuple[int, dict[str, Any]]:
        if auth != "Bearer cg_test":
            return 401, {"error": "the token is not valid"}
        if self.status != 200:
            return self.status, {"error": "boom"}
        verdict = Answer.of(evaluate({**action, "env": {"HOME": HOME}})).contract()
        command = action.get("command") or json.dumps(action.get("argv"))
        if verdict["decision"] == "ask":
            request_id = self.requests.setdefault(command, f"req_{len(self.requests) + 1}")
            if request_id in self.approved:
                return 200, {**verdict, "decision": "allow", "approvals_required": 0,
                             "request": {"id": request_id, "status": "approved"}}
            verdict["request"] = {"id": request_id, "status": "pending", "approvals": 0, "required": 1,
                                  "expires_at": "2026-12-01T10:00:00Z", "url": f"{self.url}/r/{request_id}"}
        return 200, verdict

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
