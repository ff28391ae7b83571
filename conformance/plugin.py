"""pytest plugin of the conformance suite (options, fixtures, tags, verdicts)."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests

from conformance import (
    _bdd_compat,
    assertion_records,
    background_cleanup,
    brute_force_reset,
    expectation_verdicts,
    failure_display,
    key_reads,
    progress_lines,
    run_setup,
    target_cleanup,
    target_release,
    terminal_output,
)
from conformance.annotations import STYLES, CiReporting
from conformance.config import (
    ProfileError,
    RunContext,
    TargetProfile,
    load_profile,
)
from conformance.expectations import Expectation, Expectations, ScenarioKey, load_expectations
from conformance.outcomes import SetupError, Unsupported, Verdict
from conformance.redaction import Redactor
from conformance.reports import (
    CUCUMBER_FILE,
    JUNIT_FILE,
    SUMMARY_FILE,
    RunSummary,
    ScenarioResult,
    redact_file,
    redacted_profile,
    terminal_lines,
    write_junit_xml,
    write_summary_json,
)
from conformance.scenario_lock import FinishedScenarios, ScenarioLock, first_alone_step
from conformance.setup_driver import TalkSession, transport_reason
from conformance.tls import INSECURE_WARNING_FILTER, announce_unverified
from conformance.traffic import capture as traffic_capture

# Plain scenario tags that become pytest markers (the key:value tags do not, see pytest_bdd_apply_tag).
SUITE_MARKERS = {
    "admin": "needs the profile's admin account; skipped when the profile has none",
    "disruptive": "triggers brute-force protection or otherwise disturbs the target; runs alone",
    "exclusive": "changes global target state; runs alone (exclusive scenario lock)",
    "guest": "acts as a guest (no account)",
}
TAG_MARKER = "conformance_tag"
SQLITE_LOCKED = "database is locked"
# The xdist hand-over: the controller and its workers share one run directory and talk through files in it.
# workerinput key: written by the controller (pytest_configure_node), read by each worker (SuiteState) to
# find the run directory.
WORKER_INPUT_KEY = "talk_conformance_run_dir"
# The started run (or why it could not start), 0600: written once by the controller
# (start_for_workers), read by every worker before its first scenario (_read_context_file).
CONTEXT_FILE = "context.json"
# "I collected scenarios of the suite": touched by any process in collection (announce_need), read by the
# controller (need_announced) to decide whether to start servers at all.
NEEDED_PREFIX = "needed-"
# The scenarios a process collected (their expectation keys): written by each process (record_collected),
# read and merged by the controller at the end (unmatched_expectations) against the run's expectations,
# which `auto` only knows once the preflight has read the target's release.
COLLECTED_PREFIX = "collected-scenarios-"
# How long a worker waits for CONTEXT_FILE before it reports a setup error.
CONTEXT_WAIT_SECONDS = 120.0

_STATE = pytest.StashKey["SuiteState"]()
_IS_SUITE_ITEM = pytest.StashKey[bool]()
_SESSION = pytest.StashKey[pytest.Session]()
_ASSERTIONS = pytest.StashKey[assertion_records.AssertionLog]()
_NEXT_ITEM = pytest.StashKey["pytest.Item | None"]()  # what pytest_runtest_protocol runs after the item
_LOCK = pytest.StashKey[ScenarioLock]()
DISRUPTIVE_WAIT_STALL_SECONDS = 60.0
# pytest-bdd's scenario data of a report: added by a worker (pytest_report_to_serializable), restored by
# the controller (pytest_report_from_serializable) for cucumber.json.
_REPORT_CONTEXT_KEY = "talk_conformance_bdd_context"


# --- options and configuration ------------------------------------------------------------------


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("talk-conformance", "Nextcloud Talk recording conformance")
    group.addoption(
        "--target-url",
        default=None,
        metavar="URL",
        help="base URL of the Talk server under test (default: start the bundled reference server)",
    )
    group.addoption(
        "--target-profile", default=None, metavar="FILE", help="YAML target profile (docs/profiles.md)"
    )
    group.addoption(
        "--conformance-report-dir",
        default=None,
        metavar="DIR",
        help="write summary.json, junit.xml and cucumber.json of the conformance run here",
    )
    group.addoption(
        "--expectations",
        default=None,
        metavar="FILE|auto|none",
        help="auto (default with --target-url: the shipped file for the target's Talk release), none, or a"
        " YAML file of scenarios the target is expected to fail, with reasons (docs/expectations.md)",
    )
    group.addoption(
        "--annotations",
        choices=STYLES,
        default=None,
        help="github: an ::error annotation per failed scenario (default inside GitHub Actions); none: off",
    )
    group.addoption(
        "--record-traffic",
        default=None,
        metavar="FILE",
        help="write every exchange of the run to FILE as HAR 1.2 (docs/traffic.md)",
    )
    group.addoption(
        "--conformance-progress",
        action="store_true",
        default=False,
        help="a line per finished scenario and one summary instead of pytest's progress and reports "
        "(talk-conformance sets it)",
    )
    group.addoption(
        "--stop-at-first-failure",
        action="store_true",
        default=False,
        help="stop at the first conformance failure; setup errors do not stop the run (mutation self-test)",
    )


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    for name, description in SUITE_MARKERS.items():
        config.addinivalue_line("markers", f"{name}: {description}")
    config.addinivalue_line(
        "markers",
        f"{TAG_MARKER}(tag): a key:value scenario tag such as operation:recording-start, or the release"
        f" range {target_release.SINCE_TAG}:N / {target_release.UNTIL_TAG}:N",
    )
    state = SuiteState(config)
    config.stash[_STATE] = state
    config.pluginmanager.register(state, "talk_conformance_state")
    ci = CiReporting(config, lambda: state.summary, controller=state.is_controller)
    config.pluginmanager.register(ci, "talk_conformance_ci")
    progress_lines.use_writer(lambda line: terminal_output.write_line(config, progress_lines.PREFIX + line))
    profile = state.profile_for_selection()
    if profile is not None and profile.verify_tls is False:
        # The run announces it once; urllib3 would repeat it for every request of every scenario.
        config.addinivalue_line("filterwarnings", INSECURE_WARNING_FILTER)
    # tryfirst: pytest-bdd reads the cucumber path in its own pytest_configure.
    if state.is_controller and hasattr(config.option, "cucumber_json_path"):
        if state.report_dir is not None and not config.option.cucumber_json_path:
            state.report_dir.mkdir(
                parents=True, exist_ok=True
            )  # pytest-bdd writes there but never creates it
            config.option.cucumber_json_path = str(state.report_dir / CUCUMBER_FILE)
        if config.option.cucumber_json_path:
            state.cucumber_path = Path(config.option.cucumber_json_path)


def pytest_bdd_before_step(
    request: pytest.FixtureRequest, feature: Any, scenario: Any, step: Any, step_func: Callable[..., object]
) -> None:
    """A step starts: it judges no answer yet, and key reads during a Then step are its own."""
    # What the previous step judged is not what this one judges (the judged answer pins expectations).
    log = request.node.stash.get(_ASSERTIONS, None)
    if log is not None:
        log.step_started()
    if key_reads.enabled():
        key_reads.step_started(step.type, step.name, step_func.__name__)


def pytest_bdd_after_step(
    request: pytest.FixtureRequest,
    feature: Any,
    scenario: Any,
    step: Any,
    step_func: Callable[..., object],
    step_func_args: dict[str, Any],
) -> None:
    key_reads.step_finished()


def pytest_bdd_step_error(
    request: pytest.FixtureRequest,
    feature: Any,
    scenario: Any,
    step: Any,
    step_func: Callable[..., object],
    step_func_args: dict[str, Any],
    exception: Exception,
) -> None:
    key_reads.step_finished()


def pytest_sessionstart(session: pytest.Session) -> None:
    session.config.stash[_SESSION] = session
    if session.config.getoption("--conformance-progress", False):
        terminal_output.quiet_pytest(session.config)


def pytest_unconfigure(config: pytest.Config) -> None:
    state = config.stash.get(_STATE, None)
    if state is not None:
        state.finish_unconfigure()


# --- tags ---------------------------------------------------------------------------------------


# tryfirst: the hook is firstresult, and pytest-bdd's own implementation (which makes every tag a
# marker) must not answer first; plugin load order differs between installs.
@pytest.hookimpl(tryfirst=True)
def pytest_bdd_apply_tag(tag: str, function: Callable[..., object]) -> object:
    """Keep key:value tags as data (a `conformance_tag` marker); plain tags stay pytest-bdd's markers."""
    if ":" not in tag:
        return None
    return getattr(pytest.mark, TAG_MARKER)(tag)(function)


