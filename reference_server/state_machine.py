"""The call-recording status state machine (talk-behaviour.md §3) as pure functions."""

NONE, VIDEO, AUDIO, STARTING_VIDEO, STARTING_AUDIO, FAILED = 0, 1, 2, 3, 4, 5
ALL_STATES = frozenset(range(6))
START_ALLOWED_FROM = frozenset({NONE, FAILED})
STARTED_ACCEPTED_FROM = frozenset({STARTING_VIDEO, STARTING_AUDIO})
RUNNING = frozenset({VIDEO, AUDIO})
CALL_END_STOPS = ALL_STATES - {NONE, FAILED}


def start_allowed_from() -> frozenset:
    """T1: the states a start may leave (none and failed)."""
    return START_ALLOWED_FROM


def started_accepted_from() -> frozenset:
    """T2: the states the backend ``started`` callback may leave (the starting ones)."""
    return STARTED_ACCEPTED_FROM


def can_start(state: int) -> bool:
    """T1: a moderator may start from none or failed."""
    return state in start_allowed_from()


def starting_state(status: int, current: int) -> int:
    """T1: the state a start request with ``status`` 1/2 moves to, from none or failed alike."""
    return STARTING_VIDEO if status == VIDEO else STARTING_AUDIO


def accepts_started(state: int) -> bool:
    """T2: the backend ``started`` callback is only accepted while starting."""
    return state in started_accepted_from()


def stop_sends_request(state: int) -> bool:
    """T5: stop is a no-op in state none; otherwise it asks the recording server."""
    return state != NONE


def call_end_sends_stop(state: int) -> bool:
    """T6: ending the call sends an actor-less stop unless nothing runs or it already failed."""
    return state in CALL_END_STOPS


def system_message(old: int, new: int, has_actor: bool) -> str | None:
    """The chat system message setCallRecording emits for ``old`` → ``new``, or None."""
    if new in RUNNING and old in (NONE, STARTING_VIDEO, STARTING_AUDIO, FAILED):
        suffix = "started"
    elif old in RUNNING and new == NONE and has_actor:
        suffix = "stopped"
    elif old in RUNNING and new == FAILED:
        return "recording_failed"
    else:
        return None
    audio = new == AUDIO or (old == AUDIO and new != FAILED)
    return ("audio_" if audio else "") + "recording_" + suffix


SYSTEM_MESSAGE_TEXT = {
    "recording_started": "{actor} started the video recording",
    "recording_stopped": "{actor} stopped the video recording",
    "audio_recording_started": "{actor} started the audio recording",
    "audio_recording_stopped": "{actor} stopped the audio recording",
    "recording_failed": "The recording failed",
}
