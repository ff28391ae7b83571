"""Assertion records: Then steps record what they checked, summary.json keeps it, the matrix counts it."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from ocs_stand_in import capabilities_only, ocs_stand_in

from conformance.reports._asserted_coverage import load_run
from conformance.reports._assertion_records import (
    AssertionLog,
    ResponseAssertion,
    TransitionAssertion,
    records_from_json,
)
from conformance.reports.coverage_matrix import load_run_matrix, matrix_command

pytest_plugins = ["pytester"]

FEATURE = """\
Feature: Recorded checks
  @operation:recording-start @status:400 @error:call
  Scenario: a refused start is asserted
    Then the start was refused because no call is active

  @operation:recording-start @status:400 @error:config @transition:0-3
  Scenario: tags that no step backs
    Then the start was refused because no call is active

  @operation:recording-stop @status:200
  Scenario: a broken scenario does not claim its tags
    Then the step breaks
"""

STEPS = """\
import pytest
from pytest_bdd import then, scenarios

pytestmark = pytest.mark.usefixtures("conformance_run")
scenarios("features")

@then("the start was refused because no call is active")
def refused(conformance_assertions):
    conformance_assertions.response("recording-start", 400, 400, "call")
    conformance_assertions.transition("recording-start", 0, 0)

@then("the step breaks")
def breaks():
    assert False, "the target broke"
"""


@pytest.fixture
def stand_in_target() -> Iterator[str]:
    with ocs_stand_in(capabilities_only) as url:
        yield url


@pytest.fixture
def recorded_run(
    pytester: pytest.Pytester,
    monkeypatch: pytest.MonkeyPatch,
    stand_in_target: str,
    no_profile_in_environment: None,
):
    monkeypatch.setenv("TALK_CONFORMANCE_URL", stand_in_target)
    monkeypatch.setenv("TALK_CONFORMANCE_CONFIGURE_RECORDING", "false")
    (pytester.path / "features").mkdir()
    (pytester.path / "features" / "recorded.feature").write_text(FEATURE, encoding="utf-8")
    pytester.makepyfile(test_recorded=STEPS)
    result = pytester.runpytest("--conformance-report-dir", "reports")
    result.assert_outcomes(passed=2, failed=1)
    return pytester.path / "reports"


def test_summary_json_keeps_what_each_scenario_asserted_and_where_it_is_written(recorded_run) -> None:
    summary = json.loads((recorded_run / "summary.json").read_text(encoding="utf-8"))
    by_name = {scenario["name"]: scenario for scenario in summary["scenarios"]}
    asserted = by_name["a refused start is asserted"]
    assert asserted["assertions"] == [
        {
            "kind": "response",
            "operation": "recording-start",
            "status": 400,
            "statuscode": 400,
            "error": "call",
        },
        {"kind": "transition", "operation": "recording-start", "source": 0, "target": 0, "trigger": None},
    ]
    assert asserted["source"] == {
        "path": "recorded.feature",
        "line": 3,
        "name": "a refused start is asserted",
    }
    assert by_name["a broken scenario does not claim its tags"]["assertions"] == []


def test_the_matrix_of_a_run_counts_assertions_and_flags_unbacked_tags(recorded_run) -> None:
    matrix = load_run_matrix(recorded_run, None, None)
    covered = {
        (row.cell.operation_id, row.cell.status, row.cell.error) for row in matrix.cells if row.scenarios
    }
    assert covered == {("recording-start", 400, "call")}
    assert [ref.name for row in matrix.cells for ref in row.scenarios] == [
        "a refused start is asserted",
        "tags that no step backs",
    ]
    unbacked = {(entry.scenario.name, entry.tag) for entry in matrix.unasserted_tags}
    # The failed scenario stopped early, so its missing records say nothing about its tags.
    assert unbacked == {
        ("tags that no step backs", "operation:recording-start @status:400 @error:config"),
        ("tags that no step backs", "transition:0-3 (start)"),
    }
    untagged = {(entry.scenario.name, entry.tag) for entry in matrix.untagged_assertions}
    assert untagged == {("tags that no step backs", "operation:recording-start @status:400 @error:call")}
    assert not matrix.complete


def test_matrix_results_option_fails_on_unbacked_tags_and_names_them(recorded_run, capsys) -> None:
    assert matrix_command(["--results", str(recorded_run)]) == 1
    captured = capsys.readouterr()
    assert "2 tagged but not asserted, 1 asserted but not tagged" in captured.out
    assert "tags that no step backs: @transition:0-3 (start)" in captured.out
    assert "2 tag(s) tagged but not asserted" in captured.err


def test_a_results_directory_without_records_is_a_usage_error(tmp_path, capsys) -> None:
    (tmp_path / "summary.json").write_text(
        json.dumps({"scenarios": [{"name": "old", "feature": "f", "tags": [], "verdict": "passed"}]}),
        encoding="utf-8",
    )
    assert matrix_command(["--results", str(tmp_path)]) == 2
    assert "carries no assertion records" in capsys.readouterr().err
    assert matrix_command(["--results", str(tmp_path / "missing")]) == 2


def test_outline_rows_are_one_scenario_whose_records_add_up(tmp_path) -> None:
    source = {"path": "start.feature", "line": 4, "name": "Refused with <reason>"}
    rows = [
        {"name": f"Refused with {error}", "tags": ["status:400"], "verdict": "passed", "source": source,
         "assertions": [{"kind": "response", "operation": "recording-start", "status": 400, "error": error}]}
        for error in ("status", "call")
    ]  # fmt: skip
    (tmp_path / "summary.json").write_text(json.dumps({"scenarios": rows}), encoding="utf-8")
    (run,) = load_run(tmp_path)
    assert run.ref.name == "Refused with <reason>" and run.verdicts == ("passed", "passed")
    assert [record.error for record in run.records] == ["status", "call"]


def test_a_log_keeps_each_check_once_and_ignores_requests_outside_the_contract() -> None:
    log = AssertionLog()
    log.response("recording-stop", 200, 200)
    log.response("recording-stop", 200, 200)
    log.response(None, 200)  # e.g. the chat listing: no cell of the recording contract
    log.transition("recording-backend", 3, 1, "started")
    assert records_from_json(log.to_json()) == [
        ResponseAssertion("recording-stop", 200, 200),
        TransitionAssertion("recording-backend", 3, 1, "started"),
    ]
    with pytest.raises(ValueError, match="not an assertion record"):
        records_from_json([{"kind": "guess"}])


def test_the_living_documentation_lists_per_cell_the_scenarios_that_asserted_it(
    recorded_run, tmp_path
) -> None:
    from conformance.reports.living_docs._command import build_site

    page = build_site(tmp_path / "site", recorded_run, recorded_run.parent / "features").read_text("utf-8")
    assert "1 asserted by scenarios of this run" in page
    row = next(line for line in page.splitlines() if "<td>call</td>" in line)
    assert "a refused start is asserted" in row and "tags that no step backs" in row
    config_row = next(line for line in page.splitlines() if "<td>config</td>" in line)
    assert "tags that no step backs" not in config_row  # tagged, never asserted: not listed as covering
