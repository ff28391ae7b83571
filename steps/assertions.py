"""Then steps: status, OCS envelope, error, contract, and the observable effects on the target."""

from __future__ import annotations

import functools
import json
import re
import time
from typing import Any

from pytest_bdd import parsers, then

from conformance.outcomes import SetupError
from conformance.protocol import RECORDING_STATES, answer_of_response, track_key_reads
from conformance.target import WELCOME, chat_messages
from steps.recording_server import (
    SAMPLES,
    file_parameter,
    notification_for,
    php_json,
    recording_notifications,
)
from steps.world import (
    EFFECT_TIMEOUT,
    NO_RECORDING_MESSAGE_SINCE,
    REQUEST,
    STATUS_IS,
    Exchange,
    World,
    poll,
)

SETTLE_INTERVAL = 0.2

NOT_LOGGED_IN = "Current user is not logged in"
ROUTE_MISS_STATUSCODE = 998  # OCS statuscode of a request no route matches (HTTP 404)
SERVER_ERROR_STATUSCODE = 996  # OCS statuscode of an uncaught exception (HTTP 500)


@functools.cache
def _contract() -> Any:
    try:
        from conformance.protocol import load_contract
    except ImportError as error:
        raise SetupError(f"the response contract (conformance.protocol) cannot be loaded: {error}") from None
    return load_contract()


def check_contract(world: World, exchange: Exchange) -> None:
    """The response must be documented by openapi/recording.yaml for its operation."""
    from conformance.protocol import ContractViolation

    try:
        _contract().check_response(exchange.response)
    except ContractViolation as violation:
        raise AssertionError(
            world.explain(f"the response breaks the contract: {violation}", exchange=exchange)
        ) from None


def ocs_body(world: World, exchange: Exchange) -> dict[str, Any]:
    """The decoded OCS envelope, with a readable failure when it is not one."""
    response = exchange.response
    try:
        body = track_key_reads(response.json(), response.request.method or "GET", response.request.url or "")
        meta, data = body["ocs"]["meta"], body["ocs"]["data"]
    except (ValueError, KeyError, TypeError):
        raise AssertionError(
            world.explain("the response is not an OCS JSON envelope", exchange=exchange)
        ) from None
    return {"meta": meta, "data": data}


def judged(world: World, request: str) -> Exchange:
    """The named request's exchange, whose answer the step now judges (expectations pin that answer)."""
    exchange = world.exchange(request)
    world.assertions.judging(answer_of_response(exchange.response))
    return exchange


def expect_status(world: World, status: int, request: str = "request") -> Exchange:
    """The named request's response has the status; then it must also satisfy the contract."""
    exchange = judged(world, request)
    actual = exchange.response.status_code
    assert actual == status, world.explain(f"the target answered HTTP {actual}", f"HTTP {status}", exchange)
    check_contract(world, exchange)
    return exchange


def expect_envelope(world: World, exchange: Exchange, statuscode: int | None = None) -> dict[str, Any]:
    """meta.status is "ok" iff 2xx, meta.statuscode equals the HTTP status (or the given code)."""
    body = ocs_body(world, exchange)
    meta = body["meta"]
    status = exchange.response.status_code
    expected_status = "ok" if 200 <= status < 300 else "failure"
    expected_code = statuscode if statuscode is not None else status
    assert meta.get("status") == expected_status, world.explain(
        f"meta.status is {meta.get('status')!r}", repr(expected_status), exchange
    )
    assert meta.get("statuscode") == expected_code, world.explain(
        f"meta.statuscode is {meta.get('statuscode')!r}", repr(expected_code), exchange
    )
    return body


def asserted(
    world: World, exchange: Exchange, statuscode: int | None = None, error: str | None = None
) -> None:
    """Record what a status step checked about the request, for the coverage matrix."""
    world.assertions.response(exchange.operation, exchange.response.status_code, statuscode, error)


def expect_data(world: World, exchange: Exchange, body: dict[str, Any], expected: Any, shown: str) -> None:
    """`data` of the envelope is exactly the expected value."""
    assert body["data"] == expected, world.explain(f"data is {body['data']!r}", shown, exchange)


def expect_answer(
    world: World, request: str, status: int, data: Any, statuscode: int | None = None
) -> tuple[Exchange, dict[str, Any]]:
    """The status, a consistent OCS envelope (with `statuscode` where it is not the status) and exactly this
    `data`; recorded for the coverage matrix with the error `data` names. The exchange and its envelope."""
    exchange = expect_status(world, status, request)
    body = expect_envelope(world, exchange, statuscode)
    expect_data(world, exchange, body, data, json.dumps(data))
    error = data.get("error") if isinstance(data, dict) else None
    asserted(world, exchange, status if statuscode is None else statuscode, error)
    return exchange, body


