"""The release the server models (talk_version 22 or 23): its capabilities and every rule that changed in 23.

The expected answers come from the real servers' runs (../shared/reference/real-talk-22 and real-talk-23).
"""

import json

import pytest
from reference_helpers import MP4, RECORDING, WEBM

from reference_server import talk_release

ACTOR = {"type": "users", "id": "participant1"}
UNKNOWN_TYPE_MESSAGE_23 = "The given request is not supported."


def _starting_room(talk) -> str:
    """A room with an active call whose recording is starting (video), owned by participant1."""
    token = talk.room()
    talk.join_call(token)
    assert talk.start(token, status=1).status_code == 200
    assert talk.room_state(token) == 3
    return token


def _typed_error(response) -> tuple[int, str, str]:
    data = response.json()["ocs"]["data"]
    assert data["type"] == "error", data
    return response.status_code, data["error"]["code"], data["error"]["message"]


# --- capabilities ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("talk_version", "spreed_version", "nextcloud"),
    [(22, "22.0.10", (32, 0, 1, "32.0.1")), (23, "23.0.6", (33, 0, 1, "33.0.1"))],
)
def test_capabilities_report_the_modelled_release(request, talk_version, spreed_version, nextcloud):
    server = request.getfixturevalue("server_22" if talk_version == 22 else "server")
    response = _get_capabilities(server.url)
    assert response.status_code == 200
    data = response.json()["ocs"]["data"]
    major, minor, micro, string = nextcloud
    # The keys and types a real Nextcloud 32/33 sends (run-2026-12-06.har).
    assert data["version"] == {
        "major": major,
        "minor": minor,
        "micro": micro,
        "string": string,
        "edition": "",
        "extendedSupport": False,
    }
    assert data["capabilities"]["spreed"]["version"] == spreed_version
    assert data["capabilities"]["talk_reference"] == {
        "version": talk_release.package_version(),
        "models_talk": spreed_version,
    }


def test_the_default_release_is_the_newest(server):
    data = _get_capabilities(server.url).json()["ocs"]["data"]
    assert data["capabilities"]["spreed"]["version"] == talk_release.of(talk_release.NEWEST).talk
    assert talk_release.NEWEST == 23


def test_the_reference_capability_names_the_installed_package():
    from importlib import metadata

    assert talk_release.package_version() == metadata.version("talk-recording-conformance")


def _get_capabilities(url: str):
    import requests

    return requests.get(
        f"{url}ocs/v2.php/cloud/capabilities", headers={"Accept": "application/json"}, timeout=30
    )


# --- store: MP4 ------------------------------------------------------------------------------------


def test_talk_22_refuses_mp4(talk_22, server_22):
    token = talk_22.room()
    talk_22.join_call(token)
    response = talk_22.store(token, MP4, filename="a.mp4")
    assert (response.status_code, response.json()["ocs"]["data"]) == (400, {"error": "file_mimetype"})
    assert not (server_22.data_dir / "files/participant1/Talk/Recording" / token / "a.mp4").exists()
    assert talk_22.notifications(token) == []


def test_talk_23_stores_mp4_like_the_other_formats(talk, server):
    token = talk.room()
    talk.join_call(token)
    response = talk.store(token, MP4, filename="Recording 2026-01-01 10-00-00.mp4")
    assert (response.status_code, response.json()["ocs"]["data"]) == (200, None)
    stored = (
        server.data_dir / "files/participant1/Talk/Recording" / token / "Recording 2026-01-01 10-00-00.mp4"
    )
    assert stored.read_bytes() == MP4
    (notification,) = talk.notifications(token)
    assert notification["messageRichParameters"]["file"]["name"] == "Recording 2026-01-01 10-00-00.mp4"


@pytest.mark.parametrize("name", ["a.webm", "a.m4v", "a"])
def test_talk_23_wants_the_mp4_extension_for_an_mp4(talk, name):
    token = talk.room()
    talk.join_call(token)
    response = talk.store(token, MP4, filename=name)
    assert (response.status_code, response.json()["ocs"]["data"]) == (400, {"error": "file_extension"})


