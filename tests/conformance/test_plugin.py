"""The pytest plugin on inline features: verdicts, tags, skip rules, lock, redaction, xdist, inertness."""

from __future__ import annotations

import importlib.util
import json
import socket
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from ocs_stand_in import ocs, ocs_stand_in

pytest_plugins = ["pytester"]

SECRET = "plugin-test-secret-9f8e7d"

FEATURE = """\
@operation:recording-start
Feature: Inline recording checks
  Scenario: the target answers
    Given the target's capabilities

  @admin @status:200 @error:status
  Scenario: the target is wrong
    Given nothing
    Then the target is wrong

  Scenario: broken setup
    Given a broken setup

  @guest
  Scenario: unsupported capability
    Given an unsupported capability
"""

STEPS = """\
import pytest
import requests
from pytest_bdd import given, then, scenarios
from conformance.outcomes import SetupError, Unsupported

pytestmark = pytest.mark.usefixtures("conformance_run")
scenarios("features")

@given("the target's capabilities")
def capabilities(conformance_run):
    response = requests.get(conformance_run.base_url + "/ocs/v2.php/cloud/capabilities",
                            headers={"Accept": "application/json", "OCS-APIRequest": "true"}, timeout=10)
    assert response.status_code == 200

@given("nothing")
def nothing():
    pass

@then("the target is wrong")
def wrong(conformance_run):
    print("debug: signing with", conformance_run.profile.recording_secret)
    assert False, ("POST /recording/abc: expected 200, got 403 with secret "
                   + conformance_run.profile.recording_secret)

@given("a broken setup")
def broken():
    raise SetupError("could not create the room")

@given("an unsupported capability")
def unsupported():
    raise Unsupported("the target has no guests")
"""


class _Capabilities:
    """The capabilities the stand-in target advertises (a test may take recording-v1 away)."""

    features: list[str] = ["recording-v1"]

    @classmethod
    def answer(cls, path: str) -> tuple[int, object]:
        spreed = {"features": cls.features} if cls.features else {}
        return 200, ocs({"capabilities": {"spreed": spreed}})


@pytest.fixture
def stand_in_target() -> Iterator[str]:
    """A tiny Nextcloud look-alike that only answers the capabilities request."""
    with ocs_stand_in(_Capabilities.answer) as url:
        yield url


@pytest.fixture
def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@pytest.fixture
def suite(
    pytester: pytest.Pytester,
    monkeypatch: pytest.MonkeyPatch,
    stand_in_target: str,
    no_profile_in_environment: None,
) -> pytest.Pytester:
    monkeypatch.setenv("TALK_CONFORMANCE_URL", stand_in_target)
    monkeypatch.setenv("TALK_CONFORMANCE_CONFIGURE_RECORDING", "false")
    monkeypatch.setenv("TALK_CONFORMANCE_RECORDING_SECRET", SECRET)
    (pytester.path / "features").mkdir()
    (pytester.path / "features" / "inline.feature").write_text(FEATURE, encoding="utf-8")
    pytester.makepyfile(test_inline=STEPS)
    return pytester


def summary_of(pytester: pytest.Pytester) -> dict:
    return json.loads((pytester.path / "reports" / "summary.json").read_text(encoding="utf-8"))


def verdicts(summary: dict) -> dict[str, str]:
    return {scenario["name"]: scenario["verdict"] for scenario in summary["scenarios"]}


