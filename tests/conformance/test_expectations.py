"""Expectations: loading, matching, verdicts on inline features, and the shipped upstream file."""

from __future__ import annotations

import json
import re
import subprocess
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from ocs_stand_in import capabilities_only, ocs_stand_in

from conformance import resources
from conformance.cli import main
from conformance.protocol._judged_answers import Answer
from conformance.target._expectations import ExpectationsError, ScenarioKey, load_expectations
from conformance.traffic import _recordings as recordings
from conformance.traffic import shipped_recording_metadata
from conformance.traffic._recorded_verdicts import (
    NOT_FOR_RELEASE,
    first_then_steps,
    judge,
    judged_answer,
    recorded_summary,
    verdicts_of_recording,
)
from conformance.traffic.scenario_fingerprints import (
    current_fingerprints,
    fingerprints_at_commit,
    fingerprints_of_feature,
    load_recorded,
)

pytest_plugins = ["pytester"]

NEXTCLOUD_32 = Path(resources.__file__).parent / "expectations" / "nextcloud-32.yaml"

FEATURE = """\
Feature: Inline expectations
  Scenario: it conforms
    Given nothing

  Scenario: it deviates
    Then the target is wrong

  Scenario Outline: rows
    Then row <kind> holds

    Examples:
      | kind |
      | good |
      | bad  |
"""

STEPS = """\
import pytest
from pytest_bdd import given, parsers, scenarios, then

from conformance.protocol._judged_answers import Answer

pytestmark = pytest.mark.usefixtures("conformance_run")
scenarios("features")

@given("nothing")
def nothing():
    pass

@then("the target is wrong")
def wrong(conformance_assertions):
    conformance_assertions.judging(Answer(500, 996))
    assert False, "expected 400, got 500"

@then(parsers.parse("row {kind} holds"))
def row(kind, conformance_assertions):
    conformance_assertions.judging(Answer(500 if kind == "bad" else 200, 996 if kind == "bad" else 200))
    assert kind == "good", "row bad answered 500"
"""

# What the inline steps judge when they fail: HTTP 500 with OCS statuscode 996.
CRASH = {"status": 500, "statuscode": 996}


@pytest.fixture
def suite(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, no_profile_in_environment: None
) -> Iterator[pytest.Pytester]:
    with ocs_stand_in(capabilities_only) as url:
        monkeypatch.setenv("TALK_CONFORMANCE_URL", url)
        monkeypatch.setenv("TALK_CONFORMANCE_CONFIGURE_RECORDING", "false")
        (pytester.path / "features").mkdir()
        (pytester.path / "features" / "inline.feature").write_text(FEATURE, encoding="utf-8")
        pytester.makepyfile(test_inline=STEPS)
        yield pytester


def write_expectations(pytester: pytest.Pytester, entries: list[dict], name: str = "expected.yaml") -> Path:
    """An expectations file; entries without `observed` pin the answer the inline steps judge (500/996)."""
    path = pytester.path / name
    pinned = [{"observed": CRASH, **entry} for entry in entries]
    path.write_text(yaml.safe_dump({"expectations": pinned}), encoding="utf-8")
    return path


def summary_of(pytester: pytest.Pytester) -> dict:
    return json.loads((pytester.path / "reports" / "summary.json").read_text(encoding="utf-8"))


def verdicts(summary: dict) -> dict[str, str]:
    return {scenario["name"]: scenario["verdict"] for scenario in summary["scenarios"]}


# --- the rules, both ways, on inline features ----------------------------------------------------


def test_expected_failures_do_not_fail_the_run(suite: pytest.Pytester) -> None:
    path = write_expectations(
        suite,
        [
            {"feature": "inline.feature", "scenario": "it deviates", "reason": "R1: answers 500"},
            {"feature": "inline.feature", "scenario": "rows", "example": "bad", "reason": "R2: row bad"},
        ],
    )
    result = suite.runpytest("--expectations", str(path), "--conformance-report-dir", "reports")
    result.assert_outcomes(passed=2, xfailed=2)
    assert result.ret == 0
    summary = summary_of(suite)
    assert summary["verdict"] == "passed"
    assert verdicts(summary) == {
        "it conforms": "passed",
        "it deviates": "expected failure",
        "rows [good]": "passed",
        "rows [bad]": "expected failure",
    }
    assert summary["totals"]["expected_failure"] == 2 and summary["totals"]["failed"] == 0
    reasons = {s["name"]: s.get("expected_failure_reason") for s in summary["scenarios"]}
    assert reasons["it deviates"] == "R1: answers 500" and reasons["rows [good]"] is None
    result.stdout.fnmatch_lines(
        ["*expectations *expected.yaml: 2 expected failure(s), 0 failed differently, 0 unexpectedly passed*",
         "*EXPECTED FAILURE *Inline expectations: it deviates: R1: answers 500*"]
    )  # fmt: skip
    cases = {c.get("name"): c for c in ET.parse(suite.path / "reports" / "junit.xml").iter("testcase")}  # noqa: S314
    skipped = cases["it deviates"].find("skipped")
    assert skipped is not None and skipped.get("message") == "expected failure: R1: answers 500"
    assert cases["it conforms"].find("skipped") is None


