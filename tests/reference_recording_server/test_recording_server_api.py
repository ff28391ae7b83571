"""The reference recording server's HTTP API over real sockets: welcome, order of the checks, start/stop."""

from __future__ import annotations

import json
import time

from conformance.recording_server_suite._talk_requests import checksum, start_message, stop_message, talk_json
from reference_recording_server import __version__

START = talk_json(start_message(1, "alice", "users", "alice"))


def test_welcome_tells_the_version(recorder):
    exchange = recorder.talk.welcome()
    assert exchange.status == 200
    assert exchange.content_type == "application/json"
    assert exchange.json() == {"version": __version__}


def test_the_size_is_checked_before_the_checksum(recorder):
    oversized = talk_json({"type": "start", "start": {"owner": "x" * 2000}})
    exchange = recorder.talk.room("abc123de", oversized, "oversized", signature="0" * 64)
    assert exchange.status == 400
    assert exchange.json() == {"error": "body larger than maxmessagesize"}


def test_the_first_failing_check_decides(recorder):
    # No backend header and no random: the backend check comes first.
    exchange = recorder.talk.room(
        "abc123de", START, "two flaws", omit=("Talk-Recording-Backend", "Talk-Recording-Random")
    )
    assert exchange.status == 403
    assert exchange.json() == {"error": "missing Talk-Recording-Backend header"}


def test_an_uppercase_checksum_is_refused_as_upstream_does(recorder):
    random = "r" * 40
    upper = checksum(recorder.talk.secret, random, START).upper()
    exchange = recorder.talk.room("abc123de", START, "uppercase", random=random, signature=upper)
    assert exchange.status == 403


def test_invalid_json_is_a_400_with_a_json_error_body(recorder):
    exchange = recorder.talk.room("abc123de", b"{not json", "not JSON")
    assert (exchange.status, exchange.content_type) == (400, "application/json")
    assert json.loads(exchange.body) == {"error": "body is not JSON"}


def test_a_backend_with_a_trailing_slash_is_the_same_backend(recorder):
    backend = recorder.stand_in.backend_url.rstrip("/")
    exchange = recorder.talk.room("abc123de", START, "no trailing slash", backend=backend)
    assert exchange.status == 200
    # Reports go to the backend as named in the request; the stand-in knows no such room, so it answers 404.
    entry = recorder.stand_in.wait_for("abc123de", lambda e: e.report_type is not None, 5)
    assert entry is not None and entry.path == "/ocs/v2.php/apps/spreed/api/v1/recording/backend"
    assert entry.signature_problem is None


def test_start_then_stop_reports_started_stopped_and_uploads(recorder):
    recorder.stand_in.expect_room("lifecycl")
    assert recorder.talk.room("lifecycl", START, "start").status == 200
    started = recorder.stand_in.wait_for("lifecycl", lambda e: e.report_type == "started", 5)
    assert started is not None
    # upstream's exact serialisation (json.dumps defaults), signed over exactly these bytes
    assert started.body == (
        b'{"type": "started", "started": {"token": "lifecycl", "status": 1, '
        b'"actor": {"type": "users", "id": "alice"}}}'
    )
    stop = talk_json(stop_message("users", "bob"))
    assert recorder.talk.room("lifecycl", stop, "stop").status == 200
    upload = recorder.stand_in.wait_for("lifecycl", lambda e: e.kind == "store", 5)
    assert upload is not None and upload.status == 200, upload and upload.describe()
    headers = dict(upload.headers)
    assert headers["User-Agent"] == f"Nextcloud-Talk-Recording/{__version__}"
    assert upload.form["owner"] == "alice"
    assert upload.form["part_content_type"] is None  # like upstream: the file part has no Content-Type
    assert upload.form["filename"].startswith("Recording ") and upload.form["filename"].endswith(".webm")
    # once the upload is answered the recording is over, and a stop finds nothing
    deadline = time.monotonic() + 5
    while recorder.talk.room("lifecycl", stop, "stop again").status != 404:
        assert time.monotonic() < deadline, "the recording was never forgotten"
        time.sleep(0.05)


def test_reports_go_to_the_backend_with_its_webroot(tmp_path):
    import socket

    from conformance.recording_server_suite._embedded import EmbeddedRecordingServer
    from conformance.recording_server_suite._talk_requests import TalkRequests
    from conformance.recording_server_suite._talk_stand_in import TalkStandIn

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    public = f"http://127.0.0.1:{port}/nextcloud/"
    stand_in = TalkStandIn("webroot secret", port=port, public_url=public)
    stand_in.start()
    server = EmbeddedRecordingServer(tmp_path, public, "webroot secret")
    try:
        talk = TalkRequests(server.start(), "webroot secret", stand_in.backend_url, timeout=10)
        stand_in.expect_room("webroot1")
        assert talk.room("webroot1", START, "start").status == 200
        started = stand_in.wait_for("webroot1", lambda e: e.report_type == "started", 5)
        assert (
            started is not None
            and started.path == "/nextcloud/ocs/v2.php/apps/spreed/api/v1/recording/backend"
        )
        assert started.status == 200
    finally:
        server.stop()
        stand_in.stop()
