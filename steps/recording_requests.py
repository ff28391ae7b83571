"""When steps: participants of the conversation call the recording endpoints of the target."""

from __future__ import annotations

from typing import Any

import requests
from pytest_bdd import given, parsers, when

from conformance.outcomes import SetupError
from conformance.protocol import RECORDING_KINDS, TRIGGER_START, TRIGGER_STOP, TRIGGER_STOP_ANSWERED_404
from conformance.target import RECORDING
from steps.world import World

ACTOR = (
    r"(?P<actor>the moderator|the participant|the outsider|the guest|the administrator|an anonymous client)"
)


def role_of(actor: str) -> str:
    """ "the moderator" -> "moderator", "an anonymous client" -> "anonymous client"."""
    return actor.removeprefix("the ").removeprefix("an ")


def unknown_token(world: World) -> str:
    """A syntactically valid token that names no conversation."""
    return f"{world.profile.run_id}nosuchroom"[:30]


def call_recording_endpoint(
    world: World,
    actor: str,
    method: str,
    suffix: str = "",
    *,
    token: str | None = None,
    csrf_header: bool = True,
    trigger: str | None = None,
    **kwargs: Any,
) -> requests.Response:
    """Send one request to a recording endpoint as the actor and keep it for the Then steps."""
    session = world.session(role_of(actor))
    if not csrf_header:
        # None removes the session-wide header for this one request.
        kwargs["headers"] = {"OCS-APIRequest": None}
    room = token if token is not None else world.room
    response = world.act(
        lambda: session.request(method, f"{RECORDING}/{room}{suffix}", **kwargs), trigger=trigger
    )
    assert response is not None
    return response


# --- start -----------------------------------------------------------------------------------------


@when(
    parsers.re(ACTOR + r" starts an? (?P<kind>video|audio) recording(?P<where> in an unknown conversation)?")
)
def start_recording(world: World, actor: str, kind: str, where: str | None) -> None:
    """Start with status 1 (video) or 2 (audio)."""
    token = unknown_token(world) if where else None
    call_recording_endpoint(
        world, actor, "POST", token=token, trigger=TRIGGER_START, data={"status": RECORDING_KINDS[kind]}
    )


@when(parsers.re(ACTOR + r" starts an? (?P<kind>video|audio) recording without the OCS-APIRequest header"))
def start_recording_without_csrf_header(world: World, actor: str, kind: str) -> None:
    """Start without the header that satisfies Nextcloud's CSRF check."""
    call_recording_endpoint(world, actor, "POST", csrf_header=False, data={"status": RECORDING_KINDS[kind]})


@when(parsers.re(ACTOR + r' starts a recording with status "(?P<status>[^"]*)"'))
def start_recording_with_status(world: World, actor: str, status: str) -> None:
    """Start with a literal status value (form field)."""
    call_recording_endpoint(world, actor, "POST", data={"status": status})


@when(parsers.re(ACTOR + r" starts a recording without a status"))
def start_recording_without_status(world: World, actor: str) -> None:
    """Start with no status parameter at all."""
    call_recording_endpoint(world, actor, "POST")


@given(parsers.re(r"the moderator started an? (?P<kind>video|audio) recording"))
def moderator_started_recording(world: World, kind: str) -> None:
    """A start that must succeed for the scenario to make sense."""
    with world.preparing():
        response = call_recording_endpoint(
            world, "the moderator", "POST", data={"status": RECORDING_KINDS[kind]}
        )
    if response.status_code != 200:
        raise SetupError(
            f"starting a {kind} recording answered {response.status_code}: {response.text[:200]}"
        )


# --- stop ------------------------------------------------------------------------------------------


@when(parsers.re(ACTOR + r" stops the recording(?P<where> in an unknown conversation)?"))
def stop_recording(world: World, actor: str, where: str | None) -> None:
    """Stop the room's recording."""
    # Which transition a stop can cause depends on the recording server's answer, scripted by a Given.
    lost = world.scripted_answers.get("stop") == "404"
    trigger = TRIGGER_STOP_ANSWERED_404 if lost else TRIGGER_STOP
    call_recording_endpoint(
        world, actor, "DELETE", token=unknown_token(world) if where else None, trigger=trigger
    )


@when(parsers.re(ACTOR + r" stops the recording without the OCS-APIRequest header"))
def stop_recording_without_csrf_header(world: World, actor: str) -> None:
    """Stop without the header that satisfies Nextcloud's CSRF check."""
    call_recording_endpoint(world, actor, "DELETE", csrf_header=False)


