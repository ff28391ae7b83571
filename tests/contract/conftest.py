"""Fixtures for the contract tests: the reference documents and a replaying HTTP server."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests

OCS_PREFIX = "/ocs/v2.php/apps/spreed/api/v1"


@pytest.fixture(scope="session")
def reference_dir() -> Path:
    """The shared reference material next to the checkout; skip when this checkout has none."""
    directory = (Path(__file__).resolve().parents[2] / ".." / "shared" / "reference").resolve()
    if not directory.is_dir():
        pytest.skip(f"reference material not found at {directory} (expected next to the repository)")
    return directory


class _ReplayHandler(BaseHTTPRequestHandler):
    """Answers every request with the response the test put on the server."""

    def _answer(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        status, content_type, body = self.server.canned  # type: ignore[attr-defined]
        self.send_response(status)
        if content_type:
            self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_DELETE = do_PUT = _answer

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - signature of the base class
        pass  # keep test output clean


@dataclass
class Replay:
    """A real loopback HTTP server that answers the next request with a given status, type and body."""

    server: ThreadingHTTPServer

    @property
    def base_url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def exchange(
        self,
        method: str,
        path: str,
        status: int,
        body: str | bytes,
        content_type: str | None = "application/json; charset=utf-8",
        prefix: str = OCS_PREFIX,
    ) -> requests.Response:
        """Send `method path` over HTTP and get back a response carrying the given answer."""
        payload = body.encode() if isinstance(body, str) else body
        self.server.canned = (status, content_type, payload)  # type: ignore[attr-defined]
        headers = {"OCS-APIRequest": "true", "Accept": "application/json"}
        return requests.request(method, self.base_url + prefix + path, headers=headers, timeout=10)


@pytest.fixture(scope="session")
def replay() -> Iterator[Replay]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _ReplayHandler)
    thread = threading.Thread(target=server.serve_forever, name="contract-replay", daemon=True)
    thread.start()
    try:
        yield Replay(server)
    finally:
        server.shutdown()
        server.server_close()