def scenario_title(item: pytest.Item) -> str:
    """The title of the scenario an item was generated from, as written (the item's name for a plain test)."""
    template = _bdd_compat.scenario_template(item)
    return template.name if template is not None else item.name


def scenario_steps(item: pytest.Item) -> list[tuple[str, str]] | None:
    """(type, text) of every step a scenario runs, background first; None for a plain test."""
    return _bdd_compat.scenario_steps(item)


def item_tags(item: pytest.Item) -> list[str]:
    """All scenario tags of an item: plain markers we registered plus the key:value tags."""
    tags = [mark.args[0] for mark in item.iter_markers(TAG_MARKER) if mark.args]
    tags += [mark.name for mark in item.iter_markers() if mark.name in SUITE_MARKERS]
    return sorted(set(tags))


# tryfirst: expectations are matched against every collected scenario, before -k/-m deselect some.
@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    state = config.stash[_STATE]
    suite_items = [item for item in items if _is_suite_item(item)]
    for item in suite_items:
        item.stash[_IS_SUITE_ITEM] = True
        for tag in item_tags(item):
            item.user_properties.append(("tag", tag))
    if not suite_items:
        return

    # Scenarios that run alone after the others, so that they do not stall the parallel ones (under xdist),
    # and disruptive ones last: should a reset fail, nothing after them sees the throttle.
    def position(item: pytest.Item) -> int:
        if not item.stash.get(_IS_SUITE_ITEM, False):
            return 0
        if item.get_closest_marker("disruptive") is not None:
            return 2
        return 1 if item.get_closest_marker("exclusive") is not None else 0

    if _parallel(config):
        # Longest first, so no worker is left with a long scenario while the others idle (the step count
        # stands in for the requests a scenario sends). Serial runs keep the order of the feature files.
        items.sort(key=lambda item: -len(_bdd_compat.scenario_steps(item) or ()))
    items.sort(key=position)  # stable: the order within each group stays as it was
    state.announce_need()
    profile = state.profile_for_selection()
    if profile is None:
        return  # the profile error is reported by the conformance_run fixture, once per scenario
    for item in suite_items:
        reason = _skip_reason(item, profile)
        if reason:
            item.add_marker(pytest.mark.skip(reason=reason))
    state.record_collected([scenario_key(item) for item in suite_items])


