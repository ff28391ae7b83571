"""Hostile and malformed input never gets a 5xx (the session fixture also checks no traceback was logged)."""

import secrets
import socket
import time

import pytest
import requests
from reference_helpers import RECORDING, SECRET, TALK, sign

AUTH = ("participant1", "123456")
HEADERS = {"OCS-APIRequest": "true", "Accept": "application/json"}


def assert_client_error(response):
    assert 400 <= response.status_code < 500, (response.status_code, response.text[:300])


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/json", b"{"),
        ("application/json", b"\xff\xfe\x00garbage"),
        ("application/json", b"[" * 5000 + b"]" * 5000),
        ("application/json", b'{"status": {"nested": [1, 2, {"x": null}]}}'),
        ("application/json", b'{"status": 1e999}'),
        ("application/json", b'{"status": NaN}'),
        ("application/x-www-form-urlencoded", b"status=%ff%fe&status[]=1"),
        ("multipart/form-data; boundary=xyz", b"--xyz\r\nbroken"),
        ("multipart/form-data", b"no boundary"),
        ("text/plain", b"\x00\x01\x02"),
        ("application/octet-stream", secrets.token_bytes(4096)),
    ],
)
def test_start_with_garbage_bodies(talk, recording_room, server, content_type, body):
    response = requests.post(
        f"{server.url}{RECORDING}/{recording_room}",
        data=body,
        auth=AUTH,
        headers={**HEADERS, "Content-Type": content_type},
        timeout=10,
    )
    assert_client_error(response)


def test_deep_json_in_backend_is_unknown_type(talk_22):
    # Talk 22's message shows what PHP's json_decode made of the body: null beyond its depth limit of 512.
    talk = talk_22
    for depth in (600, 5000, 100000):
        response = talk.backend(b"[" * depth + b"]" * depth)
        assert response.status_code == 400
        assert response.json()["ocs"]["data"]["error"]["message"] == "The given type null is not supported."
    deep_but_allowed = b'{"a":' * 500 + b"1" + b"}" * 500
    response = talk.backend(deep_but_allowed)
    assert response.status_code == 400


@pytest.mark.parametrize(
    "body",
    [
        b"\xff\xfe",
        b'{"type":"started","started":{"token":"\xff"}}',
        b'{"type":"started","started":{"token":"abc","status":1e400,"actor":{}}}',
        b'{"type":"failed","failed":{"token":"' + b"a" * 100000 + b'"}}',
        b'{"type":"stopped","stopped":{"token":"\\ud800"}}',
    ],
)
def test_backend_garbage(talk, body):
    assert_client_error(talk.backend(body))


def test_oversized_bodies_are_refused(talk, recording_room, server):
    response = requests.post(
        f"{server.url}{RECORDING}/{recording_room}",
        data=b"x" * (2 * 1024 * 1024),
        auth=AUTH,
        headers=HEADERS,
        timeout=30,
    )
    assert response.status_code == 413
    assert talk.backend(b" " * (2 * 1024 * 1024)).status_code == 413


def store_raw(server, token, body, content_type):
    random = secrets.token_urlsafe(64)
    headers = {
        "Talk-Recording-Random": random,
        "Talk-Recording-Checksum": sign(SECRET, random, token.encode()),
        "Content-Type": content_type,
        **HEADERS,
    }
    return requests.post(f"{server.url}{RECORDING}/{token}/store", data=body, headers=headers, timeout=30)


@pytest.mark.parametrize(
    ("content_type", "body", "error"),
    [
        (
            "multipart/form-data; boundary=b",
            b'--b\r\nContent-Disposition: form-data; name="owner"\r\n\r\nparticipant1',
            "size",
        ),  # truncated: PHP drops the whole body
        ("multipart/form-data; boundary=b", b"garbage without boundary", "size"),
        (
            "multipart/form-data; boundary=b",
            b'--b\r\nContent-Disposition: form-data; name="owner"\r\n\r\nparticipant1\r\n'
            b'--b\r\nContent-Disposition: form-data; name="file"\r\n\r\nnot a file part\r\n--b--\r\n',
            "invalid_file",
        ),
        (
            "multipart/form-data; boundary=b",
            b'--b\r\nContent-Disposition: form-data; name="owner"\r\n\r\nparticipant1\r\n'
            b'--b\r\nContent-Disposition: form-data; name="file"; filename="\xff\xfe.webm"\r\n\r\n'
            b"\x1a\x45\xdf\xa3\x84\x42\x82\x84webm\r\n--b--\r\n",
            "file_name",
        ),
        ("application/json", b'{"owner":"participant1"}', "invalid_file"),
        ("application/x-www-form-urlencoded", b"owner=participant1", "invalid_file"),
        ("text/plain", b"\x00\x01", "size"),
    ],
)
def test_store_garbage(talk, recording_room, server, content_type, body, error):
    response = store_raw(server, recording_room, body, content_type)
    assert (response.status_code, response.json()["ocs"]["data"]) == (400, {"error": error})


