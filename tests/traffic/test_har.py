"""HAR entries: the HAR 1.2 field rules, redaction of secrets, uploads summarised instead of stored."""

from __future__ import annotations

import hashlib
import json

from har_rules import assert_valid_entry, assert_valid_har

from conformance.redaction import MASK, Redactor
from conformance.traffic import _har as har
from conformance.traffic import read_har

SECRET = "the recording secret"


def exchange(**overrides):
    values = dict(
        leg=har.SUITE_TO_TARGET,
        started=1796162490.5,
        duration_ms=12.5,
        method="POST",
        url="http://127.0.0.1:8080/ocs/v2.php/apps/spreed/api/v1/recording/abcdefgh?timestamp=5",
        request_headers=[
            ("Authorization", "Basic cGFydGljaXBhbnQxOjEyMzQ1Ng=="),
            ("Cookie", "oc_sess=abc; nc=1"),
            ("Content-Type", "application/x-www-form-urlencoded"),
        ],
        request_body=b"status=1&password=hunter2",
        status=200,
        status_text="OK",
        response_headers=[
            ("Content-Type", "application/json"),
            ("Set-Cookie", "oc_sess=xyz; path=/; HttpOnly"),
        ],
        response_body=b'{"ocs":{"meta":{"status":"ok","statuscode":200,"message":"OK"},"data":null}}',
        scenario="A moderator starts a video recording",
        actor="participant1",
    )
    values.update(overrides)
    return har.Exchange(**values)


def test_an_entry_follows_the_har_1_2_rules_and_has_timings():
    entry = har.entry(exchange(), Redactor())
    assert_valid_entry(entry)
    assert entry["time"] == 12.5 and entry["timings"]["wait"] == 12.5
    assert entry["startedDateTime"] == "2026-12-01T22:01:30.500Z"
    assert entry["_scenario"] == "A moderator starts a video recording"
    assert entry["request"]["queryString"] == [{"name": "timestamp", "value": "5"}]


def test_authorization_cookies_and_passwords_are_masked():
    entry = har.entry(exchange(), Redactor([SECRET]))
    text = json.dumps(entry)
    assert "cGFydGljaXBhbnQxOjEyMzQ1Ng" not in text and "hunter2" not in text
    assert "abc" not in text.replace("abcdefgh", "") and "xyz" not in text
    headers = {item["name"]: item["value"] for item in entry["request"]["headers"]}
    assert headers["Authorization"] == MASK
    assert headers["Cookie"] == f"oc_sess={MASK}; nc={MASK}"
    assert entry["response"]["cookies"] == [{"name": "oc_sess", "value": MASK}]
    params = {item["name"]: item["value"] for item in entry["request"]["postData"]["params"]}
    assert params == {"status": "1", "password": MASK}


def test_secrets_inside_json_and_known_secrets_are_masked():
    config = json.dumps(
        {"servers": [{"server": "http://127.0.0.1:9/"}], "secret": "a random signaling secret"}
    )
    body = f"value={config}".encode()
    entry = har.entry(
        exchange(request_body=body, response_body=json.dumps({"echo": SECRET}).encode()), Redactor([SECRET])
    )
    text = json.dumps(entry)
    assert "a random signaling secret" not in text and SECRET not in text
    assert entry["request"]["postData"]["params"][0]["value"].endswith(f'"secret": "{MASK}"}}')


def test_a_signed_json_body_is_kept_byte_for_byte():
    body = b'{"type": "started", "started": {"token": "abcdefgh", "status": 1}}'
    entry = har.entry(
        exchange(request_headers=[("Content-Type", "application/json")], request_body=body), Redactor()
    )
    assert entry["request"]["postData"]["text"] == body.decode()


def test_an_upload_is_summarised_by_size_and_sha256_not_stored():
    content = b"\x1aE\xdf\xa3" + b"x" * 200_000
    body = (
        b'--b0\r\nContent-Disposition: form-data; name="owner"\r\n\r\nparticipant1\r\n'
        b'--b0\r\nContent-Disposition: form-data; name="file"; filename="r.webm"\r\n\r\n'
        + content
        + b"\r\n--b0--\r\n"
    )
    entry = har.entry(
        exchange(request_headers=[("Content-Type", "multipart/form-data; boundary=b0")], request_body=body),
        Redactor(),
    )
    assert_valid_entry(entry)
    post = entry["request"]["postData"]
    assert post["text"] == ""
    owner, upload = post["params"]
    assert owner == {"name": "owner", "value": "participant1"}
    assert upload["fileName"] == "r.webm" and upload["_size"] == len(content)
    assert upload["_sha256"] == hashlib.sha256(content).hexdigest()
    assert "xxxxxxxx" not in json.dumps(entry)
    assert entry["request"]["bodySize"] == len(body)


def test_a_large_answer_is_summarised():
    body = b"y" * (har.MAX_STORED_BODY + 1)
    content = har.entry(exchange(response_body=body), Redactor())["response"]["content"]
    assert "text" not in content and content["_summary"]["size"] == len(body)


def test_no_answer_is_status_0_with_the_reason():
    entry = har.entry(
        exchange(status=0, response_headers=(), response_body=b"", error="connection closed"), Redactor()
    )
    assert_valid_entry(entry)
    assert entry["response"]["status"] == 0 and entry["_error"] == "connection closed"


def test_a_log_is_written_one_entry_a_line_and_read_back(tmp_path):
    entries = [har.entry(exchange(started=started), Redactor()) for started in (20.0, 10.0)]
    path = tmp_path / "run.har"
    har.write(path, har.log(entries, "talk-conformance", "0.1.0", "a test"))
    document = read_har(path)
    assert_valid_har(document)
    assert [item["startedDateTime"][:19] for item in document["log"]["entries"]] == [
        "1970-01-01T00:00:10",
        "1970-01-01T00:00:20",
    ]
    assert len(path.read_text().splitlines()) == 4


def test_reading_something_that_is_not_a_har_says_so(tmp_path):
    path = tmp_path / "x.har"
    path.write_text('{"log": {}}')
    for content, words in (('{"log": {}}', "no log.entries"), ("{", "not a JSON document")):
        path.write_text(content)
        try:
            read_har(path)
        except har.HarError as exc:
            assert words in str(exc) and str(path) in str(exc)
        else:
            raise AssertionError("no HarError")
