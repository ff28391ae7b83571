"""The rules of `POST /api/v1/room/{token}`: which request is refused, with which status, in which order."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from reference_recording_server import signature
from reference_recording_server.config import Settings

BACKEND_HEADER = "Talk-Recording-Backend"
RANDOM_HEADER = "Talk-Recording-Random"
CHECKSUM_HEADER = "Talk-Recording-Checksum"


@dataclass(frozen=True)
class Refusal:
    """A request the server does not act on: the status and a short reason for the error body."""

    status: int
    reason: str


@dataclass
class RoomRequest:
    """A request to the room endpoint: its headers, its raw body, and the backend's secret once known."""

    token: str
    headers: Mapping[str, str]  # case-insensitive, like every HTTP header lookup
    body: bytes
    declared_length: int | None  # Content-Length; None when the client sent none
    secret: str | None = None

    @property
    def backend(self) -> str | None:
        """The Nextcloud the request comes from, as it names itself."""
        return self.headers.get(BACKEND_HEADER)


@dataclass(frozen=True)
class Actor:
    """Who started or stopped the recording, as Talk names them."""

    type: Any
    id: Any


@dataclass(frozen=True)
class StartRequest:
    """A valid start: record the room with this status, for this owner."""

    backend: str
    token: str
    status: Any
    owner: Any
    actor: Actor


@dataclass(frozen=True)
class StopRequest:
    """A valid stop, by an actor or (call ended) by nobody."""

    backend: str
    token: str
    actor: Actor | None


RECORDING_STATUS_AUDIO_AND_VIDEO = 1


# --- the checks before the body is read as JSON, in upstream's order: the first failure wins -------


def backend_named(request: RoomRequest, settings: Settings) -> Refusal | None:
    """The request must say which Nextcloud it comes from."""
    if request.backend is None:
        return Refusal(403, "missing Talk-Recording-Backend header")
    return None


def backend_known(request: RoomRequest, settings: Settings) -> Refusal | None:
    """That Nextcloud must be one this server shares a secret with."""
    request.secret = settings.secret_for(request.backend or "")
    if request.secret is None:
        return Refusal(403, "unknown backend")
    return None


def random_present(request: RoomRequest, settings: Settings) -> Refusal | None:
    """A signed request carries its random (its length is not checked, as upstream)."""
    if request.headers.get(RANDOM_HEADER) is None:
        return Refusal(403, "missing Talk-Recording-Random header")
    return None


def checksum_present(request: RoomRequest, settings: Settings) -> Refusal | None:
    """A signed request carries its checksum."""
    if request.headers.get(CHECKSUM_HEADER) is None:
        return Refusal(403, "missing Talk-Recording-Checksum header")
    return None


def body_size_allowed(request: RoomRequest, settings: Settings) -> Refusal | None:
    """A body must be announced, not empty, and at most maxmessagesize bytes: checked before the HMAC."""
    if not request.declared_length:
        return Refusal(400, "missing or empty body")
    if request.declared_length > settings.max_message_size:
        return Refusal(400, "body larger than maxmessagesize")
    return None


def signature_valid(request: RoomRequest, settings: Settings) -> Refusal | None:
    """The checksum must be the HMAC of random + raw body under the backend's secret."""
    random = request.headers.get(RANDOM_HEADER) or ""
    received = request.headers.get(CHECKSUM_HEADER) or ""
    if request.secret is None or not signature.matches(request.secret, random, request.body, received):
        return Refusal(403, "checksum verification failed")
    return None


CHECKS: list[Callable[[RoomRequest, Settings], Refusal | None]] = [
    backend_named,
    backend_known,
    random_present,
    checksum_present,
    body_size_allowed,
    signature_valid,
]


def first_refusal(request: RoomRequest, settings: Settings) -> Refusal | None:
    """The first check the request fails, or None when it may be read."""
    for check in CHECKS:
        refusal = check(request, settings)
        if refusal is not None:
            return refusal
    return None


# --- the message --------------------------------------------------------------------------------


def parse_message(body: bytes) -> dict[str, Any] | Refusal:
    """The JSON object of a signed body; invalid JSON is a 400 here, where upstream crashes with 500 (R1)."""
    try:
        message = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return Refusal(400, "body is not JSON")
    if not isinstance(message, dict):
        return Refusal(400, "body is not a JSON object")
    if "type" not in message:
        return Refusal(400, "missing type")
    return message


def start_request(request: RoomRequest, message: dict[str, Any]) -> StartRequest | Refusal:
    """`start`, its `owner` and its `actor` with `type` and `id` are required; `status` defaults to 1."""
    start = message.get("start")
    if not isinstance(start, dict):
        return Refusal(400, "missing start")
    actor = start.get("actor")
    if "owner" not in start:
        return Refusal(400, "missing start.owner")
    if not isinstance(actor, dict) or "type" not in actor or "id" not in actor:
        return Refusal(400, "missing start.actor, start.actor.type or start.actor.id")
    status = start.get("status", RECORDING_STATUS_AUDIO_AND_VIDEO)
    assert request.backend is not None  # the checks came first
    return StartRequest(
        request.backend, request.token, status, start["owner"], Actor(actor["type"], actor["id"])
    )


def stop_request(request: RoomRequest, message: dict[str, Any]) -> StopRequest | Refusal:
    """`stop` is required; its actor counts only when both type and id are given."""
    stop = message.get("stop")
    if not isinstance(stop, dict):
        return Refusal(400, "missing stop")
    actor = stop.get("actor")
    known = isinstance(actor, dict) and actor.get("type") is not None and actor.get("id") is not None
    assert request.backend is not None
    return StopRequest(request.backend, request.token, Actor(actor["type"], actor["id"]) if known else None)
