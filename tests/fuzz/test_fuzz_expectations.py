"""`fuzz --expectations`: a finding explained by a register entry that the expectations cite is expected."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from conformance.fuzz._expectations import (
    DOCUMENTED,
    EXPECTED,
    UNEXPLAINED,
    RegisterEntry,
    cited_ids,
    finding_of,
    judge,
    load_register,
)
from conformance.fuzz._replay import FailureRecord
from conformance.fuzz._runner import EXIT_CLEAN, EXIT_FINDINGS, EXIT_USAGE, _report, run_fuzz
from conformance.fuzz._schema_loading import FuzzSettings
from conformance.redaction import Redactor
from conformance.resources import deviations_path
from conformance.traffic._recordings import RECORDINGS_DIR

EXPECTATIONS_DIR = Path(__file__).resolve().parents[2] / "conformance" / "expectations"
RECORDED = RECORDINGS_DIR / "nextcloud-32" / "fuzz-findings.jsonl"


def record(
    operation="POST /recording/backend", check="registered_server_errors_only", message="", curl="", **extra
) -> FailureRecord:
    return FailureRecord("schemathesis", operation, "fuzzing", check, message, 1, curl, **extra)


REGISTER = [
    RegisterEntry("X7", "require-sane-4xx", frozenset({("recording-backend", 500, None)})),
    RegisterEntry("X8", "follow-upstream", frozenset({("recording-start", 404, None)})),
    RegisterEntry("A4", "accepted", frozenset(), ({"method": "QUERY", "status": 501},)),
]


def test_a_finding_is_expected_only_when_the_expectations_cite_its_entry():
    finding = finding_of(record(message="unregistered server error HTTP 500: b'...'"))
    assert (finding.operation, finding.status) == ("recording-backend", 500)
    assert judge(finding, REGISTER, {"X7"}).kind == EXPECTED
    assert judge(finding, REGISTER, {"X7"}).entry == "X7"
    assert judge(finding, REGISTER, set()).kind == UNEXPLAINED


def test_what_the_contract_follows_is_documented_and_an_accepted_difference_is_always_expected():
    miss = finding_of(
        record("POST /recording/{token}", "ocs_envelope_consistency", "HTTP 404 but meta.statuscode is 998")
    )
    assert judge(miss, REGISTER, set()).kind == DOCUMENTED
    curl = "curl -sS -X QUERY -H 'OCS-APIRequest: true' http://127.0.0.1:1/ocs/v2.php/apps/spreed/api/v1/recording/abcdefgh"
    query = finding_of(
        record("POST /recording/{token}", message="HTTP 501 without an OCS envelope", curl=curl)
    )
    assert (query.method, query.operation, query.status) == ("QUERY", None, 501)
    assert judge(query, REGISTER, set()) == judge(query, REGISTER, {"X7"})
    assert judge(query, REGISTER, set()).entry == "A4"


def test_a_record_without_a_status_takes_it_from_its_request_and_the_model_names_its_operation():
    curl = "curl -sS -X POST http://127.0.0.1:1/ocs/v2.php/apps/spreed/api/v1/recording/backend"
    silent = record(
        check="positive_data_acceptance", message="Valid data should have been accepted", curl=curl
    )
    loud = record(message="unregistered server error HTTP 500", curl=curl)
    assert finding_of(silent, [silent, loud]).status == 500
    model = FailureRecord(
        "state-model",
        "recording status machine",
        "model",
        "model_agreement",
        "AssertionError: backend failed in room x: expected HTTP 200 , got 429 : {}",
        1,
        "",
    )
    assert (finding_of(model).operation, finding_of(model).status) == ("recording-backend", 429)
    assert finding_of(record(status=500, error="x")).error == "x"


def expectations_file() -> Path:
    return EXPECTATIONS_DIR / "nextcloud-32.yaml"


# Each shipped recording's fuzz findings (2026-12-06), with the expectations file of its release: how many
# there are, and how many are PHP's built-in server's 501 to QUERY (A4).
RECORDED_FINDINGS = {
    "nextcloud-32": ("nextcloud-32.yaml", 24, 12),
    "nextcloud-33": ("nextcloud-33.yaml", 23, 10),
}


@pytest.mark.parametrize("name", sorted(RECORDED_FINDINGS))
def test_the_recorded_findings_of_each_real_run_are_all_explained(name: str):
    """The real run's findings, judged as `fuzz --expectations` judges: none is left unexplained."""
    file_name, total, query_501 = RECORDED_FINDINGS[name]
    lines = (RECORDINGS_DIR / name / "fuzz-findings.jsonl").read_text(encoding="utf-8").splitlines()
    records = [FailureRecord(**json.loads(line)) for line in lines]
    register, cited = load_register(deviations_path()), cited_ids(EXPECTATIONS_DIR / file_name)
    verdicts = [(judge(finding_of(item, records), register, cited), item) for item in records]
    counts = Counter((verdict.kind, verdict.entry) for verdict, _ in verdicts)
    print(f"recorded fuzz findings of {name}:", dict(counts))
    unexplained = [
        f"{item.operation} {item.check}: {item.message[:200]}"
        for verdict, item in verdicts
        if verdict.kind == UNEXPLAINED
    ]
    assert not unexplained, "\n".join(unexplained)
    assert len(records) == total
    # PHP's built-in server's 501 to QUERY is expected everywhere; the crashes as the expectations say.
    assert counts[(EXPECTED, "A4")] == query_501


