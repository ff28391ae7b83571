"""The converter of a proxy's JSONL capture, and the real Nextcloud 32 recording it produced."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from har_rules import assert_valid_har

from conformance.traffic import (
    RECORDINGS_DIR,
    jsonl_import,
    read_har,
    shipped_recording_names,
    shipped_traffic_path,
)

ROOM = "/ocs/v2.php/apps/spreed/api/v4/room"


def row(t, method, target, status=200, body="", answer=None, scenario=None, user="participant1", **extra):
    headers = [["Host", "127.0.0.1:18181"], ["User-Agent", "python-requests/2.34.2"]]
    if user:
        headers.append(["Authorization", f"Basic {user}:*"])
    envelope = {"ocs": {"meta": {"status": "ok", "statuscode": status, "message": ""}, "data": answer}}
    return {
        "t": t,
        "method": method,
        "target": target,
        "request_headers": headers,
        "request_body": body,
        "status": status,
        "response_headers": [["Set-Cookie", "oc_x=<masked>; path=/"]],
        "response_body": json.dumps(envelope),
        "scenario": scenario,
        **extra,
    }


def write_capture(directory: Path) -> None:
    suite = [
        row(1.0, "GET", "/ocs/v2.php/cloud/capabilities"),
        row(2.0, "GET", "/ocs/v2.php/apps/spreed/api/v1/recording/welcome/0", user="admin"),
        row(3.0, "POST", ROOM, 201, "roomType=2&roomName=tc1+Start", {"token": "abcd1234"}, "Start"),
        row(4.0, "POST", "/ocs/v2.php/apps/spreed/api/v1/recording/abcd1234", 200, "status=1", None, "Start"),
        row(
            5.0,
            "POST",
            "/ocs/v2.php/apps/spreed/api/v1/recording/abcd1234/store",
            200,
            {
                "multipart": [
                    {
                        "name": "file",
                        "filename": "r.webm",
                        "content_type": "text/plain",
                        "bytes": 91,
                        "sha256": "ab" * 32,
                        "text": None,
                    }
                ]
            },
            None,
            "Start",
        ),
        row(6.0, "DELETE", f"{ROOM}/abcd1234", 200, "", None, "Start"),
        row(
            7.0,
            "POST",
            "/ocs/v2.php/apps/provisioning_api/api/v1/config/apps/spreed/call_recording",
            scenario="Start",
            user="admin",
        ),
    ]
    recording_server = [
        {**row(1.9, "GET", "/api/v1/welcome", user=None), "response_body": "{}"},
        {
            **row(
                3.5, "POST", "/api/v1/room/abcd1234", body='{"type":"start","start":{"status":1}}', user=None
            ),
            "response_body": "{}",
        },
    ]
    summary = {
        "scenarios": [{"name": "Welcome", "verdict": "passed"}, {"name": "Start", "verdict": "passed"}]
    }
    for name, rows in (("talk-api.jsonl", suite), ("talk-to-recording-server.jsonl", recording_server)):
        (directory / name).write_text("".join(json.dumps(item) + "\n" for item in rows), encoding="utf-8")
    (directory / "summary.json").write_text(json.dumps(summary), encoding="utf-8")


def test_a_capture_becomes_a_valid_har_with_its_origin(tmp_path):
    write_capture(tmp_path)
    out = tmp_path / "traffic.har"
    assert jsonl_import.main([str(tmp_path), str(out), "--comment", "a real Talk 22"]) == 0
    document = read_har(out)
    assert_valid_har(document)
    assert document["log"]["comment"] == document["log"]["creator"]["comment"] == "a real Talk 22"
    assert jsonl_import.CONVERTER in document["log"]["creator"]["name"]


def test_scenarios_are_attributed_as_the_run_had_them(tmp_path):
    write_capture(tmp_path)
    entries = jsonl_import.convert(tmp_path, "x")["log"]["entries"]
    by_url = {(item["_leg"], item["request"]["url"].split("18181")[-1]): item for item in entries}
    # run set-up and clean-up belong to no scenario; the room-less welcome check gets one by run order
    assert by_url[("suite-to-target", "/ocs/v2.php/cloud/capabilities")]["_scenario"] is None
    clean_up = "/ocs/v2.php/apps/provisioning_api/api/v1/config/apps/spreed/call_recording"
    assert by_url[("suite-to-target", clean_up)]["_scenario"] is None
    welcome = by_url[("suite-to-target", "/ocs/v2.php/apps/spreed/api/v1/recording/welcome/0")]
    assert welcome["_scenario"] == "Welcome" and welcome["_actor"] == "admin"
    inbound = [item for item in entries if item["_leg"] == "target-to-recording-server"]
    assert [item["_scenario"] for item in inbound] == ["Welcome", "Start"]
    store = next(item for item in entries if item["request"]["url"].endswith("/store"))
    assert store["request"]["postData"]["params"][0]["_sha256"] == "ab" * 32
    assert "<masked>" not in json.dumps(entries)


def test_an_unreadable_capture_is_one_line(tmp_path, capsys):
    (tmp_path / "talk-api.jsonl").write_text("{not json\n", encoding="utf-8")
    assert jsonl_import.main([str(tmp_path), str(tmp_path / "x.har"), "--comment", "x"]) == 2
    assert "talk-api.jsonl:1: not a JSON object" in capsys.readouterr().err


def test_the_shipped_nextcloud_32_recording():
    path = shipped_traffic_path("nextcloud-32")
    document = read_har(path)
    assert_valid_har(document)
    origin = document["log"]["comment"]
    assert "Nextcloud 32.0.1 / Talk 22.0.10" in origin and "fd44b23" in origin
    legs = [item["_leg"] for item in document["log"]["entries"]]
    # the 2026-12-06 run, recorded by the suite itself (--record-traffic): all three legs
    assert legs.count("suite-to-target") == 1216 and legs.count("target-to-recording-server") == 104
    assert legs.count("target-to-signaling-server") == 1271
    assert "participant1:*" not in path.read_text(encoding="utf-8")


CAPTURE = Path(__file__).resolve().parents[2].parent / "shared" / "reference" / "real-talk-22"


def test_the_recording_travels_inside_the_package():
    import conformance

    assert RECORDINGS_DIR.parent == Path(conformance.__file__).resolve().parent
    assert shipped_recording_names() == ["nextcloud-32"] or "nextcloud-32" in shipped_recording_names()


@pytest.mark.skipif(not CAPTURE.is_dir(), reason=f"the proxy's capture is not at {CAPTURE}")
def test_the_converter_still_reads_the_first_capture():
    """The 2026-12-01 proxy capture (the .jsonl files) converts to a valid HAR with every exchange."""
    document = jsonl_import.convert(CAPTURE, "the 2026-12-01 capture")
    assert_valid_har(document)
    legs = [item["_leg"] for item in document["log"]["entries"]]
    # 1,072 + 43 exchanges of the suite, 97 to the recording server, 45 to the signaling server
    assert (legs.count("suite-to-target"), legs.count("target-to-recording-server")) == (1115, 97)
    assert legs.count("target-to-signaling-server") == 45
