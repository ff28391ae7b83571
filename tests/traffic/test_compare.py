"""Aligning two runs and naming their differences; the compare command and its report."""

from __future__ import annotations

import json

import pytest
import yaml

from conformance.redaction import Redactor
from conformance.reports._compare_command import compare_command
from conformance.traffic import _har as har
from conformance.traffic._compare import accepted_differences, compare, sane_status_requirements
from conformance.traffic._normalise import scenario_key

API = "http://127.0.0.1:8080/ocs/v2.php/apps/spreed/api"


def ocs(status, data):
    return json.dumps({"ocs": {"meta": {"status": "ok", "statuscode": status, "message": "x"}, "data": data}})


def exchange(scenario, method, url, status, body, *, leg=har.SUITE_TO_TARGET, request_body=b"", at=0.0):
    return har.entry(
        har.Exchange(
            leg,
            1000.0 + at,
            1,
            method,
            url,
            [("Content-Type", "application/json")],
            request_body,
            status,
            (),
            body.encode(),
            scenario=scenario,
            actor="participant1",
        ),
        Redactor(),
    )


def run(token, prefix, start_status=200, messages=("recording_started",), start_kind="start", extra=()):
    scenario = "A moderator starts a recording [state=video]"
    chat = [{"systemMessage": name, "id": index} for index, name in enumerate(messages)]
    return [
        exchange(scenario, "POST", f"{API}/v4/room", 201, ocs(201, {"token": token, "name": f"{prefix} x"})),
        exchange(
            scenario,
            "POST",
            f"{API}/v1/recording/{token}",
            start_status,
            ocs(start_status, [] if start_status == 200 else {"error": "config"}),
            at=1,
        ),
        exchange(
            scenario,
            "POST",
            f"http://127.0.0.1:9/api/v1/room/{token}",
            200,
            "{}",
            leg=har.TARGET_TO_RECORDING_SERVER,
            at=1.5,
            request_body=json.dumps({"type": start_kind, start_kind: {"status": 1}}).encode(),
        ),
        exchange(scenario, "GET", f"{API}/v1/chat/{token}?limit=200", 200, ocs(200, []), at=2),
        exchange(scenario, "GET", f"{API}/v1/chat/{token}?limit=200", 200, ocs(200, chat), at=3),
        *extra,
    ]


def test_tokens_run_prefixes_and_repeated_polls_do_not_differ():
    result = compare(run("abcd1234", "tc111111"), run("zzzz9999", "tc222222"))
    assert result.compared == ["A moderator starts a recording [video]"]
    assert result.differences == [] and result.agreeing == result.compared


def test_each_kind_of_difference_is_named():
    result = compare(
        run("abcd1234", "tc111111"),
        run("zzzz9999", "tc2", 400, ("recording_started", "call_started"), "stop"),
    )
    kinds = {(item.kind, item.left, item.right) for item in result.differences}
    assert ("status", "200", "400") in kinds and ("statuscode", "200", "400") in kinds
    assert ("error", "-", "config") in kinds
    assert ("envelope", "list", "object") in kinds  # data: [] recorded, {"error": ...} now
    assert [item.key for item in result.differences if item.kind == "envelope"] == ["data"]
    assert ("system-messages", "recording_started", "call_started, recording_started") in kinds
    recording = [item for item in result.differences if item.kind == "recording-server"]
    assert len(recording) == 1 and '"type": "stop"' in recording[0].right
    assert result.unexplained == result.differences


def test_a_changed_request_sequence_is_not_recorded_never_agreeing():
    other = run("zzzz9999", "tc2")
    other.insert(
        1, exchange(other[0]["_scenario"], "POST", f"{API}/v4/room/zzzz9999/participants", 200, ocs(200, []))
    )
    result = compare(run("abcd1234", "tc1"), other)
    assert result.compared == [] and result.agreeing == []
    (why,) = result.not_recorded.values()
    assert "request sequence changed at request 2" in why


def test_a_read_only_one_side_sent_does_not_change_the_scenario():
    other = run("zzzz9999", "tc2", 400)
    other.insert(1, exchange(other[0]["_scenario"], "GET", f"{API}/v4/room/zzzz9999", 200, ocs(200, {})))
    result = compare(run("abcd1234", "tc1"), other)
    assert result.compared == ["A moderator starts a recording [video]"]
    # The start is this run's request 3 now; it is still compared with the recorded start.
    assert {(item.step, item.kind) for item in result.differences} >= {(3, "status")}


def test_a_side_that_stopped_early_is_compared_up_to_there():
    recorded = run("abcd1234", "tc1")[:3] + [
        exchange(
            "A moderator starts a recording [state=video]",
            "DELETE",
            f"{API}/v4/room/abcd1234",
            200,
            ocs(200, None),
            at=4,
        )
    ]
    result = compare(recorded, run("zzzz9999", "tc2"), "real", "run")
    assert result.compared == ["A moderator starts a recording [video]"] and result.differences == []
    assert result.ended_early == {
        "A moderator starts a recording [video]": "real ended after its request 2 of the other's"
    }


