"""A tiny OCS server on loopback for tests: a real HTTP server answering GET requests with JSON documents."""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

# What a Talk server with the recording API advertises; enough for the suite to start a run.
RECORDING_CAPABILITIES = {"capabilities": {"spreed": {"features": ["recording-v1"]}}}


def ocs(data: Any) -> dict[str, Any]:
    """An OCS envelope around `data`."""
    return {"ocs": {"meta": {"status": "ok", "statuscode": 200}, "data": data}}


@contextlib.contextmanager
def ocs_stand_in(answer: Callable[[str], tuple[int, Any]]) -> Iterator[str]:
    """Serve `answer(path) -> (status, JSON document)` for every GET; yield the base URL."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - stdlib naming
            status, document = answer(self.path)
            body = json.dumps(document).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib signature
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def capabilities_only(path: str) -> tuple[int, Any]:
    """A Nextcloud look-alike that answers every GET with the recording capabilities."""
    return 200, ocs(RECORDING_CAPABILITIES)
