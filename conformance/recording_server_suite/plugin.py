"""pytest plugin of the recording-server suite: options, the run fixture, verdicts and reports."""

from __future__ import annotations

import argparse
import contextlib
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from conformance import _bdd_compat
from conformance.outcomes import SetupError, Unsupported
from conformance.recording_server_suite._profile import RecordingServerProfile, load_recording_server_profile
from conformance.recording_server_suite._run import RecordingServerRun, start_run
from conformance.redaction import Redactor
from conformance.reports import CUCUMBER_FILE, RunSummary, redact_file, redacted_profile, terminal_lines
from conformance.suite import (
    add_tag_properties,
    apply_expectation,
    fold,
    judge,
    scenario_key,
    skip_tags_reason,
    stop_at_first_failure,
    write_run_reports,
)
from conformance.target import Expectations, ProfileError, load_expectations

FEATURES_SUBDIR = "recording_server"
BINDING_FILE = "test_recording_server_features.py"  # in steps/, binding FEATURES_SUBDIR
_STATE = pytest.StashKey["RecordingServerSuite"]()
_OURS = pytest.StashKey[bool]()
DATA_KEY = "talk_recording_server"  # the report attribute a scenario's verdict data travels in


def recording_server_features_dir() -> Path:
    """Where the recording-server features live: their own directory below the bundled features."""
    from conformance.resources import features_dir

    return features_dir() / FEATURES_SUBDIR


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("talk-recording-server", "recording-server conformance (the suite plays Talk)")
    group.addoption(
        "--recording-server-url",
        default=None,
        metavar="URL",
        help="recording server under test (default: start the bundled reference recording server)",
    )
    group.addoption(
        "--recording-server-profile", default=None, metavar="FILE", help="YAML recording-server profile"
    )
    group.addoption(
        "--recording-server-expectations",
        default=None,
        metavar="FILE",
        help="scenarios it is expected to fail",
    )
    group.addoption(
        "--recording-server-report-dir",
        default=None,
        metavar="DIR",
        help="write summary.json and junit.xml here",
    )
    # The self-test's switch: the bundled server with one rule broken.
    group.addoption("--recording-server-mutant", default=None, metavar="NAME", help=argparse.SUPPRESS)


def pytest_configure(config: pytest.Config) -> None:
    state = RecordingServerSuite(config)
    config.stash[_STATE] = state
    config.pluginmanager.register(state, "talk_recording_server_suite_state")


def is_recording_server_item(item: pytest.Item) -> bool:
    """A scenario of the recording-server features (and no other test)."""
    template = _bdd_compat.scenario_template(item)
    if template is None:
        return False
    try:
        return (
            Path(template.feature.filename)
            .resolve()
            .is_relative_to(recording_server_features_dir().resolve())
        )
    except (FileNotFoundError, AttributeError, TypeError, ValueError):
        return False


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    state = config.stash[_STATE]
    ours = [item for item in items if is_recording_server_item(item)]
    if not ours:
        return
    profile = state.profile_or_none()
    for item in ours:
        item.stash[_OURS] = True
        tags = add_tag_properties(item)
        reason = skip_tags_reason(tags, profile.skip_tags) if profile is not None else None
        if reason:
            item.add_marker(pytest.mark.skip(reason=reason))
    expectations = state.expectations_or_none()
    if expectations is not None:
        keys = [scenario_key(item) for item in ours]
        state.unmatched = expectations.unmatched_messages(expectations.matched(keys))


@pytest.fixture(scope="session")
def recording_server_run(request: pytest.FixtureRequest) -> Iterator[RecordingServerRun]:
    """The run's Talk stand-in and recording server, shared by every scenario."""
    state: RecordingServerSuite = request.config.stash[_STATE]
    yield state.run()
    problems = state.stop()
    if problems:
        raise SetupError("cleanup after the run failed: " + "; ".join(problems))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    if item.stash.get(_OURS, False):
        state: RecordingServerSuite = item.config.stash[_STATE]
        state.classify(item, call, report)
    return report


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session) -> None:
    session.config.stash[_STATE].finish()


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    state = config.stash[_STATE]
    if state.summary.results or state.summary.setup_error:
        terminalreporter.section("recording-server conformance")
        for line in terminal_lines(state.summary, state.report_dir):
            terminalreporter.write_line(line)


def pytest_unconfigure(config: pytest.Config) -> None:
    state = config.stash.get(_STATE, None)
    if state is not None:
        state.unconfigure()


