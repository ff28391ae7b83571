"""A scriptable stand-in for the recording server that the target under test talks to."""

from __future__ import annotations

import json
import re
import threading
import time
from typing import Any
from urllib.parse import quote

from conformance.protocol import CHECKSUM_HEADER, RANDOM_HEADER, verify_checksum
from conformance.target._loopback_http import BackgroundHTTPServer, ControlClient, KeepAliveHandler, StandIn
from conformance.traffic import TARGET_TO_RECORDING_SERVER, record_answered

WELCOME = {"version": "0.2.1-conformance-fake"}

# How the fake answers a start or stop request: an HTTP status, or "unreachable" (the
# connection is closed without any response, which the target sees as a transport error).
UNREACHABLE = "unreachable"
MESSAGE_KINDS = ("start", "stop")
# Extra answers of the welcome endpoint: a body that is not JSON, and the header that marks a
# signaling server (which Talk refuses to use as a recording server).
NOT_JSON = "not-json"
SIGNALING_SERVER = "signaling-server"
WELCOME_ANSWERS = (UNREACHABLE, NOT_JSON, SIGNALING_SERVER)

_ROOM_PATH = re.compile(r"^/api/v1/room/(?P<token>[^/?]+)$")
_CONTROL_PATH = re.compile(r"^/control/v1/rooms/(?P<token>[^/?]+)(?P<rest>/.*)?$")


