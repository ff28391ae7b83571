"""Steps where the suite plays the recording server: scripting the fake, reports and uploads."""

from __future__ import annotations

import contextlib
import json
from datetime import datetime
from typing import Any

import requests
from pytest_bdd import given, parsers, then, when

from conformance import progress_lines, protocol
from conformance.outcomes import SetupError, Unsupported
from conformance.target import (
    NOT_JSON,
    SIGNALING_SERVER,
    UNREACHABLE,
    BruteForceResetUnavailable,
    SignatureFactory,
    clear_brute_force_attempts,
    failed_message,
    notifications_of,
    started_message,
    stopped_message,
    throttled_timeout,
)
from steps.recording_requests import unknown_token
from steps.world import World, poll

BAD_SIGNATURES: dict[str, SignatureFactory] = {
    "a checksum of another secret": protocol.signature_with_wrong_secret,
    "a random shorter than 32 bytes": protocol.signature_with_short_random,
    "no random": protocol.signature_without_random,
    "no checksum": protocol.signature_without_checksum,
}
SIGNATURES: dict[str, SignatureFactory] = {
    **BAD_SIGNATURES,
    "an uppercase checksum": protocol.signature_with_uppercase_checksum,
}
SIGNATURE = "(?P<signature>" + "|".join(SIGNATURES) + ")"

SAMPLES = {
    "video webm": protocol.video_webm,
    "audio ogg": protocol.audio_ogg,
    "video ogv": protocol.video_ogv,
    "video mkv": protocol.video_mkv,
    "video mp4": protocol.video_mp4,
    "empty file": protocol.empty_file,
    "text file": protocol.text_file,
    "webm named ogg": protocol.webm_named_ogg,
    "webm without extension": protocol.webm_without_extension,
}
OWNER = "(?P<owner>the moderator|the participant|the outsider|an empty owner)"
NO_CSRF = r"(?P<no_csrf> without the OCS-APIRequest header)?"


def sample(name: str) -> protocol.Sample:
    """A sample recording by its name in the feature files."""
    if name not in SAMPLES:
        raise SetupError(f"no sample recording called {name!r}; known: {', '.join(SAMPLES)}")
    return SAMPLES[name]()


def expect_brute_force_attempts(world: World) -> None:
    """The scenario makes the target count failed attempts: wait out its delays, clear them afterwards."""
    if world.brute_force_reset_planned:
        return
    world.brute_force_reset_planned = True
    # A target outside testing mode sleeps before and after each throttled request (up to 25 s each).
    world.recording_server.timeout = throttled_timeout(world.timeout)
    if world.reset_around_it:
        return  # a @disruptive scenario: the plugin clears the attempts after it anyway
    admin = world.session("administrator") if world.profile.admin is not None else None

    def clear() -> None:
        with contextlib.suppress(BruteForceResetUnavailable):
            clear_brute_force_attempts(world.profile, admin, world.redactor)

    world.on_teardown(clear)


