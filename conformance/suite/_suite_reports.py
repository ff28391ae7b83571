"""The reports of a run, for both suites: phases folded into the summary, the files, the terminal lines."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from conformance import progress_lines
from conformance.outcomes import Verdict
from conformance.redaction import Redactor
from conformance.reports import (
    JUNIT_FILE,
    SUMMARY_FILE,
    RunSummary,
    ScenarioResult,
    redact_file,
    terminal_lines,
    write_junit_xml,
    write_summary_json,
)
from conformance.suite import _scenario_verdicts as scenario_verdicts


def write_run_reports(
    report_dir: Path | None, summary: RunSummary, redactor: Redactor, server_log: Path | None
) -> None:
    """summary.json, junit.xml and the bundled server's log (redacted), when there is anything to report."""
    if report_dir is None or not (summary.results or summary.setup_error):
        return
    report_dir.mkdir(parents=True, exist_ok=True)
    write_summary_json(report_dir / SUMMARY_FILE, summary, redactor)
    write_junit_xml(report_dir / JUNIT_FILE, summary, redactor)
    if server_log is not None and server_log.is_file():
        redacted = redactor.text(server_log.read_text(encoding="utf-8", errors="replace"))
        (report_dir / server_log.name).write_text(redacted, encoding="utf-8")


def summary_lines(summary: RunSummary, report_dir: Path | None, redactor: Redactor) -> list[str]:
    """The terminal summary of a run, redacted; nothing when nothing ran."""
    if not (summary.results or summary.setup_error or summary.expectation_errors):
        return []
    return [redactor.text(line) for line in terminal_lines(summary, report_dir)]


def scenario_progress_line(result: ScenarioResult) -> str:
    """The line printed when a scenario finished (its verdict in words, as summary.json has it)."""
    where = progress_lines.location(result.source, result.nodeid)
    reason = result.message if result.verdict is Verdict.SKIPPED else ""
    return progress_lines.scenario_line(
        result.outcome, result.duration, where, result.feature, result.name, reason
    )


class SuiteReports:
    """Controller: the run summary, folded from every phase report, and the files it becomes."""

    def __init__(
        self,
        report_dir: Path | None,
        redactor: Redactor,
        data_key: str,
        progress: Callable[[str], None] | None = None,
    ) -> None:
        self.report_dir = report_dir
        self.redactor = redactor
        self.data_key = data_key  # the report attribute the suite's verdict data travels in
        self.summary = RunSummary()
        self.cucumber_path: Path | None = None
        self._progress = progress  # a line per finished scenario, when asked for
        self._started_at = time.monotonic()

    def fold(self, report: pytest.TestReport) -> dict[str, Any] | None:
        """Fold one phase report of a scenario into its result; its verdict data (None: not ours)."""
        data = getattr(report, self.data_key, None)
        if not data:
            return None
        result = scenario_verdicts.fold(self.summary, report, data)
        if report.when == "teardown" and self._progress is not None:
            self._progress(scenario_progress_line(result))
        return data

    def finish(self, server_log: Path | None) -> None:
        """The run's duration, then summary.json, junit.xml and the server's log."""
        self.summary.duration = time.monotonic() - self._started_at
        write_run_reports(self.report_dir, self.summary, self.redactor, server_log)

    def redact_cucumber(self) -> None:
        """pytest-bdd wrote cucumber.json without knowing the secrets: redact it afterwards."""
        if self.cucumber_path is not None:
            redact_file(self.cucumber_path, self.redactor)


def stop_at_first_failure(
    session: pytest.Session | None, data: dict[str, Any], report: pytest.TestReport
) -> None:
    """--stop-at-first-failure: unlike -x, a setup error goes on; only a failure means a broken rule."""
    if session is not None and report.when == "call" and data["verdict"] == "failed":
        session.shouldstop = f"conformance failure in {report.nodeid}"
