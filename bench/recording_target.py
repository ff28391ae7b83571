"""A reference server whose recording is configured against the fake recording server; rooms in a call."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from bench.reference_process import ReferenceProcess
from conformance.target import (
    Account,
    FakeRecordingServer,
    FakeRecordingServerControl,
    RecordingServerClient,
    SignalingServer,
    SignalingStandIn,
    TalkSession,
    configure_recording,
    create_room,
    get_room,
    join_call,
    join_room,
    reset_brute_force,
)

SECRET = "bench recording secret"
ADMIN = Account("admin", "admin")
MODERATOR = Account("participant1", "123456")
TIMEOUT = 30.0


@dataclass
class RecordingTarget:
    """Everything a measurement needs to drive recordings on one reference server."""

    server: ReferenceProcess
    fake: FakeRecordingServer
    moderator: TalkSession

    @property
    def url(self) -> str:
        """Base URL of the reference server."""
        return self.server.url

    def control(self) -> FakeRecordingServerControl:
        """Script the fake recording server's answers."""
        return FakeRecordingServerControl(self.fake.url)

    def callbacks(self) -> RecordingServerClient:
        """Speak to the server as the recording server."""
        return RecordingServerClient(self.url, SECRET, TIMEOUT)

    def room_in_call(self, name: str = "bench") -> str:
        """A new group room owned by the moderator, who has joined its call; return the token."""
        token = create_room(self.moderator, name)
        join_room(self.moderator, token)
        join_call(self.moderator, token)
        return token

    def restart(self) -> None:
        """Start the (killed) server again on the same data dir; it gets a new port."""
        self.server.start()
        self.moderator.base_url = self.url

    def reset_brute_force(self) -> None:
        """Forget the throttle's attempts (refused `started` callbacks count as attempts)."""
        admin = TalkSession(self.url, ADMIN, TIMEOUT)
        try:
            reset_brute_force(admin)
        finally:
            admin.close()

    def recording_state(self, token: str) -> int:
        """The room's callRecording as the moderator sees it."""
        return get_room(self.moderator, token)["callRecording"]


_stand_in: list[SignalingStandIn] = []


def signaling_stand_in() -> SignalingServer:
    """This process's signaling stand-in: the reference server notifies it of room changes, as Talk does."""
    if not _stand_in:
        stand_in = SignalingStandIn("bench signaling secret")
        stand_in.start()  # a daemon thread; it outlives server restarts and ends with the process
        _stand_in.append(stand_in)
    return SignalingServer(_stand_in[0].url, _stand_in[0].secret)


def configure(server: ReferenceProcess, fake: FakeRecordingServer) -> TalkSession:
    """Point the server's recording config at the fake; return the moderator's session."""
    configure_recording(server.url, ADMIN, SECRET, fake.url, TIMEOUT, signaling_stand_in=signaling_stand_in())
    return TalkSession(server.url, MODERATOR, TIMEOUT)


@contextlib.contextmanager
def recording_target(work_dir: Path, **server_options) -> Iterator[RecordingTarget]:
    """Start a reference server and a fake recording server, configure recording, stop both at the end."""
    server = ReferenceProcess(work_dir, **server_options)
    fake = FakeRecordingServer(SECRET)
    fake.start()
    try:
        server.start()
        moderator = configure(server, fake)
        try:
            yield RecordingTarget(server, fake, moderator)
        finally:
            moderator.close()
    finally:
        server.stop()
        fake.stop()