def php_json(value: Any) -> str:
    """PHP json_encode of decoded JSON: compact, ASCII-only, slashes escaped, {} as []."""
    if value == {}:
        return "[]"
    if isinstance(value, dict):
        return "{" + ",".join(f"{php_json(str(key))}:{php_json(item)}" for key, item in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ",".join(php_json(item) for item in value) + "]"
    return json.dumps(value, ensure_ascii=True).replace("/", "\\/")


# --- scripting the fake ----------------------------------------------------------------------------


@given(
    parsers.re(
        r"the recording server's welcome endpoint (?P<behaviour>is unreachable"
        r"|answers with something that is not JSON|answers like a signaling server)"
    )
)
def script_welcome(world: World, behaviour: str) -> None:
    """Make the fake's welcome endpoint misbehave for this (exclusive) scenario."""
    answers = {
        "is unreachable": UNREACHABLE,
        "answers with something that is not JSON": NOT_JSON,
        "answers like a signaling server": SIGNALING_SERVER,
    }
    world.fake.answer_welcome(answers[behaviour])
    world.on_teardown(lambda: world.fake.answer_welcome(200))


@given(parsers.re(r'the recording server will answer (?P<kind>start|stop) requests with "(?P<answer>[^"]+)"'))
def script_answer(world: World, kind: str, answer: str) -> None:
    """Make the fake answer the target's start/stop requests for this room with a status or not at all."""
    world.fake.answer(world.room, kind, answer if answer == UNREACHABLE else int(answer))
    world.scripted_answers[kind] = answer


# --- reports (backend callbacks) -------------------------------------------------------------------

OUTCOME = (
    r"(?P<outcome>started as (?:video|audio) by the moderator|stopped by the moderator"
    r"|stopped without an actor|failed)"
)


def report_message(world: World, outcome: str, token: str) -> dict[str, Any]:
    """The callback body for an outcome phrase of the feature files."""
    if outcome.startswith("started as "):
        kind = outcome.split()[2]
        return started_message(token, protocol.RECORDING_KINDS[kind], "users", world.user_id("moderator"))
    if outcome == "stopped by the moderator":
        return stopped_message(token, "users", world.user_id("moderator"))
    if outcome == "stopped without an actor":
        return stopped_message(token)
    return failed_message(token)


def send_report(
    world: World, message: Any, signature_factory: SignatureFactory = protocol.sign, csrf_header: bool = True
) -> requests.Response | None:
    """Send a report exactly as the recording server would and keep the answer."""
    body = json.dumps(message).encode()
    signature = signature_factory(world.profile.recording_secret, body)
    trigger = message.get("type") if isinstance(message, dict) else None
    return world.act(lambda: world.recording_server.post_body(body, signature, csrf_header), body, trigger)


@when(
    parsers.re(
        r"the recording server reports that the recording "
        + OUTCOME
        + r"(?: with "
        + SIGNATURE
        + r")?(?P<where> in an unknown conversation)?"
        + NO_CSRF
    )
)
def report(world: World, outcome: str, signature: str | None, where: str | None, no_csrf: str | None) -> None:
    """The recording server reports an outcome, optionally signed wrongly or about an unknown room."""
    if signature in BAD_SIGNATURES:
        expect_brute_force_attempts(world)
    if outcome.startswith("started"):
        # A refused `started` counts as a brute-force attempt of its own kind.
        expect_brute_force_attempts(world)
    token = unknown_token(world) if where else world.room
    message = report_message(world, outcome, token)
    send_report(world, message, SIGNATURES.get(signature or "", protocol.sign), csrf_header=not no_csrf)


def malformed_report(world: World, report: str) -> bytes:
    """The raw body for a malformed-report phrase of the feature files."""
    token = world.room
    actor = {"type": "users", "id": world.user_id("moderator")}
    bodies: dict[str, Any] = {
        'of type "paused" for the conversation': {"type": "paused", "paused": {"token": token}},
        "without a type for the conversation": {"failed": {"token": token}},
        '"started" without a status': {"type": "started", "started": {"token": token, "actor": actor}},
        '"started" without an actor': {"type": "started", "started": {"token": token, "status": 1}},
        '"started" with status 9': {
            "type": "started",
            "started": {"token": token, "status": 9, "actor": actor},
        },
        '"started" with the status as text': {
            "type": "started",
            "started": {"token": token, "status": "video", "actor": actor},
        },
        '"stopped" with a numeric token': {"type": "stopped", "stopped": {"token": 12345678}},
        '"failed" without its details': {"type": "failed"},
    }
    if report == '"this is not JSON"':
        return b"this is not JSON"
    if report not in bodies:
        raise SetupError(f"no malformed report called {report!r}")
    return json.dumps(bodies[report]).encode()


@when(parsers.re(r"the recording server sends the report (?P<report>.+)"))
def send_malformed_report(world: World, report: str) -> None:
    """Send a correctly signed body that is not a valid report."""
    body = malformed_report(world, report)
    world.act(lambda: world.recording_server.post_body(body), body)


# --- uploads (store) -------------------------------------------------------------------------------


def owner_id(world: World, owner: str) -> str:
    """The owner form field for an owner phrase."""
    return "" if owner == "an empty owner" else world.user_id(owner.removeprefix("the "))


def upload(
    world: World, owner: str | None, upload_sample: protocol.Sample | None, **kwargs: Any
) -> requests.Response | None:
    """Upload as the recording server and keep the answer."""
    token = kwargs.pop("token", world.room)
    response = world.act(lambda: world.recording_server.store(token, owner, upload_sample, **kwargs))
    if response is not None and response.status_code == 200 and owner:
        world.note_on_target("stored", token, owner)
    return response


@when(
    parsers.re(
        r'the recording server uploads "(?P<name>[^"]+)" for '
        + OWNER
        + r"(?: with "
        + SIGNATURE
        + r")?(?P<where> in an unknown conversation)?"
        + NO_CSRF
    )
)
def upload_sample(
    world: World, name: str, owner: str, signature: str | None, where: str | None, no_csrf: str | None
) -> None:
    """Upload a sample for an owner, optionally signed wrongly or for an unknown room."""
    if signature in BAD_SIGNATURES:
        expect_brute_force_attempts(world)
    token = unknown_token(world) if where else world.room
    factory = SIGNATURES.get(signature or "", protocol.sign)
    upload(
        world,
        owner_id(world, owner),
        sample(name),
        signature_factory=factory,
        token=token,
        csrf_header=not no_csrf,
    )


@when(parsers.re(r'the recording server uploads "(?P<name>[^"]+)" without an owner'))
def upload_without_owner(world: World, name: str) -> None:
    """Leave out the owner field (what PHP makes of a body above post_max_size)."""
    upload(world, None, sample(name))


@when("the recording server uploads no file for the moderator")
def upload_without_file(world: World) -> None:
    """Send the owner field but no file part."""
    upload(world, world.user_id("moderator"), None)


@when("the recording server uploads a video larger than the upload limit for the moderator")
def upload_too_large(world: World) -> None:
    """A well-formed WebM just above the target's upload limit."""
    limit = world.profile.upload_limit_bytes
    if limit is None:
        raise Unsupported("the profile does not give the target's upload limit (upload_limit_bytes)")
    upload(world, world.user_id("moderator"), protocol.oversized_webm(limit))


@when(
    parsers.re(
        r'the recording server uploads "(?P<name>[^"]+)" for the moderator'
        r" with a MAX_FILE_SIZE of (?P<size>\d+) bytes"
    )
)
def upload_above_max_file_size(world: World, name: str, size: str) -> None:
    """A PHP-style MAX_FILE_SIZE form field before the file that the file exceeds."""
    upload(world, world.user_id("moderator"), sample(name), max_file_size=int(size))


@given(
    parsers.re(r"the recording server has sent (?P<count>\d+) (?P<what>uploads|reports) with " + SIGNATURE)
)
def repeated_bad_signatures(world: World, count: str, what: str, signature: str) -> None:
    """Fail the signature check repeatedly from the suite's address (store: 401, backend: 403)."""
    expect_brute_force_attempts(world)
    refused = 401 if what == "uploads" else 403
    throttled = False
    progress_lines.announce_wait(
        f"{world.scenario!r} sends {count} {what} with bad signatures; a target that throttles"
        f" sleeps before and after each answer (at most {world.recording_server.timeout:g} s each)",
        int(count) * world.recording_server.timeout,
    )
    for attempt in range(1, int(count) + 1):
        with world.preparing():
            if what == "uploads":
                factory = SIGNATURES[signature]
                response = upload(
                    world, world.user_id("moderator"), sample("video webm"), signature_factory=factory
                )
            else:
                response = send_report(world, failed_message(world.room), SIGNATURES[signature])
        assert response is not None
        status = response.status_code
        # Nextcloud answers the request that crosses the limit with 500 (MaxDelayReached, X41), then 429.
        allowed = (429,) if throttled else (refused, 429, 500)
        if status not in allowed:
            # Accepting a wrongly signed request is the target's fault, not a broken setup.
            expected = "429 (the limit was reached)" if throttled else f"{refused}, or 429/500 at the limit"
            raise AssertionError(
                world.redactor.text(
                    f"scenario {world.scenario!r}: bad {what[:-1]} {attempt} of {count} answered {status}\n"
                    f"expected: {expected}\nrequest: {response.request.method} {response.request.path_url}\n"
                    f"response: {response.text[:200]!r}"
                )
            )
        throttled = throttled or status in (429, 500)


def recording_notifications(world: World, role: str) -> list[dict[str, Any]]:
    """The role's notifications about recordings stored for this room."""
    return [
        notification
        for notification in notifications_of(world.session(role))
        if notification.get("app") == "spreed"
        and notification.get("object_type") == "recording"
        and notification.get("object_id") == world.room
    ]


def file_parameter(notification: dict[str, Any]) -> dict[str, Any]:
    """The rich `file` parameter of a "recording stored" notification."""
    for key in ("messageRichParameters", "subjectRichParameters"):
        parameters = notification.get(key)
        if isinstance(parameters, dict) and isinstance(parameters.get("file"), dict):
            return parameters["file"]
    return {}


def unix_time(iso: str) -> int:
    """Notification `datetime` (ISO 8601) as the Unix seconds the dismiss/share timestamp uses."""
    return int(datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp())


def notification_for(world: World, role: str, filename: str) -> dict[str, Any] | None:
    """Wait for the notification announcing the named stored file."""

    def find() -> dict[str, Any] | None:
        for notification in recording_notifications(world, role):
            if file_parameter(notification).get("name") == filename:
                return notification
        return None

    return poll(find)


@given(
    parsers.re(r'the recording server has stored "(?P<name>[^"]+)" for the (?P<role>moderator|participant)')
)
def stored_recording(world: World, name: str, role: str) -> None:
    """Upload a recording and remember its file id and notification timestamp, per owner."""
    upload_sample_file = sample(name)
    response = world.recording_server.store(world.room, world.user_id(role), upload_sample_file)
    if response.status_code != 200:
        raise SetupError(f"storing a recording answered {response.status_code}: {response.text[:200]}")
    world.note_on_target("stored", world.room, world.user_id(role))
    notification = notification_for(world, role, upload_sample_file.filename)
    if notification is None:
        raise SetupError(
            f"no notification about the stored recording {upload_sample_file.filename!r} appeared"
        )
    file = file_parameter(notification)
    try:
        stored = {
            "id": int(file["id"]),
            "name": file.get("name"),
            "timestamp": unix_time(notification["datetime"]),
        }
    except (KeyError, ValueError, TypeError) as error:
        raise SetupError(
            f"the recording notification lacks a file id or datetime ({error}): {notification!r}"
        ) from None
    world.stored_files[role] = stored
    if role == "moderator":
        world.stored_file = stored


# --- what the target sent to the recording server --------------------------------------------------


def _describe(requests_seen: list[dict[str, Any]]) -> str:
    return json.dumps([entry.get("message") for entry in requests_seen]) if requests_seen else "nothing"


@then(
    parsers.re(
        r"the recording server received (?:a|a new) request to start an? (?P<kind>video|audio) recording "
        r"owned by the moderator"
    )
)
def received_start(world: World, kind: str) -> None:
    """Exactly the start message Talk's BackendNotifier sends, correctly signed."""
    moderator = world.user_id("moderator")
    expected = {
        "type": "start",
        "start": {
            "status": protocol.RECORDING_KINDS[kind],
            "owner": moderator,
            "actor": {"type": "users", "id": moderator},
        },
    }
    seen = world.fake_requests_since_snapshot(1)
    starts = [entry for entry in seen if entry.get("type") == "start"]
    received = f"the recording server received {_describe(seen)}"
    assert starts, world.explain_action(received, json.dumps(expected))
    assert starts[-1]["message"] == expected, world.explain_action(
        f"the start request was {starts[-1]['body']}", json.dumps(expected)
    )
    assert starts[-1]["signature_valid"], world.explain_action(
        "the start request was not signed with the shared secret"
    )
    expect_backend_header(world, starts[-1], "start")


def expect_backend_header(world: World, entry: dict[str, Any], kind: str) -> None:
    """Talk-Recording-Backend names the target itself: where the recording server must send its reports."""
    backend = entry.get("backend")
    names_target = isinstance(backend, str) and backend.rstrip("/") == world.run.base_url.rstrip("/")
    assert names_target, world.explain_action(
        f"the {kind} request's Talk-Recording-Backend header is {backend!r}", repr(world.run.base_url + "/")
    )


@then(
    parsers.re(
        r"the recording server received a request to stop the recording"
        r" (?P<by>by the moderator|without an actor)"
    )
)
def received_stop(world: World, by: str) -> None:
    """A correctly signed stop message, with the caller as actor or with none (call ended)."""
    seen = world.fake_requests_since_snapshot(1)
    stops = [entry for entry in seen if entry.get("type") == "stop"]
    if by == "by the moderator":
        expected: Any = {
            "type": "stop",
            "stop": {"actor": {"type": "users", "id": world.user_id("moderator")}},
        }
        acceptable = [expected]
    else:
        expected = {"type": "stop", "stop": []}
        # PHP encodes the empty array as []; an empty object carries the same meaning to the recording server.
        acceptable = [expected, {"type": "stop", "stop": {}}]
    received = f"the recording server received {_describe(seen)}"
    assert stops, world.explain_action(received, json.dumps(expected))
    assert stops[-1]["message"] in acceptable, world.explain_action(
        f"the stop request was {stops[-1]['body']}", json.dumps(expected)
    )
    assert stops[-1]["signature_valid"], world.explain_action(
        "the stop request was not signed with the shared secret"
    )
    expect_backend_header(world, stops[-1], "stop")


@then("the recording server received no request")
def received_nothing(world: World) -> None:
    """The target did not contact the recording server about this room."""
    seen = world.fake_requests_since_snapshot()
    assert not seen, world.explain_action(f"the recording server received {_describe(seen)}", "no request")


@then("the recording server received no request to stop")
def received_no_stop(world: World) -> None:
    """The target did not send a stop for this room."""
    seen = [entry for entry in world.fake_requests_since_snapshot() if entry.get("type") == "stop"]
    received = f"the recording server received {_describe(seen)}"
    assert not seen, world.explain_action(received, "no stop request")
