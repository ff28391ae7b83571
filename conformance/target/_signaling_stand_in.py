"""A stand-in for the external signaling server ("HPB") that Talk notifies of every room change."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import threading
import time
from typing import Any
from urllib.parse import quote

from conformance.target._loopback_http import BackgroundHTTPServer, ControlClient, KeepAliveHandler, StandIn
from conformance.traffic import TARGET_TO_SIGNALING_SERVER, record_answered

RANDOM_HEADER = "Spreed-Signaling-Random"
CHECKSUM_HEADER = "Spreed-Signaling-Checksum"
BACKEND_HEADER = "Spreed-Signaling-Backend"
FEATURES_HEADER = "X-Spreed-Signaling-Features"
# What Talk 22 requires in every answer; without it room changes answer 500 ("needs to be updated").
REQUIRED_FEATURES = ("audio-video-permissions", "federation", "incall-all", "hello-v2", "switchto")
FEATURES = ", ".join(REQUIRED_FEATURES)
VERSION = "2.0.0-conformance-stand-in"

_ROOM_PATH = re.compile(r"^/api/v1/room/(?P<token>[^/?]+)$")
_CONTROL_ROOM = re.compile(r"^/control/v1/rooms/(?P<token>[^/?]+)(?P<rest>/requests)?$")


def checksum(secret: str, random: str, body: bytes) -> str:
    """Lowercase hex HMAC-SHA256 over random + raw body, keyed with the signaling secret."""
    return hmac.new(secret.encode(), random.encode() + body, hashlib.sha256).hexdigest()


def signature_valid(secret: str, random: str | None, body: bytes, given: str | None) -> bool:
    """Whether the checksum Talk sent matches, compared in constant time."""
    if not random or not given:
        return False
    return hmac.compare_digest(checksum(secret, random, body), given)


class _Recorder:
    """Every exchange, per room token, shared by the handler threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._received: dict[str, list[dict[str, Any]]] = {}
        self._exchanges: list[dict[str, Any]] = []
        self.features: str | None = FEATURES

    def record(self, token: str | None, entry: dict[str, Any]) -> None:
        with self._lock:
            self._exchanges.append(entry)
            if token is not None:
                self._received.setdefault(token, []).append(entry)

    def received(self, token: str) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._received.get(token, []))

    def exchanges(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._exchanges)

    def forget(self, token: str) -> None:
        with self._lock:
            self._received.pop(token, None)