def _parallel(config: pytest.Config) -> bool:
    """Whether the run is shared among xdist workers (each worker and the controller see the same)."""
    return bool(getattr(config.option, "numprocesses", None)) or hasattr(config, "workerinput")


def scenario_key(item: pytest.Item) -> ScenarioKey:
    """How expectations name a scenario: its feature file, its title as written and its Examples row id."""
    template = _bdd_compat.scenario_template(item)
    callspec = getattr(item, "callspec", None)
    example = callspec.id if callspec is not None else None
    if template is None:
        return ScenarioKey(str(item.path), item.name.split("[")[0], example)
    return ScenarioKey(str(template.feature.filename), template.name, example)


def _is_suite_item(item: pytest.Item) -> bool:
    if "conformance_run" in getattr(item, "fixturenames", ()):
        return True
    # pytest-bdd steps fetch fixtures at run time, so a bundled scenario may not name the fixture statically.
    template = _bdd_compat.scenario_template(item)
    if template is None:
        return False
    from conformance.resources import features_dir

    try:
        path = Path(template.feature.filename).resolve()
        # features/recording_server/ is the other suite's (conformance.recording_server_suite).
        theirs = (features_dir() / "recording_server").resolve()
        return path.is_relative_to(features_dir().resolve()) and not path.is_relative_to(theirs)
    except (FileNotFoundError, AttributeError, TypeError, ValueError):
        return False  # deciding "not ours" must never break someone else's collection


def _skip_reason(item: pytest.Item, profile: TargetProfile) -> str | None:
    tags = item_tags(item)
    skipped = [tag for tag in tags if tag in profile.skip_tags]
    if skipped:
        return "skipped by the profile's skip_tags: " + ", ".join("@" + tag for tag in skipped)
    if "admin" in tags and profile.admin is None:
        return "tagged @admin and the profile has no admin account"
    return None


# --- the fixture and the lock -------------------------------------------------------------------


@pytest.fixture(scope="session")
def conformance_run(request: pytest.FixtureRequest) -> Iterator[RunContext]:
    """The run's target, fake recording server and lock, shared by every scenario (and xdist worker)."""
    state: SuiteState = request.config.stash[_STATE]
    yield state.context()
    # Rooms still being deleted in the background must be gone before the target is restored or stopped.
    leftovers = [state.redactor.text(problem) for problem in background_cleanup.drain()]
    if state.is_worker:
        background_cleanup.hand_over(state.run_dir, leftovers)
    else:
        state.summary.cleanup_errors.extend(leftovers)
    problems = state.stop_local()
    if problems:
        raise SetupError("cleanup after the run failed: " + "; ".join(problems))


@pytest.fixture(autouse=True)
def _brute_force_reset_around_disruptive(request: pytest.FixtureRequest) -> Iterator[None]:
    """Around a @disruptive scenario, clear the target's brute-force attempts; skip it without a reset."""
    item = request.node
    if not item.stash.get(_IS_SUITE_ITEM, False) or item.get_closest_marker("disruptive") is None:
        yield
        return
    run: RunContext = request.getfixturevalue("conformance_run")
    state: SuiteState = request.config.stash[_STATE]
    profile = run.profile
    admin = None
    if profile.admin is not None:
        admin = TalkSession(run.base_url, profile.admin, profile.request_timeout, profile.tls_verify)
    try:
        try:
            brute_force_reset.reset(profile, admin, state.redactor)
        except brute_force_reset.ResetUnavailable as unavailable:
            pytest.skip(str(unavailable))
        yield
        brute_force_reset.reset(profile, admin, state.redactor)
    finally:
        if admin is not None:
            admin.close()


@pytest.fixture
def conformance_assertions(request: pytest.FixtureRequest) -> assertion_records.AssertionLog:
    """Where the scenario's Then steps record what they asserted (summary.json, the coverage matrix)."""
    return request.node.stash.setdefault(_ASSERTIONS, assertion_records.AssertionLog())


def next_scenario(item: pytest.Item) -> pytest.Item | None:
    """The scenario this process runs after `item` (an xdist worker knows its own); None: none or skipped."""
    following = item.stash.get(_NEXT_ITEM, None)
    if following is None or not following.stash.get(_IS_SUITE_ITEM, False):
        return None
    # A skipif is not evaluated yet at this point: it counts as skipped.
    skipped = any(following.get_closest_marker(name) is not None for name in ("skip", "skipif"))
    with contextlib.suppress(SetupError):
        skipped = skipped or _release_skip_reason(following) is not None
    return None if skipped else following


