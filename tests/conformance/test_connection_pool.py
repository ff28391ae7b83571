"""Sessions share the process's kept-alive connections, never their cookies."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from conformance.target._connection_pool import PooledSession


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    seen: list  # (client port, Cookie header) per request

    def log_message(self, format, *args):  # noqa: A002 - stdlib signature
        pass

    def do_GET(self):  # noqa: N802 - stdlib naming
        self.seen.append((self.client_address[1], self.headers.get("Cookie")))
        self.send_response(200)
        self.send_header("Set-Cookie", f"visit={len(self.seen)}; Path=/")
        self.send_header("Content-Length", "0")
        self.end_headers()


@pytest.fixture
def server():
    handler = type("Handler", (_Handler,), {"seen": []})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", handler.seen
    httpd.shutdown()
    httpd.server_close()


def test_a_closed_session_leaves_its_connection_to_the_next_without_its_cookies(server):
    url, seen = server
    first = PooledSession()
    first.get(url, timeout=5)
    first.get(url, timeout=5)
    first.close()
    second = PooledSession()
    second.get(url, timeout=5)
    assert seen[1][1] == "visit=1"  # a session keeps its own cookies
    assert seen[2][1] is None  # the next one does not get them
    assert seen[0][0] == seen[1][0] == seen[2][0]  # one connection for all three requests
