"""Which reads of the room a scenario pays for before each action: only what its Then steps compare."""

from __future__ import annotations

from steps.world import NO_RECORDING_MESSAGE_SINCE, before_reads


def test_a_scenario_that_checks_the_recording_status_reads_only_the_status() -> None:
    status_check = ("then", 'the room\'s recording status is "video"')
    steps = [("given", "a call is active in the conversation"), status_check]
    assert before_reads(steps) == {"status"}


def test_a_scenario_that_checks_the_chat_since_the_action_reads_only_the_chat() -> None:
    assert before_reads([("then", NO_RECORDING_MESSAGE_SINCE)]) == {"chat"}


def test_a_scenario_with_neither_reads_nothing_and_givens_do_not_count() -> None:
    steps = [("given", 'the room\'s recording status is "video"'), ("then", "the request is accepted")]
    assert before_reads(steps) == frozenset()


def test_unknown_steps_read_everything() -> None:
    assert before_reads(None) == {"status", "chat"}
