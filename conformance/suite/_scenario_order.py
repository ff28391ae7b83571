"""Which collected tests are the suite's scenarios, the order they run in, and what the profile skips."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance import _bdd_compat
from conformance.suite._scenario_identity import scenario_key
from conformance.suite._scenario_tags import add_tag_properties, item_tags, skip_tags_reason
from conformance.suite._suite_session import suite_of
from conformance.target import TargetProfile

IS_SUITE_ITEM = pytest.StashKey[bool]()


def is_suite_item(item: pytest.Item) -> bool:
    """Whether the item is a scenario of this suite (marked at collection)."""
    return item.stash.get(IS_SUITE_ITEM, False)


# tryfirst: expectations are matched against every collected scenario, before -k/-m deselect some.
@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    suite = suite_of(config)
    suite_items = [item for item in items if _ours(item)]
    for item in suite_items:
        item.stash[IS_SUITE_ITEM] = True
        add_tag_properties(item)
    if not suite_items:
        return

    # Scenarios that run alone after the others, so that they do not stall the parallel ones (under xdist),
    # and disruptive ones last: should a reset fail, nothing after them sees the throttle.
    def position(item: pytest.Item) -> int:
        if not is_suite_item(item):
            return 0
        if item.get_closest_marker("disruptive") is not None:
            return 2
        return 1 if item.get_closest_marker("exclusive") is not None else 0

    if _parallel(config):
        # Longest first, so no worker is left with a long scenario while the others idle (the step count
        # stands in for the requests a scenario sends). Serial runs keep the order of the feature files.
        items.sort(key=lambda item: -len(_bdd_compat.scenario_steps(item) or ()))
    items.sort(key=position)  # stable: the order within each group stays as it was
    suite.directory.announce_need()
    profile = suite.profiles.or_none()
    if profile is None:
        return  # the profile error is reported by the conformance_run fixture, once per scenario
    for item in suite_items:
        reason = _skip_reason(item, profile)
        if reason:
            item.add_marker(pytest.mark.skip(reason=reason))
    suite.directory.record_collected([scenario_key(item) for item in suite_items])


def pytest_collection_finish(session: pytest.Session) -> None:
    # After deselection: the scenarios a @disruptive one waits for (every process collects the same).
    suite_of(session.config).not_disruptive = {
        item.nodeid
        for item in session.items
        if is_suite_item(item) and item.get_closest_marker("disruptive") is None
    }


def _parallel(config: pytest.Config) -> bool:
    """Whether the run is shared among xdist workers (each worker and the controller see the same)."""
    return bool(getattr(config.option, "numprocesses", None)) or hasattr(config, "workerinput")


def _ours(item: pytest.Item) -> bool:
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
    reason = skip_tags_reason(tags, profile.skip_tags)
    if reason:
        return reason
    if "admin" in tags and profile.admin is None:
        return "tagged @admin and the profile has no admin account"
    return None
