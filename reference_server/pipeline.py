"""Per-request context and the Nextcloud middleware checks every route shares (login, admin, CSRF)."""

import base64
import binascii
import hmac
import json
import urllib.parse
from dataclasses import dataclass, field

from starlette.requests import Request
from starlette.responses import Response

from reference_server import ocs
from reference_server.php_values import json_decode
from reference_server.server_state import ServerState
from reference_server.uploads import boundary_of, parse_small_multipart

SESSION_COOKIE = "talk_reference_session"
MAX_PARAMETER_BODY = 1024 * 1024
NOT_LOGGED_IN = "Current user is not logged in"
NOT_ADMIN = "Logged in account must be an admin"


class BodyTooLarge(Exception):
    """A non-upload request body exceeds MAX_PARAMETER_BODY."""


@dataclass
class Call:
    """One request as a controller sees it."""

    request: Request
    state: ServerState
    path_params: dict
    params: dict = field(default_factory=dict)
    raw_body: bytes = b""
    user: str | None = None
    is_admin: bool = False
    set_cookie: str | None = None
    extra_headers: dict = field(default_factory=dict)

    @property
    def database(self):
        """Shortcut to the SQLite store."""
        return self.state.database

    @property
    def talk_version(self) -> int:
        """The Talk major release whose rules answer this request (config ``talk_version``)."""
        return self.state.config.talk_version

    @property
    def client_ip(self) -> str:
        """The peer address brute-force attempts are keyed by."""
        return self.request.client.host if self.request.client else "unknown"

    @property
    def browser_session(self) -> str | None:
        """The PHP-session-like cookie that carries Talk room sessions."""
        value = self.request.cookies.get(SESSION_COOKIE)
        return value if value and len(value) <= 128 and value.isalnum() else None

    def header_bytes(self, name: str) -> bytes | None:
        """A request header as raw bytes (case-insensitive name), or None."""
        value = self.request.headers.get(name)
        return None if value is None else value.encode("latin-1")

    # Response helpers bound to this request's negotiated format.
    def ok(self, data=None, status: int = 200) -> Response:
        """A success envelope."""
        return self.finish(ocs.ok(self.request, data, self.params, status))

    def reason(self, reason: str, status: int = 400) -> Response:
        """Error shape E1: ``{"error": reason}``."""
        return self.finish(ocs.error_reason(self.request, reason, self.params, status))

    def typed_error(self, status: int, code: str, message: str, headers=None) -> Response:
        """Error shape E2: ``{"type": "error", "error": {...}}``."""
        return self.finish(ocs.error_typed(self.request, status, code, message, self.params, headers))

    def error(self, status: int, data) -> Response:
        """Any other controller error body."""
        return self.finish(ocs.error(self.request, status, data, self.params))

    def finish(self, response: Response) -> Response:
        """Add this request's cookie and throttle headers to a response."""
        response.headers.update(self.extra_headers)
        if self.set_cookie:
            response.set_cookie(SESSION_COOKIE, self.set_cookie, httponly=True, samesite="lax", path="/")
        return response


def _form_params(body: bytes) -> dict:
    pairs = urllib.parse.parse_qsl(body.decode("utf-8", errors="replace"), keep_blank_values=True)
    return dict(pairs)


def body_params(content_type: str, body: bytes) -> dict:
    """Parameters Nextcloud's Request takes from a JSON or urlencoded body (others give none here)."""
    media = content_type.split(";", 1)[0].strip().lower()
    if media == "application/json" or media.endswith("+json"):
        decoded_ok, value = json_decode(body)
        return value if decoded_ok and isinstance(value, dict) else {}
    if media == "application/x-www-form-urlencoded":
        return _form_params(body)
    return {}


async def read_body(request: Request, limit: int = MAX_PARAMETER_BODY) -> bytes:
    """The whole body, refusing more than ``limit`` bytes."""
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge()
        chunks.append(chunk)
    return b"".join(chunks)


def query_params(request: Request) -> dict:
    """Query string parameters (the last of repeated keys wins, as in PHP)."""
    return dict(request.query_params.items())


async def multipart_fields(request: Request, body: bytes) -> dict:
    """Plain fields of a small multipart body (setup APIs accept them like PHP's $_POST)."""
    boundary = boundary_of(request.headers.get("content-type", ""))
    return parse_small_multipart(boundary, body) if boundary else {}


def authenticate(call: Call) -> None:
    """HTTP Basic auth against the users table (sets ``call.user``)."""
    header = call.request.headers.get("authorization", "")
    if header[:6].lower() != "basic ":
        return
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return
    user_id, sep, password = decoded.partition(":")
    if not sep:
        return
    row = call.database.one("SELECT id, password, is_admin FROM users WHERE id = ?", user_id)
    if row and hmac.compare_digest(row["password"].encode(), password.encode()):
        call.user = row["id"]
        call.is_admin = bool(row["is_admin"])


def passes_csrf(request: Request) -> bool:
    """``OCS-APIRequest: true`` (any header-name case) or a Bearer token."""
    if request.headers.get("ocs-apirequest") == "true":
        return True
    return request.headers.get("authorization", "").lower().startswith("bearer ")


def csrf_failed() -> Response:
    """The plain JSON 412 of the security middleware (no OCS envelope)."""
    return Response(
        json.dumps({"message": "CSRF check failed"}, separators=(",", ":")),
        status_code=412,
        headers={"content-type": "application/json; charset=utf-8"},
    )
