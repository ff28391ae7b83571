"""The recording-server self-test, bounded: the faithful server passes and two mutants are killed."""

from __future__ import annotations

from conformance.recording_server_suite._self_test import list_mutants, run_self_test
from reference_recording_server.mutants import MUTANTS


def test_the_mutants_are_listed_by_the_reference_command():
    assert list_mutants() == {name: mutant.rule for name, mutant in MUTANTS.items()}


def test_a_faithful_baseline_and_killed_mutants_make_a_clean_self_test():
    result = run_self_test(["signature-unchecked", "never-uploads"], workers=3, exit_first=True)
    assert result.baseline.problem is None and result.baseline.failed == [] and result.baseline.errors == []
    assert [run.name for run in result.killed()] == ["signature-unchecked", "never-uploads"]
    (unsigned, _) = result.runs
    assert unsigned.killers(set()) == [
        "Start and stop requests a recording server refuses: "
        "A start with a wrong checksum is refused with 403"
    ]
    assert result.clean()
