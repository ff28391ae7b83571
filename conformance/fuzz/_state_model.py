"""Model-based test of the recording status machine (talk-behaviour §3) over real HTTP."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from typing import Any

import hypothesis
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from conformance.fuzz._brute_force_guard import BruteForceGuard
from conformance.fuzz._fixtures import call_recording, new_room, start_recording, stop_recording
from conformance.fuzz._replay import curl_command
from conformance.outcomes import SetupError
from conformance.protocol import (
    CALL_END_STOPS_FROM,
    FAILED,
    NONE,
    START_FROM,
    STARTED_FROM,
    STARTING,
    STOP_CONTACTS_RECORDING_SERVER_FROM,
)
from conformance.target import (
    FakeRecordingServerControl,
    RecordingServerClient,
    TalkSession,
    delete_room,
    join_call,
    join_room,
    leave_call,
)


@dataclass(frozen=True)
class Expected:
    """What the target must answer: HTTP status and the error string or code (None on success)."""

    status: int
    error: str | None = None


@dataclass
class RecordingModel:
    """The recording status of one room and whether its call runs, with Talk's transition rules."""

    state: int = NONE
    call_active: bool = True

    def start(self, status: int) -> Expected:
        """T1; order of checks status → recording → call (→ config, always enabled here)."""
        if status not in STARTING:
            return Expected(400, "status")
        if self.state not in START_FROM:
            return Expected(400, "recording")
        if not self.call_active:
            return Expected(400, "call")
        self.state = STARTING[status]
        return Expected(200)

    def stop_sends_message(self) -> bool:
        """T5: a stop message goes to the recording server unless the state is 0."""
        return self.state in STOP_CONTACTS_RECORDING_SERVER_FROM

    def stop(self, recording_server_answer: int) -> Expected:
        """T5: no state change, except a 404 from the recording server means failed."""
        if self.state in STOP_CONTACTS_RECORDING_SERVER_FROM and recording_server_answer == 404:
            self.state = FAILED
        return Expected(200)

    def started(self, status: int) -> Expected:
        """T2: only while starting; the state becomes whatever status was reported."""
        if self.state not in STARTED_FROM:
            return Expected(404, "no_such_room")
        self.state = status
        return Expected(200)

    def stopped(self) -> Expected:
        """T3: any state → 0."""
        self.state = NONE
        return Expected(200)

    def failed(self) -> Expected:
        """T4: any state → 5."""
        self.state = FAILED
        return Expected(200)

    def end_call_sends_stop(self) -> bool:
        """T6: ending the call sends a stop without actor unless the state is 0 or 5."""
        return self.state in CALL_END_STOPS_FROM


@dataclass
class ModelEnvironment:
    """What the machine talks to: the target (as moderator and as recording server) and the fake."""

    moderator: TalkSession
    participant_id: str
    backend: RecordingServerClient
    fake: FakeRecordingServerControl
    room_prefix: str
    guard: BruteForceGuard | None = None
    transcript: list[str] = field(default_factory=list)


def _error_of(response: Any) -> str | None:
    try:
        data = response.json()["ocs"]["data"]
    except (ValueError, KeyError, TypeError):
        return None
    if isinstance(data, dict):
        error = data.get("error")
        if isinstance(error, dict):
            return error.get("code")
        return error
    return None


