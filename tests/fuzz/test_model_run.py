"""The model-based test over real HTTP against the reference server: it agrees, and it can disagree."""

import pytest

from conformance.fuzz._model_run import run_model
from conformance.fuzz._state_model import Expected, RecordingModel
from conformance.fuzz._target import prepared_target
from conformance.target._profile import load_profile


@pytest.fixture(scope="module")
def target():
    with prepared_target(load_profile(env={})) as prepared:
        yield prepared


def test_the_reference_server_agrees_with_the_model_on_every_transition(target):
    environment = target.model_environment()
    result = run_model(environment, examples=25, steps=12, seed=7, derandomize=True)
    problems = result.junit.failures + result.junit.errors
    assert problems == [], problems
    transcript = "\n".join(environment.transcript)
    # every kind of transition was exercised, including the rarer ones
    steps = (
        "start status=1 -> 200",
        "start status=0 -> 400 status",
        "-> 400 recording",
        "-> 400 call",
        "backend started status=",
        "-> 404 no_such_room",
        "stop (recording server answers 404) -> 200",
        "backend stopped -> 200",
        "backend failed -> 200",
        "end call",
        "rejoin call",
    )
    for step in steps:
        assert step in transcript, step


class StartedFromAnyState(RecordingModel):
    """A wrong model: believes `started` is accepted in every state (the 2023 controllers did that)."""

    def started(self, status: int) -> Expected:
        self.state = status
        return Expected(200)


def test_a_disagreement_is_reported_with_the_failing_request(target):
    environment = target.model_environment()
    result = run_model(
        environment, examples=25, steps=12, seed=7, derandomize=True, model_class=StartedFromAnyState
    )
    assert result.failures, "a wrong model must not pass"
    assert "expected HTTP 200" in result.failures[0].message and "got 404" in result.failures[0].message
    assert "/recording/backend" in result.failures[0].curl
