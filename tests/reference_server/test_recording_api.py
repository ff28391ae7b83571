"""Start and stop over real HTTP: order of checks, error strings, recording-server interaction."""

import concurrent.futures
import json
import socket
import time

import requests
from reference_helpers import RECORDING, SECRET, TALK, RunningServer, Talk, sign


def error_of(response):
    return response.json()["ocs"]["data"]


def test_start_sends_signed_start_and_moves_to_starting(talk, recording_room, recording_server, server):
    response = talk.start(recording_room, status=2)
    assert response.status_code == 200
    assert response.json() == {
        "ocs": {"meta": {"status": "ok", "statuscode": 200, "message": "OK"}, "data": None}
    }
    assert talk.room_state(recording_room) == 4
    sent = recording_server.requests[-1]
    assert sent.path == f"/api/v1/room/{recording_room}"
    assert sent.body == (
        b'{"type":"start","start":{"status":2,"owner":"participant1",'
        b'"actor":{"type":"users","id":"participant1"}}}'
    )
    random = sent.headers["Talk-Recording-Random"]
    assert len(random) == 64 and all(c.isalnum() or c in "+/" for c in random)
    assert sent.headers["Talk-Recording-Checksum"] == sign(SECRET, random, sent.body)
    assert sent.headers["Talk-Recording-Backend"] == server.url
    assert sent.headers["Content-Type"] == "application/json"


def test_start_status_is_checked_first(talk, recording_server):
    token = talk.room()  # no call, recording fine: only status can fail first
    for status in ("0", "3", "-1", "abc", "", "1.0e1"):
        response = talk.start(token, status=status)
        assert (response.status_code, error_of(response)) == (400, {"error": "status"}), status
    missing = talk.session("participant1").post(f"{talk.url}{RECORDING}/{token}")
    assert (missing.status_code, error_of(missing)) == (400, {"error": "status"})


def test_start_status_uses_php_int_coercion(talk, recording_room):
    # settype("1abc", "int") === 1 and JSON true → 1: upstream accepts both.
    response = talk.session("participant1").post(
        f"{talk.url}{RECORDING}/{recording_room}", json={"status": True}
    )
    assert response.status_code == 200
    assert talk.room_state(recording_room) == 3


def test_start_order_recording_before_call_before_config(talk, recording_server):
    token = talk.room()
    talk.set_config("call_recording", "no")
    assert error_of(talk.start(token)) == {"error": "call"}  # no call beats disabled config
    talk.set_config("call_recording", "yes")
    talk.join_call(token)
    assert talk.start(token).status_code == 200
    talk.set_config("call_recording", "no")
    assert error_of(talk.start(token)) == {"error": "recording"}  # already recording beats config
    talk.ocs("participant1", "DELETE", f"{TALK}/call/{token}", data={"all": "true"})
    assert error_of(talk.start(token)) == {"error": "recording"}


def test_start_refused_when_recording_disabled(talk, recording_room):
    talk.set_config("call_recording", "no")
    response = talk.start(recording_room)
    assert (response.status_code, error_of(response)) == (400, {"error": "config"})
    capabilities = talk.ocs("participant1", "GET", "ocs/v2.php/cloud/capabilities")
    assert capabilities["capabilities"]["spreed"]["config"]["call"]["recording"] is False


def test_each_enabling_condition_is_required(talk, recording_room, recording_server):
    conditions = [
        ("signaling_servers", json.dumps({"servers": []})),
        ("signaling_mode", "internal"),
        ("recording_servers", json.dumps({"servers": [{"server": recording_server.url}], "secret": ""})),
        ("recording_servers", json.dumps({"servers": [], "secret": SECRET})),
    ]
    for key, value in conditions:
        talk.configure_recording(recording_server.url)
        talk.set_config(key, value)
        assert error_of(talk.start(recording_room)) == {"error": "config"}, key
        talk.delete_config("signaling_mode")
    talk.configure_recording(recording_server.url)
    assert talk.start(recording_room).status_code == 200


