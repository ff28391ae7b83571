"""What the server sends back to Talk: the three reports and the upload, formed as upstream does."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

from reference_recording_server import signature
from reference_recording_server.protocol import Actor

API_PATH = "/ocs/v2.php/apps/spreed/api/v1/recording"


@dataclass(frozen=True)
class Signed:
    """A body and the signature headers that go with it."""

    body: bytes
    random: str
    checksum: str


def backend_url(backend: str) -> str:
    """Reports go to the Nextcloud named in the request's Talk-Recording-Backend, not to a configured URL."""
    return backend.rstrip("/") + API_PATH + "/backend"


def store_url(backend: str, token: str) -> str:
    """The upload goes to the same Nextcloud; the token is used as it is (Talk tokens are [a-z0-9])."""
    return backend.rstrip("/") + API_PATH + "/" + token + "/store"


def _with_actor(report: dict[str, Any], actor: Actor | None) -> dict[str, Any]:
    if actor is not None and actor.type is not None and actor.id is not None:
        report["actor"] = {"type": actor.type, "id": actor.id}
    return report


def started_message(token: str, status: Any, actor: Actor | None) -> dict[str, Any]:
    """`started`: the token, the status the start asked for, and who started it."""
    return {"type": "started", "started": _with_actor({"token": token, "status": status}, actor)}


def stopped_message(token: str, actor: Actor | None) -> dict[str, Any]:
    """`stopped`: the token and, when the stop named one, who stopped it."""
    return {"type": "stopped", "stopped": _with_actor({"token": token}, actor)}


def failed_message(token: str) -> dict[str, Any]:
    """`failed`: the token of the room whose recording could not be made."""
    return {"type": "failed", "failed": {"token": token}}


def sign(secret: str, data: bytes) -> tuple[str, str]:
    """A fresh random and the checksum over random + data."""
    random = signature.new_random()
    return random, signature.checksum(secret, random, data)


def signed_report(secret: str, message: dict[str, Any]) -> Signed:
    """The report as upstream serialises it (json.dumps defaults), signed over those exact bytes."""
    body = json.dumps(message).encode()
    random, checksum = sign(secret, body)
    return Signed(body, random, checksum)


def signed_upload(secret: str, token: str, owner: str, filename: str, content: bytes) -> tuple[str, Signed]:
    """The multipart upload (`owner`, then `file` without a Content-Type) and its signature over the token."""
    boundary = uuid.uuid4().hex
    quoted = filename.replace('"', "%22").replace("\r", "%0D").replace("\n", "%0A")
    body = b"".join(
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="owner"\r\n\r\n'.encode(),
            str(owner).encode("utf-8"),
            f'\r\n--{boundary}\r\nContent-Disposition: form-data; name="file"; '.encode(),
            f'filename="{quoted}"\r\n\r\n'.encode(),
            content,
            f"\r\n--{boundary}--\r\n".encode(),
        )
    )
    random, checksum = sign(secret, token.encode("utf-8"))
    return f"multipart/form-data; boundary={boundary}", Signed(body, random, checksum)