# --- notifications and sharing ---------------------------------------------------------------------


def stored(world: World, key: str) -> Any:
    """A property of the recording stored in a Given step."""
    if world.stored_file is None:
        raise SetupError("the scenario has no stored recording (missing Given step)")
    return world.stored_file[key]


NO_CSRF = r"(?P<no_csrf> without the OCS-APIRequest header)?"


@when(parsers.re(ACTOR + r" dismisses the recording notification"))
def dismiss_notification(world: World, actor: str) -> None:
    """Dismiss by the timestamp of the stored recording's notification."""
    call_recording_endpoint(
        world, actor, "DELETE", "/notification", params={"timestamp": stored(world, "timestamp")}
    )


@when(
    parsers.re(
        ACTOR + r" dismisses (?:his|her|their) recording notifications from the time"
        r" the (?P<owner>moderator|participant)'s recording was stored"
    )
)
def dismiss_notifications_of_other_time(world: World, actor: str, owner: str) -> None:
    """Dismiss by the timestamp of another owner's stored-recording notification."""
    stored_for = world.stored_files.get(owner)
    if stored_for is None:
        raise SetupError(f"the scenario stored no recording for the {owner} (missing Given step)")
    params = {"timestamp": stored_for["timestamp"]}
    call_recording_endpoint(world, actor, "DELETE", "/notification", params=params)


@when(
    parsers.re(
        ACTOR + r' dismisses the recording notifications with timestamp "(?P<timestamp>-?\d+)"' + NO_CSRF
    )
)
def dismiss_notifications_at(world: World, actor: str, timestamp: str, no_csrf: str | None) -> None:
    """Dismiss by a literal timestamp."""
    params = {"timestamp": timestamp}
    call_recording_endpoint(world, actor, "DELETE", "/notification", params=params, csrf_header=not no_csrf)


@when(parsers.re(ACTOR + r" dismisses the recording notifications without a timestamp"))
def dismiss_notifications_without_timestamp(world: World, actor: str) -> None:
    """Dismiss with no timestamp parameter."""
    call_recording_endpoint(world, actor, "DELETE", "/notification")


@when(parsers.re(ACTOR + r" shares the stored recording into the chat" + NO_CSRF))
def share_recording(world: World, actor: str, no_csrf: str | None) -> None:
    """Share the stored recording, as the notification's action does."""
    data = {"fileId": stored(world, "id"), "timestamp": stored(world, "timestamp")}
    call_recording_endpoint(world, actor, "POST", "/share-chat", data=data, csrf_header=not no_csrf)


@when(parsers.re(ACTOR + r' shares the file "(?P<file_id>\d+)" into the chat'))
def share_file(world: World, actor: str, file_id: str) -> None:
    """Share a file id the caller does not have."""
    data = {"fileId": file_id, "timestamp": stored(world, "timestamp")}
    call_recording_endpoint(world, actor, "POST", "/share-chat", data=data)


@when(
    parsers.re(
        ACTOR
        + r" shares the stored recording into the chat with (?P<name>fileId|timestamp)"
        + r' (?:"(?P<value>-?\d+)"|missing)'
    )
)
def share_recording_with(world: World, actor: str, name: str, value: str | None) -> None:
    """Share with one parameter replaced (or left out)."""
    data = {"fileId": stored(world, "id"), "timestamp": stored(world, "timestamp")}
    if value is None:
        del data[name]
    else:
        data[name] = value
    call_recording_endpoint(world, actor, "POST", "/share-chat", data=data)


@when(parsers.re(ACTOR + r" shares the stored recording into the chat without a timestamp"))
def share_recording_without_timestamp(world: World, actor: str) -> None:
    """Share the stored recording with no timestamp parameter."""
    call_recording_endpoint(world, actor, "POST", "/share-chat", data={"fileId": stored(world, "id")})


# --- welcome ---------------------------------------------------------------------------------------


@when(parsers.re(ACTOR + r" asks for the welcome message of recording server (?P<index>-?\d+)" + NO_CSRF))
def ask_welcome(world: World, actor: str, index: str, no_csrf: str | None) -> None:
    """Ask the target to contact its configured recording server number `index`."""
    session = world.session(role_of(actor))
    headers = {"OCS-APIRequest": None} if no_csrf else {}
    world.act(lambda: session.request("GET", f"{RECORDING}/welcome/{index}", headers=headers))
