"""The remote client's transport: one kept-alive connection per server (the daemon asks the server over a warm
connection, not a new handshake per tool call), opened again once when the server dropped it while idle,
and never a wrong answer: 5xx and unreachable servers are `Unreachable`, 4xx `Refused`."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from changegate import client as client_module
from changegate.client import Client, Refused, Unreachable


class Counting(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        self.connections = 0
        self.requests = 0
        self.drop_after_answer = False  # close the socket after answering, without saying so
        self.status = 200
        super().__init__(("127.0.0.1", 0), Handler)

    def get_request(self) -> tuple[socket.socket, Any]:
        self.connections += 1
        return super().get_request()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive unless told otherwise
    server: Counting

    def do_GET(self) -> None:
        self.server.requests += 1
        data = json.dumps({"ok": True, "n": self.server.requests}).encode()
        self.send_response(self.server.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        self.wfile.flush()
        if self.server.drop_after_answer:
            self.close_connection = True  # the socket closes; the client was not told (no Connection: close)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def server() -> Iterator[Counting]:
    httpd = Counting()
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    client_module._kept.clear()
    yield httpd
    httpd.shutdown()
    httpd.server_close()
    client_module._kept.clear()


def url_of(server: Counting) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}"


def test_requests_to_one_server_share_one_connection(server: Counting) -> None:
    gate = Client(url_of(server), "cg_token")
    answers = [gate.call("GET", "/v1/ping") for _ in range(5)]
    assert [a["n"] for a in answers] == [1, 2, 3, 4, 5]
    assert server.connections == 1


def test_a_connection_the_server_dropped_while_idle_is_opened_again_once(server: Counting) -> None:
    server.drop_after_answer = True
    gate = Client(url_of(server), "cg_token")
    assert gate.call("GET", "/v1/ping")["n"] == 1
    assert gate.call("GET", "/v1/ping")["n"] == 2  # the kept connection was dead: a new one, no error
    assert server.connections == 2


def test_server_errors_and_refusals_keep_their_meaning(server: Counting) -> None:
    gate = Client(url_of(server), "cg_token")
    server.status = 503
    with pytest.raises(Unreachable, match="HTTP 503"):
        gate.call("GET", "/v1/ping")
    server.status = 403
    with pytest.raises(Refused):
        gate.call("GET", "/v1/ping")


def test_a_closed_port_is_unreachable_not_an_answer() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(Unreachable, match="could not be reached"):
        Client(f"http://127.0.0.1:{port}", "t", timeout=2).call("GET", "/v1/ping")
    with pytest.raises(Unreachable, match="not a usable URL"):
        Client("ftp://example.com", "t").call("GET", "/v1/ping")