def test_a_new_scenario_is_not_recorded():
    extra = [exchange("A brand new scenario", "GET", f"{API}/v4/room", 200, ocs(200, []), at=9)]
    result = compare(run("abcd1234", "tc1"), run("zzzz9999", "tc2", extra=extra), "real", "run")
    assert result.not_recorded == {"A brand new scenario": "not in real"}
    assert result.agreeing == ["A moderator starts a recording [video]"]
    reverse = compare(run("zzzz9999", "tc2", extra=extra), run("abcd1234", "tc1"), "real", "run")
    assert reverse.gone == ["A brand new scenario"] and reverse.not_recorded == {}


def test_a_register_entry_accepts_what_it_names_only():
    register = {
        "accepted_differences": [
            {
                "id": "A9",
                "kinds": ["status", "statuscode", "error", "envelope"],
                "requests": ["POST */recording/{token}"],
                "scenarios": ["A moderator starts a recording*"],
                "see": ["X1"],
            }
        ]
    }
    accepted = accepted_differences(register)
    result = compare(
        run("abcd1234", "tc1"),
        run("zzzz9999", "tc2", 400, ("recording_started", "call_started")),
        accepted=accepted,
    )
    assert {item.accepted_by for item in result.differences if item.kind != "system-messages"} == {
        "A9 (see X1)"
    }
    assert [item.kind for item in result.unexplained] == ["system-messages"]
    with pytest.raises(ValueError, match="unknown kind"):
        accepted_differences({"accepted_differences": [{"id": "A1", "kinds": ["colour"]}]})


def test_a_4xx_the_register_requires_instead_of_upstreams_crash_is_explained_by_that_entry():
    crash, sane = run("abcd1234", "tc1"), run("zzzz9999", "tc2", 400)
    crash[1] = exchange(
        crash[0]["_scenario"], "POST", f"{API}/v1/recording/abcd1234", 500, ocs(996, []), at=1
    )
    register = {
        "deviations": [
            {
                "id": "X6",
                "decision": "require-sane-4xx",
                "cells": [
                    {"operation": "recording-start", "status": 400, "error": "config"},
                    {"operation": "recording-start", "status": 500, "error": None},
                ],
            }
        ]
    }
    result = compare(crash, sane, requirements=sane_status_requirements(register))
    assert {item.kind for item in result.differences} == {"status", "statuscode", "envelope", "error"}
    assert {item.accepted_by for item in result.differences} == {"X6"}
    # The same 4xx against a plain 200 of upstream is no crash the entry names: unexplained.
    assert compare(run("abcd1234", "tc1"), sane, requirements=sane_status_requirements(register)).unexplained


def test_an_empty_400_where_the_suite_requires_a_reason_is_explained_by_an_entry_naming_both():
    empty, sane = run("abcd1234", "tc1"), run("zzzz9999", "tc2", 400)
    # Talk 23's framework refusal: 400, no body at all
    empty[1] = exchange(empty[0]["_scenario"], "POST", f"{API}/v1/recording/abcd1234", 400, "", at=1)
    register = {"deviations": [{"id": "X6", "decision": "require-sane-4xx", "releases": [22, 23], "cells": [
        {"operation": "recording-start", "status": 400, "error": "config"},
        {"operation": "recording-start", "status": 400, "error": None}]}]}  # fmt: skip
    result = compare(empty, sane, requirements=sane_status_requirements(register, 23))
    assert result.differences and {item.accepted_by for item in result.differences} == {"X6"}


def test_entries_apply_only_to_the_releases_they_name():
    register = {
        "deviations": [{"id": "X44", "decision": "require-sane-4xx", "releases": [23], "cells": [
            {"operation": "recording-start", "status": 400, "error": "config"}]}],
        "accepted_differences": [{"id": "A9", "releases": [22], "kinds": ["status"]}],
    }  # fmt: skip
    assert [entry.id for entry in sane_status_requirements(register, 23)] == ["X44"]
    assert sane_status_requirements(register, 22) == []
    assert [entry.id for entry in accepted_differences(register, 22)] == ["A9"]
    assert accepted_differences(register, 23) == [] and len(accepted_differences(register)) == 1


def test_a_renamed_scenario_that_repeats_recorded_requests_is_compared_with_them():
    recorded = run("abcd1234", "tc1")
    renamed = [{**item, "_scenario": "A moderator starts a recording, told otherwise [state=video]"}
               for item in run("zzzz9999", "tc2")]  # fmt: skip
    new_name = "A moderator starts a recording, told otherwise [state=video]"
    plain = compare(recorded, renamed, "real", "run")
    assert list(plain.not_recorded) == ["A moderator starts a recording, told otherwise [video]"]
    aliased = compare(recorded, renamed, "real", "run",
                      recorded_as={new_name: "A moderator starts a recording [state=video]"})  # fmt: skip
    assert aliased.not_recorded == {} and aliased.gone == [] and aliased.agreeing == aliased.compared