def test_start_middleware_statuses(talk, recording_room, server):
    url = f"{server.url}{RECORDING}/{recording_room}"
    anonymous = requests.post(
        url, data={"status": 1}, headers={"OCS-APIRequest": "true", "Accept": "application/json"}, timeout=30
    )
    assert anonymous.status_code == 401
    assert anonymous.json()["ocs"] == {
        "meta": {"status": "failure", "statuscode": 997, "message": "Current user is not logged in"},
        "data": [],
    }
    wrong_password = requests.post(
        url,
        data={"status": 1},
        auth=("participant1", "nope"),
        headers={"OCS-APIRequest": "true", "Accept": "application/json"},
        timeout=30,
    )
    assert wrong_password.status_code == 401
    no_csrf = requests.post(url, data={"status": 1}, auth=("participant1", "123456"), timeout=30)
    assert (no_csrf.status_code, no_csrf.text) == (412, '{"message":"CSRF check failed"}')
    not_moderator = talk.start(recording_room, user="participant2")
    assert not_moderator.status_code == 403
    assert not_moderator.json()["ocs"]["data"] == []
    assert talk.start(recording_room, user="participant3").status_code == 404
    assert talk.start("unknown1").status_code == 404


def test_promoted_moderator_may_start(talk, recording_room):
    attendees = talk.ocs("participant1", "GET", f"{TALK}/room/{recording_room}/participants")
    attendee = next(a for a in attendees if a["actorId"] == "participant2")
    talk.ocs(
        "participant1",
        "POST",
        f"{TALK}/room/{recording_room}/moderators",
        data={"attendeeId": attendee["attendeeId"]},
    )
    assert talk.start(recording_room, user="participant2").status_code == 200


def test_demoted_moderator_may_not_start(talk, recording_room):
    attendees = talk.ocs("participant1", "GET", f"{TALK}/room/{recording_room}/participants")
    attendee = {"attendeeId": next(a for a in attendees if a["actorId"] == "participant2")["attendeeId"]}
    talk.ocs("participant1", "POST", f"{TALK}/room/{recording_room}/moderators", data=attendee)
    talk.ocs("participant1", "DELETE", f"{TALK}/room/{recording_room}/moderators", data=attendee)
    attendees = talk.ocs("participant1", "GET", f"{TALK}/room/{recording_room}/participants")
    assert next(a for a in attendees if a["actorId"] == "participant2")["participantType"] == 3
    assert talk.start(recording_room, user="participant2").status_code == 403


def test_guests_are_not_logged_in(talk, server):
    token = talk.room(room_type=3)
    talk.join_call(token)
    guest = talk.session(None)
    guest.post(f"{server.url}{TALK}/room/{token}/participants/active").raise_for_status()
    guest.post(f"{server.url}{TALK}/call/{token}").raise_for_status()
    response = guest.post(f"{server.url}{RECORDING}/{token}", data={"status": 1})
    assert response.status_code == 401


def test_recording_server_failures_answer_500_and_keep_state(talk, recording_room, recording_server):
    for status in (500, 403):
        recording_server.requests.clear()
        recording_server.status = status
        response = talk.start(recording_room)
        assert response.status_code == 500
        assert response.json()["ocs"]["meta"]["statuscode"] == 996
        assert talk.room_state(recording_room) == 0
        assert len(recording_server.requests) == (3 if status == 500 else 1)  # 5xx retried, 4xx not
    as_xml = talk.session("participant1").post(
        f"{talk.url}{RECORDING}/{recording_room}", data={"status": 1}, headers={"Accept": "*/*"}
    )
    assert "<statuscode>996</statuscode>" in as_xml.text  # XML unless JSON is asked for
    json_500 = talk.start(recording_room)
    assert json_500.status_code == 500
    # Talk 22: the uncaught exception's envelope, with the HTTP client's error after the first line.
    meta, data = json_500.json()["ocs"]["meta"], json_500.json()["ocs"]["data"]
    assert (meta["statuscode"], data) == (996, [])
    assert meta["message"].startswith("Internal Server Error\n") and "403" in meta["message"]


def test_unreachable_recording_server_answers_500(talk, recording_room):
    talk.configure_recording("http://127.0.0.1:9")
    assert talk.start(recording_room).status_code == 500
    assert talk.room_state(recording_room) == 0


def test_fifty_racing_starts_give_exactly_one_success(talk, recording_room):
    def start(_):
        return requests.post(
            f"{talk.url}{RECORDING}/{recording_room}",
            data={"status": 1},
            auth=("participant1", "123456"),
            headers={"OCS-APIRequest": "true", "Accept": "application/json"},
            timeout=60,
        )

    with concurrent.futures.ThreadPoolExecutor(max_workers=50) as pool:
        responses = list(pool.map(start, range(50)))
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] + [400] * 49
    assert all(error_of(r) == {"error": "recording"} for r in responses if r.status_code == 400)