def test_setup_errors_are_errors_failures_are_failures(suite: pytest.Pytester) -> None:
    result = suite.runpytest("--strict-markers", "--conformance-report-dir", "reports")
    result.assert_outcomes(passed=1, failed=1, errors=1, skipped=1)
    summary = summary_of(suite)
    assert verdicts(summary) == {
        "the target answers": "passed",
        "the target is wrong": "failed",
        "broken setup": "error",
        "unsupported capability": "skipped",
    }
    assert summary["verdict"] == "error"
    messages = {scenario["name"]: scenario["message"] for scenario in summary["scenarios"]}
    assert (
        messages["broken setup"]
        == "setup error in call of scenario 'broken setup': could not create the room"
    )
    assert messages["unsupported capability"] == "unsupported: the target has no guests"
    assert "POST /recording/abc: expected 200, got 403" in messages["the target is wrong"]
    result.stdout.fnmatch_lines(["*ERROR at call of test_broken_setup*", "setup error in call of scenario*"])
    # A conformance failure shows the steps' message and the failing step, not the step library's code.
    result.stdout.fnmatch_lines(
        ["POST /recording/abc: expected 200, got 403 *", "(failed step: Then the target is wrong)"]
    )
    assert "def wrong" not in result.stdout.str()
    result.stdout.fnmatch_lines(
        ["*talk-conformance summary*", "scenarios: 4 total, 1 passed, 1 failed, 1 error*"]
    )


def test_key_value_tags_are_data_plain_tags_are_markers(suite: pytest.Pytester) -> None:
    result = suite.runpytest("--strict-markers", "-m", "admin", "--conformance-report-dir", "reports")
    result.assert_outcomes(failed=1, deselected=3)
    (scenario,) = summary_of(suite)["scenarios"]
    assert scenario["tags"] == ["admin", "error:status", "operation:recording-start", "status:200"]
    junit = (suite.path / "reports" / "junit.xml").read_text(encoding="utf-8")
    assert '<property name="tag" value="status:200" />' in junit
    cucumber = json.loads((suite.path / "reports" / "cucumber.json").read_text(encoding="utf-8"))
    assert {tag["name"] for tag in cucumber[0]["elements"][0]["tags"]} == {
        "admin",
        "error:status",
        "status:200",
    }


