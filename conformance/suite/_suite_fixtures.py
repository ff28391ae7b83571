"""The fixtures the suite's scenarios use: the run, the brute-force reset around @disruptive, assertions."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from conformance.outcomes import SetupError
from conformance.reports import JUDGED_KEY, RECORDS_KEY, SOURCE_KEY, AssertionLog, scenario_source
from conformance.suite._scenario_order import is_suite_item
from conformance.suite._suite_session import suite_of
from conformance.target import BruteForceResetUnavailable, RunContext, TalkSession, clear_brute_force_attempts

ASSERTIONS = pytest.StashKey[AssertionLog]()


@pytest.fixture(scope="session")
def conformance_run(request: pytest.FixtureRequest) -> Iterator[RunContext]:
    """The run's target, fake recording server and lock, shared by every scenario (and xdist worker)."""
    suite = suite_of(request.config)
    yield suite.run.context()
    # Rooms still being deleted in the background must be gone before the target is restored or stopped.
    suite.reports.summary.cleanup_errors.extend(suite.run.drain_background())
    problems = suite.run.stop_local()
    if problems:
        raise SetupError("cleanup after the run failed: " + "; ".join(problems))


@pytest.fixture(autouse=True)
def _brute_force_reset_around_disruptive(request: pytest.FixtureRequest) -> Iterator[None]:
    """Around a @disruptive scenario, clear the target's brute-force attempts; skip it without a reset."""
    item = request.node
    if not is_suite_item(item) or item.get_closest_marker("disruptive") is None:
        yield
        return
    run: RunContext = request.getfixturevalue("conformance_run")
    redactor = suite_of(request.config).redactor
    profile = run.profile
    admin = None
    if profile.admin is not None:
        admin = TalkSession(run.base_url, profile.admin, profile.request_timeout, profile.tls_verify)
    try:
        try:
            clear_brute_force_attempts(profile, admin, redactor)
        except BruteForceResetUnavailable as unavailable:
            pytest.skip(str(unavailable))
        yield
        clear_brute_force_attempts(profile, admin, redactor)
    finally:
        if admin is not None:
            admin.close()


@pytest.fixture
def conformance_assertions(request: pytest.FixtureRequest) -> AssertionLog:
    """Where the scenario's Then steps record what they asserted (summary.json, the coverage matrix)."""
    return request.node.stash.setdefault(ASSERTIONS, AssertionLog())


def assertion_data(item: pytest.Item) -> dict:
    """What the scenario's Then steps asserted and judged, as report data."""
    log = item.stash.get(ASSERTIONS, None)
    return {
        SOURCE_KEY: scenario_source(item),
        RECORDS_KEY: log.to_json() if log is not None else [],
        JUDGED_KEY: log.judged.to_dict() if log is not None and log.judged is not None else None,
    }