def test_stop_in_state_none_is_a_no_op(talk, recording_room, recording_server):
    response = talk.stop(recording_room)
    assert response.status_code == 200
    assert recording_server.requests == []


def test_stop_sends_stop_and_keeps_state(talk, recording_room, recording_server):
    talk.start(recording_room)
    response = talk.stop(recording_room)
    assert response.status_code == 200
    assert (
        recording_server.requests[-1].body
        == b'{"type":"stop","stop":{"actor":{"type":"users","id":"participant1"}}}'
    )
    assert talk.room_state(recording_room) == 3


def test_stop_with_unknown_recording_fails_the_room(talk, recording_room, recording_server):
    talk.start(recording_room)
    talk.callback("started", recording_room, status=1, actor={"type": "users", "id": "participant1"})
    recording_server.status = 404
    assert talk.stop(recording_room).status_code == 200
    assert talk.room_state(recording_room) == 5
    assert talk.recording_messages(recording_room)[-1] == "recording_failed"
    messages = talk.ocs("participant1", "GET", f"ocs/v2.php/apps/spreed/api/v1/chat/{recording_room}")
    assert messages[0]["actorId"] == "participant1"


def test_stop_404_while_disabled_answers_config(talk, recording_room, recording_server):
    talk.start(recording_room)
    talk.set_config("call_recording", "no")
    recording_server.status = 404
    response = talk.stop(recording_room)
    assert (response.status_code, error_of(response)) == (400, {"error": "config"})
    assert talk.room_state(recording_room) == 3


def test_stop_other_failures_answer_500(talk, recording_room, recording_server):
    talk.start(recording_room)
    recording_server.status = 503
    assert talk.stop(recording_room).status_code == 500
    assert talk.room_state(recording_room) == 3


def test_stop_has_no_call_or_recording_errors(talk, recording_server):
    token = talk.room()
    assert talk.stop(token).status_code == 200  # no call, no recording: still 200


def test_call_end_sends_actorless_stop(talk, recording_room, recording_server):
    talk.start(recording_room)
    talk.ocs("participant1", "DELETE", f"{TALK}/call/{recording_room}")  # last one leaves
    assert recording_server.requests[-1].body == b'{"type":"stop","stop":[]}'
    assert talk.ocs("participant1", "GET", f"{TALK}/room/{recording_room}")["hasCall"] is False


def test_call_end_in_failed_state_sends_nothing(talk, recording_room, recording_server):
    talk.start(recording_room)
    talk.callback("failed", recording_room)
    count = len(recording_server.requests)
    talk.ocs("participant1", "DELETE", f"{TALK}/call/{recording_room}", data={"all": "true"})
    assert len(recording_server.requests) == count


def test_hanging_recording_server_is_bounded(tmp_path):
    """A recording server that accepts but never answers: start gives up (500) after 3 bounded attempts."""
    hanging = socket.socket()
    hanging.bind(("127.0.0.1", 0))
    hanging.listen(16)
    running = RunningServer(tmp_path / "data", {}, env={"TALK_REFERENCE_RECORDING_TIMEOUT": "0.3"}).start()
    try:
        talk = Talk(running.url)
        talk.configure_recording(f"http://127.0.0.1:{hanging.getsockname()[1]}")
        token = talk.room()
        talk.join_call(token)
        started = time.monotonic()
        assert talk.start(token).status_code == 500
        assert 0.9 <= time.monotonic() - started < 5
        assert talk.room_state(token) == 0
    finally:
        assert running.stop() == 0
        hanging.close()


def test_lobby_keeps_non_moderators_out_of_the_call_only(talk, recording_room):
    talk.ocs("participant1", "PUT", f"{TALK}/room/{recording_room}/webinar/lobby", data={"state": 1})
    talk.ocs("participant2", "POST", f"{TALK}/room/{recording_room}/participants/active")
    joined = talk.session("participant2").post(f"{talk.url}{TALK}/call/{recording_room}")
    assert joined.status_code == 412
    assert talk.start(recording_room).status_code == 200  # no lobby check on the recording endpoints


def test_rejoining_the_room_from_the_same_browser_leaves_the_old_call_session(
    talk, recording_room, recording_server
):
    talk.start(recording_room)
    talk.ocs(
        "participant1", "POST", f"{TALK}/room/{recording_room}/participants/active"
    )  # replaces the session
    room = talk.ocs("participant1", "GET", f"{TALK}/room/{recording_room}")
    assert room["hasCall"] is False  # it was the only session in the call
    assert recording_server.requests[-1].body == b'{"type":"stop","stop":[]}'
