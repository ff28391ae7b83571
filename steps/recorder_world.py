"""The state one recording-server scenario carries between its steps, and its cleanup."""

from __future__ import annotations

import contextlib
import secrets
import string
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest

from conformance.outcomes import SetupError
from conformance.recording_server_suite import Exchange, Received, RecordingServerRun, talk_json

ACTOR_TYPE = "users"
# How a step names the owner of the recording (whose files get the upload), one spelling for every step.
FOR_THE_OWNER = r' for the owner "(?P<owner>[^"]+)"'


def new_token() -> str:
    """A fresh room token, in Talk's alphabet."""
    return "".join(secrets.choice(string.ascii_lowercase + string.digits) for _ in range(8))


@dataclass
class RecorderWorld:
    """One scenario: its room, what Talk sent last, and the mark from which reports count."""

    run: RecordingServerRun
    token: str = field(default_factory=new_token)
    exchange: Exchange | None = None
    mark: int = 0  # stand-in position when the last request was sent
    recording: bool = False  # a start was accepted and no stop has been sent

    @property
    def report_timeout(self) -> float:
        """How long a report or upload may take."""
        return self.run.profile.report_timeout

    def send(self, body: bytes | None, what: str, token: str | None = None, **options) -> Exchange:
        """Send a room request as Talk, remember it and the mark."""
        token = token or self.token
        self.run.stand_in.expect_room(token)
        self.mark = self.run.stand_in.position()
        self.exchange = self.run.talk.room(token, body, what, **options)
        return self.exchange

    def send_message(self, message: dict, what: str, token: str | None = None) -> Exchange:
        """Send a correctly signed message, serialised as Talk does."""
        return self.send(talk_json(message), what, token)

    def received(self, after: int | None = None) -> list[Received]:
        """What arrived about the room since the mark."""
        return self.run.stand_in.received(self.token, self.mark if after is None else after)

    def listing(self, after: int | None = None) -> str:
        """What arrived about the room since the mark, one request after the other."""
        entries = self.received(after)
        return "; ".join(entry.describe() for entry in entries) if entries else "nothing"

    def sent_so_far(self) -> str:
        """The request that triggered the reports, for failure messages."""
        return self.exchange.describe() if self.exchange else "(no request sent)"


@pytest.fixture
def recorder_world(recording_server_run: RecordingServerRun) -> Iterator[RecorderWorld]:
    """A fresh world; afterwards every held report is released and a running recording is stopped."""
    world = RecorderWorld(recording_server_run)
    yield world
    recording_server_run.stand_in.release(world.token)
    recording_server_run.stand_in.refuse_started(world.token, refuse=False)
    if world.recording:
        # A live recording server is someone's: leave nothing recording behind.
        with contextlib.suppress(SetupError):
            world.send_message({"type": "stop", "stop": {}}, "stop, cleaning up after the scenario")
