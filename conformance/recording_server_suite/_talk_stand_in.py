"""The suite's stand-in for Talk: the two endpoints a recording server calls back, checked as Talk does."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import threading
import time
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import urlsplit

from conformance.target import BackgroundHTTPServer

API_PATH = "/ocs/v2.php/apps/spreed/api/v1/recording"
MINIMUM_RANDOM_LENGTH = 32  # Talk: strlen(random) >= 32
MAX_BODY_BYTES = 64 << 20
HOLD_LIMIT_SECONDS = 60.0
# Talk 22 accepts these types (content sniffing), each with its one extension.
ACCEPTED_TYPES = {"audio/ogg": "ogg", "video/ogg": "ogv", "video/webm": "webm", "video/x-matroska": "mkv"}


@dataclass
class Received:
    """One request the recording server sent to the stand-in, and what the stand-in made of it."""

    kind: str  # "backend", "store" or "stray" (a path Talk does not serve)
    path: str
    headers: list[tuple[str, str]]
    body: bytes
    token: str | None = None
    signature_problem: str | None = None  # None: signed exactly as Talk requires
    message: Any = None  # backend: the JSON document
    form: dict[str, Any] = field(default_factory=dict)  # store: owner, filename, content, detected type
    status: int = 0  # what the stand-in answered
    answer: str = ""
    at: float = field(default_factory=time.monotonic)

    @property
    def report_type(self) -> str | None:
        """`started`, `stopped`, `failed`... for a backend report with a type."""
        return self.message.get("type") if isinstance(self.message, dict) else None

    def describe(self) -> str:
        """One line naming the request and the stand-in's answer, for failure messages."""
        what = self.report_type if self.kind == "backend" else self.kind
        detail = f" ({self.signature_problem})" if self.signature_problem else ""
        body = self.body[:200].decode("utf-8", "replace") if self.kind == "backend" else ""
        return f"POST {self.path} [{what}{detail}] {body} -> {self.status} {self.answer}".rstrip()


def sniff(content: bytes) -> str | None:
    """The media type content sniffing finds, for the formats Talk accepts (None: none of them)."""
    head = content[:4096]
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        doctype = re.search(rb"\x42\x82[\x80-\xff](webm|matroska)", head)
        return {b"webm": "video/webm", b"matroska": "video/x-matroska"}.get(doctype[1]) if doctype else None
    if head.startswith(b"OggS"):
        if b"\x80theora" in head:
            return "video/ogg"
        if b"OpusHead" in head or b"\x01vorbis" in head:
            return "audio/ogg"
    return None


class _Journal:
    """What arrived, per room, with a condition to wait on; plus how to answer each room."""

    def __init__(self) -> None:
        self.condition = threading.Condition()
        self.received: list[Received] = []
        self.rooms: set[str] = set()
        self.refuse_started: set[str] = set()
        self.holds: dict[str, threading.Event] = {}

    def add(self, entry: Received) -> None:
        with self.condition:
            self.received.append(entry)
            self.condition.notify_all()


class _Handler(BaseHTTPRequestHandler):
    server_version = "talk-conformance-talk-stand-in"
    protocol_version = "HTTP/1.1"
    journal: _Journal
    secret: str
    webroot: str

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        pass  # everything of interest is in the journal

    def do_GET(self) -> None:  # noqa: N802 - stdlib naming
        self._answer(404, {"message": "not found"})

    def do_POST(self) -> None:  # noqa: N802
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if not 0 <= length <= MAX_BODY_BYTES:
            self._answer(400, {"message": "bad Content-Length"})
            return
        body = self.rfile.read(length) if length else b""
        path = urlsplit(self.path).path
        entry = Received("stray", path, list(self.headers.items()), body)
        prefix = self.webroot + API_PATH + "/"
        store = re.fullmatch(re.escape(prefix) + r"(?P<token>[^/]+)/store", path)
        if path == prefix + "backend":
            entry.kind = "backend"
            status, answer = self._backend(entry)
        elif store:
            entry.kind, entry.token = "store", store["token"]
            status, answer = self._store(entry)
        else:
            status, answer = 404, {"ocs": _meta(404), "data": []}
        entry.status, entry.answer = status, json.dumps(answer)
        hold = self.journal.holds.get(entry.token or "") if entry.report_type == "stopped" else None
        self.journal.add(entry)
        if hold is not None:
            hold.wait(HOLD_LIMIT_SECONDS)  # the scenario keeps the recording server waiting in "stopping"
        self._answer(status, answer)

    # --- Talk's RecordingController ---------------------------------------------------------------

    def _signature(self, entry: Received, data: bytes) -> str | None:
        random = self.headers.get("Talk-Recording-Random")
        checksum = self.headers.get("Talk-Recording-Checksum")
        if random is None or checksum is None:
            return "Talk-Recording-Random or Talk-Recording-Checksum missing"
        if len(random.encode()) < MINIMUM_RANDOM_LENGTH:
            return f"Talk-Recording-Random shorter than {MINIMUM_RANDOM_LENGTH} bytes"
        expected = hmac.new(self.secret.encode(), random.encode() + data, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected.encode(), checksum.lower().encode("utf-8", "replace")):
            return "checksum does not match HMAC-SHA256(secret, random + signed data)"
        return None

    def _backend(self, entry: Received) -> tuple[int, Any]:
        entry.signature_problem = self._signature(entry, entry.body)
        if entry.signature_problem:
            return 403, {"ocs": _meta(403), "data": []}
        try:
            entry.message = json.loads(entry.body)
        except ValueError:
            # Talk 22's answer to a body that is not JSON (register X44; the suite's invalid_body is dropped)
            return 400, {"ocs": _meta(400), "data": {"type": "error", "error": "unknown_type"}}
        kind = entry.report_type
        report = entry.message.get(kind) if isinstance(kind, str) else None
        if kind not in ("started", "stopped", "failed") or not isinstance(report, dict):
            return 400, {"ocs": _meta(400), "data": {"type": "error", "error": "unknown_type"}}
        entry.token = report.get("token") if isinstance(report.get("token"), str) else None
        with self.journal.condition:
            known = entry.token in self.journal.rooms
            refused = kind == "started" and entry.token in self.journal.refuse_started
        if not known or refused:
            return 404, {"ocs": _meta(404), "data": {"type": "error", "error": "no_such_room"}}
        return 200, {"ocs": _meta(200), "data": None}

    def _store(self, entry: Received) -> tuple[int, Any]:
        assert entry.token is not None
        entry.signature_problem = self._signature(entry, entry.token.encode())
        if entry.signature_problem:
            return 401, {"ocs": _meta(401), "data": {"type": "error", "error": {"code": "invalid_request"}}}
        entry.form = _form(self.headers.get("Content-Type", ""), entry.body)
        if "owner" not in entry.form:
            return 400, {"ocs": _meta(400), "data": {"error": "size"}}
        if "content" not in entry.form:
            return 400, {"ocs": _meta(400), "data": {"error": "invalid_file"}}
        if not entry.form["content"]:
            return 400, {"ocs": _meta(400), "data": {"error": "empty_file"}}
        detected = entry.form["detected_type"]
        if detected not in ACCEPTED_TYPES:
            return 400, {"ocs": _meta(400), "data": {"error": "file_mimetype"}}
        if not str(entry.form.get("filename", "")).endswith("." + ACCEPTED_TYPES[detected]):
            return 400, {"ocs": _meta(400), "data": {"error": "file_extension"}}
        return 200, {"ocs": _meta(200), "data": None}

    def _answer(self, status: int, payload: Any) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def _meta(status: int) -> dict[str, Any]:
    return {"status": "ok" if status == 200 else "failure", "statuscode": status, "message": ""}


