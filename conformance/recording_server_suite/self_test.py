"""The recording-server suite's mutation self-test: its scenarios against each mutant of the reference."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import yaml

from conformance import resources
from conformance.config import ENV_PREFIX
from conformance.mutation import BASELINE, MutantRun, SelfTestResult, report_lines
from conformance.outcomes import SetupError
from conformance.recording_server_suite.plugin import BINDING_FILE
from conformance.reports import SUMMARY_FILE

PROG = "talk-conformance recording-server self-test"
EXIT_KILLED_ALL, EXIT_SURVIVORS, EXIT_USAGE, EXIT_SETUP = 0, 1, 2, 3
RUN_TIMEOUT_SECONDS = 300.0
# The faithful server reports within milliseconds; a mutant that never reports is killed sooner this way.
REPORT_TIMEOUT_SECONDS = 3.0
# Plugins these runs never use; not loading them saves a second of start-up per mutant.
UNUSED_PLUGINS = ("-p", "no:schemathesis", "-p", "no:hypothesispytest", "-p", "no:xdist", "-p", "no:anyio")
_INI = "[pytest]\naddopts = --strict-markers\nxfail_strict = true\n"


def list_mutants() -> dict[str, str]:
    """Name → rule of every mutant, asked of the reference recording server's command."""
    try:
        completed = subprocess.run(
            [sys.executable, "-m", "reference_recording_server", "--list-mutants"],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise SetupError(f"cannot ask the reference recording server for its mutants ({exc})") from None
    if completed.returncode != 0:
        raise SetupError(
            f"the reference recording server cannot list its mutants: {completed.stderr.strip()}"
        )
    pairs = (line.split("\t", 1) for line in completed.stdout.splitlines() if "\t" in line)
    return {name: rule for name, rule in pairs}


def run_one(name: str | None, rule: str, binding: Path, exit_first: bool) -> MutantRun:
    """Every scenario against the embedded reference recording server with mutant ``name`` (None: none)."""
    run = MutantRun(name or BASELINE, rule)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="talk-recording-server-self-test-") as work:
        work_dir = Path(work)
        (work_dir / "pytest.ini").write_text(_INI, encoding="utf-8")
        profile = work_dir / "profile.yaml"
        profile.write_text(yaml.safe_dump({"report_timeout": REPORT_TIMEOUT_SECONDS}), encoding="utf-8")
        reports = work_dir / "reports"
        command = [
            sys.executable, "-m", "pytest", str(binding), "-c", str(work_dir / "pytest.ini"),
            "--rootdir", str(binding.parent.parent), "-p", "no:cacheprovider", "-q", "--tb=no", "--no-header",
            "--recording-server-profile", str(profile), "--recording-server-report-dir", str(reports),
            *UNUSED_PLUGINS,
        ]  # fmt: skip
        if name is not None:
            command += ["--recording-server-mutant", name]
        if exit_first:
            command.append("--stop-at-first-failure")
        env = {key: value for key, value in os.environ.items() if not key.startswith(ENV_PREFIX)}
        try:
            subprocess.run(
                command,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                timeout=RUN_TIMEOUT_SECONDS,
                check=False,
            )
        except subprocess.TimeoutExpired:
            run.problem = f"the scenarios did not finish within {RUN_TIMEOUT_SECONDS:g}s"
            return run
        _read_summary(run, reports / SUMMARY_FILE)
    run.duration = time.monotonic() - started
    return run


def _read_summary(run: MutantRun, path: Path) -> None:
    if not path.is_file():
        run.problem = "the scenarios wrote no summary.json"
        return
    summary = json.loads(path.read_text(encoding="utf-8"))
    if summary.get("setup_error"):
        run.problem = f"setup error: {summary['setup_error']}"
    for scenario in summary.get("scenarios", []):
        label = f"{scenario['feature']}: {scenario['name']}"
        if scenario["verdict"] == "failed":
            run.failed.append(label)
        elif scenario["verdict"] == "error":
            run.errors.append(label)
        run.scenarios.append(label)


def run_self_test(names: Sequence[str] = (), workers: int = 2, exit_first: bool = False) -> SelfTestResult:
    """The faithful server in full, then each mutant (all when ``names`` is empty), ``workers`` at a time."""
    known = list_mutants()
    chosen = list(names) or list(known)
    unknown = [name for name in chosen if name not in known]
    if unknown:
        raise ValueError(f"unknown mutant(s) {', '.join(unknown)}; known mutants: {', '.join(sorted(known))}")
    binding = resources.binding_module(BINDING_FILE)
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        baseline_future = pool.submit(run_one, None, "every rule kept", binding, False)
        futures = [pool.submit(run_one, name, known[name], binding, exit_first) for name in chosen]
        baseline = baseline_future.result()
        runs = [future.result() for future in futures]
    return SelfTestResult(baseline, runs, baseline.scenarios, time.monotonic() - started)


def self_test_command(args: Sequence[str]) -> int:
    """Print the mutation score and the killers; exit 0 only when every mutant is killed."""
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Run the recording-server scenarios against every mutant of the bundled reference "
        "recording server (each breaks one rule); exit 1 unless every mutant is killed.",
    )
    parser.add_argument("--mutant", action="append", default=[], metavar="NAME", help="only this mutant")
    parser.add_argument(
        "-n", "--workers", type=int, default=2, metavar="N", help="runs in parallel (default 2)"
    )
    parser.add_argument("-x", "--exitfirst", action="store_true", help="stop each mutant at its first killer")
    parser.add_argument("--report", metavar="FILE", help="also write the result as JSON to FILE")
    try:
        options = parser.parse_args(list(args))
    except SystemExit as exit_:
        return EXIT_KILLED_ALL if exit_.code == 0 else EXIT_USAGE
    if options.workers < 1:
        print(f"{PROG}: -n must be at least 1", file=sys.stderr)
        return EXIT_USAGE
    try:
        result = run_self_test(options.mutant, options.workers, options.exitfirst)
    except ValueError as exc:
        print(f"{PROG}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except SetupError as exc:
        print(f"{PROG}: setup error: {exc}", file=sys.stderr)
        return EXIT_SETUP
    for line in report_lines(result, options.exitfirst):
        print(line)
    if options.report:
        Path(options.report).write_text(json.dumps(result.to_dict(), indent=2) + "\n", encoding="utf-8")
    return EXIT_KILLED_ALL if result.clean() else EXIT_SURVIVORS
