"""Store: signature over the token, owner and file checks, sniffing, streamed uploads, notifications."""

import os
import secrets
import time

import pytest
import requests
from reference_helpers import MKV, OGG_AUDIO, OGG_VIDEO, RECORDING, SECRET, UPLOAD_LIMIT, WEBM, sign


def reason(response):
    return response.json()["ocs"]["data"]


def stored_file(server, owner, token, name):
    return server.data_dir / "files" / owner / "Talk" / "Recording" / token / name


@pytest.mark.parametrize(
    ("content", "name"),
    [(WEBM, "a.webm"), (MKV, "a.mkv"), (OGG_AUDIO, "a.ogg"), (OGG_VIDEO, "a.ogv"), (WEBM, "a.WEBM")],
)
def test_store_accepts_each_format(talk, recording_room, server, content, name):
    response = talk.store(recording_room, content, filename=name)
    assert response.status_code == 200, response.text
    assert reason(response) is None
    assert stored_file(server, "participant1", recording_room, name).read_bytes() == content


def test_store_notifies_the_owner_with_file_id(talk, recording_room):
    before = int(time.time())
    talk.store(recording_room, WEBM, filename="Recording 2026-01-01 10-00-00.webm")
    notification = talk.notifications(recording_room)[0]
    assert notification["app"] == "spreed"
    assert (notification["object_type"], notification["object_id"]) == ("recording", recording_room)
    assert notification["subjectRich"] == "Call recording now available"  # no subjectKey: Talk sends none
    file = notification["messageRichParameters"]["file"]
    assert file["name"] == "Recording 2026-01-01 10-00-00.webm" and int(file["id"]) > 0
    stamp = notification["datetime"]
    assert stamp.endswith("+00:00") and len(stamp) == 25
    labels = [action["label"] for action in notification["actions"]]
    assert labels == ["Share to chat", "Dismiss notification"]
    assert f"fileId={file['id']}" in notification["actions"][0]["link"]
    assert before - 1 <= time_of(stamp) <= int(time.time())


def time_of(stamp):
    from datetime import datetime

    return int(datetime.fromisoformat(stamp).timestamp())


def test_store_owner_may_be_any_user_participant(talk, recording_room, server):
    response = talk.store(recording_room, OGG_AUDIO, filename="x.ogg", owner="participant2")
    assert response.status_code == 200
    assert stored_file(server, "participant2", recording_room, "x.ogg").exists()


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"owner": None}, "size"),
        ({"owner": "participant3"}, "owner_participant"),
        ({"owner": ""}, "owner_participant"),
        ({"content": None}, "invalid_file"),
        ({"content": b""}, "empty_file"),
        ({"content": b"plain text, not a recording"}, "file_mimetype"),
        ({"content": b"OggS" + b"\x00" * 100}, "file_mimetype"),
        ({"filename": "recording.ogg"}, "file_extension"),
        ({"filename": "recording"}, "file_extension"),
        ({"content": OGG_AUDIO, "filename": "recording.ogv"}, "file_extension"),
        ({"content": OGG_VIDEO, "filename": "recording.ogg"}, "file_extension"),
    ],
)
def test_store_errors(talk, recording_room, kwargs, error):
    arguments = {"content": WEBM, "filename": "r.webm", **kwargs}
    response = talk.store(recording_room, arguments.pop("content"), **arguments)
    assert (response.status_code, reason(response)) == (400, {"error": error})


def test_store_order_owner_participant_before_file_checks(talk, recording_room):
    response = talk.store(recording_room, b"", owner="participant3")
    assert reason(response) == {"error": "owner_participant"}


def test_store_upload_limit_and_max_file_size_give_invalid_file(talk, recording_room):
    too_big = talk.store(recording_room, WEBM + b"\x00" * (UPLOAD_LIMIT - len(WEBM) + 1), filename="big.webm")
    assert (too_big.status_code, reason(too_big)) == (400, {"error": "invalid_file"})
    form_limit = talk.store(
        recording_room, WEBM, filename="f.webm", fields=[("MAX_FILE_SIZE", (None, "100"))]
    )
    assert reason(form_limit) == {"error": "invalid_file"}
    fits = talk.store(recording_room, WEBM, filename="f.webm", fields=[("MAX_FILE_SIZE", (None, "100000"))])
    assert fits.status_code == 200


def test_store_failure_notifies_the_recording_owner(talk, recording_room):
    assert talk.start(recording_room).status_code == 200  # start remembers the owner
    talk.store(recording_room, WEBM, owner=None)
    failed = "Failed to upload call recording"
    subjects = [n["subject"] for n in talk.notifications(recording_room)]
    assert failed in subjects
    failure = next(n for n in talk.notifications(recording_room) if n["subject"] == failed)
    assert failure["object_type"] == "recording_information"


def test_store_signature_is_over_the_token(talk, recording_room, server):
    url = f"{server.url}{RECORDING}/{recording_room}/store"
    files = {"owner": (None, "participant1"), "file": ("r.webm", WEBM)}
    random = secrets.token_urlsafe(64)
    for headers in (
        {
            "Talk-Recording-Random": random,
            "Talk-Recording-Checksum": sign("wrong", random, recording_room.encode()),
        },
        {"Talk-Recording-Random": random, "Talk-Recording-Checksum": sign(SECRET, random, b"other")},
        {
            "Talk-Recording-Random": "short",
            "Talk-Recording-Checksum": sign(SECRET, "short", recording_room.encode()),
        },
        {},
    ):
        headers.update({"OCS-APIRequest": "true", "Accept": "application/json"})
        response = requests.post(url, headers=headers, files=files, timeout=30)
        assert response.status_code == 401
        assert reason(response) == {
            "type": "error",
            "error": {"code": "invalid_request", "message": "The request could not be authenticated."},
        }
    upper = {
        "Talk-Recording-Random": random,
        "Talk-Recording-Checksum": sign(SECRET, random, recording_room.encode()).upper(),
        "OCS-APIRequest": "true",
    }
    assert requests.post(url, headers=upper, files=files, timeout=30).status_code == 200


