"""Dismissing recording notifications, sharing a stored recording into the chat, and the welcome check."""

import json

import pytest
from reference_helpers import RECORDING, WEBM

DATETIME = "Value provided for dateTime is not valid"


def reason(response):
    return response.json()["ocs"]["data"]


def unix(stamp):
    from datetime import datetime

    return int(datetime.fromisoformat(stamp).timestamp())


@pytest.fixture
def stored(talk, recording_room):
    """A stored recording: (token, file id, notification timestamp)."""
    assert talk.store(recording_room, WEBM, filename="Recording 1.webm").status_code == 200
    notification = talk.notifications(recording_room)[0]
    return recording_room, notification["messageRichParameters"]["file"]["id"], unix(notification["datetime"])


def test_the_stored_file_parameter_has_exactly_the_keys_real_talk_sends(talk, recording_room):
    # Real Talk 22 and 23 (real-talk-22/README.md, item 1): type, id, name, path, link; no mimetype.
    assert talk.store(recording_room, WEBM, filename="Recording 1.webm").status_code == 200
    file = talk.notifications(recording_room)[0]["messageRichParameters"]["file"]
    assert sorted(file) == ["id", "link", "name", "path", "type"]
    assert file["path"] == f"/Talk/Recording/{recording_room}/Recording 1.webm"


def dismiss(talk, token, user="participant1", **params):
    return talk.session(user).delete(f"{talk.url}{RECORDING}/{token}/notification", params=params)


def share(talk, token, user="participant1", **data):
    return talk.session(user).post(f"{talk.url}{RECORDING}/{token}/share-chat", data=data)


def test_dismiss_with_the_notification_timestamp(talk, stored):
    token, _, timestamp = stored
    assert dismiss(talk, token, timestamp=timestamp + 1).status_code == 200  # no match: no-op
    assert len(talk.notifications(token)) == 1
    response = dismiss(talk, token, timestamp=timestamp)
    assert response.status_code == 200 and reason(response) is None
    assert talk.notifications(token) == []


@pytest.mark.parametrize("timestamp", ["0", "abc"])
def test_dismiss_refuses_the_epoch_and_keeps_every_notification(talk, stored, timestamp):
    # Talk 22: the notifications app refuses a notification time of 0 ("abc" coerces to 0).
    token, _, _ = stored
    response = dismiss(talk, token, timestamp=timestamp)
    assert (response.status_code, reason(response)) == (400, {"error": DATETIME})
    assert len(talk.notifications(token)) == 1


def test_dismiss_with_a_negative_timestamp_dismisses_nothing(talk, stored):
    token, _, _ = stored
    response = dismiss(talk, token, timestamp=-1)
    assert (response.status_code, reason(response)) == (200, None)
    assert len(talk.notifications(token)) == 1


def test_dismiss_needs_a_timestamp(talk, stored):
    response = dismiss(talk, stored[0])
    assert (response.status_code, reason(response)) == (400, {"error": "timestamp"})


def test_dismiss_middleware(talk, stored):
    token = stored[0]
    assert dismiss(talk, token, user="participant2", timestamp=0).status_code == 403
    assert dismiss(talk, token, user="participant3", timestamp=0).status_code == 404
    assert dismiss(talk, "unknown1", timestamp=0).status_code == 404
    anonymous = talk.session(None).delete(f"{talk.url}{RECORDING}/{token}/notification?timestamp=0")
    assert anonymous.status_code == 401


