"""The scenario lock around each scenario: who runs alone, waiting before @disruptive, release skips."""

from __future__ import annotations

import contextlib
from typing import Any

import pytest

from conformance import _bdd_compat, progress_lines
from conformance.outcomes import SetupError
from conformance.protocol import SINCE_TAG, UNTIL_TAG, ReleaseTagError
from conformance.reports import write_line
from conformance.suite._scenario_lock import ScenarioLock, first_alone_step
from conformance.suite._scenario_order import is_suite_item
from conformance.suite._scenario_tags import item_tags
from conformance.suite._suite_session import SuiteSession, suite_of
from conformance.target import TargetRelease, skip_reason
from conformance.traffic import scenario_label, set_traffic_scenario

DISRUPTIVE_WAIT_STALL_SECONDS = 60.0
_NEXT_ITEM = pytest.StashKey["pytest.Item | None"]()  # what pytest_runtest_protocol runs after the item
_LOCK = pytest.StashKey[ScenarioLock]()


def run_alone(item: pytest.Item) -> None:
    """Called by a step that changes the target's global state: hold the run-wide lock alone from here on."""
    lock = item.stash.get(_LOCK, None)
    if lock is not None:
        lock.alone()


def next_scenario(item: pytest.Item) -> pytest.Item | None:
    """The scenario this process runs after `item` (an xdist worker knows its own); None: none or skipped."""
    following = item.stash.get(_NEXT_ITEM, None)
    if following is None or not is_suite_item(following):
        return None
    # A skipif is not evaluated yet at this point: it counts as skipped.
    skipped = any(following.get_closest_marker(name) is not None for name in ("skip", "skipif"))
    with contextlib.suppress(SetupError):
        skipped = skipped or _release_skip_reason(following) is not None
    return None if skipped else following


def target_release_of(item: pytest.Item) -> TargetRelease:
    """The target's Talk release (read once by the preflight); starts the run if it has not started."""
    return suite_of(item.config).run.context().target_release


def _release_skip_reason(item: pytest.Item) -> str | None:
    """Why a @since-talk / @until-talk scenario does not apply to the target (SetupError: a malformed tag)."""
    tags = item_tags(item)
    scoped = (SINCE_TAG + ":", UNTIL_TAG + ":")
    if not any(tag.startswith(scoped) for tag in tags):
        return None
    try:
        return skip_reason(tags, target_release_of(item))
    except ReleaseTagError as error:
        raise SetupError(str(error)) from None


# tryfirst: a scenario for another release is skipped before its fixtures set anything up on the target.
@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    if is_suite_item(item):
        reason = _release_skip_reason(item)
        if reason is not None:
            pytest.skip(reason)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Any:
    if not is_suite_item(item):
        return (yield)
    suite = suite_of(item.config)
    item.stash[_NEXT_ITEM] = nextitem
    lock = ScenarioLock(suite.directory.lock_path, scenario_label(item))
    # Brute-force throttling counts per client address, so a @disruptive scenario would make its neighbours
    # see 429s: it runs alone from its first request. An @exclusive one runs alone from the step that changes
    # the target's global state (all of it, when no registered step does).
    exclusive = item.get_closest_marker("exclusive") is not None
    disruptive = item.get_closest_marker("disruptive") is not None
    later = exclusive and not disruptive and first_alone_step(_bdd_compat.scenario_steps(item)) is not None
    if disruptive:
        _wait_for_the_others(suite, item.config, lock.scenario)
    lock.acquire(alone=(exclusive or disruptive) and not later, may_go_alone=later)
    item.stash[_LOCK] = lock
    try:
        set_traffic_scenario(lock.scenario)
        try:
            return (yield)
        finally:
            set_traffic_scenario(None)
    finally:
        lock.release()
        if not disruptive:
            suite.directory.finished.add(item.nodeid)


def _wait_for_the_others(suite: SuiteSession, config: pytest.Config, scenario: str) -> None:
    """Before a @disruptive scenario: every other scenario must be done, on every worker."""
    profile = suite.profiles.or_none()
    # Long enough for any scenario that is still making progress; a run stopped early (-x) has some
    # scenarios that will never finish, and then waiting longer helps nobody.
    stall = max(DISRUPTIVE_WAIT_STALL_SECONDS, 2 * (profile.request_timeout if profile else 0))
    running = suite.not_disruptive - suite.directory.finished.read()
    if running:
        progress_lines.say(
            f"waiting for {len(running)} other scenario(s) to finish before the @disruptive scenario"
            f" {scenario!r} (it starts anyway after {progress_lines.duration(stall)} without progress)"
        )
    missing = suite.directory.finished.wait_for(suite.not_disruptive, stall)
    if missing:
        write_line(
            config,
            progress_lines.PREFIX + f"{len(missing)} other scenario(s) did not finish within {stall:g} s"
            f" without progress; the @disruptive scenario {scenario!r} starts anyway",
        )
