"""Rooms in every recording state (0-5), prepared through the public Talk APIs only."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import requests

from conformance.fuzz.signing_auth import CHECKSUM_HEADER, RANDOM_HEADER, checksum
from conformance.outcomes import SetupError

OCS_HEADERS = {"OCS-APIRequest": "true", "Accept": "application/json"}
RECORDING_API = "/ocs/v2.php/apps/spreed/api/v1/recording"
ROOM_API = "/ocs/v2.php/apps/spreed/api/v4/room"
CALL_API = "/ocs/v2.php/apps/spreed/api/v4/call"
GROUP_ROOM = 2


class TalkUser:
    """One account's HTTP session: Basic auth plus the cookie jar that carries the Talk room session."""

    def __init__(self, base_url: str, user_id: str, password: str, timeout: float) -> None:
        self.base_url = base_url.rstrip("/")
        self.user_id = user_id
        self.timeout = timeout
        self.session = requests.Session()
        self.session.auth = (user_id, password)
        self.session.headers.update(OCS_HEADERS)

    def __repr__(self) -> str:
        return f"TalkUser({self.user_id!r})"

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        """Send one request; a transport failure is a setup error, not a finding."""
        try:
            return self.session.request(method, self.base_url + path, timeout=self.timeout, **kwargs)
        except requests.RequestException as error:
            raise SetupError(f"{method} {path} as {self.user_id} failed: {error}") from None

    def expect(self, method: str, path: str, expected: tuple[int, ...] = (200,), **kwargs: Any) -> Any:
        """Send a setup request that must succeed and return the OCS data."""
        response = self.request(method, path, **kwargs)
        if response.status_code not in expected:
            raise SetupError(
                f"setup step {method} {path} as {self.user_id} answered {response.status_code}: "
                f"{response.text[:300]}"
            )
        try:
            return response.json()["ocs"]["data"]
        except (ValueError, KeyError, TypeError):
            raise SetupError(f"setup step {method} {path} answered a body without OCS data") from None

    # Talk operations used to put rooms into the states we need.

    def create_room(self, name: str) -> str:
        data = self.expect("POST", ROOM_API, (200, 201), data={"roomType": GROUP_ROOM, "roomName": name})
        return str(data["token"])

    def add_participant(self, token: str, user_id: str) -> None:
        form = {"newParticipant": user_id, "source": "users"}
        self.expect("POST", f"{ROOM_API}/{token}/participants", data=form)

    def join_room(self, token: str) -> None:
        self.expect("POST", f"{ROOM_API}/{token}/participants/active")

    def join_call(self, token: str) -> None:
        self.expect("POST", f"{CALL_API}/{token}", data={"flags": 7})

    def end_call(self, token: str) -> None:
        self.expect("DELETE", f"{CALL_API}/{token}", data={"all": "true"})

    def start_recording(self, token: str, status: int) -> requests.Response:
        return self.request("POST", f"{RECORDING_API}/{token}", data={"status": status})

    def stop_recording(self, token: str) -> requests.Response:
        return self.request("DELETE", f"{RECORDING_API}/{token}")

    def call_recording(self, token: str) -> int:
        """The room's `callRecording` as the room API reports it."""
        return int(self.expect("GET", f"{ROOM_API}/{token}")["callRecording"])


class RecordingBackend:
    """Sends signed callbacks like the recording server (started / stopped / failed)."""

    def __init__(self, base_url: str, secret: str, timeout: float) -> None:
        self.url = base_url.rstrip("/") + RECORDING_API + "/backend"
        self._secret = secret
        self.timeout = timeout
        self.session = requests.Session()

    def __repr__(self) -> str:
        return f"RecordingBackend({self.url!r})"

    def send(self, message: dict[str, Any]) -> requests.Response:
        body = json.dumps(message).encode()
        random = "fuzz" + "0123456789abcdef" * 4
        headers = {
            **OCS_HEADERS,
            "Content-Type": "application/json",
            RANDOM_HEADER: random,
            CHECKSUM_HEADER: checksum(self._secret, random, body),
        }
        try:
            return self.session.post(self.url, data=body, headers=headers, timeout=self.timeout)
        except requests.RequestException as error:
            raise SetupError(f"recording callback to {self.url} failed: {error}") from None

    def started(self, token: str, status: int, actor_id: str) -> requests.Response:
        actor = {"type": "users", "id": actor_id}
        return self.send({"type": "started", "started": {"token": token, "status": status, "actor": actor}})

    def stopped(self, token: str) -> requests.Response:
        return self.send({"type": "stopped", "stopped": {"token": token}})

    def failed(self, token: str) -> requests.Response:
        return self.send({"type": "failed", "failed": {"token": token}})


@dataclass(frozen=True)
class RoomSet:
    """Tokens of prepared rooms, keyed by the state they were left in."""

    by_state: dict[str, str]

    @property
    def tokens(self) -> list[str]:
        return list(self.by_state.values())


def _require(response: requests.Response, what: str) -> None:
    if response.status_code != 200:
        raise SetupError(f"{what} answered {response.status_code}: {response.text[:300]}")


def new_room(moderator: TalkUser, participant_id: str, name: str, *, in_call: bool) -> str:
    """A group room owned by the moderator, with the participant added and optionally a call running."""
    token = moderator.create_room(name)
    moderator.add_participant(token, participant_id)
    if in_call:
        moderator.join_room(token)
        moderator.join_call(token)
    return token


def prepare_rooms(
    moderator: TalkUser, participant_id: str, backend: RecordingBackend, prefix: str
) -> RoomSet:
    """One room per recording state 0-5, plus a state-0 room without a call."""
    rooms: dict[str, str] = {}
    rooms["idle-no-call"] = new_room(moderator, participant_id, f"{prefix} idle no call", in_call=False)
    for label, start_status, callback in (
        ("none", None, None),
        ("starting-video", 1, None),
        ("starting-audio", 2, None),
        ("video", 1, "started"),
        ("audio", 2, "started"),
        ("failed", 1, "failed"),
    ):
        token = new_room(moderator, participant_id, f"{prefix} {label}", in_call=True)
        if start_status is not None:
            _require(moderator.start_recording(token, start_status), f"starting the recording in {label}")
        if callback == "started":
            started = backend.started(token, start_status or 1, moderator.user_id)
            _require(started, f"started callback in {label}")
        elif callback == "failed":
            _require(backend.failed(token), f"failed callback in {label}")
        rooms[label] = token
    expected = {"none": 0, "starting-video": 3, "starting-audio": 4, "video": 1, "audio": 2, "failed": 5}
    for label, state in expected.items():
        actual = moderator.call_recording(rooms[label])
        if actual != state:
            raise SetupError(f"room {label} should be in recording state {state} after setup, not {actual}")
    return RoomSet(rooms)