def target_release_of(item: pytest.Item) -> target_release.TargetRelease:
    """The target's Talk release (read once by the preflight); starts the run if it has not started."""
    return item.config.stash[_STATE].context().target_release


def _release_skip_reason(item: pytest.Item) -> str | None:
    """Why a @since-talk / @until-talk scenario does not apply to the target (SetupError: a malformed tag)."""
    tags = item_tags(item)
    scoped = (target_release.SINCE_TAG + ":", target_release.UNTIL_TAG + ":")
    if not any(tag.startswith(scoped) for tag in tags):
        return None
    try:
        return target_release.skip_reason(tags, target_release_of(item))
    except target_release.ReleaseTagError as error:
        raise SetupError(str(error)) from None


# tryfirst: a scenario for another release is skipped before its fixtures set anything up on the target.
@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.stash.get(_IS_SUITE_ITEM, False):
        reason = _release_skip_reason(item)
        if reason is not None:
            pytest.skip(reason)


def run_alone(item: pytest.Item) -> None:
    """Called by a step that changes the target's global state: hold the run-wide lock alone from here on."""
    lock = item.stash.get(_LOCK, None)
    if lock is not None:
        lock.alone()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Any:
    if not item.stash.get(_IS_SUITE_ITEM, False):
        return (yield)
    state: SuiteState = item.config.stash[_STATE]
    item.stash[_NEXT_ITEM] = nextitem
    lock = ScenarioLock(state.lock_path, traffic_capture.scenario_label(item))
    # Brute-force throttling counts per client address, so a @disruptive scenario would make its neighbours
    # see 429s: it runs alone from its first request. An @exclusive one runs alone from the step that changes
    # the target's global state (all of it, when no registered step does).
    exclusive = item.get_closest_marker("exclusive") is not None
    disruptive = item.get_closest_marker("disruptive") is not None
    later = exclusive and not disruptive and first_alone_step(_bdd_compat.scenario_steps(item)) is not None
    if disruptive:
        state.wait_for_the_others(lock.scenario)
    lock.acquire(alone=(exclusive or disruptive) and not later, may_go_alone=later)
    item.stash[_LOCK] = lock
    try:
        traffic_capture.set_scenario(lock.scenario)
        try:
            return (yield)
        finally:
            traffic_capture.set_scenario(None)
    finally:
        lock.release()
        if not disruptive:
            state.finished.add(item.nodeid)


def pytest_collection_finish(session: pytest.Session) -> None:
    # After deselection: the scenarios a @disruptive one waits for (every process collects the same).
    state: SuiteState = session.config.stash[_STATE]
    state.not_disruptive = {
        item.nodeid
        for item in session.items
        if item.stash.get(_IS_SUITE_ITEM, False) and item.get_closest_marker("disruptive") is None
    }


# --- verdicts -----------------------------------------------------------------------------------


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    if item.stash.get(_IS_SUITE_ITEM, False):
        state: SuiteState = item.config.stash[_STATE]
        _classify(state, item, call, report)
        expectations = state.expectations()
        entry = expectations.entry_for(scenario_key(item)) if expectations is not None else None
        if entry is not None:
            _apply_expectation(entry, expectations.path.name, call, report)
    return report


def _apply_expectation(
    entry: Expectation, file_name: str, call: pytest.CallInfo[None], report: pytest.TestReport
) -> None:
    """The pinned failure is pytest's xfail (the run passes); another failure, or a pass, fails the run."""
    data = report.talk_conformance
    reason = entry.reason
    data["expected"] = reason
    if call.when != "call":
        return  # setup errors and skips say nothing about the expectation
    if data["verdict"] == "failed":
        judged = expectation_verdicts.judged_answer(data.get(assertion_records.JUDGED_KEY))
        differently = expectation_verdicts.failed_differently(entry, file_name, judged)
        if differently is None:
            report.outcome = "skipped"
            report.wasxfail = f"expected failure: {reason}"
        else:
            message = f"{differently}\n{data['message']}"
            data.update(message=message, failed_differently=True)
            report.longrepr = message
    elif data["verdict"] == "passed":
        message = f"unexpectedly passed: the expectations say it fails ({reason})"
        data.update(verdict="failed", message=message, unexpected_pass=True)
        report.outcome = "failed"
        report.longrepr = message


