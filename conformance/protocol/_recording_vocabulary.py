"""The recording API's words, defined once: status values, transitions, triggers, operation ids, names."""

from __future__ import annotations

from dataclasses import dataclass

# --- the recording status: a room's `callRecording` (talk-behaviour.md section 3) ------------------------

NONE, VIDEO, AUDIO, STARTING_VIDEO, STARTING_AUDIO, FAILED = range(6)

# How the feature files, the matrix and the docs name each value, in the order of the values.
STATE_NAMES = {
    NONE: "none",
    VIDEO: "video",
    AUDIO: "audio",
    STARTING_VIDEO: "starting video",
    STARTING_AUDIO: "starting audio",
    FAILED: "failed",
}
RECORDING_STATES = {name: state for state, name in STATE_NAMES.items()}

# The two kinds of recording a start asks for (its `status` field), and the state that waits for each.
RECORDING_KINDS = {"video": VIDEO, "audio": AUDIO}
STARTING = {VIDEO: STARTING_VIDEO, AUDIO: STARTING_AUDIO}

# --- the operations of openapi/recording.yaml, by operationId --------------------------------------------

START_OPERATION = "recording-start"
STOP_OPERATION = "recording-stop"
STORE_OPERATION = "recording-store"
BACKEND_OPERATION = "recording-backend"
DISMISS_OPERATION = "recording-notification-dismiss"
SHARE_OPERATION = "recording-share-to-chat"
WELCOME_OPERATION = "recording-get-welcome-message"
OPERATION_IDS = (
    START_OPERATION,
    STOP_OPERATION,
    STORE_OPERATION,
    BACKEND_OPERATION,
    DISMISS_OPERATION,
    SHARE_OPERATION,
    WELCOME_OPERATION,
)

# How a Then step of the feature files names the request it checks ("the report answers ...").
REQUEST_NAMES = {
    "start": START_OPERATION,
    "stop": STOP_OPERATION,
    "report": BACKEND_OPERATION,
    "upload": STORE_OPERATION,
    "dismissal": DISMISS_OPERATION,
    "share": SHARE_OPERATION,
    "welcome request": WELCOME_OPERATION,
}
# How the fuzzer names a request in its findings ("start: HTTP 500 without ..."); fuzz/operations.py
# tells them by method and path.
FUZZ_OPERATION_NAMES = {
    "start": START_OPERATION,
    "stop": STOP_OPERATION,
    "store": STORE_OPERATION,
    "backend": BACKEND_OPERATION,
    "dismiss": DISMISS_OPERATION,
    "share_chat": SHARE_OPERATION,
    "welcome": WELCOME_OPERATION,
}

# --- what changes the status ------------------------------------------------------------------------------

# The trigger a step records with a request, and the matrix matches a transition by.
TRIGGER_START = "start"
TRIGGER_STOP = "stop"
TRIGGER_STOP_ANSWERED_404 = "stop answered 404 by the recording server"
# A report's trigger is its message `type` (recording-server-protocol.md): the messages carry these.
TRIGGER_STARTED = "started"
TRIGGER_STOPPED = "stopped"
TRIGGER_FAILED = "failed"

# Where a start is accepted from (elsewhere Talk answers 400 "recording").
START_FROM = (NONE, FAILED)
# Where a `started` report is accepted from (elsewhere Talk answers 404).
STARTED_FROM = (STARTING_VIDEO, STARTING_AUDIO)
# Where a stop contacts the recording server, and so where its 404 answer leads to `failed`.
STOP_CONTACTS_RECORDING_SERVER_FROM = (VIDEO, AUDIO, STARTING_VIDEO, STARTING_AUDIO, FAILED)
# Where ending the call for everyone sends the recording server a stop without an actor.
CALL_END_STOPS_FROM = (VIDEO, AUDIO, STARTING_VIDEO, STARTING_AUDIO)


@dataclass(frozen=True)
class Transition:
    """One change of the recording status, by the trigger that causes it."""

    trigger: str
    operation_id: str
    sources: tuple[int, ...]
    target: int

    @property
    def label(self) -> str:
        """E.g. `3 → 1` or `1–5 → 5` when any of several states qualifies."""
        first, last = self.sources[0], self.sources[-1]
        origin = str(first) if first == last else f"{first}–{last}"
        return f"{origin} → {self.target}"

    def described(self) -> str:
        """The transition in words: trigger, from which status to which."""
        origin = " or ".join(STATE_NAMES[state] for state in self.sources)
        return f"{self.trigger}: {origin} → {STATE_NAMES[self.target]}"


def _transitions() -> tuple[Transition, ...]:
    # "any" sources get one row per state: each is an input a server must handle.
    rows = [
        Transition(TRIGGER_START, START_OPERATION, (source,), STARTING[kind])
        for source in START_FROM
        for kind in (VIDEO, AUDIO)
    ]
    rows += [
        Transition(TRIGGER_STARTED, BACKEND_OPERATION, (source,), target)
        for source in STARTED_FROM
        for target in (VIDEO, AUDIO)
    ]
    rows += [Transition(TRIGGER_STOPPED, BACKEND_OPERATION, (source,), NONE) for source in STATE_NAMES]
    rows += [Transition(TRIGGER_FAILED, BACKEND_OPERATION, (source,), FAILED) for source in STATE_NAMES]
    rows.append(
        Transition(TRIGGER_STOP_ANSWERED_404, STOP_OPERATION, STOP_CONTACTS_RECORDING_SERVER_FROM, FAILED)
    )
    return tuple(rows)


# Every transition of talk-behaviour.md section 3, in the order the coverage matrix lists them.
TRANSITIONS = _transitions()
