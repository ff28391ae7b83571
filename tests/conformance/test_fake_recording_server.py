"""The fake recording server verifies, records and answers as scripted, over real HTTP."""

from __future__ import annotations

import json
import socket

import pytest
import requests

from conformance.outcomes import SetupError
from conformance.protocol import sign
from conformance.target._fake_recording_server import (
    NOT_JSON,
    SIGNALING_SERVER,
    WELCOME,
    FakeRecordingServer,
    FakeRecordingServerControl,
)

SECRET = "fake-server-test-secret"
BACKEND = "http://127.0.0.1:1/"


@pytest.fixture
def fake():
    with FakeRecordingServer(SECRET) as server:
        yield server


@pytest.fixture
def control(fake):
    return FakeRecordingServerControl(fake.url, timeout=5)


def send(url, token, message, secret=SECRET, *, uppercase=False, backend=BACKEND):
    """POST as Talk's BackendNotifier does (compact PHP-style JSON)."""
    body = json.dumps(message, separators=(",", ":")).encode()
    signature = sign(secret, body)
    checksum = signature.checksum.upper() if uppercase else signature.checksum
    headers = {"Content-Type": "application/json", "Talk-Recording-Random": signature.random}
    headers["Talk-Recording-Checksum"] = checksum
    if backend:
        headers["Talk-Recording-Backend"] = backend
    return requests.post(f"{url}/api/v1/room/{token}", data=body, headers=headers, timeout=5)


START = {"type": "start", "start": {"status": 1, "owner": "alice", "actor": {"type": "users", "id": "alice"}}}
STOP_WITHOUT_ACTOR = {"type": "stop", "stop": []}


def test_binds_a_free_loopback_port(fake):
    assert fake.url.startswith("http://127.0.0.1:")
    assert not fake.url.endswith(":0")


def test_welcome(fake):
    response = requests.get(f"{fake.url}/api/v1/welcome", timeout=5)
    assert response.status_code == 200
    assert response.json() == WELCOME


def test_signed_start_is_accepted_and_recorded(fake, control):
    response = send(fake.url, "room0001", START)
    assert response.status_code == 200
    assert response.json() == {}
    [entry] = control.received("room0001")
    assert entry["type"] == "start"
    assert entry["message"] == START
    assert entry["signature_valid"] is True
    assert entry["backend"] == BACKEND
    assert entry["answer"] == 200
    assert control.received("otherroom") == []


def test_stop_with_empty_list_is_a_valid_message(fake, control):
    assert send(fake.url, "room0001", STOP_WITHOUT_ACTOR).status_code == 200
    assert control.received("room0001")[0]["message"] == STOP_WITHOUT_ACTOR


@pytest.mark.parametrize(
    "kwargs",
    [{"secret": "another secret"}, {"uppercase": True}, {"backend": None}],
    ids=["wrong-secret", "uppercase-checksum", "no-backend-header"],
)
def test_rejects_what_the_real_server_rejects(fake, control, kwargs):
    response = send(fake.url, "room0002", START, **kwargs)
    assert response.status_code == 403
    [entry] = control.received("room0002")
    assert entry["answer"] == 403


def test_missing_signature_headers_are_rejected(fake, control):
    response = requests.post(f"{fake.url}/api/v1/room/room0003", json=START, timeout=5)
    assert response.status_code == 403
    assert control.received("room0003")[0]["signature_valid"] is False


def test_unknown_type_is_a_bad_request(fake):
    assert send(fake.url, "room0004", {"type": "pause", "pause": {}}).status_code == 400


@pytest.mark.parametrize("status", [404, 500])
def test_scripted_status_per_room_and_kind(fake, control, status):
    control.answer("room0005", "stop", status)
    assert send(fake.url, "room0005", START).status_code == 200
    assert send(fake.url, "room0005", STOP_WITHOUT_ACTOR).status_code == status
    assert send(fake.url, "room0006", STOP_WITHOUT_ACTOR).status_code == 200
    assert [entry["answer"] for entry in control.received("room0005")] == [200, status]


def test_scripted_unreachable_closes_without_answer(fake, control):
    control.answer("room0007", "start", "unreachable")
    with pytest.raises(requests.ConnectionError):
        send(fake.url, "room0007", START)
    assert control.received("room0007")[0]["answer"] == "unreachable"


def test_forget_drops_requests_and_scripts(fake, control):
    control.answer("room0008", "start", 500)
    send(fake.url, "room0008", START)
    control.forget("room0008")
    assert control.received("room0008") == []
    assert send(fake.url, "room0008", START).status_code == 200


def test_wait_for_returns_early_and_times_out(fake, control):
    send(fake.url, "room0009", START)
    assert len(control.wait_for("room0009", 1, timeout=5)) == 1
    assert control.wait_for("room0009", 2, timeout=0.2) == control.received("room0009")


@pytest.mark.parametrize("answer", [99, 600, "sometimes", True, None])
def test_control_rejects_nonsense_answers(control, answer):
    with pytest.raises(SetupError, match="refused"):
        control.answer("room0010", "start", answer)


def test_control_rejects_unknown_message_kind(control):
    with pytest.raises(SetupError):
        control.answer("room0010", "pause", 200)


def test_control_of_a_stopped_server_is_a_setup_error():
    server = FakeRecordingServer(SECRET)
    server.start()
    url = server.url
    server.stop()
    with pytest.raises(SetupError, match="cannot be reached"):
        FakeRecordingServerControl(url, timeout=2).received("room0011")


def test_busy_port_is_a_setup_error():
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(SetupError, match="cannot listen"):
            FakeRecordingServer(SECRET, port=port).start()


def test_welcome_can_be_scripted(fake, control):
    url = f"{fake.url}/api/v1/welcome"
    control.answer_welcome(NOT_JSON)
    assert requests.get(url, timeout=5).text == "welcome, but not in JSON"
    control.answer_welcome(SIGNALING_SERVER)
    assert requests.get(url, timeout=5).headers["X-Spreed-Signaling-Features"]
    control.answer_welcome(503)
    assert requests.get(url, timeout=5).status_code == 503
    control.answer_welcome("unreachable")
    with pytest.raises(requests.ConnectionError):
        requests.get(url, timeout=5)
    control.answer_welcome(200)
    assert requests.get(url, timeout=5).json() == WELCOME


def test_welcome_rejects_nonsense_answers(control):
    with pytest.raises(SetupError, match="refused"):
        control.answer_welcome("maybe")


def test_the_nearest_control_of_a_fake_in_this_process_reads_what_http_reads(fake, control):
    nearest = FakeRecordingServerControl.nearest(fake.url + "/", timeout=5)
    assert type(nearest) is not FakeRecordingServerControl  # the same-process shortcut
    send(fake.url, "room1", START)
    control.answer("room1", "stop", 503)
    assert nearest.received("room1") == control.received("room1")
    nearest.received("room1")[0]["type"] = "changed by the caller"
    assert control.received("room1")[0]["type"] == "start"  # a copy, as over HTTP
    nearest.forget("room1")
    assert control.received("room1") == []
    assert send(fake.url, "room1", STOP_WITHOUT_ACTOR).status_code == 200  # the script went too


def test_the_nearest_control_of_a_fake_elsewhere_speaks_http(fake):
    url = fake.url
    fake.stop()
    assert type(FakeRecordingServerControl.nearest(url, timeout=5)) is FakeRecordingServerControl
