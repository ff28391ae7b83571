"""Fixtures: a real reference server (CLI subprocess on a free loopback port) and a fake recording server."""

import threading
from http.server import ThreadingHTTPServer

import pytest
from reference_helpers import SECRET, SERVER_CONFIG, FakeRecordingServer, RunningServer, Talk, handler_for


@pytest.fixture(scope="session")
def fake_server_process():
    fake = FakeRecordingServer()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler_for(fake))
    fake.url = f"http://127.0.0.1:{httpd.server_port}"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield fake
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def recording_server(fake_server_process):
    """The fake recording server, reset for each test."""
    fake_server_process.status = 200
    fake_server_process.welcome = b'{"version":"0.1-fake"}'
    fake_server_process.requests.clear()
    return fake_server_process


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    """The shared reference server for the HTTP tests (brute force in testing mode)."""
    running = RunningServer(tmp_path_factory.mktemp("reference") / "data", SERVER_CONFIG).start()
    yield running
    assert running.stop() == 0
    # Robustness: no request of the whole session reached the last-resort exception handler.
    assert running.errors_logged() == ""
    # Secrets are never printed.
    assert SECRET not in running.log_path.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def server_22(tmp_path_factory):
    """A second shared reference server, modelling Talk 22 (``talk_version: 22``)."""
    config = {**SERVER_CONFIG, "talk_version": 22}
    running = RunningServer(tmp_path_factory.mktemp("reference-22") / "data", config).start()
    yield running
    assert running.stop() == 0
    assert running.errors_logged() == ""


@pytest.fixture
def talk(server, recording_server):
    """Helpers against the shared server, recording enabled and pointing at the fake recording server."""
    yield from _talk_with_recording(server, recording_server)


@pytest.fixture
def talk_22(server_22, recording_server):
    """Like ``talk``, against the server modelling Talk 22."""
    yield from _talk_with_recording(server_22, recording_server)


@pytest.fixture(params=[22, 23])
def release_talk(request, recording_server):
    """(talk_version, helpers) for each release the server models: a test that holds for both."""
    fixture = "talk_22" if request.param == 22 else "talk"
    return request.param, request.getfixturevalue(fixture)


def _talk_with_recording(server, recording_server):
    client = Talk(server.url)
    client.configure_recording(recording_server.url)
    client.set_config("call_recording", "yes")
    client.delete_config("recording_consent")
    client.delete_config("signaling_mode")
    yield client
    client.session("admin").delete(f"{server.url}ocs/v2.php/apps/talk_reference/api/v1/bruteforce")
    for http in client.sessions.values():
        http.close()


@pytest.fixture
def recording_room(talk, recording_server):
    """A room with an active call, owned by participant1 (participant2 is a plain participant)."""
    token = talk.room()
    talk.join_call(token)
    return token
