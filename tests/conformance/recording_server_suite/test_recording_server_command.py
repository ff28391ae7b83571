"""`talk-conformance recording-server` end to end: the embedded reference recording server and its mutants."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path


def recording_server_suite(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {name: value for name, value in os.environ.items() if not name.startswith("TALK_CONFORMANCE_")}
    return subprocess.run(
        [sys.executable, "-m", "conformance.cli", "recording-server", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def summary(report_dir: Path) -> dict:
    return json.loads((report_dir / "summary.json").read_text(encoding="utf-8"))


def test_the_suite_passes_against_the_embedded_reference_recording_server(tmp_path):
    completed = recording_server_suite("--report-dir", str(tmp_path / "out"), cwd=tmp_path)
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-2000:]
    result = summary(tmp_path / "out")
    assert result["verdict"] == "passed"
    assert result["totals"]["total"] == result["totals"]["passed"] >= 29
    assert (tmp_path / "out" / "junit.xml").is_file() and (tmp_path / "out" / "cucumber.json").is_file()
    assert "the recording secret" not in (tmp_path / "out" / "cucumber.json").read_text(encoding="utf-8")
    assert result["profile"]["recording_secret"] == "[REDACTED]"


def test_a_server_that_accepts_an_unsigned_start_fails_naming_the_request(tmp_path):
    completed = recording_server_suite(
        "--report-dir", str(tmp_path / "out"), "--",
        "--recording-server-mutant", "signature-unchecked", "-k", "wrong_checksum",
        cwd=tmp_path,
    )  # fmt: skip
    assert completed.returncode == 1
    (failed,) = [s for s in summary(tmp_path / "out")["scenarios"] if s["verdict"] == "failed"]
    assert failed["name"] == "A start with a wrong checksum is refused with 403"
    assert failed["message"].startswith("POST /api/v1/room/")
    assert "(start with a wrong checksum): expected 403, got 200 application/json {}" in failed["message"]


def test_a_server_that_never_reports_failed_fails_naming_what_was_expected(tmp_path):
    profile = tmp_path / "profile.yaml"
    profile.write_text("report_timeout: 1\n", encoding="utf-8")
    completed = recording_server_suite(
        "--target-profile", str(profile), "--report-dir", str(tmp_path / "out"), "--",
        "--recording-server-mutant", "failed-never-reported", "-k", "started_report_is_refused",
        cwd=tmp_path,
    )  # fmt: skip
    assert completed.returncode == 1
    (failed,) = summary(tmp_path / "out")["scenarios"]
    message = failed["message"]
    assert "(start, status 1, owner alice) -> 200 application/json {}" in message
    assert "Talk expected a signed `failed` report about room" in message
    assert "within 1s; received: POST /ocs/v2.php/apps/spreed/api/v1/recording/backend [started]" in message
    assert '-> 404 {"ocs"' in message  # the refused started report, as Talk answered it


def test_an_unreachable_recording_server_is_one_setup_error(tmp_path):
    completed = recording_server_suite(
        "--target-url", "http://127.0.0.1:9", "--report-dir", str(tmp_path / "out"), cwd=tmp_path
    )
    assert completed.returncode == 3
    assert completed.stderr.strip().splitlines() == [
        "talk-conformance recording-server: setup error: the recording server did not answer "
        "GET /api/v1/welcome (welcome): Connection refused"
    ]
    assert summary(tmp_path / "out")["verdict"] == "error"


def test_a_bad_profile_is_one_line_and_exit_2(tmp_path):
    profile = tmp_path / "profile.yaml"
    profile.write_text("talk_backend_listen: nowhere\n", encoding="utf-8")
    completed = recording_server_suite("--target-profile", str(profile), cwd=tmp_path)
    assert completed.returncode == 2
    assert completed.stderr.strip() == (
        f"talk-conformance recording-server: profile {profile}: "
        "talk_backend_listen must look like HOST:PORT, got 'nowhere'"
    )


def test_upstreams_expectations_turn_its_500_for_invalid_json_into_an_expected_failure(tmp_path):
    from conformance import resources

    expectations = Path(resources.__file__).parent / "expectations" / "nextcloud-talk-recording-upstream.yaml"
    # The mutant answers invalid JSON as upstream does (500); the faithful server passes, which it must not.
    like_upstream = recording_server_suite(
        "--expectations", str(expectations), "--report-dir", str(tmp_path / "upstream"), "--",
        "--recording-server-mutant", "invalid-json-500", "-k", "not_json",
        cwd=tmp_path,
    )  # fmt: skip
    assert like_upstream.returncode == 0, like_upstream.stdout[-2000:]
    (scenario,) = summary(tmp_path / "upstream")["scenarios"]
    assert scenario["verdict"] == "expected failure" and scenario["expected_failure_reason"].startswith("R1:")
    faithful = recording_server_suite(
        "--expectations", str(expectations), "--report-dir", str(tmp_path / "faithful"),
        "--", "-k", "not_json",
        cwd=tmp_path,
    )  # fmt: skip
    assert faithful.returncode == 1
    (scenario,) = summary(tmp_path / "faithful")["scenarios"]
    assert scenario["verdict"] == "unexpectedly passed"
