"""Races against a real reference server: concurrent starts and concurrent callbacks."""

import pytest

from bench import races
from bench.recording_target import recording_target


@pytest.fixture(scope="module")
def target(tmp_path_factory):
    with recording_target(tmp_path_factory.mktemp("races")) as running:
        yield running


def test_exactly_one_of_100_concurrent_starts_succeeds(target):
    result = races.concurrent_starts(target, starts=100)
    assert result.passed, result.detail


def test_concurrent_callbacks_end_in_a_state_some_serial_order_explains(target):
    result = races.concurrent_callbacks(target, rounds=8, copies=2)
    assert result.passed, result.detail


def test_races_leave_no_unhandled_error(target):
    assert target.server.unhandled_errors() == []


def test_the_model_allows_every_serial_outcome_and_nothing_else():
    outcomes = races.allowed_outcomes(["started", "failed"])
    # started first: 3 → 1 → 5; failed first: 3 → 5, started refused with 404.
    assert outcomes == {(5, (200, 200)), (5, (404, 200))}
    assert (1, (200, 200)) not in outcomes  # a lost `failed` would be caught


def test_a_second_success_is_not_explained_by_the_model():
    outcomes = races.allowed_outcomes(["started", "started"])
    assert outcomes == {(1, (200, 404)), (1, (404, 200))}