def _form(content_type: str, body: bytes) -> dict[str, Any]:
    """The fields of a multipart/form-data body: owner, and the file's name, bytes and detected type."""
    if not content_type.lower().startswith("multipart/form-data"):
        return {}
    message = BytesParser(policy=HTTP).parsebytes(f"Content-Type: {content_type}\r\n\r\n".encode() + body)
    form: dict[str, Any] = {}
    if not message.is_multipart():
        return form
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True) or b""
        if name == "owner":
            form["owner"] = payload.decode("utf-8", "replace")
        elif name == "file":
            form["filename"] = part.get_filename() or ""
            form["content"] = payload
            form["part_content_type"] = part.get("Content-Type")
            form["detected_type"] = sniff(payload)
    return form


class TalkStandIn:
    """A real HTTP server on a loopback socket, in a background thread, playing Talk's two endpoints."""

    def __init__(self, secret: str, host: str = "127.0.0.1", port: int = 0, public_url: str | None = None):
        self._secret = secret
        self._server = BackgroundHTTPServer("Talk stand-in", host, port)
        self._public_url = public_url
        self._journal = _Journal()
        self.url = ""  # where it listens
        self.backend_url = ""  # what Talk-Recording-Backend carries: the public URL, with a trailing slash

    def start(self) -> None:
        """Bind and serve; SetupError when the address is taken."""
        webroot = urlsplit(self._public_url).path.rstrip("/") if self._public_url else ""
        handler = type(
            "_BoundHandler",
            (_Handler,),
            {"journal": self._journal, "secret": self._secret, "webroot": webroot},
        )
        self.url = self._server.start(handler)
        self.backend_url = self._public_url or self.url + "/"

    def stop(self) -> None:
        """Release every held report, stop serving and free the socket."""
        for hold in list(self._journal.holds.values()):
            hold.set()
        self._server.stop()

    # --- what the scenarios arrange -------------------------------------------------------------

    def expect_room(self, token: str) -> None:
        """A room Talk is about to start recording: its reports are accepted."""
        with self._journal.condition:
            self._journal.rooms.add(token)

    def refuse_started(self, token: str, refuse: bool = True) -> None:
        """Answer the room's `started` with 404 no_such_room, as Talk does for a room no longer starting."""
        with self._journal.condition:
            (self._journal.refuse_started.add if refuse else self._journal.refuse_started.discard)(token)

    def hold_stopped(self, token: str) -> None:
        """Keep the room's `stopped` report waiting for an answer until `release` (at most a minute)."""
        self._journal.holds[token] = threading.Event()

    def release(self, token: str) -> None:
        """Answer the held `stopped` report of the room."""
        hold = self._journal.holds.pop(token, None)
        if hold is not None:
            hold.set()

    # --- what arrived ---------------------------------------------------------------------------

    def position(self) -> int:
        """How many requests have arrived so far: a mark for `received` and `wait_for`."""
        with self._journal.condition:
            return len(self._journal.received)

    def received(self, token: str | None, after: int = 0) -> list[Received]:
        """Every request about the room, and every one about no known room, since the mark."""
        with self._journal.condition:
            return [entry for entry in self._journal.received[after:] if entry.token in (token, None)]

    def wait_for(self, token: str, accept, timeout: float, after: int = 0) -> Received | None:
        """The first request about the room since the mark that `accept` approves, waiting up to `timeout`."""
        deadline = time.monotonic() + timeout
        with self._journal.condition:
            while True:
                for entry in self._journal.received[after:]:
                    if entry.token == token and accept(entry):
                        return entry
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return None
                self._journal.condition.wait(remaining)
