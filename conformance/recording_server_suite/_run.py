"""Setting up one run: the Talk stand-in, and the recording server (the given one or the bundled one)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from conformance.recording_server_suite._profile import RecordingServerProfile
from conformance.recording_server_suite._talk_requests import TalkRequests
from conformance.recording_server_suite._talk_stand_in import TalkStandIn
from conformance.target import CleanupStack


@dataclass
class RecordingServerRun:
    """What every scenario of one run shares."""

    profile: RecordingServerProfile
    target_url: str
    stand_in: TalkStandIn
    talk: TalkRequests


def start_run(
    profile: RecordingServerProfile, work_dir: Path, mutant: str | None = None
) -> tuple[RecordingServerRun, Callable[[], list[str]]]:
    """Start the stand-in (and the embedded server when no URL is given); return the run and its stop."""
    cleanups = CleanupStack()
    stop = cleanups.unwind

    try:
        host, port = profile.listen_address
        stand_in = TalkStandIn(profile.recording_secret, host, port, profile.talk_backend_url)
        stand_in.start()
        cleanups.push("stopping the Talk stand-in", stand_in.stop)
        target = profile.url
        if target is None:
            from conformance.recording_server_suite._embedded import EmbeddedRecordingServer

            server = EmbeddedRecordingServer(work_dir, stand_in.backend_url, profile.recording_secret, mutant)
            cleanups.push("stopping the reference recording server", server.stop)
            target = server.start()
        talk = TalkRequests(target, profile.recording_secret, stand_in.backend_url, profile.request_timeout)
        check_recording_server(talk)
    except BaseException:
        stop()
        raise
    return RecordingServerRun(profile, target, stand_in, talk), stop


def check_recording_server(talk: TalkRequests) -> None:
    """One welcome request first: an unreachable target is one setup error, not one per scenario."""
    talk.welcome()  # SetupError when nobody answers; the answer itself is a scenario's business
