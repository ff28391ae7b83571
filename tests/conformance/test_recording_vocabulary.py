"""The recording vocabulary agrees with the contract, the messages the suite sends and the fuzz model."""

from __future__ import annotations

import pytest

from conformance.fuzz._operations import OPERATION_KINDS, operation_kind
from conformance.fuzz._state_model import Expected, RecordingModel
from conformance.protocol._contract import load_contract
from conformance.protocol._recording_vocabulary import (
    FUZZ_OPERATION_NAMES,
    OPERATION_IDS,
    RECORDING_STATES,
    REQUEST_NAMES,
    STATE_NAMES,
    TRANSITIONS,
    TRIGGER_FAILED,
    TRIGGER_START,
    TRIGGER_STARTED,
    TRIGGER_STOP_ANSWERED_404,
    TRIGGER_STOPPED,
    Transition,
)
from conformance.target._recording_server_callbacks import failed_message, started_message, stopped_message


def test_the_operation_ids_are_the_contracts() -> None:
    assert sorted(OPERATION_IDS) == sorted(op.operation_id for op in load_contract().operations)
    assert sorted(REQUEST_NAMES.values()) == sorted(OPERATION_IDS)


def test_the_fuzzers_names_tell_each_contract_operation_by_method_and_path() -> None:
    contract = load_contract()
    assert set(OPERATION_KINDS) == set(FUZZ_OPERATION_NAMES)
    for operation in contract.operations:
        kind = operation_kind(operation.method, contract.prefix + operation.path)
        assert kind is not None, f"{operation.method} {operation.path} has no fuzz name"
        assert FUZZ_OPERATION_NAMES[kind] == operation.operation_id


def test_state_names_and_numbers_are_one_table_read_both_ways() -> None:
    assert list(STATE_NAMES) == list(range(6))
    assert {number: name for name, number in RECORDING_STATES.items()} == STATE_NAMES


def test_a_reports_message_type_is_the_trigger_the_matrix_matches() -> None:
    sent = {
        started_message("token", 1, "users", "admin")["type"],
        stopped_message("token")["type"],
        failed_message("token")["type"],
    }
    assert sent == {TRIGGER_STARTED, TRIGGER_STOPPED, TRIGGER_FAILED}
    assert {row.trigger for row in TRANSITIONS} == sent | {TRIGGER_START, TRIGGER_STOP_ANSWERED_404}


def _fire(model: RecordingModel, transition: Transition) -> Expected:
    if transition.trigger == TRIGGER_START:
        return model.start({3: 1, 4: 2}[transition.target])
    if transition.trigger == TRIGGER_STARTED:
        return model.started(transition.target)
    if transition.trigger == TRIGGER_STOPPED:
        return model.stopped()
    if transition.trigger == TRIGGER_FAILED:
        return model.failed()
    return model.stop(404)


@pytest.mark.parametrize("transition", TRANSITIONS, ids=lambda row: f"{row.trigger} {row.label}")
def test_the_fuzz_model_makes_every_transition_of_the_matrix(transition: Transition) -> None:
    for source in transition.sources:
        model = RecordingModel(state=source)
        assert _fire(model, transition) == Expected(200)
        assert model.state == transition.target


def test_the_fuzz_model_refuses_a_start_or_a_started_report_from_any_other_state() -> None:
    start_sources = {row.sources[0] for row in TRANSITIONS if row.trigger == TRIGGER_START}
    started_sources = {row.sources[0] for row in TRANSITIONS if row.trigger == TRIGGER_STARTED}
    for state in STATE_NAMES:
        if state not in start_sources:
            assert RecordingModel(state=state).start(1) == Expected(400, "recording")
        if state not in started_sources:
            assert RecordingModel(state=state).started(1) == Expected(404, "no_such_room")
