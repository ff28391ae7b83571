"""Step boundaries: a new step judges no answer yet, and key reads during a Then step are its own."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from conformance.protocol import key_reads_enabled, key_reads_step_finished, key_reads_step_started
from conformance.suite._suite_fixtures import ASSERTIONS


def pytest_bdd_before_step(
    request: pytest.FixtureRequest, feature: Any, scenario: Any, step: Any, step_func: Callable[..., object]
) -> None:
    # What the previous step judged is not what this one judges (the judged answer pins expectations).
    log = request.node.stash.get(ASSERTIONS, None)
    if log is not None:
        log.step_started()
    if key_reads_enabled():
        key_reads_step_started(step.type, step.name, step_func.__name__)


# pluggy hands a hook implementation only the arguments it names: a step's end needs none of them.
def pytest_bdd_after_step() -> None:
    key_reads_step_finished()


def pytest_bdd_step_error() -> None:
    key_reads_step_finished()
