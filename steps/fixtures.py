"""Fixtures shared by every step module: the scenario's world."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from conformance.assertion_records import AssertionLog
from conformance.config import RunContext
from conformance.plugin import scenario_title
from steps.world import World


def _scenario_name(request: pytest.FixtureRequest) -> str:
    name = scenario_title(request.node)
    example = request.getfixturevalue("_pytest_bdd_example")
    if example:
        name += " [" + ", ".join(f"{key}={value}" for key, value in example.items()) + "]"
    return name


@pytest.fixture
def world(
    conformance_run: RunContext, conformance_assertions: AssertionLog, request: pytest.FixtureRequest
) -> Iterator[World]:
    """A fresh scenario state; its rooms, config changes and brute-force counts are undone afterwards."""
    state = World(conformance_run, _scenario_name(request), conformance_assertions)
    try:
        yield state
    finally:
        state.tear_down()
