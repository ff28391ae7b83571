"""Brute-force protection: counting, 429 at the limit, delays and the admin reset."""

import json
import time

import pytest
import requests
from reference_helpers import RunningServer, Talk

RESET = "ocs/v2.php/apps/talk_reference/api/v1/bruteforce"


def failed_body(token):
    return json.dumps({"type": "failed", "failed": {"token": token}}).encode()


def test_backend_bad_signatures_reach_429_then_reset(talk, recording_room):
    for _ in range(10):
        assert talk.backend(failed_body(recording_room), secret="wrong").status_code == 403
    eleventh = talk.backend(failed_body(recording_room), secret="wrong")
    assert eleventh.status_code == 429
    assert eleventh.json()["ocs"] == {
        "meta": {"status": "failure", "statuscode": 429, "message": "Reached maximum delay"},
        "data": [],
    }
    assert talk.backend(failed_body(recording_room)).status_code == 429  # even a good one is blocked
    assert talk.session("participant1").delete(talk.url + RESET).status_code == 403
    assert talk.session("admin").delete(talk.url + RESET).status_code == 200
    assert talk.backend(failed_body(recording_room)).status_code == 200


def test_store_bad_signatures_share_the_counter(talk, recording_room):
    for _ in range(5):
        assert talk.backend(failed_body(recording_room), secret="wrong").status_code == 403
    for _ in range(5):
        assert talk.store(recording_room, b"x", secret="wrong").status_code == 401
    assert talk.store(recording_room, b"x", secret="wrong").status_code == 429
    assert talk.store(recording_room, b"x").status_code == 429


def test_started_in_wrong_state_counts_for_the_status_action(talk, recording_room):
    body = {
        "type": "started",
        "started": {"token": recording_room, "status": 1, "actor": {"type": "users", "id": "participant1"}},
    }
    for _ in range(10):
        assert talk.backend(body).status_code == 404
    assert talk.backend(body).status_code == 429
    assert talk.backend(failed_body(recording_room)).status_code == 429  # backend checks both actions
    assert talk.store(recording_room, b"x").status_code == 400  # store only checks the secret action


@pytest.fixture
def throttled_server(tmp_path):
    running = RunningServer(tmp_path / "data", {"bruteforce": {"enabled": True, "testing": False}}).start()
    yield Talk(running.url)
    assert running.stop() == 0


def test_real_delays_are_slept_and_announced(throttled_server, recording_server):
    talk = throttled_server
    talk.configure_recording(recording_server.url)
    token = talk.room()
    started = time.monotonic()
    first = talk.backend(failed_body(token), secret="wrong")
    assert first.status_code == 403
    assert first.headers["X-Nextcloud-Bruteforce-Throttled"] == "200ms"  # slept after registering
    second = talk.backend(failed_body(token))
    assert second.status_code == 200
    assert second.headers["X-Nextcloud-Bruteforce-Throttled"] == "200ms"  # slept before running
    assert time.monotonic() - started >= 0.4


def test_disabled_protection_never_blocks(tmp_path, recording_server):
    running = RunningServer(tmp_path / "data", {"bruteforce": {"enabled": False}}).start()
    try:
        talk = Talk(running.url)
        talk.configure_recording(recording_server.url)
        token = talk.room()
        for _ in range(12):
            assert talk.backend(failed_body(token), secret="wrong").status_code == 403
        assert talk.backend(failed_body(token)).status_code == 200
    finally:
        assert running.stop() == 0


def test_reset_endpoint_needs_csrf_and_login(talk, server):
    assert requests.delete(server.url + RESET, auth=("admin", "admin"), timeout=10).status_code == 412
    assert (
        requests.delete(server.url + RESET, headers={"OCS-APIRequest": "true"}, timeout=10).status_code == 401
    )