def _classify(
    state: SuiteState, item: pytest.Item, call: pytest.CallInfo[None], report: pytest.TestReport
) -> None:
    redact = state.redactor.text
    excinfo = call.excinfo
    name = _scenario_name(item)
    verdict, message = Verdict.PASSED, ""
    if excinfo is not None and excinfo.errisinstance(Unsupported):
        verdict, message = Verdict.SKIPPED, redact(f"unsupported: {excinfo.value}")
        report.outcome = "skipped"
        report.longrepr = (str(item.path), (item.location[1] or 0) + 1, message)
    elif excinfo is not None and excinfo.errisinstance(SetupError):
        # A broken setup says nothing about the target's conformance: a readable paragraph, no traceback.
        verdict = Verdict.ERROR
        message = redact(f"setup error in {call.when} of scenario {name!r}: {excinfo.value}")
        report.longrepr = message
    elif excinfo is not None and excinfo.errisinstance(requests.RequestException):
        # No answer at all (refused, timed out): the target could not be judged. One line, not urllib3's
        # traceback, naming the request and the limit.
        verdict = Verdict.ERROR
        message = redact(f"error in {call.when} of scenario {name!r}: {_no_answer(excinfo.value)}")
        report.longrepr = message
    elif report.failed:
        verdict = Verdict.FAILED if call.when == "call" else Verdict.ERROR
        error = excinfo.value if excinfo is not None else None
        message = redact(failure_display.exception_message(error, str(report.longrepr)))
        step = _bdd_compat.failed_step(item) if call.when == "call" else None
        if step:
            message = f"{message}\n(failed step: {step})"
        if SQLITE_LOCKED in message:
            # A SQLite-backed Nextcloud under parallel load (docs/live-targets.md): the database, not Talk.
            verdict = Verdict.ERROR
            message = f"error: the target's database was locked (run serially on SQLite): {message}"
        text = str(report.longrepr)
        if call.when == "call" and excinfo is not None and excinfo.errisinstance(AssertionError):
            # A conformance verdict: the steps' message names request, expected and actual; code frames
            # of the step library would only hide it.
            report.longrepr = message
        elif redact(text) != text:  # keep pytest's rich representation unless it leaks a secret
            # The message first: pytest's one-line summary shows the first line of a plain-text report.
            report.longrepr = f"{message.splitlines()[0] if message else 'failed'}\n\n{redact(text)}"
    elif report.skipped:
        verdict = Verdict.SKIPPED
        longrepr = report.longrepr
        message = redact(longrepr[2] if isinstance(longrepr, tuple) else str(longrepr))
    report.sections = [(title, redact(content)) for title, content in report.sections]
    report.talk_conformance = {
        "verdict": verdict.name.lower(),
        "message": message,
        "name": name,
        "feature": _feature_name(item),
        "tags": item_tags(item),
        assertion_records.SOURCE_KEY: assertion_records.scenario_source(item),
        assertion_records.RECORDS_KEY: item.stash[_ASSERTIONS].to_json() if _ASSERTIONS in item.stash else [],
        assertion_records.JUDGED_KEY: _judged(item),
    }


def _judged(item: pytest.Item) -> dict[str, Any] | None:
    log = item.stash.get(_ASSERTIONS, None)
    return log.judged.to_dict() if log is not None and log.judged is not None else None


def _no_answer(error: BaseException) -> str:
    request = getattr(error, "request", None)
    what = "a request"
    if request is not None and request.url:
        what = f"{request.method} {urlsplit(request.url).path}"
    return f"{what} did not get an answer: {transport_reason(error)}"


def _scenario_name(item: pytest.Item) -> str:
    template = _bdd_compat.scenario_template(item)
    if template is None:
        return item.name
    scenario_report = _bdd_compat.scenario_report(item)
    name = scenario_report.scenario.name if scenario_report is not None else template.name
    callspec = getattr(item, "callspec", None)
    if callspec is not None and name == template.name:
        # Rows of an outline whose title names no <parameter> would otherwise share one name.
        name = f"{name} [{callspec.id}]"
    return name


def _feature_name(item: pytest.Item) -> str:
    template = _bdd_compat.scenario_template(item)
    if template is not None:
        return template.feature.name or template.feature.rel_filename
    return item.nodeid.split("::")[0]


@pytest.hookimpl(tryfirst=True)
def pytest_report_teststatus(report: pytest.TestReport, config: pytest.Config) -> Any:
    data = getattr(report, "talk_conformance", None)
    if data and config.getoption("--conformance-progress", False):
        return terminal_output.silent_status(report, data["verdict"])
    if data and data["verdict"] == "error" and report.when == "call":
        return "error", "E", "ERROR"
    return None


# pytest-bdd keeps the scenario of a report in a registry keyed by the report object, which xdist
# never ships to the controller; without this, --cucumberjson writes [] under -n.
@pytest.hookimpl(wrapper=True)
def pytest_report_to_serializable(config: pytest.Config, report: Any) -> Any:
    data = yield
    context = _bdd_compat.report_context(report) if isinstance(report, pytest.TestReport) else None
    if data is not None and context is not None:
        data[_REPORT_CONTEXT_KEY] = context
    return data


@pytest.hookimpl(wrapper=True)
def pytest_report_from_serializable(config: pytest.Config, data: dict[str, Any]) -> Any:
    context = data.pop(_REPORT_CONTEXT_KEY, None)
    report = yield
    if context is not None and report is not None:
        _bdd_compat.restore_report_context(report, context)
    return report