def test_a_webm_named_mp4_is_refused_in_both_releases(release_talk):
    _, talk = release_talk
    token = talk.room()
    talk.join_call(token)
    response = talk.store(token, WEBM, filename="a.mp4")
    assert (response.status_code, response.json()["ocs"]["data"]) == (400, {"error": "file_extension"})


# --- backend: the unknown_type message -------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "talk_22_message"),
    [
        (
            b'{"type":"paused","paused":{"token":"x"}}',
            'The given type {"type":"paused","paused":{"token":"x"}} is not supported.',
        ),
        (b'{"failed":{"token":"x"}}', 'The given type {"failed":{"token":"x"}} is not supported.'),
        (b"this is not JSON", "The given type null is not supported."),
    ],
)
def test_the_unknown_type_message_is_the_modelled_releases(release_talk, raw, talk_22_message):
    talk_version, talk = release_talk
    expected = talk_22_message if talk_version == 22 else UNKNOWN_TYPE_MESSAGE_23
    assert _typed_error(talk.backend(raw)) == (400, "unknown_type", expected)


# --- backend: a known type with missing or mistyped fields (register D16) ------------------------------

MALFORMED = [
    # The five the real runs show (Talk 23: 400 unknown_type; Talk 22: 500), and more of the same kind.
    {"type": "started", "started": {"token": "TOKEN", "actor": ACTOR}},
    {"type": "started", "started": {"token": "TOKEN", "status": 1}},
    {"type": "started", "started": {"token": "TOKEN", "status": 9, "actor": ACTOR}},
    {"type": "started", "started": {"token": "TOKEN", "status": "1", "actor": ACTOR}},
    {"type": "stopped", "stopped": {"token": 12345678}},
    {"type": "failed"},
    {"type": "failed", "failed": "abc"},
    {"type": "stopped", "stopped": {"token": None}},
    {"type": "stopped", "stopped": {"token": "TOKEN", "actor": "x"}},
    {"type": "started", "started": {"token": "TOKEN", "status": True, "actor": ACTOR}},
    {"type": "started", "started": {"token": "TOKEN", "status": -1, "actor": ACTOR}},
    {"type": "started", "started": {"token": "TOKEN", "status": 1, "actor": {"type": "users"}}},
]


@pytest.mark.parametrize("body", MALFORMED)
def test_a_malformed_report_is_an_unknown_type_in_both_releases(release_talk, body):
    talk_version, talk = release_talk
    token = _starting_room(talk)
    raw = json.dumps(body, separators=(",", ":")).replace("TOKEN", token).encode()
    status, code, message = _typed_error(talk.backend(raw))
    assert (status, code) == (400, "unknown_type")
    expected = (
        f"The given type {raw.decode()} is not supported." if talk_version == 22 else UNKNOWN_TYPE_MESSAGE_23
    )
    assert message == expected
    assert talk.room_state(token) == 3


def test_a_malformed_report_answers_in_the_requested_format(talk):
    token = _starting_room(talk)
    body = json.dumps({"type": "started", "started": {"token": token, "status": 9, "actor": ACTOR}})
    response = talk.backend(body.encode(), Accept="application/xml")
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/xml")
    assert "<code>unknown_type</code>" in response.text


# --- unchanged between the releases -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("request_kind", "reason"),
    [("start without status", "status"), ("dismiss without timestamp", "timestamp")],
)
def test_missing_parameters_keep_their_ocs_reason_in_both_releases(release_talk, request_kind, reason):
    _, talk = release_talk
    token = talk.room()
    talk.join_call(token)
    http = talk.session("participant1")
    if request_kind == "start without status":
        response = http.post(f"{talk.url}{RECORDING}/{token}")
    else:
        response = http.delete(f"{talk.url}{RECORDING}/{token}/notification")
    assert (response.status_code, response.json()["ocs"]["data"]) == (400, {"error": reason})