def test_without_expectations_the_same_failures_fail_the_run(suite: pytest.Pytester) -> None:
    result = suite.runpytest("--conformance-report-dir", "reports")
    result.assert_outcomes(passed=2, failed=2)
    assert result.ret == 1
    assert summary_of(suite)["verdict"] == "failed"


def test_an_expected_failure_that_passes_fails_the_run(suite: pytest.Pytester) -> None:
    path = write_expectations(
        suite, [{"feature": "inline.feature", "scenario": "it conforms", "reason": "R3: thought broken"}]
    )
    result = suite.runpytest(
        "--expectations", str(path), "--conformance-report-dir", "reports", "-k", "not rows"
    )
    result.assert_outcomes(failed=2, deselected=2)
    summary = summary_of(suite)
    assert verdicts(summary)["it conforms"] == "unexpectedly passed"
    assert summary["totals"]["unexpectedly_passed"] == 1
    assert summary["verdict"] == "failed"
    result.stdout.fnmatch_lines(["*unexpectedly passed: the expectations say it fails (R3: thought broken)*"])


def test_a_failure_with_another_answer_is_failed_differently_and_fails_the_run(
    suite: pytest.Pytester,
) -> None:
    pinned = {"status": 400, "statuscode": 400, "error": "unknown_type"}
    path = write_expectations(
        suite,
        [
            {"feature": "inline.feature", "scenario": "it deviates", "register": "D16", "reason": "D16: x",
             "observed": pinned},
            {"feature": "inline.feature", "scenario": "rows", "example": "bad", "reason": "R2: row bad"},
        ],
    )  # fmt: skip
    result = suite.runpytest("--expectations", str(path), "--conformance-report-dir", "reports")
    assert result.ret == 1
    result.assert_outcomes(passed=2, failed=1, xfailed=1)
    summary = summary_of(suite)
    assert summary["verdict"] == "failed"
    assert verdicts(summary)["it deviates"] == "failed differently"
    assert verdicts(summary)["rows [bad]"] == "expected failure"
    assert summary["totals"]["failed_differently"] == 1 and summary["totals"]["failed"] == 0
    expected = (
        "failed differently: expected (per expected.yaml entry 1, register D16): HTTP 400 / OCS 400 /"
        " unknown_type; actual: HTTP 500 / OCS 996"
    )
    deviates = next(s for s in summary["scenarios"] if s["name"] == "it deviates")
    assert deviates["message"].startswith(expected + "\n") and "expected 400, got 500" in deviates["message"]
    assert deviates["judged_answer"] == {"status": 500, "statuscode": 996}
    result.stdout.fnmatch_lines(
        ["*expectations *expected.yaml: 1 expected failure(s), 1 failed differently, 0 unexpectedly passed*",
         "FAILED DIFFERENTLY *Inline expectations: it deviates",
         f"    {expected}"]
    )  # fmt: skip
    cases = {c.get("name"): c for c in ET.parse(suite.path / "reports" / "junit.xml").iter("testcase")}  # noqa: S314
    failure = cases["it deviates"].find("failure")
    assert failure is not None and failure.get("message") == expected
    properties = {p.get("name"): p.get("value") for p in cases["it deviates"].iter("property")}
    assert properties["verdict"] == "failed differently"