def test_share_posts_the_file_and_dismisses(talk, stored):
    token, file_id, timestamp = stored
    response = share(talk, token, fileId=file_id, timestamp=timestamp)
    assert response.status_code == 200 and reason(response) is None
    newest = talk.ocs("participant1", "GET", f"ocs/v2.php/apps/spreed/api/v1/chat/{token}")[0]
    assert newest["messageParameters"]["file"]["id"] == file_id
    # The chat's file parameter carries the file's details, as real Talk's does.
    assert sorted(newest["messageParameters"]["file"]) == sorted(
        ["type", "id", "name", "size", "path", "link", "etag", "permissions", "mimetype"]
        + ["preview-available", "hide-download"]
    )
    assert (newest["message"], newest["messageType"], newest["actorId"]) == (
        "{file}",
        "record-video",
        "participant1",
    )
    assert talk.notifications(token) == []


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"timestamp": "0"}, "fileId"),
        ({"fileId": "-1", "timestamp": "0"}, "fileId"),
        ({"fileId": "FILE"}, "timestamp"),
        ({"fileId": "FILE", "timestamp": "0"}, DATETIME),
        ({"fileId": "987654321", "timestamp": "1"}, "file"),
    ],
)
def test_share_errors(talk, stored, data, error):
    token, file_id, _ = stored
    data = {key: (file_id if value == "FILE" else value) for key, value in data.items()}
    response = share(talk, token, **data)
    assert (response.status_code, reason(response)) == (400, {"error": error})


def test_share_with_a_negative_timestamp_shares_and_dismisses_nothing(talk, stored):
    token, file_id, _ = stored
    response = share(talk, token, fileId=file_id, timestamp=-1)
    assert (response.status_code, reason(response)) == (200, None)
    assert [m["messageType"] for m in talk.chat(token) if m["messageType"] != "system"] == ["record-video"]
    assert len(talk.notifications(token)) == 1


def test_share_only_the_callers_own_files(talk, stored):
    token, file_id, _ = stored
    talk.ocs(
        "participant1",
        "POST",
        f"ocs/v2.php/apps/spreed/api/v4/room/{token}/participants",
        data={"newParticipant": "participant3"},
    )
    attendees = talk.ocs("participant1", "GET", f"ocs/v2.php/apps/spreed/api/v4/room/{token}/participants")
    attendee = next(a for a in attendees if a["actorId"] == "participant3")
    talk.ocs(
        "participant1",
        "POST",
        f"ocs/v2.php/apps/spreed/api/v4/room/{token}/moderators",
        data={"attendeeId": attendee["attendeeId"]},
    )
    response = share(talk, token, user="participant3", fileId=file_id, timestamp=1)
    assert reason(response) == {"error": "file"}


def test_share_middleware(talk, stored):
    token, file_id, _ = stored
    assert share(talk, token, user="participant2", fileId=file_id, timestamp=0).status_code == 403
    assert share(talk, "unknown1", fileId=file_id, timestamp=0).status_code == 404


def test_welcome(talk, recording_server):
    response = talk.session("admin").get(f"{talk.url}{RECORDING}/welcome/0")
    assert response.status_code == 200
    assert reason(response) == {"version": "0.1-fake"}
    assert recording_server.requests[-1].path == "/api/v1/welcome"
    missing = talk.session("admin").get(f"{talk.url}{RECORDING}/welcome/1")
    assert (missing.status_code, reason(missing)) == (404, None)
    forbidden = talk.session("participant1").get(f"{talk.url}{RECORDING}/welcome/0")
    assert forbidden.status_code == 403
    assert forbidden.json()["ocs"]["meta"]["message"] == "Logged in account must be an admin"
    negative = talk.session("admin").get(f"{talk.url}{RECORDING}/welcome/-1")
    meta = negative.json()["ocs"]["meta"]
    assert (negative.status_code, meta["statuscode"], reason(negative)) == (404, 998, [])


def test_welcome_failures(talk, recording_server):
    recording_server.welcome = b"not json"
    response = talk.session("admin").get(f"{talk.url}{RECORDING}/welcome/0")
    assert (response.status_code, reason(response)) == (500, {"error": "JSON_INVALID"})
    talk.set_config(
        "recording_servers", json.dumps({"servers": [{"server": "http://127.0.0.1:9"}], "secret": "s"})
    )
    response = talk.session("admin").get(f"{talk.url}{RECORDING}/welcome/0")
    assert (response.status_code, reason(response)) == (500, {"error": "CAN_NOT_CONNECT"})