class _Handler(KeepAliveHandler):
    server_version = "talk-conformance-signaling-stand-in"
    recorder: _Recorder
    secret: str

    def _send(self, status: int, payload: Any, features: bool) -> None:
        data = json.dumps(payload).encode()
        headers = [("Content-Type", "application/json")]
        if features and self.recorder.features is not None:
            headers.append((FEATURES_HEADER, self.recorder.features))
        headers.append(("Content-Length", str(len(data))))
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)
        self._answer = (status, headers, data)  # for the traffic recording

    def _record_traffic(self, started: float, body: bytes) -> None:
        # A kept-alive connection serves several requests with one handler: each answer is recorded once.
        answer, self._answer = getattr(self, "_answer", None), None
        record_answered(self, TARGET_TO_SIGNALING_SERVER, started, body, answer)

    def _entry(self, body: bytes, message: Any, valid: bool | None, status: int) -> dict[str, Any]:
        return {
            "method": self.command,
            "path": self.path,
            "headers": [[name, value] for name, value in self.headers.items()],
            "body": body.decode("utf-8", "replace"),
            "message": message,
            "type": message.get("type") if isinstance(message, dict) else None,
            "signature_valid": valid,
            "backend": self.headers.get(BACKEND_HEADER),
            "answer": status,
            "received_at": time.time(),
        }

    def do_GET(self) -> None:  # noqa: N802 - stdlib naming
        path = self.path.split("?", 1)[0]
        if path == "/api/v1/welcome":
            payload = {
                "nextcloud-spreed-signaling": "Welcome",
                "version": VERSION,
                "features": list(REQUIRED_FEATURES),
            }
            started = time.time()
            self.recorder.record(None, self._entry(b"", None, None, 200))
            self._send(200, payload, features=True)
            self._record_traffic(started, b"")
            return
        if path == "/control/v1/requests":
            self._send(200, self.recorder.exchanges(), features=False)
            return
        control = _CONTROL_ROOM.match(path)
        if control and control["rest"]:
            self._send(200, self.recorder.received(control["token"]), features=False)
            return
        self._send(404, {"error": "not found"}, features=False)

    def do_PUT(self) -> None:  # noqa: N802
        # Breaking the stand-in on purpose (no features header) shows that the target's rule catches it.
        if self.path != "/control/v1/features":
            self._send(404, {"error": "not found"}, features=False)
            return
        try:
            value = json.loads(self._body() or b"null").get("features")
        except (ValueError, AttributeError):
            value = ""
        if value is not None and not isinstance(value, str):
            self._send(400, {"error": "features must be a string or null"}, features=False)
            return
        self.recorder.features = value
        self._send(200, {"features": value}, features=False)

    def do_DELETE(self) -> None:  # noqa: N802
        control = _CONTROL_ROOM.match(self.path)
        if not control or control["rest"]:
            self._send(404, {"error": "not found"}, features=False)
            return
        self.recorder.forget(control["token"])
        self._send(200, {}, features=False)

    def do_POST(self) -> None:  # noqa: N802
        started = time.time()
        room = _ROOM_PATH.match(self.path)
        if not room:
            self._send(404, {"error": "not found"}, features=False)
            return
        try:
            body = self._body()
        except ValueError:
            self._send(400, {"error": "bad body length"}, features=False)
            return
        valid = signature_valid(
            self.secret, self.headers.get(RANDOM_HEADER), body, self.headers.get(CHECKSUM_HEADER)
        )
        try:
            message = json.loads(body)
        except ValueError:
            message = None
        if not valid:
            status, payload = 403, {"error": "invalid_signature"}
        elif not isinstance(message, dict) or not isinstance(message.get("type"), str):
            status, payload = 400, {"error": "invalid_message"}
        else:
            # Any type is welcome (recorded as it came): refusing one this list does not know would make
            # the target's request answer 500, which says nothing about the recording API.
            status, payload = 200, {}
        self.recorder.record(room["token"], self._entry(body, message, valid, status))
        self._send(status, payload, features=True)
        self._record_traffic(started, body)


class SignalingStandIn(StandIn):
    """Real HTTP server on a loopback socket, in a background thread."""

    def __init__(self, secret: str, host: str = "127.0.0.1", port: int = 0) -> None:
        self.secret = secret
        self._server = BackgroundHTTPServer("signaling stand-in", host, port)
        self._recorder = _Recorder()
        self.url = ""

    def start(self) -> None:
        """Bind the socket and serve in a daemon thread."""
        handler = type("_BoundHandler", (_Handler,), {"recorder": self._recorder, "secret": self.secret})
        self.url = self._server.start(handler)

    def stop(self) -> None:
        """Stop serving and release the socket."""
        self._server.stop()

    def received(self, token: str) -> list[dict[str, Any]]:
        """What the target sent about one room, oldest first (in-process)."""
        return self._recorder.received(token)

    def exchanges(self) -> list[dict[str, Any]]:
        """Every exchange of the run, welcome checks included, oldest first (in-process)."""
        return self._recorder.exchanges()


class SignalingStandInControl(ControlClient):
    """Client of the stand-in's control API, usable from any process (e.g. an xdist worker)."""

    what = "the signaling stand-in"

    def received(self, token: str) -> list[dict[str, Any]]:
        """Every exchange about this room, oldest first."""
        return self._call("GET", f"/control/v1/rooms/{quote(token, safe='')}/requests").json()

    def exchanges(self) -> list[dict[str, Any]]:
        """Every exchange of the run, oldest first."""
        return self._call("GET", "/control/v1/requests").json()

    def forget(self, token: str) -> None:
        """Drop what was recorded for this room."""
        self._call("DELETE", f"/control/v1/rooms/{quote(token, safe='')}")

    def set_features(self, features: str | None) -> None:
        """The features header of later answers; None leaves it out (a stand-in Talk must refuse)."""
        self._call("PUT", "/control/v1/features", json={"features": features})
