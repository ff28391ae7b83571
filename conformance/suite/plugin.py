"""pytest plugin of the conformance suite: the process's session, the verdict hooks, and the concept modules'
hooks and fixtures, which pytest finds here (the `conformance.suite.plugin` entry point)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from conformance import progress_lines
from conformance._bdd_compat import remember_step_definitions
from conformance.redaction import Redactor
from conformance.reports import CUCUMBER_FILE, quiet_pytest, silent_status, write_line
from conformance.reports.annotations import CiReporting
from conformance.suite import _scenario_verdicts as scenario_verdicts
from conformance.suite._command_run import handed_to
from conformance.suite._pytest_options import SuiteOptions, pytest_addoption
from conformance.suite._run_directory import RunDirectory
from conformance.suite._run_traffic import RunTraffic
from conformance.suite._scenario_identity import scenario_key, scenario_steps, scenario_title
from conformance.suite._scenario_locking import (
    next_scenario,
    pytest_runtest_protocol,
    pytest_runtest_setup,
    run_alone,
    target_release_of,
)
from conformance.suite._scenario_order import (
    is_suite_item,
    pytest_collection_finish,
    pytest_collection_modifyitems,
)
from conformance.suite._scenario_tags import (
    SUITE_MARKERS,
    TAG_MARKER,
    item_tags,
    pytest_bdd_apply_tag,
    register_markers,
)
from conformance.suite._step_tracking import (
    pytest_bdd_after_step,
    pytest_bdd_before_step,
    pytest_bdd_step_error,
)
from conformance.suite._suite_fixtures import (
    _brute_force_reset_around_disruptive,
    assertion_data,
    conformance_assertions,
    conformance_run,
)
from conformance.suite._suite_reports import SuiteReports, stop_at_first_failure, summary_lines
from conformance.suite._suite_run import ProfileSource, SuiteRun
from conformance.suite._suite_session import SuiteSession, keep, suite_of, suite_or_none
from conformance.suite._xdist_handoff import (
    RUN_DIR_KEY,
    hand_to_worker,
    handed_options,
    handed_profile,
    pytest_report_from_serializable,
    pytest_report_to_serializable,
    worker_input,
)
from conformance.target import INSECURE_WARNING_FILTER, handed_over_cleanup_problems, new_run_dir
from conformance.traffic import stop_traffic_capture

# What steps/ and the tests use, and the hooks and fixtures pytest collects from this module.
__all__ = [
    "SUITE_MARKERS",
    "TAG_MARKER",
    "_brute_force_reset_around_disruptive",
    "conformance_assertions",
    "conformance_run",
    "item_tags",
    "next_scenario",
    "pytest_addoption",
    "pytest_bdd_after_step",
    "pytest_bdd_apply_tag",
    "pytest_bdd_before_step",
    "pytest_bdd_step_error",
    "pytest_collection_finish",
    "pytest_collection_modifyitems",
    "pytest_report_from_serializable",
    "pytest_report_to_serializable",
    "pytest_runtest_protocol",
    "pytest_runtest_setup",
    "run_alone",
    "scenario_key",
    "scenario_steps",
    "scenario_title",
    "target_release_of",
]

DATA_KEY = "talk_conformance"  # the report attribute a scenario's verdict data travels in
_SESSION = pytest.StashKey[pytest.Session]()
# The progress writer of a pytest run this one started inside of, put back when this one ends.
_OUTER_WRITER = pytest.StashKey[Callable[[str], None] | None]()


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    register_markers(config)
    remember_step_definitions()
    suite = _new_session(config)
    keep(config, suite)
    config.pluginmanager.register(_PhaseFolding(config, suite), "talk_conformance_state")
    ci = CiReporting(
        suite.options.annotations,
        suite.options.report_dir,
        lambda: suite.reports.summary,
        suite.is_controller,
    )
    config.pluginmanager.register(ci, "talk_conformance_ci")
    config.stash[_OUTER_WRITER] = progress_lines.use_writer(
        lambda line: write_line(config, progress_lines.PREFIX + line)
    )
    profile = suite.profiles.or_none()
    if profile is not None and profile.verify_tls is False:
        # The run announces it once; urllib3 would repeat it for every request of every scenario.
        config.addinivalue_line("filterwarnings", INSECURE_WARNING_FILTER)
    # tryfirst: pytest-bdd reads the cucumber path in its own pytest_configure.
    if suite.is_controller and hasattr(config.option, "cucumber_json_path"):
        report_dir = suite.options.report_dir
        if report_dir is not None and not config.option.cucumber_json_path:
            report_dir.mkdir(parents=True, exist_ok=True)  # pytest-bdd writes there but never creates it
            config.option.cucumber_json_path = str(report_dir / CUCUMBER_FILE)
        if config.option.cucumber_json_path:
            suite.reports.cucumber_path = Path(config.option.cucumber_json_path)


def _new_session(config: pytest.Config) -> SuiteSession:
    """This process's session: from the command's run, from the controller (xdist worker), or the options."""
    workerinput = worker_input(config)
    command_run = handed_to(config)
    profile = command_run.profile if command_run is not None else None
    if workerinput is not None and workerinput.get(RUN_DIR_KEY):
        directory = RunDirectory(Path(workerinput[RUN_DIR_KEY]))
        options = handed_options(workerinput) or SuiteOptions.from_config(config)
        profile = handed_profile(workerinput)
    elif command_run is not None:
        directory, options = RunDirectory(command_run.run_dir), command_run.options
    else:
        directory, options = RunDirectory(new_run_dir()), SuiteOptions.from_config(config)
    redactor = Redactor()
    profiles = ProfileSource(options, profile, redactor, dict(os.environ))
    is_worker = workerinput is not None

    def say(line: str) -> None:
        write_line(config, progress_lines.PREFIX + line)

    def scenario_line(line: str) -> None:
        write_line(config, line)

    reports = SuiteReports(
        options.report_dir, redactor, DATA_KEY, scenario_line if options.progress else None
    )
    traffic = RunTraffic(options.record_traffic, config.invocation_params.dir, directory.path, redactor)
    run = SuiteRun(profiles, directory, reports.summary, traffic, say, command_run, is_worker)
    return SuiteSession(options, directory, redactor, profiles, run, reports, is_worker)


def pytest_sessionstart(session: pytest.Session) -> None:
    session.config.stash[_SESSION] = session
    if suite_of(session.config).options.progress:
        quiet_pytest(session.config)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    if is_suite_item(item):
        suite = suite_of(item.config)
        data = scenario_verdicts.judge(item, call, report, suite.redactor.text)
        data.update(assertion_data(item))
        setattr(report, DATA_KEY, data)
        expectations = suite.run.expectations()
        entry = expectations.entry_for(scenario_key(item)) if expectations is not None else None
        if entry is not None:
            scenario_verdicts.apply_expectation(entry, expectations.path.name, call, report, data)
    return report


class _PhaseFolding:
    """Controller: folds each phase report of a scenario into its result (the hook has no config)."""

    def __init__(self, config: pytest.Config, suite: SuiteSession) -> None:
        self.config = config
        self.suite = suite

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if not self.suite.is_controller:
            return
        data = self.suite.reports.fold(report)
        if data is not None and self.suite.options.stop_at_first_failure:
            stop_at_first_failure(self.config.stash.get(_SESSION, None), data, report)


@pytest.hookimpl(tryfirst=True)
def pytest_report_teststatus(report: pytest.TestReport, config: pytest.Config) -> Any:
    data = getattr(report, DATA_KEY, None)
    if data and suite_of(config).options.progress:
        return silent_status(report, data["verdict"])
    if data and data["verdict"] == "error" and report.when == "call":
        return "error", "E", "ERROR"
    return None


# --- xdist: the controller starts everything once, workers rebuild their side (_xdist_handoff)


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    suite = suite_of(node.config)
    hand_to_worker(node.workerinput, suite.directory.path, suite.profiles.or_none(), suite.options)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_node_collection_finished(node: Any, ids: Any) -> None:
    # Tests are only handed out after this hook, so the context file exists before any scenario runs.
    suite = suite_of(node.config)
    if suite.directory.need_announced() and not node.config.option.collectonly:
        suite.run.start_for_workers()


@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session: pytest.Session) -> None:
    suite = suite_of(session.config)
    if not suite.is_controller:
        return
    summary = suite.reports.summary
    suite.run.stop_local()
    summary.cleanup_errors.extend(handed_over_cleanup_problems(suite.directory.path))
    started = suite.run.started
    problem = suite.run.traffic.write(
        started.profile if started else suite.profiles.or_none(), summary.target_url
    )
    if problem is not None:
        summary.cleanup_errors.append(problem)
    summary.expectation_errors = suite.run.unmatched_expectations()
    suite.reports.finish(suite.directory.path / "reference-server" / "reference-server.log")
    if summary.expectation_errors and session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED  # a stale expectation fails the run


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    suite = suite_of(config)
    lines = summary_lines(suite.reports.summary, suite.options.report_dir, suite.redactor)
    if not suite.is_controller or not lines:
        return
    terminalreporter.write_sep("=", "talk-conformance summary")
    for line in lines:
        terminalreporter.write_line(line)
    if suite.run.traffic.written is not None:
        path, count = suite.run.traffic.written
        terminalreporter.write_line(f"traffic: {count} exchanges written to {path} (HAR 1.2)")


def pytest_unconfigure(config: pytest.Config) -> None:
    """Last chance: redact pytest-bdd's cucumber.json and remove the run directory."""
    if _OUTER_WRITER in config.stash:
        progress_lines.use_writer(config.stash[_OUTER_WRITER])
    suite = suite_or_none(config)
    if suite is None:
        return
    stop_traffic_capture()
    suite.reports.redact_cucumber()
    if suite.is_controller:
        suite.run.stop_local()
        shutil.rmtree(suite.directory.path, ignore_errors=True)
