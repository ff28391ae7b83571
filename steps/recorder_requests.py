"""Steps: Talk's requests to the recording server, well-formed and deliberately flawed."""

from __future__ import annotations

from pytest_bdd import given, parsers, when

from conformance.recording_server_suite import checksum, start_message, stop_message, talk_json, talk_random
from steps.recorder_checks import expect_report
from steps.recorder_world import ACTOR_TYPE, FOR_THE_OWNER, RecorderWorld, new_token

UNKNOWN_BACKEND = "http://backend-unknown-to-the-recording-server.invalid/"
OVERSIZED_BYTES = 64 * 1024


def _start(owner: str = "alice", status: int = 1) -> dict:
    return start_message(status, owner, ACTOR_TYPE, owner)


@when("Talk asks the recording server for its welcome document")
def ask_welcome(recorder_world: RecorderWorld) -> None:
    recorder_world.exchange = recorder_world.run.talk.welcome()


@when(
    parsers.re(
        r"Talk sends a start (?P<flaw>without the Talk-Recording-Backend header|"
        r"from a backend the recording server does not know|without the Talk-Recording-Random header|"
        r"without the Talk-Recording-Checksum header|with a wrong checksum)"
    )
)
def send_flawed_start(recorder_world: RecorderWorld, flaw: str) -> None:
    body = talk_json(_start())
    secret = recorder_world.run.talk.secret
    what = f"start {flaw}"
    if flaw == "without the Talk-Recording-Backend header":
        recorder_world.send(body, what, omit=("Talk-Recording-Backend",))
    elif flaw == "from a backend the recording server does not know":
        recorder_world.send(body, what, backend=UNKNOWN_BACKEND)
    elif flaw == "without the Talk-Recording-Random header":
        # The checksum a server would accept if it took a missing random for an empty one.
        recorder_world.send(body, what, omit=("Talk-Recording-Random",), signature=checksum(secret, "", body))
    elif flaw == "without the Talk-Recording-Checksum header":
        recorder_world.send(body, what, omit=("Talk-Recording-Checksum",))
    else:
        wrong = checksum(secret + "-not-the-shared-secret", talk_random(), body)
        recorder_world.send(body, what, signature=wrong)
    recorder_world.recording = recorder_world.exchange is not None and recorder_world.exchange.status == 200


@when(parsers.re(r"Talk sends (?P<body>no body|an empty body|a body of 64 KiB) with a wrong checksum"))
def send_bad_body(recorder_world: RecorderWorld, body: str) -> None:
    wrong = "0" * 64
    if body == "no body":
        recorder_world.send(None, "no body, no Content-Length, wrong checksum", signature=wrong)
    elif body == "an empty body":
        recorder_world.send(b"", "empty body, wrong checksum", signature=wrong)
    else:
        message = _start()
        message["start"]["padding"] = ""
        filler = OVERSIZED_BYTES - len(talk_json(message))
        message["start"]["padding"] = "x" * filler
        recorder_world.send(
            talk_json(message), f"start of {OVERSIZED_BYTES} bytes, wrong checksum", signature=wrong
        )


@when("Talk sends a signed body that is not JSON")
def send_not_json(recorder_world: RecorderWorld) -> None:
    recorder_world.send(b'{"type":"start","start":', "signed body that is not JSON")


@when(parsers.re(r"Talk sends a signed start (?P<flaw>without a type|whose type is unknown)"))
def send_untyped(recorder_world: RecorderWorld, flaw: str) -> None:
    message = _start()
    if flaw == "without a type":
        del message["type"]
    else:
        message["type"] = "begin"
    recorder_world.send_message(message, f"signed start {flaw}")


@when(
    parsers.re(
        r"Talk sends a signed start without (?P<field>start|start\.owner|start\.actor|start\.actor\.type|"
        r"start\.actor\.id)$"
    )
)
def send_start_without(recorder_world: RecorderWorld, field: str) -> None:
    message = _start()
    *parents, last = field.split(".")
    holder = message
    for name in parents:
        holder = holder[name]
    del holder[last]
    recorder_world.send_message(message, f"signed start without {field}")


@when("Talk sends a signed stop without its stop object")
def send_stop_without_object(recorder_world: RecorderWorld) -> None:
    recorder_world.send_message({"type": "stop"}, "signed stop without its stop object")


@when("Talk stops the recording of a room the recording server is not recording")
def stop_unknown_room(recorder_world: RecorderWorld) -> None:
    recorder_world.token = new_token()
    recorder_world.send_message(stop_message(ACTOR_TYPE, "alice"), "stop of a room not being recorded")


@when(parsers.re(r"Talk starts a recording of the room with status (?P<status>\d+)" + FOR_THE_OWNER))
def start_recording(recorder_world: RecorderWorld, status: str, owner: str) -> None:
    recorder_world.send_message(_start(owner, int(status)), f"start, status {status}, owner {owner}")
    recorder_world.recording = recorder_world.exchange.status == 200


@when(parsers.re(r"Talk starts a recording of the room again with status (?P<status>\d+)" + FOR_THE_OWNER))
def start_again(recorder_world: RecorderWorld, status: str, owner: str) -> None:
    recorder_world.send_message(_start(owner, int(status)), f"second start, status {status}, owner {owner}")


@when(parsers.re(r'Talk stops the recording of the room as "(?P<actor>[^"]+)"'))
def stop_recording(recorder_world: RecorderWorld, actor: str) -> None:
    recorder_world.send_message(stop_message(ACTOR_TYPE, actor), f"stop by {actor}")
    recorder_world.recording = False


@when("Talk stops the recording of the room without an actor")
def stop_without_actor(recorder_world: RecorderWorld) -> None:
    recorder_world.send_message(stop_message(None, None), "stop without an actor (the call ended)")
    recorder_world.recording = False


@when("Talk stops it again while the stopped report waits for an answer")
def stop_while_stopping(recorder_world: RecorderWorld) -> None:
    stand_in = recorder_world.run.stand_in
    held = stand_in.wait_for(
        recorder_world.token, lambda entry: entry.report_type == "stopped", recorder_world.report_timeout
    )
    assert held is not None, (
        f"after {recorder_world.sent_so_far()}, expected a stopped report within "
        f"{recorder_world.report_timeout:g}s; received: {recorder_world.listing()}"
    )
    try:
        recorder_world.send_message(stop_message(ACTOR_TYPE, "alice"), "stop while the recording is stopping")
    finally:
        stand_in.release(recorder_world.token)


# --- arrangements -------------------------------------------------------------------------------


@given(parsers.re(r"the recording server is recording the room with status (?P<status>\d+)" + FOR_THE_OWNER))
def recording_room(recorder_world: RecorderWorld, status: str, owner: str) -> None:
    start_recording(recorder_world, status, owner)
    assert recorder_world.exchange.status == 200, f"expected 200 for {recorder_world.exchange.describe()}"
    expect_report(recorder_world, "started")


@given("Talk refuses the started report of the room")
def refuse_started(recorder_world: RecorderWorld) -> None:
    recorder_world.run.stand_in.refuse_started(recorder_world.token)


@given("the recording of the room has failed")
def recording_failed(recorder_world: RecorderWorld) -> None:
    refuse_started(recorder_world)
    start_recording(recorder_world, "1", "alice")
    expect_report(recorder_world, "failed")
    recorder_world.run.stand_in.refuse_started(recorder_world.token, refuse=False)
    recorder_world.recording = False


@given("Talk is slow to accept the stopped report of the room")
def slow_stopped(recorder_world: RecorderWorld) -> None:
    recorder_world.run.stand_in.hold_stopped(recorder_world.token)