def test_the_report_counts_expected_findings_apart_and_passes_when_only_they_remain(tmp_path, capsys):
    finding = record(message="unregistered server error HTTP 500")

    def known(records):
        return [FailureRecord(**{**item.__dict__, "expected_by": "X7"}) for item in records]

    class Engine:
        junit, errors, cases_by_phase, total_cases, seconds = [], [], {"fuzzing": 1}, 1, 0.0
        failures = [finding]

    status = _report(Engine(), None, tmp_path, Redactor(), FuzzSettings(), known)
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert status == EXIT_CLEAN and summary["failures"] == 0 and summary["expected_failures"] == 1
    assert "EXPECTED (X7) POST /recording/backend" in capsys.readouterr().out
    assert _report(Engine(), None, tmp_path, Redactor(), FuzzSettings()) == EXIT_FINDINGS


def test_an_unusable_expectations_file_is_a_usage_error(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("expectations: 3\n", encoding="utf-8")
    assert run_fuzz(["--expectations", str(bad), "--report-dir", str(tmp_path)]) == EXIT_USAGE
    assert "expectations" in capsys.readouterr().err


@pytest.mark.parametrize("path", sorted(EXPECTATIONS_DIR.glob("*.yaml")), ids=lambda path: path.name)
def test_cited_ids_are_the_ids_a_reason_starts_with(path):
    cited = cited_ids(path)
    assert cited and all(entry[0] in "DXUAR" for entry in cited)


def test_a_finding_is_expected_only_with_the_answer_the_file_pins(tmp_path, capsys):
    """Like a scenario: a cited entry explains the finding, but only the pinned answer makes it expected."""
    from conformance.fuzz._expectations import failed_differently, pins
    from conformance.fuzz._runner import _known_findings

    path = tmp_path / "pinned.yaml"
    path.write_text(
        "talk_release: 23\nexpectations:\n"
        "  - {feature: f.feature, scenario: s, register: X7, reason: 'X7: crash',"
        " observed: {status: 400, statuscode: 400, error: unknown_type}}\n"
        "  - {feature: f.feature, scenario: t, register: D16, reason: 'D16: crash',"
        " observed: {status: 400, statuscode: 400, error: unknown_type}}\n",
        encoding="utf-8",
    )
    crash = finding_of(record(message="unregistered server error HTTP 500: b'...'"))
    pinned = pins(path)
    assert set(pinned) == {"X7", "D16"} and judge(crash, REGISTER, set(pinned)).kind == EXPECTED
    assert failed_differently(crash, pinned["X7"], path.name) == (
        "failed differently: expected (per pinned.yaml entry 1, register X7): HTTP 400 / OCS 400 /"
        " unknown_type; actual: HTTP 500"
    )
    refused = finding_of(record(status=400, error="unknown_type"))
    assert failed_differently(refused, pinned["X7"], path.name) is None
    # With the real register: D16 explains the 500 but pins another answer, so it is no longer expected.
    marked = _known_findings(path)([record(message="unregistered server error HTTP 500", status=500)])
    assert marked[0].expected_by is None and marked[0].failed_differently.startswith("failed differently:")

    class Engine:
        junit, errors, cases_by_phase, total_cases, seconds = [], [], {"fuzzing": 1}, 1, 0.0
        failures = [marked[0]]

    assert _report(Engine(), None, tmp_path, Redactor(), FuzzSettings()) == EXIT_FINDINGS
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["failed_differently"] == 1 and summary["failures"] == 1
    assert "FAILED DIFFERENTLY POST /recording/backend" in capsys.readouterr().out