def test_store_huge_part_headers(talk, recording_room, server):
    body = (
        b'--b\r\nContent-Disposition: form-data; name="owner"\r\nX-Junk: '
        + b"j" * 100000
        + b"\r\n\r\nx\r\n--b--\r\n"
    )
    assert_client_error(store_raw(server, recording_room, body, "multipart/form-data; boundary=b"))


def raw_request(server, request: bytes) -> bytes:
    """Send raw bytes; a connection reset by the server counts as an empty answer."""
    host, port = server.url.split("//")[1].rstrip("/").split(":")
    chunks = []
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        try:
            sock.sendall(request)
            while data := sock.recv(65536):
                chunks.append(data)
        except ConnectionResetError:
            pass
    return b"".join(chunks)


def test_non_utf8_paths_and_headers(server):
    answer = raw_request(
        server,
        b"GET /ocs/v2.php/apps/spreed/api/v4/room/%ff%fe HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    )
    assert answer.startswith(b"HTTP/1.1 4")
    answer = raw_request(
        server,
        b"GET /ocs/v2.php/apps/spreed/api/v4/room HTTP/1.1\r\nHost: x\r\nAccept: \xff\xfe\r\n"
        b"Authorization: Basic \xff\xff\r\nOCS-APIRequest: \xe9\r\nConnection: close\r\n\r\n",
    )
    assert answer.startswith(b"HTTP/1.1 401")  # unusable credentials


def test_oversized_headers_are_refused(server):
    answer = raw_request(
        server,
        b"GET /ocs/v2.php/cloud/capabilities HTTP/1.1\r\nHost: x\r\nX-Big: "
        + b"a" * 200000
        + b"\r\nConnection: close\r\n\r\n",
    )
    assert answer.startswith(b"HTTP/1.1 4") or answer == b""


@pytest.mark.parametrize(
    "header",
    ["Basic", "Basic !!!", "Basic " + "A" * 10000, "Basic dXNlcg==", "Bearer x", "Digest abc"],
)
def test_broken_authorization_headers(talk, recording_room, server, header):
    response = requests.post(
        f"{server.url}{RECORDING}/{recording_room}",
        data={"status": 1},
        headers={**HEADERS, "Authorization": header},
        timeout=10,
    )
    assert response.status_code == 401


def test_setup_api_garbage(talk, server):
    session = talk.session("participant1")
    assert_client_error(session.post(f"{server.url}{TALK}/room", data={"roomType": "x"}))
    assert_client_error(session.post(f"{server.url}{TALK}/room", json={"roomType": 2, "roomName": ["x"]}))
    assert_client_error(
        session.post(f"{server.url}{TALK}/room/abcdefgh/moderators", data={"attendeeId": "x"})
    )
    assert_client_error(session.post(f"{server.url}{TALK}/call/abcdefgh"))
    admin = talk.session("admin")
    assert_client_error(
        admin.post(f"{server.url}ocs/v2.php/cloud/users", data={"userid": "../x", "password": "p"})
    )
    assert_client_error(admin.post(f"{server.url}ocs/v2.php/cloud/users", json={"userid": {"a": 1}}))


def test_client_disconnect_mid_upload_leaves_no_spool(talk, recording_room, server):
    random = secrets.token_urlsafe(64)
    head = (
        f"POST /{RECORDING}/{recording_room}/store HTTP/1.1\r\nHost: x\r\nOCS-APIRequest: true\r\n"
        f"Talk-Recording-Random: {random}\r\n"
        f"Talk-Recording-Checksum: {sign(SECRET, random, recording_room.encode())}\r\n"
        "Content-Type: multipart/form-data; boundary=b\r\nContent-Length: 10000000\r\n\r\n"
        '--b\r\nContent-Disposition: form-data; name="file"; filename="x.webm"\r\n\r\n'
    ).encode()
    host, port = server.url.split("//")[1].rstrip("/").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(head + b"\x00" * 100000)
        time.sleep(0.3)
    time.sleep(0.3)
    assert list((server.data_dir / "uploads").iterdir()) == []
    assert talk.room_state(recording_room) == 0  # the server is still fine


def test_multipart_parameters_on_setup_and_recording_endpoints(talk, recording_room, server):
    response = talk.session("participant1").post(
        f"{server.url}{RECORDING}/{recording_room}", files={"status": (None, "2")}
    )
    assert response.status_code == 200
    assert talk.room_state(recording_room) == 4


def test_store_with_thousands_of_fields(talk, recording_room, server):
    parts = [b'--b\r\nContent-Disposition: form-data; name="owner"\r\n\r\nparticipant1\r\n']
    parts += [
        b'--b\r\nContent-Disposition: form-data; name="f%d"\r\n\r\n' % i + b"v" * 2000 + b"\r\n"
        for i in range(3000)
    ]
    body = b"".join(parts) + b"--b--\r\n"
    response = store_raw(server, recording_room, body, "multipart/form-data; boundary=b")
    assert (response.status_code, response.json()["ocs"]["data"]) == (400, {"error": "invalid_file"})
