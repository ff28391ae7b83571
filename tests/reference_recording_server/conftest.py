"""Fixtures: the reference recording server as a real child process, reporting to a real Talk stand-in."""

from __future__ import annotations

import pytest

from conformance.recording_server_suite._embedded import EmbeddedRecordingServer
from conformance.recording_server_suite._talk_requests import TalkRequests
from conformance.recording_server_suite._talk_stand_in import TalkStandIn

SECRET = "the tests' recording secret"


class Recorder:
    """A running reference recording server, the stand-in it reports to, and Talk's requests to it."""

    def __init__(self, tmp_path, **settings) -> None:
        self.stand_in = TalkStandIn(SECRET)
        self.stand_in.start()
        self.server = EmbeddedRecordingServer(tmp_path, self.stand_in.backend_url, SECRET, **settings)
        self.url = self.server.start()
        self.talk = TalkRequests(self.url, SECRET, self.stand_in.backend_url, timeout=10)

    def stop(self) -> None:
        self.server.stop()
        self.stand_in.stop()

    def log(self) -> str:
        return self.server.log_path.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def recorder(tmp_path_factory):
    """The faithful server, shared by a module's tests."""
    running = Recorder(tmp_path_factory.mktemp("recorder"))
    yield running
    running.stop()
    assert SECRET not in running.log()


@pytest.fixture
def start_recorder(tmp_path):
    """Start a server with extra configuration (faults, mutants); stopped after the test."""
    started: list[Recorder] = []

    def start(**settings) -> Recorder:
        running = Recorder(tmp_path / f"server{len(started)}", **settings)
        started.append(running)
        return running

    yield start
    for running in started:
        running.stop()