@then(parsers.re(REQUEST + " succeeds"))
def request_succeeds(world: World, request: str) -> None:
    """200 with `data: null`."""
    expect_answer(world, request, 200, None)


@then(parsers.re(REQUEST + " succeeds with the recording server's welcome message"))
def request_succeeds_with_welcome(world: World, request: str) -> None:
    """200 with the recording server's own welcome JSON as data."""
    exchange = expect_status(world, 200, request)
    body = expect_envelope(world, exchange)
    if world.profile.configure_recording:
        expect_data(world, exchange, body, WELCOME, json.dumps(WELCOME))
    else:  # the target talks to a recording server the suite does not control
        assert isinstance(body["data"], dict), world.explain(
            f"data is {body['data']!r}", "a JSON object", exchange
        )
    asserted(world, exchange, 200)


@then(parsers.re(REQUEST + r' is refused with status (?P<status>\d+) and error "(?P<error>[^"]+)"'))
def refused_with_error(world: World, request: str, status: str, error: str) -> None:
    """An OCS error with `data: {"error": <reason>}`."""
    expect_answer(world, request, int(status), {"error": error})


@then(parsers.re(REQUEST + r' is refused with status (?P<status>\d+) and error code "(?P<code>[^"]+)"'))
def refused_with_error_code(world: World, request: str, status: str, code: str) -> None:
    """An OCS error with `data: {"type": "error", "error": {"code": <code>, "message": ...}}`."""
    exchange = expect_status(world, int(status), request)
    body = expect_envelope(world, exchange)
    data = body["data"]
    error = data.get("error") if isinstance(data, dict) else None
    shape_ok = isinstance(data, dict) and data.get("type") == "error" and isinstance(error, dict)
    assert shape_ok and error.get("code") == code and isinstance(error.get("message"), str), world.explain(
        f"data is {data!r}", f'{{"type": "error", "error": {{"code": "{code}", "message": "..."}}}}', exchange
    )
    asserted(world, exchange, int(status), code)


@then(parsers.re(REQUEST + r" is refused with status (?P<status>\d+)"))
def refused_by_middleware(world: World, request: str, status: str) -> None:
    """A middleware error: the OCS envelope with `data: []`."""
    expect_answer(world, request, int(status), [])


@then(parsers.re(REQUEST + " is refused with status 404 and no data"))
def refused_without_data(world: World, request: str) -> None:
    """404 with `data: null` (unknown recording server index)."""
    expect_answer(world, request, 404, None)


@then(parsers.re(REQUEST + " is refused because the caller is not logged in"))
def refused_not_logged_in(world: World, request: str) -> None:
    """401 with OCS statuscode 997, Nextcloud's message and `data: []`."""
    exchange, body = expect_answer(world, request, 401, [], statuscode=997)
    said = body["meta"].get("message")
    assert said == NOT_LOGGED_IN, world.explain(f"meta.message is {said!r}", repr(NOT_LOGGED_IN), exchange)


@then(parsers.re(REQUEST + " is refused by the CSRF check"))
def refused_by_csrf_check(world: World, request: str) -> None:
    """412 with the plain JSON body of Nextcloud's security middleware (no OCS envelope)."""
    exchange = expect_status(world, 412, request)
    try:
        body = exchange.response.json()
    except ValueError:
        body = None
    assert body == {"message": "CSRF check failed"}, world.explain(
        "the body is not the CSRF failure", '{"message": "CSRF check failed"}', exchange
    )
    asserted(world, exchange)


@then(parsers.re(REQUEST + " matches no route"))
def request_matches_no_route(world: World, request: str) -> None:
    """Nextcloud's router answer: 404 with OCS statuscode 998 and `data: []`."""
    expect_answer(world, request, 404, [], statuscode=ROUTE_MISS_STATUSCODE)


@then(parsers.re(REQUEST + " fails with status 500 and OCS statuscode 996"))
def request_fails_with_exception(world: World, request: str) -> None:
    """Nextcloud's answer to an uncaught exception: 500, OCS statuscode 996, `data: []` (JSON or XML)."""
    exchange = expect_status(world, 500, request)
    response = exchange.response
    if "xml" in response.headers.get("Content-Type", ""):
        found = re.search(rf"<statuscode>{SERVER_ERROR_STATUSCODE}</statuscode>", response.text)
        assert found, world.explain(f"no OCS statuscode {SERVER_ERROR_STATUSCODE}", exchange=exchange)
    else:
        body = expect_envelope(world, exchange, statuscode=SERVER_ERROR_STATUSCODE)
        expect_data(world, exchange, body, [], "[]")
    asserted(world, exchange, SERVER_ERROR_STATUSCODE)


