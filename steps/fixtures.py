"""Fixtures shared by every step module: the scenario's world, and conversations made ahead."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from conformance.outcomes import SetupError
from conformance.reports import AssertionLog
from conformance.suite.plugin import run_alone, scenario_steps
from conformance.target import RunContext
from conformance.traffic import scenario_label
from steps.conversations_ahead import ConversationsAhead, starts_with_conversation
from steps.recorder_end_to_end import RealRecordingServers
from steps.world import World


@pytest.fixture(scope="session")
def conversations_ahead(conformance_run: RunContext) -> Iterator[ConversationsAhead]:
    """Makes the next scenario's conversation while one runs; deletes what no scenario claimed."""
    ahead = ConversationsAhead(conformance_run)
    yield ahead
    problems = ahead.close()
    if problems:
        raise SetupError("cleaning up conversations made ahead failed: " + "; ".join(problems))


@pytest.fixture(scope="session")
def real_recording_servers() -> Iterator[RealRecordingServers]:
    """The end-to-end group's recording servers, shared by its scenarios."""
    servers = RealRecordingServers()
    yield servers
    servers.stop()


@pytest.fixture
def world(
    conformance_run: RunContext,
    conformance_assertions: AssertionLog,
    conversations_ahead: ConversationsAhead,
    real_recording_servers: RealRecordingServers,
    request: pytest.FixtureRequest,
) -> Iterator[World]:
    """A fresh scenario state; its rooms, config changes and brute-force counts are undone afterwards."""
    item = request.node
    if not hasattr(request.config, "workerinput"):  # an xdist worker starts them when its scenario needs them
        real_recording_servers.start_ahead(conformance_run, request.session.items)
    steps = scenario_steps(item)
    state = World(
        conformance_run, scenario_label(item), conformance_assertions, steps, lambda: run_alone(item)
    )
    state.reset_around_it = item.get_closest_marker("disruptive") is not None
    if not starts_with_conversation(item):
        conversations_ahead.prepare_after(item)  # else once its own conversation is there: it comes first
    try:
        yield state
    finally:
        state.tear_down()