def test_profile_skip_tags_and_missing_admin_skip_scenarios(
    suite: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TALK_CONFORMANCE_SKIP_TAGS", "guest")
    monkeypatch.setenv("TALK_CONFORMANCE_ADMIN_USER", "")
    result = suite.runpytest("-rs", "--conformance-report-dir", "reports")
    result.assert_outcomes(passed=1, errors=1, skipped=2)
    result.stdout.fnmatch_lines_random([
        "*skipped by the profile's skip_tags: @guest*",
        "*tagged @admin and the profile has no admin account*",
    ])  # fmt: skip
    assert verdicts(summary_of(suite))["the target is wrong"] == "skipped"


def test_the_secret_never_reaches_output_or_reports(suite: pytest.Pytester) -> None:
    result = suite.runpytest(
        "-rA", "--conformance-report-dir", "reports", "--junitxml", "reports/pytest-junit.xml"
    )
    result.assert_outcomes(passed=1, failed=1, errors=1, skipped=1)
    assert "expected 200, got 403 with secret [REDACTED]" in result.stdout.str()
    assert SECRET not in result.stdout.str() + result.stderr.str()
    for path in (suite.path / "reports").iterdir():
        assert SECRET not in path.read_text(encoding="utf-8"), path.name
    summary = summary_of(suite)
    assert summary["profile"]["recording_secret"] == "[REDACTED]"


def test_an_unreachable_target_errors_every_scenario_readably(
    suite: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, closed_port_url: str
) -> None:
    monkeypatch.setenv("TALK_CONFORMANCE_URL", closed_port_url)
    result = suite.runpytest("--conformance-report-dir", "reports")
    result.assert_outcomes(errors=4)
    summary = summary_of(suite)
    assert summary["setup_error"].startswith(
        f"the target {closed_port_url} is not reachable: Connection refused (fix: "
    )
    assert set(verdicts(summary).values()) == {"error"}
    assert "Traceback" not in result.stdout.str()
    assert "requests.exceptions" not in result.stdout.str()


def test_a_bad_profile_errors_every_scenario_readably(suite: pytest.Pytester) -> None:
    (suite.path / "profile.yaml").write_text("users: [only-one]\n", encoding="utf-8")
    result = suite.runpytest("--target-profile", "profile.yaml", "--conformance-report-dir", "reports")
    result.assert_outcomes(errors=4)
    assert (
        summary_of(suite)["setup_error"]
        == "profile profile.yaml: users must list exactly three accounts, got 1"
    )


def test_a_target_without_recording_v1_skips_everything_as_unsupported(
    suite: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_Capabilities, "features", ["chat-v2"])
    result = suite.runpytest("-rs", "--conformance-report-dir", "reports")
    result.assert_outcomes(skipped=4)
    result.stdout.fnmatch_lines(
        ["*unsupported: the target * does not advertise the Talk capability recording-v1*"]
    )


def test_the_plugin_is_inert_for_tests_that_do_not_use_the_suite(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, closed_port_url: str
) -> None:
    # A dead target and a report dir: neither may matter to a run that never asks for conformance_run.
    monkeypatch.setenv("TALK_CONFORMANCE_URL", closed_port_url)
    (pytester.path / "features").mkdir()
    (pytester.path / "features" / "plain.feature").write_text(
        "Feature: unrelated\n  Scenario: plain\n    Given nothing\n", encoding="utf-8"
    )
    pytester.makepyfile(
        test_plain="""
        from pytest_bdd import given, scenarios
        scenarios("features")
        @given("nothing")
        def nothing():
            pass
        def test_ordinary():
            assert 1 + 1 == 2
        """
    )
    result = pytester.runpytest("--strict-markers", "--conformance-report-dir", "reports")
    result.assert_outcomes(passed=2)
    assert not (pytester.path / "reports" / "summary.json").exists()
    assert "talk-conformance summary" not in result.stdout.str()


EXCLUSIVE_FEATURE = """\
Feature: Locking
  @disruptive
  Scenario: disruptive 1
    Given I hold the lock as "disruptive 1"

  Scenario Outline: shared <n>
    Given I hold the lock as "shared <n>"

    Examples:
      | n |
      | 1 |
      | 2 |
      | 3 |
      | 4 |

  @exclusive
  Scenario Outline: exclusive <n>
    Given I hold the lock as "exclusive <n>"

    Examples:
      | n |
      | 1 |
      | 2 |
"""

LOCK_STEPS = """\
import os, time
import pytest
from pytest_bdd import given, parsers, scenarios

pytestmark = pytest.mark.usefixtures("conformance_run")
scenarios("features")

@given(parsers.parse('I hold the lock as "{who}"'))
def hold(who):
    start = time.monotonic()
    time.sleep(0.4)
    with open("intervals.log", "a") as log:
        log.write(f"{who}|{start}|{time.monotonic()}|{os.getpid()}\\n")
"""


def lock_suite(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, target: str, feature: str, steps: str
) -> None:
    """An inline suite of scenarios that note when they held the lock (intervals.log)."""
    monkeypatch.setenv("TALK_CONFORMANCE_URL", target)
    monkeypatch.setenv("TALK_CONFORMANCE_CONFIGURE_RECORDING", "false")
    # The stand-in has no brute-force reset: a command that clears nothing lets the disruptive one run.
    monkeypatch.setenv("TALK_CONFORMANCE_BRUTEFORCE_RESET_COMMAND", f"{sys.executable} -c pass")
    (pytester.path / "features").mkdir()
    (pytester.path / "features" / "lock.feature").write_text(feature, encoding="utf-8")
    pytester.makepyfile(test_lock=steps)


def test_under_xdist_exclusive_scenarios_run_alone_and_reports_are_complete(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, stand_in_target: str
) -> None:
    lock_suite(pytester, monkeypatch, stand_in_target, EXCLUSIVE_FEATURE, LOCK_STEPS)
    result = pytester.runpytest_subprocess(
        "-n", "2", "-p", "no:cacheprovider", "--conformance-report-dir", "reports"
    )
    result.assert_outcomes(passed=7)
    rows = [line.split("|") for line in (pytester.path / "intervals.log").read_text().splitlines()]
    intervals = [(who, float(start), float(end), pid) for who, start, end, pid in rows]
    assert len({pid for *_, pid in intervals}) == 2, "both workers ran scenarios"
    for who, start, end, _ in intervals:
        if who.startswith(("exclusive", "disruptive")):
            overlapping = [other for other, s, e, _ in intervals if other != who and s < end and start < e]
            assert not overlapping, f"{who} overlapped {overlapping}"
    # Disruptive scenarios come last: nothing else runs after one started.
    first_disruptive = min(start for who, start, _, _ in intervals if who.startswith("disruptive"))
    assert all(end <= first_disruptive for who, _, end, _ in intervals if not who.startswith("disruptive"))
    cucumber = json.loads((pytester.path / "reports" / "cucumber.json").read_text(encoding="utf-8"))
    assert sum(len(feature["elements"]) for feature in cucumber) == 7
    summary = summary_of(pytester)
    assert summary["totals"]["passed"] == 7 and summary["target_url"] == stand_in_target
    names = {scenario["name"] for scenario in summary["scenarios"]}
    assert {"shared 1", "shared 4", "exclusive 2", "disruptive 1"} <= names and len(names) == 7


LATE_FEATURE = """\
Feature: Disruptive last
  @exclusive
  Scenario: late exclusive
    Given I hold the lock as "late exclusive, shared part"
    And I change the target as "late exclusive, alone part"

  @disruptive
  Scenario: disruptive 1
    Given I hold the lock as "disruptive 1"
"""

LATE_STEPS = (
    LOCK_STEPS
    + """
from conformance.suite.plugin import run_alone
from conformance.suite._scenario_lock import steps_need_it_alone

steps_need_it_alone('I change the target as "[^"]+"')

@given(parsers.parse('I change the target as "{who}"'))
def change(who, request):
    run_alone(request.node)
    hold(who)
"""
)


def test_under_xdist_a_disruptive_scenario_waits_for_every_other_one_to_finish(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, stand_in_target: str
) -> None:
    lock_suite(pytester, monkeypatch, stand_in_target, LATE_FEATURE, LATE_STEPS)
    # Two scenarios, two workers: each gets one. The exclusive one shares the lock first, so the disruptive
    # one could take it the moment the exclusive one lets go of its share to hold it alone.
    result = pytester.runpytest_subprocess("-n", "2", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)
    rows = [line.split("|") for line in (pytester.path / "intervals.log").read_text().splitlines()]
    intervals = {who: (float(start), float(end), pid) for who, start, end, pid in rows}
    assert intervals["late exclusive, alone part"][2] != intervals["disruptive 1"][2], "one worker ran both"
    assert intervals["disruptive 1"][0] >= intervals["late exclusive, alone part"][1], intervals


def test_without_a_url_the_bundled_reference_server_is_the_target(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, no_profile_in_environment: None
) -> None:
    if importlib.util.find_spec("reference_server.__main__") is None:
        pytest.skip("reference_server not importable yet")
    monkeypatch.setenv("TALK_CONFORMANCE_CONFIGURE_RECORDING", "false")
    (pytester.path / "features").mkdir()
    (pytester.path / "features" / "inline.feature").write_text(FEATURE.split("  @admin")[0], encoding="utf-8")
    pytester.makepyfile(test_inline=STEPS)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--conformance-report-dir", "reports")
    result.assert_outcomes(passed=1)
    summary = summary_of(pytester)
    assert summary["target_url"].startswith("http://127.0.0.1:")
    assert Path(pytester.path / "reports" / "reference-server.log").is_file()


def test_key_value_tags_survive_any_plugin_load_order(suite: pytest.Pytester) -> None:
    # Loaded with -p, the plugin registers before pytest-bdd, whose own tag hook would then answer first.
    result = suite.runpytest_subprocess(
        "-p",
        "no:talk_conformance",
        "-p",
        "conformance.suite.plugin",
        "-p",
        "no:cacheprovider",
        "--strict-markers",
    )
    result.assert_outcomes(passed=1, failed=1, errors=1, skipped=1)
