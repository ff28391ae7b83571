"""The recording status rules (talk-behaviour §3), including the system message table."""

import pytest

from reference_server import state_machine as sm


def test_start_and_started_preconditions():
    assert [s for s in range(6) if sm.can_start(s)] == [0, 5]
    assert [s for s in range(6) if sm.accepts_started(s)] == [3, 4]
    assert (sm.starting_state(1, 0), sm.starting_state(2, 5)) == (3, 4)
    assert [s for s in range(6) if sm.stop_sends_request(s)] == [1, 2, 3, 4, 5]
    assert [s for s in range(6) if sm.call_end_sends_stop(s)] == [1, 2, 3, 4]


@pytest.mark.parametrize(
    ("old", "new", "actor", "message"),
    [
        (0, 1, True, "recording_started"),
        (3, 1, False, "recording_started"),
        (5, 2, True, "audio_recording_started"),
        (4, 2, True, "audio_recording_started"),
        (1, 0, True, "recording_stopped"),
        (2, 0, True, "audio_recording_stopped"),
        (1, 0, False, None),
        (1, 5, False, "recording_failed"),
        (2, 5, True, "recording_failed"),
        (3, 5, True, None),
        (0, 5, True, None),
        (3, 0, True, None),
        (1, 2, True, None),
        (2, 1, True, None),
        (0, 3, True, None),
        (5, 4, True, None),
        (0, 0, True, None),
    ],
)
def test_system_messages(old, new, actor, message):
    assert sm.system_message(old, new, actor) == message
