"""The recording-server suite's mutation self-test: its scenarios against each mutant of the reference."""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import yaml

# `suite`: the shared engine, of which this self-test is the second configuration.
from conformance import resources, suite
from conformance.recording_server_suite.plugin import BINDING_FILE
from conformance.reports import SUMMARY_FILE
from conformance.target import ENV_PREFIX

PROG = "talk-conformance recording-server self-test"
RUN_TIMEOUT_SECONDS = 300.0
# The faithful server reports within milliseconds; a mutant that never reports is killed sooner this way.
REPORT_TIMEOUT_SECONDS = 3.0
# Plugins these runs never use; not loading them saves a second of start-up per mutant.
UNUSED_PLUGINS = ("-p", "no:schemathesis", "-p", "no:hypothesispytest", "-p", "no:xdist", "-p", "no:anyio")
_INI = "[pytest]\naddopts = --strict-markers\nxfail_strict = true\n"


def list_mutants() -> dict[str, str]:
    """Name → rule of every mutant, asked of the reference recording server's command."""
    return suite.mutant_catalogue("reference_recording_server", "the reference recording server")


def run_one(name: str | None, rule: str, binding: Path, exit_first: bool) -> suite.MutantRun:
    """Every scenario against the embedded reference recording server with mutant ``name`` (None: none)."""
    run = suite.MutantRun(name or suite.BASELINE, rule)
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
        suite.run_mutant_scenarios(run, command, env, reports / SUMMARY_FILE, RUN_TIMEOUT_SECONDS)
    run.duration = time.monotonic() - started
    return run


def run_self_test(
    names: Sequence[str] = (), workers: int = 2, exit_first: bool = False
) -> suite.SelfTestResult:
    """The faithful server in full, then each mutant (all when ``names`` is empty), ``workers`` at a time."""
    return suite.run_mutants(
        list_mutants(), names, workers, exit_first, run_one, resources.binding_module(BINDING_FILE)
    )


def recording_server_self_test_command(args: Sequence[str]) -> int:
    """Print the mutation score and the killers; exit 0 only when every mutant is killed."""
    description = (
        "Run the recording-server scenarios against every mutant of the bundled reference recording server"
        " (each breaks one rule); exit 1 unless every mutant is killed."
    )
    return suite.self_test_command(args, suite.self_test_parser(PROG, description), run_self_test)