class RecordingServerSuite:
    """One pytest run of the recording-server scenarios: profile, servers, verdicts, reports."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        report_dir = config.getoption("--recording-server-report-dir", None)
        self.report_dir = Path(report_dir).resolve() if report_dir else None
        self.redactor = Redactor()
        self.summary = RunSummary()
        self.unmatched: list[str] = []
        self._work_dir: Path | None = None  # created by the first scenario that needs the run
        self._run: RecordingServerRun | None = None
        self._failure: BaseException | None = None
        self._stop: Callable[[], list[str]] | None = None
        self._profile: RecordingServerProfile | None = None
        self._expectations: Expectations | None = None
        self._started_at = time.monotonic()

    def load_profile(self) -> RecordingServerProfile:
        """The profile from the options and the profile file (ProfileError when unusable)."""
        if self._profile is None:
            self._profile = load_recording_server_profile(
                self.config.getoption("--recording-server-url", None),
                self.config.getoption("--recording-server-profile", None),
                self.config.getoption("--recording-server-expectations", None),
            )
            self.redactor.add(*self._profile.secrets())
        return self._profile

    def profile_or_none(self) -> RecordingServerProfile | None:
        """The profile for skip decisions; None when it is unusable (the fixture reports why)."""
        with contextlib.suppress(ProfileError):
            return self.load_profile()
        return None

    def expectations_or_none(self) -> Expectations | None:
        """The profile's expectations, or None (an unusable file is reported by the fixture)."""
        profile = self.profile_or_none()
        if profile is None or profile.expectations is None:
            return None
        if self._expectations is None:
            with contextlib.suppress(ProfileError):
                self._expectations = load_expectations(profile.expectations, pinned=False)
        return self._expectations

    def run(self) -> RecordingServerRun:
        """The run, started on first use; a broken setup is raised as SetupError for every scenario."""
        if self._run is None and self._failure is None:
            try:
                profile = self.load_profile()
                self.summary.profile = redacted_profile(profile.to_dict())
                self.summary.target_url = profile.url
                if profile.expectations is not None:
                    self.summary.expectations = str(profile.expectations)
                    load_expectations(profile.expectations, pinned=False)
                mutant = self.config.getoption("--recording-server-mutant", None)
                self._work_dir = Path(tempfile.mkdtemp(prefix="talk-recording-server-suite-"))
                self._run, self._stop = start_run(profile, self._work_dir / "server", mutant)
                self.summary.target_url = self._run.target_url
            except (SetupError, Unsupported) as exc:
                self._failure = SetupError(self.redactor.text(str(exc)))
            except Exception as exc:  # noqa: BLE001 - one readable line beats a traceback from our own setup
                self._failure = SetupError(
                    self.redactor.text(f"preparing the run failed: {type(exc).__name__}: {exc}")
                )
            if self._failure is not None:
                self.summary.setup_error = str(self._failure)
        if self._failure is not None:
            raise self._failure
        assert self._run is not None
        return self._run

    def stop(self) -> list[str]:
        """Stop what the run started; the problems, redacted."""
        if self._stop is None:
            return []
        problems = [self.redactor.text(problem) for problem in self._stop()]
        self._stop = None
        self.summary.cleanup_errors.extend(problems)
        return problems

    # --- verdicts (conformance.suite._scenario_verdicts, shared with the main suite) ------------------------

    def classify(self, item: pytest.Item, call: pytest.CallInfo[None], report: pytest.TestReport) -> None:
        """Judge one phase of a scenario; the expectations' reason, when it is expected to fail."""
        data = judge(item, call, report, self.redactor.text)
        setattr(report, DATA_KEY, data)  # plain data: xdist sends it from the workers to the controller
        expectations = self.expectations_or_none()
        entry = expectations.entry_for(scenario_key(item)) if expectations is not None else None
        if entry is not None:
            apply_expectation(entry, expectations.path.name, call, report, data)

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        """Fold one phase of a scenario into its result."""
        data = getattr(report, DATA_KEY, None)
        if data is None:
            return
        fold(self.summary, report, data)
        if self.config.getoption("--stop-at-first-failure", False):
            stop_at_first_failure(self._session, data, report)

    _session: pytest.Session | None = None

    def pytest_sessionstart(self, session: pytest.Session) -> None:
        self._session = session

    # --- reports ----------------------------------------------------------------------------------

    def finish(self) -> None:
        """Stop the servers and write the reports."""
        self.stop()
        self.summary.duration = time.monotonic() - self._started_at
        self.summary.expectation_errors = list(self.unmatched) if self.summary.results else []
        if hasattr(self.config, "workerinput"):
            return  # under xdist the controller writes the reports, from every worker's results
        log = self._work_dir / "server" / "reference-recording-server.log" if self._work_dir else None
        write_run_reports(self.report_dir, self.summary, self.redactor, log)

    def unconfigure(self) -> None:
        """Redact pytest-bdd's cucumber.json and remove the work directory."""
        if self.report_dir is not None:
            redact_file(self.report_dir / CUCUMBER_FILE, self.redactor)
        self.stop()
        if self._work_dir is not None:
            shutil.rmtree(self._work_dir, ignore_errors=True)
