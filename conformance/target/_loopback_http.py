"""A stdlib HTTP server on a loopback socket, served from a background thread (the suite's stand-ins).

And the client of such a server's control API, which scenarios use from any process (an xdist worker too).
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self

import requests

from conformance.outcomes import SetupError

MAX_BODY_BYTES = 1024 * 1024  # what a stand-in reads of a request body; Talk sends a few hundred bytes


class KeepAliveHandler(BaseHTTPRequestHandler):
    """HTTP/1.1: the target's client reuses one connection instead of a connection (and a thread) per request.

    Every answer of the stand-ins carries Content-Length, which HTTP/1.1 keep-alive needs.
    """

    protocol_version = "HTTP/1.1"
    # A buffered writer: headers and body of an answer leave in one write, flushed after each request
    # (one wake-up of the target instead of two).
    wbufsize = -1
    # Without Nagle a write that is not the last of an answer never waits for the client's delayed ACK.
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        # Everything of interest is recorded and queryable by the stand-in; the test output stays clean.
        pass

    def _body(self) -> bytes:
        return read_body(self)


def read_body(handler: BaseHTTPRequestHandler) -> bytes:
    """The body as Content-Length gives it; ValueError when that is unreadable, negative or too large."""
    try:
        length = int(handler.headers.get("Content-Length") or 0)
    except ValueError:
        length = -1
    if length < 0 or length > MAX_BODY_BYTES:
        # The unread body would be taken for the next request on a kept-alive connection.
        handler.close_connection = True
        raise ValueError("body too large")
    return handler.rfile.read(length) if length else b""


class BackgroundHTTPServer:
    """Binds on start (a taken address is a SetupError naming `what`), serves until stop."""

    def __init__(self, what: str, host: str, port: int) -> None:
        self.what = what
        self.address = (host, port)
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def start(self, handler: type[BaseHTTPRequestHandler]) -> str:
        """Bind the socket, serve in a daemon thread and return the URL it listens on."""
        try:
            self._httpd = ThreadingHTTPServer(self.address, handler)
        except OSError as error:
            host, port = self.address
            raise SetupError(
                f"the {self.what} cannot listen on {host}:{port}: {error.strerror or error}"
            ) from None
        self._httpd.daemon_threads = True
        host, port = self._httpd.server_address[:2]
        # stop() waits for the loop to see the request: a short poll keeps it fast (every run stops two of
        # these at its end, the tests stop and start them often); an idle wake-up costs microseconds.
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.01}, name=self.what, daemon=True
        )
        self._thread.start()
        return f"http://{host}:{port}"

    def stop(self) -> None:
        """Stop serving and release the socket."""
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None


class StandIn:
    """A stand-in served in this process: started on entering a with block, stopped on leaving it."""

    def start(self) -> None:
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


class ControlClient:
    """JSON requests to a stand-in's control API; no answer or an answer other than 200 is a SetupError."""

    what = "the stand-in"  # how the messages name the server

    def __init__(self, url: str, timeout: float = 10.0) -> None:
        self.url = url.rstrip("/")
        self.timeout = timeout
        self._session = requests.Session()

    def _call(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        try:
            response = self._session.request(method, self.url + path, timeout=self.timeout, **kwargs)
        except requests.RequestException as error:
            raise SetupError(f"{self.what} at {self.url} cannot be reached: {error}") from None
        if response.status_code != 200:
            raise SetupError(
                f"{self.what} refused {method} {path}: {response.status_code} {response.text[:200]}".rstrip()
            )
        return response

    def close(self) -> None:
        """Release the connection pool."""
        self._session.close()
