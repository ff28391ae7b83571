"""POST /recording/backend: the recording server's signed started, stopped and failed callbacks."""

from reference_server import backend_auth, brute_force, rooms, state_machine
from reference_server.php_values import json_decode, json_encode
from reference_server.pipeline import Call


def unknown_type(call: Call, decoded_ok: bool, message):
    """A report of no known type (or a body that is not JSON): 400 unknown_type."""
    return call.typed_error(400, "unknown_type", unknown_type_message(call.talk_version, decoded_ok, message))


def unknown_type_message(talk_version: int, decoded_ok: bool, message) -> str:
    """Talk 22 repeats the decoded body; since Talk 23 the text no longer says what was sent."""
    if talk_version >= 23:
        return "The given request is not supported."
    rendered = json_encode(message if decoded_ok else None)
    return f"The given type {rendered} is not supported."


def _message_type(message) -> str | None:
    """PHP's loose ``switch``: exact strings, and ``true`` equals any non-empty string (the first case)."""
    if not isinstance(message, dict):
        return None
    value = message.get("type")
    if value is True:
        return "started"
    if isinstance(value, str) and value in ("started", "stopped", "failed"):
        return value
    return None


def _actor(value) -> tuple[str, str] | None | bool:
    """A well-formed actor object as a tuple; False when malformed."""
    if not isinstance(value, dict):
        return False
    actor_type, actor_id = value.get("type"), value.get("id")
    if not isinstance(actor_type, str) or not isinstance(actor_id, str):
        return False
    return actor_type, actor_id


def _resolve_actor(call: Call, room, actor: tuple[str, str]) -> tuple[str, str] | None:
    row = call.database.one(
        "SELECT actor_type, actor_id FROM attendees WHERE room_id = ? AND actor_type = ? AND actor_id = ?",
        room["id"],
        actor[0],
        actor[1],
    )
    return (row["actor_type"], row["actor_id"]) if row else None


def malformed_report(call: Call, message: dict):
    """A known type with missing or mistyped fields, or a status outside 0-5: refused as an unknown type.

    That is Talk 23's answer; Talk 22 ended in a 500 there, which the suite does not copy (register D16).
    """
    return unknown_type(call, True, message)


def unknown_room(call: Call):
    """A report about a conversation that does not exist: 404 no_such_room."""
    return call.typed_error(404, "no_such_room", "Room not found.")


def signed_part(raw: bytes) -> bytes:
    """The backend HMAC covers the random and the raw request body."""
    return raw


def reports_need_recording_enabled() -> bool:
    """started and failed are refused with 400 config while recording is off."""
    return True


def report_failed(call: Call, room):
    """A failed report moves the recording to failed from every state."""
    try:
        rooms.set_call_recording(
            call.state, room, state_machine.FAILED, check_enabled=reports_need_recording_enabled()
        )
    except rooms.RecordingDisabled:
        return call.typed_error(400, "config", "Recording is not enabled.")
    return call.ok()


async def backend(call: Call):
    """POST /recording/backend: signed callbacks ``started``, ``stopped``, ``failed``."""
    await backend_auth.brute_force_gate(call, brute_force.SECRET_ACTION, brute_force.STATUS_ACTION)
    media = call.request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    # PHP leaves php://input empty for multipart bodies: that is what gets verified and decoded.
    raw = b"" if media == "multipart/form-data" else call.raw_body
    if not backend_auth.signature_ok(call, signed_part(raw)):
        await backend_auth.register_attempt(call, brute_force.SECRET_ACTION)
        return call.typed_error(403, "invalid_request", backend_auth.NOT_AUTHENTICATED)
    decoded_ok, message = json_decode(raw)
    kind = _message_type(message)
    if kind is None:
        return unknown_type(call, decoded_ok, message)
    payload = message.get(kind)
    if not isinstance(payload, dict) or not isinstance(payload.get("token"), str):
        return malformed_report(call, message)
    room = rooms.room_by_token(call.database, payload["token"])
    if room is None:
        return unknown_room(call)
    if kind == "started":
        return await _started(call, room, message, payload)
    if kind == "stopped":
        actor = None
        if payload.get("actor") is not None:
            actor = _actor(payload["actor"])
            if actor is False:
                return malformed_report(call, message)
            actor = _resolve_actor(call, room, actor)
        rooms.set_call_recording(call.state, room, state_machine.NONE, actor=actor)
        return call.ok()
    return report_failed(call, room)


async def _started(call: Call, room, message: dict, payload: dict):
    async def not_starting():
        await backend_auth.register_attempt(call, brute_force.STATUS_ACTION)
        return call.typed_error(404, "no_such_room", "Room not found.")

    if not state_machine.accepts_started(room["call_recording"]):
        return await not_starting()
    status = payload.get("status")
    if type(status) is not int or status not in state_machine.ALL_STATES:
        return malformed_report(call, message)
    actor = _actor(payload.get("actor"))
    if actor is False:
        return malformed_report(call, message)
    resolved = _resolve_actor(call, room, actor)
    try:
        previous = rooms.set_call_recording(
            call.state,
            room,
            status,
            state_machine.started_accepted_from(),
            actor=resolved,
            check_enabled=reports_need_recording_enabled(),
        )
    except rooms.RecordingDisabled:
        return call.typed_error(400, "config", "Recording is not enabled.")
    if previous is None:
        return await not_starting()
    return call.ok()
