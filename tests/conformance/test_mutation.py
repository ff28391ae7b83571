"""The mutation self-test: every mutant of the reference server is killed, and the output says by what."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from conformance.cli import main
from conformance.suite._mutation import MutantRun, SelfTestResult, mutant_catalogue, report_lines


def test_every_mutant_is_killed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Stop-at-first-failure keeps this to about two minutes; the killers are still named (the first each).
    # CI keeps the report (MUTATION_REPORT) and prints its score: xdist workers' output never reaches the log.
    report = Path(os.environ.get("MUTATION_REPORT") or tmp_path / "self-test.json")
    code = main(["self-test", "-x", "-n", "2", "--report", str(report)])
    out = capsys.readouterr().out
    result = json.loads(report.read_text(encoding="utf-8"))
    survivors = [m["name"] for m in result["mutants"] if not m["killed"]]
    assert survivors == [], out
    assert result["baseline"] == {"failed": [], "errors": []}, out
    assert code == 0 and result["score"] == 100.0
    assert {m["name"] for m in result["mutants"]} == set(mutant_catalogue())
    assert len(result["mutants"]) >= 25
    assert all(m["killers"] for m in result["mutants"])
    count = len(result["mutants"])
    assert out.startswith(f"mutation score: {count}/{count} mutants killed (100.0%)")
    assert "verdict: every mutant killed" in out


def test_a_full_run_counts_kills_per_scenario_and_names_idle_scenarios(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = tmp_path / "self-test.json"
    code = main(["self-test", "--mutant", "start-call-unchecked", "--report", str(report)])
    out = capsys.readouterr().out
    result = json.loads(report.read_text(encoding="utf-8"))
    assert code == 0
    (mutant,) = result["mutants"]
    assert "Start a call recording: A recording cannot be started without an active call" in mutant["killers"]
    counts = result["kills_per_scenario"]
    assert counts["Start a call recording: A recording cannot be started without an active call"] == 1
    assert counts["Start a call recording: A moderator starts a video recording"] == 0
    assert "killed   start-call-unchecked (start refuses with 400 call when no call is active)" in out
    assert "  Start a call recording: A moderator starts a video recording\n" in out
    idle = sum(1 for count in counts.values() if count == 0)
    assert f"scenarios that kill no mutant: {idle} of {len(counts)}" in out


def test_unknown_mutants_and_bad_options_are_usage_errors(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["self-test", "--mutant", "start-nothing"]) == 2
    err = capsys.readouterr().err
    assert "talk-conformance self-test: unknown mutant(s) start-nothing; known mutants: " in err
    assert "start-status-unchecked" in err
    assert main(["self-test", "-n", "0"]) == 2
    assert "-n must be at least 1" in capsys.readouterr().err
    assert main(["self-test", "--bogus"]) == 2


def _run(name: str, failed: list[str], problem: str | None = None) -> MutantRun:
    run = MutantRun(name, f"rule of {name}", failed=failed, problem=problem)
    run.scenarios = ["F: a", "F: b", "F: c"]
    return run


def test_survivors_broken_runs_and_baseline_failures_are_reported() -> None:
    baseline = _run("(faithful server)", ["F: c"])
    runs = [_run("m1", ["F: a", "F: c"]), _run("m2", ["F: c"]), _run("m3", [], problem="no summary")]
    result = SelfTestResult(baseline, runs, baseline.scenarios, 1.0)
    lines = report_lines(result, exit_first=False)
    assert lines[0] == "mutation score: 1/3 mutants killed (33.3%) in 1.0s"
    assert "faithful server fails (excluded from killers): F: c" in lines
    assert "  killed   m1 (rule of m1) by 1 scenario(s):" in lines
    assert "  SURVIVED m2: nothing noticed that rule of m2" in lines
    assert "  BROKEN   m3: no summary" in lines
    assert result.kills_per_scenario() == {"F: a": 1, "F: b": 0, "F: c": 0}
    assert lines[-1] == "verdict: NOT every mutant killed" and not result.clean()
