"""A run that checked nothing is not green: every scenario skipped is its own verdict and exit code."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conformance.cli import EXIT_NOTHING_CHECKED, main
from conformance.outcomes import Verdict
from conformance.reports._summary import NOTHING_CHECKED, RunSummary, ScenarioResult
from tests.conformance.ocs_stand_in import ocs, ocs_stand_in


def without_recording_api(path: str) -> tuple[int, object]:
    """A Nextcloud whose Talk does not offer recording-v1."""
    return 200, ocs({"capabilities": {"spreed": {"features": ["audio", "video"], "version": "23.0.6"}}})


def test_a_target_without_the_recording_api_ends_with_nothing_checked_and_exit_5(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with ocs_stand_in(without_recording_api) as url:
        code = main(["--target-url", url, "--report-dir", str(tmp_path / "r"), "--expectations", "none"])
    captured = capsys.readouterr()
    assert code == EXIT_NOTHING_CHECKED == 5, captured.out + captured.err
    summary = json.loads((tmp_path / "r" / "summary.json").read_text(encoding="utf-8"))
    assert summary["verdict"] == NOTHING_CHECKED
    assert summary["totals"]["skipped"] == summary["totals"]["total"] > 0
    assert "verdict: nothing checked" in captured.out
    assert "nothing was checked, so the target did not pass" in captured.err


def test_a_run_where_only_some_scenarios_are_skipped_keeps_its_verdict() -> None:
    summary = RunSummary()
    for index, verdict in enumerate((Verdict.PASSED, Verdict.SKIPPED)):
        result = ScenarioResult(f"steps/test_features.py::test_{index}", f"Scenario {index}", "Some feature")
        result.merge(verdict, 0.1, "")
        summary.results[result.nodeid] = result
    assert summary.verdict_words() == "passed"
    assert RunSummary().verdict_words() == NOTHING_CHECKED
