"""How either suite's command ends: one exit status from the run's summary.json, one pytest.ini of its own."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conformance import suite
from conformance.redaction import Redactor

PROG = "talk-conformance recording-server"
REASONS = " (see the reasons)"


def summary(report_dir: Path, **fields: object) -> Path:
    report_dir.mkdir(parents=True, exist_ok=True)
    (report_dir / "summary.json").write_text(json.dumps(fields), encoding="utf-8")
    return report_dir


@pytest.mark.parametrize(
    ("fields", "pytest_code", "status"),
    [
        ({"verdict": "passed"}, 0, suite.EXIT_CLEAN),
        ({"verdict": "failed"}, 1, suite.EXIT_FAILED),
        ({"verdict": "passed"}, 2, suite.EXIT_FAILED),  # pytest itself was interrupted
        ({"verdict": "error"}, 1, suite.EXIT_SETUP),
        ({"verdict": "nothing checked"}, 0, suite.EXIT_NOTHING_CHECKED),
    ],
)
def test_the_verdict_decides_the_status(tmp_path, fields, pytest_code, status) -> None:
    assert suite.run_exit_status(PROG, pytest_code, summary(tmp_path, **fields), Redactor(())) == status


def test_nothing_checked_is_said_in_one_line(tmp_path, capsys) -> None:
    suite.run_exit_status(PROG, 5, summary(tmp_path, verdict="nothing checked"), Redactor(()))
    said = capsys.readouterr().err.splitlines()
    assert said == [
        f"{PROG}: every scenario was skipped: nothing was checked, so the target did not pass" + REASONS
    ]


def test_a_setup_error_is_said_redacted(tmp_path, capsys) -> None:
    report_dir = summary(tmp_path, verdict="error", setup_error="login as admin:hunter2 failed")
    assert suite.run_exit_status(PROG, 1, report_dir, Redactor(("hunter2",))) == suite.EXIT_SETUP
    said = capsys.readouterr().err
    assert said.startswith(f"{PROG}: setup error: login as admin:") and "hunter2" not in said


def test_no_summary_means_pytest_did_not_run_the_suite(tmp_path, capsys) -> None:
    assert suite.run_exit_status(PROG, 4, tmp_path, Redactor(())) == suite.EXIT_USAGE
    assert "pytest did not run the suite (pytest exit code 4)" in capsys.readouterr().err


def test_the_suite_ini_is_strict_and_removed_afterwards() -> None:
    with suite.suite_pytest_ini() as ini:
        text = ini.read_text(encoding="utf-8")
        assert "--strict-markers" in text and "xfail_strict = true" in text
    assert not ini.exists()
