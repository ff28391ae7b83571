"""Talk's rule: every room change is told to the signaling server, and an unusable one fails the request."""

import json
import socket

import pytest
from reference_helpers import SIGNALING_SECRET, TALK, signaling_servers, signaling_stand_in

from conformance.target._signaling_stand_in import FEATURES, SignalingStandInControl, signature_valid

SIGNALING_WELCOME = "ocs/v2.php/apps/spreed/api/v3/signaling/welcome/0"


def messages(token: str) -> list[dict]:
    return [entry["message"] for entry in signaling_stand_in().received(token)]


@pytest.fixture
def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def broken_stand_in(talk):
    """The stand-in answering without the features header Talk 22 needs."""
    control = SignalingStandInControl(signaling_stand_in().url)
    control.set_features(None)
    yield
    control.set_features(FEATURES)


def test_room_changes_are_signed_and_sent_as_talk_22_sends_them(talk, recording_server):
    token = talk.room()
    talk.join_call(token)
    assert talk.start(token).status_code == 200
    talk.ocs("participant1", "DELETE", f"{TALK}/room/{token}")
    received = signaling_stand_in().received(token)
    assert received and all(entry["signature_valid"] for entry in received)
    assert all(signature_valid(SIGNALING_SECRET, *_signature(entry)) for entry in received)
    kinds = [message["type"] for message in messages(token)]
    # As talk-to-signaling-server.jsonl shows: a chat refresh for conversation_created, user_added and
    # call_started around the invites and the first incall.
    assert kinds[:6] == ["message", "invite", "invite", "message", "message", "incall"]
    assert kinds[-1] == "delete"
    refresh = {"type": "message", "message": {"data": {"type": "chat", "chat": {"refresh": True}}}}
    assert [messages(token)[index] for index in (0, 3, 4)] == [refresh] * 3
    owner, added = [message for message in messages(token) if message["type"] == "invite"]
    assert owner["invite"]["userids"] == owner["invite"]["alluserids"] == ["participant1"]
    assert added["invite"]["userids"] == ["participant2"]
    assert added["invite"]["alluserids"] == ["participant1", "participant2"]
    assert added["invite"]["properties"]["participant-list"] == "refresh"
    incall = messages(token)[5]["incall"]
    assert incall["incall"] == 7 and incall["changed"][0]["actorId"] == "participant1"
    recording = {"data": {"type": "recording", "recording": {"status": 3}}}
    assert {"type": "message", "message": recording} in messages(token)
    update = messages(token)[messages(token).index({"type": "message", "message": recording}) + 1]
    assert update["type"] == "update" and update["update"]["properties"]["active-since"]["timezone"] == "UTC"
    assert messages(token)[-1]["delete"]["userids"] == ["participant1", "participant2"]
    assert {entry["backend"] for entry in received} == {talk.url}


def _signature(entry: dict) -> tuple[str, bytes, str]:
    headers = dict(entry["headers"])
    return headers["Spreed-Signaling-Random"], entry["body"].encode(), headers["Spreed-Signaling-Checksum"]


def test_a_stand_in_without_the_features_header_fails_room_creation_with_500(talk, broken_stand_in):
    response = talk.session("participant1").post(
        f"{talk.url}{TALK}/room", data={"roomType": 2, "roomName": "refused"}, timeout=30
    )
    assert response.status_code == 500 and "Internal Server Error" in response.text


def test_an_unreachable_signaling_server_fails_room_creation_with_500(talk, closed_port):
    servers = {"servers": [{"server": f"http://127.0.0.1:{closed_port}"}], "secret": "x"}
    talk.set_config("signaling_servers", json.dumps(servers))
    try:
        response = talk.session("participant1").post(
            f"{talk.url}{TALK}/room", data={"roomType": 2, "roomName": "refused"}, timeout=30
        )
        assert response.status_code == 500
    finally:
        talk.set_config("signaling_servers", json.dumps(signaling_servers()))


def test_the_welcome_check_asks_the_signaling_server(talk):
    data = talk.ocs("admin", "GET", SIGNALING_WELCOME)
    assert data["version"] and "switchto" in data["features"]
    assert talk.session("admin").get(f"{talk.url}{SIGNALING_WELCOME[:-1]}7", timeout=30).status_code == 404


def test_the_welcome_check_reports_a_signaling_server_that_needs_an_update(talk, broken_stand_in):
    response = talk.session("admin").get(f"{talk.url}{SIGNALING_WELCOME}", timeout=30)
    assert response.status_code == 500 and response.json()["ocs"]["data"]["error"] == "UPDATE_REQUIRED"


def test_the_welcome_check_is_for_admins(talk):
    response = talk.session("participant1").get(f"{talk.url}{SIGNALING_WELCOME}", timeout=30)
    assert response.status_code == 403