class _Recorder:
    """What the target sent, per room token, and how to answer it; shared by the handler threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._received: dict[str, list[dict[str, Any]]] = {}
        self._answers: dict[tuple[str, str], int | str] = {}
        self.welcome_answer: int | str = 200

    def answer_for(self, token: str, kind: str) -> int | str:
        with self._lock:
            return self._answers.get((token, kind), 200)

    def script(self, token: str, kind: str, answer: int | str) -> None:
        with self._lock:
            self._answers[(token, kind)] = answer

    def record(self, token: str, entry: dict[str, Any]) -> None:
        with self._lock:
            self._received.setdefault(token, []).append(entry)

    def received(self, token: str) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._received.get(token, []))

    def forget(self, token: str) -> None:
        with self._lock:
            self._received.pop(token, None)
            for key in [key for key in self._answers if key[0] == token]:
                del self._answers[key]


def _parse_answer(value: Any, words: tuple[str, ...] = (UNREACHABLE,)) -> int | str:
    if value in words:
        return value
    if isinstance(value, int) and not isinstance(value, bool) and 200 <= value <= 599:
        return value
    raise ValueError(f"answer must be an HTTP status 200-599 or one of {words}, not {value!r}")


class _Handler(KeepAliveHandler):
    server_version = "talk-conformance-fake-recording-server"
    recorder: _Recorder
    secret: str

    # --- plumbing -------------------------------------------------------------------------------

    def _send(
        self, status: int, content_type: str, data: bytes, extra: tuple[tuple[str, str], ...] = ()
    ) -> None:
        headers = (("Content-Type", content_type), *extra, ("Content-Length", str(len(data))))
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)
        self._answer = (status, headers, data)

    def _send_json(self, status: int, payload: Any) -> None:
        self._send(status, "application/json", json.dumps(payload).encode())

    def _send_error_text(self, status: int, message: str) -> None:
        self._send(status, "text/plain; charset=utf-8", message.encode())

    def _record_traffic(self, started: float, body: bytes) -> None:
        """Hand what the target asked and what it got to the traffic recording, if one runs."""
        # A kept-alive connection serves several requests with one handler: each answer is recorded once.
        answer, self._answer = getattr(self, "_answer", None), None
        record_answered(self, TARGET_TO_RECORDING_SERVER, started, body, answer)

    # --- routes ---------------------------------------------------------------------------------

    def do_GET(self) -> None:  # noqa: N802 - stdlib naming
        path = self.path.split("?", 1)[0]
        if path == "/api/v1/welcome":
            started = time.time()
            self._welcome()
            self._record_traffic(started, b"")
            return
        control = _CONTROL_PATH.match(path)
        if control and control["rest"] == "/requests":
            self._send_json(200, self.recorder.received(control["token"]))
            return
        self._send_error_text(404, "not found")

    def _welcome(self) -> None:
        answer = self.recorder.welcome_answer
        if answer == UNREACHABLE:
            self.close_connection = True
        elif answer == NOT_JSON:
            self._send_error_text(200, "welcome, but not in JSON")
        elif answer == SIGNALING_SERVER:
            data = json.dumps({"version": "2.0.0"}).encode()
            self._send(200, "application/json", data,
                       (("X-Spreed-Signaling-Features", "audio-video-permissions, mcu"),))  # fmt: skip
        elif answer == 200:
            self._send_json(200, WELCOME)
        else:
            self._send_error_text(int(answer), f"scripted answer {answer}")

    def do_PUT(self) -> None:  # noqa: N802
        if self.path == "/control/v1/welcome":
            try:
                answer = _parse_answer(json.loads(self._body() or b"null").get("answer"), WELCOME_ANSWERS)
            except (ValueError, AttributeError) as error:
                self._send_json(400, {"error": str(error)})
                return
            self.recorder.welcome_answer = answer
            self._send_json(200, {"answer": answer})
            return
        control = _CONTROL_PATH.match(self.path)
        kind = (control["rest"] or "").removeprefix("/answers/") if control else ""
        if not control or kind not in MESSAGE_KINDS:
            self._send_error_text(404, "not found")
            return
        try:
            answer = _parse_answer(json.loads(self._body() or b"null").get("answer"))
        except (ValueError, AttributeError) as error:
            self._send_json(400, {"error": str(error)})
            return
        self.recorder.script(control["token"], kind, answer)
        self._send_json(200, {"answer": answer})

    def do_DELETE(self) -> None:  # noqa: N802
        control = _CONTROL_PATH.match(self.path)
        if not control or control["rest"]:
            self._send_error_text(404, "not found")
            return
        self.recorder.forget(control["token"])
        self._send_json(200, {})

    def do_POST(self) -> None:  # noqa: N802
        started = time.time()
        room = _ROOM_PATH.match(self.path)
        if not room:
            self._send_error_text(404, "not found")
            return
        try:
            body = self._body()
        except ValueError:
            self._send_error_text(400, "bad body length")
            return
        token = room["token"]
        random = self.headers.get(RANDOM_HEADER)
        checksum = self.headers.get(CHECKSUM_HEADER)
        # Verified like the real recording server: exact lowercase HMAC over random + raw body.
        signature_valid = bool(random and checksum and verify_checksum(self.secret, random, body, checksum))
        try:
            message = json.loads(body)
        except ValueError:
            message = None
        kind = message.get("type") if isinstance(message, dict) else None
        entry = {
            "token": token,
            "type": kind,
            "message": message,
            "body": body.decode("utf-8", "replace"),
            "signature_valid": signature_valid,
            "backend": self.headers.get("Talk-Recording-Backend"),
            "content_type": self.headers.get("Content-Type"),
            "received_at": time.time(),
        }
        answer: int | str
        if not self.headers.get("Talk-Recording-Backend") or not signature_valid:
            answer = 403
        elif kind not in MESSAGE_KINDS or not isinstance(message.get(kind), (dict, list)):
            answer = 400
        else:
            answer = self.recorder.answer_for(token, kind)
        entry["answer"] = answer
        self.recorder.record(token, entry)
        if answer == UNREACHABLE:
            self.close_connection = True
        elif answer == 200:
            self._send_json(200, {})
        else:
            self._send_error_text(int(answer), f"scripted answer {answer}")
        self._record_traffic(started, body)


# The fakes this process serves, by URL: a scenario running in the same process reads their records directly.
_served_here: dict[str, _Recorder] = {}


class FakeRecordingServer(StandIn):
    """Real HTTP server on a loopback socket, in a background thread."""

    def __init__(self, secret: str, host: str = "127.0.0.1", port: int = 0) -> None:
        self._secret = secret
        self._server = BackgroundHTTPServer("fake recording server", host, port)
        self.url = ""

    def start(self) -> None:
        """Bind the socket and serve in a daemon thread."""
        recorder = _Recorder()
        handler = type("_BoundHandler", (_Handler,), {"recorder": recorder, "secret": self._secret})
        self.url = self._server.start(handler)
        _served_here[self.url] = recorder

    def stop(self) -> None:
        """Stop serving and release the socket."""
        _served_here.pop(self.url, None)
        self._server.stop()


class FakeRecordingServerControl(ControlClient):
    """Client of the fake's control API, usable from any process (e.g. an xdist worker)."""

    what = "the fake recording server"

    @classmethod
    def nearest(cls, url: str, timeout: float = 10.0) -> FakeRecordingServerControl:
        """The control client of the fake at `url`; reads skip HTTP when that fake runs in this process."""
        recorder = _served_here.get(url.rstrip("/"))
        return cls(url, timeout) if recorder is None else _SameProcessControl(url, timeout, recorder)

    def _room_url(self, token: str, rest: str = "") -> str:
        return f"/control/v1/rooms/{quote(token, safe='')}{rest}"

    def answer(self, token: str, kind: str, answer: int | str) -> None:
        """Script the answer to the target's next start/stop requests for this room."""
        self._call("PUT", self._room_url(token, f"/answers/{kind}"), json={"answer": answer})

    def received(self, token: str) -> list[dict[str, Any]]:
        """Every request the target sent about this room, oldest first."""
        return self._call("GET", self._room_url(token, "/requests")).json()

    def wait_for(self, token: str, count: int, timeout: float) -> list[dict[str, Any]]:
        """Poll until at least `count` requests arrived or the timeout passed; return what arrived."""
        deadline = time.monotonic() + timeout
        while True:
            received = self.received(token)
            if len(received) >= count or time.monotonic() >= deadline:
                return received
            time.sleep(0.05)

    def forget(self, token: str) -> None:
        """Drop what was recorded and scripted for this room."""
        self._call("DELETE", self._room_url(token))

    def answer_welcome(self, answer: int | str) -> None:
        """Script the welcome endpoint (shared by every scenario: use it from exclusive ones only)."""
        self._call("PUT", "/control/v1/welcome", json={"answer": answer})


class _SameProcessControl(FakeRecordingServerControl):
    """The fake runs in this process: what a scenario reads after every action comes without a round trip."""

    def __init__(self, url: str, timeout: float, recorder: _Recorder) -> None:
        super().__init__(url, timeout)
        self._recorder = recorder

    def received(self, token: str) -> list[dict[str, Any]]:
        """Every request the target sent about this room, oldest first (a copy, as over HTTP)."""
        # The key as the control API sees it: the token as it stands, quoted, in the request path.
        return json.loads(json.dumps(self._recorder.received(quote(token, safe=""))))

    def forget(self, token: str) -> None:
        """Drop what was recorded and scripted for this room."""
        self._recorder.forget(quote(token, safe=""))