class RecordingStatusMachine(RuleBasedStateMachine):
    """Random sequences of start/stop/callbacks/call end against one fresh room, compared with the model."""

    environment: ModelEnvironment  # set on a subclass by `machine_for`
    model_class: type[RecordingModel] = RecordingModel

    def __init__(self) -> None:
        super().__init__()
        self.model = self.model_class()
        self.token = ""

    @initialize()
    def fresh_room(self) -> None:
        env = self.environment
        self.token = new_room(env.moderator, env.participant_id, f"{env.room_prefix} model", in_call=True)
        self._log(f"new room {self.token} (state 0, call running)")

    # helpers -------------------------------------------------------------------------------------

    def _log(self, line: str) -> None:
        self.environment.transcript.append(line)

    def _compare(self, what: str, response: Any, expected: Expected) -> None:
        actual = Expected(response.status_code, _error_of(response) if response.status_code >= 400 else None)
        self._log(f"{what} -> {actual.status} {actual.error or ''}".rstrip())
        if actual != expected:
            request = response.request
            body = request.body.encode() if isinstance(request.body, str) else request.body
            self._log(curl_command(request.method, request.url, dict(request.headers), body))
            raise AssertionError(
                f"{what} in room {self.token}: expected HTTP {expected.status} {expected.error or ''}, "
                f"got {actual.status} {actual.error or ''}: {response.text[:300]}"
            )

    def _messages(self) -> list[dict[str, Any]]:
        return self.environment.fake.received(self.token)

    # rules ---------------------------------------------------------------------------------------

    @rule(status=st.sampled_from([1, 2, 1, 2, 0, 3]))
    def start(self, status: int) -> None:
        before = len(self._messages())
        response = start_recording(self.environment.moderator, self.token, status)
        expected = self.model.start(status)
        self._compare(f"start status={status}", response, expected)
        sent = self._messages()[before:]
        if expected.status == 200:
            assert [m["type"] for m in sent] == ["start"], f"start must send one start message, sent {sent}"
            assert sent[0]["message"]["start"]["status"] == status, f"start message carries {sent[0]}"
        else:
            assert sent == [], f"a rejected start must not reach the recording server, sent {sent}"

    @rule(answer=st.sampled_from([200, 200, 404]))
    def stop(self, answer: int) -> None:
        self.environment.fake.answer(self.token, "stop", answer)
        before = len(self._messages())
        sends = self.model.stop_sends_message()
        response = stop_recording(self.environment.moderator, self.token)
        self._compare(f"stop (recording server answers {answer})", response, self.model.stop(answer))
        sent = self._messages()[before:]
        if sends:
            assert [m["type"] for m in sent] == ["stop"], f"stop must send one stop message, sent {sent}"
            stop = sent[0]["message"]["stop"]
            actor = stop.get("actor") if isinstance(stop, dict) else None
            assert actor == {"type": "users", "id": self.environment.moderator.name}, (
                f"stop message must carry the caller as actor, carried {sent[0]['message']}"
            )
        else:
            assert sent == [], f"stop in state 0 must not reach the recording server, sent {sent}"

    @rule(status=st.integers(min_value=0, max_value=5))
    def started(self, status: int) -> None:
        moderator = self.environment.moderator.name
        response = self.environment.backend.started(self.token, status, "users", moderator)
        if self.environment.guard is not None:
            self.environment.guard.note(response)  # a refused `started` counts as a brute-force attempt
        self._compare(f"backend started status={status}", response, self.model.started(status))

    @rule()
    def stopped(self) -> None:
        self._compare("backend stopped", self.environment.backend.stopped(self.token), self.model.stopped())

    @rule()
    def failed(self) -> None:
        self._compare("backend failed", self.environment.backend.failed(self.token), self.model.failed())

    @precondition(lambda self: self.model.call_active)
    @rule()
    def end_call(self) -> None:
        # Talk's reaction to a 404 at call end is not specified; keep this transition unambiguous.
        self.environment.fake.answer(self.token, "stop", 200)
        before = len(self._messages())
        sends = self.model.end_call_sends_stop()
        leave_call(self.environment.moderator, self.token, for_everyone=True)
        self.model.call_active = False
        self._log("end call")
        sent = self.environment.fake.wait_for(self.token, before + (1 if sends else 0), timeout=5)[before:]
        if sends:
            assert [m["type"] for m in sent] == ["stop"], f"call end must send one stop, sent {sent}"
            body = sent[0]["body"]
            assert sent[0]["message"]["stop"] in ([], {}), f"call-end stop carries no actor, sent {body}"
        else:
            assert sent == [], f"call end in state 0/5 must not reach the recording server, sent {sent}"

    @precondition(lambda self: not self.model.call_active)
    @rule()
    def rejoin_call(self) -> None:
        join_room(self.environment.moderator, self.token)
        join_call(self.environment.moderator, self.token)
        self.model.call_active = True
        self._log("rejoin call")

    def teardown(self) -> None:
        # Best effort: a live target should not keep a room per tried sequence.
        if self.token:
            with contextlib.suppress(SetupError):
                delete_room(self.environment.moderator, self.token)

    @invariant()
    def room_reports_model_state(self) -> None:
        if not self.token:
            return
        actual = call_recording(self.environment.moderator, self.token)
        assert actual == self.model.state, (
            f"room {self.token}: callRecording is {actual}, the model says {self.model.state}"
        )


def machine_for(
    environment: ModelEnvironment, seed: int | None = None, model_class: type[RecordingModel] = RecordingModel
) -> type[RecordingStatusMachine]:
    """A machine class bound to one environment (Hypothesis builds machines without arguments)."""
    attributes = {"environment": environment, "model_class": model_class}
    machine = type("RecordingStatusMachineUnderTest", (RecordingStatusMachine,), attributes)
    if seed is not None:
        machine = hypothesis.seed(seed)(machine)
    return machine


def model_settings(max_examples: int, step_count: int, *, derandomize: bool) -> hypothesis.settings:
    """Bounded, database-free settings: a CI run does the same thing every time."""
    return hypothesis.settings(
        max_examples=max_examples,
        stateful_step_count=step_count,
        deadline=None,
        derandomize=derandomize,
        database=None,
        suppress_health_check=list(hypothesis.HealthCheck),
        print_blob=True,
    )
