"""The recording server callbacks: signature, message types, every transition of the state machine."""

import json

import pytest
import requests
from reference_helpers import RECORDING, SECRET, TALK, sign

ACTOR = {"type": "users", "id": "participant1"}


def typed_error(response):
    error = response.json()["ocs"]["data"]
    assert error["type"] == "error"
    return error["error"]["code"], error["error"]["message"]


def drive_to(talk, token, state):
    """Bring a room with an active call into ``state`` through the public API only."""
    if state == 0:
        return
    if state == 5:
        talk.callback("failed", token)
        return
    assert talk.start(token, status=1 if state in (1, 3) else 2).status_code == 200
    if state in (1, 2):
        assert talk.callback("started", token, status=state, actor=ACTOR).status_code == 200


@pytest.mark.parametrize("state", [3, 4])
@pytest.mark.parametrize("new", [1, 2])
def test_started_from_starting(talk, recording_room, state, new):
    drive_to(talk, recording_room, state)
    response = talk.callback("started", recording_room, status=new, actor=ACTOR)
    assert response.status_code == 200
    assert response.json()["ocs"]["data"] is None
    assert talk.room_state(recording_room) == new
    expected = "recording_started" if new == 1 else "audio_recording_started"
    assert talk.recording_messages(recording_room) == [expected]


@pytest.mark.parametrize("state", [0, 1, 2, 5])
def test_started_refused_outside_starting(talk, recording_room, state):
    drive_to(talk, recording_room, state)
    response = talk.callback("started", recording_room, status=1, actor=ACTOR)
    assert response.status_code == 404
    assert typed_error(response) == ("no_such_room", "Room not found.")
    assert talk.room_state(recording_room) == state


@pytest.mark.parametrize("state", [0, 1, 2, 3, 4, 5])
def test_stopped_from_any_state(talk, recording_room, state):
    drive_to(talk, recording_room, state)
    assert talk.callback("stopped", recording_room, actor=ACTOR).status_code == 200
    assert talk.room_state(recording_room) == 0
    messages = talk.recording_messages(recording_room)
    if state in (1, 2):
        assert messages[-1] == ("recording_stopped" if state == 1 else "audio_recording_stopped")
    else:
        assert not messages or not messages[-1].endswith("stopped")


def test_stopped_without_actor_posts_no_message(talk, recording_room):
    drive_to(talk, recording_room, 1)
    assert talk.callback("stopped", recording_room).status_code == 200
    assert talk.recording_messages(recording_room) == ["recording_started"]


@pytest.mark.parametrize("state", [0, 1, 2, 3, 4, 5])
def test_failed_from_any_state(talk, recording_room, state):
    drive_to(talk, recording_room, state)
    assert talk.callback("failed", recording_room).status_code == 200
    assert talk.room_state(recording_room) == 5
    messages = talk.recording_messages(recording_room)
    assert (messages[-1:] == ["recording_failed"]) == (state in (1, 2))


def test_failed_message_actor_is_the_session_less_guest(talk, recording_room):
    drive_to(talk, recording_room, 2)
    talk.callback("failed", recording_room)
    newest = talk.ocs("participant1", "GET", f"ocs/v2.php/apps/spreed/api/v1/chat/{recording_room}")[0]
    assert (newest["systemMessage"], newest["actorType"], newest["actorId"]) == (
        "recording_failed",
        "guests",
        "failed-to-get-session",
    )


def test_start_again_after_failure(talk, recording_room):
    drive_to(talk, recording_room, 5)
    assert talk.start(recording_room, status=2).status_code == 200
    assert talk.room_state(recording_room) == 4
    assert talk.callback("started", recording_room, status=2, actor=ACTOR).status_code == 200
    assert talk.room_state(recording_room) == 2


def test_started_status_is_taken_literally(talk, recording_room):
    drive_to(talk, recording_room, 3)
    assert talk.callback("started", recording_room, status=0, actor=ACTOR).status_code == 200
    assert talk.room_state(recording_room) == 0


def test_unknown_actor_is_ignored(talk, recording_room):
    drive_to(talk, recording_room, 3)
    response = talk.callback("started", recording_room, status=1, actor={"type": "users", "id": "nobody"})
    assert response.status_code == 200
    newest = talk.ocs("participant1", "GET", f"ocs/v2.php/apps/spreed/api/v1/chat/{recording_room}")[0]
    assert newest["actorId"] == "failed-to-get-session"


