"""The signaling stand-in: real HTTP on loopback, signed room messages, the features header, its records."""

from __future__ import annotations

import json

import pytest
import requests

from conformance.target._signaling_stand_in import (
    CHECKSUM_HEADER,
    FEATURES,
    FEATURES_HEADER,
    RANDOM_HEADER,
    SignalingStandIn,
    SignalingStandInControl,
    checksum,
)

SECRET = "stand-in secret"


@pytest.fixture
def stand_in():
    with SignalingStandIn(SECRET) as server:
        yield server


def post(url: str, token: str, body: bytes, secret: str = SECRET, random: str = "r" * 64):
    headers = {RANDOM_HEADER: random, CHECKSUM_HEADER: checksum(secret, random, body)}
    return requests.post(f"{url}/api/v1/room/{token}", data=body, headers=headers, timeout=5)


def test_a_signed_message_is_answered_with_the_features_and_recorded_per_room(stand_in):
    body = b'{"type":"invite","invite":{"userids":["participant1"]}}'
    response = post(stand_in.url, "abcd1234", body)
    assert response.status_code == 200 and response.json() == {}
    assert response.headers[FEATURES_HEADER] == FEATURES
    [entry] = SignalingStandInControl(stand_in.url).received("abcd1234")
    assert entry["type"] == "invite" and entry["signature_valid"] is True and entry["answer"] == 200
    assert entry["method"] == "POST" and entry["path"] == "/api/v1/room/abcd1234"
    assert entry["body"] == body.decode() and entry["message"]["invite"]["userids"] == ["participant1"]
    assert [RANDOM_HEADER, "r" * 64] in entry["headers"] and entry["received_at"] > 0
    assert stand_in.received("abcd1234") == [entry] and stand_in.received("other") == []


@pytest.mark.parametrize(
    "secret, random", [("another secret", "r" * 64), (SECRET, "")], ids=["wrong secret", "no random"]
)
def test_a_bad_signature_is_refused_with_403_and_recorded(stand_in, secret, random):
    response = post(stand_in.url, "abcd1234", b'{"type":"delete","delete":{}}', secret, random)
    assert response.status_code == 403
    [entry] = stand_in.received("abcd1234")
    assert entry["signature_valid"] is False and entry["answer"] == 403


def test_the_checksum_covers_the_raw_body(stand_in):
    random = "q" * 64
    signed = checksum(SECRET, random, b'{"type":"message"}')
    headers = {RANDOM_HEADER: random, CHECKSUM_HEADER: signed}
    response = requests.post(
        f"{stand_in.url}/api/v1/room/tok1", data=b'{"type": "message"}', headers=headers, timeout=5
    )
    assert response.status_code == 403


def test_welcome_answers_like_a_signaling_server(stand_in):
    response = requests.get(f"{stand_in.url}/api/v1/welcome", timeout=5)
    assert response.status_code == 200 and FEATURES_HEADER in response.headers
    assert response.json()["version"] and "hello-v2" in response.json()["features"]
    assert [exchange["path"] for exchange in stand_in.exchanges()] == ["/api/v1/welcome"]


def test_the_features_header_can_be_removed_to_break_the_stand_in(stand_in):
    control = SignalingStandInControl(stand_in.url)
    control.set_features(None)
    response = post(stand_in.url, "abcd1234", json.dumps({"type": "update", "update": {}}).encode())
    assert response.status_code == 200 and FEATURES_HEADER not in response.headers
    control.set_features(FEATURES)
    assert FEATURES_HEADER in requests.get(f"{stand_in.url}/api/v1/welcome", timeout=5).headers
    control.forget("abcd1234")
    assert control.received("abcd1234") == [] and len(control.exchanges()) == 2


def test_a_port_in_use_is_a_setup_error(stand_in):
    from conformance.outcomes import SetupError

    port = int(stand_in.url.rsplit(":", 1)[1])
    with pytest.raises(SetupError, match="signaling stand-in cannot listen on 127.0.0.1"):
        SignalingStandIn(SECRET, port=port).start()


def test_a_signed_message_of_any_type_is_welcome_and_a_body_that_is_not_one_is_refused(stand_in):
    assert post(stand_in.url, "tok1", b'{"type":"dialout","dialout":{}}').status_code == 200
    assert post(stand_in.url, "tok1", b"not json").status_code == 400
    assert [entry["answer"] for entry in stand_in.received("tok1")] == [200, 400]
