"""A stdlib HTTP server on a loopback socket, served from a background thread (the suite's stand-ins)."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from conformance.outcomes import SetupError


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
        # A short poll interval keeps stop() fast; the tests stop and start these servers often.
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, name=self.what, daemon=True
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