def test_store_unknown_room_is_404_before_signature(talk):
    response = talk.store("nosuchroom", WEBM, secret="wrong")
    assert response.status_code == 404
    assert reason(response) == []


def test_store_needs_csrf_header(talk, recording_room, server):
    random = secrets.token_urlsafe(64)
    headers = {
        "Talk-Recording-Random": random,
        "Talk-Recording-Checksum": sign(SECRET, random, recording_room.encode()),
    }
    response = requests.post(
        f"{server.url}{RECORDING}/{recording_room}/store",
        headers=headers,
        files={"owner": (None, "x")},
        timeout=30,
    )
    assert response.status_code == 412


@pytest.mark.parametrize(
    "hostile", ["../../../etc/evil.webm", "..\\..\\evil.webm", "/abs/evil.webm", "a/../evil.webm"]
)
def test_store_strips_paths_from_file_names(talk, recording_room, server, hostile):
    assert talk.store(recording_room, WEBM, filename=hostile).status_code == 200
    assert stored_file(server, "participant1", recording_room, "evil.webm").exists()
    assert not (server.data_dir.parent / "evil.webm").exists()


@pytest.mark.parametrize("hostile", ["..", ".", "", "bad\x01name.webm"])
def test_store_rejects_names_that_are_not_files(talk, recording_room, hostile):
    response = talk.store(recording_room, WEBM, filename=hostile)
    assert response.status_code == 400


def test_store_overwrites_and_keeps_the_file_id(talk, recording_room, server):
    talk.store(recording_room, WEBM, filename="same.webm")
    first = talk.notifications(recording_room)[0]["messageRichParameters"]["file"]["id"]
    talk.store(recording_room, MKV[:4] + WEBM[4:] + b"x", filename="same.webm")
    second = talk.notifications(recording_room)[0]["messageRichParameters"]["file"]["id"]
    assert first == second
    assert stored_file(server, "participant1", recording_room, "same.webm").read_bytes().endswith(b"x")


def peak_rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    raise AssertionError("no VmHWM")


class StreamedMultipart:
    """A multipart body produced piecewise: neither the test nor requests holds the whole upload."""

    def __init__(self, head: bytes, zero_mib: int, filename: str):
        boundary = secrets.token_hex(16)
        self.content_type = f"multipart/form-data; boundary={boundary}"
        preamble = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="owner"\r\n\r\nparticipant1\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n\r\n'
        ).encode()
        self.parts = [preamble, head] + [None] * zero_mib + [f"\r\n--{boundary}--\r\n".encode()]
        self.length = sum(len(p) for p in self.parts if p is not None) + zero_mib * 1024 * 1024

    def read(self, _size=-1):
        if not self.parts:
            return b""
        part = self.parts.pop(0)
        return b"\x00" * (1024 * 1024) if part is None else part

    def __len__(self):
        return self.length


def test_large_upload_is_streamed_to_disk(talk, recording_room, server):
    body = StreamedMultipart(WEBM, 50, "large.webm")
    random = secrets.token_urlsafe(64)
    headers = {
        "Talk-Recording-Random": random,
        "Talk-Recording-Checksum": sign(SECRET, random, recording_room.encode()),
        "OCS-APIRequest": "true",
        "Content-Type": body.content_type,
    }
    before = peak_rss_kib(server.pid)
    started = time.monotonic()
    response = requests.post(
        f"{server.url}{RECORDING}/{recording_room}/store", data=body, headers=headers, timeout=120
    )
    elapsed = time.monotonic() - started
    assert response.status_code == 200, response.text
    stored = stored_file(server, "participant1", recording_room, "large.webm")
    assert os.path.getsize(stored) == len(WEBM) + 50 * 1024 * 1024
    growth_mib = (peak_rss_kib(server.pid) - before) / 1024
    print(f"50 MiB upload: {elapsed:.2f}s, server peak RSS growth {growth_mib:.1f} MiB")
    assert growth_mib < 20
    assert list((server.data_dir / "uploads").iterdir()) == []


def test_store_cannot_be_led_outside_the_users_folder(talk, recording_room, server, tmp_path):
    folder = server.data_dir / "files" / "participant1" / "Talk" / "Recording"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / recording_room).symlink_to(tmp_path)
    response = talk.store(recording_room, WEBM, filename="escape.webm")
    assert (response.status_code, reason(response)) == (400, {"error": "file_invalid_path"})
    assert list(tmp_path.iterdir()) == []


def test_store_unwritable_destination_is_owner_permission(talk, recording_room, server):
    stored_file(server, "participant1", recording_room, "taken.webm").mkdir(parents=True)
    response = talk.store(recording_room, WEBM, filename="taken.webm")
    assert (response.status_code, reason(response)) == (400, {"error": "owner_permission"})
    assert list((server.data_dir / "uploads").iterdir()) == []