def test_a_failing_step_that_judged_no_answer_fails_differently(suite: pytest.Pytester) -> None:
    (suite.path / "features" / "inline.feature").write_text(
        FEATURE.replace("Then the target is wrong", "Then the room is wrong"), encoding="utf-8"
    )
    suite.makepyfile(
        test_more="""
from pytest_bdd import then

@then("the room is wrong")
def room_wrong(conformance_assertions):
    assert False, "the room's callRecording is 0"
"""
    )
    entry = {"feature": "inline.feature", "scenario": "it deviates", "reason": "R1"}
    path = write_expectations(suite, [entry])
    result = suite.runpytest(
        "--expectations", str(path), "--conformance-report-dir", "reports", "-k", "deviates"
    )
    assert result.ret == 1
    deviates = summary_of(suite)["scenarios"][0]
    assert deviates["verdict"] == "failed differently"
    assert "actual: no answer (the failing step judged no request's answer)" in deviates["message"]


def test_an_entry_matching_no_scenario_fails_the_run_and_is_named(suite: pytest.Pytester) -> None:
    path = write_expectations(
        suite,
        [
            {"feature": "inline.feature", "scenario": "it deviates", "reason": "R1"},
            {"feature": "inline.feature", "scenario": "rows", "example": "ugly", "reason": "R4"},
            {"feature": "other.feature", "scenario": "it deviates", "reason": "R5"},
        ],
    )
    result = suite.runpytest(
        "--expectations", str(path), "--conformance-report-dir", "reports", "-k", "deviates"
    )
    assert result.ret == 1
    summary = summary_of(suite)
    assert verdicts(summary) == {"it deviates": "expected failure"}
    assert summary["verdict"] == "failed"
    assert summary["expectation_errors"] == [
        f"expectations {path}: entry 2 (inline.feature: rows [ugly]) matches no scenario",
        f"expectations {path}: entry 3 (other.feature: it deviates) matches no scenario",
    ]
    assert "entry 2 (inline.feature: rows [ugly]) matches no scenario" in result.stdout.str()


