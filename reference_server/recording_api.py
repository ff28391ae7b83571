"""User-facing recording endpoints: start, stop, dismiss, share to chat, welcome (talk-behaviour §1, §2)."""

import logging

from reference_server import (
    chat,
    notifications,
    recording_server_client,
    rooms,
    state_machine,
    talk_config,
)
from reference_server.ocs import OcsError
from reference_server.php_values import to_int
from reference_server.pipeline import Call
from reference_server.store_api import shared_file_parameter

log = logging.getLogger("reference_server.recording")


def _room_for_moderator(call: Call, allow_guest_moderator: bool = False):
    """Injection middleware: room (404), then the participant (see injected_participant)."""
    room = rooms.room_by_token(call.database, call.path_params["token"])
    if room is None:
        raise OcsError(404)
    return room, injected_participant(call, room, allow_guest_moderator)


def injected_participant(call: Call, room, allow_guest_moderator: bool = False):
    """The caller's attendee row: 404 unless a participant, 403 unless a moderator."""
    attendee = rooms.attendee_for_user(call.database, room["id"], call.user) if call.user else None
    if attendee is None:
        raise OcsError(404)
    if not rooms.is_moderator(attendee["participant_type"], allow_guest_moderator):
        raise OcsError(403)
    return attendee


def _int_param(call: Call, name: str) -> int | None:
    """An integer parameter with PHP settype coercion; None when missing or not a scalar."""
    value = call.params.get(name)
    # PHP would coerce an array to 1; a structured value is a wrong type, so it counts as missing here.
    if value is None or isinstance(value, list | dict):
        return None
    return to_int(value)


# --- start / stop


def valid_start_status(status: int | None) -> bool:
    """A start asks for video (1) or audio (2); anything else is 400 status."""
    return status in (state_machine.VIDEO, state_machine.AUDIO)


def call_is_active(room) -> bool:
    """A recording needs an active call (else 400 call)."""
    return room["active_since"] is not None


def start_needs_recording_enabled() -> bool:
    """start refuses with 400 config while call recording is disabled."""
    return True


def start_refusal(call: Call, room, status: int | None, enabled: bool) -> str | None:
    """The first of Talk's start checks that fails, in Talk's order: status, recording, call, config."""
    if not valid_start_status(status):
        return "status"
    if not state_machine.can_start(room["call_recording"]):
        return "recording"
    if not call_is_active(room):
        return "call"
    if not enabled:
        return "config"
    return None


async def ask_to_start(call: Call, room, server: dict, body: bytes) -> None:
    """Ask the first recording server to start (before the state becomes starting for good)."""
    await recording_server_client.send(
        server, talk_config.recording_secret(call.database), call.state.absolute_url(), room["token"], body
    )


async def start(call: Call):
    """POST /recording/{token}: status → recording → call → config, then the recording server, then 3/4."""
    room, _ = _room_for_moderator(call)
    status = _int_param(call, "status")
    must_be_enabled = start_needs_recording_enabled()
    enabled = talk_config.is_recording_enabled(call.database) or not must_be_enabled
    refusal = start_refusal(call, room, status, enabled)
    if refusal is not None:
        return call.reason(refusal)
    claimed = state_machine.starting_state(status, room["call_recording"])
    # Claim the transition first (compare-and-set), so concurrent starts see 'recording'; undone if the
    # recording server refuses.
    try:
        previous = rooms.set_call_recording(
            call.state, room, claimed, state_machine.start_allowed_from(), check_enabled=must_be_enabled
        )
    except rooms.RecordingDisabled:
        return call.reason("config")
    if previous is None:
        return call.reason("recording")
    server = talk_config.recording_servers(call.database)[0]
    body = recording_server_client.start_body(status, call.user, "users", call.user)
    try:
        await ask_to_start(call, room, server, body)
    except recording_server_client.RecordingServerError as exc:
        call.database.run(
            "UPDATE rooms SET call_recording = ? WHERE id = ? AND call_recording = ?",
            previous,
            room["id"],
            claimed,
        )
        log.warning("start for %s failed: %s", room["token"], exc)
        raise
    call.database.run(
        "INSERT OR REPLACE INTO app_config (app, key, value) VALUES ('spreed', ?, ?)",
        f"recording/{room['token']}",
        call.user,
    )
    return call.ok()


