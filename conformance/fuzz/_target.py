"""The target of a fuzz run, ready to use: server, fake recording server, recording config, rooms."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass

from conformance.fuzz._brute_force_guard import BruteForceGuard
from conformance.fuzz._fixtures import RoomSet, prepare_rooms
from conformance.fuzz._schema_loading import FuzzInputs
from conformance.fuzz._state_model import ModelEnvironment
from conformance.outcomes import SetupError
from conformance.target import (
    FakeRecordingServerControl,
    RecordingServerClient,
    TalkSession,
    TargetProfile,
    delete_room,
    prepared_run,
)


@dataclass
class PreparedTarget:
    """Everything a fuzz run needs from the target, valid inside `prepared_target`."""

    profile: TargetProfile
    base_url: str
    fake_url: str
    rooms: RoomSet
    guard: BruteForceGuard
    moderator: TalkSession

    def fuzz_inputs(self) -> FuzzInputs:
        """What schemathesis gets: URL, accounts, secret and the dictionaries."""
        return FuzzInputs(
            base_url=self.base_url,
            moderator=self.profile.users[0],
            admin=self.profile.admin,
            recording_secret=self.profile.recording_secret,
            tokens=self.rooms.tokens,
            owners=(self.profile.users[0].user_id, self.profile.users[1].user_id),
            file_ids=(self.rooms.recording.file_id,) if self.rooms.recording else (),
            timestamps=(self.rooms.recording.timestamp,) if self.rooms.recording else (),
            request_timeout=self.profile.request_timeout,
            response_hook=self.guard.hook,
            tls_verify=self.profile.tls_verify,
            brute_force_resettable=self.guard.supported,
        )

    def model_environment(self) -> ModelEnvironment:
        """What the model-based test gets."""
        return ModelEnvironment(
            moderator=self.moderator,
            participant_id=self.profile.users[1].user_id,
            backend=RecordingServerClient(
                self.base_url,
                self.profile.recording_secret,
                self.profile.request_timeout,
                self.profile.tls_verify,
            ),
            fake=FakeRecordingServerControl(self.fake_url, self.profile.request_timeout),
            room_prefix=self.profile.run_id,
            guard=self.guard,
        )


def _delete_rooms(moderator: TalkSession, rooms: RoomSet) -> None:
    # Best effort, so that a live target does not keep the fuzz rooms; a failure here hides no finding.
    for token in rooms.tokens:
        with contextlib.suppress(SetupError):
            delete_room(moderator, token)


@contextlib.contextmanager
def prepared_target(profile: TargetProfile) -> Iterator[PreparedTarget]:
    """Start what the profile asks for, prepare rooms, and undo it all on exit (SetupError on failure)."""
    if profile.configure_recording and profile.admin is None:
        raise SetupError("configure_recording needs an admin account in the profile")
    with prepared_run(profile) as run, contextlib.ExitStack() as stack:
        base_url = run.base_url
        verify = profile.tls_verify
        admin = None
        if profile.admin is not None:
            admin = TalkSession(base_url, profile.admin, profile.request_timeout, verify)
        moderator = TalkSession(base_url, profile.users[0], profile.request_timeout, verify)
        guard = BruteForceGuard(admin)
        backend = RecordingServerClient(base_url, profile.recording_secret, profile.request_timeout, verify)
        control = FakeRecordingServerControl(run.fake_url, profile.request_timeout)
        rooms = prepare_rooms(moderator, profile.users[1].user_id, backend, profile.run_id, control)
        stack.callback(_delete_rooms, moderator, rooms)
        yield PreparedTarget(profile, base_url, run.fake_url, rooms, guard, moderator)