def test_the_environment_and_the_profile_name_the_file_and_the_option_wins(
    suite: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    wrong = write_expectations(
        suite, [{"feature": "inline.feature", "scenario": "nope", "reason": "x"}], "w.yaml"
    )
    right = write_expectations(
        suite, [{"feature": "inline.feature", "scenario": "it deviates", "reason": "ok"}]
    )
    monkeypatch.setenv("TALK_CONFORMANCE_EXPECTATIONS", str(right))
    result = suite.runpytest("--conformance-report-dir", "reports", "-k", "deviates")
    assert result.ret == 0 and verdicts(summary_of(suite)) == {"it deviates": "expected failure"}
    result = suite.runpytest(
        "--expectations", str(wrong), "--conformance-report-dir", "reports", "-k", "deviates"
    )
    assert result.ret == 1  # the command line beats the environment: the stale entry is reported
    monkeypatch.delenv("TALK_CONFORMANCE_EXPECTATIONS")
    profile = suite.path / "profile.yaml"
    profile.write_text("expectations: expected.yaml\n", encoding="utf-8")  # relative to the profile
    result = suite.runpytest(
        "--target-profile", str(profile), "--conformance-report-dir", "reports", "-k", "deviates"
    )
    assert result.ret == 0 and verdicts(summary_of(suite)) == {"it deviates": "expected failure"}


def test_under_xdist_stale_entries_and_expected_failures_are_reported(suite: pytest.Pytester) -> None:
    path = write_expectations(
        suite,
        [
            {"feature": "inline.feature", "scenario": "it deviates", "reason": "R1"},
            {"feature": "inline.feature", "scenario": "gone", "reason": "R6"},
        ],
    )
    result = suite.runpytest_subprocess(
        "-n",
        "2",
        "-p",
        "no:cacheprovider",
        "--expectations",
        str(path),
        "--conformance-report-dir",
        "reports",
    )
    assert result.ret == 1
    summary = summary_of(suite)
    assert verdicts(summary)["it deviates"] == "expected failure"
    assert verdicts(summary)["rows [bad]"] == "failed"
    assert summary["expectation_errors"] == [
        f"expectations {path}: entry 2 (inline.feature: gone) matches no scenario"
    ]


def test_a_broken_expectations_file_stops_the_command_with_a_clear_message(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    no_profile_in_environment: None,
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("expectations:\n  - feature: a.feature\n    scenario: s\n", encoding="utf-8")
    code = main(["run", "--expectations", str(bad), "--report-dir", str(tmp_path / "r")])
    assert code == 2
    assert f"talk-conformance: expectations {bad}: entry 1: reason must be a non-empty string" in (
        capsys.readouterr().err
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("- a\n", "must be a mapping with the key 'expectations'"),
        ("expectations: [1]\n", "entry 1 must be a mapping"),
        ("expectations:\n  - {feature: f, scenario: s, reason: r, why: x}\n", "entry 1: unknown key(s) why"),
        ("expectations:\n  - {feature: f, scenario: s, reason: r, example: [1]}\n", "example must be the id"),
        ("expectations: [{feature: f, scenario: s, reason: r}, {feature: f, scenario: s, reason: q}]\n",
         "entry 2 (f: s) repeats entry 1"),
        ("expectations: [\n", "not valid YAML at line"),
        ("expectations: [{feature: f, scenario: s, reason: r}]\n", "entry 1 (f: s) has no observed answer"),
        ("expectations: [{feature: f, scenario: s, reason: r, observed: {status: 500}}]\n",
         "entry 1: observed must be {status: <HTTP status>, statuscode: <OCS statuscode or null>"),
        ("expectations: [{feature: f, scenario: s, reason: r, observed: {status: 5, statuscode: 996}}]\n",
         "entry 1: observed must be"),
        ("expectations: [{feature: f, scenario: s, reason: r, observed: {status: 400, statuscode: x}}]\n",
         "entry 1: observed must be"),
        ("expectations: [{feature: f, scenario: s, reason: r,"
         " observed: {status: 400, statuscode: 400, error: ''}}]\n", "entry 1: observed must be"),
        ("talk_release: twenty-three\nexpectations: []\n", "talk_release must be a Talk major release"),
        ("implementation: 33\nexpectations: []\n", "implementation must be words"),
        ("talk_release: 23\n", "must be a mapping with the key 'expectations'"),
    ],
)  # fmt: skip
def test_malformed_files_are_rejected_with_the_entry_named(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "e.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ExpectationsError, match=re.escape(message)):
        load_expectations(path)
    with pytest.raises(ExpectationsError, match="cannot be read"):
        load_expectations(tmp_path / "missing.yaml")


def test_matching_uses_file_name_or_trailing_path_title_and_row() -> None:
    path = Path(__file__).parent / "e.yaml"
    entry = {"feature": "features/store.feature", "scenario": "S", "reason": "r"}
    loaded = _loaded([entry, {"feature": "store.feature", "scenario": "O", "example": "b", "reason": "q"}])
    assert loaded.reason_for(ScenarioKey("/x/features/store.feature", "S", None)) == "r"
    assert loaded.reason_for(ScenarioKey("/x/other_store.feature", "S", None)) is None
    assert loaded.reason_for(ScenarioKey("/x/store.feature", "O", "b")) == "q"
    assert loaded.reason_for(ScenarioKey("/x/store.feature", "O", "a")) is None
    assert loaded.reason_for(ScenarioKey("/x/store.feature", "o", "b")) is None
    assert path.name == "e.yaml"


def test_an_entry_for_a_row_beats_one_for_the_whole_outline_and_the_header_is_read() -> None:
    outline = {"feature": "store.feature", "scenario": "O", "reason": "whole"}
    row = {"feature": "store.feature", "scenario": "O", "example": "b", "reason": "row b",
           "observed": {"status": 400, "statuscode": None}}  # fmt: skip
    loaded = _loaded([outline, row], implementation="Nextcloud 33.0.1 / Talk 23.0.6", talk_release=23)
    assert loaded.reason_for(ScenarioKey("/x/store.feature", "O", "b")) == "row b"
    assert loaded.reason_for(ScenarioKey("/x/store.feature", "O", "a")) == "whole"
    pinned = loaded.entry_for(ScenarioKey("/x/store.feature", "O", "b")).observed
    assert pinned == Answer(400, None) and pinned.describe() == "HTTP 400 / no OCS envelope"
    assert (loaded.implementation, loaded.talk_release) == ("Nextcloud 33.0.1 / Talk 23.0.6", 23)


def _loaded(entries: list[dict], **header: object):
    import tempfile

    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "e.yaml"
        pinned = [{"observed": CRASH, **entry} for entry in entries]
        path.write_text(yaml.safe_dump({**header, "expectations": pinned}), encoding="utf-8")
        return load_expectations(path)


# --- the shipped files, each held against the recorded real run of its release ---------------------

EXPECTATIONS_DIR = Path(resources.__file__).parent / "expectations"
# Each shipped expectations file and the recording it was measured on.
MEASURED_ON = {"nextcloud-32.yaml": "nextcloud-32", "nextcloud-33.yaml": "nextcloud-33"}
# What each recorded run reported (the summaries are shipped byte for byte).
RECORDED_TOTALS = {
    "nextcloud-32": {"skipped": 1, "passed": 137, "expected_failure": 15, "failed": 0,
                     "unexpectedly_passed": 0, "error": 0, "total": 153},
    "nextcloud-33": {"skipped": 1, "passed": 133, "expected_failure": 15, "failed": 4,
                     "unexpectedly_passed": 0, "error": 0, "total": 153},
}  # fmt: skip


def _register() -> dict[str, dict]:
    data = yaml.safe_load(resources.deviations_path().read_text(encoding="utf-8"))
    return {entry["id"]: entry for entry in data["deviations"]}


def _triple(answer: object) -> tuple | None:
    """(HTTP status, OCS statuscode, error) of a recorded or pinned answer."""
    keys = ("status", "statuscode", "error")
    return None if answer is None else tuple(getattr(answer, key) for key in keys)


@pytest.mark.parametrize("file_name", sorted(MEASURED_ON))
def test_each_expectations_file_matches_the_recorded_real_run_of_its_release(
    file_name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    recording = recordings.directory(MEASURED_ON[file_name])
    expectations = load_expectations(EXPECTATIONS_DIR / file_name)
    release = shipped_recording_metadata(MEASURED_ON[file_name])["talk_release"]
    assert expectations.talk_release == release and expectations.implementation
    register, verdicts = _register(), verdicts_of_recording(MEASURED_ON[file_name])
    artefacts = json.loads((recording / "capture_artefacts.json").read_text(encoding="utf-8"))["scenarios"]
    problems: list[str] = []
    tally: dict[str, list[str]] = {"agree": [], "not recorded": [], "judged by the first Then step": [],
                                   "not for this release": []}  # fmt: skip
    matched_entries: set[int] = set()
    for key, fingerprint in sorted(current_fingerprints().items()):
        scenario_key = ScenarioKey(fingerprint.feature, fingerprint.scenario, fingerprint.example)
        entries = [entry for entry in expectations.entries if entry.matches(scenario_key)]
        matched_entries.update(entry.index for entry in entries)
        verdict = verdicts[key]
        if verdict.how == NOT_FOR_RELEASE:
            tally["not for this release"].append(key)
            problems += [f"{key}: does not hold for Talk {release}, yet listed" for _ in entries]
            continue
        if verdict.how == "not recorded":
            tally["not recorded"].append(key)
            for entry in entries:  # nothing recorded to go by: only crash-backed requirements may be listed
                if register[entry.register]["decision"] != "require-sane-4xx":
                    problems.append(f"{key}: not recorded; {entry.register} is not require-sane-4xx")
            continue
        if key in artefacts:
            problems += [f"{key}: a capture artefact of the recording, yet listed" for _ in entries]
            continue
        if verdict.failed and not entries:
            problems.append(f"{key}: the real server failed it ({verdict.answer}), but it is not listed")
        elif not verdict.failed and entries:
            problems.append(f"{key}: listed, but the recording judges it passed ({verdict.how})")
        recorded_answer = _triple(verdict.answer)
        for entry in entries:
            pinned = _triple(entry.observed)
            if pinned != recorded_answer:
                problems.append(f"{key}: {entry.describe()} pins {pinned}; the recording: {recorded_answer}")
        judged = "judged by the first Then step" if verdict.partial else "agree"
        tally[judged].append(f"{key} ({verdict.how})")
    for entry in expectations.entries:
        if entry.index not in matched_entries:
            problems.append(f"{entry.describe()} matches no scenario")
        if entry.register not in register or entry.observed is None:
            problems.append(f"{entry.describe()} must name a register entry and the observed answer")
        elif not entry.reason.startswith(entry.register + ":"):
            problems.append(f"{entry.describe()}: the reason must start with {entry.register}")
        elif not register[entry.register]["upstream_expected_to_fail"]:
            problems.append(f"{entry.describe()}: {entry.register} is not expected to fail upstream")
        elif release not in register[entry.register]["releases"]:
            problems.append(f"{entry.describe()}: {entry.register} does not hold for Talk {release}")
    with capsys.disabled():
        counts = ", ".join(f"{len(keys)} {what}" for what, keys in tally.items())
        print(f"\n{file_name} against {MEASURED_ON[file_name]}: {counts}")
        for what in ("not recorded", "judged by the first Then step"):
            for key in tally[what]:
                print(f"  {what}: {key}")
    assert not problems, "\n".join(problems)
    assert not tally["not recorded"], "every current scenario is recorded in the shipped run of its release"


@pytest.mark.parametrize("name", sorted(RECORDED_TOTALS))
def test_the_recorded_totals_are_what_the_real_run_reported(name: str) -> None:
    summary = json.loads((recordings.directory(name) / "summary.json").read_text(encoding="utf-8"))
    assert summary["totals"] == RECORDED_TOTALS[name]


@pytest.mark.parametrize("name", sorted(RECORDED_TOTALS))
def test_the_recorded_fingerprints_are_those_of_the_recording_commit(name: str) -> None:
    repository = Path(__file__).resolve().parents[2]
    commit = shipped_recording_metadata(name)["suite_commit"]
    try:
        at_commit = fingerprints_at_commit(commit, repository)
    except (subprocess.CalledProcessError, OSError):
        pytest.skip(f"commit {commit} is not in this checkout's history (shallow clone?)")
    shipped = load_recorded(recordings.directory(name) / "scenarios.json")
    assert shipped == at_commit
    assert set(recorded_summary(recordings.directory(name))) == set(shipped)  # every one has its fingerprint


def test_a_changed_step_changes_the_fingerprint() -> None:
    feature = "Feature: F\n  Scenario: S\n    When the moderator starts a video recording\n"
    before = fingerprints_of_feature("f.feature", feature)
    after = fingerprints_of_feature("f.feature", feature.replace("video", "audio"))
    assert [f.name for f in before] == ["S"] and before[0].sha256 != after[0].sha256


def test_a_changed_then_step_keeps_the_sent_fingerprint() -> None:
    feature = "Feature: F\n  Scenario: S\n    When it is sent\n    Then it answers 500\n    And nothing\n"
    before = fingerprints_of_feature("f.feature", feature)[0]
    after = fingerprints_of_feature("f.feature", feature.replace("500", "400"))[0]
    changed_when = fingerprints_of_feature("f.feature", feature.replace("sent", "posted"))[0]
    assert before.sha256 != after.sha256 and before.sent_sha256 == after.sent_sha256
    assert changed_when.sent_sha256 != before.sent_sha256


@pytest.mark.parametrize(
    ("scenario", "answer"),
    [
        ({"verdict": "passed", "assertions": [
            {"kind": "response", "status": 400, "statuscode": 400, "error": "file_mimetype"}]},
         Answer(400, 400, "file_mimetype")),
        ({"verdict": "failed", "message": "x\nrequest: POST /a\nresponse: HTTP 400 text/html; charset=UTF-8\n"
                                          "  body: ''"}, Answer(400, None)),
        ({"verdict": "expected failure", "message": "response: HTTP 500 application/json\n  body: "
          "'{\"ocs\":{\"meta\":{\"statuscode\":996},\"data\":[]}}'"}, Answer(500, 996)),
    ],
)  # fmt: skip
def test_the_judged_answer_comes_from_the_assertions_or_the_failure_message(scenario, answer) -> None:
    assert judged_answer(scenario) == answer


RECORDED_FEATURE = """\
Feature: F
  Scenario: refused
    When the report "x" is sent
    Then the request is refused with status 400 and error code "invalid_body"
"""


def _judged(current_feature: str, title: str, verdict: str, message: str = ""):
    recorded = {item.key: item for item in fingerprints_of_feature("f.feature", RECORDED_FEATURE)}
    summary = {"f.feature::refused": {"verdict": verdict, "message": message, "assertions": [
        {"kind": "response", "status": 400, "statuscode": 400, "error": "invalid_body"}]}}  # fmt: skip
    current = {item.scenario: item for item in fingerprints_of_feature("f.feature", current_feature)}[title]
    return judge(current, first_then_steps(current_feature)[title], recorded, summary)


FAILED_500 = (
    'request: POST /x\nresponse: HTTP 500 application/json\n  body: \'{"ocs":{"meta":{"statuscode":996}}}\''
)


def test_a_scenario_whose_then_step_changed_is_judged_on_the_recorded_answer() -> None:
    changed = RECORDED_FEATURE.replace("invalid_body", "unknown_type")
    verdict = _judged(changed, "refused", "failed", FAILED_500)
    assert (verdict.how, verdict.failed, verdict.answer) == ("judged again", True, Answer(500, 996))
    passed = _judged(RECORDED_FEATURE.replace("invalid_body", "unknown_type"), "refused", "passed")
    assert passed.failed and passed.answer == Answer(400, 400, "invalid_body")  # the recorded code differs
    same = _judged(RECORDED_FEATURE, "refused", "passed")
    assert (same.how, same.failed, same.partial) == ("unchanged", False, False)


def test_a_new_scenario_repeating_a_recorded_ones_requests_is_judged_on_its_answer() -> None:
    added = RECORDED_FEATURE.replace("Scenario: refused", "Scenario: stored").replace(
        'is refused with status 400 and error code "invalid_body"', "succeeds"
    )
    verdict = _judged(added, "stored", "failed", FAILED_500.replace("500", "200").replace("996", "200"))
    assert (verdict.how, verdict.failed, verdict.partial) == ("repeats refused", False, True)
    other_request = added.replace('"x"', '"y"')
    assert _judged(other_request, "stored", "passed").how == "not recorded"


def test_the_shipped_files_ship_inside_the_conformance_package() -> None:
    # hatchling packs everything inside conformance/, so the data travels with the wheel.
    assert NEXTCLOUD_32.is_file() and NEXTCLOUD_32.parent.parent == Path(resources.__file__).parent
    for file_name, name in MEASURED_ON.items():
        assert (EXPECTATIONS_DIR / file_name).is_file()
        shipped = {path.name for path in recordings.directory(name).iterdir()}
        assert shipped >= {"summary.json", "scenarios.json", "traffic.har", "recording.json"}


def test_a_real_server_failing_an_expected_scenario_with_another_answer_fails_differently(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    no_profile_in_environment: None,
) -> None:
    """The reference server with a mutant answers 500/996 where the file pins Talk 23's empty-body 400."""
    from conformance.target._embedded_server import EmbeddedServer

    entry = {"feature": "store_recording.feature", "scenario": "An upload without a file is refused",
             "register": "D7", "reason": "D7: pinned to an answer this server does not give",
             "observed": {"status": 400, "statuscode": None}}  # fmt: skip
    path = tmp_path / "pinned.yaml"
    path.write_text(yaml.safe_dump({"talk_release": 23, "expectations": [entry]}), encoding="utf-8")
    with EmbeddedServer(tmp_path / "server", mutant="store-missing-file-500") as server:
        code = main(
            ["run", "--target-url", server.url, "--expectations", str(path),
             "--report-dir", str(tmp_path / "reports"), "--", "-k", "without_a_file"]
        )  # fmt: skip
    out = capsys.readouterr().out
    summary = json.loads((tmp_path / "reports" / "summary.json").read_text(encoding="utf-8"))
    assert code == 1, out
    scenario = next(s for s in summary["scenarios"] if s["name"] == "An upload without a file is refused")
    assert scenario["verdict"] == "failed differently"
    assert scenario["message"].startswith(
        "failed differently: expected (per pinned.yaml entry 1, register D7): HTTP 400 / no OCS envelope;"
        " actual: HTTP 500 / OCS 996"
    )
    assert summary["verdict"] == "failed" and summary["totals"]["failed_differently"] == 1
    assert "expectations: pinned.yaml (as given; the target is" in out


def test_the_nextcloud_32_file_against_a_server_that_fails_like_upstream_on_d7(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    no_profile_in_environment: None,
) -> None:
    from conformance.target._embedded_server import EmbeddedServer

    # The mutant answers a missing file part with 500, as upstream does (register entry D7).
    with EmbeddedServer(tmp_path / "server", mutant="store-missing-file-500") as server:
        code = main(
            ["run", "--target-url", server.url, "--expectations", str(NEXTCLOUD_32),
             "--report-dir", str(tmp_path / "reports"), "--", "-k", "without_a_file"]
        )  # fmt: skip
    summary = json.loads((tmp_path / "reports" / "summary.json").read_text(encoding="utf-8"))
    assert code == 0, capsys.readouterr().out
    assert verdicts(summary)["An upload without a file is refused"] == "expected failure"
    assert summary["verdict"] == "passed" and summary["expectation_errors"] == []
