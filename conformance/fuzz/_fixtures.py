"""Rooms in every recording state (0-5), prepared through the public Talk APIs only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import requests

from conformance.outcomes import SetupError
from conformance.protocol import video_webm
from conformance.target import (
    RECORDING,
    FakeRecordingServerControl,
    RecordingServerClient,
    TalkSession,
    add_participant,
    create_room,
    get_room,
    join_call,
    join_room,
    notifications_of,
)

# Label of each prepared room → (start status, callback after the start, resulting callRecording).
ROOM_RECIPES: dict[str, tuple[int | None, str | None, int]] = {
    "none": (None, None, 0),
    "video": (1, "started", 1),
    "audio": (2, "started", 2),
    "starting-video": (1, None, 3),
    "starting-audio": (2, None, 4),
    "failed": (1, "failed", 5),
}


@dataclass(frozen=True)
class StoredRecording:
    """A recording uploaded into the moderator's files, as its notification names it."""

    file_id: int
    timestamp: int


@dataclass(frozen=True)
class RoomSet:
    """Tokens of prepared rooms, keyed by the state they were left in (plus one room without a call)."""

    by_label: dict[str, str]
    recording: StoredRecording | None = None

    @property
    def tokens(self) -> tuple[str, ...]:
        return tuple(self.by_label.values())


def _require(response: requests.Response, what: str) -> None:
    if response.status_code != 200:
        raise SetupError(f"{what} answered {response.status_code}: {response.text[:300]}")


def start_recording(moderator: TalkSession, token: str, status: int) -> requests.Response:
    """POST /recording/{token} as the moderator (the operation under test, used here for setup)."""
    return moderator.request("POST", f"{RECORDING}/{token}", data={"status": status})


def stop_recording(moderator: TalkSession, token: str) -> requests.Response:
    """DELETE /recording/{token} as the moderator."""
    return moderator.request("DELETE", f"{RECORDING}/{token}")


def call_recording(session: TalkSession, token: str) -> int:
    """The room's `callRecording` as the room API reports it."""
    value = get_room(session, token).get("callRecording")
    if not isinstance(value, int):
        raise SetupError(f"room {token} reports no integer callRecording: {value!r}")
    return value


def store_recording(moderator: TalkSession, backend: RecordingServerClient, token: str) -> StoredRecording:
    """Upload a real WebM as the recording server would; read file id and time from the notification."""
    stored = backend.store(token, moderator.name, video_webm())
    _require(stored, f"storing a recording in {token}")
    for notification in notifications_of(moderator):
        if notification.get("object_type") != "recording" or notification.get("object_id") != token:
            continue
        file = (notification.get("messageRichParameters") or {}).get("file") or {}
        try:
            created = datetime.fromisoformat(str(notification["datetime"]))
            return StoredRecording(int(file["id"]), int(created.timestamp()))
        except (KeyError, TypeError, ValueError):
            continue
    raise SetupError(f"no 'recording stored' notification with a file id for room {token}")


def new_room(moderator: TalkSession, participant_id: str, name: str, *, in_call: bool) -> str:
    """A group room owned by the moderator, with the participant added and optionally a call running."""
    token = create_room(moderator, name)
    add_participant(moderator, token, participant_id)
    if in_call:
        join_room(moderator, token)
        join_call(moderator, token)
    return token


def prepare_rooms(
    moderator: TalkSession,
    participant_id: str,
    backend: RecordingServerClient,
    prefix: str,
    fake: FakeRecordingServerControl | None = None,
) -> RoomSet:
    """A room per recording state 0-5, one without a call, and one whose recording server fails."""
    rooms = {"no-call": new_room(moderator, participant_id, f"{prefix} fuzz no call", in_call=False)}
    if fake is not None:
        # start/stop here meet a failing recording server: the registered 500 of the contract.
        failing = new_room(moderator, participant_id, f"{prefix} fuzz recording server down", in_call=True)
        fake.answer(failing, "start", 500)
        fake.answer(failing, "stop", 500)
        rooms["recording-server-down"] = failing
    for label, (start_status, callback, _) in ROOM_RECIPES.items():
        token = new_room(moderator, participant_id, f"{prefix} fuzz {label}", in_call=True)
        if start_status is not None:
            _require(start_recording(moderator, token, start_status), f"starting the recording in {label}")
        if callback == "started":
            started = backend.started(token, start_status, "users", moderator.name)
            _require(started, f"the started callback in {label}")
        elif callback == "failed":
            _require(backend.failed(token), f"the failed callback in {label}")
        rooms[label] = token
    for label, (_, _, state) in ROOM_RECIPES.items():
        actual = call_recording(moderator, rooms[label])
        if actual != state:
            raise SetupError(f"room {label} should be in recording state {state} after setup, not {actual}")
    return RoomSet(rooms, store_recording(moderator, backend, rooms["none"]))