async def stop(call: Call):
    """DELETE /recording/{token}: no-op in state 0; otherwise ask the recording server (404 ⇒ failed)."""
    room, _ = _room_for_moderator(call)
    if not state_machine.stop_sends_request(room["call_recording"]):
        return call.ok()
    servers = talk_config.recording_servers(call.database)
    if not servers:
        return call.ok()
    body = recording_server_client.stop_body(("users", call.user))
    try:
        secret = talk_config.recording_secret(call.database)
        await recording_server_client.send(servers[0], secret, call.state.absolute_url(), room["token"], body)
    except recording_server_client.RecordingNotFound:
        return recording_lost_on_stop(call, room)
    return call.ok()


def recording_lost_on_stop(call: Call, room):
    """The recording server answered the stop with 404: it lost the recording, so it failed."""
    try:
        rooms.set_call_recording(call.state, room, state_machine.FAILED, fallback_user=call.user)
    except rooms.RecordingDisabled:
        return call.reason("config")
    return call.ok()


# --- notification dismiss / share to chat


def _non_negative(call: Call, name: str) -> int | None:
    value = _int_param(call, name)
    return value if value is not None and value >= 0 else None


# The notifications app refuses a notification time of 0 (the epoch) with this InvalidArgumentException.
INVALID_DATETIME = "Value provided for dateTime is not valid"


def dismiss_timestamp_missing(timestamp: int | None) -> bool:
    """A dismissal names the creation time of the notifications it removes (else 400 timestamp)."""
    return timestamp is None


async def dismiss_notification(call: Call):
    """DELETE /recording/{token}/notification?timestamp=: dismiss the caller's notifications created then."""
    room, _ = _room_for_moderator(call, allow_guest_moderator=True)
    timestamp = _int_param(call, "timestamp")
    if dismiss_timestamp_missing(timestamp):
        return call.reason("timestamp")  # upstream: TypeError, 500 (D14)
    if timestamp == 0:
        return call.reason(INVALID_DATETIME)
    notifications.dismiss(call.database, call.user, room["token"], timestamp)
    return call.ok()


def _subject_for_file(name: str) -> str | None:
    if name.endswith(" - summary.md"):
        return "summary_file_stored"
    if " transcript " in name and name.endswith(".md"):
        return "transcript_file_stored"
    if name.endswith(".srt"):
        return None
    if not name.endswith(".md"):
        return "record_file_stored"
    return "transcript_file_stored"


def share_file_id_missing(file_id: int | None) -> bool:
    """Sharing names the file (else 400 fileId)."""
    return file_id is None


def unknown_file(call: Call):
    """A file the caller does not have: the suite requires 400 file (upstream: null node → 500, D15)."""
    return call.reason("file")


async def share_to_chat(call: Call):
    """POST /recording/{token}/share-chat: post the caller's file into the chat, dismiss its notification."""
    room, _ = _room_for_moderator(call, allow_guest_moderator=True)
    file_id = _non_negative(call, "fileId")
    if share_file_id_missing(file_id):
        return call.reason("fileId")
    timestamp = _int_param(call, "timestamp")
    if timestamp is None:
        return call.reason("timestamp")  # upstream: TypeError, 500 (X7)
    if timestamp == 0:
        return call.reason(INVALID_DATETIME)  # refused before anything is shared: bad input loses nothing
    row = call.database.one("SELECT * FROM files WHERE id = ? AND owner = ?", file_id, call.user)
    if row is None:
        return unknown_file(call)
    message_type = "record-video" if row["mimetype"].startswith("video/") else "record-audio"
    chat.post_file_share(
        call.database,
        room["id"],
        call.user,
        shared_file_parameter(call, row),
        message_type,
    )
    subject = _subject_for_file(row["path"].rsplit("/", 1)[-1])
    if subject:
        notifications.dismiss(call.database, call.user, room["token"], timestamp, (subject,))
    return call.ok()


# --- welcome


async def welcome(call: Call):
    """GET /recording/welcome/{serverId} (admin): the recording server's welcome JSON."""
    server_id = to_int(call.path_params["server_id"])  # digits only: the route refuses anything else
    servers = talk_config.recording_servers(call.database)
    if server_id >= len(servers):
        return call.error(404, None)
    try:
        data = await recording_server_client.welcome(servers[server_id])
    except recording_server_client.WelcomeError as exc:
        return call.error(500, {"error": exc.code})
    return call.ok(data)
