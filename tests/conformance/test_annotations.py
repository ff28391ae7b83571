"""GitHub annotations on the feature files, the Markdown step summary, and the action's outputs."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from separate_servers import read_summary, reference_server, talk_conformance

from conformance.outcomes import Verdict
from conformance.reports._summary import RunSummary, ScenarioResult
from conformance.reports.annotations import (
    action_outputs,
    error_command,
    escape_data,
    escape_property,
    markdown_summary,
    style_for,
    write_outputs,
)
from conformance.resources import features_dir

OUTLINE = "A recording status other than video or audio is refused"
SELECTION = "status_other_than_video_or_audio"
LIMIT = {"TALK_CONFORMANCE_UPLOAD_LIMIT_BYTES": "1048576"}


def test_workflow_command_escaping_follows_the_github_rules() -> None:
    assert escape_data("100% done\r\nnext") == "100%25 done%0D%0Anext"
    assert escape_property("a:b, c%\nd") == "a%3Ab%2C c%25%0Ad"


def test_an_error_command_keeps_the_first_line_of_the_message() -> None:
    line = error_command(
        "expected 400, got 200: 50%\nmore detail", "Start, then: stop", "features/a b.feature", 7
    )
    assert line == (
        "::error file=features/a b.feature,line=7,title=Start%2C then%3A stop::expected 400, got 200: 50%25"
    )
    assert error_command("", "t") == "::error title=t::failed"


def test_the_style_follows_the_option_then_the_environment() -> None:
    assert style_for(None, {"GITHUB_ACTIONS": "true"}) == "github"
    assert style_for(None, {}) == "none"
    assert style_for("none", {"GITHUB_ACTIONS": "true"}) == "none"
    assert style_for("github", {}) == "github"


@pytest.fixture(scope="module")
def broken_target(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A reference server that accepts any recording status, so the status outline fails."""
    work_dir = tmp_path_factory.mktemp("mutant")
    with reference_server(work_dir, "--mutant", "start-status-unchecked") as url:
        yield url


def outline_line() -> int:
    lines = (features_dir() / "start_recording.feature").read_text(encoding="utf-8").splitlines()
    return next(
        number for number, text in enumerate(lines, 1) if text.strip() == f"Scenario Outline: {OUTLINE}"
    )


def test_a_failing_run_under_github_actions_annotates_the_feature_files(
    tmp_path: Path, broken_target: str
) -> None:
    step_summary = tmp_path / "step-summary.md"
    step_summary.write_text("earlier step\n", encoding="utf-8")
    env = {"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(step_summary), **LIMIT}
    result = talk_conformance(
        "--target-url", broken_target, "--report-dir", "reports", "--", "-k", SELECTION, cwd=tmp_path, env=env
    )  # fmt: skip
    assert result.returncode == 1, result.stdout[-3000:] + result.stderr[-3000:]
    scenarios = read_summary(tmp_path / "reports")["scenarios"]
    assert len(scenarios) == 4 and {s["verdict"] for s in scenarios} == {"failed"}
    expected = [
        f"::error file=features/start_recording.feature,line={outline_line()},"
        f"title={scenario['name']}::{scenario['message'].splitlines()[0]}"
        for scenario in scenarios
    ]
    assert [line for line in result.stdout.splitlines() if line.startswith("::")] == expected
    assert expected[0].startswith(
        f"::error file=features/start_recording.feature,line=34,title={OUTLINE} [0]::"
    )
    assert "the target answered HTTP 200" in expected[0]
    written = step_summary.read_text(encoding="utf-8")
    assert written.startswith("earlier step\n## Talk recording conformance: failed\n")
    assert all(f"| failed | Start a call recording | {s['name']} |" in written for s in scenarios)


def test_annotations_none_keeps_a_github_job_quiet(tmp_path: Path, broken_target: str) -> None:
    result = talk_conformance(
        "--target-url", broken_target, "--annotations", "none", "--report-dir", "reports",
        "--", "-k", SELECTION, cwd=tmp_path, env={"GITHUB_ACTIONS": "true", **LIMIT},
    )  # fmt: skip
    assert result.returncode == 1
    assert not [line for line in result.stdout.splitlines() if line.startswith("::")]


def test_a_run_that_cannot_start_is_one_annotation(tmp_path: Path) -> None:
    step_summary = tmp_path / "step-summary.md"
    result = talk_conformance(
        "--target-url", "http://127.0.0.1:9", "--annotations", "github", "--report-dir", "reports",
        cwd=tmp_path, env={"GITHUB_STEP_SUMMARY": str(step_summary)},
    )  # fmt: skip
    assert result.returncode == 3
    [line] = result.stdout.splitlines()
    assert line.startswith(
        "::error title=talk-conformance::setup error: the target http://127.0.0.1:9 is not reachable: "
        "Connection refused (fix: "
    )
    assert "**Setup error:** the target http://127.0.0.1:9 is not reachable" in step_summary.read_text()


def test_the_markdown_summary_lists_what_broke() -> None:
    summary = RunSummary(target_url="https://cloud.example.test/nextcloud")
    broken = ScenarioResult(
        "n1", "Pipes | in a name", "Stop", verdict=Verdict.FAILED, message="first\nsecond"
    )
    summary.results = {"n1": broken, "n2": ScenarioResult("n2", "Fine", "Stop", verdict=Verdict.PASSED)}
    text = markdown_summary(summary, Path("/reports"))
    assert text.splitlines() == [
        "## Talk recording conformance: failed",
        "",
        "Target: `https://cloud.example.test/nextcloud`",
        "",
        "| skipped | passed | failed | error | total |",
        "|---:|---:|---:|---:|---:|",
        "| 0 | 1 | 1 | 0 | 2 |",
        "",
        "| outcome | feature | scenario | message |",
        "|---|---|---|---|",
        "| failed | Stop | Pipes \\| in a name | first |",
        "",
        "Reports: `/reports`",
    ]


def test_the_action_outputs_come_from_summary_json(tmp_path: Path) -> None:
    totals = {"error": 0, "failed": 2, "passed": 140, "skipped": 4, "total": 146}
    (tmp_path / "summary.json").write_text(json.dumps({"verdict": "failed", "totals": totals}))
    (tmp_path / "junit.xml").write_text("<testsuites/>")
    outputs = action_outputs(tmp_path)
    assert outputs == {
        "verdict": "failed",
        "totals": json.dumps(totals, sort_keys=True),
        "report-dir": str(tmp_path),
        "total": "146",
        "passed": "140",
        "failed": "2",
        "error": "0",
        "skipped": "4",
        "expected-failure": "0",
        "failed-differently": "0",
        "unexpectedly-passed": "0",
        "summary-json": str(tmp_path / "summary.json"),
        "junit-xml": str(tmp_path / "junit.xml"),
        "cucumber-json": "",
    }
    assert action_outputs(tmp_path / "nothing")["verdict"] == "error"
    github_output = tmp_path / "github-output"
    write_outputs({"verdict": "failed", "note": "two\nlines"}, github_output)
    first, second, *heredoc = github_output.read_text().splitlines()
    assert first == "verdict=failed" and second.startswith("note<<talk_conformance_")
    assert heredoc == ["two", "lines", second.split("<<")[1]]