def test_signature_failures_answer_403(talk, recording_room, server):
    body = json.dumps({"type": "failed", "failed": {"token": recording_room}}).encode()
    url = f"{server.url}{RECORDING}/backend"
    random = "r" * 32
    cases = [
        {"Talk-Recording-Random": random, "Talk-Recording-Checksum": sign("wrong", random, body)},
        {"Talk-Recording-Random": "r" * 31, "Talk-Recording-Checksum": sign(SECRET, "r" * 31, body)},
        {"Talk-Recording-Checksum": sign(SECRET, "", body)},
        {"Talk-Recording-Random": random},
        {"Talk-Recording-Random": random, "Talk-Recording-Checksum": sign(SECRET, random, body)[:-1]},
        {"Talk-Recording-Random": random, "Talk-Recording-Checksum": ""},
    ]
    for headers in cases:
        headers.update({"OCS-APIRequest": "true", "Accept": "application/json"})
        response = requests.post(url, data=body, headers=headers, timeout=30)
        assert response.status_code == 403, headers
        assert typed_error(response) == ("invalid_request", "The request could not be authenticated.")
    assert talk.room_state(recording_room) == 0


def test_uppercase_checksum_and_minimum_random_are_accepted(talk, recording_room, server):
    body = json.dumps({"type": "failed", "failed": {"token": recording_room}}).encode()
    random = "0123456789abcdef0123456789abcdef"
    headers = {
        "Talk-Recording-Random": random,
        "Talk-Recording-Checksum": sign(SECRET, random, body).upper(),
        "OCS-ApiRequest": "true",
    }
    response = requests.post(f"{server.url}{RECORDING}/backend", data=body, headers=headers, timeout=30)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/xml")  # Accept */* → XML


@pytest.mark.parametrize(
    ("raw", "rendered"),
    [
        (b'{"type":"unknown"}', '{"type":"unknown"}'),
        (b"{}", "[]"),
        (b'{"started":{}}', '{"started":[]}'),
        (b'{"type":"x/y","n":"\xc3\xa9"}', '{"type":"x\\/y","n":"\\u00e9"}'),
        (b"not json", "null"),
        (b"", "null"),
        (b'["started"]', '["started"]'),
        (b'{"type": 0}', '{"type":0}'),
        (b'{"type":"STARTED"}', '{"type":"STARTED"}'),
    ],
)
def test_talk_22_unknown_type_message_is_php_json_encode(talk_22, raw, rendered):
    response = talk_22.backend(raw)
    assert response.status_code == 400
    assert typed_error(response) == ("unknown_type", f"The given type {rendered} is not supported.")


def test_talk_22_unknown_type_message_escapes_tags_in_json_output(talk_22):
    response = talk_22.backend(b'{"type":"<b>"}')
    assert "\\\\u003Cb\\\\u003E" in response.text or "\\u003Cb\\u003E" in response.text


def test_loose_true_type_is_started(talk, recording_room):
    drive_to(talk, recording_room, 3)
    body = {"type": True, "started": {"token": recording_room, "status": 1, "actor": ACTOR}}
    assert talk.backend(body).status_code == 200
    assert talk.room_state(recording_room) == 1


def test_unknown_room(talk):
    for kind in ("started", "stopped", "failed"):
        response = talk.callback(kind, "nosuchroom", status=1, actor=ACTOR)
        assert response.status_code == 404
        assert typed_error(response) == ("no_such_room", "Room not found.")


@pytest.mark.parametrize("kind", ["started", "failed"])
def test_started_and_failed_need_recording_enabled(talk, recording_room, kind):
    drive_to(talk, recording_room, 3)
    talk.set_config("call_recording", "no")
    response = talk.callback(kind, recording_room, status=1, actor=ACTOR)
    assert response.status_code == 400
    assert typed_error(response)[0] == "config"
    assert talk.callback("stopped", recording_room).status_code == 200  # stopped always works
    assert talk.room_state(recording_room) == 0


def test_multipart_body_is_verified_as_empty(release_talk):
    talk_version, talk = release_talk
    random = "m" * 40
    response = requests.post(
        f"{talk.url}{RECORDING}/backend",
        files={"type": (None, "failed")},
        headers={
            "Talk-Recording-Random": random,
            "Talk-Recording-Checksum": sign(SECRET, random, b""),
            "OCS-APIRequest": "true",
            "Accept": "application/json",
        },
        timeout=30,
    )
    expected = {22: "The given type null is not supported.", 23: "The given request is not supported."}
    assert typed_error(response) == ("unknown_type", expected[talk_version])


def test_delete_backend_is_stop_for_a_room_named_backend(talk):
    response = talk.session("participant1").delete(f"{talk.url}{RECORDING}/backend")
    assert response.status_code == 404  # routed to stop; no such room


def test_room_lists_recording_fields(talk, recording_room):
    room = talk.ocs("participant1", "GET", f"{TALK}/room/{recording_room}")
    assert room["hasCall"] is True and room["callStartTime"] > 0
    assert room["callRecording"] == 0 and room["participantType"] == 1
