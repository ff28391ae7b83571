"""User-facing recording endpoints: start, stop, dismiss, share to chat, welcome (talk-behaviour §1, §2)."""

import logging

from reference_server import (
    chat,
    mutants,
    notifications,
    recording_server_client,
    rooms,
    state_machine,
    talk_config,
)
from reference_server.ocs import OcsError
from reference_server.php_values import to_int
from reference_server.pipeline import Call
from reference_server.store_api import file_parameter

log = logging.getLogger("reference_server.recording")


def _room_for_moderator(call: Call, allow_guest_moderator: bool = False):
    """Injection middleware: room (404), participant (404), moderator (403)."""
    room = rooms.room_by_token(call.database, call.path_params["token"])
    if room is None:
        raise OcsError(404)
    attendee = rooms.attendee_for_user(call.database, room["id"], call.user) if call.user else None
    if attendee is None:
        if mutants.on("participant-not-required"):
            return room, None
        raise OcsError(404)
    moderator = rooms.is_moderator(attendee["participant_type"], allow_guest_moderator)
    if not moderator and not mutants.on("moderator-not-required"):
        raise OcsError(403)
    return room, attendee


def _int_param(call: Call, name: str) -> int | None:
    """An integer parameter with PHP settype coercion; None when missing or not a scalar."""
    value = call.params.get(name)
    # PHP would coerce an array to 1; a structured value is a wrong type, so it counts as missing here.
    if value is None or isinstance(value, list | dict):
        return None
    return to_int(value)


# --- start / stop


async def start(call: Call):
    """POST /recording/{token}: status → recording → call → config, then the recording server, then 3/4."""
    room, _ = _room_for_moderator(call)
    status = _int_param(call, "status")
    if status not in (state_machine.VIDEO, state_machine.AUDIO) and not mutants.on("start-status-unchecked"):
        return call.reason("status")
    unchecked_recording = mutants.on("start-recording-unchecked")
    if not state_machine.can_start(room["call_recording"]) and not unchecked_recording:
        return call.reason("recording")
    enabled = talk_config.is_recording_enabled(call.database) or mutants.on("start-config-unchecked")
    if not enabled and mutants.on("start-config-before-call"):
        return call.reason("config")
    if room["active_since"] is None and not mutants.on("start-call-unchecked"):
        return call.reason("call")
    if not enabled:
        return call.reason("config")
    claimed = state_machine.starting_state(status)
    allowed = state_machine.ALL_STATES if unchecked_recording else state_machine.start_allowed_from()
    # Claim the transition first (compare-and-set), so concurrent starts see 'recording'; undone if the
    # recording server refuses.
    try:
        previous = rooms.set_call_recording(
            call.state, room, claimed, allowed, check_enabled=not mutants.on("start-config-unchecked")
        )
    except rooms.RecordingDisabled:
        return call.reason("config")
    if previous is None:
        return call.reason("recording")
    server = talk_config.recording_servers(call.database)[0]
    body = recording_server_client.start_body(status, call.user, "users", call.user)
    try:
        if not mutants.on("start-sends-nothing"):
            await recording_server_client.send(
                server, talk_config.recording_secret(call.database), call.state.base_url, room["token"], body
            )
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
    if not state_machine.stop_sends_request(room["call_recording"]) or mutants.on("stop-sends-nothing"):
        return call.ok()
    servers = talk_config.recording_servers(call.database)
    if not servers:
        return call.ok()
    body = recording_server_client.stop_body(("users", call.user))
    try:
        await recording_server_client.send(
            servers[0], talk_config.recording_secret(call.database), call.state.base_url, room["token"], body
        )
    except recording_server_client.RecordingNotFound:
        if mutants.on("stop-404-not-failed"):
            return call.ok()
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


async def dismiss_notification(call: Call):
    """DELETE /recording/{token}/notification?timestamp=: dismiss the caller's notifications created then."""
    room, _ = _room_for_moderator(call, allow_guest_moderator=True)
    timestamp = _int_param(call, "timestamp")  # None when missing, which the mutant reads as ANY_TIME
    if timestamp is None and not mutants.on("dismiss-timestamp-unchecked"):
        return call.reason("timestamp")  # upstream: TypeError, 500 (D14)
    if timestamp == 0:
        return call.reason(INVALID_DATETIME)
    if mutants.on("dismiss-ignores-timestamp"):
        timestamp = notifications.ANY_TIME
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


async def share_to_chat(call: Call):
    """POST /recording/{token}/share-chat: post the caller's file into the chat, dismiss its notification."""
    room, _ = _room_for_moderator(call, allow_guest_moderator=True)
    file_id = _non_negative(call, "fileId")
    if file_id is None and mutants.on("share-chat-fileid-unchecked"):
        file_id = 0
    if file_id is None:
        return call.reason("fileId")
    timestamp = _int_param(call, "timestamp")
    if timestamp is None:
        return call.reason("timestamp")  # upstream: TypeError, 500 (X7)
    if timestamp == 0:
        return call.reason(INVALID_DATETIME)  # refused before anything is shared: bad input loses nothing
    row = call.database.one("SELECT * FROM files WHERE id = ? AND owner = ?", file_id, call.user)
    if row is None and mutants.on("share-chat-file-unchecked"):
        return call.ok()
    if row is None:
        # Upstream: null node → 500 (D15); the suite requires 400 file.
        return call.reason("file")
    message_type = "record-video" if row["mimetype"].startswith("video/") else "record-audio"
    if not mutants.on("share-chat-posts-nothing"):
        chat.post_file_share(
            call.database,
            room["id"],
            call.user,
            file_parameter(call, row["id"], row["path"], row["mimetype"]),
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