# --- xdist: the controller starts everything once, workers read the result ---------------------


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    state: SuiteState = node.config.stash[_STATE]
    node.workerinput[WORKER_INPUT_KEY] = str(state.run_dir)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_node_collection_finished(node: Any, ids: Any) -> None:
    # Tests are only handed out after this hook, so the context file exists before any scenario runs.
    state: SuiteState = node.config.stash[_STATE]
    if state.need_announced() and not node.config.option.collectonly:
        state.start_for_workers()


# --- the end of the run -------------------------------------------------------------------------


@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session: pytest.Session) -> None:
    state: SuiteState = session.config.stash[_STATE]
    if state.is_controller:
        state.finish_session()
        if state.summary.expectation_errors and session.exitstatus == pytest.ExitCode.OK:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED  # a stale expectation fails the run


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    state: SuiteState = config.stash[_STATE]
    if state.is_controller and (
        state.summary.results or state.summary.setup_error or state.summary.expectation_errors
    ):
        terminalreporter.write_sep("=", "talk-conformance summary")
        for line in terminal_lines(state.summary, state.report_dir):
            terminalreporter.write_line(state.redactor.text(line))
        if state.traffic_written is not None:
            path, count = state.traffic_written
            terminalreporter.write_line(f"traffic: {count} exchanges written to {path} (HAR 1.2)")


def scenario_progress_line(result: ScenarioResult) -> str:
    """The line printed when a scenario finished (its verdict in words, as summary.json has it)."""
    where = progress_lines.location(result.source, result.nodeid)
    reason = result.message if result.verdict is Verdict.SKIPPED else ""
    return progress_lines.scenario_line(
        result.outcome, result.duration, where, result.feature, result.name, reason
    )


# --- orchestration ------------------------------------------------------------------------------


def start_run(
    profile: TargetProfile, run_dir: Path
) -> tuple[RunContext, Callable[[], list[str]], tuple[str, ...], str | None]:
    """Start what the run needs (conformance.run_setup); its context, stop function, secrets and the
    expectations line still to print (None when the command's preflight printed it)."""
    adopted = run_setup.adopt(profile)
    prepared, stop = adopted if adopted is not None else run_setup.start(profile, run_dir)
    line = None if adopted is not None else prepared.expectations_line
    return prepared.context(run_dir / "scenario.lock"), stop, prepared.secrets(), line


