"""A fuzz run ends with one counted verdict line and names summary.json among its reports."""

from __future__ import annotations

import dataclasses
import json

from conformance.fuzz._replay import FailureRecord
from conformance.fuzz._runner import EXIT_CLEAN, EXIT_FINDINGS, _report
from conformance.fuzz._schema_loading import FuzzSettings
from conformance.redaction import Redactor


def finding(operation: str) -> FailureRecord:
    check = "registered_server_errors_only"
    return FailureRecord("schemathesis", operation, "fuzzing", check, "HTTP 500", 1, "")


class Engine:
    junit, errors, cases_by_phase, total_cases, seconds = [], [], {"fuzzing": 40, "examples": 2}, 42, 0.5
    failures = [finding("POST /recording/backend"), finding("POST /recording/{token}")]


def test_the_last_line_counts_cases_findings_expected_and_unexpected(tmp_path, capsys):
    def one_known(records):
        return [dataclasses.replace(records[0], expected_by="X7"), *records[1:]]

    status = _report(Engine(), None, tmp_path, Redactor(), FuzzSettings(), one_known)
    lines = capsys.readouterr().out.splitlines()
    assert status == EXIT_FINDINGS
    assert lines[-1] == "fuzz verdict: failed: 42 cases, 2 finding(s): 1 expected, 1 unexpected"
    assert lines[-2].startswith("reports: ") and str(tmp_path / "summary.json") in lines[-2]
    assert json.loads((tmp_path / "summary.json").read_text())["verdict"] == "failed"


def test_a_run_whose_findings_are_all_expected_passes(tmp_path, capsys):
    def all_known(records):
        return [dataclasses.replace(record, expected_by="X7") for record in records]

    assert _report(Engine(), None, tmp_path, Redactor(), FuzzSettings(), all_known) == EXIT_CLEAN
    last = capsys.readouterr().out.splitlines()[-1]
    assert last == "fuzz verdict: passed: 42 cases, 2 finding(s): 2 expected, 0 unexpected"