def unknown_type_message_of(decoded: object, talk_release: int) -> str:
    """The text of unknown_type in a Talk release (register X43): older ones as 22, newer ones as 23."""
    if talk_release <= 22:
        # Talk 22 repeats the whole decoded body the way PHP's json_encode writes it
        return f"The given type {php_json(decoded)} is not supported."
    return "The given request is not supported."


@then("the error message says that the report's type is not supported")
def unknown_type_message(world: World) -> None:
    """The text of the target's release (the preflight read it from the capabilities; register X43)."""
    exchange = judged(world, "report")
    try:
        decoded = json.loads(exchange.sent_body or b"")
    except ValueError:
        decoded = None
    expected = unknown_type_message_of(decoded, world.run.target_release.major)
    message = ocs_body(world, exchange)["data"]["error"].get("message")
    assert message == expected, world.explain(f"the message is {message!r}", repr(expected), exchange)


# --- state of the room ----------------------------------------------------------------------------


@then(parsers.re(STATUS_IS))
def recording_status_is(world: World, state: str) -> None:
    """callRecording as read through the Talk room API."""
    # The target changes the status within the request that caused it, so one read suffices.
    expected = RECORDING_STATES[state]
    actual = world.recording_status()
    assert actual == expected, world.explain(f"the room's callRecording is {actual}", f"{expected} ({state})")
    # What the latest action did to the status, when it was a request the target accepted.
    latest = world.latest_exchange()
    accepted = latest is not None and latest.response is not None and latest.response.ok
    if accepted and latest.status_before is not None:
        world.assertions.transition(latest.operation, latest.status_before, actual, latest.trigger)


def settled_status(world: World) -> int:
    """The room's recording status once two reads a moment apart agree (effects of the action are done)."""
    status = world.recording_status()
    deadline = time.monotonic() + EFFECT_TIMEOUT
    while time.monotonic() < deadline:
        time.sleep(SETTLE_INTERVAL)
        again = world.recording_status()
        if again == status:
            return status
        status = again
    return status


def _system_messages(world: World) -> list[dict[str, Any]]:
    return [
        message
        for message in chat_messages(world.session("moderator"), world.room)
        if message.get("systemMessage")
    ]


# Talk's actor for a recording_failed message the recording server reports: a guest without a session.
GUEST_WITHOUT_SESSION = ("guests", "failed-to-get-session", "")


def _actor_of(world: World, who: str) -> tuple[str, str, str] | tuple[str, str]:
    """(actor type, id[, display name]) of a message author named in a step."""
    if who == "a guest without a session":
        return GUEST_WITHOUT_SESSION
    if who == "the moderator":
        return ("users", world.user_id("moderator"))
    # A misspelt author must not silently become the moderator and let the row pass.
    raise SetupError(f"unknown author {who!r}: write 'the moderator' or 'a guest without a session'")


def _posted_by(message: dict[str, Any], actor: tuple[str, ...]) -> bool:
    fields = (message.get("actorType"), message.get("actorId"), message.get("actorDisplayName"))
    return fields[: len(actor)] == actor


def _summary(messages: list[dict[str, Any]]) -> str:
    fields = ("systemMessage", "actorType", "actorId", "actorDisplayName")
    return json.dumps([[message.get(field) for field in fields] for message in messages])


BY = r"(?: by (?P<by>the moderator|a guest without a session))?"


@then(parsers.re(r'the chat shows the system message "(?P<name>[a-z_]+)"' + BY))
def chat_shows_system_message(world: World, name: str, by: str | None) -> None:
    """A system message of that kind appears (by that author, when stated: type, id and display name)."""
    actor = _actor_of(world, by) if by else None

    def matching() -> list[dict[str, Any]]:
        return [
            message
            for message in _system_messages(world)
            if message.get("systemMessage") == name and (actor is None or _posted_by(message, actor))
        ]

    found = poll(matching)
    assert found, world.explain(
        "the chat's system messages are " + _summary(_system_messages(world)),
        f"{name!r}" + (f" by {'/'.join(actor)}" if actor else ""),
    )