class SuiteState:
    """Per-process bookkeeping of one pytest run of the suite."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        workerinput = getattr(config, "workerinput", None)
        self.is_worker = workerinput is not None
        self.is_controller = not self.is_worker
        if self.is_worker and WORKER_INPUT_KEY in workerinput:
            self.run_dir = Path(workerinput[WORKER_INPUT_KEY])
        elif run_setup.handed_over_run_dir() is not None:
            self.run_dir = run_setup.handed_over_run_dir()
        else:
            self.run_dir = run_setup.new_run_dir()
        report_dir = config.getoption("--conformance-report-dir", None)
        self.report_dir = Path(report_dir).resolve() if report_dir else None
        self.cucumber_path: Path | None = None
        self.redactor = Redactor()
        self.summary = RunSummary()
        self._context: RunContext | None = None
        self._failure: BaseException | None = None
        self._stop: Callable[[], list[str]] | None = None
        self._started_at = time.monotonic()
        self._selection_profile: TargetProfile | None = None
        self._expectations: Expectations | None = None
        self.traffic_written: tuple[Path, int] | None = None
        self.not_disruptive: set[str] = set()

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        """Controller: fold each phase report of a scenario into its result."""
        data = getattr(report, "talk_conformance", None)
        if not data or not self.is_controller:
            return
        result = self.summary.results.get(report.nodeid)
        if result is None:
            result = ScenarioResult(report.nodeid, data["name"], data["feature"], list(data["tags"]))
            self.summary.results[report.nodeid] = result
        if report.when == "call":
            result.name = data["name"]  # outline titles are rendered only once the scenario runs
            if data["verdict"] == "failed" and self.config.getoption("--stop-at-first-failure", False):
                # Unlike -x, a setup error goes on: only a failure says the target broke a rule.
                self.config.stash[_SESSION].shouldstop = f"conformance failure in {report.nodeid}"
            result.unexpected_pass = bool(data.get("unexpected_pass"))
            result.failed_differently = bool(data.get("failed_differently"))
            result.judged_answer = data.get(assertion_records.JUDGED_KEY)
            result.source = data.get(assertion_records.SOURCE_KEY)
            result.assertions = data.get(assertion_records.RECORDS_KEY, [])
        if data.get("expected") is not None:
            result.expected = data["expected"]
        result.source = result.source or data.get(assertion_records.SOURCE_KEY)
        result.merge(Verdict[data["verdict"].upper()], report.duration, data["message"])
        if report.when == "teardown" and self.config.getoption("--conformance-progress", False):
            self._write_line(scenario_progress_line(result), prefix="")

    def _write_line(self, line: str, prefix: str = progress_lines.PREFIX) -> None:
        """A line on the terminal even from inside a scenario's setup (where output is captured)."""
        terminal_output.write_line(self.config, prefix + line)

    @property
    def finished(self) -> FinishedScenarios:
        """The run's finished scenarios, shared by the xdist workers."""
        return FinishedScenarios(self.run_dir / "finished-scenarios.txt")

    def wait_for_the_others(self, scenario: str) -> None:
        """Before a @disruptive scenario: every other scenario must be done, on every worker."""
        profile = self.profile_for_selection()
        # Long enough for any scenario that is still making progress; a run stopped early (-x) has some
        # scenarios that will never finish, and then waiting longer helps nobody.
        stall = max(DISRUPTIVE_WAIT_STALL_SECONDS, 2 * (profile.request_timeout if profile else 0))
        running = self.not_disruptive - self.finished.read()
        if running:
            progress_lines.say(
                f"waiting for {len(running)} other scenario(s) to finish before the @disruptive scenario"
                f" {scenario!r} (it starts anyway after {progress_lines.duration(stall)} without progress)"
            )
        missing = self.finished.wait_for(self.not_disruptive, stall)
        if missing:
            self._write_line(
                f"{len(missing)} other scenario(s) did not finish within {stall:g} s without progress;"
                f" the @disruptive scenario {scenario!r} starts anyway"
            )

    @property
    def lock_path(self) -> Path:
        """The run-wide scenario lock file."""
        return self.run_dir / "scenario.lock"

    def load_profile(self) -> TargetProfile:
        """The profile from the command line, the environment and the profile file."""
        profile = load_profile(
            self.config.getoption("--target-url", None),
            self.config.getoption("--target-profile", None),
            os.environ,
            self.config.getoption("--expectations", None),
        )
        self.redactor.add(*profile.secrets())
        return profile

    def profile_for_selection(self) -> TargetProfile | None:
        """The profile for skip decisions, or None when it cannot be loaded (the fixture reports why)."""
        if self._selection_profile is None:
            with contextlib.suppress(ProfileError):
                self._selection_profile = self.load_profile()
        return self._selection_profile

    def expectations(self) -> Expectations | None:
        """The run's expectations once it has started (`auto` resolved); None without, or before the start."""
        if self._expectations is None:
            context = self._context  # a worker's too, once its first scenario read it
            if context is None or context.profile.expectations is None:
                return None
            with contextlib.suppress(ProfileError):  # checked when the run started
                self._expectations = load_expectations(context.profile.expectations)
        return self._expectations

    def record_collected(self, keys: list[ScenarioKey]) -> None:
        """Tell the controller which scenarios this process collected (for the stale-entry check)."""
        self.run_dir.mkdir(parents=True, exist_ok=True)
        path = self.run_dir / f"{COLLECTED_PREFIX}{os.getpid()}.json"
        path.write_text(json.dumps([dataclasses.astuple(key) for key in keys]), encoding="utf-8")

    def unmatched_expectations(self) -> list[str]:
        """Entries that match no scenario any process collected; nothing when none was collected.

        A file `auto` chose is the whole suite's: only entries of the feature files collected are checked.
        """
        expectations = self.expectations()
        reports = sorted(self.run_dir.glob(COLLECTED_PREFIX + "*.json")) if self.run_dir.is_dir() else []
        if expectations is None or not reports:
            return []
        keys = [ScenarioKey(*key) for path in reports for key in json.loads(path.read_text(encoding="utf-8"))]
        auto = self._context is not None and self._context.profile.auto_expectations
        return expectations.unmatched_messages(expectations.matched(keys), keys if auto else None)

    # A worker tells the controller "this run has conformance scenarios" with a file in the run directory.
    def announce_need(self) -> None:
        """Record that scenarios of the suite were collected."""
        self.run_dir.mkdir(parents=True, exist_ok=True)
        (self.run_dir / f"{NEEDED_PREFIX}{os.getpid()}").touch()

    def need_announced(self) -> bool:
        """Whether any process collected scenarios of the suite."""
        return self.run_dir.is_dir() and any(self.run_dir.glob(NEEDED_PREFIX + "*"))

    def context(self) -> RunContext:
        """The run context, starting everything on first use (single process) or reading it (xdist worker)."""
        if self.is_worker:
            if self._context is None:
                self._context = self._read_context_file()
            return self._context
        if self._context is None and self._failure is None:
            self._start()
        if self._failure is not None:
            raise self._failure
        assert self._context is not None
        return self._context

    def _start(self) -> None:
        try:
            profile = self.load_profile()
            announce_unverified(profile.tls_verify, self._write_line)
            self.summary.profile = redacted_profile(profile.to_dict())
            self.summary.target_url = profile.url
            if profile.expectations is not None:
                load_expectations(profile.expectations)  # an unusable file stops the run before it starts
            self.run_dir.mkdir(parents=True, exist_ok=True)
            self._start_traffic(profile)
            with traffic_capture.outside_scenario():
                context, self._stop, run_secrets, line = start_run(profile, self.run_dir)
            self.redactor.add(*run_secrets)
            if line:
                self._write_line(line)  # the command's own preflight printed it when it set the run up
            self.summary.target_url = context.base_url
            self.summary.target_release = context.target_release.describe()
            chosen = context.profile.expectations
            if chosen is not None:
                self.summary.expectations = str(chosen)
                load_expectations(chosen)  # `auto`'s choice, checked as strictly as a given file
            self._context = context
            self.summary.profile = redacted_profile(profile.to_dict(), context.base_url)
        except (SetupError, Unsupported) as exc:
            self._failure = type(exc)(self.redactor.text(str(exc)))
        except Exception as exc:  # noqa: BLE001 - a readable message beats a traceback from our own setup
            self._failure = SetupError(
                self.redactor.text(f"preparing the run failed: {type(exc).__name__}: {exc}")
            )
        if isinstance(self._failure, SetupError):
            self.summary.setup_error = str(self._failure)
        elif isinstance(self._failure, Unsupported):
            self.summary.setup_error = None

    def start_for_workers(self) -> None:
        """Controller under xdist: start once and publish the context (or the failure) for the workers."""
        if self._context is not None or self._failure is not None:
            return
        self._start()
        if self._context is not None:
            payload: dict[str, Any] = {"context": self._context.to_dict()}
        else:
            assert self._failure is not None
            kind = "unsupported" if isinstance(self._failure, Unsupported) else "error"
            payload = {"failure": kind, "message": str(self._failure)}
        path = self.run_dir / CONTEXT_FILE
        partial = path.with_suffix(".partial")
        # The file holds secrets for the workers: readable by this user only.
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(payload, handle)
        partial.replace(path)

    def _read_context_file(self) -> RunContext:
        path = self.run_dir / CONTEXT_FILE
        deadline = time.monotonic() + CONTEXT_WAIT_SECONDS
        while not path.exists():
            if time.monotonic() > deadline:
                raise SetupError(f"the controller process did not publish the run context ({path})")
            time.sleep(0.1)
        payload = json.loads(path.read_text(encoding="utf-8"))
        if "failure" in payload:
            failure = Unsupported if payload["failure"] == "unsupported" else SetupError
            raise failure(payload["message"])
        context = RunContext.from_dict(payload["context"])
        self.redactor.add(*context.profile.secrets())
        if traffic_capture.active() is None:
            self._start_traffic(context.profile)
        return context

    def traffic_path(self, profile: TargetProfile | None) -> Path | None:
        """Where the run's traffic goes as HAR: the option, else the profile's record_traffic."""
        chosen = self.config.getoption("--record-traffic", None)
        chosen = chosen or (profile.record_traffic if profile is not None else None)
        return (self.config.invocation_params.dir / chosen).resolve() if chosen else None

    def _start_traffic(self, profile: TargetProfile) -> None:
        if self.traffic_path(profile) is not None:
            traffic_capture.start(self.run_dir, self.redactor)

    def stop_local(self) -> list[str]:
        """Single process: stop what this process started (the controller of xdist stops at session end)."""
        if self.is_worker or not self._stop:
            return []
        self.clean_target()
        problems = [self.redactor.text(problem) for problem in self._stop()]
        self._stop = None
        self.summary.cleanup_errors.extend(problems)
        return problems

    def clean_target(self) -> None:
        """Remove what the scenarios left on the target besides their rooms (conformance.target_cleanup)."""
        if self._context is None:
            return
        traces = target_cleanup.read_traces(self.run_dir)
        left = target_cleanup.clean(self._context.profile, self._context.base_url, traces)
        self.summary.left_on_target = [self.redactor.text(line) for line in left]

    def finish_session(self) -> None:
        """Controller: stop the run's servers and write the reports."""
        self.stop_local()
        self.summary.cleanup_errors.extend(background_cleanup.handed_over(self.run_dir))
        self._write_traffic()
        self.summary.duration = time.monotonic() - self._started_at
        self.summary.expectation_errors = self.unmatched_expectations()
        if self.report_dir is None or not (self.summary.results or self.summary.setup_error):
            return
        self.report_dir.mkdir(parents=True, exist_ok=True)
        write_summary_json(self.report_dir / SUMMARY_FILE, self.summary, self.redactor)
        write_junit_xml(self.report_dir / JUNIT_FILE, self.summary, self.redactor)
        log = self.run_dir / "reference-server" / "reference-server.log"
        if log.is_file():
            redacted = self.redactor.text(log.read_text(encoding="utf-8", errors="replace"))
            (self.report_dir / "reference-server.log").write_text(redacted, encoding="utf-8")

    def _write_traffic(self) -> None:
        out = self.traffic_path(self._context.profile if self._context else self._selection_profile)
        traffic_capture.stop()
        if out is None or not traffic_capture.part_files(self.run_dir):
            return
        from conformance.traffic.merge import write_run_har

        try:
            count = write_run_har(self.run_dir, out, self.summary.target_url)
        except OSError as exc:
            self.summary.cleanup_errors.append(f"writing the traffic recording {out} failed: {exc}")
            return
        self.traffic_written = (out, count)

    def finish_unconfigure(self) -> None:
        """Last chance: redact pytest-bdd's cucumber.json and remove the run directory."""
        traffic_capture.stop()
        if self.cucumber_path is not None:
            redact_file(self.cucumber_path, self.redactor)
        if self.is_controller:
            self.stop_local()
            shutil.rmtree(self.run_dir, ignore_errors=True)
