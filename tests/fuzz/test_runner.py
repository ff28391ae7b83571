"""End to end: `talk-conformance fuzz` against the bundled reference server, plus its error handling."""

import dataclasses
import json
import subprocess
import sys

import pytest

from conformance.fuzz._engine_run import run_engine
from conformance.fuzz._runner import EXIT_FINDINGS, EXIT_SETUP, EXIT_USAGE, run_fuzz
from conformance.fuzz._schema_loading import FuzzSettings, load_schema, read_contract
from conformance.fuzz._target import prepared_target
from conformance.resources import contract_path
from conformance.target._profile import load_profile

# Findings against the reference server that are written down but not fixed yet, as (operation, check);
# each has a strict-xfail regression test in test_known_findings.py. Anything else fails the clean run.
KNOWN_FINDINGS: set[tuple[str, str]] = set()


def read_report(report_dir):
    summary = json.loads((report_dir / "summary.json").read_text())
    lines = (report_dir / "failures.jsonl").read_text().splitlines()
    return summary, [json.loads(line) for line in lines]


def test_a_short_fuzz_run_against_the_reference_server_is_clean(tmp_path, capsys):
    status = run_fuzz(["--max-examples", "400", "--report-dir", str(tmp_path)])
    summary, failures = read_report(tmp_path)
    unexpected = [f for f in failures if (f["operation"], f["check"]) not in KNOWN_FINDINGS]
    assert unexpected == [], "\n\n".join(f"{f['operation']} {f['check']}: {f['message']}" for f in unexpected)
    assert status in (0, EXIT_FINDINGS) and (status == 0) == (failures == [])
    assert summary["total_cases"] >= 2000, summary
    assert {"examples", "coverage", "fuzzing", "stateful"} <= set(summary["cases_by_phase"]), summary
    assert summary["model_steps"] >= 100, summary  # the model-based test ran
    assert (tmp_path / "junit.xml").read_text().count("<testcase") >= 8
    assert "123456" not in capsys.readouterr().out  # account passwords never reach the output


def test_a_wrong_signing_secret_is_reported_as_a_failure():
    profile = load_profile(env={})
    with prepared_target(profile) as target:
        inputs = dataclasses.replace(target.fuzz_inputs(), recording_secret="not the shared secret")
        schema = load_schema(inputs, read_contract(contract_path()), FuzzSettings(phases=("examples",)))
        result = run_engine(schema, seed=1)
    rejected = [f for f in result.failures if f.check == "positive_data_acceptance"]
    operations = {f.operation for f in rejected}
    assert "POST /recording/backend" in operations, [(f.operation, f.check) for f in result.failures]
    assert all("Talk-Recording-Checksum" in f.curl for f in rejected)  # replayable with the bad signature


def test_the_same_seed_gives_the_same_run(tmp_path):
    runs = []
    for name in ("first", "second"):
        args = ["--max-examples", "10", "--phases", "examples,fuzzing", "--report-dir", str(tmp_path / name)]
        run_fuzz(args)
        runs.append(read_report(tmp_path / name)[0]["cases_by_phase"])
    assert runs[0] == runs[1]


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--phases", "fuzzing,teleport"], "unknown phase(s) teleport"),
        (["--max-examples", "0"], "must be greater than 0"),
        (["--max-examples", "5", "--max-time", "5"], "not allowed with argument"),
    ],
)
def test_bad_arguments_are_explained(argv, message, capsys):
    assert run_fuzz(argv) == EXIT_USAGE
    assert message in capsys.readouterr().err


def test_a_bad_profile_is_explained_without_a_traceback(tmp_path, capsys):
    profile = tmp_path / "profile.yaml"
    profile.write_text("url: [not, a, url]\n")
    assert run_fuzz(["--target-profile", str(profile)]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert "url" in err and "Traceback" not in err


def test_an_unreachable_target_is_a_setup_error(tmp_path, capsys):
    assert run_fuzz(["--target-url", "http://127.0.0.1:9", "--report-dir", str(tmp_path)]) == EXIT_SETUP
    err = capsys.readouterr().err
    assert "setup failed" in err and "Traceback" not in err


def test_runnable_as_a_module():
    completed = subprocess.run(
        [sys.executable, "-m", "conformance.fuzz", "--help"], capture_output=True, text=True, timeout=60
    )
    assert completed.returncode == 0
    assert "--max-examples" in completed.stdout and "--target-profile" in completed.stdout
