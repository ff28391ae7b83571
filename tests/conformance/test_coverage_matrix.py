"""The coverage matrix: every documented cell and transition against the scenarios and the register."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
import yaml

from conformance import resources
from conformance.protocol._contract import Cell, load_contract
from conformance.protocol._recording_vocabulary import TRANSITIONS
from conformance.reports._coverage_rendering import render_text
from conformance.reports._feature_tags import load_scenarios
from conformance.reports._register_cells import load_register
from conformance.reports._tagged_coverage import build_matrix, error_tag
from conformance.reports.coverage_matrix import load_matrix, matrix_command

# --- the project's own scenarios ------------------------------------------------------------------


@pytest.fixture(scope="module")
def bundled_matrix():
    return build_matrix()


# The gate itself (every cell and transition covered, every tag backed) runs on a real run's records:
# tests/conformance/test_coverage_gate.py. The tags alone are checked here for what they name.


def test_every_scenario_tag_names_a_documented_cell_or_transition(bundled_matrix) -> None:
    stray = [f"{tag.scenario.label}: @{tag.tag} ({tag.reason})" for tag in bundled_matrix.stray_tags]
    assert not stray, "tags that match nothing documented (a typo hides a gap): " + "; ".join(stray)


def test_the_matrix_reads_every_scenario_and_every_documented_cell(bundled_matrix) -> None:
    assert len(bundled_matrix.cells) == len(load_contract().cells())
    assert bundled_matrix.scenario_count == len(load_scenarios(resources.features_dir())) > 50


# --- matching rules, on feature files written here ------------------------------------------------


def write_feature(directory: Path, name: str, text: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def matrix_for(features: Path, register: list | None = None):
    return build_matrix(load_contract(), load_scenarios(features), register or [])


def row_for(matrix, operation: str, status: int, error: str | None):
    return next(row for row in matrix.cells if row.cell == Cell(operation, status, error))


def test_examples_block_tags_count_for_their_rows_only(tmp_path: Path) -> None:
    write_feature(
        tmp_path,
        "start.feature",
        """\
        @operation:recording-start
        Feature: Start
          @status:400
          Scenario Outline: Refused with <reason>
            When something <reason>
            Then it is refused

            @error:status
            Examples: bad status
              | reason |
              | status |

            @error:call
            Examples:
              | reason |
              | call   |
        """,
    )
    matrix = matrix_for(tmp_path)
    status_row = row_for(matrix, "recording-start", 400, "status")
    call_row = row_for(matrix, "recording-start", 400, "call")
    assert [ref.examples_name for ref in status_row.scenarios] == ["bad status"]
    assert [ref.examples_line for ref in call_row.scenarios] == [14]
    assert row_for(matrix, "recording-start", 400, "config").verdict == "uncovered"
    assert matrix.stray_tags == []


def test_rule_and_feature_tags_are_inherited(tmp_path: Path) -> None:
    write_feature(
        tmp_path,
        "welcome.feature",
        """\
        @operation:recording-get-welcome-message
        Feature: Welcome
          @status:403
          Rule: Administrators only
            Scenario: A moderator is refused
              When a moderator asks
              Then it is refused
        """,
    )
    assert row_for(matrix_for(tmp_path), "recording-get-welcome-message", 403, None).verdict == "covered"


def test_a_register_entry_explains_a_cell_without_scenario_and_says_how(tmp_path: Path) -> None:
    write_feature(tmp_path, "empty.feature", "Feature: Nothing yet\n")
    register_file = tmp_path / "deviations.yaml"
    register_file.write_text(
        yaml.safe_dump(
            {
                "deviations": [
                    {"id": "U9", "title": "Federation", "decision": "unreachable",
                     "cells": [{"operation": "recording-start", "status": 406, "error": None}]},
                    {"id": "D9", "title": "Order", "decision": "follow-upstream",
                     "cells": [{"operation": "recording-start", "status": 400, "error": "status"}]},
                ]
            }
        ),
        encoding="utf-8",
    )  # fmt: skip
    matrix = matrix_for(tmp_path, load_register(register_file))
    federated = row_for(matrix, "recording-start", 406, None)
    assert federated.verdict == "unreachable" and [entry.id for entry in federated.explained_by] == ["U9"]
    ordered = row_for(matrix, "recording-start", 400, "status")
    assert ordered.verdict == "registered" and [entry.id for entry in ordered.explained_by] == ["D9"]
    assert row_for(matrix, "recording-start", 400, "call").verdict == "uncovered"
    assert matrix.counts()["cells_registered"] == 1 and not matrix.complete
    text = render_text(matrix)
    assert "recording-start 406" in text and "U9 (unreachable): Federation" in text
    assert "D9 (follow-upstream): Order" in text


def test_a_shared_transition_is_attributed_by_the_scenarios_operation(tmp_path: Path) -> None:
    write_feature(
        tmp_path,
        "stop.feature",
        """\
        Feature: Stop
          @operation:recording-stop @status:200 @transition:1-5 @transition:3-5
          Scenario: The recording server lost the recording
            When the moderator stops
            Then the room is failed
        """,
    )
    matrix = matrix_for(tmp_path)
    covered = {(row.transition.trigger, row.transition.label) for row in matrix.transitions if row.scenarios}
    assert covered == {("stop answered 404 by the recording server", "1–5 → 5")}
    stop_row = next(row for row in matrix.transitions if row.transition.operation_id == "recording-stop")
    assert len(stop_row.scenarios) == 1


def test_tags_that_name_nothing_documented_are_reported(tmp_path: Path) -> None:
    write_feature(
        tmp_path,
        "typos.feature",
        """\
        Feature: Typos
          @operation:recording-strat @status:200
          Scenario: Unknown operation
            When x

          @operation:recording-start @status:418 @error:teapot @transition:2-3
          Scenario: Undocumented status, error and transition
            When x

          @operation:recording-start @status:400
          Scenario: An error status without its error string
            When x

          @status:200
          Scenario: No operation
            When x
        """,
    )
    stray = {(tag.tag, tag.scenario.name) for tag in matrix_for(tmp_path).stray_tags}
    assert stray == {
        ("operation:recording-strat", "Unknown operation"),
        ("status:200", "Unknown operation"),
        ("status:418", "Undocumented status, error and transition"),
        ("error:teapot", "Undocumented status, error and transition"),
        ("transition:2-3", "Undocumented status, error and transition"),
        ("status:400", "An error status without its error string"),
        ("status:200", "No operation"),
    }


# --- the command ----------------------------------------------------------------------------------


def feature_covering_everything() -> str:
    # One scenario per documented cell and per transition, tagged the way the project's features are.
    lines = ["Feature: Everything", ""]
    for index, cell in enumerate(load_contract().cells()):
        error = f" @error:{error_tag(cell.error)}" if cell.error else ""
        lines += [
            f"  @operation:{cell.operation_id} @status:{cell.status}{error}",
            f"  Scenario: cell {index}",
        ]
        lines += ["    When something happens", ""]
    for index, transition in enumerate(TRANSITIONS):
        tags = f"@operation:{transition.operation_id} @transition:{transition.sources[0]}-{transition.target}"
        lines += [f"  {tags}", f"  Scenario: transition {index}", "    When something happens", ""]
    return "\n".join(lines)


def test_matrix_command_exits_0_when_everything_is_covered(tmp_path: Path, capsys) -> None:
    write_feature(tmp_path / "features", "all.feature", feature_covering_everything())
    assert matrix_command(["--features", str(tmp_path / "features")]) == 0
    output = capsys.readouterr().out
    assert "0 uncovered" in output and "recording-get-welcome-message 500 TIME_OUT_OF_SYNC" in output


def test_matrix_command_exits_1_and_names_the_uncovered_cells(tmp_path: Path, capsys) -> None:
    write_feature(
        tmp_path / "features", "all.feature", feature_covering_everything().replace("@error:size", "")
    )
    empty_register = tmp_path / "deviations.yaml"
    empty_register.write_text("deviations: []\n", encoding="utf-8")
    assert matrix_command(["--features", str(tmp_path / "features"), "--register", str(empty_register)]) == 1
    captured = capsys.readouterr()
    assert "uncovered: recording-store 400 size" in captured.err
    assert "recording-store 400 size" in captured.out and "NO SCENARIO" in captured.out


def test_matrix_command_json_and_markdown(tmp_path: Path, capsys) -> None:
    write_feature(tmp_path / "features", "all.feature", feature_covering_everything())
    assert matrix_command(["--features", str(tmp_path / "features"), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["complete"] is True
    assert data["counts"]["cells"] == len(load_contract().cells())
    assert {cell["coverage"] for cell in data["cells"]} == {"covered"}
    out_file = tmp_path / "coverage.md"
    assert matrix_command(["--features", str(tmp_path / "features"), "--format", "markdown", "--output",
                           str(out_file)]) == 0  # fmt: skip
    text = out_file.read_text(encoding="utf-8")
    assert text.startswith("# Coverage matrix") and "## recording-backend" in text
    assert "| started | 4 → 1 | covered |" in text


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        (["--format", "yaml"], "invalid choice"),
        (["--features", "/nonexistent/features"], "feature directory /nonexistent/features does not exist"),
        (["--register", "/nonexistent/deviations.yaml"], "cannot read the deviation register"),
        (["--contract", "/nonexistent/recording.yaml"], "cannot load the contract"),
    ],
)
def test_matrix_command_explains_unusable_input_without_a_traceback(arguments, expected, capsys) -> None:
    assert matrix_command(arguments) == 2
    error = capsys.readouterr().err
    assert expected in error and "Traceback" not in error


def test_matrix_command_names_a_feature_file_that_is_not_gherkin(tmp_path: Path, capsys) -> None:
    write_feature(tmp_path, "broken.feature", "Scenario: outside a feature\n  Given a step\n")
    assert matrix_command(["--features", str(tmp_path)]) == 2
    assert "broken.feature is not valid Gherkin" in capsys.readouterr().err


def test_a_malformed_register_entry_is_named(tmp_path: Path) -> None:
    register_file = tmp_path / "deviations.yaml"
    register_file.write_text(
        "deviations:\n  - id: D1\n    title: no cells\n    decision: x\n", encoding="utf-8"
    )
    with pytest.raises(Exception, match="entry #1 is malformed"):
        load_matrix(None, None, register_file)
