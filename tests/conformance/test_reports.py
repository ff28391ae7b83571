"""Reports (summary.json, junit.xml, terminal lines) and redaction of secrets from them."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

from conformance.outcomes import Verdict
from conformance.redaction import MASK, Redactor
from conformance.reports._summary import (
    RunSummary,
    ScenarioResult,
    redact_file,
    redacted_profile,
    terminal_lines,
    write_junit_xml,
    write_summary_json,
)
from conformance.target._profile import load_profile

SECRET = "sup3r-s3cret recording key"
PASSWORD = "pa55-w0rd-of-alice"


def make_summary() -> RunSummary:
    summary = RunSummary(target_url="http://127.0.0.1:8080")
    for nodeid, name, verdict, message in [
        ("t::a", "start recording", Verdict.PASSED, ""),
        ("t::b", "stop recording", Verdict.FAILED, f"POST /recording/x: expected 200, got 403 ({SECRET})"),
        ("t::c", "store", Verdict.ERROR, f"setup error: login alice:{PASSWORD} refused"),
        ("t::d", "guest", Verdict.SKIPPED, "tagged @admin and the profile has no admin account"),
    ]:
        result = ScenarioResult(nodeid, name, "Recording", ["operation:recording-start", "admin"])
        result.merge(verdict, 0.5, message)
        summary.results[nodeid] = result
    return summary


def test_phases_fold_into_one_scenario_verdict() -> None:
    result = ScenarioResult("t::x", "x", "f")
    result.merge(Verdict.PASSED, 0.1, "")
    result.merge(Verdict.SKIPPED, 0.1, "unsupported: no guests")
    result.merge(Verdict.PASSED, 0.1, "")
    assert (result.verdict, result.message) == (Verdict.SKIPPED, "unsupported: no guests")
    result.merge(Verdict.ERROR, 0.1, "cleanup failed")
    result.merge(Verdict.FAILED, 0.1, "later failure")
    assert (result.verdict, result.message) == (Verdict.ERROR, "cleanup failed")
    assert abs(result.duration - 0.5) < 1e-9


def test_run_verdict_follows_the_lattice() -> None:
    summary = make_summary()
    assert summary.verdict() is Verdict.ERROR
    assert summary.totals() == {"skipped": 1, "passed": 1, "failed": 1, "error": 1, "total": 4}
    assert RunSummary().verdict() is Verdict.SKIPPED
    assert RunSummary(setup_error="target down").verdict() is Verdict.ERROR


def test_summary_json_carries_verdicts_tags_and_no_secret(tmp_path: Path) -> None:
    summary = make_summary()
    profile = load_profile(None, None, {"TALK_CONFORMANCE_RECORDING_SECRET": SECRET,
                                        "TALK_CONFORMANCE_USER1_PASSWORD": PASSWORD})  # fmt: skip
    summary.profile = redacted_profile(profile.to_dict())
    path = tmp_path / "summary.json"
    write_summary_json(path, summary, Redactor(profile.secrets()))
    text = path.read_text(encoding="utf-8")
    assert SECRET not in text and PASSWORD not in text
    data = json.loads(text)
    assert data["verdict"] == "error"
    assert data["target_url"] == "http://127.0.0.1:8080"
    assert [s["verdict"] for s in data["scenarios"]] == ["passed", "failed", "error", "skipped"]
    assert data["scenarios"][1]["tags"] == ["operation:recording-start", "admin"]
    assert data["scenarios"][1]["message"] == f"POST /recording/x: expected 200, got 403 ({MASK})"
    assert data["profile"]["recording_secret"] == MASK
    assert data["profile"]["admin"] == {"user": "admin", "password": MASK}  # as a profile file spells it
    assert data["profile"]["users"][0] == {"user": "participant1", "password": MASK}


def test_junit_tells_errors_from_failures(tmp_path: Path) -> None:
    path = tmp_path / "junit.xml"
    write_junit_xml(path, make_summary(), Redactor([SECRET, PASSWORD]))
    text = path.read_text(encoding="utf-8")
    assert SECRET not in text and PASSWORD not in text
    suite = ET.fromstring(text).find("testsuite")  # noqa: S314 - our own file
    assert suite is not None
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors"), suite.get("skipped")) == (
        "4", "1", "1", "1",
    )  # fmt: skip
    cases = {case.get("name"): case for case in suite.iter("testcase")}
    assert cases["stop recording"].find("failure") is not None
    assert cases["store"].find("error") is not None
    assert cases["guest"].find("skipped") is not None
    assert [p.get("value") for p in cases["start recording"].iter("property")] == [
        "operation:recording-start", "admin",
    ]  # fmt: skip


def test_terminal_lines_show_each_failure_once_with_its_place_and_point_to_the_rest() -> None:
    summary = make_summary()
    summary.results["t::b"].source = {"path": "start_recording.feature", "line": 12}
    for index in range(40):
        result = ScenarioResult(f"t::f{index}", f"failing {index}", "Recording")
        result.merge(Verdict.FAILED, 0.0, "expected 200, got 500\nmore detail")
        summary.results[result.nodeid] = result
    lines = terminal_lines(summary, Path("/tmp/reports"))
    assert lines[1] == "scenarios: 44 total, 1 passed, 41 failed, 1 error, 1 skipped"
    heading = "FAILED features/start_recording.feature:12  Recording: stop recording"
    assert lines.count(heading) == 1
    assert lines[lines.index(heading) + 1].startswith("    POST /recording/x: expected 200, got 403")
    assert "    more detail" in lines  # the whole message, not its first line cut at 300 characters
    assert "... and 27 more, in /tmp/reports/summary.json" in lines
    assert lines[-1] == "verdict: error"


def test_any_verdict_is_counted_as_it_is_spelled() -> None:
    summary = make_summary()
    totals = {**summary.totals(), "failed_differently": 2}
    from conformance.reports._summary import _counted

    assert _counted(totals).endswith("1 skipped, 2 failed differently")


def test_the_run_ends_with_what_is_left_on_the_target(tmp_path: Path) -> None:
    summary = make_summary()
    assert not any(line.startswith("left on the target") for line in terminal_lines(summary, None))
    summary.left_on_target = []
    assert terminal_lines(summary, None)[-1] == "left on the target: nothing"
    summary.left_on_target = ["2 app-config entries spreed / recording/<token>: recording/abc (HTTP 404)"]
    summary.cleanup_errors = ["deleting room k3y: HTTP 500"]
    assert terminal_lines(summary, None)[-1] == (
        "left on the target: 2 app-config entries spreed / recording/<token>: recording/abc (HTTP 404);"
        " room k3y: HTTP 500"
    )
    write_summary_json(tmp_path / "summary.json", summary, Redactor())
    data = json.loads((tmp_path / "summary.json").read_text(encoding="utf-8"))
    assert list(data)[-1] == "left_on_target" and len(data["left_on_target"]) == 2


def test_the_profile_names_the_target_the_run_used() -> None:
    profile = load_profile(None, None, {})
    assert profile.url is None  # the bundled run: the reference server is started on a free port
    assert redacted_profile(profile.to_dict(), "http://127.0.0.1:4711")["url"] == "http://127.0.0.1:4711"


def test_redactor_masks_secrets_encodings_and_authorization_headers() -> None:
    redactor = Redactor([SECRET, "", "short"])
    text = (
        f"secret={SECRET} form=sup3r-s3cret+recording+key url=sup3r-s3cret%20recording%20key "
        "headers={'Authorization': 'Basic YWxpY2U6c2VjcmV0', 'Accept': 'application/json'} "
        "curl -H 'authorization: Bearer abc.def' short"
    )
    out = redactor.text(text)
    for leaked in (
        SECRET,
        "sup3r-s3cret+recording",
        "sup3r-s3cret%20",
        "YWxpY2U6c2VjcmV0",
        "abc.def",
        "short",
    ):
        assert leaked not in out
    assert "'Accept': 'application/json'" in out
    assert redactor.data({"a": [SECRET, 3, {"b": SECRET}]}) == {"a": [MASK, 3, {"b": MASK}]}
    assert (
        redactor.text("GET https://alice:hunter2@cloud.test/ocs")
        == f"GET https://alice:{MASK}@cloud.test/ocs"
    )


def test_redact_file_rewrites_only_when_needed(tmp_path: Path) -> None:
    path = tmp_path / "cucumber.json"
    path.write_text(json.dumps([{"error_message": f"got {SECRET}"}]), encoding="utf-8")
    redact_file(path, Redactor([SECRET]))
    assert SECRET not in path.read_text(encoding="utf-8")
    redact_file(tmp_path / "missing.json", Redactor([SECRET]))  # a missing file is fine
