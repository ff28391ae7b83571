"""Speak to the target *as* the recording server: status callbacks and the upload of a recording."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from typing import Any

import requests

from conformance.protocol import TRIGGER_FAILED, TRIGGER_STARTED, TRIGGER_STOPPED, Sample, Signature, sign
from conformance.target._connection_pool import PooledSession
from conformance.traffic import RECORDING_SERVER_ACTOR, record_response

USER_AGENT = "Nextcloud-Talk-Recording/0.2.1"
API_PATH = "/ocs/v2.php/apps/spreed/api/v1/recording"
ACTOR = RECORDING_SERVER_ACTOR  # who sends these requests, as recorded traffic names it

# Produces the signature headers for the signed data (raw body, or room token for store).
SignatureFactory = Callable[[str, bytes], Signature]


def started_message(token: str, status: Any, actor_type: str | None, actor_id: str | None) -> dict[str, Any]:
    """Body of the `started` callback (actor always present in the real server's call)."""
    started: dict[str, Any] = {"token": token, "status": status}
    if actor_type is not None and actor_id is not None:
        started["actor"] = {"type": actor_type, "id": actor_id}
    return {"type": TRIGGER_STARTED, "started": started}


def stopped_message(token: str, actor_type: str | None = None, actor_id: str | None = None) -> dict[str, Any]:
    """Body of the `stopped` callback; the actor is added only when both parts are known."""
    stopped: dict[str, Any] = {"token": token}
    if actor_type is not None and actor_id is not None:
        stopped["actor"] = {"type": actor_type, "id": actor_id}
    return {"type": TRIGGER_STOPPED, "stopped": stopped}


def failed_message(token: str) -> dict[str, Any]:
    """Body of the `failed` callback."""
    return {"type": TRIGGER_FAILED, "failed": {"token": token}}


def _quote_filename(name: str) -> str:
    # What urllib3 does for HTML5-style form data: only '"', CR and LF are escaped.
    return name.replace('"', "%22").replace("\r", "%0D").replace("\n", "%0A")


def multipart_body(
    owner: str | None, sample: Sample | None, max_file_size: int | None = None
) -> tuple[bytes, str]:
    """Form data in the recording server's layout: owner first, file part without Content-Type."""
    boundary = uuid.uuid4().hex
    chunks: list[bytes] = []

    def field(disposition: str, content: bytes) -> None:
        chunks.append(f"--{boundary}\r\nContent-Disposition: {disposition}\r\n\r\n".encode())
        chunks.append(content + b"\r\n")

    if owner is not None:
        field('form-data; name="owner"', owner.encode("utf-8"))
    if max_file_size is not None:
        # PHP honours a MAX_FILE_SIZE field that precedes the file part.
        field('form-data; name="MAX_FILE_SIZE"', str(max_file_size).encode())
    if sample is not None:
        field(f'form-data; name="file"; filename="{_quote_filename(sample.filename)}"', sample.content)
    chunks.append(f"--{boundary}--\r\n".encode())
    return b"".join(chunks), f"multipart/form-data; boundary={boundary}"


class RecordingServerClient:
    """Sends what the real recording server sends, signed with the shared secret (or deliberately not)."""

    def __init__(self, base_url: str, secret: str, timeout: float, verify: bool | str = True) -> None:
        self.base_url = base_url.rstrip("/")
        self.secret = secret
        self.timeout = timeout
        self.verify = verify  # the profile's tls_verify

    def _headers(self, content_type: str, signature: Signature, csrf_header: bool = True) -> dict[str, str]:
        headers = {
            "Content-Type": content_type,
            "OCS-ApiRequest": "true",
            **signature.headers(),
            "User-Agent": USER_AGENT,
            # The real server sends Accept: */* and so receives XML; JSON keeps the answer checkable.
            "Accept": "application/json",
        }
        if not csrf_header:  # only to show that the target's CSRF check applies
            del headers["OCS-ApiRequest"]
        return headers

    def post_body(
        self, body: bytes, signature: Signature | None = None, csrf_header: bool = True
    ) -> requests.Response:
        """POST raw bytes to the backend endpoint, signed validly unless a signature is given."""
        signature = signature or sign(self.secret, body)
        headers = self._headers("application/json", signature, csrf_header)
        return self._post(f"{self.base_url}{API_PATH}/backend", body, headers)

    def _post(self, url: str, body: bytes, headers: dict[str, str]) -> requests.Response:
        sent = time.time()
        # A new session per callback (no cookies carried over), on the shared kept-alive connections.
        session = PooledSession()
        response = session.post(url, data=body, headers=headers, timeout=self.timeout, verify=self.verify)
        record_response(response, ACTOR, sent)
        return response

    def callback(self, message: Any, signature_factory: SignatureFactory = sign) -> requests.Response:
        """Send a callback whose body is `json.dumps(message)` with default settings, like the real one."""
        body = json.dumps(message).encode()
        return self.post_body(body, signature_factory(self.secret, body))

    def started(
        self, token: str, status: Any, actor_type: str | None, actor_id: str | None
    ) -> requests.Response:
        """Report that the recording started."""
        return self.callback(started_message(token, status, actor_type, actor_id))

    def stopped(
        self, token: str, actor_type: str | None = None, actor_id: str | None = None
    ) -> requests.Response:
        """Report that the recording stopped (no actor = the call ended)."""
        return self.callback(stopped_message(token, actor_type, actor_id))

    def failed(self, token: str) -> requests.Response:
        """Report that the recording failed."""
        return self.callback(failed_message(token))

    def store(
        self,
        token: str,
        owner: str | None,
        sample: Sample | None,
        signature_factory: SignatureFactory = sign,
        max_file_size: int | None = None,
        csrf_header: bool = True,
    ) -> requests.Response:
        """Upload a recording as multipart form data, signed over the room token."""
        body, content_type = multipart_body(owner, sample, max_file_size)
        signature = signature_factory(self.secret, token.encode("utf-8"))
        headers = self._headers(content_type, signature, csrf_header)
        return self._post(f"{self.base_url}{API_PATH}/{token}/store", body, headers)
