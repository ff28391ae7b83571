"""The setup driver prepares state through public APIs of a real reference server subprocess."""

from __future__ import annotations

import json
import socket

import pytest

from conformance.outcomes import SetupError
from conformance.target import _setup_driver as setup_driver
from conformance.target._embedded_server import EmbeddedServer
from conformance.target._fake_recording_server import FakeRecordingServer, FakeRecordingServerControl
from conformance.target._profile import Account
from conformance.target._setup_driver import SignalingServer, TalkSession
from conformance.target._signaling_stand_in import SignalingStandIn

ADMIN = Account("admin", "admin")
OWNER = Account("participant1", "123456")
MEMBER = Account("participant2", "123456")
TIMEOUT = 10.0


@pytest.fixture(scope="module")
def target(tmp_path_factory):
    with EmbeddedServer(work_dir=tmp_path_factory.mktemp("reference")) as server:
        yield server.url


@pytest.fixture(scope="module")
def stand_in():
    with SignalingStandIn("driver signaling secret") as server:
        yield SignalingServer(server.url, server.secret)


@pytest.fixture
def owner(target):
    session = TalkSession(target, OWNER, TIMEOUT)
    yield session
    session.close()


@pytest.fixture
def room(owner):
    token = setup_driver.create_room(owner, "tcdriver room")
    yield token
    setup_driver.delete_room(owner, token)


def test_configure_recording_points_the_target_at_the_recording_server_and_restores(target, stand_in):
    admin = TalkSession(target, ADMIN, TIMEOUT)
    before = {key: setup_driver.get_app_config(admin, key) for key in setup_driver.RECORDING_KEYS}
    restore = setup_driver.configure_recording(
        target, ADMIN, "driver secret", "http://127.0.0.1:9999", TIMEOUT, signaling_stand_in=stand_in
    )
    assert restore.signaling_stand_in_used
    servers = json.loads(setup_driver.get_app_config(admin, "recording_servers"))
    assert servers == {
        "servers": [{"server": "http://127.0.0.1:9999", "verify": False}],
        "secret": "driver secret",
    }
    assert json.loads(setup_driver.get_app_config(admin, "signaling_servers")) == {
        "servers": [{"server": stand_in.url, "verify": False}],
        "secret": stand_in.secret,
    }
    assert setup_driver.get_app_config(admin, "call_recording") == "yes"
    assert setup_driver.capabilities(admin)["config"]["call"]["recording"] is True
    restore()
    assert {key: setup_driver.get_app_config(admin, key) for key in setup_driver.RECORDING_KEYS} == before


def test_recording_can_be_switched_off_and_back(target):
    admin = TalkSession(target, ADMIN, TIMEOUT)
    restore = setup_driver.switch_call_recording(target, ADMIN, False, TIMEOUT)
    assert setup_driver.get_app_config(admin, "call_recording") == "no"
    restore()
    assert setup_driver.get_app_config(admin, "call_recording") != "no"


def test_capabilities_announce_recording(owner):
    assert "recording-v1" in setup_driver.capabilities(owner)["features"]


def test_room_with_participant_promotion_and_call(target, owner, room):
    setup_driver.add_participant(owner, room, MEMBER.user_id)
    setup_driver.promote_to_moderator(owner, room, MEMBER.user_id)
    types = {a["actorId"]: a["participantType"] for a in setup_driver.participants(owner, room)}
    assert types == {OWNER.user_id: 1, MEMBER.user_id: setup_driver.MODERATOR}
    assert setup_driver.get_room(owner, room)["callRecording"] == 0
    setup_driver.join_room(owner, room)
    setup_driver.join_call(owner, room)
    assert setup_driver.get_room(owner, room)["hasCall"] is True
    setup_driver.leave_call(owner, room, for_everyone=True)
    assert setup_driver.get_room(owner, room)["hasCall"] is False


def test_guest_joins_a_public_room_with_its_cookie_session(target, owner, room):
    setup_driver.make_public(owner, room)
    guest = TalkSession(target, None, TIMEOUT)
    assert setup_driver.join_room(guest, room)
    assert guest.http.cookies, "the guest's Talk session must live in its cookie jar"
    guest.close()


def test_promoting_a_stranger_is_a_setup_error(owner, room):
    with pytest.raises(SetupError, match="not an attendee"):
        setup_driver.promote_to_moderator(owner, room, "participant3")


def test_chat_and_notifications_are_lists(owner, room):
    assert isinstance(setup_driver.chat_messages(owner, room), list)
    assert isinstance(setup_driver.notifications_of(owner), list)


def test_deleted_room_is_gone(owner):
    token = setup_driver.create_room(owner, "tcdriver gone")
    setup_driver.delete_room(owner, token)
    setup_driver.delete_room(owner, token)  # already gone: still fine
    with pytest.raises(SetupError, match="answered 404"):
        setup_driver.get_room(owner, token)


def test_brute_force_reset_is_offered_by_the_reference_server(target):
    assert setup_driver.reset_brute_force(TalkSession(target, ADMIN, TIMEOUT)) is True


def test_wrong_password_is_a_readable_setup_error(target):
    with pytest.raises(SetupError, match=r"as participant1 answered 401"):
        setup_driver.create_room(TalkSession(target, Account("participant1", "wrong"), TIMEOUT), "x")
    # Wrong credentials count as brute-force attempts on the login; keep later tests unthrottled.
    setup_driver.reset_brute_force(TalkSession(target, ADMIN, TIMEOUT))


def test_unreachable_target_is_a_readable_setup_error():
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    with pytest.raises(SetupError, match="did not get an answer"):
        setup_driver.configure_recording(f"http://127.0.0.1:{port}", ADMIN, "s", "http://127.0.0.1:1", 2)


def test_start_reaches_the_configured_fake_recording_server(target, owner, room, stand_in):
    with FakeRecordingServer("end to end secret") as fake:
        restore = setup_driver.configure_recording(
            target, ADMIN, "end to end secret", fake.url, TIMEOUT, signaling_stand_in=stand_in
        )
        try:
            setup_driver.join_room(owner, room)
            setup_driver.join_call(owner, room)
            owner.ocs("POST", f"{setup_driver.RECORDING}/{room}", data={"status": 1})
            assert setup_driver.get_room(owner, room)["callRecording"] == 3
            [start] = FakeRecordingServerControl(fake.url).received(room)
            assert start["type"] == "start" and start["signature_valid"]
        finally:
            restore()


def test_a_target_that_does_not_answer_in_time_is_one_line_naming_the_request_and_the_limit():
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        session = TalkSession(f"http://127.0.0.1:{silent.getsockname()[1]}", OWNER, 0.5)
        with pytest.raises(SetupError) as failure:
            session.ocs("GET", f"{setup_driver.TALK}/room")
    assert str(failure.value) == (
        "GET /ocs/v2.php/apps/spreed/api/v4/room as participant1 did not get an answer:"
        " no answer within 0.5 s (the request's timeout)"
    )
