"""How a failure reads: bodies shortened, pytest's introspection dropped, a cut names where the rest is."""

from __future__ import annotations

import hashlib
import json

import requests

from conformance.protocol._media_samples import ogg_opus_bytes
from conformance.reports import _failure_display as failure_display
from conformance.reports._failure_display import (
    BODY_LINE_LIMIT,
    binary_summary,
    describe_body,
    failure_lines,
    without_introspection,
)


def test_binary_is_size_type_and_checksum_never_the_bytes() -> None:
    data = b"OggS\x00\x02" + bytes(range(256)) * 4 + b"\xff" * 174
    digest = hashlib.sha256(data).hexdigest()[:12]
    assert binary_summary(data, "audio/ogg") == f"<1,204 bytes audio/ogg, sha256 {digest}…>"
    assert describe_body(data, "audio/ogg") == binary_summary(data, "audio/ogg")


def test_an_upload_shows_its_fields_and_the_file_as_a_summary() -> None:
    ogg = ogg_opus_bytes()
    files = [("owner", (None, "alice")), ("file", ("Recording 2026-06-27 10-00-00.ogg", ogg))]
    prepared = requests.Request("POST", "http://127.0.0.1/store", files=files).prepare()
    shown = describe_body(prepared.body, prepared.headers["Content-Type"])
    assert shown.startswith("multipart/form-data: owner='alice'; file ('Recording 2026-06-27 10-00-00.ogg')")
    assert f"<{len(ogg):,} bytes audio/ogg, sha256 " in shown and "OggS" not in shown


def test_json_is_pretty_and_cut_with_a_pointer() -> None:
    small = describe_body(b'{"ocs":{"meta":{"statuscode":400},"data":{"error":"owner"}}}', "application/json")
    assert small.splitlines()[:3] == ["{", '  "ocs": {', '    "meta": {']
    big = json.dumps({"data": [{"id": index} for index in range(50)]}).encode()
    lines = describe_body(big, "application/json").splitlines()
    assert len(lines) == BODY_LINE_LIMIT + 1
    assert lines[-1].startswith("… (") and "--record-traffic" in lines[-1]
    assert describe_body(b"", "text/html") == "(empty)"
    long_text = describe_body("x" * 5000, "text/plain")
    assert long_text.endswith("(5,000 characters; --record-traffic keeps every body whole)")


def test_pytest_introspection_is_dropped() -> None:
    message = "the chat has no recording_failed\nexpected: 'recording_failed'"
    assert without_introspection(message + "\nassert []\n +  where [] = f()") == message
    assert without_introspection("assert False\n +  where False = <function ok at 0x1>()") == ""
    assert failure_display.exception_message(AssertionError("assert []"), "") == (
        "the step's assertion failed (it gives no message)"
    )
    assert failure_display.exception_message(KeyError("data"), "") == "KeyError: 'data'"


def test_a_long_message_is_cut_with_a_pointer_to_the_full_one() -> None:
    message = "scenario 'X': the answer was wrong\n" + "\n".join(f"line {n}" for n in range(200))
    lines = failure_lines("FAILED features/x.feature:3  F: X", message, "/reports/summary.json")
    assert lines[0] == "FAILED features/x.feature:3  F: X"
    assert lines[1] == "    the answer was wrong"  # the heading already names the scenario
    assert lines[-1] == "    (shortened; the full message is in /reports/summary.json)"
    assert failure_lines("h", "short", None) == ["h", "    short"]