def test_outline_names_are_spelt_one_way():
    assert scenario_key("Title [state=video, message=recording_stopped]") == "Title [video-recording_stopped]"
    assert scenario_key("Title [video-recording_stopped]") == "Title [video-recording_stopped]"
    assert scenario_key("Title") == "Title"


def write(path, entries):
    har.write(path, har.log(entries, "test", "0", "a test run"))
    return str(path)


def test_the_command_exits_1_on_a_difference_and_writes_the_report(tmp_path, capsys):
    left = write(tmp_path / "a.har", run("abcd1234", "tc1"))
    right = write(tmp_path / "b.har", run("zzzz9999", "tc2", 400))
    assert compare_command([left, left]) == 0
    assert compare_command([left, right, "--report", str(tmp_path / "report")]) == 1
    out = capsys.readouterr().out
    assert "scenario: A moderator starts a recording [video]" in out and "status" in out
    assert "4 unexplained" in out.splitlines()[-2]
    report = json.loads((tmp_path / "report" / "comparison.json").read_text())
    assert report["counts"]["unexplained"] == 4
    page = (tmp_path / "report" / "traffic.html").read_text()
    assert "Traffic comparison" in page and "A moderator starts a recording [video]" in page
    assert (tmp_path / "report" / "style.css").is_file()


def test_the_command_applies_a_register(tmp_path, capsys):
    left = write(tmp_path / "a.har", run("abcd1234", "tc1"))
    right = write(tmp_path / "b.har", run("zzzz9999", "tc2", 400))
    register = tmp_path / "register.yaml"
    register.write_text(
        yaml.safe_dump(
            {
                "accepted_differences": [
                    {"id": "A7", "kinds": ["status", "statuscode", "error", "envelope"], "requests": ["*"]}
                ]
            }
        )
    )
    assert compare_command([left, right, "--register-file", str(register)]) == 0
    assert "accepted: A7 x4" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["only-one.har"], "give two HAR files"),
        (["missing.har", "missing.har"], "no such file"),
        (
            ["--against", "nextcloud-1", "x.har"],
            "no shipped recording named 'nextcloud-1' (shipped: nextcloud-32, nextcloud-33)",
        ),
    ],
)
def test_bad_input_is_a_one_line_usage_error(tmp_path, capsys, args, words):
    assert compare_command(args) == 2
    err = capsys.readouterr().err
    assert words in err and len(err.strip().splitlines()) == 1


def test_the_answers_then_steps_read_are_compared_key_by_key():
    room = {"token": "abcd1234", "callRecording": 0, "lastMessage": {"id": 1, "reactions": {}}}
    notification = {"messageRichParameters": {"file": {"id": "7", "name": "a.webm", "path": "/a.webm"}}}

    def reads(token, room_answer, notification_answer):
        scenario = "A moderator starts a recording [state=video]"
        return [
            exchange(scenario, "POST", f"{API}/v4/room", 201, ocs(201, {"token": token, "name": "tc1 x"})),
            exchange(scenario, "GET", f"{API}/v4/room/{token}", 200, ocs(200, room_answer), at=1),
            exchange(
                scenario,
                "GET",
                "http://127.0.0.1:8080/ocs/v2.php/apps/notifications/api/v2/notifications",
                200,
                ocs(200, [notification_answer]),
                at=2,
            ),
        ]

    ours_room = {**room, "token": "zzzz9999", "lastMessage": {"id": "1", "reactions": []}}
    ours_notification = {"messageRichParameters": {"file": {**notification["messageRichParameters"]["file"]}}}
    ours_notification["messageRichParameters"]["file"]["mimetype"] = "video/webm"
    result = compare(reads("abcd1234", room, notification), reads("zzzz9999", ours_room, ours_notification))
    found = {(item.key, item.left, item.right) for item in result.differences if item.kind == "envelope"}
    assert found == {
        ("data.lastMessage.id", "number", "string"),
        ("data.lastMessage.reactions", "object", "list"),
        ("data[].messageRichParameters.file.mimetype", "(missing)", "string"),
    }
    register = {
        "accepted_differences": [
            {"id": "A9", "kinds": ["envelope"], "requests": ["GET *"], "keys": ["data[].*.mimetype"]}
        ]
    }
    accepted = compare(
        reads("abcd1234", room, notification),
        reads("zzzz9999", ours_room, ours_notification),
        accepted=accepted_differences(register),
    )
    assert {item.key for item in accepted.unexplained if item.kind == "envelope"} == {
        "data.lastMessage.id",
        "data.lastMessage.reactions",
    }
