"""Requests *as Talk sends them* to a recording server: welcome, and signed start and stop."""

from __future__ import annotations

import gzip
import hashlib
import hmac
import http.client
import json
import secrets
import string
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from conformance.outcomes import SetupError

USER_AGENT = "Nextcloud Server Crawler"  # what Talk 22's HTTP client sends
_RANDOM_ALPHABET = string.ascii_letters + string.digits + "+/"  # ISecureRandom::generate(64)


@dataclass(frozen=True)
class Exchange:
    """A request the suite sent and the recording server's answer."""

    description: str  # e.g. "POST /api/v1/room/abc (start without Talk-Recording-Random)"
    status: int
    content_type: str
    body: bytes

    def answer(self) -> str:
        """The answer in one line: status, content type and the start of the body."""
        text = self.body[:200].decode("utf-8", "replace").replace("\n", " ")
        return f"{self.status} {self.content_type} {text}".rstrip()

    def describe(self) -> str:
        """The request and the answer in one line, for failure messages."""
        return f"{self.description} -> {self.answer()}"

    def json(self) -> Any:
        """The answer as JSON (ValueError when it is not)."""
        return json.loads(self.body)


def talk_json(message: Any) -> bytes:
    """PHP's json_encode: compact, `\\/` for slashes, non-ASCII as \\uXXXX; the exact bytes Talk signs."""
    return json.dumps(message, separators=(",", ":")).replace("/", "\\/").encode()


def talk_random() -> str:
    """64 characters of [A-Za-z0-9+/], as Talk's ISecureRandom::generate(64)."""
    return "".join(secrets.choice(_RANDOM_ALPHABET) for _ in range(64))


def checksum(secret: str, random: str, body: bytes) -> str:
    """Talk's hash_hmac('sha256', random . body, secret): lowercase hex."""
    return hmac.new(secret.encode(), random.encode() + body, hashlib.sha256).hexdigest()


def start_message(status: Any, owner: str, actor_type: str, actor_id: str) -> dict[str, Any]:
    """What Talk's BackendNotifier sends to start a recording."""
    return {
        "type": "start",
        "start": {"status": status, "owner": owner, "actor": {"type": actor_type, "id": actor_id}},
    }


def stop_message(actor_type: str | None, actor_id: str | None) -> dict[str, Any]:
    """What Talk sends to stop one; without an actor when the call ended by itself."""
    if actor_type is None or actor_id is None:
        return {"type": "stop", "stop": {}}
    return {"type": "stop", "stop": {"actor": {"type": actor_type, "id": actor_id}}}


class TalkRequests:
    """Sends Talk's requests to one recording server, signed with the shared secret."""

    def __init__(self, url: str, secret: str, backend_url: str, timeout: float) -> None:
        parts = urlsplit(url)
        self._https = parts.scheme == "https"
        self._host = parts.hostname or "127.0.0.1"
        self._port = parts.port or (443 if self._https else 80)
        self._root = parts.path.rstrip("/")
        self.secret = secret
        self.backend_url = backend_url
        self.timeout = timeout

    def welcome(self) -> Exchange:
        """GET /api/v1/welcome, unsigned, as Talk's admin check does."""
        return self._send("GET", "/api/v1/welcome", {"Accept-Encoding": "gzip"}, None, "welcome")

    def room(
        self,
        token: str,
        body: bytes | None,
        what: str,
        *,
        omit: tuple[str, ...] = (),
        backend: str | None = None,
        random: str | None = None,
        signature: str | None = None,
        declared_length: bool = True,
    ) -> Exchange:
        """POST /api/v1/room/{token}, signed over random + body unless `signature` overrides the checksum."""
        random = talk_random() if random is None else random
        headers = {
            "Content-Type": "application/json",
            "Talk-Recording-Random": random,
            "Talk-Recording-Checksum": signature or checksum(self.secret, random, body or b""),
            "Talk-Recording-Backend": self.backend_url if backend is None else backend,
            "User-Agent": USER_AGENT,
            "Accept-Encoding": "gzip",
        }
        for name in omit:
            headers.pop(name)
        if body is not None and declared_length:
            headers["Content-Length"] = str(len(body))
        return self._send("POST", f"/api/v1/room/{token}", headers, body, what)

    def _send(
        self, method: str, path: str, headers: dict[str, str], body: bytes | None, what: str
    ) -> Exchange:
        kind = http.client.HTTPSConnection if self._https else http.client.HTTPConnection
        connection = kind(self._host, self._port, timeout=self.timeout)
        target = self._root + path
        description = f"{method} {target} ({what})"
        try:
            # skip_accept_encoding: Talk sends its own; http.client would add "identity" first.
            connection.putrequest(method, target, skip_accept_encoding=True)
            for name, value in headers.items():
                connection.putheader(name, value)
            connection.endheaders(body)
            response = connection.getresponse()
            data = response.read()
            if response.getheader("Content-Encoding", "").lower() == "gzip":
                data = gzip.decompress(data)
            return Exchange(description, response.status, response.getheader("Content-Type", ""), data)
        except (OSError, http.client.HTTPException) as exc:
            if isinstance(exc, TimeoutError):
                reason = "no answer before the request timeout"
            else:
                reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            raise SetupError(f"the recording server did not answer {description}: {reason}") from None
        finally:
            connection.close()
