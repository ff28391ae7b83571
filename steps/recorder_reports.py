"""Steps: the recording server's answers, and what it reports and uploads to Talk afterwards."""

from __future__ import annotations

import time

from pytest_bdd import parsers, then

from conformance.recording_server_suite import schema_problem, stop_message
from steps.recorder_checks import expect_fields, expect_report, expect_upload
from steps.recorder_world import ACTOR_TYPE, FOR_THE_OWNER, RecorderWorld

# How long "nothing (more)" is watched for: a report triggered by the request would come sooner.
QUIET_SECONDS = 0.2


@then(parsers.re(r"the recording server answers (?P<status>\d+)$"))
def answers(recorder_world: RecorderWorld, status: str) -> None:
    exchange = recorder_world.exchange
    assert exchange is not None, "no request was sent"
    assert exchange.status == int(status), (
        f"{exchange.description}: expected {status}, got {exchange.answer()}"
    )


@then("the recording server answers 200 with a JSON document that has a version")
def answers_version(recorder_world: RecorderWorld) -> None:
    exchange = recorder_world.exchange
    assert exchange is not None and exchange.status == 200, (
        f"expected 200, got {exchange and exchange.describe()}"
    )
    try:
        document = exchange.json()
    except ValueError:
        raise AssertionError(f"expected a JSON document with a version, got {exchange.describe()}") from None
    problem = schema_problem("Welcome", document)
    assert problem is None, (
        f"expected a JSON object with a non-empty string `version` ({problem}), got {exchange.describe()}"
    )


@then("the recording server reports nothing about the room")
@then("the recording server reports nothing more about the room")
def reports_nothing(recorder_world: RecorderWorld) -> None:
    time.sleep(QUIET_SECONDS)
    arrived = recorder_world.received()
    assert not arrived, (
        f"after {recorder_world.sent_so_far()}, expected no report about room {recorder_world.token}; "
        f"received: {recorder_world.listing()}"
    )


@then(
    parsers.re(
        r"the recording server reports started for the room with status (?P<status>\d+)"
        r' and the actor "(?P<actor>[^"]+)"'
    )
)
def reports_started(recorder_world: RecorderWorld, status: str, actor: str) -> None:
    entry = expect_report(recorder_world, "started")
    expected = {
        "token": recorder_world.token,
        "status": int(status),
        "actor": {"type": ACTOR_TYPE, "id": actor},
    }
    expect_fields(entry, "started", expected, recorder_world)


@then("the recording server reports failed for the room")
def reports_failed(recorder_world: RecorderWorld) -> None:
    entry = expect_report(recorder_world, "failed")
    expect_fields(entry, "failed", {"token": recorder_world.token}, recorder_world)


@then(parsers.re(r'the recording server reports stopped for the room with the actor "(?P<actor>[^"]+)"'))
def reports_stopped(recorder_world: RecorderWorld, actor: str) -> None:
    entry = expect_report(recorder_world, "stopped")
    expected = {"token": recorder_world.token, "actor": {"type": ACTOR_TYPE, "id": actor}}
    expect_fields(entry, "stopped", expected, recorder_world)


@then("the recording server reports stopped for the room without an actor")
def reports_stopped_without_actor(recorder_world: RecorderWorld) -> None:
    entry = expect_report(recorder_world, "stopped")
    expect_fields(entry, "stopped", {"token": recorder_world.token, "actor": None}, recorder_world)


@then(
    parsers.re(
        r"the recording server then uploads the recording of the room as (?P<kind>\S+)" + FOR_THE_OWNER
    )
)
def uploads(recorder_world: RecorderWorld, kind: str, owner: str) -> None:
    expect_upload(recorder_world, kind, owner)


@then(parsers.re(r"a stop of the room still uploads the first recording, as (?P<kind>\S+)" + FOR_THE_OWNER))
def stop_uploads_first(recorder_world: RecorderWorld, kind: str, owner: str) -> None:
    recorder_world.send_message(stop_message(ACTOR_TYPE, owner), f"stop by {owner}")
    recorder_world.recording = False
    expect_upload(recorder_world, kind, owner)