@then("the chat's system messages are, oldest first:")
def chat_system_messages_are(world: World, datatable: list[list[str]]) -> None:
    """Exactly these system messages, in this order, each by the author named in the table."""
    header, *rows = datatable
    if header != ["message", "by"]:
        raise SetupError(f"the table must have the columns message, by; it has {header}")
    expected = [(name, _actor_of(world, who)) for name, who in rows]

    def agrees(messages: list[dict[str, Any]]) -> bool:
        return len(messages) == len(expected) and all(
            message.get("systemMessage") == name and _posted_by(message, actor)
            for message, (name, actor) in zip(messages, expected, strict=True)
        )

    seen: list[list[dict[str, Any]]] = []

    def listed_in_order() -> bool:
        seen.append(list(reversed(_system_messages(world))))  # the chat API lists newest first
        return agrees(seen[-1])

    poll(listed_in_order)
    messages = seen[-1]
    assert agrees(messages), world.explain(
        "the chat's system messages, oldest first, are " + _summary(messages),
        json.dumps([[name, *actor] for name, actor in expected]),
    )


@then(NO_RECORDING_MESSAGE_SINCE)
def chat_shows_no_recording_message(world: World) -> None:
    """No recording system message of any kind was posted since the latest action, read once it settled."""
    latest = world.latest_exchange()
    if latest is None:
        raise SetupError("no action was taken before checking what it posted")
    if latest.chat_mark is None:
        raise SetupError("the chat was not read before the action, so what it posted since is unknown")
    settled_status(world)
    posted = [
        [message.get("systemMessage"), message.get("actorType"), message.get("actorId")]
        for message in _system_messages(world)
        if int(message.get("id", 0)) > latest.chat_mark and "recording" in str(message.get("systemMessage"))
    ]
    assert not posted, world.explain(
        f"the chat got recording system messages {json.dumps(posted)}", "none", latest
    )


@then(parsers.re(r'the chat shows no "(?P<name>[a-z_]+)" system message'))
def chat_shows_no_system_message(world: World, name: str) -> None:
    """No system message of that kind was posted."""
    names = [message.get("systemMessage") for message in _system_messages(world)]
    assert name not in names, world.explain(f"the chat's system messages are {names}", f"no {name!r}")


@then(parsers.re(r"the chat shows the recording shared by the (?P<role>moderator|participant)"))
def chat_shows_shared_recording(world: World, role: str) -> None:
    """A chat message by that user shares the stored file as a recording."""
    if world.stored_file is None:
        raise SetupError("the scenario has no stored recording (missing Given step)")
    file_id = str(world.stored_file["id"])

    def shared() -> list[dict[str, Any]]:
        messages = chat_messages(world.session("moderator"), world.room)
        return [
            message
            for message in messages
            if str((message.get("messageParameters") or {}).get("file", {}).get("id")) == file_id
        ]

    found = poll(shared)
    assert found, world.explain(f"no chat message shares file {file_id}")
    kinds = {message.get("messageType") for message in found}
    assert "record-video" in kinds, world.explain(f"the shared file's messageType is {kinds}", "record-video")
    sharer = ("users", world.user_id(role))
    actors = [(message.get("actorType"), message.get("actorId")) for message in found]
    assert sharer in actors, world.explain(f"the message sharing the file is by {actors}", "/".join(sharer))


# --- notifications --------------------------------------------------------------------------------


@then(
    parsers.re(
        r'the (?P<role>moderator|participant) is notified that the recording "(?P<name>[^"]+)" is available'
    )
)
def notified_recording_available(world: World, role: str, name: str) -> None:
    """A "recording stored" notification names the uploaded file."""
    sample = SAMPLES[name]()
    notification = notification_for(world, role, sample.filename)
    assert notification is not None, world.explain(
        f"the {role}'s recording notifications are "
        + json.dumps([file_parameter(n) for n in recording_notifications(world, role)]),
        f"one for the file {sample.filename!r}",
    )
    # The file lands in the owner's recording folder, in a sub-folder named after the room. Real Talk's
    # `file` parameter is exactly type, id, name, path and link: no mimetype to check.
    file = file_parameter(notification)
    expected_tail = f"{world.room}/{sample.filename}"
    assert str(file.get("path", "")).endswith(expected_tail), world.explain(
        f"the stored file's path is {file.get('path')!r}", f"a path ending in {expected_tail!r}"
    )
    assert file.get("type") == "file", world.explain(
        f"the file parameter's type is {file.get('type')!r}", "'file'"
    )


@then(parsers.re(r"the (?P<role>moderator|participant) has no notification about a stored recording"))
def no_recording_notification(world: World, role: str) -> None:
    """Nothing announces a stored recording for this room (any more)."""
    left = recording_notifications(world, role)
    assert not left, world.explain(
        f"the {role} still has {len(left)} recording notification(s): "
        + json.dumps([file_parameter(n) for n in left]),
        "none",
    )
