"""Callbacks and uploads carry the recording server's exact bytes and headers."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from conformance.protocol import signature_without_checksum, verify_checksum, video_webm
from conformance.target._recording_server_callbacks import (
    USER_AGENT,
    RecordingServerClient,
    multipart_body,
)

SECRET = "the-shared-secret"


class _Capture(BaseHTTPRequestHandler):
    captured: list = []

    def log_message(self, *args):
        pass

    def do_POST(self):  # noqa: N802
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.captured.append((self.path, dict(self.headers), body))
        data = b'{"ocs":{"meta":{"status":"ok","statuscode":200,"message":"OK"},"data":null}}'
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture
def target():
    handler = type("Handler", (_Capture,), {"captured": []})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/", handler.captured
    httpd.shutdown()
    httpd.server_close()


def test_failed_callback_bytes_and_headers(target):
    url, captured = target
    RecordingServerClient(url, SECRET, timeout=5).failed("abc123de")
    [(path, headers, body)] = captured
    assert path == "/ocs/v2.php/apps/spreed/api/v1/recording/backend"
    assert body == b'{"type": "failed", "failed": {"token": "abc123de"}}'
    assert headers["OCS-ApiRequest"] == "true"
    assert headers["User-Agent"] == USER_AGENT
    assert len(headers["Talk-Recording-Random"]) == 86
    assert verify_checksum(SECRET, headers["Talk-Recording-Random"], body, headers["Talk-Recording-Checksum"])


def test_started_and_stopped_bodies_match_the_real_server(target):
    url, captured = target
    client = RecordingServerClient(url, SECRET, timeout=5)
    client.started("abc123de", 1, "users", "alice")
    client.stopped("abc123de", "users", "alice")
    client.stopped("abc123de")
    assert [body for _, _, body in captured] == [
        b'{"type": "started", "started": {"token": "abc123de", "status": 1, '
        b'"actor": {"type": "users", "id": "alice"}}}',
        b'{"type": "stopped", "stopped": {"token": "abc123de", "actor": {"type": "users", "id": "alice"}}}',
        b'{"type": "stopped", "stopped": {"token": "abc123de"}}',
    ]


def test_store_is_signed_over_the_token_and_laid_out_like_the_real_upload(target):
    url, captured = target
    RecordingServerClient(url, SECRET, timeout=5).store("abc123de", "alice", video_webm())
    [(path, headers, body)] = captured
    assert path == "/ocs/v2.php/apps/spreed/api/v1/recording/abc123de/store"
    boundary = headers["Content-Type"].removeprefix("multipart/form-data; boundary=")
    assert len(boundary) == 32
    assert body.startswith(
        f'--{boundary}\r\nContent-Disposition: form-data; name="owner"\r\n\r\nalice\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
        f'filename="Recording 2026-06-27 10-00-00.webm"\r\n\r\n'.encode()
    )
    assert body.endswith(f"\r\n--{boundary}--\r\n".encode())
    assert verify_checksum(
        SECRET, headers["Talk-Recording-Random"], b"abc123de", headers["Talk-Recording-Checksum"]
    )


def test_broken_signature_factory_is_used(target):
    url, captured = target
    RecordingServerClient(url, SECRET, timeout=5).callback({"type": "failed"}, signature_without_checksum)
    assert "Talk-Recording-Checksum" not in captured[0][1]


def test_multipart_parts_can_be_left_out_and_max_file_size_precedes_the_file():
    body, content_type = multipart_body(None, video_webm(), max_file_size=10)
    assert b'name="owner"' not in body
    assert body.index(b'name="MAX_FILE_SIZE"') < body.index(b'name="file"')
    body, _ = multipart_body("alice", None)
    assert b'name="file"' not in body
    assert json.dumps(content_type).startswith('"multipart/form-data; boundary=')


def test_filename_quotes_and_newlines_are_escaped():
    sample = video_webm().__class__('a"b\r\n.webm', b"x", "video/webm")
    body, _ = multipart_body("alice", sample)
    assert b'filename="a%22b%0D%0A.webm"' in body


def test_csrf_header_can_be_left_out(target):
    url, captured = target
    client = RecordingServerClient(url, SECRET, timeout=5)
    client.store("abc123de", "alice", video_webm(), csrf_header=False)
    client.post_body(b"{}", csrf_header=False)
    assert all("OCS-ApiRequest" not in headers for _, headers, _ in captured)
